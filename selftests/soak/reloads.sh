#!/bin/bash
# Reloads under live traffic (`make soak`, not `make test`): SOAK_RELOADS
# (default 1000) reloads of the daemon in the seed world, each SIGHUP sent
# once the previous reload is active, while traffic runs throughout:
#   - two TLS connections held open and idle (an endpoint to the device
#     manager over IPv6 and to blob storage over IPv4: each address's
#     server answers one connection at a time, so the downloads go to the
#     other ones), opened before the first reload and asked for a page
#     after the last one;
#   - downloads back to back (8 MiB at 2 MiB/s, endpoint to the device
#     manager over IPv4 and to blob storage over IPv6), each compared with
#     the file served;
#   - new connections (aggregator to waf, alternating families, every
#     0.2 s).
# No established connection may drop: every held connection answers,
# every download arrives whole, every new connection opens. Prints
# "# soak reloads: ..." with the counts.
. "$(dirname "$0")/../world/world_test.sh"

reloads=${SOAK_RELOADS:-1000}
world_test_up soak_reloads
world_test_need_turnstile soak_reloads
world_test_start soak_reloads

HELD="dm:6 blob:4"
for h in $HELD; do
	dst=${h%:*} fam=${h#*:}
	world_hold_open "$dst$fam" ep "$fam" "${WORLD_NAME[$dst]}" ||
		{ ts_fail soak_reloads "no held connection ep -> $dst over IPv$fam"; ts_exit; }
done

# downloads FAMILY DST: one after another until told to stop.
downloads() {
	local fam=$1 dst=$2 out=$TS_TMP/dl.$2$1
	until [ -e "$TS_TMP/stop" ]; do
		if world_curl ep "$fam" "${WORLD_NAME[$dst]}" big.bin -o "$out" --limit-rate 2M -m 600 \
			2>>"$TS_TMP/dl.err"; then
			cmp -s "$out" "$WORLD_DIR/tls/big.bin" && echo ok || echo "differs ($dst ipv$fam)"
		else
			echo "failed:$? ($dst ipv$fam)"
		fi >>"$TS_TMP/downloads"
	done
}
# in the background, each killed on any exit (ts_bg)
ts_bg dl4 downloads 4 dm; dl4=$TS_BG_PID
ts_bg dl6 downloads 6 blob; dl6=$TS_BG_PID
ts_bg stream world_stream agg waf "$TS_TMP/stream" "$TS_TMP/stop"; streamer=$TS_BG_PID
sleep 2

log=$WORLD_DIR/turnstile.log
active() { grep -c 'policy generation [0-9]* active' "$log"; }
start=$(date +%s) done_n=0 stuck=""
for _ in $(seq "$reloads"); do
	n=$(active)
	kill -HUP "$WORLD_TS_PID" || { stuck="the daemon is gone"; break; }
	world_wait 10 sh -c "[ \$(grep -c 'policy generation [0-9]* active' '$log') -gt $n ]" ||
		{ stuck="reload $((done_n + 1)) not active within 10 s"; break; }
	done_n=$((done_n + 1))
done
secs=$(($(date +%s) - start))
sleep 2   # traffic goes on a little after the last reload
touch "$TS_TMP/stop"
wait "$dl4" "$dl6" "$streamer"

answered=0 held_bad=""
for h in $HELD; do
	dst=${h%:*} fam=${h#*:}
	body=$(world_hold_request "$dst$fam")
	if [ "$body" = "turnstile-world host=$dst" ]; then
		answered=$((answered + 1))
	else
		held_bad+="ep -> $dst ipv$fam: no answer; "
	fi
	world_hold_close "$dst$fam"
done
downloads=$(wc -l <"$TS_TMP/downloads") dl_bad=$(grep -cv '^ok$' "$TS_TMP/downloads")
attempts=$(wc -l <"$TS_TMP/stream") new_bad=$(grep -cv ' ok$' "$TS_TMP/stream")
echo "# soak reloads: $done_n reloads in ${secs} s; held connections $answered/2 answered;" \
	"$downloads downloads of 8 MiB, $dl_bad broken; $attempts new connections, $new_bad failed"

bad=$stuck$held_bad
[ "$dl_bad" = 0 ] || bad+="$dl_bad downloads broken: $(grep -v "^ok$" "$TS_TMP/downloads" | head -3 | tr "\n" " ")($(head -c 300 "$TS_TMP/dl.err")); "
[ "$new_bad" = 0 ] || bad+="$new_bad of $attempts new connections failed; "
[ "$done_n" = "$reloads" ] || bad+="only $done_n of $reloads reloads; "
if ! kill -0 "$WORLD_TS_PID" 2>/dev/null; then bad+="the daemon died; "; fi
if [ -z "$bad" ]; then ts_pass soak_reloads; else ts_fail soak_reloads "$bad"; fi
ts_exit
