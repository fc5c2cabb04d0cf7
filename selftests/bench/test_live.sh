#!/bin/bash
# make bench-live's machinery, in brief: one run of short windows through
# turnstile in each kind of scenario, both families; then through the
# candidate flow tables over established flows, IPv4 (opened by
# handshakes: the SYN stores, the rest finds; their keys are turnstile's
# for either family), and in the drop scenario to see them left out.
# bench-live fails a window whose receiver did not count every frame sent
# itself (turnstile: its reason counters; a candidate: its passes, so a
# frame of a flow it did not pass is a failure; in the whole-connection
# scenario, every frame must also have left through the gateway's sink:
# a handshake segment turnstile or conntrack refused is a failure); the
# table must then hold each receiver where it ran, and no stateless peer
# in the whole-connection scenario. Then the scaling run's generators, each with
# its share of the flows, alone and in one window on two CPUs. Two
# invocations for the first part, so that make test keeps
# within its time on a slower host: the candidates in every scenario and
# family took three of its minutes there.
. "$(dirname "$0")/../lib.sh"
ts_require_root
cd "$TS_ROOT" || exit 1
[ -x "$BUILD/bench/live" ] || { ts_skip bench_live "$BUILD/bench/live not built"; ts_exit; }

cands="cand-hash cand-lru cand-pool cand-pool-fit cand-two cand-dense cand-spill cand-direct cand-direct-min"
# live OUT FAMILIES SCENARIOS RECEIVERS (whole connections in IPv4 only:
# make test's time); CPU 0: there on any host
# (bench-live's default, 1, leaves CPU 0 to the rest); no receiver
# measured again for its bare windows (make test's time; the retries'
# own check is below) unless TS_LIVE_RETRIES says so
live() {
	TS_LIVE_OUT=$1 TS_LIVE_RUNS=1 TS_LIVE_SECONDS=0.3 TS_LIVE_STATS_SECONDS=0.2 TS_LIVE_CPU=0 \
		TS_LIVE_FAMILIES="$2" TS_LIVE_SCENARIOS="$3" TS_LIVE_RECEIVERS="$4" \
		TS_LIVE_RETRIES=${TS_LIVE_RETRIES:-0} TS_LIVE_STEADY=${TS_LIVE_STEADY:-10} \
		selftests/bench/live/run >>"$TS_TMP/run.log" 2>&1
}
if live "$TS_TMP/ts" "4 6" "drop-10p est-8k new-8k" turnstile &&
	live "$TS_TMP/conn" 4 conn-8k "turnstile nft-inet xdp-filter nft-netdev" &&
	live "$TS_TMP/cand" 4 "drop-10p est-8k" "$cands"; then
	ts_pass bench_live_counters_agree
else
	ts_fail bench_live_counters_agree "$(grep -v '^ ' "$TS_TMP/run.log" | tail -5 | tr '\n' ' ')"
fi

# The scaling run's generators share the flows out: two shares of an odd
# number of flows hold each flow once (their counts and the sums of their
# flows' numbers add up to the whole's, and their counts differ by at
# most one).
share() {
	ts_nsexec "$gns" "$BUILD/bench/live" gen "$BUILD/bpf/bench_live_gen.bpf.o" lvS 02:00:00:00:00:01 4 \
		established 8191 0.05 "$1" 2>&1
}
gns=$(ts_netns lvshare) && ip -n "$gns" link add lvS type veth peer name lvT &&
	ip -n "$gns" link set lvS up && ip -n "$gns" link set lvT up
out="$(share 0/2) $(share 1/2)"
# "sent N ns T flows M sum S", twice
if echo "$out" | awk 'NF == 16 && $6 + $14 == 8191 && $8 + $16 == 8191 * 8190 / 2 && ($6 - $14) ^ 2 <= 1 { ok = 1 }
		      END { exit !ok }'; then
	ts_pass bench_live_generators_share_flows
else
	ts_fail bench_live_generators_share_flows "$out"
fi

# The scaling run: one generator per CPU, each with its share of the
# flows; their frames must add up to what the receiver counted, and
# through whole connections each must have been passed: two CPUs that
# insert different flows into one bucket at the same instant must not
# refuse either (before 3a5f0b4 the loser of the slot's compare-and-swap
# was dropped, a few frames in a million here, counted as a full table;
# a window of a second sees millions). The loser tries once more in
# another slot; losing that one too in the same instant would still
# drop, which the windows here have not met.
if ! taskset -c 1 true 2>/dev/null; then
	ts_skip bench_live_two_cpus_counters_agree "no CPU 1 here"
elif TS_LIVE_OUT=$TS_TMP/two TS_LIVE_RUNS=1 TS_LIVE_SECONDS=1 TS_LIVE_STATS_SECONDS=0.5 TS_LIVE_CPU="0 1" TS_LIVE_RETRIES=0 \
	TS_LIVE_FAMILIES=4 TS_LIVE_SCENARIOS=conn-8k TS_LIVE_RECEIVERS=turnstile \
	selftests/bench/live/run >>"$TS_TMP/run.log" 2>&1 && grep -qF "| conn-8k | v4 | turnstile |" "$TS_TMP/two/table.txt"; then
	ts_pass bench_live_two_cpus_counters_agree
else
	ts_fail bench_live_two_cpus_counters_agree "$(grep -v '^ ' "$TS_TMP/run.log" | tail -5 | tr '\n' ' ')"
fi

# A receiver whose two bare windows differ by more than TS_LIVE_STEADY
# percent is measured again behind a fresh bare window, TS_LIVE_RETRIES
# times at most. A negative percent makes every pair differ: turnstile is
# measured twice, results.txt keeps its second window alone between two
# fresh bare ones, brackets.txt says so, and the table marks the cell.
if TS_LIVE_RETRIES=1 TS_LIVE_STEADY=-1 live "$TS_TMP/again" 4 drop-10p turnstile; then
	got="$(cat "$TS_TMP/again/brackets.txt") | $(awk '{ printf "%s ", $4 }' "$TS_TMP/again/results.txt")"
	got="$got| $(grep -c 'turnstile .* unsteady bare: run1$' "$TS_TMP/again/table.txt")"
	got="$got $(grep -c '1 of 1 receivers measured again.*, 1 still unsteady' "$TS_TMP/again/table.txt")"
else
	got="run failed: $(grep -v '^ ' "$TS_TMP/run.log" | tail -3 | tr '\n' ' ')"
fi
ts_expect_eq bench_live_unsteady_measured_again "$got" \
	"1 drop-10p v4 turnstile 1 unsteady | bare-drop bare-drop turnstile bare-drop | 1 1"

# rows OUT FAMILIES SCENARIOS RECEIVERS: the rows the table lacks
rows() {
	local fam scen rcv
	for fam in $2; do
		for scen in $3; do
			for rcv in $4; do
				grep -qF "| $scen | v$fam | $rcv |" "$1/table.txt" 2>/dev/null || echo -n " $scen/v$fam/$rcv"
			done
		done
	done
}
missing="$(rows "$TS_TMP/ts" "4 6" "drop-10p est-8k new-8k" turnstile)$(rows "$TS_TMP/conn" 4 conn-8k "turnstile nft-inet")"
missing="$missing$(rows "$TS_TMP/cand" 4 est-8k "$cands")"
# the candidates have no policy: bench-live runs none in a drop scenario;
# nor a stateless peer, which answers no handshake, through whole connections
unexpected=$(grep -o -e '| drop-[^|]* | v4 | cand-[^ ]* |' -e '| conn-[^|]* | v4 | \(xdp-filter\|nft-netdev\) |' \
	"$TS_TMP/cand/table.txt" "$TS_TMP/conn/table.txt" 2>/dev/null | tr '\n' ' ')
if [ -z "$missing$unexpected" ]; then
	ts_pass bench_live_table_rows
else
	ts_fail bench_live_table_rows "rows missing:${missing:- none}; rows not expected: ${unexpected:-none}"
fi
ts_exit
