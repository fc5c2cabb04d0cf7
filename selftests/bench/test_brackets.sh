#!/bin/bash
# bench-live's brackets (selftests/bench/live/brackets.sh) on made-up
# windows, no namespace or program: a receiver whose two bare windows
# agree is kept as measured; one whose bare windows differ by more than
# STEADY percent is measured again behind a fresh bare window, and the
# report divides it by that window and the one after it, not by the
# stale one; RETRIES bounds the tries; and a window whose counters
# disagree is never dropped, however its bare windows differ (it fails
# the bench).
. "$(dirname "$0")/../lib.sh"
cd "$TS_ROOT" || exit 1

OUT=$TS_TMP/out
mkdir -p "$OUT"
# the windows' rates and checks, in the order they are measured
RATES=()
measure() {
	local next=${RATES[0]}

	RATES=("${RATES[@]:1}")
	echo "$1 $2 v$3 $4 ${next% *} - ${next#* }" >>"$OUT/results.txt"
}
receiver_up() { :; }
receiver_down() { :; }
bare_window() { measure "$1" "$2" "$3" "bare-$4"; }
. selftests/bench/live/brackets.sh

# bracket_case RETRIES "RATE CHECK"... : the first bare window, then one
# receiver's bracket, its windows measured as listed; prints
# brackets.txt's line, then each window kept (receiver:rate:check)
bracket_case() {
	: >"$OUT/results.txt"
	: >"$OUT/brackets.txt"
	RETRIES=$1 STEADY=10
	RATES=("${@:2}")
	bare_window 1 est-8k 4 pass
	bracketed 1 est-8k 4 pass turnstile >/dev/null
	echo "$(cat "$OUT/brackets.txt") | $(awk '{ printf "%s:%s:%s ", $4, $5, $7 }' "$OUT/results.txt")"
}

ts_expect_eq bench_brackets_steady_kept "$(bracket_case 2 "10.0 ok" "8.0 ok" "10.5 ok")" \
	"1 est-8k v4 turnstile 0 steady | bare-pass:10.0:ok turnstile:8.0:ok bare-pass:10.5:ok "
ts_expect_eq bench_brackets_unsteady_again "$(bracket_case 2 "10.0 ok" "8.0 ok" "5.0 ok" "5.0 ok" "4.0 ok" "5.2 ok")" \
	"1 est-8k v4 turnstile 1 steady | bare-pass:10.0:ok bare-pass:5.0:ok turnstile:4.0:ok bare-pass:5.2:ok "
ts_expect_eq bench_brackets_retries_bounded "$(bracket_case 1 "10.0 ok" "8.0 ok" "5.0 ok" "5.0 ok" "4.0 ok" "2.0 ok")" \
	"1 est-8k v4 turnstile 1 unsteady | bare-pass:10.0:ok bare-pass:5.0:ok turnstile:4.0:ok bare-pass:2.0:ok "
ts_expect_eq bench_brackets_disagreeing_kept "$(bracket_case 2 "10.0 ok" "8.0 rx=1!=sent=2" "5.0 ok")" \
	"1 est-8k v4 turnstile 0 unsteady | bare-pass:10.0:ok turnstile:8.0:rx=1!=sent=2 bare-pass:5.0:ok "

# the report divides the receiver measured again by the fresh bare
# windows either side of it (5.0 and 5.2), not by the stale 10.0
bracket_case 2 "10.0 ok" "8.0 ok" "5.0 ok" "5.0 ok" "4.0 ok" "5.2 ok" >/dev/null
selftests/bench/live/report "$OUT" test turnstile 10 >/dev/null 2>&1
ts_expect_eq bench_brackets_paired_fresh "$(awk '$4 == "turnstile" { print $5 }' "$OUT/ratios.txt")" "0.7843"
ts_exit
