// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proxy_stats.c - the DNS proxy's counters: names, the latency histogram,
 * and the counters file `status` reads (the daemon writes it at most once
 * a second). Text, one record a line:
 *
 *   turnstile-dns-proxy 1
 *   listen <addr>
 *   counter <name> <value>          (queries, queries_tcp, answers, ...)
 *   refused <reason> <value>
 *   answer_error <dnsmsg error> <value>
 *   learn <outcome> <value>
 *   latency <bucket>:<count> ...    (non-empty buckets only)
 *
 * Written whole or not at all (ts_replace_file). A line that does not
 * parse is skipped, not the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/replace_file.h"
#include "names/proxy.h"

#define STATS_MAGIC "turnstile-dns-proxy 1"

static const char *const refusal_names[TS_REFUSED_MAX] = {
	[TS_REFUSED_MALFORMED] = "malformed",
	[TS_REFUSED_INFLIGHT] = "inflight",
	[TS_REFUSED_CLIENT_INFLIGHT] = "client-inflight",
	[TS_REFUSED_TCP_CONNS] = "tcp-connections",
	[TS_REFUSED_ANSWER] = "answer-limits",
	[TS_REFUSED_MISMATCH] = "answer-mismatch",
	[TS_REFUSED_NOT_QUERY] = "not-a-query",
};

static const char *const learn_names[TS_LEARN_MAX] = {
	[TS_LEARN_NONE] = "not-ours",
	[TS_LEARN_UPDATED] = "updated",
	[TS_LEARN_NEW] = "new",
	[TS_LEARN_NOT_HOST] = "not-host-name",
	[TS_LEARN_NO_ADDR] = "no-address",
	[TS_LEARN_CLIENT_BUDGET] = "client-budget",
	[TS_LEARN_FULL] = "full",
	[TS_LEARN_ERROR] = "error",
};

const char *ts_proxy_refusal_name(enum ts_proxy_refusal r)
{
	return r < TS_REFUSED_MAX ? refusal_names[r] : "?";
}

const char *ts_learn_outcome_name(enum ts_learn_outcome o)
{
	return o < TS_LEARN_MAX ? learn_names[o] : "?";
}

uint64_t ts_proxy_rate_limited(const struct ts_proxy_metrics *m)
{
	return m->refused[TS_REFUSED_INFLIGHT] + m->refused[TS_REFUSED_CLIENT_INFLIGHT] +
	       m->refused[TS_REFUSED_TCP_CONNS];
}

/* Bucket i holds latencies up to bound(i) us: 1, 2, ... 10, then 10% wider each. */
static uint64_t bound(int i)
{
	static uint64_t b[TS_PROXY_LAT_BUCKETS];

	if (!b[0]) {
		b[0] = 1;
		for (int k = 1; k < TS_PROXY_LAT_BUCKETS; k++)
			b[k] = b[k - 1] + (b[k - 1] / 10 > 1 ? b[k - 1] / 10 : 1);
	}
	return b[i];
}

void ts_proxy_latency_record(struct ts_proxy_metrics *m, uint64_t us)
{
	int lo = 0, hi = TS_PROXY_LAT_BUCKETS - 1;

	while (lo < hi) { /* the first bucket whose bound holds us; the last takes the rest */
		int mid = (lo + hi) / 2;

		if (us <= bound(mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	m->lat_hist[lo]++;
	m->lat_sum_us += us;
}

uint64_t ts_proxy_latency_count_le(const struct ts_proxy_metrics *m, uint64_t us)
{
	uint64_t n = 0;

	for (int i = 0; i < TS_PROXY_LAT_BUCKETS && bound(i) <= us; i++)
		n += m->lat_hist[i];
	return n;
}

uint64_t ts_proxy_latency_samples(const struct ts_proxy_metrics *m)
{
	uint64_t n = 0;

	for (int i = 0; i < TS_PROXY_LAT_BUCKETS; i++)
		n += m->lat_hist[i];
	return n;
}

uint64_t ts_proxy_latency_quantile_us(const struct ts_proxy_metrics *m, double q)
{
	uint64_t n = ts_proxy_latency_samples(m), seen = 0, want;

	if (!n)
		return 0;
	want = (uint64_t)(q * (double)n + 0.999999);
	if (want < 1)
		want = 1;
	for (int i = 0; i < TS_PROXY_LAT_BUCKETS; i++) {
		seen += m->lat_hist[i];
		if (seen >= want)
			return bound(i);
	}
	return bound(TS_PROXY_LAT_BUCKETS - 1);
}

struct named_counter {
	const char *name;
	size_t off;
};

static const struct named_counter counters[] = {
	{ "queries", offsetof(struct ts_proxy_metrics, queries) },
	{ "queries_tcp", offsetof(struct ts_proxy_metrics, queries_tcp) },
	{ "answers", offsetof(struct ts_proxy_metrics, answers) },
	{ "servfail", offsetof(struct ts_proxy_metrics, servfail) },
	{ "truncated", offsetof(struct ts_proxy_metrics, truncated) },
	{ "tcp_accepted", offsetof(struct ts_proxy_metrics, tcp_accepted) },
	{ "latency_sum_us", offsetof(struct ts_proxy_metrics, lat_sum_us) },
};

static uint64_t *counter_at(struct ts_proxy_metrics *m, size_t off)
{
	return (uint64_t *)((char *)m + off);
}

static void write_all(FILE *f, const struct ts_proxy_metrics *m, const char *listen)
{
	fprintf(f, "%s\nlisten %s\n", STATS_MAGIC, listen);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		fprintf(f, "counter %s %" PRIu64 "\n", counters[i].name,
			*counter_at((struct ts_proxy_metrics *)m, counters[i].off));
	for (int r = 0; r < TS_REFUSED_MAX; r++)
		fprintf(f, "refused %s %" PRIu64 "\n", refusal_names[r], m->refused[r]);
	for (int e = 1; e < TS_DNS_E_MAX; e++)
		fprintf(f, "answer_error %s %" PRIu64 "\n", ts_dns_err_name(e), m->answer_errors[e]);
	for (int o = 0; o < TS_LEARN_MAX; o++)
		fprintf(f, "learn %s %" PRIu64 "\n", learn_names[o], m->learn[o]);
	fprintf(f, "latency");
	for (int i = 0; i < TS_PROXY_LAT_BUCKETS; i++)
		if (m->lat_hist[i])
			fprintf(f, " %d:%" PRIu64, i, m->lat_hist[i]);
	fprintf(f, "\n");
}

struct stats_file {
	const struct ts_proxy_metrics *m;
	const char *listen;
};

static int write_file(FILE *f, void *ctx)
{
	const struct stats_file *sf = ctx;

	write_all(f, sf->m, sf->listen);
	return ferror(f) ? -EIO : 0;
}

int ts_proxy_metrics_write(const struct ts_proxy_metrics *m, const char *listen, const char *path)
{
	struct stats_file sf = { m, listen };
	int err = ts_replace_file(path, write_file, &sf);

	if (err)
		ts_debug("dns proxy counters %s: %s", path, strerror(-err));
	return err;
}

/* The index of name in names[0..n), or -1. */
static int index_of(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return i;
	return -1;
}

static void parse_latency(struct ts_proxy_metrics *m, const char *rest)
{
	int bucket, used;
	uint64_t count;

	while (sscanf(rest, " %d:%" SCNu64 "%n", &bucket, &count, &used) == 2) {
		if (bucket >= 0 && bucket < TS_PROXY_LAT_BUCKETS)
			m->lat_hist[bucket] = count;
		rest += used;
	}
}

static void parse_line(struct ts_proxy_metrics *m, char *listen, size_t listen_len,
		       const char *line)
{
	char kind[32], name[64];
	uint64_t v;
	int i;

	if (!strncmp(line, "listen ", 7)) {
		snprintf(listen, listen_len, "%s", line + 7);
		return;
	}
	if (!strncmp(line, "latency", 7)) {
		parse_latency(m, line + 7);
		return;
	}
	if (sscanf(line, "%31s %63s %" SCNu64, kind, name, &v) != 3)
		return;
	if (!strcmp(kind, "counter")) {
		for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++)
			if (!strcmp(counters[k].name, name))
				*counter_at(m, counters[k].off) = v;
	} else if (!strcmp(kind, "refused") &&
		   (i = index_of(refusal_names, TS_REFUSED_MAX, name)) >= 0) {
		m->refused[i] = v;
	} else if (!strcmp(kind, "learn") && (i = index_of(learn_names, TS_LEARN_MAX, name)) >= 0) {
		m->learn[i] = v;
	} else if (!strcmp(kind, "answer_error")) {
		for (int e = 1; e < TS_DNS_E_MAX; e++)
			if (!strcmp(ts_dns_err_name(e), name))
				m->answer_errors[e] = v;
	}
}

int ts_proxy_metrics_read(struct ts_proxy_metrics *m, char *listen, size_t listen_len,
			  const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(path, "re");
	int err = 0;

	memset(m, 0, sizeof(*m));
	if (listen_len)
		listen[0] = '\0';
	if (!f)
		return -errno;
	len = getline(&line, &cap, f);
	if (len <= 0 || strncmp(line, STATS_MAGIC "\n", (size_t)len))
		err = -EINVAL;
	while (!err && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		parse_line(m, listen, listen_len, line);
	}
	free(line);
	fclose(f);
	return err;
}
