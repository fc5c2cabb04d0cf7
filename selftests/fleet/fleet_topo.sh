# shellcheck shell=bash
# fleet_topo.sh - a fleet of 3 gateways and a 3-member etcd cluster, all in
# network namespaces (source after lib.sh and ../loader/topo.sh).
#
#   C1 192.0.2.2/26     --c0|gc-- G1 --gs|s1-- S   G1..G3 also --ge|eI-- E
#   C2 192.0.2.66/26    --c0|gc-- G2 --gs|s2-- S
#   C3 192.0.2.130/26   --c0|gc-- G3 --gs|s3-- S
#   S: dnsmasq 198.51.100.53 (acct.blob.test .10, later.blob.test .13, every
#      name under any.test .12), TCP echo on :443 of 198.51.100.10-14 (.14: no
#      name has it; forged names in etcd point at it)
#   E: etcd members m1..m3, clients on https://203.0.113.101-103:2379,
#      peers on http://127.0.0.1-3:2380 (E's own loopback)
#   Gi: `turnstile run --etcd ... --fleet f --fleet-gateway gwI`, XDP on gc
#       and gs, DNS proxy on its gc address, a bpffs of its own (its own
#       mount namespace), state in $TS_TMP/gwI
# TLS everywhere a client meets etcd (a CA made here with openssl), etcd
# auth on: root writes the policy, gateway gwI is etcd user gwI whose role
# may write only under gateways/gwI/ and names/gwI/ (docs/fleet.md).

FLEET=f
ETCD_URLS=https://203.0.113.101:2379,https://203.0.113.102:2379,https://203.0.113.103:2379
ETCD_PIDS=(0 0 0 0)
GW_PIDS=(0 0 0 0)
PKI=$TS_TMP/pki

gw_client() { echo "192.0.2.$((64 * ($1 - 1) + 2))"; }
gw_inside() { echo "192.0.2.$((64 * ($1 - 1) + 1))"; }

fleet_pki() {
	mkdir -p "$PKI" && (
		cd "$PKI" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
			-subj /CN=turnstile-test-ca 2>/dev/null || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 2 \
			-subj /CN=another-ca 2>/dev/null || exit 1
		# mk NAME CA SUBJECT EXT: a certificate NAME.crt signed by CA
		mk() {
			openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$3" 2>/dev/null &&
				printf '%s\n' "$4" >"$1.ext" &&
				openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial \
					-out "$1.crt" -days 2 -extfile "$1.ext" 2>/dev/null
		}
		mk server ca /CN=etcd "subjectAltName=IP:203.0.113.101,IP:203.0.113.102,IP:203.0.113.103,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth" || exit 1
		# no CommonName: etcd's JSON gateway refuses a client certificate
		# with one when auth is on (docs/fleet.md)
		mk client ca /O=turnstile-fleet "extendedKeyUsage=clientAuth" || exit 1
		mk stranger other-ca /O=turnstile-fleet "extendedKeyUsage=clientAuth" || exit 1
	)
}

# etcdctl inside E as ETCD_AS (USER:PASSWORD; "" before auth is on).
ETCD_AS=
ectl() {
	ts_nsexec "$NS_E" etcdctl --endpoints "$ETCD_URLS" --cacert "$PKI/ca.crt" \
		--cert "$PKI/client.crt" --key "$PKI/client.key" ${ETCD_AS:+--user "$ETCD_AS"} \
		--dial-timeout 2s --command-timeout 3s "$@"
}

# etcd_start I: member mI (its data dir kept across stops).
etcd_start() {
	local i=$1 cluster=m1=http://127.0.0.1:2380,m2=http://127.0.0.2:2380,m3=http://127.0.0.3:2380
	ts_bg "etcd$i" ts_nsexec "$NS_E" etcd --name "m$i" --data-dir "$TS_TMP/etcd$i" \
		--listen-client-urls "https://203.0.113.10$i:2379" \
		--advertise-client-urls "https://203.0.113.10$i:2379" \
		--listen-peer-urls "http://127.0.0.$i:2380" --initial-advertise-peer-urls "http://127.0.0.$i:2380" \
		--initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token ts-fleet-test \
		--cert-file "$PKI/server.crt" --key-file "$PKI/server.key" \
		--trusted-ca-file "$PKI/ca.crt" --client-cert-auth --log-level warn
	ETCD_PIDS[$i]=$TS_BG_PID
}

# etcd_stop I [SIGNAL]: stop member mI (TERM, or e.g. KILL) and wait for it.
etcd_stop() {
	_ts_kill_tree_sig "${ETCD_PIDS[$1]}" "${2:-TERM}"
	wait "${ETCD_PIDS[$1]}" 2>/dev/null
}
_ts_kill_tree_sig() {
	local child
	for child in $(pgrep -P "$1"); do _ts_kill_tree_sig "$child" "$2"; done
	kill "-$2" "$1" 2>/dev/null
}

etcd_healthy() { ectl endpoint health >/dev/null 2>&1; }

# etcd_auth: users root and gw1..gw3, a role per gateway, auth on.
etcd_auth() {
	local i
	ectl user add root:rootpw >/dev/null && ectl user grant-role root root >/dev/null || return 1
	for i in 1 2 3; do
		echo "gw${i}pw" >"$PKI/gw$i.password"
		ectl user add "gw$i:gw${i}pw" >/dev/null &&
			ectl role add "gw$i" >/dev/null &&
			ectl role grant-permission "gw$i" --prefix=true read "/turnstile/$FLEET/" >/dev/null &&
			ectl role grant-permission "gw$i" --prefix=true readwrite "/turnstile/$FLEET/gateways/gw$i/" >/dev/null &&
			ectl role grant-permission "gw$i" --prefix=true readwrite "/turnstile/$FLEET/names/gw$i/" >/dev/null &&
			ectl user grant-role "gw$i" "gw$i" >/dev/null || return 1
	done
	ectl auth enable >/dev/null && ETCD_AS=root:rootpw
}

fleet_topo_up() {
	local i a
	NS_E=$(ts_netns e) && NS_S=$(ts_netns s) || return 1
	for a in 198.51.100.53 198.51.100.10 198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14; do
		ip -n "$NS_S" addr add "$a/32" dev lo
	done
	for i in 1 2 3; do
		ip -n "$NS_E" addr add "203.0.113.10$i/32" dev lo
		local g c
		g=$(ts_netns "g$i") && c=$(ts_netns "c$i") || return 1
		eval "NS_G$i=$g NS_C$i=$c"
		ip link add c0 netns "$c" type veth peer name gc netns "$g" || return 1
		ip link add "s$i" netns "$NS_S" type veth peer name gs netns "$g" || return 1
		ip link add "e$i" netns "$NS_E" type veth peer name ge netns "$g" || return 1
		ip -n "$c" addr add "$(gw_client "$i")/26" dev c0
		ip -n "$g" addr add "$(gw_inside "$i")/26" dev gc
		ip -n "$g" addr add "198.51.100.$((128 + 8 * i + 1))/29" dev gs
		ip -n "$NS_S" addr add "198.51.100.$((128 + 8 * i + 2))/29" dev "s$i"
		ip -n "$g" addr add "203.0.113.$((16 * i + 1))/28" dev ge
		ip -n "$NS_E" addr add "203.0.113.$((16 * i + 2))/28" dev "e$i"
		ip -n "$c" link set c0 up
		ip -n "$g" link set gc up
		ip -n "$g" link set gs up
		ip -n "$g" link set ge up
		ip -n "$NS_S" link set "s$i" up
		ip -n "$NS_E" link set "e$i" up
		ip -n "$c" route add default via "$(gw_inside "$i")"
		ip -n "$g" route add default via "198.51.100.$((128 + 8 * i + 2))"
		ip -n "$g" route add 203.0.113.96/28 via "203.0.113.$((16 * i + 2))"
		ip -n "$NS_S" route add "192.0.2.$((64 * (i - 1)))/26" via "198.51.100.$((128 + 8 * i + 1))"
		ts_nsexec "$g" sysctl -qw net.ipv4.ip_forward=1
	done
	topo_servers "$NS_S" 443 || return 1
	cat >"$TS_TMP/hosts" <<EOF2
198.51.100.10 acct.blob.test
198.51.100.13 later.blob.test
EOF2
	ts_bg dnsmasq ts_nsexec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --addn-hosts="$TS_TMP/hosts" --local=/test/ --local-ttl=60 \
		--address=/any.test/198.51.100.12 \
		--user=root --pid-file= --listen-address=198.51.100.53 --bind-interfaces
	ts_wait_for 5 sh -c "ss -N '$NS_S' -lun 2>/dev/null | grep -q 198.51.100.53:53" || return 1
	for i in 1 2 3; do
		ts_wait_for 5 topo_connect "$(gw_ns C "$i")" 198.51.100.10 443 || return 1
	done
	fleet_pki || return 1
	for i in 1 2 3; do etcd_start "$i"; done
	ts_wait_for 20 etcd_healthy || return 1
	etcd_auth
}

# gw_ns G|C I: the namespace of gateway I or of its client.
gw_ns() { eval "echo \$NS_$1$2"; }

# fleet_policy [EXTRA]: the fleet's policy text; EXTRA lines go at its end.
fleet_policy() {
	cat <<EOF2
settings {
    scope tcp/443
    outside-scope drop
}
component clients { 192.0.2.0/24 }
component blob { *.blob.test *.any.test }
component named { exact.any.test }
rule "B1": clients -> blob tcp/443
rule "N1": clients -> named tcp/443
$1
EOF2
}

# policy_put TEXT: root writes the fleet policy; prints nothing.
policy_put() { printf '%s' "$1" | ectl put "/turnstile/$FLEET/policy" >/dev/null; }

# gw_mnt I: gateway I's mount namespace with a bpffs of its own, held by
# a sleeping process (MNT_PIDS[I]) so that its pins (and enforcement)
# outlive the daemon. Call it in the main shell, not in $(...).
MNT_PIDS=(0 0 0 0)
gw_mnt() {
	[ "${MNT_PIDS[$1]}" != 0 ] && return 0
	unshare --mount --propagation private -- sh -c \
		'mount -t bpf bpf /sys/fs/bpf && touch "$0" && exec sleep infinity' "$TS_TMP/mnt$1.ready" &
	MNT_PIDS[$1]=$!
	ts_on_exit "kill -9 ${MNT_PIDS[$1]}"
	ts_wait_for 5 test -e "$TS_TMP/mnt$1.ready"
}

# gw_start I [ARGS...]: gateway I's daemon; its pid in GW_PIDS[I], its log
# $TS_TMP/gwI.log (appended: a restart keeps the earlier lines).
gw_start() {
	local i=$1
	shift
	mkdir -p "$TS_TMP/gw$i"
	gw_mnt "$i" || return 1
	nsenter --mount="/proc/${MNT_PIDS[$i]}/ns/mnt" --net="/run/netns/$(gw_ns G "$i")" -- \
		"$TS_BIN" run -i gc -i gs --resolver 198.51.100.53 --dns-listen "$(gw_inside "$i")" \
		--state-dir "$TS_TMP/gw$i" --etcd "$ETCD_URLS" --fleet "$FLEET" --fleet-gateway "gw$i" \
		--etcd-cacert "$PKI/ca.crt" --etcd-cert "$PKI/client.crt" --etcd-key "$PKI/client.key" \
		--etcd-user "gw$i" --etcd-password-file "$PKI/gw$i.password" "$@" >>"$TS_TMP/gw$i.log" 2>&1 &
	GW_PIDS[$i]=$!
	ts_on_exit "kill -9 ${GW_PIDS[$i]}"
	ts_wait_for 20 gw_running "$i"
}

# gw_ts I ARGS...: `turnstile ARGS` in gateway I's namespaces.
gw_ts() {
	local i=$1
	shift
	nsenter --mount="/proc/${MNT_PIDS[$i]}/ns/mnt" --net="/run/netns/$(gw_ns G "$i")" -- "$TS_BIN" "$@"
}

gw_running() { gw_ts "$1" status --json 2>/dev/null | grep -q "\"daemon_pid\":${GW_PIDS[$1]}"; }

# gw_revision I: the fleet revision gateway I enforces (its status).
gw_revision() {
	gw_ts "$1" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fleet"]["revision"])'
}

# gw_connected I: succeeds while gateway I's status says its etcd watch is live.
gw_connected() {
	gw_ts "$1" status --json | python3 -c 'import json,sys; sys.exit(not json.load(sys.stdin)["fleet"]["etcd_connected"])'
}

# gw_stop I: TERM gateway I's daemon; enforcement stays (its pins do).
gw_stop() {
	kill -TERM "${GW_PIDS[$1]}" 2>/dev/null
	wait "${GW_PIDS[$1]}" 2>/dev/null
}

# client_connect I ADDR: "ok" or "FAIL:why", tcp/443 from gateway I's client.
client_connect() {
	ts_nsexec "$(gw_ns C "$1")" python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import dnsprobe
print(dnsprobe.connect(sys.argv[2], 443))' "$TS_ROOT/selftests/loader" "$2"
}

# client_resolve I NAME: resolve NAME through gateway I's DNS proxy and connect.
client_resolve() {
	ts_nsexec "$(gw_ns C "$1")" python3 "$TS_ROOT/selftests/loader/dnsprobe.py" resolve \
		"$(gw_inside "$1")" "$2" --connect 443
}

fleet_status_json() {
	ts_nsexec "$NS_E" "$TS_BIN" fleet status --json --etcd "$ETCD_URLS" --fleet "$FLEET" \
		--etcd-cacert "$PKI/ca.crt" --etcd-cert "$PKI/client.crt" --etcd-key "$PKI/client.key" \
		--etcd-user root --etcd-password-file <(echo rootpw) "$@"
}
