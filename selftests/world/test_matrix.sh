#!/bin/bash
# The seed matrix: every ordered pair of hosts (seven components and the
# rogue host) opens TLS to 443 through the gateway, over IPv4 and IPv6.
# The world alone lets everything through; with turnstile running the seed
# policy, each outcome equals the product's own verdict (`turnstile
# explain`), that verdict equals the seed table read independently
# (plan.sh), and each rule's "opened" counter equals its allowed attempts.
. "$(dirname "$0")/world_test.sh"

world_test_up world_reachable_without_turnstile
world_matrix "$TS_TMP/plain"
bad=$(grep -cv ' ok$' "$TS_TMP/plain")
total=$(wc -l <"$TS_TMP/plain")
if [ "$total" = 112 ] && [ "$bad" = 0 ]; then
	ts_pass world_reachable_without_turnstile
else
	ts_fail world_reachable_without_turnstile "$bad of $total attempts failed: $(grep -v ' ok$' "$TS_TMP/plain" | head -3 | tr '\n' ';')"
fi

world_test_need_turnstile policy_matches_seed_table matrix_ipv4 matrix_ipv6 rule_counters_equal_attempts
world_test_start policy_matches_seed_table

# The product's verdict per cell, and the cross-check against the seed.
world_ts_verdicts "$TS_TMP/verdicts"
mismatch=""
while read -r src dst fam pverdict _ plabel; do
	seed=$(world_seed_verdict "$src" "$dst")
	# Same decision; an allowing rule's label names seed rows of the pair.
	if [ "$pverdict" != "${seed%% *}" ] ||
	   { [ "$pverdict" = allow ] && ! world_labels_within "$plabel" "${seed#* }"; }; then
		mismatch+="$src->$dst/$fam: turnstile '$pverdict $plabel', seed '$seed'; "
	fi
done <"$TS_TMP/verdicts"
[ "$(wc -l <"$TS_TMP/verdicts")" = 112 ] || mismatch+="explain answered $(wc -l <"$TS_TMP/verdicts") of 112 cells"
if [ -z "$mismatch" ]; then
	ts_pass policy_matches_seed_table
else
	ts_fail policy_matches_seed_table "$mismatch"
fi

world_matrix "$TS_TMP/enforced"
for fam in 4 6; do
	wrong=""
	while read -r src dst f outcome; do
		[ "$f" = "$fam" ] || continue
		verdict=$(awk -v s="$src" -v d="$dst" -v f="$fam" \
			'$1 == s && $2 == d && $3 == f { print $4 }' "$TS_TMP/verdicts")
		case "$verdict/$outcome" in
		allow/ok | refuse/timeout) ;;
		*) wrong+="$src->$dst: expected $verdict, got $outcome; " ;;
		esac
	done <"$TS_TMP/enforced"
	if [ -z "$wrong" ]; then ts_pass "matrix_ipv$fam"; else ts_fail "matrix_ipv$fam" "$wrong"; fi
done

# Every allowed attempt opened exactly one connection under the rule
# explain named; no rule opened anything else.
want=$(awk '$4 == "allow" { print $5 }' "$TS_TMP/verdicts" | sort | uniq -c |
	awk '{ print $2 "=" $1 }' | sort)
got=$(world_ts_opened | awk -F= '$2 > 0' | sort)
if [ "$want" = "$got" ]; then
	ts_pass rule_counters_equal_attempts
else
	ts_fail rule_counters_equal_attempts "want [$(echo $want)], counters [$(echo $got)]"
fi
ts_exit
