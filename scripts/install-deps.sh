#!/bin/sh
# Install, from Debian's archive, exactly the packages turnstile needs that
# this machine lacks. Safe to run again: it installs nothing when all are there.
set -eu

BUILD_PKGS="make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libc-ares-dev libclang-rt-14-dev"
# dnsmasq-base: the binary without a host service; dnsutils (dig) and
# knot-dnsutils (kdig) are the DNS proxy tests' clients; xdp-tools and nftables are
# the benchmark peers; gnuplot-nox draws bench-live's plot, conntrack empties its
# conntrack table between receivers, ethtool turns GRO on for the receivers without XDP,
# linux-perf profiles a receiver (docs/bench.md, bench_jitlines).
TEST_PKGS="iproute2 dnsmasq-base dnsutils knot-dnsutils openssl curl util-linux xdp-tools nftables procps python3 groff-base man-db bsdextrautils jq strace gnuplot-nox conntrack ethtool linux-perf"
# The deployment tests (selftests/deploy, docs/deploy.md): systemd-nspawn
# boots a systemd for the service test, lintian checks the package,
# prometheus brings promtool and the server that scrapes `run --metrics`
# (its service is not started where systemd is not init).
DEPLOY_PKGS="systemd systemd-container dpkg-dev lintian prometheus"
# The fleet (docs/fleet.md): etcd holds the policy and the shared names,
# reached over its HTTP/JSON gateway with libcurl and json-c; keepalived
# runs the HA pair's VRRP. socat, chrony and iputils-ping are the real
# UDP and ICMP clients and servers of the UDP/ICMP rule tests.
FLEET_PKGS="etcd-server etcd-client keepalived libcurl4-openssl-dev libjson-c-dev"
PROTO_PKGS="socat chrony iputils-ping"

missing=""
for p in $BUILD_PKGS $TEST_PKGS $DEPLOY_PKGS $FLEET_PKGS $PROTO_PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || apt-get update
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
