#!/bin/bash
# make bench-live's machinery, in brief: one run of short windows through
# turnstile and the candidate flow tables, in each kind of scenario, both
# families. bench-live fails a window whose receiver did not count every
# frame sent itself (turnstile: its reason counters; a candidate: its
# passes, so a frame of an established or new flow it did not pass is a
# failure); the table must then hold each receiver where it runs (the
# candidates not in the drop scenarios, where without a policy they
# would store the unlisted SYNs).
. "$(dirname "$0")/../lib.sh"
ts_require_root
cd "$TS_ROOT" || exit 1
[ -x "$BUILD/bench/live" ] || { ts_skip bench_live "$BUILD/bench/live not built"; ts_exit; }

out=$TS_TMP/live
receivers="turnstile cand-hash cand-lru cand-pool cand-pool-fit cand-two cand-dense cand-spill cand-direct cand-direct-min"
# CPU 0: there on any host (bench-live's default, 1, leaves CPU 0 to the rest)
if TS_LIVE_OUT=$out TS_LIVE_RUNS=1 TS_LIVE_SECONDS=0.3 TS_LIVE_STATS_SECONDS=0.2 TS_LIVE_CPU=0 \
	TS_LIVE_FAMILIES="4 6" TS_LIVE_SCENARIOS="drop-10p est-8k new-8k" TS_LIVE_RECEIVERS="$receivers" \
	selftests/bench/live/run >"$TS_TMP/run.log" 2>&1; then
	ts_pass bench_live_counters_agree
else
	ts_fail bench_live_counters_agree "$(grep -v '^ ' "$TS_TMP/run.log" | tail -5 | tr '\n' ' ')"
fi

missing=
for fam in v4 v6; do
	for scen in drop-10p est-8k new-8k; do
		for rcv in $receivers; do
			row="| $scen | $fam | $rcv |"
			case $scen.$rcv in
			drop-*.cand-*) grep -qF "$row" "$out/table.txt" 2>/dev/null && missing="$missing +$scen/$fam/$rcv" ;;
			*) grep -qF "$row" "$out/table.txt" 2>/dev/null || missing="$missing $scen/$fam/$rcv" ;;
			esac
		done
	done
done
if [ -z "$missing" ]; then
	ts_pass bench_live_table_rows
else
	ts_fail bench_live_table_rows "rows missing (+: unexpected):$missing"
fi
ts_exit
