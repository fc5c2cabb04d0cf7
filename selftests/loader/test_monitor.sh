#!/bin/bash
# Every reader sees every event (issue 13, defect 2). Reading the event
# ring consumes it, so two `monitor`s used to split the events between
# them. With a daemon running, the daemon is the ring's one reader and
# hands every event to each monitor and to the journal (`--log-events`;
# on stderr here, where no journal listens).
#
# monitor_two_readers_see_all: two monitors and the daemon's log each show
#   all of 6 refused SYNs.
# monitor_no_daemon_says_so: with `up` alone, monitor says it reads the
#   ring itself.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
ts_require_root

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
topo_policy >"$TS_TMP/p.policy"
topo_servers "$NS_S" 443 8443 || { ts_fail servers "echo server did not start"; ts_exit; }
ts_on_exit "ts_nsexec $NS_G $TS_BIN down >/dev/null 2>&1"

ts_bg run nsenter --net="/run/netns/$NS_G" "$TS_BIN" run "$TS_TMP/p.policy" -i gc -i gs \
	--state-dir "$TS_TMP/state" --log-events
RUN_PID=$TS_BG_PID
ts_wait_for 20 sh -c "'$TS_BIN' status --json 2>/dev/null | grep -q '\"daemon_pid\":$RUN_PID'" &&
	ts_wait_for 5 test -S "$TS_TMP/state/events.sock" ||
	{ ts_fail run_starts "$(tail -5 "$TS_TMP/run.log")"; ts_exit; }

ts_bg mon1 "$TS_BIN" monitor
M1=$TS_BG_PID
ts_bg mon2 "$TS_BIN" monitor --json
M2=$TS_BG_PID
ts_wait_for 5 grep -q "live events from the daemon" "$TS_TMP/mon1.log"
sleep 0.3
# 6 refused SYNs: tcp/8443 to the server is in scope and no rule allows it
for i in 1 2 3 4 5 6; do
	ts_nsexec "$NS_C" python3 -c "
import socket
s = socket.socket(); s.settimeout(0.2)
s.bind(('10.9.0.2', 4000 + $i))
try: s.connect(('10.9.1.2', 8443))
except OSError: pass" 2>/dev/null
done
count() { grep -cE "$2" "$TS_TMP/$1.log"; }
ts_wait_for 5 sh -c "[ \$(grep -cE ':400[1-6]' '$TS_TMP/mon1.log') -ge 6 ] && [ \$(grep -cE '\"sport\":400[1-6]' '$TS_TMP/mon2.log') -ge 6 ]"
kill "$M1" "$M2"; wait "$M1" "$M2" 2>/dev/null
n1=$(grep -E ':400[1-6] ' "$TS_TMP/mon1.log" | grep -oE ':400[1-6] ' | sort -u | wc -l)
n2=$(grep -oE '"sport":400[1-6]' "$TS_TMP/mon2.log" | sort -u | wc -l)
nlog=$(grep -E 'drop .*:400[1-6] ->' "$TS_TMP/run.log" | grep -oE ':400[1-6] ' | sort -u | wc -l)
if [ "$n1" = 6 ] && [ "$n2" = 6 ] && [ "$nlog" = 6 ]; then
	ts_pass monitor_two_readers_see_all
else
	ts_fail monitor_two_readers_see_all "of 6 SYNs: monitor $n1, monitor --json $n2, daemon log $nlog: $(tail -3 "$TS_TMP/mon1.log" | tr '\n' '|')"
fi

kill -TERM "$RUN_PID"; wait "$RUN_PID" 2>/dev/null
[ ! -e "$TS_TMP/state/events.sock" ] || ts_fail events_socket_removed "the socket outlived the daemon"
timeout -s INT 1 "$TS_BIN" monitor >/dev/null 2>"$TS_TMP/mon3.err"
if grep -q "no daemon; reading the dataplane's event ring itself" "$TS_TMP/mon3.err"; then
	ts_pass monitor_no_daemon_says_so
else
	ts_fail monitor_no_daemon_says_so "$(head -c 200 "$TS_TMP/mon3.err")"
fi
ts_exit
