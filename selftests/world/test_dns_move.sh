#!/bin/bash
# Cloud addresses move: an endpoint holds a TLS connection open to an Azure
# Blob storage account; DNS then moves the account to a new address. With
# turnstile enforcing the seed policy, the open connection still carries a
# request and its answer, and the first new connection by name goes to the
# new address and succeeds. Both families.
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

for fam in 4 6; do
	new=$new4; [ "$fam" = 6 ] && new=$new6
	# The very first connection after the move: no retry, no wait.
	got=$(world_curl ep "$fam" "$name" index.html -w ' %{remote_ip}' 2>&1)
	[ "$got" = "turnstile-world host=blob $new" ] || follow_bad+="ipv$fam: got '$got'; "
	body=$(world_hold_request "v$fam")
	[ "$body" = "turnstile-world host=blob" ] || open_bad+="ipv$fam: no answer on the open connection; "
	world_hold_close "v$fam"
done
if [ -z "$open_bad" ]; then ts_pass dns_move_open_connection_lives; else ts_fail dns_move_open_connection_lives "$open_bad"; fi
if [ -z "$follow_bad" ]; then ts_pass dns_move_new_connection_follows; else ts_fail dns_move_new_connection_follows "$follow_bad"; fi
ts_exit
