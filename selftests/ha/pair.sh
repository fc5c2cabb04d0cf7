# shellcheck shell=bash
# pair.sh - two turnstile gateways, active and standby behind keepalived
# (VRRP), between a client LAN and a server LAN (source it after lib.sh).
#
#   C 192.0.2.10 --+-- cli0 GA srv0 --+-- S 198.51.100.10
#      (bridge     +-- cli0 GB srv0 --+     (bridge
#       lanc)                                lans)
#   GA: 192.0.2.2, 198.51.100.2    GB: 192.0.2.3, 198.51.100.3
#   virtual addresses (VRRP): 192.0.2.1 (the clients' gateway),
#                             198.51.100.1 (the server's gateway)
#
# The bridges live in a namespace of their own. Each gateway runs
# `turnstile run` in its own mount namespace with its own bpffs (the pin
# directory is fixed) and keepalived in the foreground with its own pid
# files; docs/ha.md prints the keepalived.conf pair_keepalived_conf writes.

PAIR_VIP_C=192.0.2.1
PAIR_VIP_S=198.51.100.1
PAIR_CLIENT=192.0.2.10
PAIR_SERVER=198.51.100.10
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
	pair_link "$NS_S" s0 lans p-s "$PAIR_SERVER/24" || return 1
	for g in ga gb; do
		pair_link "${PAIR_NS[$g]}" cli0 lanc "p-$g-c" "${PAIR_ADDR_C[$g]}/24" &&
		pair_link "${PAIR_NS[$g]}" srv0 lans "p-$g-s" "${PAIR_ADDR_S[$g]}/24" || return 1
		ts_nsexec "${PAIR_NS[$g]}" sysctl -qw net.ipv4.ip_forward=1 || return 1
	done
	ip -n "$NS_C" route add default via "$PAIR_VIP_C" &&
	ip -n "$NS_S" route add default via "$PAIR_VIP_S"
}

# The policy both gateways run; $1: extra settings lines.
pair_policy() {
	cat <<EOF
settings {
    scope tcp/443,8443
    outside-scope pass
    loose-pickup on
$1}
component clients { 192.0.2.0/25 }
component servers { $PAIR_SERVER }
rule "C1": clients -> servers tcp/443
EOF
}

# pair_run G POLICY [ARGS...]: `turnstile run` on gateway G, XDP on both
# NICs, in a mount namespace of its own with a fresh bpffs; waits until
# its status names it. The pid is the daemon's (unshare, sh and nsenter
# all exec).
pair_run() {
	local g=$1 policy=$2; shift 2
	mkdir -p "$TS_TMP/state-$g"
	ts_bg "run-$g" unshare --mount --propagation private -- sh -c \
		'mount -t bpf bpf /sys/fs/bpf && exec nsenter --net="$0" "$@"' \
		"/run/netns/${PAIR_NS[$g]}" "$TS_BIN" run "$policy" -i cli0 -i srv0 \
		--state-dir "$TS_TMP/state-$g" "$@"
	PAIR_RUN_PID[$g]=$TS_BG_PID
	ts_wait_for 20 pair_running "$g"
}
pair_running() { pair_ts "$1" status --json 2>/dev/null | grep -q "\"daemon_pid\":${PAIR_RUN_PID[$1]}"; }

# pair_ts G ARGS...: the turnstile CLI on gateway G (its bpffs, its net).
pair_ts() {
	local g=$1; shift
	nsenter --mount="/proc/${PAIR_RUN_PID[$g]}/ns/mnt" --net="/run/netns/${PAIR_NS[$g]}" \
		-- "$TS_BIN" "$@"
}

# The keepalived.conf of the pair, one file for both nodes (keepalived -i
# NODE keeps the lines marked @NODE); $1: the notify script.
pair_keepalived_conf() {
	cat <<EOF
global_defs {
    router_id turnstile-pair
    vrrp_version 3
    enable_script_security
    script_user root
}
vrrp_sync_group TURNSTILE {
    group {
        CLIENTS
        SERVERS
    }
    @ga notify "$1 ga"
    @gb notify "$1 gb"
}
vrrp_instance CLIENTS {
    @ga state MASTER
    @gb state BACKUP
    @ga priority 150
    @gb priority $PAIR_PRIO_STANDBY
    interface cli0
    virtual_router_id 51
    advert_int $PAIR_ADVERT
    @ga unicast_src_ip ${PAIR_ADDR_C[ga]}
    @gb unicast_src_ip ${PAIR_ADDR_C[gb]}
    unicast_peer {
        @ga ${PAIR_ADDR_C[gb]}
        @gb ${PAIR_ADDR_C[ga]}
    }
    virtual_ipaddress {
        $PAIR_VIP_C/24 dev cli0
    }
}
vrrp_instance SERVERS {
    @ga state MASTER
    @gb state BACKUP
    @ga priority 150
    @gb priority $PAIR_PRIO_STANDBY
    interface srv0
    virtual_router_id 52
    advert_int $PAIR_ADVERT
    @ga unicast_src_ip ${PAIR_ADDR_S[ga]}
    @gb unicast_src_ip ${PAIR_ADDR_S[gb]}
    unicast_peer {
        @ga ${PAIR_ADDR_S[gb]}
        @gb ${PAIR_ADDR_S[ga]}
    }
    virtual_ipaddress {
        $PAIR_VIP_S/24 dev srv0
    }
}
EOF
}

# pair_keepalived G: keepalived (VRRP only) in the foreground on gateway
# G, with its conf, pid files and the transitions it reports
# ($TS_TMP/transitions: "TIME NODE GROUP NAME STATE") in the test's dir.
pair_keepalived() {
	local g=$1 dir=$TS_TMP/keepalived
	if [ ! -f "$dir/keepalived.conf" ]; then
		mkdir -p "$dir" && chmod 700 "$dir"
		printf '#!/bin/sh\necho "$(date +%%s.%%N) $*" >>%s\n' "$TS_TMP/transitions" >"$dir/notify.sh"
		chmod 700 "$dir/notify.sh"
		pair_keepalived_conf "$dir/notify.sh" >"$dir/keepalived.conf"
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

# pair_kill G: the gateway dies: its links go down, its turnstile and
# keepalived are killed.
pair_kill() {
	local g=$1
	ip -n "${PAIR_NS[$g]}" link set cli0 down
	ip -n "${PAIR_NS[$g]}" link set srv0 down
	kill -9 "${PAIR_RUN_PID[$g]}" 2>/dev/null
	_ts_kill_tree "${PAIR_KA_PID[$g]}"
}
