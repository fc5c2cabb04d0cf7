// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* info.c - read-only views of the names state for status, explain and metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "names/state.h"

const uint32_t ts_names_lat_bucket_us[TS_NAMES_LAT_BUCKETS - 1] = { 100, 1000, 10000, 100000 };

static bool is_stale(const struct ts_name_entry *e)
{
	return e->consecutive_failures > 0;
}

void ts_names_metrics(const struct ts_names_state *st, struct ts_names_metrics *out)
{
	*out = st->m;
	out->names = st->nnames;
	out->addrs = 0;
	out->stale_names = 0;
	out->learned_names = 0;
	for (size_t i = 0; i < st->nnames; i++) {
		out->addrs += st->names[i].naddrs;
		out->stale_names += is_stale(&st->names[i]);
		out->learned_names += st->names[i].wildcard != NULL;
	}
}

size_t ts_names_count(const struct ts_names_state *st)
{
	return st->nnames;
}

int ts_names_name_info(const struct ts_names_state *st, size_t i, struct ts_names_name_info *out)
{
	const struct ts_name_entry *e;

	if (i >= st->nnames)
		return -ENOENT;
	e = &st->names[i];
	*out = (struct ts_names_name_info){
		.name = e->name,
		.wildcard = e->wildcard,
		.learned_by = e->learned_by,
		.naddrs = e->naddrs,
		.resolutions = e->resolutions,
		.failures = e->failures,
		.consecutive_failures = e->consecutive_failures,
		.stale = is_stale(e),
		.last_error = e->last_status ? ares_strerror(e->last_status) : "",
		.last_success_ms = ts_names_mono_to_wall(e->last_success_ms),
		.last_attempt_ms = ts_names_mono_to_wall(e->last_attempt_ms),
		.next_refresh_ms = ts_names_mono_to_wall(e->next_refresh_ms),
	};
	return 0;
}

static void fill_addr_info(const struct ts_names_state *st, const struct ts_name_entry *e,
			   const struct ts_name_addr *a, struct ts_names_addr_info *out)
{
	*out = (struct ts_names_addr_info){
		.addr = a->net,
		.name = e->name,
		.resolver = a->resolver,
		.ttl_s = a->ttl_s,
		.first_seen_ms = ts_names_mono_to_wall(a->first_seen_ms),
		.last_seen_ms = ts_names_mono_to_wall(a->last_seen_ms),
		.expires_ms = ts_names_mono_to_wall(ts_name_addr_expires_ms(st, a)),
	};
}

int ts_names_addr_info(const struct ts_names_state *st, size_t i, size_t j,
		       struct ts_names_addr_info *out)
{
	if (i >= st->nnames || j >= st->names[i].naddrs)
		return -ENOENT;
	fill_addr_info(st, &st->names[i], &st->names[i].addrs[j], out);
	return 0;
}

size_t ts_names_explain(const struct ts_names_state *st, const struct ts_net *addr,
			struct ts_names_addr_info *out, size_t max)
{
	size_t found = 0;

	for (size_t i = 0; i < st->nnames; i++) {
		const struct ts_name_entry *e = &st->names[i];

		for (size_t j = 0; j < e->naddrs; j++) {
			const struct ts_name_addr *a = &e->addrs[j];

			if (a->net.family != addr->family ||
			    memcmp(a->net.addr, addr->addr, sizeof(a->net.addr)))
				continue;
			if (found < max)
				fill_addr_info(st, e, a, &out[found]);
			found++;
		}
	}
	return found;
}

int ts_names_state_read(struct ts_names_state **out, const char *path)
{
	struct ts_names_state *st = calloc(1, sizeof(*st));
	int err;

	*out = NULL;
	if (!st)
		return -ENOMEM;
	err = ts_names_cache_read(st, path ? path : TS_NAMES_CACHE_DEFAULT);
	if (err) {
		free(st);
		return err;
	}
	*out = st;
	return 0;
}

void ts_names_state_free(struct ts_names_state *st)
{
	if (!st)
		return;
	ts_names_state_clear(st);
	free(st);
}
