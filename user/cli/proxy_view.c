// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* proxy_view.c - the DNS proxy's counters for people and scrapers (see proxy_view.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "loader/names_glue.h"
#include "proxy_view.h"

void ts_proxy_view_text(FILE *out, const struct ts_loader_state *st)
{
	struct ts_proxy_metrics m;

	if (!ts_names_glue_proxy_metrics(st, &m))
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

	if (!ts_names_glue_proxy_metrics(st, &m)) {
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
