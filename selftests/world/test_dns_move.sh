#!/bin/bash
# Cloud addresses move: an endpoint holds a TLS connection open to an Azure
# Blob storage account; DNS then moves the account to a new address. With
# turnstile enforcing the seed policy as shipped, the open connection still
# carries a request and its answer, and new connections by name go to the
# new address and succeed once turnstile re-resolves the name: within the
# TTL it says it holds the name for (`status --json`, the policy's clamp),
# plus 5 s. Both families. (Learning from the client's own answer, with no
# lag, is the wildcard's job: test_wildcard.sh.)
. "$(dirname "$0")/world_test.sh"

name=acmefirmware.blob.core.windows.net
new4=192.0.2.67 new6=2001:db8:500::67

world_test_up dns_move_open_connection_lives
world_test_need_turnstile dns_move_open_connection_lives dns_move_new_connection_follows
world_test_start dns_move_open_connection_lives

open_bad="" follow_bad=""
for fam in 4 6; do
	old=$(world_addr blob "$fam")
	if ! world_hold_open "v$fam" ep "$fam" "$name" || [ "$(world_hold_peer "v$fam")" != "$old" ]; then
		ts_fail dns_move_open_connection_lives "ipv$fam: no held connection to $old"
		ts_exit
	fi
done

world_dns_set "$name" "$new4" "$new6" || { ts_fail dns_move_new_connection_follows "DNS did not move"; ts_exit; }

# follows FAMILY ADDR: a new connection by name reaches blob at ADDR.
follows() {
	[ "$(world_curl ep "$1" "$name" index.html -w '%{remote_ip}' 2>/dev/null | tr '\n' ' ')" = \
		"turnstile-world host=blob $2" ]
}
ttl=$(world_ts_cli status --json | jq -r --arg n "$name" \
	'[.names[] | select(.name == $n) | .addresses[].ttl_s] | max // empty')
[ -n "$ttl" ] || { ts_fail dns_move_new_connection_follows "status shows no TTL for $name"; ts_exit; }

for fam in 4 6; do
	new=$new4; [ "$fam" = 6 ] && new=$new6
	world_wait $((ttl + 5)) follows "$fam" "$new" ||
		follow_bad+="ipv$fam: no connection to $new within ${ttl}s + 5s; "
	body=$(world_hold_request "v$fam")
	[ "$body" = "turnstile-world host=blob" ] || open_bad+="ipv$fam: no answer on the open connection; "
	world_hold_close "v$fam"
done
if [ -z "$open_bad" ]; then ts_pass dns_move_open_connection_lives; else ts_fail dns_move_open_connection_lives "$open_bad"; fi
if [ -z "$follow_bad" ]; then ts_pass dns_move_new_connection_follows; else ts_fail dns_move_new_connection_follows "$follow_bad"; fi
ts_exit
