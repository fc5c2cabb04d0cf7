// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_learn.c - the DNS proxy's learning step under libFuzzer + ASan +
 * UBSan: a client's query and the resolver's answer go through exactly
 * what the proxy runs (ts_dns_query_parse, ts_proxy_read_answer,
 * ts_names_learn_answer) into a names library holding a policy of
 * wildcards. Input: one byte naming the client, two bytes of query
 * length, the query, then the answer.
 *
 * Invariant, checked after every input over every name the library holds:
 * a learned name is made of host labels only (1-63 octets of letters,
 * digits, '-', '_'; 253 characters at most) and is, label for label, under
 * a wildcard of the policy (`*.x`: exactly one label more than x; `**.x`:
 * one or more); a name learned by this input is this query's name.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "names/names.h"
#include "names/proxy.h"

#define MAX_ADDRS 64
#define RESET_EVERY 4096 /* inputs: a fresh library, so state stays small */

/* The policy: exact names, one-label and any-depth wildcards. */
static const char *const policy_names[] = {
	"www.example.test", "*.example.test", "**.cdn.test", "*.blob.core.windows.net",
};
#define NNAMES (sizeof(policy_names) / sizeof(policy_names[0]))

static struct ts_compiled policy;
static struct ts_name_ref refs[NNAMES];
static char *comp_names[NNAMES];
static struct ts_names *names;
static unsigned inputs;

static void open_names(void)
{
	struct ts_names_config cfg = {
		.policy = &policy, .servers = "127.0.0.1:9", .cache_path = "",
		.query_timeout_ms = 100, .query_tries = 1,
	};

	for (size_t i = 0; i < NNAMES; i++) {
		refs[i].name = (char *)policy_names[i];
		refs[i].comp = (uint32_t)i;
		refs[i].wildcard = policy_names[i][0] == '*';
		comp_names[i] = (char *)policy_names[i];
	}
	policy.names = refs;
	policy.nnames = NNAMES;
	policy.comp_names = comp_names;
	policy.ncomps = NNAMES;
	policy.settings.ttl_ceiling_s = 3600;
	policy.settings.grace_s = 60;
	if (ts_names_open(&names, &cfg))
		abort();
}

/* name's labels, split on '.', into lab (at most max); -1 if a label is not a host label. */
static int split_host_labels(const char *name, const char **lab, size_t *len, int max)
{
	int n = 0;
	const char *p = name;

	if (strlen(name) > 253)
		return -1;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l < 1 || l > 63 || n == max)
			return -1;
		for (size_t i = 0; i < l; i++) {
			char c = p[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return -1;
		}
		lab[n] = p;
		len[n++] = l;
		if (!dot)
			return n;
		p = dot + 1;
	}
}

/* Label for label: name under pattern ("*.x" one label more, "**.x" one or more). */
static bool under(const char *pattern, const char *name)
{
	const char *pl[128], *nl[128];
	size_t plen[128], nlen[128];
	bool deep = pattern[1] == '*';
	int np = split_host_labels(pattern + (deep ? 3 : 2), pl, plen, 128);
	int nn = split_host_labels(name, nl, nlen, 128);

	if (np < 0 || nn < 0 || (deep ? nn < np + 1 : nn != np + 1))
		return false;
	for (int i = 0; i < np; i++) {
		int j = nn - np + i;

		if (plen[i] != nlen[j] || memcmp(pl[i], nl[j], plen[i]))
			return false;
	}
	return true;
}

static void check_state(const char *qname, enum ts_learn_outcome o)
{
	const struct ts_names_state *st = ts_names_state(names);

	for (size_t i = 0; i < ts_names_count(st); i++) {
		struct ts_names_name_info ni;
		bool ok = false;

		if (ts_names_name_info(st, i, &ni) || !ni.wildcard)
			continue;
		for (size_t w = 0; w < NNAMES && !ok; w++)
			ok = policy_names[w][0] == '*' && under(policy_names[w], ni.name);
		if (!ok) {
			fprintf(stderr, "learned \"%s\" (via %s) is under no wildcard\n", ni.name,
				ni.wildcard);
			abort();
		}
	}
	if (o == TS_LEARN_NEW) {
		struct ts_names_name_info ni;
		bool found = false;

		for (size_t i = 0; i < ts_names_count(st) && !found; i++)
			found = !ts_names_name_info(st, i, &ni) && qname && !strcmp(ni.name, qname);
		if (!found) {
			fprintf(stderr, "a new name was learned but \"%s\" is not held\n",
				qname ? qname : "(none)");
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ts_net addrs[MAX_ADDRS];
	static uint32_t ttls[MAX_ADDRS];
	struct ts_net client = { .family = TS_FAMILY_V4, .plen = 32, .addr = { 198, 51, 100 } };
	struct ts_proxy_answer pa = { .client = &client, .server = "192.0.2.2:53" };
	struct ts_dns_query q;
	enum ts_learn_outcome o = TS_LEARN_NONE;
	size_t qlen;
	int dns_err;

	if (!names) {
		ts_log_set_level(TS_LOG_ERROR);
		open_names();
	}
	if (size < 3)
		return 0;
	client.addr[3] = data[0];
	qlen = (size_t)data[1] << 8 | data[2];
	if (qlen > size - 3)
		return 0;
	if (ts_dns_query_parse(data + 3, qlen, &ts_dns_limits_default, &q))
		return 0;
	if (ts_proxy_read_answer(&q, data + 3 + qlen, size - 3 - qlen, addrs, ttls, MAX_ADDRS, &pa,
				 &dns_err) == TS_REFUSED_MAX && pa.qname) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		pa.received_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		o = ts_names_learn_answer(names, &pa);
	}
	check_state(pa.qname, o);
	if (++inputs % RESET_EVERY == 0) {
		ts_names_close(names);
		open_names();
	}
	return 0;
}
