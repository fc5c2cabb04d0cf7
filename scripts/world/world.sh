#!/bin/bash
# world.sh - the seed deployment in network namespaces (docs/DESIGN.md's
# addressing plan): a routing gateway, one namespace per component, the
# rogue host, dnsmasq and an HTTPS server on 443 at every address.
#
# Source it for the functions (tests, demo):
#   WORLD_PREFIX  namespace name prefix, unique per run (default tsw<pid>-)
#   WORLD_DIR     scratch directory (certificates, dnsmasq files, logs)
#   world_up / world_down, world_exec KEY CMD, world_nsenter KEY CMD,
#   world_attempt SRC DST FAMILY, world_matrix ..., world_dns_set ...
# It sources nothing from the product: the world runs with or without
# turnstile in the gateway.
#
# Run it for a shell inside a fresh world (torn down when the shell exits):
#   scripts/world/world.sh shell

WORLD_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=plan.sh
. "$WORLD_SCRIPTS/plan.sh"
# shellcheck source=topology.sh
. "$WORLD_SCRIPTS/topology.sh"
# shellcheck source=dns.sh
. "$WORLD_SCRIPTS/dns.sh"
# shellcheck source=tls.sh
. "$WORLD_SCRIPTS/tls.sh"
# shellcheck source=client.sh
. "$WORLD_SCRIPTS/client.sh"
# shellcheck source=matrix.sh
. "$WORLD_SCRIPTS/matrix.sh"

# shellcheck source=../poll.sh
. "$WORLD_SCRIPTS/../poll.sh"
# world_wait SECONDS CMD...: poll CMD every 50 ms until it succeeds.
world_wait() { poll_until "$@"; }

world_up() {
	if [ -z "${WORLD_DIR:-}" ]; then
		WORLD_DIR=$(mktemp -d /tmp/turnstile-world.XXXXXX) || return 1
		WORLD_OWN_DIR=1
	fi
	world_topology_up || { echo "world: topology failed" >&2; return 1; }
	world_tls_up || { echo "world: certificates failed" >&2; return 1; }
	world_dns_up || { echo "world: dnsmasq does not answer" >&2; return 1; }
	world_servers_up
}

world_down() {
	world_topology_down
	if [ "${WORLD_OWN_DIR:-0}" = 1 ] && [ -n "${WORLD_DIR:-}" ]; then
		rm -rf "$WORLD_DIR"
		WORLD_DIR=""
	fi
	return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	shell)
		trap world_down EXIT
		trap 'exit 130' INT TERM
		world_up || exit 1
		echo "world is up: namespaces $(world_ns '*'), files in $WORLD_DIR"
		echo "e.g. ip netns exec $(world_ns ep) curl --cacert $(world_ca) https://${WORLD_NAME[dm]}/index.html"
		WORLD_PREFIX=$WORLD_PREFIX WORLD_DIR=$WORLD_DIR PS1='world# ' bash --norc -i
		;;
	*)
		echo "usage: $0 shell" >&2
		exit 2
		;;
	esac
fi
