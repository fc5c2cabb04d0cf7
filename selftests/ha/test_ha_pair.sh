#!/bin/bash
# An active/standby pair of turnstile gateways behind keepalived (VRRP,
# unicast), both running `turnstile run` with the same policy
# (loose-pickup on). Long-lived TLS connections run through the active
# gateway; the active gateway dies (its links go down, its turnstile and
# keepalived are killed); the standby takes over within the VRRP bound
# (measured and printed), no connection is lost (each one still echoes
# afterwards), the flows the standby picked up name the client as the
# initiator, and the standby enforces the policy (a refused port stays
# refused, a new allowed connection opens). The failed gateway then comes
# back and takes the addresses back; its flows are pickups too, and the
# connections still echo. Clients resolve fresh wildcard names through the
# DNS proxy on the clients' virtual address, before the failover (the
# active gateway learns them) and after (the standby does). With the fleet
# in the build (run --etcd), the pair takes its policy from a 1-member
# etcd and shares learned names: those only the failed gateway learned
# pass through the standby at once (SKIP without the fleet).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/pair.sh"
ts_require_root
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in keepalived python3 openssl; do
	command -v "$tool" >/dev/null || { ts_skip ha_pair "$tool is not installed (scripts/install-deps.sh)"; ts_exit; }
done
if pair_has_fleet && ! command -v etcd >/dev/null; then
	ts_skip ha_pair "etcd is not installed (scripts/install-deps.sh)"; ts_exit
fi
pair_up || { ts_fail ha_pair_topology "cannot build the namespaces"; ts_exit; }

pair_servers || { ts_fail ha_pair_topology "no TLS or DNS server: $(tail -2 "$TS_TMP/server.log")"; ts_exit; }

# ---- both gateways: turnstile with the same policy, then VRRP ----
pair_policy >"$TS_TMP/pair.policy"
PAIR_POLICY_ARGS=("$TS_TMP/pair.policy")
if pair_has_fleet; then
	pair_etcd "$TS_TMP/pair.policy" || { ts_fail ha_pair_gateways "etcd: $(tail -3 "$TS_TMP/etcd.log")"; ts_exit; }
fi
for g in ga gb; do
	pair_run "$g" ||
		{ ts_fail ha_pair_gateways "turnstile on $g: $(tail -3 "$TS_TMP/run-$g.log")"; ts_exit; }
done
t0=$(date +%s.%N)
pair_keepalived ga
ts_wait_for 10 pair_state_since ga MASTER "$t0" ||
	{ ts_fail ha_pair_gateways "ga is not master: $(tail -5 "$TS_TMP/keepalived-ga.log")"; ts_exit; }
pair_keepalived gb
ts_wait_for 10 pair_state_since gb BACKUP "$t0" ||
	{ ts_fail ha_pair_gateways "gb is not backup: $(tail -5 "$TS_TMP/keepalived-gb.log")"; ts_exit; }
ts_pass ha_pair_gateways

# tls_probe PORT: a TLS connection from the client opens and echoes (2 s).
tls_probe() {
	ts_nsexec "$NS_C" python3 "$HERE/tls_echo.py" clients 1 "$PAIR_SERVER" "$1" 0.2 2>&1 |
		grep -q '^conn 0 ok'
}
if tls_probe 443 && ! tls_probe 8443; then
	ts_pass ha_pair_active_enforces
else
	ts_fail ha_pair_active_enforces "443 must open through ga and 8443 be refused"
fi

# ---- long-lived TLS connections through the active gateway ----
conns=8
export HA_STOP=$TS_TMP/stop
ts_bg clients ts_nsexec "$NS_C" python3 "$HERE/tls_echo.py" clients "$conns" "$PAIR_SERVER" 443 60
clients_pid=$TS_BG_PID
# the drops ga counted: what refused an open, if the gateway did
ga_drops() {
	pair_ts ga stats --json | python3 -c 'import json, sys
print(" ".join("%s=%d" % (r["reason"], r["packets"]) for r in json.load(sys.stdin)["reasons"]
               if r["verdict"] == "drop" and r["packets"]) or "none")'
}
ts_wait_for 10 sh -c "[ \$(grep -c '^up' '$TS_TMP/clients.log') -eq $conns ]" ||
	{ ts_fail ha_pair_no_connection_lost "connections did not open: $(grep -c '^up' "$TS_TMP/clients.log") of $conns up; $(grep -v -e '^up [0-9]*$' -e '^started$' "$TS_TMP/clients.log" | head -3 | tr '\n' ' ')ga's drops: $(ga_drops)"; ts_exit; }

# ---- fresh wildcard names, resolved through the active gateway ----
names=(1 2 3)
bad=""
for n in "${names[@]}"; do
	out=$(pair_resolve_connect "$n")
	case "$out" in *"addrs=203.0.113.$n connect=ok"*) ;; *) bad+="$n.fresh4.test: $out; " ;; esac
done
if [ -z "$bad" ]; then ts_pass ha_pair_active_learns_names; else ts_fail ha_pair_active_learns_names "$bad"; fi
learned=()
for n in "${names[@]}"; do learned+=("203.0.113.$n"); done
if pair_has_fleet; then
	# ga publishes what it learned to etcd, gb installs it
	t_names=$(date +%s.%N)
	if ts_wait_for 5 pair_holds gb "${learned[@]}"; then
		echo "# the standby held the names ga learned $(python3 -c "print('%.2f' % ($(date +%s.%N) - $t_names))")s after the last answer"
	fi
fi
sleep 1
active_flows=$(pair_ts ga flows --json | python3 -c 'import json,sys; print(len([f for f in json.load(sys.stdin)["flows"] if f["dport"] == 443]))')

# ---- the active gateway dies ----
pair_kill ga
t_kill=$PAIR_DOWN_AT
if ts_wait_for 10 pair_state_since gb MASTER "$t_kill"; then
	t_master=$(pair_state_time gb MASTER "$t_kill")
	# VRRPv3: the backup declares the master down 3 advertisement
	# intervals plus its skew, (256 - priority) / 256 of one interval,
	# after the last advertisement it received, which came before ga's
	# links went down; the time is read when keepalived reports the
	# transition (its notify FIFO): 0.1 s for keepalived to act and report
	vrrp=$(python3 -c "print(3 * $PAIR_ADVERT + (256 - $PAIR_PRIO_STANDBY) * $PAIR_ADVERT / 256)")
	bound=$(python3 -c "print($vrrp + 0.1)")
	took=$(python3 -c "print('%.3f' % ($t_master - $t_kill))")
	echo "# takeover: standby master ${took}s after the active gateway's links went down (VRRP master-down interval ${vrrp}s, advert_int ${PAIR_ADVERT}s)"
	if python3 -c "import sys; sys.exit(not $took <= $bound)"; then
		ts_pass ha_pair_takeover_within_vrrp_bound
	else
		ts_fail ha_pair_takeover_within_vrrp_bound "standby master after ${took}s, bound ${bound}s (VRRP ${vrrp}s + 0.1s to report)"
	fi
else
	ts_fail ha_pair_takeover_within_vrrp_bound "gb never became master: $(tail -5 "$TS_TMP/keepalived-gb.log")"
fi

t_after=$(date +%s)

# ---- names after the failover ----
# a fresh name resolved now: the standby's DNS proxy answers on the
# virtual address and learns it before the client's SYN
out=$(pair_resolve_connect 10)
case "$out" in
*"addrs=203.0.113.10 connect=ok"*) ts_pass ha_pair_standby_learns_names ;;
*) ts_fail ha_pair_standby_learns_names "10.fresh4.test through gb: $out" ;;
esac
# names only the failed gateway learned (no client asked gb for them):
# shared through etcd by the fleet (docs/fleet.md), they pass through gb
# at once (a dropped first SYN fails the connection)
passed=0
for a in "${learned[@]}"; do pair_connect "$a" 8080 && passed=$((passed + 1)); done
if ! pair_has_fleet; then
	echo "# without shared names, $((${#learned[@]} - passed)) of ${#learned[@]} names learned only by ga are refused through gb"
	ts_skip ha_pair_names_of_the_failed_gateway "needs names shared between the gateways (turnstile run --etcd, the fleet); not in this build"
elif [ "$passed" = "${#learned[@]}" ]; then
	ts_pass ha_pair_names_of_the_failed_gateway
else
	ts_fail ha_pair_names_of_the_failed_gateway "$passed of ${#learned[@]} names learned by ga pass through gb"
fi

# the connections echo through the standby for 2 s
sleep $((2 - ($(date +%s) - t_after) > 0 ? 2 - ($(date +%s) - t_after) : 0))

# picked_up G: "N M": of gateway G's M flows with port 443 at either end,
# N are loose pickups with the client as initiator (flows --json names
# the initiator src)
picked_up() {
	pair_ts "$1" flows --json | python3 -c '
import json, sys
fl = [f for f in json.load(sys.stdin)["flows"] if 443 in (f["sport"], f["dport"])]
print(len([f for f in fl if f["loose"] and f["src"] == sys.argv[1] and f["dport"] == 443]), len(fl))' \
		"$PAIR_CLIENT"
}
picked=$(picked_up gb)
if [ "$picked" = "$conns $conns" ]; then
	ts_pass ha_pair_pickup_names_the_client
else
	ts_fail ha_pair_pickup_names_the_client "gb flows with the client as initiator / all: $picked, want $conns"
fi

if tls_probe 443 && ! tls_probe 8443; then
	ts_pass ha_pair_standby_enforces
else
	ts_fail ha_pair_standby_enforces "443 must open through gb and 8443 be refused"
fi

# ---- the failed gateway comes back (fresh maps, as after a reboot) and
# takes the addresses back (higher priority): each connection is picked
# up once more ----
t_back=$(date +%s.%N)
pair_revive ga
if ts_wait_for 10 pair_state_since ga MASTER "$t_back" && ts_wait_for 5 pair_state_since gb BACKUP "$t_back"; then
	sleep 2
	picked=$(picked_up ga)
	if [ "$picked" = "$conns $conns" ]; then
		ts_pass ha_pair_failback
	else
		ts_fail ha_pair_failback "ga flows with the client as initiator / all: $picked, want $conns"
	fi
else
	ts_fail ha_pair_failback "ga did not take the addresses back: $(tail -3 "$TS_TMP/keepalived-ga.log")"
fi

touch "$HA_STOP"
wait "$clients_pid"
rc=$?
ok=$(grep -c '^conn [0-9]* ok' "$TS_TMP/clients.log")
gap=$(awk '$3 == "ok" { if ($6 > m) m = $6 } END { printf "%.3f", m }' "$TS_TMP/clients.log")
echo "# $ok of $conns TLS connections echoed to the end, over the failover and the failback; longest echo gap ${gap}s (one line every 50 ms)"
if [ "$rc" = 0 ] && [ "$ok" = "$conns" ] && [ "$active_flows" -ge "$conns" ]; then
	ts_pass ha_pair_no_connection_lost
else
	ts_fail ha_pair_no_connection_lost "$ok of $conns survived (ga had $active_flows flows): $(grep FAIL "$TS_TMP/clients.log" | head -3)"
fi
ts_exit
