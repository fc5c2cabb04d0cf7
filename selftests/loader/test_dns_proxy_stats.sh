#!/bin/bash
# What the DNS proxy shows (issue 12, observability): after a known mix of
# queries, `status --json` has a "proxy" object whose counters moved by at
# least that much, with the latency the proxy adds; `status` has a
# "dns proxy:" line; `stats --prometheus` carries the same counters.
# (Until the proxy counters exist these cases fail: that is the issue.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/dns_topo.sh"
ts_require_root
for tool in dnsmasq dig jq; do
	command -v $tool >/dev/null || { ts_skip dns_proxy_stats "$tool not installed"; ts_exit; }
done

dns_topo_up || { ts_fail topology "cannot build namespaces or servers"; ts_exit; }
dns_upstream_start || { ts_fail dnsmasq "dnsmasq did not start: $(cat "$TS_TMP/dnsmasq.log")"; ts_exit; }
dns_run run "$TS_TMP/state" || { ts_fail run_starts "$(tail -5 "$TS_TMP/run.log")"; ts_exit; }

# The mix, 6 queries: over UDP 3 with an address (2 names learned), 1
# NXDOMAIN, 1 truncated (big.blob.test without EDNS: 671 bytes); 1 over TCP
# (a third name learned).
cdig() { ts_nsexec "$NS_C" dig +tries=1 +time=2 @$DNS_PROXY "$@" >/dev/null 2>&1; }
dnsprobe resolve $DNS_PROXY acct.blob.test >/dev/null
dnsprobe resolve $DNS_PROXY acct.blob.test >/dev/null
dnsprobe resolve $DNS_PROXY real.blob.test >/dev/null
dnsprobe resolve $DNS_PROXY nothere.blob.test >/dev/null
cdig +tcp one.any.test
cdig +noedns +ignore big.blob.test

# The daemon writes the counters at most once a second (docs/names.md).
ts_wait_for 3 sh -c "'$TS_BIN' status --json | jq -e '.proxy.queries >= 6' >/dev/null 2>&1"
json=$(ts_g status --json)
proxy=$(jq -c '.proxy' <<<"$json")
echo "status --json .proxy: $proxy"
missing=$(jq -r '.proxy as $p | ["listen", "queries", "queries_tcp", "answers", "servfail",
	"truncated", "learned", "rate_limited", "refused", "latency_us"]
	| map(. as $k | select(($p // {}) | has($k) | not)) | join(" ")' <<<"$json")
if [ "$proxy" = null ] || [ -n "$missing" ]; then
	ts_fail proxy_json_keys "status --json .proxy lacks: ${missing:-everything}"
elif ! jq -e '.proxy.refused | type == "object"' <<<"$json" >/dev/null ||
     ! jq -e '.proxy.latency_us | has("median") and has("p99") and has("samples")' <<<"$json" >/dev/null; then
	ts_fail proxy_json_keys "refused is not an object or latency_us lacks median/p99/samples: $proxy"
else
	ts_pass proxy_json_keys
fi

# Counters moved by at least the mix (>=: c-ares or a retry may add, never less).
if jq -e '.proxy | (.listen | startswith("192.0.2.1")) and .queries >= 6 and .queries_tcp >= 1
	and .answers >= 5 and .truncated >= 1 and .learned >= 2 and .servfail == 0
	and .latency_us.samples >= 5 and .latency_us.median > 0
	and .latency_us.median <= .latency_us.p99' <<<"$json" >/dev/null 2>&1; then
	ts_pass proxy_json_counts
else
	ts_fail proxy_json_counts "after 5 UDP + 1 TCP queries (1 truncated, 1 NXDOMAIN, 3 names learned): $proxy"
fi

line=$(ts_g status 2>/dev/null | grep '^dns proxy:')
if [ -n "$line" ]; then
	ts_pass proxy_status_text_line
else
	ts_fail proxy_status_text_line "no line starting with 'dns proxy:' in status"
fi

prom=$(ts_g stats --prometheus 2>/dev/null | grep -E '^turnstile_dns_proxy_queries_total(\{[^}]*\})? [0-9]+$')
if [ -n "$prom" ] && [ "${prom##* }" -ge 6 ]; then
	ts_pass proxy_prometheus_counters
else
	ts_fail proxy_prometheus_counters "no turnstile_dns_proxy_queries_total >= 6 in stats --prometheus: '$prom'"
fi

# the families are valid Prometheus text (promtool, from Debian's prometheus)
if command -v promtool >/dev/null; then
	if ts_g stats --prometheus 2>/dev/null | promtool check metrics >"$TS_TMP/promtool.out" 2>&1; then
		ts_pass proxy_prometheus_promtool
	else
		ts_fail proxy_prometheus_promtool "$(head -c 300 "$TS_TMP/promtool.out")"
	fi
fi

dns_stop
ts_g down >/dev/null 2>&1 || ts_fail down "exit $?"
ts_exit
