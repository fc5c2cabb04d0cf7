#!/bin/bash
# `turnstile reload --wait` (the unit's ExecReload): it returns only once
# the daemon has judged the file, exits 0 with the new generation active,
# 3 with the daemon's first error (FILE:LINE:COL) when the file is
# invalid, and `status` shows the last reload's result. Without a daemon
# it says so (exit 12) instead of waiting.
. "$(dirname "$0")/../lib.sh"
. "$TS_ROOT/selftests/loader/topo.sh"
ts_require_root

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
policy=$TS_TMP/p.policy
topo_policy >"$policy"
topo_servers "$NS_S" 443 8443 || { ts_fail servers "echo server did not start"; ts_exit; }
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
status_field() { ts_g status --json | json_field "$1"; }

# `up` alone: no daemon to ask
ts_g up "$policy" -i gc -i gs --state-dir "$TS_TMP/state" >/dev/null 2>&1
ts_g reload --wait >"$TS_TMP/nodaemon.out" 2>&1
rc=$?
if [ $rc = 12 ] && grep -q 'no daemon' "$TS_TMP/nodaemon.out"; then
	ts_pass reload_without_daemon_says_so
else
	ts_fail reload_without_daemon_says_so "exit $rc: $(cat "$TS_TMP/nodaemon.out")"
fi

ts_bg run nsenter --net="/run/netns/$NS_G" "$TS_BIN" run "$policy" -i gc -i gs --state-dir "$TS_TMP/state"
RUN_PID=$TS_BG_PID
if ! ts_wait_for 20 sh -c "'$TS_BIN' status --json 2>/dev/null | grep -q '\"daemon_pid\":$RUN_PID'"; then
	ts_fail run_starts "$(tail -5 "$TS_TMP/run.log")"
	ts_exit
fi

# valid: a new generation, active when reload returns
gen0=$(status_field 'd["generation"]')
topo_policy 8443 >"$policy"
out=$(ts_g reload --wait --timeout 5 2>&1)
rc=$?
gen1=$(status_field 'd["generation"]')
if [ $rc = 0 ] && [ "$gen1" -gt "$gen0" ] && echo "$out" | grep -q "generation $gen1 active" &&
   [ "$(status_field 'd["last_reload"]["result"]')" = ok ]; then
	ts_pass reload_wait_valid_active
else
	ts_fail reload_wait_valid_active "exit $rc, generation $gen0 -> $gen1: $out"
fi

# invalid: exit 3 with the daemon's first error; the old policy stays
printf 'component clients { 10.9.0.0/24 }\nrule "X": clients -> nowhere tcp/443\n' >"$policy"
out=$(ts_g reload --wait --timeout 5 2>&1)
rc=$?
if [ $rc = 3 ] && echo "$out" | grep -q 'p.policy:2:[0-9]*: error' &&
   [ "$(status_field 'd["generation"]')" = "$gen1" ] &&
   [ "$(status_field 'd["last_reload"]["result"]')" = invalid ] &&
   ts_g status | grep -q '^reload *invalid.*p.policy:2'; then
	ts_pass reload_wait_invalid_fails_with_error
else
	ts_fail reload_wait_invalid_fails_with_error "exit $rc: $out; status: $(ts_g status | grep reload)"
fi
if topo_connect "$NS_C" 10.9.1.2 8443; then
	ts_pass reload_invalid_keeps_running_policy
else
	ts_fail reload_invalid_keeps_running_policy "8443 (allowed by the running policy) refused"
fi

# a daemon that dies instead of answering: reload does not hang
kill -STOP "$RUN_PID"
start=$(date +%s)
ts_g reload --wait --timeout 2 >"$TS_TMP/stopped.out" 2>&1
rc=$?
kill -CONT "$RUN_PID"
if [ $rc = 1 ] && [ $(( $(date +%s) - start )) -le 5 ] && grep -q 'did not answer' "$TS_TMP/stopped.out"; then
	ts_pass reload_wait_times_out
else
	ts_fail reload_wait_times_out "exit $rc after $(( $(date +%s) - start )) s: $(cat "$TS_TMP/stopped.out")"
fi
kill -TERM "$RUN_PID"
ts_g down >/dev/null 2>&1
ts_exit
