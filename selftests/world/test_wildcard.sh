#!/bin/bash
# A storage account the seed policy names only through its wildcard
# (*.blob.core.windows.net): DNS starts answering a new account's name, an
# endpoint resolves it and connects at once. turnstile must learn the
# address from that very answer (BRIEF lesson 6): the first connection
# succeeds, with no SYN retransmit. Both families.
. "$(dirname "$0")/world_test.sh"

account=acmelogs.blob.core.windows.net

world_test_up wildcard_first_connection
world_test_need_turnstile wildcard_first_connection
# Learning sees only answers that pass through turnstile's DNS proxy: when
# `run` offers one, it listens on the gateway and the clients' DNS goes to it.
if "$TS_BIN" run --help 2>&1 | grep -q -- --dns-listen; then
	world_test_start wildcard_first_connection --dns-listen "$WORLD_GW_SERVICE4:5353"
	world_dns_redirect 5353 || { ts_fail wildcard_first_connection "cannot redirect DNS to the proxy"; ts_exit; }
else
	world_test_start wildcard_first_connection
fi

# The new account answers with the address storage accounts move to, which
# no member of the policy resolves to.
world_dns_set "$account" 192.0.2.67 2001:db8:500::67 || { ts_fail wildcard_first_connection "DNS did not answer"; ts_exit; }

bad=""
for fam in 4 6; do
	# The first attempt, right after the client's own lookup.
	start=$(date +%s%N)
	got=$(world_curl ep "$fam" "$account" index.html 2>&1)
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	if [ "$got" != "turnstile-world host=blob" ]; then
		bad+="ipv$fam: '$got'; "
	elif [ "$ms" -ge 1000 ]; then
		bad+="ipv$fam: took ${ms} ms (a dropped first SYN); "
	fi
done
if [ -z "$bad" ]; then
	ts_pass wildcard_first_connection
else
	# Say why when the cause is known: learning needs clients' DNS to go
	# through turnstile's proxy (world_dns_redirect), which run must offer.
	"$TS_BIN" run --help 2>&1 | grep -q -- --dns-listen ||
		bad+="(turnstile run has no DNS proxy option: nothing can learn wildcard answers)"
	ts_fail wildcard_first_connection "$bad"
fi

ts_exit
