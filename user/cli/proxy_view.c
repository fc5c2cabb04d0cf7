// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* proxy_view.c - the DNS proxy's counters for people and scrapers (see proxy_view.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proxy_view.h"

bool ts_proxy_view_read(const struct ts_loader_state *st, struct ts_proxy_metrics *m)
{
	char path[sizeof(st->state_dir) + 32], listen[128];

	if (!st->dns_listen[0])
		return false;
	snprintf(path, sizeof(path), "%s/%s", st->state_dir, TS_PROXY_STATS_FILE);
	return !ts_proxy_metrics_read(m, listen, sizeof(listen), path);
}

void ts_proxy_view_text(FILE *out, const struct ts_loader_state *st)
{
	struct ts_proxy_metrics m;

	if (!ts_proxy_view_read(st, &m))
		return;
	fprintf(out, "dns proxy:  %" PRIu64 " queries (%" PRIu64 " TCP), %" PRIu64
		" answered, %" PRIu64 " SERVFAIL, %" PRIu64 " truncated, %" PRIu64
		" rate-limited\n", m.queries, m.queries_tcp, m.answers, m.servfail, m.truncated,
		ts_proxy_rate_limited(&m));
	fprintf(out, "            learned %" PRIu64 " new, %" PRIu64 " updated; added latency "
		"median %" PRIu64 " us, p99 %" PRIu64 " us (%" PRIu64 " samples)\n",
		m.learn[TS_LEARN_NEW], m.learn[TS_LEARN_UPDATED],
		ts_proxy_latency_quantile_us(&m, 0.5), ts_proxy_latency_quantile_us(&m, 0.99),
		ts_proxy_latency_samples(&m));
	for (int r = 0; r < TS_REFUSED_MAX; r++)
		if (m.refused[r])
			fprintf(out, "            refused %s: %" PRIu64 "\n",
				ts_proxy_refusal_name(r), m.refused[r]);
	for (int o = TS_LEARN_NOT_HOST; o < TS_LEARN_MAX; o++)
		if (m.learn[o])
			fprintf(out, "            not learned, %s: %" PRIu64 "\n",
				ts_learn_outcome_name(o), m.learn[o]);
}

void ts_proxy_view_json(struct ts_json *j, const struct ts_loader_state *st)
{
	struct ts_proxy_metrics m;

	if (!ts_proxy_view_read(st, &m)) {
		ts_json_null(j, "proxy");
		return;
	}
	ts_json_obj_open(j, "proxy");
	ts_json_str(j, "listen", st->dns_listen);
	ts_json_u64(j, "queries", m.queries);
	ts_json_u64(j, "queries_tcp", m.queries_tcp);
	ts_json_u64(j, "answers", m.answers);
	ts_json_u64(j, "servfail", m.servfail);
	ts_json_u64(j, "truncated", m.truncated);
	ts_json_u64(j, "tcp_accepted", m.tcp_accepted);
	ts_json_u64(j, "learned", m.learn[TS_LEARN_NEW] + m.learn[TS_LEARN_UPDATED]);
	ts_json_u64(j, "learned_new", m.learn[TS_LEARN_NEW]);
	ts_json_u64(j, "rate_limited", ts_proxy_rate_limited(&m));
	ts_json_obj_open(j, "refused");
	for (int r = 0; r < TS_REFUSED_MAX; r++)
		ts_json_u64(j, ts_proxy_refusal_name(r), m.refused[r]);
	ts_json_obj_close(j);
	ts_json_obj_open(j, "answer_errors");
	for (int e = 1; e < TS_DNS_E_MAX; e++)
		ts_json_u64(j, ts_dns_err_name(e), m.answer_errors[e]);
	ts_json_obj_close(j);
	ts_json_obj_open(j, "not_learned");
	for (int o = TS_LEARN_NOT_HOST; o < TS_LEARN_MAX; o++)
		ts_json_u64(j, ts_learn_outcome_name(o), m.learn[o]);
	ts_json_obj_close(j);
	ts_json_obj_open(j, "latency_us");
	ts_json_u64(j, "median", ts_proxy_latency_quantile_us(&m, 0.5));
	ts_json_u64(j, "p99", ts_proxy_latency_quantile_us(&m, 0.99));
	ts_json_u64(j, "samples", ts_proxy_latency_samples(&m));
	ts_json_obj_close(j);
	ts_json_obj_close(j);
}

static void counter(FILE *out, const char *name, const char *help, uint64_t v)
{
	fprintf(out, "# HELP turnstile_dns_proxy_%s %s\n# TYPE turnstile_dns_proxy_%s counter\n"
		"turnstile_dns_proxy_%s %" PRIu64 "\n", name, help, name, name, v);
}

void ts_proxy_view_prometheus(FILE *out, const struct ts_loader_state *st)
{
	static const uint64_t le_us[] = { 10, 25, 50, 100, 250, 500, 1000, 10000, 100000 };
	struct ts_proxy_metrics m;
	uint64_t n;

	if (!ts_proxy_view_read(st, &m))
		return;
	counter(out, "queries_total", "DNS queries received by the proxy", m.queries);
	counter(out, "tcp_queries_total", "DNS queries received over TCP", m.queries_tcp);
	counter(out, "answers_total", "answers relayed to clients", m.answers);
	counter(out, "servfail_total", "resolver failures answered SERVFAIL", m.servfail);
	counter(out, "truncated_total", "answers over the client's UDP size, sent with TC",
		m.truncated);
	fprintf(out, "# HELP turnstile_dns_proxy_refused_total queries refused, by reason\n"
		"# TYPE turnstile_dns_proxy_refused_total counter\n");
	for (int r = 0; r < TS_REFUSED_MAX; r++)
		fprintf(out, "turnstile_dns_proxy_refused_total{reason=\"%s\"} %" PRIu64 "\n",
			ts_proxy_refusal_name(r), m.refused[r]);
	fprintf(out, "# HELP turnstile_dns_proxy_learn_total relayed answers, by what they taught\n"
		"# TYPE turnstile_dns_proxy_learn_total counter\n");
	for (int o = 0; o < TS_LEARN_MAX; o++)
		fprintf(out, "turnstile_dns_proxy_learn_total{outcome=\"%s\"} %" PRIu64 "\n",
			ts_learn_outcome_name(o), m.learn[o]);
	fprintf(out, "# HELP turnstile_dns_proxy_added_latency_seconds time a query spends in "
		"the proxy, the resolver's time excluded\n"
		"# TYPE turnstile_dns_proxy_added_latency_seconds histogram\n");
	for (size_t b = 0; b < sizeof(le_us) / sizeof(le_us[0]); b++)
		fprintf(out, "turnstile_dns_proxy_added_latency_seconds_bucket{le=\"%g\"} %" PRIu64
			"\n", (double)le_us[b] / 1e6, ts_proxy_latency_count_le(&m, le_us[b]));
	n = ts_proxy_latency_samples(&m);
	fprintf(out, "turnstile_dns_proxy_added_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
		"turnstile_dns_proxy_added_latency_seconds_sum %g\n"
		"turnstile_dns_proxy_added_latency_seconds_count %" PRIu64 "\n", n,
		(double)m.lat_sum_us / 1e6, n);
}
