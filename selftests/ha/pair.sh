# shellcheck shell=bash
# pair.sh - two turnstile gateways, active and standby behind keepalived
# (VRRP), between a client LAN and a server LAN (source it after lib.sh).
#
#   C 192.0.2.10 --+-- cli0 GA srv0 --+-- S 198.51.100.10
#      (bridge     +-- cli0 GB srv0 --+     (bridge
#       lanc)                                lans)
#   GA: 192.0.2.2, 198.51.100.2    GB: 192.0.2.3, 198.51.100.3
#   virtual addresses (VRRP): 192.0.2.1 (the clients' gateway and DNS
#                             server), 198.51.100.1 (the server's gateway)
#   S also holds 203.0.113.0/24 (the addresses of N.fresh4.test) and runs
#   their DNS server on 198.51.100.54 (selftests/loader/dns_fresh_server.py)
#   and, when turnstile has the fleet (run --etcd), a 1-member etcd on
#   http://198.51.100.20:2379 that holds the pair's policy and the names
#   each gateway learns (docs/fleet.md)
#
# The bridges live in a namespace of their own. Each gateway runs
# `turnstile run` in its own mount namespace with its own bpffs (the pin
# directory is fixed) and keepalived in the foreground with its own pid
# files; docs/ha.md prints the keepalived.conf pair_keepalived_conf writes.

PAIR_VIP_C=192.0.2.1
PAIR_VIP_S=198.51.100.1
PAIR_CLIENT=192.0.2.10
PAIR_SERVER=198.51.100.10
PAIR_UPSTREAM=198.51.100.54
PAIR_FRESH=203.0.113.0/24
PAIR_ETCD=198.51.100.20
PAIR_ETCD_URL=http://$PAIR_ETCD:2379
PAIR_FLEET=pair
# What `turnstile run` takes its policy from: the file, or the fleet (pair_etcd)
PAIR_POLICY_ARGS=()
declare -A PAIR_ADDR_C=([ga]=192.0.2.2 [gb]=192.0.2.3)
declare -A PAIR_ADDR_S=([ga]=198.51.100.2 [gb]=198.51.100.3)
declare -A PAIR_NS PAIR_RUN_PID PAIR_KA_PID
# VRRPv3 advertisement interval (s) and the standby's priority: the
# standby takes over after 3 intervals plus (256 - priority) / 256 of one.
PAIR_ADVERT=0.2
PAIR_PRIO_STANDBY=100

# pair_link NS IFACE BRIDGE PORT ADDR/LEN: a veth from NS (named IFACE)
# to a port of BRIDGE in the bridges' namespace.
pair_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$NS_BR" || return 1
	ip -n "$NS_BR" link set "$4" master "$3" up &&
	ip -n "$1" addr add "$5" dev "$2" && ip -n "$1" link set "$2" up
}

pair_up() {
	local g
	NS_BR=$(ts_netns br) && NS_C=$(ts_netns c) && NS_S=$(ts_netns s) &&
	PAIR_NS[ga]=$(ts_netns ga) && PAIR_NS[gb]=$(ts_netns gb) || return 1
	for g in lanc lans; do
		ip -n "$NS_BR" link add "$g" type bridge && ip -n "$NS_BR" link set "$g" up || return 1
	done
	pair_link "$NS_C" c0 lanc p-c "$PAIR_CLIENT/24" &&
	pair_link "$NS_S" s0 lans p-s "$PAIR_SERVER/24" &&
	ip -n "$NS_S" addr add "$PAIR_UPSTREAM/24" dev s0 &&
	ip -n "$NS_S" route add local "$PAIR_FRESH" dev lo || return 1
	for g in ga gb; do
		pair_link "${PAIR_NS[$g]}" cli0 lanc "p-$g-c" "${PAIR_ADDR_C[$g]}/24" &&
		pair_link "${PAIR_NS[$g]}" srv0 lans "p-$g-s" "${PAIR_ADDR_S[$g]}/24" &&
		ip -n "${PAIR_NS[$g]}" route add "$PAIR_FRESH" via "$PAIR_SERVER" || return 1
		# the DNS proxy listens on the clients' virtual address before
		# this gateway holds it
		ts_nsexec "${PAIR_NS[$g]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.ip_nonlocal_bind=1 ||
			return 1
	done
	ip -n "$NS_C" route add default via "$PAIR_VIP_C" &&
	ip -n "$NS_S" route add default via "$PAIR_VIP_S"
}

# The policy both gateways run; $1: extra settings lines.
pair_policy() {
	cat <<EOF
settings {
    scope tcp/443,8443,8080
    outside-scope pass
    loose-pickup on
$1}
component clients { 192.0.2.0/25 }
component servers { $PAIR_SERVER }
component fresh { *.fresh4.test }
rule "C1": clients -> servers tcp/443
rule "F1": clients -> fresh tcp/8080
EOF
}

# True when this turnstile shares learned names through etcd (the fleet).
pair_has_fleet() { "$TS_BIN" run --help 2>&1 | grep -q -- '--etcd'; }

pair_etcdctl() {
	ts_nsexec "$NS_S" etcdctl --endpoints "$PAIR_ETCD_URL" --dial-timeout 2s --command-timeout 3s "$@"
}

# pair_etcd POLICY: a 1-member etcd on S (plain HTTP: the test's own
# network) holding POLICY as the fleet's; the gateways then take it from
# there (PAIR_POLICY_ARGS) and share the names they learn.
pair_etcd() {
	ip -n "$NS_S" addr add "$PAIR_ETCD/24" dev s0 || return 1
	ts_bg etcd ts_nsexec "$NS_S" etcd --name m1 --data-dir "$TS_TMP/etcd" \
		--listen-client-urls "$PAIR_ETCD_URL" --advertise-client-urls "$PAIR_ETCD_URL" \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster m1=http://127.0.0.1:2380 --log-level warn
	ts_wait_for 10 pair_etcdctl endpoint health >/dev/null 2>&1 &&
	pair_etcdctl put "/turnstile/$PAIR_FLEET/policy" <"$1" >/dev/null &&
	PAIR_POLICY_ARGS=(--etcd "$PAIR_ETCD_URL" --fleet "$PAIR_FLEET")
}

# pair_run G [ARGS...]: `turnstile run` on gateway G with the pair's
# policy (PAIR_POLICY_ARGS), XDP on both NICs, the DNS proxy on the
# clients' virtual address, in a mount namespace of its own with a fresh
# bpffs; waits until its status names it. The pid is the daemon's
# (unshare, sh and nsenter all exec).
pair_run() {
	local g=$1; shift
	local fleet=()
	[ "${PAIR_POLICY_ARGS[0]}" = --etcd ] && fleet=(--fleet-gateway "$g")
	mkdir -p "$TS_TMP/state-$g"
	ts_bg "run-$g" unshare --mount --propagation private -- sh -c \
		'mount -t bpf bpf /sys/fs/bpf && exec nsenter --net="$0" "$@"' \
		"/run/netns/${PAIR_NS[$g]}" "$TS_BIN" run "${PAIR_POLICY_ARGS[@]}" "${fleet[@]}" -i cli0 -i srv0 \
		--state-dir "$TS_TMP/state-$g" --resolver "$PAIR_UPSTREAM" --dns-listen "$PAIR_VIP_C" "$@"
	PAIR_RUN_PID[$g]=$TS_BG_PID
	ts_wait_for 20 pair_running "$g"
}
pair_running() { pair_ts "$1" status --json 2>/dev/null | grep -q "\"daemon_pid\":${PAIR_RUN_PID[$1]}"; }

# pair_servers: on S, on every address, the TLS echo server (443 and
# 8443) and a plain TCP echo (8080, what the fresh names serve), and the
# DNS server of fresh4.test.
pair_servers() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=server \
		-keyout "$TS_TMP/key.pem" -out "$TS_TMP/cert.pem" 2>/dev/null || return 1
	ts_bg server ts_nsexec "$NS_S" python3 "$TS_ROOT/selftests/ha/tls_echo.py" server \
		"$TS_TMP/cert.pem" "$TS_TMP/key.pem" 0.0.0.0 443 8443 tcp:8080
	ts_bg fresh ts_nsexec "$NS_S" python3 "$TS_ROOT/selftests/loader/dns_fresh_server.py" "$PAIR_UPSTREAM"
	ts_wait_for 5 grep -qs ready "$TS_TMP/server.log" && ts_wait_for 5 grep -qs ready "$TS_TMP/fresh.log"
}

# pair_resolve_connect N: the client resolves N.fresh4.test through the
# clients' virtual address and opens a TCP connection to its port 8080 at
# once (a dropped first SYN fails it): "addrs=... connect=ok" on success.
pair_resolve_connect() {
	ts_nsexec "$NS_C" python3 "$TS_ROOT/selftests/loader/dnsprobe.py" resolve "$PAIR_VIP_C" \
		"$1.fresh4.test" --connect 8080
}

# pair_connect ADDR PORT: the client opens a TCP connection (0.9 s: a
# dropped first SYN fails it).
pair_connect() {
	ts_nsexec "$NS_C" python3 -c 'import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=0.9).close()' "$1" "$2" 2>/dev/null
}

# pair_ts G ARGS...: the turnstile CLI on gateway G (its bpffs, its net).
pair_ts() {
	local g=$1; shift
	nsenter --mount="/proc/${PAIR_RUN_PID[$g]}/ns/mnt" --net="/run/netns/${PAIR_NS[$g]}" \
		-- "$TS_BIN" "$@"
}

# The keepalived.conf of the pair, one file for both nodes (keepalived -i
# NODE keeps the lines marked @NODE); $1: the directory of the FIFOs
# NODE.fifo each node reports its transitions to (the test's only).
pair_keepalived_conf() {
	cat <<EOF
global_defs {
    router_id turnstile-pair
    vrrp_version 3
    @ga notify_fifo $1/ga.fifo
    @gb notify_fifo $1/gb.fifo
}
vrrp_sync_group TURNSTILE {
    group {
        CLIENTS
        SERVERS
    }
}
EOF
	pair_vrrp_instance CLIENTS cli0 51 PAIR_ADDR_C "$PAIR_VIP_C"
	pair_vrrp_instance SERVERS srv0 52 PAIR_ADDR_S "$PAIR_VIP_S"
}

# pair_vrrp_instance NAME IFACE VRID ADDRS VIP: the VRRP instance of one
# side, ADDRS the name of the array of the nodes' addresses there.
pair_vrrp_instance() {
	local -n addr=$4
	cat <<EOF
vrrp_instance $1 {
    @ga state MASTER
    @gb state BACKUP
    @ga priority 150
    @gb priority $PAIR_PRIO_STANDBY
    interface $2
    virtual_router_id $3
    advert_int $PAIR_ADVERT
    @ga unicast_src_ip ${addr[ga]}
    @gb unicast_src_ip ${addr[gb]}
    unicast_peer {
        @ga ${addr[gb]}
        @gb ${addr[ga]}
    }
    virtual_ipaddress {
        $5/24 dev $2
    }
}
EOF
}

# pair_keepalived G: keepalived (VRRP only) in the foreground on gateway
# G, with its conf, pid files and the transitions it reports
# ($TS_TMP/transitions: "TIME NODE GROUP "NAME" STATE PRIORITY", the time
# taken as the line arrives on G's FIFO: no script is forked) in the
# test's dir.
pair_keepalived() {
	local g=$1 dir=$TS_TMP/keepalived
	if [ ! -f "$dir/keepalived.conf" ]; then
		mkdir -p "$dir" && chmod 700 "$dir"
		pair_keepalived_conf "$dir" >"$dir/keepalived.conf"
	fi
	if [ ! -p "$dir/$g.fifo" ]; then
		mkfifo -m 600 "$dir/$g.fifo" || return 1
		# read and write: the reader sees no end when keepalived goes
		# shellcheck disable=SC2016 # expanded by the inner bash
		ts_bg "fifo-$g" bash -c 'exec 3<>"$0"; while IFS= read -r l <&3; do
			echo "$EPOCHREALTIME $1 $l" >>"$2"; done' "$dir/$g.fifo" "$g" "$TS_TMP/transitions"
	fi
	ts_bg "keepalived-$g" nsenter --net="/run/netns/${PAIR_NS[$g]}" -- keepalived -n -l -D -G -P -i "$g" \
		-f "$dir/keepalived.conf" -p "$dir/$g.pid" -r "$dir/$g.vrrp.pid"
	PAIR_KA_PID[$g]=$TS_BG_PID
}

# pair_state_since G STATE T: true once G reported STATE for its sync
# group at or after time T (seconds since the epoch).
pair_state_since() {
	awk -v g="$1" -v s="$2" -v t="$3" \
		'$2 == g && $3 == "GROUP" && $5 == s && $1 >= t { f = 1 } END { exit !f }' \
		"$TS_TMP/transitions" 2>/dev/null
}

# The time G first reported STATE at or after T.
pair_state_time() {
	awk -v g="$1" -v s="$2" -v t="$3" \
		'$2 == g && $3 == "GROUP" && $5 == s && $1 >= t { print $1; exit }' "$TS_TMP/transitions"
}

# pair_kill G: the gateway dies: its links go down (PAIR_DOWN_AT: the
# time both are down, after which it sends nothing), its turnstile and
# keepalived are killed.
pair_kill() {
	local g=$1
	ip -n "${PAIR_NS[$g]}" link set cli0 down
	ip -n "${PAIR_NS[$g]}" link set srv0 down
	PAIR_DOWN_AT=$EPOCHREALTIME
	kill -9 "${PAIR_RUN_PID[$g]}" 2>/dev/null
	_ts_kill_tree "${PAIR_KA_PID[$g]}"
}

# pair_revive G: gateway G comes back as after a reboot (no virtual
# address, no pinned maps): links up, turnstile, then keepalived.
pair_revive() {
	local ns=${PAIR_NS[$1]}
	ip -n "$ns" addr del "$PAIR_VIP_C/24" dev cli0 2>/dev/null
	ip -n "$ns" addr del "$PAIR_VIP_S/24" dev srv0 2>/dev/null
	ip -n "$ns" link set cli0 up && ip -n "$ns" link set srv0 up &&
	ip -n "$ns" route replace "$PAIR_FRESH" via "$PAIR_SERVER" &&
	pair_run "$1" && pair_keepalived "$1"
}

# pair_holds G ADDR...: gateway G has a host entry for every ADDR (status
# lists the addresses of its names).
pair_holds() {
	local g=$1 st a; shift
	st=$(pair_ts "$g" status 2>/dev/null) || return 1
	for a in "$@"; do grep -q " $a " <<<"$st" || return 1; done
}
