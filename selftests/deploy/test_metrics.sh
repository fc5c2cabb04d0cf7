#!/bin/bash
# `run --metrics ADDR:PORT`: the daemon serves Prometheus text at /metrics
# that `promtool check metrics` accepts, with the counters traffic moved
# (rule opened, reason drops), table fill and capacity, the reloads and
# build info; a real Prometheus server scrapes it, and answers every query
# of the Grafana dashboard (docs/grafana-dashboard.json). The endpoint answers
# nothing but GET/HEAD /metrics, and idle or oversized clients stall
# neither it nor the daemon.
. "$(dirname "$0")/../lib.sh"
. "$TS_ROOT/selftests/loader/topo.sh"
ts_require_root

topo_up || { ts_fail topology "cannot build namespaces"; ts_exit; }
topo_servers "$NS_S" 443 8443 || { ts_fail servers "echo server did not start"; ts_exit; }
policy=$TS_TMP/p.policy
topo_policy >"$policy"
M=127.0.0.1:9464
get() { ts_nsexec "$NS_G" curl -s -m 3 "$@"; }

# bad addresses are usage errors, and `up` has no metrics
bad=""
for a in 127.0.0.1 127.0.0.1:0 127.0.0.1:99999 host:80 '[::1:80' 1.2.3.4.5:80; do
	ts_g run "$policy" -i gc --metrics "$a" >/dev/null 2>&1
	[ $? = 2 ] || bad+=" '$a'"
done
ts_g up "$policy" -i gc --metrics "$M" >/dev/null 2>&1
[ $? = 2 ] || bad+=" up"
if [ -z "$bad" ]; then ts_pass metrics_option_checked; else ts_fail metrics_option_checked "accepted:$bad"; fi

ts_bg run nsenter --net="/run/netns/$NS_G" "$TS_BIN" run "$policy" -i gc -i gs \
	--state-dir "$TS_TMP/state" --metrics "$M"
RUN_PID=$TS_BG_PID
if ! ts_wait_for 20 sh -c "nsenter --net=/run/netns/$NS_G curl -sf -m 1 http://$M/metrics >/dev/null"; then
	ts_fail metrics_served "$(tail -5 "$TS_TMP/run.log")"
	ts_exit
fi
topo_connect "$NS_C" 10.9.1.2 443
topo_connect "$NS_C" 10.9.1.2 8443
ts_g reload --wait >/dev/null 2>&1

page=$TS_TMP/metrics.txt
get -D "$TS_TMP/headers" "http://$M/metrics" >"$page"
if command -v promtool >/dev/null; then
	if out=$(promtool check metrics <"$page" 2>&1); then
		ts_pass metrics_promtool_clean
	else
		ts_fail metrics_promtool_clean "$out"
	fi
else
	ts_skip metrics_promtool_clean "promtool missing (Debian package prometheus)"
fi
val() { awk -v k="$1" 'index($0, k " ") == 1 { print $NF }' "$page"; }
want() { # want NAME-WITH-LABELS TEST
	local v
	v=$(val "$1")
	[ -n "$v" ] && python3 -c "import sys; v=float('$v'); sys.exit(not ($2))" || { miss+=" $1=${v:-missing}"; }
}
miss=""
want 'turnstile_rule_opened_total{rule_id="1",label="C1",rule="clients -> servers tcp/443"}' 'v >= 1'
want 'turnstile_reason_packets_total{reason="drop_no_rule",verdict="drop"}' 'v >= 1'
want 'turnstile_table_capacity{table="flows"}' 'v > 0'
want 'turnstile_table_entries{table="rules"}' 'v >= 1'
want 'turnstile_table_memory_bytes{table="flows"}' 'v >= 80 * 2 * 16384'
# the connections just opened sit in the small flow table read first
want 'turnstile_flows_small_table_entries' 'v >= 1'
want 'turnstile_maps_memory_bytes' 'v > 0'
want 'turnstile_address_bitmap_fill_ratio' 'v > 0 and v < 0.5'
want 'turnstile_policy_generation' 'v >= 2'
ts_g status | grep -q "^metrics *http://$M/metrics" || miss+=" status-line"
want 'turnstile_reloads_total' 'v == 1'
want 'turnstile_last_reload_success' 'v == 1'
want 'turnstile_build_info{schema_version="'"$(sed -n 's/^#define TS_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$TS_ROOT/include/turnstile.h")"'"}' 'v == 1'
# no names in this policy, no cache: the names series are there, at zero
want 'turnstile_names' 'v == 0'
want 'turnstile_name_answer_to_map_seconds_bucket{le="+Inf"}' 'v == 0'
if [ -z "$miss" ] && grep -qi '^content-type: text/plain; version=0.0.4' "$TS_TMP/headers"; then
	ts_pass metrics_content
else
	ts_fail metrics_content "wrong or missing:$miss $(head -1 "$TS_TMP/headers")"
fi

# `stats --prometheus` prints the same counter families (one formatter)
fams() { grep '^# TYPE' | sort; }
if [ "$(ts_g stats --prometheus | fams)" = "$(grep -E '^# TYPE turnstile_(rule|reason|iface|dns_proxy)_' "$page" | sort)" ]; then
	ts_pass metrics_stats_same_families
else
	ts_fail metrics_stats_same_families "stats --prometheus and /metrics differ in their counter families"
fi

# nothing but GET/HEAD /metrics
codes=$(get -o /dev/null -w '%{http_code} ' "http://$M/"
	get -o /dev/null -w '%{http_code} ' -X POST "http://$M/metrics"
	get -o /dev/null -w '%{http_code} ' -H "X-Pad: $(head -c 5000 /dev/zero | tr '\0' a)" "http://$M/metrics"
	get -o /dev/null -w '%{http_code}' -I "http://$M/metrics")
if [ "$codes" = "404 405 431 200" ]; then
	ts_pass metrics_only_get_metrics
else
	ts_fail metrics_only_get_metrics "/, POST, 5 KB header, HEAD gave: $codes (want 404 405 431 200)"
fi

# idle clients (more than the 16 slots, sending nothing) stall nothing
ts_bg idle ts_nsexec "$NS_G" python3 -c '
import socket, time
s = [socket.create_connection(("127.0.0.1", 9464)) for _ in range(20)]
print("open", flush=True)
time.sleep(30)'
ts_wait_for 5 grep -q open "$TS_TMP/idle.log"
start=$(date +%s%N)
code=$(get -o /dev/null -w '%{http_code}' "http://$M/metrics")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$code" = 200 ] && [ "$ms" -lt 1000 ] && topo_connect "$NS_C" 10.9.1.2 443; then
	ts_pass metrics_idle_clients_stall_nothing
else
	ts_fail metrics_idle_clients_stall_nothing "with 20 idle clients: HTTP $code after $ms ms"
fi

# a client that sends nothing is closed after its 5 s (checked at the end;
# the daemon's loop wakes at least every 5 s, so by 11 s)
ts_bg lazy ts_nsexec "$NS_G" python3 -c '
import socket, time
s = socket.create_connection(("127.0.0.1", 9464)); t = time.time()
s.settimeout(20)
try: d = s.recv(1)
except OSError: d = None
print("closed" if d == b"" else "open", round(time.time() - t, 1), flush=True)'

# a real Prometheus scrapes it
if command -v prometheus >/dev/null; then
	cat >"$TS_TMP/prom.yml" <<CONF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: turnstile
    static_configs:
      - targets: ['$M']
CONF
	ts_bg prometheus ts_nsexec "$NS_G" prometheus --config.file="$TS_TMP/prom.yml" \
		--storage.tsdb.path="$TS_TMP/tsdb" --web.listen-address=127.0.0.1:9490
	q='http://127.0.0.1:9490/api/v1/query?query=turnstile_rule_opened_total'
	if ts_wait_for 30 sh -c "nsenter --net=/run/netns/$NS_G curl -s -m 1 '$q' | grep -q '\"label\":\"C1\"'"; then
		ts_pass metrics_prometheus_scrapes
	else
		ts_fail metrics_prometheus_scrapes "$(get "$q"; tail -3 "$TS_TMP/prometheus.log")"
	fi
	# docs/grafana-dashboard.json: every panel's query is PromQL this
	# Prometheus accepts, over metrics the daemon serves (Grafana itself
	# is not in Debian: nothing renders it here)
	out=$(ts_nsexec "$NS_G" python3 - "$TS_ROOT/docs/grafana-dashboard.json" "$page" <<'PY'
import json, re, sys, urllib.parse, urllib.request
dash = json.load(open(sys.argv[1]))
served = set(l.split("{")[0].split(" ")[0] for l in open(sys.argv[2]) if l and not l.startswith("#"))
bad = []
for p in dash["panels"]:
    for t in p["targets"]:
        expr = t["expr"]
        for name in re.findall(r"\bturnstile_[a-z0-9_]+", expr):
            if name not in served:
                bad.append(f"{p['title']}: {name} not served")
        q = expr.replace("$__rate_interval", "10s").replace("$__range", "1m")
        url = "http://127.0.0.1:9490/api/v1/query?" + urllib.parse.urlencode({"query": q})
        try:
            r = json.load(urllib.request.urlopen(url, timeout=3))
        except Exception as e:
            r = {"status": "error", "error": str(e)}
        if r.get("status") != "success":
            bad.append(f"{p['title']}: {q}: {r.get('error')}")
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
	)
	if [ $? = 0 ]; then
		ts_pass metrics_dashboard_queries_valid
	else
		ts_fail metrics_dashboard_queries_valid "$out"
	fi
else
	ts_skip metrics_prometheus_scrapes "prometheus missing (Debian package prometheus)"
fi
ts_wait_for 20 grep -q . "$TS_TMP/lazy.log"
read -r how secs <"$TS_TMP/lazy.log"
if [ "$how" = closed ] && python3 -c "import sys; sys.exit(not 4.5 <= $secs <= 11)"; then
	ts_pass metrics_idle_client_closed
else
	ts_fail metrics_idle_client_closed "an idle client: $(cat "$TS_TMP/lazy.log") (want closed after 5 to 11 s)"
fi
kill -TERM "$RUN_PID"
ts_g down >/dev/null 2>&1
ts_exit
