#!/bin/bash
# `run`: killed with SIGKILL during traffic, enforcement and an open
# connection continue, and a new `run` adopts (flows and counters kept).
# SIGHUP with a broken policy keeps the old one; with a valid one switches
# while traffic flows, no established connection dropped. SIGTERM exits
# and leaves enforcement in place.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
policy="$TS_TMP/p.policy"
topo_policy >"$policy"
topo_servers "$NS_S" 443 8443 || { ts_fail servers "echo server did not start"; ts_exit; }

start_run() {
	# nsenter execs turnstile (no fork for a net namespace): $! is its pid.
	ts_bg "run$1" nsenter --net="/run/netns/$NS_G" "$TS_BIN" run "$policy" -i gc -i gs \
		--state-dir "$TS_TMP/state"
	RUN_PID=$TS_BG_PID
	ts_wait_for 20 sh -c "'$TS_BIN' status --json 2>/dev/null | grep -q '\"daemon_pid\":$RUN_PID'"
}
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
generation() { ts_g status --json | json_field 'd["generation"]'; }
c1_packets() { ts_g stats --json | json_field '[r["packets"] for r in d["rules"] if r["label"]=="C1"][0]'; }
# Age in seconds of the oldest established tcp/443 flow (the long client's).
oldest_flow_age() { ts_g flows --json | json_field 'max([f["age_s"] for f in d["flows"] if f["dport"]==443 and f["state"]=="established"] or [-1])'; }

start_run 1 || { ts_fail run_starts "$(tail -5 "$TS_TMP/run1.log")"; ts_exit; }
ts_pass run_starts

topo_long_client long "$NS_C" 10.9.1.2 443
ts_wait_for 5 sh -c "[ \$(grep -c '^ok' '$TS_TMP/long.log') -ge 5 ]" ||
	{ ts_fail long_connection "$(cat "$TS_TMP/long.log")"; ts_exit; }

# ---- SIGKILL during traffic ----
before_pkts=$(c1_packets)
kill -9 "$RUN_PID"; wait "$RUN_PID" 2>/dev/null
n0=$(topo_long_count long)
sleep 1.5
n1=$(topo_long_count long)
if topo_long_alive long "$LONG_PID" && [ "$n1" -gt $((n0 + 5)) ]; then
	ts_pass killed_daemon_connection_continues
else
	ts_fail killed_daemon_connection_continues "echoes $n0 -> $n1: $(tail -2 "$TS_TMP/long.log")"
fi
if topo_connect "$NS_C" 10.9.1.2 443 && ! topo_connect "$NS_C" 10.9.1.2 8443; then
	ts_pass killed_daemon_enforcement_continues
else
	ts_fail killed_daemon_enforcement_continues "443 must pass and 8443 be refused with the daemon dead"
fi

restart=$(date +%s)
start_run 2 || ts_fail run_adopts "second run did not come up: $(tail -5 "$TS_TMP/run2.log")"
age=$(oldest_flow_age)
since=$(( $(date +%s) - restart ))
after_pkts=$(c1_packets)
# The long client's flow was created before the restart: its age must
# exceed the time since; counters only grow.
if grep -q adopted "$TS_TMP/run2.log" && python3 -c "import sys; sys.exit(not $age > $since + 1)" &&
   [ "$before_pkts" -gt 0 ] && [ "$after_pkts" -ge "$before_pkts" ] && topo_long_alive long "$LONG_PID"; then
	ts_pass run_adopts_flows_and_counters
else
	ts_fail run_adopts_flows_and_counters "flow age $age (restart ${since}s ago), C1 packets $before_pkts -> $after_pkts: $(tail -2 "$TS_TMP/run2.log")"
fi

# ---- SIGHUP with a broken policy: old policy stays ----
gen0=$(generation)
printf 'component clients { 10.9.0.0/24 }\nrule "X": clients -> nowhere tcp/443\n' >"$policy"
kill -HUP "$RUN_PID"
ts_wait_for 5 grep -q "p.policy:[0-9]*:[0-9]*: error" "$TS_TMP/run2.log"
if grep -q "p.policy:[0-9]*:[0-9]*: error" "$TS_TMP/run2.log" && [ "$(generation)" = "$gen0" ] &&
   kill -0 "$RUN_PID" && topo_connect "$NS_C" 10.9.1.2 443 && ! topo_connect "$NS_C" 10.9.1.2 8443; then
	ts_pass sighup_broken_policy_keeps_old
else
	ts_fail sighup_broken_policy_keeps_old "generation $gen0 -> $(generation): $(tail -3 "$TS_TMP/run2.log")"
fi

# ---- SIGHUP with a valid policy that also allows 8443: switches ----
topo_policy 8443 >"$policy"
n0=$(topo_long_count long)
kill -HUP "$RUN_PID"
ts_wait_for 5 sh -c "[ \"\$('$TS_BIN' status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"generation\"])')\" -gt $gen0 ]"
if [ "$(generation)" -gt "$gen0" ] && topo_connect "$NS_C" 10.9.1.2 8443; then
	ts_pass sighup_valid_policy_switches
else
	ts_fail sighup_valid_policy_switches "generation $gen0 -> $(generation); 8443 refused?"
fi
sleep 1
n1=$(topo_long_count long)
if topo_long_alive long "$LONG_PID" && [ "$n1" -gt $((n0 + 5)) ]; then
	ts_pass reload_keeps_established_connection
else
	ts_fail reload_keeps_established_connection "echoes $n0 -> $n1: $(tail -2 "$TS_TMP/long.log")"
fi

# ---- flow GC, after the reloads above: a closed connection leaves the
# table; the open one stays. Deterministic bound: a closing flow expires 2 s
# (timeout closing) after its last_seen, which lags the last packet by at
# most 1 s; the daemon collects every 5 s. So 2 + 1 + 5 s after the close,
# plus 3 s of slack for a loaded machine, no closing flow may be left --
# also none from before the reloads. fin_wait (one FIN seen) keeps the
# established timeout: that is the dataplane's, not the GC's, so it fails
# under its own message. ----
states() { ts_g flows --json | json_field '" ".join(sorted(f["state"] for f in d["flows"]))'; }
count_state() { ts_g flows --json | json_field "len([f for f in d['flows'] if f['state'] == '$1'])"; }
topo_connect "$NS_C" 10.9.1.2 443
n_closed=$(( $(count_state closing) + $(count_state fin_wait) ))
sleep 8
ts_wait_for 3 sh -c "[ \"\$('$TS_BIN' flows --json | python3 -c 'import json,sys; print(len([f for f in json.load(sys.stdin)[\"flows\"] if f[\"state\"] == \"closing\"]))')\" = 0 ]"
n_closing=$(count_state closing)
n_fin_wait=$(count_state fin_wait)
if [ "$n_closed" -ge 1 ] && [ "$n_closing" = 0 ] && [ "$n_fin_wait" = 0 ] &&
   [ "$(oldest_flow_age)" != -1 ] && kill -0 "$RUN_PID"; then
	ts_pass gc_removes_closed_flows
elif [ "$n_fin_wait" != 0 ]; then
	ts_fail gc_removes_closed_flows "a closed connection stayed fin_wait (dataplane missed a FIN): $(states)"
else
	ts_fail gc_removes_closed_flows "closed flows: $n_closed; 11 s later: $(ts_g flows); daemon $(kill -0 "$RUN_PID" 2>&1 && echo alive); log: $(tail -5 "$TS_TMP/run2.log")"
fi

# ---- SIGTERM: the daemon exits 0, enforcement stays ----
kill -TERM "$RUN_PID"
wait "$RUN_PID"
rc=$?
if [ $rc = 0 ] && ip -n "$NS_G" -d link show gc | grep -q 'name ts_xdp' &&
   ! topo_connect "$NS_S" 10.9.0.2 443 && topo_long_alive long "$LONG_PID"; then
	ts_pass sigterm_leaves_enforcement
else
	ts_fail sigterm_leaves_enforcement "exit $rc; gc: $(ip -n "$NS_G" -d link show gc | grep -o 'prog/xdp.*')"
fi
ts_g down >/dev/null 2>&1 || ts_fail down "exit $?"
ts_exit
