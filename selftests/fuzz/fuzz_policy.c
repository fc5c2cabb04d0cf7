// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_policy.c - libFuzzer target: any bytes through parse, lint, compile
 * and the runtime queries, under ASan and UBSan. Includes never touch the
 * file system: "self" includes the input again (cycles, depth), names
 * ending in ".txt" get a small member list, anything else is missing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "policy/policy.h"
#include "policy/registry.h"

static const uint8_t *cur_data;
static size_t cur_size;

static int stub_read(void *ctx, const char *path, char **data, size_t *len)
{
	static const char members[] = "192.0.2.0/24\n2001:db8::/48\nfeed.example.net\n*.cdn.example.net\n";
	const char *base = strrchr(path, '/');
	const void *src;
	size_t n;

	(void)ctx;
	base = base ? base + 1 : path;
	if (!strcmp(base, "self")) {
		src = cur_data;
		n = cur_size;
	} else if (strlen(base) > 4 && !strcmp(base + strlen(base) - 4, ".txt")) {
		src = members;
		n = sizeof(members) - 1;
	} else {
		return -ENOENT;
	}
	*data = malloc(n + 1);
	if (!*data)
		return -ENOMEM;
	memcpy(*data, src, n);
	(*data)[n] = '\0';
	*len = n;
	return 0;
}

static const struct ts_policy_reader stub_reader = { .read = stub_read };

/* Addresses the queries try: inside the usual test prefixes and outside. */
static const struct ts_net probes[] = {
	{ TS_FAMILY_V4, 32, { 192, 0, 2, 1 } },
	{ TS_FAMILY_V4, 32, { 10, 0, 0, 5 } },
	{ TS_FAMILY_V4, 32, { 198, 51, 100, 11 } },
	{ TS_FAMILY_V6, 128, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
};

static void exercise(struct ts_registry *r)
{
	const struct ts_compiled *c = r->policy;
	static const char *const names[] = { "a.cdn.example.net", "feed.example.net" };
	struct ts_compset comps;

	if (ts_compset_init(&comps, c->ncomps))
		return;
	for (size_t i = 0; i < c->ncomps; i += 2)
		ts_compset_add(&comps, (uint32_t)i);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct ts_set_update up;
		struct ts_membership *m;
		size_t n;

		(void)ts_compiled_static_set(c, &probes[i]);
		if (!ts_registry_set_for_addr(r, &probes[i], &comps, &up) &&
		    up.set_id >= ts_registry_nsets(r))
			abort(); /* a set id must always name a set */
		if (!ts_compiled_explain_addr(c, &probes[i], names, 2, &m, &n))
			free(m);
		(void)ts_compiled_rule_for(c, &comps, &comps, 443);
		(void)ts_compiled_rule_for(c, &comps, &comps, ts_port_index(TS_PLANE_UDP, 443));
		(void)ts_compiled_rule_for(c, &comps, &comps,
					   ts_port_index(TS_PLANE_ICMP, TS_ICMP_ECHO_PORT));
	}
	ts_compset_free(&comps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	struct ts_registry *r;

	ts_log_set_level(TS_LOG_ERROR);
	cur_data = data;
	cur_size = size;
	if (!ts_policy_build("fuzz.policy", (const char *)data, size, &stub_reader, &d, &c)) {
		if (!ts_registry_new(c, &r))
			exercise(r);
		ts_registry_free(r); /* NULL when it failed: then it freed c */
	}
	ts_diags_free(&d);
	return 0;
}
