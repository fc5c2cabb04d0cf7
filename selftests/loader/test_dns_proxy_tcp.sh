#!/bin/bash
# The DNS proxy is a complete resolver for its clients (issue 12): DNS over
# TCP at the same address and port, answers over 512 bytes (TC over plain
# UDP, then the whole answer over TCP), and EDNS0's advertised UDP size.
# Clients are dig and kdig; the addresses of an answer must be learned
# before the client gets it, so the first SYN to one of them passes (0.9 s
# connect timeout: a dropped first SYN is retransmitted after 1 s).
# Network and zones in dns_topo.sh (big.blob.test has 40 A records: 671
# bytes).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/dns_topo.sh"
ts_require_root
for tool in dnsmasq dig kdig; do
	command -v $tool >/dev/null || { ts_skip dns_proxy_tcp "$tool not installed"; ts_exit; }
done

dns_topo_up || { ts_fail topology "cannot build namespaces or servers"; ts_exit; }
dns_upstream_start || { ts_fail dnsmasq "dnsmasq did not start: $(cat "$TS_TMP/dnsmasq.log")"; ts_exit; }
dns_run run "$TS_TMP/state" || { ts_fail run_starts "$(tail -5 "$TS_TMP/run.log")"; ts_exit; }

# cdig ARGS...: dig in the client namespace, one try, 2 s.
cdig() { ts_nsexec "$NS_C" dig +tries=1 +time=2 @$DNS_PROXY "$@" 2>&1; }
# flags OUT: the header flags of dig's output ("qr rd ra tc").
flags() { sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$1" | tail -1; }
# addrs OUT: the A records of dig's answer section, one a line.
addrs() { awk '$4 == "A" && $1 !~ /^;/ { print $5 }' <<<"$1"; }

# The upstream itself gives what the cases below expect of the proxy (this
# also checks the parsing of dig's output).
out=$(ts_nsexec "$NS_C" dig +tries=1 +time=2 +bufsize=1232 +ignore @$DNS_UPSTREAM big.blob.test 2>&1)
if [ "$(addrs "$out" | wc -l)" != 40 ] || [[ " $(flags "$out") " == *" tc "* ]]; then
	ts_fail upstream_precondition "the upstream's answer for big.blob.test: $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi

# Over TCP, a name no one asked for yet: answered, and learned before.
out=$(cdig +tcp acct.blob.test)
if [ "$(addrs "$out")" != "$ACCT_ADDR" ]; then
	ts_fail tcp_answer_first_syn "dig +tcp acct.blob.test: $(tr '\n' ' ' <<<"$out" | head -c 400)"
elif [ "$(dns_connect $ACCT_ADDR)" != ok ]; then
	ts_fail tcp_answer_first_syn "answered over TCP, but the first SYN to $ACCT_ADDR was dropped"
else
	ts_pass tcp_answer_first_syn
fi

# A 671-byte answer over TCP first (nothing learned the name before).
out=$(cdig +tcp big.blob.test)
n=$(addrs "$out" | wc -l)
last=$(addrs "$out" | tail -1)
if [ "$n" != 40 ]; then
	ts_fail tcp_big_answer_first_syn "dig +tcp big.blob.test: $n A records: $(tr '\n' ' ' <<<"$out" | head -c 400)"
elif [ "$(dns_connect "$last")" != ok ]; then
	ts_fail tcp_big_answer_first_syn "40 records over TCP, but the first SYN to $last was dropped"
else
	ts_pass tcp_big_answer_first_syn
fi

# kdig over TCP too (another client's framing and reads).
out=$(ts_nsexec "$NS_C" kdig +tcp +retry=0 +time=2 @$DNS_PROXY real.blob.test 2>&1)
if grep -qE '^real\.blob\.test\.\s+[0-9]+\s+IN\s+A\s+198\.51\.100\.11$' <<<"$out" &&
   [ "$(dns_connect 198.51.100.11)" = ok ]; then
	ts_pass kdig_tcp_answer_first_syn
else
	ts_fail kdig_tcp_answer_first_syn "kdig +tcp real.blob.test: $(tr '\n' ' ' <<<"$out" | head -c 400)"
fi

# Plain UDP without EDNS: over 512 bytes, TC set (dig +ignore keeps it).
out=$(cdig +noedns +ignore big.blob.test)
if [[ " $(flags "$out") " == *" tc "* ]]; then
	ts_pass udp_noedns_big_answer_truncated
else
	ts_fail udp_noedns_big_answer_truncated "flags '$(flags "$out")': $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi

# The same client as a stub would do it: TC, then again over TCP, whole answer.
out=$(cdig +noedns big.blob.test)
n=$(addrs "$out" | wc -l)
if [ "$n" = 40 ] && grep -q 'Truncated, retrying in TCP mode' <<<"$out"; then
	ts_pass udp_tc_retry_over_tcp_whole_answer
else
	ts_fail udp_tc_retry_over_tcp_whole_answer "dig +noedns big.blob.test: $n A records: $(tr '\n' ' ' <<<"$out" | head -c 400)"
fi

# EDNS0: the client's advertised size is respected.
out=$(cdig +bufsize=1232 +ignore big.blob.test)
n=$(addrs "$out" | wc -l)
if [ "$n" = 40 ] && [[ " $(flags "$out") " != *" tc "* ]]; then
	ts_pass edns_1232_whole_answer_over_udp
else
	ts_fail edns_1232_whole_answer_over_udp "dig +bufsize=1232: flags '$(flags "$out")', $n A records"
fi
out=$(cdig +bufsize=512 +ignore big.blob.test)
if [[ " $(flags "$out") " == *" tc "* ]]; then
	ts_pass edns_512_truncated
else
	ts_fail edns_512_truncated "dig +bufsize=512: flags '$(flags "$out")'"
fi

dns_stop
ts_g down >/dev/null 2>&1 || ts_fail down "exit $?"
ts_exit
