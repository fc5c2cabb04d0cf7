#!/bin/bash
# Path MTU: the endpoints' site router forwards to them over a 1280-byte
# route MTU (an internet hop beyond the gateway). With turnstile enforcing
# the seed policy, a large HTTPS download from Azure Blob to an endpoint
# completes intact over IPv4 and IPv6: the router's "fragmentation needed"
# / "packet too big" errors cross the gateway, the server learns the path
# MTU, and turnstile counts them as ICMP errors of a tracked flow.
. "$(dirname "$0")/world_test.sh"

world_test_up pmtu_large_transfer_ipv4
world_test_need_turnstile pmtu_large_transfer_ipv4 pmtu_large_transfer_ipv6 pmtu_icmp_errors_passed
world_test_start pmtu_large_transfer_ipv4

for a in ${WORLD_V4[ep]}; do
	world_nsenter site ip route change "$a/32" via 169.254.100.2 dev to-ep mtu 1280
done
for a in ${WORLD_V6[ep]}; do
	world_nsenter site ip -6 route change "$a/128" via fe80::2 dev to-ep mtu 1280
done

icmp_before=$(world_ts_reason pass_icmp_related)
for fam in 4 6; do
	out=$TS_TMP/big.$fam
	if ! world_curl ep "$fam" "${WORLD_NAME[blob]}" big.bin -o "$out" 2>"$out.err"; then
		ts_fail "pmtu_large_transfer_ipv$fam" "download failed: $(head -c 200 "$out.err")"
	elif ! cmp -s "$out" "$WORLD_DIR/tls/big.bin"; then
		ts_fail "pmtu_large_transfer_ipv$fam" "download differs from the served file"
	elif ! world_nsenter blob ip -"$fam" route get "$(world_addr ep "$fam")" | grep -q 'mtu 1280'; then
		ts_fail "pmtu_large_transfer_ipv$fam" "the server never learned the 1280-byte path MTU"
	else
		ts_pass "pmtu_large_transfer_ipv$fam"
	fi
done
icmp_after=$(world_ts_reason pass_icmp_related)
# At least one error per family crossed the gateway.
if [ $((icmp_after - icmp_before)) -ge 2 ]; then
	ts_pass pmtu_icmp_errors_passed
else
	ts_fail pmtu_icmp_errors_passed "pass_icmp_related went from $icmp_before to $icmp_after"
fi
ts_exit
