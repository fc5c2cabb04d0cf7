#!/bin/bash
# The daemon is killed with SIGKILL during traffic and restarted: two long
# rate-limited downloads (IPv4 and IPv6) that span the kill and the restart
# arrive intact; a stream of new allowed connections never fails; while no
# daemon runs, a refused pair stays refused and an allowed one works; the
# restarted daemon adopts the pinned counters, which count every connection
# of the stream exactly.
. "$(dirname "$0")/world_test.sh"

world_test_up daemon_kill_no_connection_drops
world_test_need_turnstile daemon_kill_no_connection_drops daemon_kill_keeps_enforcing \
	daemon_restart_adopts_counters
world_test_start daemon_kill_no_connection_drops

stream_rule=$(world_ts_verdict "$(world_addr agg 4)" "$(world_addr waf 4)" | awk '$1 == "allow" { print $2 }')
[ -n "$stream_rule" ] || { ts_fail daemon_restart_adopts_counters "aggregator -> waf is not allowed"; ts_exit; }

# 8 MB at 1 MB/s: each download spans the kill and the restart.
world_curl ep 4 "${WORLD_NAME[dm]}" big.bin -o "$TS_TMP/dl4" --limit-rate 1M 2>"$TS_TMP/dl4.err" &
dl4=$!
world_curl ep 6 "${WORLD_NAME[blob]}" big.bin -o "$TS_TMP/dl6" --limit-rate 1M 2>"$TS_TMP/dl6.err" &
dl6=$!

# New connections aggregator -> waf, alternating families, until told to stop.
world_stream agg waf "$TS_TMP/stream" "$TS_TMP/stop" &
streamer=$!

sleep 1.5
world_ts_kill
dead_running=$(world_ts_cli status --json | jq -r .daemon_running)
dead_refused=$(world_attempt rogue dm 4)
dead_allowed=$(world_attempt waf agg 6)
sleep 1
world_test_start daemon_kill_no_connection_drops
sleep 1.5
touch "$TS_TMP/stop"
wait "$streamer"

drops=""
for fam in 4 6; do
	pid=dl$fam
	if ! wait "${!pid}"; then
		drops+="ipv$fam download failed: $(head -c 200 "$TS_TMP/dl$fam.err"); "
	elif ! cmp -s "$TS_TMP/dl$fam" "$WORLD_DIR/tls/big.bin"; then
		drops+="ipv$fam download differs; "
	fi
done
attempts=$(wc -l <"$TS_TMP/stream")
failed=$(grep -cv ' ok$' "$TS_TMP/stream")
[ "$failed" = 0 ] || drops+="$failed of $attempts new connections failed; "
if [ -z "$drops" ]; then ts_pass daemon_kill_no_connection_drops; else ts_fail daemon_kill_no_connection_drops "$drops"; fi

if [ "$dead_running" = false ] && [ "$dead_refused" = timeout ] && [ "$dead_allowed" = ok ]; then
	ts_pass daemon_kill_keeps_enforcing
else
	ts_fail daemon_kill_keeps_enforcing "daemon running: $dead_running; without it: rogue -> dm $dead_refused, waf -> agg $dead_allowed"
fi

opened=$(world_ts_opened | awk -F= -v id="$stream_rule" '$1 == id { print $2 }')
if [ "$attempts" -gt 0 ] && [ "$opened" = "$attempts" ]; then
	ts_pass daemon_restart_adopts_counters
else
	ts_fail daemon_restart_adopts_counters "rule $stream_rule opened ${opened:-?}, the stream made $attempts connections"
fi
ts_exit
