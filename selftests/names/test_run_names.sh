#!/bin/bash
# Names under the real daemon (`turnstile run` on the seed world's gateway),
# with a short TTL floor and grace so every step fits in a test:
#   resolved      a resolved name lets HTTPS through, an unanswered address not
#   move          DNS moves the name: the new address is allowed within the
#                 TTL, the old one during grace, then refused for new
#                 connections, while a TLS connection opened to it before the
#                 move still carries a request and its answer
#   cold start    `down`, then `run` again with DNS down: the cached address
#                 (and only it) is enforced, so a cold start is not empty
#   outage        with DNS still down the name goes stale but keeps its
#                 address past ttl + grace
#   resumes       DNS returns (with the old answer): refreshing resumes, and
#                 the address only the cache still held is refused
# shellcheck source=../world/world_test.sh
. "$(dirname "$0")/../world/world_test.sh"

BLOB=${WORLD_NAME[blob]}
STATE=$TS_TMP/state
GRACE=20

world_test_up names_run_world
world_test_need_turnstile names_run_resolved names_run_move names_run_cold_start_from_cache \
	names_run_outage_keeps_addresses names_run_refresh_resumes

# The world answers with TTL 2 s; the floor must not raise it.
WORLD_POLICY=$TS_TMP/names.policy
sed "/^settings {/a\\    ttl-floor 1s\\n    grace ${GRACE}s" "$TS_ROOT/policies/seed.policy" >"$WORLD_POLICY"

# reach ADDR: an endpoint's HTTPS request to the blob name at ADDR (curl
# --resolve: the client needs no DNS) is answered by blob.
reach() {
	[ "$(world_curl ep 4 "$BLOB" index.html --resolve "$BLOB:443:$1" 2>/dev/null)" = \
	  "turnstile-world host=blob" ]
}
refused() { ! reach "$1"; }

# blob_json FILTER: jq FILTER over status --json's entry for the blob name.
blob_json() {
	world_ts_cli status --json 2>/dev/null |
		jq -e -r --arg n "$BLOB" ".names[] | select(.name == \$n) | $1"
}
blob_has() {
	blob_json "any(.addresses[]; .address == \"$1\" and .resolver == \"$WORLD_RESOLVER4:53\")" >/dev/null
}
blob_stale() { blob_json '.stale == true' >/dev/null; }
blob_fresh() { blob_json '.stale == false and .last_success_ms > 0' >/dev/null; }
# expires_ms ADDR: when status says ADDR may leave (last seen + ttl + grace).
expires_ms() { blob_json ".addresses[] | select(.address == \"$1\") | .expires_ms"; }
now_ms() { date +%s%3N; }
past() { [ "$(now_ms)" -gt "$1" ]; }

dns_kill() { kill -9 "$(cat "$WORLD_DIR/dns/pid")"; }

# daemon_down: SIGTERM the daemon by the pid status reports (WORLD_TS_PID is
# the subshell that started it), then `turnstile down`.
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
if world_wait 10 blob_has 192.0.2.65 && world_wait 5 reach 192.0.2.65 && refused 192.0.2.67; then
	ts_pass names_run_resolved
else
	ts_fail names_run_resolved "blob not resolved into the maps, or .67 (never answered) allowed"
fi

# The held TLS connection goes over IPv6 to ::65 (each s_server serves one
# connection at a time, so .65 stays free for the IPv4 probes).
move() {
	local exp
	if ! world_hold_open blob ep 6 "$BLOB" || [ "$(world_hold_peer blob)" != 2001:db8:500::65 ]; then
		echo "no held TLS connection to 2001:db8:500::65"
		return
	fi
	world_dns_set "$BLOB" 192.0.2.67 2001:db8:500::67 || { echo "DNS did not move"; return; }
	# TTL 2 s, refreshed at 80%: a few seconds at most.
	world_wait 5 reach 192.0.2.67 || { echo "new address not allowed within the TTL"; return; }
	reach 192.0.2.65 || { echo "old address refused at once, no grace"; return; }
	exp=$(expires_ms 192.0.2.65) || { echo "old address gone from status during grace"; return; }
	world_wait $((GRACE + 15)) refused 192.0.2.65 || { echo "old address still allowed after grace"; return; }
	# 50 ms: status rounds its times, and the probe itself takes time.
	past $((exp - 50)) || { echo "old address refused $((exp - $(now_ms))) ms before ttl + grace"; return; }
	world_wait 5 eval '! blob_has 2001:db8:500::65' ||
		{ echo "the held connection's address never left the name"; return; }
	[ "$(world_hold_request blob)" = "turnstile-world host=blob" ] ||
		{ echo "the connection opened before the move was cut"; return; }
	reach 192.0.2.67 || echo "new address lost"
}
why=$(move)
world_hold_close blob
if [ -z "$why" ]; then ts_pass names_run_move; else ts_fail names_run_move "$why"; fi

# From scratch with DNS down: `down` removes every map, so only the cache
# can allow .67 (and .65 left the name, so it must stay refused).
dns_kill
if ! daemon_down || world_ts_cli status >/dev/null 2>&1; then
	ts_fail names_run_cold_start_from_cache "turnstile did not go down"
else
	world_test_start names_run_cold_start_from_cache --state-dir "$STATE"
	if world_wait 5 reach 192.0.2.67 && refused 192.0.2.65; then
		ts_pass names_run_cold_start_from_cache
	else
		ts_fail names_run_cold_start_from_cache "cache not enforced at a cold start with DNS down"
	fi
fi

# Each of the two resolvers gets 2 tries (2 s, then 4 s) before a round fails.
exp=$(expires_ms 192.0.2.67)
if ! world_wait 30 blob_stale; then
	ts_fail names_run_outage_keeps_addresses "status never marked $BLOB stale"
elif ! world_wait $((GRACE + 15)) past $((${exp:-0} + 1000)); then
	ts_fail names_run_outage_keeps_addresses "no expiry time for 192.0.2.67 in status"
elif blob_has 192.0.2.67 && reach 192.0.2.67; then
	ts_pass names_run_outage_keeps_addresses
else
	ts_fail names_run_outage_keeps_addresses "address lost while the resolver was down"
fi

# The world's DNS comes back with its original answer, .65: allowed again;
# .67 (long past ttl + grace, and loaded from the cache at the cold start)
# is refused as soon as DNS has answered without it.
if ! world_dns_up; then
	ts_fail names_run_refresh_resumes "the world's dnsmasq did not come back"
elif ! world_wait 70 blob_fresh || ! world_wait 5 reach 192.0.2.65; then
	ts_fail names_run_refresh_resumes "$BLOB still stale after DNS returned"
elif ! world_wait 10 refused 192.0.2.67; then
	ts_fail names_run_refresh_resumes "192.0.2.67 (prefilled from the cache) still allowed after DNS dropped it"
else
	ts_pass names_run_refresh_resumes
fi
ts_exit
