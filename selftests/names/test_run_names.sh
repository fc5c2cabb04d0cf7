#!/bin/bash
# Names under the real daemon (`turnstile run` on the seed world's gateway):
# a resolved name lets HTTPS through; while the world's DNS server is down
# the name goes stale but keeps its addresses; a daemon started from
# scratch (`down`, then `run`) during the outage enforces the cached
# addresses (a cold start does not begin empty); when DNS returns,
# refreshing resumes. The answer-change-with-a-live-TLS-connection case is
# the world tests' (selftests/world).
. "$(dirname "$0")/../world/world_test.sh"

BLOB=${WORLD_NAME[blob]}
STATE=$TS_TMP/state

world_test_up names_run_world
world_test_need_turnstile names_run_resolved names_run_outage_keeps_addresses \
	names_run_cold_start_from_cache names_run_refresh_resumes

# The seed policy with a short TTL floor (the world answers with TTL 2 s)
# and a grace long enough to outlive the daemon restart below.
WORLD_POLICY=$TS_TMP/names.policy
sed '/^settings {/a\    ttl-floor 1s\n    grace 60s' "$TS_ROOT/policies/seed.policy" >"$WORLD_POLICY"

# reach ADDR: an endpoint's HTTPS request to the blob name at ADDR (curl
# --resolve: the client needs no DNS) is answered by blob.
reach() {
	[ "$(world_curl ep 4 "$BLOB" index.html --resolve "$BLOB:443:$1" 2>/dev/null)" = \
	  "turnstile-world host=blob" ]
}

# blob_json FILTER: jq FILTER over status --json's entry for the blob name.
blob_json() {
	world_ts_cli status --json 2>/dev/null |
		jq -e --arg n "$BLOB" ".names[] | select(.name == \$n) | $1" >/dev/null
}
blob_has() { blob_json "any(.addresses[]; .address == \"$1\" and .resolver == \"$WORLD_RESOLVER4:53\")"; }
blob_stale() { blob_json '.stale == true'; }
blob_fresh() { blob_json '.stale == false and .last_success_ms > 0'; }

dns_kill() { kill -9 "$(cat "$WORLD_DIR/dns/pid")"; }

# daemon_down: SIGTERM the daemon (by the pid status reports: WORLD_TS_PID
# is the subshell that started it), then `turnstile down`.
daemon_gone() { ! kill -0 "$1" 2>/dev/null; }
daemon_down() {
	local pid
	pid=$(world_ts_cli status --json 2>/dev/null | jq -r '.daemon_pid // 0')
	if [ "${pid:-0}" -gt 0 ]; then
		kill "$pid" && world_wait 10 daemon_gone "$pid" || return 1
	fi
	world_ts_cli down >/dev/null 2>&1
}

world_test_start names_run_resolved --state-dir "$STATE"
if world_wait 10 blob_has 192.0.2.65 && world_wait 5 reach 192.0.2.65 && ! reach 192.0.2.67; then
	ts_pass names_run_resolved
else
	ts_fail names_run_resolved "blob not resolved into the maps, or .67 (never answered) allowed"
fi

dns_kill
# Each of the two resolvers gets 2 tries (2 s, then 4 s) before a round fails.
if ! world_wait 30 blob_stale; then
	ts_fail names_run_outage_keeps_addresses "status never marked $BLOB stale"
elif blob_has 192.0.2.65 && reach 192.0.2.65; then
	ts_pass names_run_outage_keeps_addresses
else
	ts_fail names_run_outage_keeps_addresses "address lost while the resolver was down"
fi

# From scratch: `down` removes every map, so only the cache can bring .65 back.
if ! daemon_down || ! reach 192.0.2.67; then
	ts_fail names_run_cold_start_from_cache "turnstile did not go down"
else
	world_test_start names_run_cold_start_from_cache --state-dir "$STATE"
	if world_wait 5 reach 192.0.2.65 && ! reach 192.0.2.67; then
		ts_pass names_run_cold_start_from_cache
	else
		ts_fail names_run_cold_start_from_cache "cached address not enforced at a cold start with DNS down"
	fi
fi

if ! world_dns_up; then
	ts_fail names_run_refresh_resumes "the world's dnsmasq did not come back"
elif world_wait 70 blob_fresh && reach 192.0.2.65; then
	ts_pass names_run_refresh_resumes
else
	ts_fail names_run_refresh_resumes "$BLOB still stale after DNS returned"
fi
ts_exit
