# shellcheck shell=bash
# dns_topo.sh - the network of the DNS proxy tests and bench (source it
# after lib.sh and topo.sh; it uses topo_servers and ts_g).
#
#   C 192.0.2.2, 192.0.2.3, 2001:db8:c::2 --c0|gc-- G 192.0.2.1 --gs|s0-- S
#   G: `turnstile run --dns-listen 192.0.2.1` (dns_run), outside-scope drop
#   S: dnsmasq on 198.51.100.53 (the upstream), TCP echo on every address
#      of S: 198.51.100.10-12 (real names), 198.51.100.100-139 (big.blob.test),
#      203.0.113.66-68 (the attacker's addresses), all of 2001:db8:f::/64
#      (a local route: fresh.test's addresses)
#
# Zones of the upstream (dnsmasq, --log-queries to $DNS_QLOG):
#   acct.blob.test 198.51.100.10, real.blob.test 198.51.100.11, big.blob.test
#   40 A records (an answer over 512 bytes), other names under blob.test
#   NXDOMAIN; every name under any.test 198.51.100.12; every name under
#   evil.test (the attacker's zone) 203.0.113.66, under evil2.test
#   203.0.113.68; "a b.blob.test" (a space
#   in the label) 203.0.113.67; slow.test is forwarded to an address that
#   never answers; fresh.test is forwarded to dns_fresh_server.py on
#   198.51.100.54 (a fresh AAAA for every fresh name); the rest of .test
#   NXDOMAIN.
# Policy: clients 192.0.2.0/24 and 2001:db8:c::/64 may open tcp/443 to
# *.blob.test, *.any.test and *.fresh.test.

DNS_PROXY=192.0.2.1
DNS_UPSTREAM=198.51.100.53
CLIENT1=192.0.2.2
CLIENT2=192.0.2.3
CLIENT6=2001:db8:c::2
ACCT_ADDR=198.51.100.10
EVIL_ADDR=203.0.113.66
SPACE_ADDR=203.0.113.67
EVIL2_ADDR=203.0.113.68
DNSPROBE=$TS_ROOT/selftests/loader/dnsprobe.py

dns_topo_up() {
	NS_C=$(ts_netns c) && NS_G=$(ts_netns g) && NS_S=$(ts_netns s) || return 1
	ip link add c0 netns "$NS_C" type veth peer name gc netns "$NS_G" || return 1
	ip link add s0 netns "$NS_S" type veth peer name gs netns "$NS_G" || return 1
	ip -n "$NS_C" addr add $CLIENT1/24 dev c0
	ip -n "$NS_C" addr add $CLIENT2/24 dev c0
	ip -n "$NS_G" addr add $DNS_PROXY/24 dev gc
	ip -n "$NS_G" addr add 198.51.100.1/24 dev gs
	ip -n "$NS_S" addr add 198.51.100.2/24 dev s0
	ip -n "$NS_C" addr add $CLIENT6/64 dev c0 nodad
	ip -n "$NS_G" addr add 2001:db8:c::1/64 dev gc nodad
	ip -n "$NS_G" addr add 2001:db8:5::1/64 dev gs nodad
	ip -n "$NS_S" addr add 2001:db8:5::2/64 dev s0 nodad
	local a
	for a in $DNS_UPSTREAM 198.51.100.54 198.51.100.10 198.51.100.11 198.51.100.12 $(seq -f '198.51.100.%g' 100 139); do
		ip -n "$NS_S" addr add "$a/24" dev s0
	done
	ip -n "$NS_S" addr add $EVIL_ADDR/24 dev s0
	ip -n "$NS_S" addr add $SPACE_ADDR/24 dev s0
	ip -n "$NS_S" addr add $EVIL2_ADDR/24 dev s0
	# no DAD: a tentative link-local address delays the first neighbour
	# solicitation by a second, which a first SYN would pay for
	ts_nsexec "$NS_C" sysctl -qw net.ipv6.conf.c0.accept_dad=0
	ts_nsexec "$NS_G" sysctl -qw net.ipv6.conf.gc.accept_dad=0 net.ipv6.conf.gs.accept_dad=0
	ts_nsexec "$NS_S" sysctl -qw net.ipv6.conf.s0.accept_dad=0
	ip -n "$NS_C" link set c0 up
	ip -n "$NS_G" link set gc up
	ip -n "$NS_G" link set gs up
	ip -n "$NS_S" link set s0 up
	ip -n "$NS_C" route add default via $DNS_PROXY
	ip -n "$NS_C" -6 route add default via 2001:db8:c::1
	ip -n "$NS_S" route add default via 198.51.100.1
	ip -n "$NS_S" -6 route add default via 2001:db8:5::1
	ip -n "$NS_S" -6 route add local 2001:db8:f::/64 dev lo
	ip -n "$NS_G" route add 203.0.113.0/24 via 198.51.100.2
	ip -n "$NS_G" -6 route add 2001:db8:f::/64 via 2001:db8:5::2
	ts_nsexec "$NS_G" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	topo_servers "$NS_S" 443 || return 1
	# Before any firewall: both paths work, neighbours resolved (a first
	# SYN waiting for neighbour discovery would look like a dropped one).
	ts_wait_for 5 topo_connect "$NS_C" 2001:db8:f::1 443 &&
		ts_wait_for 5 topo_connect "$NS_C" $ACCT_ADDR 443 &&
		ts_wait_for 5 topo_connect "$NS_C" $EVIL_ADDR 443
}

DNS_QLOG=
# dns_upstream_start: dnsmasq on S with the zones above; pid in $DNSMASQ_PID
# (the tests stop it for an outage).
dns_upstream_start() {
	local i
	DNS_QLOG=$TS_TMP/dnsmasq-queries.log
	{
		echo "198.51.100.10 acct.blob.test"
		echo "198.51.100.11 real.blob.test"
		for i in $(seq 100 139); do echo "198.51.100.$i big.blob.test"; done
	} >"$TS_TMP/hosts"
	if ! [ -f "$TS_TMP/fresh.log" ]; then
		ts_bg fresh ts_nsexec "$NS_S" python3 "$TS_ROOT/selftests/loader/dns_fresh_server.py" 198.51.100.54
		ts_wait_for 5 grep -q ready "$TS_TMP/fresh.log" || return 1
	fi
	ts_bg dnsmasq ts_nsexec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --addn-hosts="$TS_TMP/hosts" --local=/test/ --local-ttl=60 \
		--address=/any.test/198.51.100.12 --address=/evil.test/$EVIL_ADDR --address=/evil2.test/$EVIL2_ADDR \
		"--address=/a b.blob.test/$SPACE_ADDR" --server=/slow.test/198.51.100.99 --server=/fresh.test/198.51.100.54 \
		--cache-size=10000 --dns-forward-max=1000 \
		--log-queries --log-facility="$DNS_QLOG" \
		--user=root --pid-file= --listen-address=$DNS_UPSTREAM --bind-interfaces
	# shellcheck disable=SC2034 # used by the files that source this one
	DNSMASQ_PID=$TS_BG_PID
	ts_wait_for 5 sh -c "ss -N '$NS_S' -lun 2>/dev/null | grep -q $DNS_UPSTREAM:53"
}

# Queries dnsmasq has received so far (from its query log).
dns_upstream_queries() { grep -c ' query\[' "$DNS_QLOG"; }

dns_policy() {
	cat <<EOF
settings {
    scope tcp/443
    outside-scope drop
}
component clients { 192.0.2.0/24 2001:db8:c::/64 }
component blob { *.blob.test *.any.test *.fresh.test }
rule "B1": clients -> blob tcp/443
EOF
}

# dns_run NAME STATE_DIR [ARGS...]: the daemon with the proxy on G; its pid
# in $RUN_PID, its log $TS_TMP/NAME.log. Fails unless it serves DNS.
dns_run() {
	local name=$1 state=$2
	shift 2
	[ -f "$TS_TMP/p.policy" ] || dns_policy >"$TS_TMP/p.policy"
	ts_bg "$name" nsenter --net="/run/netns/$NS_G" "$TS_BIN" run "$TS_TMP/p.policy" -i gc -i gs \
		--resolver $DNS_UPSTREAM --dns-listen $DNS_PROXY --state-dir "$state" "$@"
	RUN_PID=$TS_BG_PID
	ts_wait_for 20 sh -c "'$TS_BIN' status --json 2>/dev/null | grep -q '\"daemon_pid\":$RUN_PID'" &&
		ts_wait_for 5 sh -c "ss -N '$NS_G' -lun | grep -q $DNS_PROXY:53"
}

# dns_stop: TERM the daemon and wait for it (the firewall stays up).
dns_stop() {
	kill -TERM "$RUN_PID" 2>/dev/null
	wait "$RUN_PID" 2>/dev/null
}

# dns_generation: the loader state's generation (bumped by each reload).
dns_generation() {
	ts_g status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'
}

# dns_reload: SIGHUP and wait until the reload is done.
dns_reload() {
	local gen0
	gen0=$(dns_generation)
	kill -HUP "$RUN_PID"
	ts_wait_for 5 sh -c "[ \$('$TS_BIN' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"generation\"])') -gt $gen0 ]"
}

# dnsprobe ARGS...: selftests/loader/dnsprobe.py in the client namespace.
dnsprobe() { ts_nsexec "$NS_C" python3 "$DNSPROBE" "$@"; }

# dns_connect ADDR [SRC]: "ok" or "FAIL:why" for tcp/443 from C (0.9 s:
# a dropped first SYN fails it).
dns_connect() {
	ts_nsexec "$NS_C" python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import dnsprobe
print(dnsprobe.connect(sys.argv[2], 443, sys.argv[3] if len(sys.argv) > 3 else None))' \
		"$(dirname "$DNSPROBE")" "$@"
}

# dns_names_json: the names of status --json, one JSON object a line.
dns_names_json() {
	ts_g status --json | python3 -c 'import json,sys
for n in json.load(sys.stdin).get("names", []): print(json.dumps(n))'
}
