#!/bin/bash
# Direction: for every send-only pair of the seed (who-opens is one side),
# the initiator's connection works and its replies pass (a multi-megabyte
# HTTPS download arrives intact), while the reverse connection, which the
# world alone carries, is refused once turnstile enforces the seed policy.
# Both families.
. "$(dirname "$0")/world_test.sh"

world_test_up reverse_reachable_without_turnstile

# "rows a b" for each send-only pair (a may open, b may not).
pairs=$(awk -F'|' '$4 != "both" { print $1 "|" $2 "|" $3 }' <<<"$WORLD_SEED_PAIRS")
[ -n "$pairs" ] || { ts_fail send_only_pairs "the seed table has none"; ts_exit; }

# reverse_all OUTFILE: every pair's reverse attempt, both families, in parallel.
reverse_all() {
	local rows a b fam pids=()
	while IFS='|' read -r rows a b; do
		for fam in 4 6; do
			echo "$rows|$fam|$(world_attempt "$b" "$a" "$fam")" >"$TS_TMP/rev.$a.$b.$fam" &
			pids+=($!)
		done
	done <<<"$pairs"
	wait "${pids[@]}"
	cat "$TS_TMP"/rev.* >"$1"
	rm -f "$TS_TMP"/rev.*
}

reverse_all "$TS_TMP/plain"
if ! grep -qv '|ok$' "$TS_TMP/plain"; then
	ts_pass reverse_reachable_without_turnstile
else
	ts_fail reverse_reachable_without_turnstile "$(grep -v '|ok$' "$TS_TMP/plain" | tr '\n' ' ')"
fi

world_test_need_turnstile direction_forward_with_replies direction_reverse_refused
world_test_start direction_forward_with_replies

fwd_bad=""
while IFS='|' read -r rows a b; do
	for fam in 4 6; do
		out=$TS_TMP/fwd.$a.$b.$fam
		if ! world_curl "$a" "$fam" "$(world_target "$b" "$fam" "$a")" big.bin -o "$out" 2>"$out.err" ||
		   ! cmp -s "$out" "$WORLD_DIR/tls/big.bin"; then
			fwd_bad+="$rows $a->$b/ipv$fam: $(head -c 200 "$out.err"); "
		fi
		rm -f "$out" "$out.err"
	done
done <<<"$pairs"
if [ -z "$fwd_bad" ]; then
	ts_pass direction_forward_with_replies
else
	ts_fail direction_forward_with_replies "$fwd_bad"
fi

reverse_all "$TS_TMP/enforced"
if ! grep -qv '|timeout$' "$TS_TMP/enforced"; then
	ts_pass direction_reverse_refused
else
	ts_fail direction_reverse_refused "not refused: $(grep -v '|timeout$' "$TS_TMP/enforced" | tr '\n' ' ')"
fi
ts_exit
