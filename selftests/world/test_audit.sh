#!/bin/bash
# Audit mode: turnstile runs the seed policy with --audit. The whole matrix
# (IPv4 and IPv6) goes through, and turnstile reports exactly the attempts
# the seed table refuses (plan.sh, the reading test_matrix.sh checks
# against `explain`): `monitor` prints one audit event per would-drop, for
# those very address pairs and no others; the rules' "opened" counters add
# up to the allowed attempts exactly (a would-drop opens under no rule);
# pass_audit counts the would-drops' packets (at least their SYNs).
. "$(dirname "$0")/world_test.sh"

world_test_up audit_lets_everything_through
world_test_need_turnstile audit_lets_everything_through audit_counts_would_drops \
	audit_monitor_reports_would_drops
world_test_start audit_lets_everything_through --audit
ts_on_exit world_ts_monitor_stop

# The would-drops, as "src_addr dst_addr" per refused cell.
for fam in 4 6; do
	for src in "${WORLD_HOSTS[@]}"; do
		for dst in "${WORLD_HOSTS[@]}"; do
			[ "$src" = "$dst" ] && continue
			[ "$(world_seed_verdict "$src" "$dst")" = refuse ] &&
				echo "$(world_cell_addr "$src" "$dst" "$fam") $(world_cell_addr "$dst" "$src" "$fam")"
		done
	done
done | sort >"$TS_TMP/would_drop"
would=$(wc -l <"$TS_TMP/would_drop")

audit_before=$(world_ts_reason pass_audit)
world_ts_monitor_start "$TS_TMP/events"
sleep 0.5
world_matrix "$TS_TMP/audit"
bad=$(grep -v ' ok$' "$TS_TMP/audit" | tr '\n' ';')
if [ "$(wc -l <"$TS_TMP/audit")" = 112 ] && [ -z "$bad" ]; then
	ts_pass audit_lets_everything_through
else
	ts_fail audit_lets_everything_through "not through: $bad"
fi

audit=$(( $(world_ts_reason pass_audit) - audit_before ))
opened=$(world_ts_opened | awk -F= '{ n += $2 } END { print n + 0 }')
allowed=$((112 - would))
if [ "$opened" = "$allowed" ] && [ "$audit" -ge "$would" ]; then
	ts_pass audit_counts_would_drops
else
	ts_fail audit_counts_would_drops "rules opened $opened of $allowed allowed; pass_audit $audit packets for $would would-drops"
fi

# Events arrive asynchronously: wait until monitor has printed them all.
events_in() { [ "$(grep -c '"verdict":"audit"' "$TS_TMP/events")" -ge "$would" ]; }
world_wait 5 events_in
world_ts_monitor_stop
jq -r 'select(.verdict == "audit") | "\(.src) \(.dst)"' "$TS_TMP/events" | sort >"$TS_TMP/reported"
if cmp -s "$TS_TMP/reported" "$TS_TMP/would_drop"; then
	ts_pass audit_monitor_reports_would_drops
else
	ts_fail audit_monitor_reports_would_drops "$(wc -l <"$TS_TMP/reported") events, $would would-drops; diff: $(diff "$TS_TMP/would_drop" "$TS_TMP/reported" | grep '^[<>]' | head -4 | tr '\n' ';')"
fi
ts_exit
