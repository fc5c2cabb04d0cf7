// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* table_sizes.c - default table capacities (see table_sizes.h). */
#include "policy/settings_table.h"
#include "policy/table_sizes.h"

/* The least power of two >= n (at least 1), or 2^32 when none fits. */
static uint64_t pow2_ceil(uint64_t n)
{
	uint64_t p = 1;

	while (p < n && p < (1ull << 32))
		p <<= 1;
	return p;
}

static uint32_t clamp(uint64_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

/* A power of two: a table of N entries takes 2N slots, a power of two,
 * so any other N leaves slots unused. */
static uint32_t sized(uint64_t entries, uint32_t floor, enum ts_setting k)
{
	return clamp(pow2_ceil(entries), floor, ts_setting_def(k)->def);
}

void ts_table_sizes_auto(struct ts_compiled_settings *s, const bool *set,
			 const struct ts_table_need *need, uint64_t mem_total)
{
	/* learned names are bounded by the names library, not by the
	 * policy's growth: room in both slots, no more */
	uint64_t hosts = TS_TABLE_HEADROOM * (need->hosts + need->exact_names * s->max_addrs_per_name) +
			 (need->wildcards ? TS_SLOTS * TS_TABLE_LEARNED_ADDRS : 0);

	if (!set[TS_SET_TABLE_HOSTS])
		s->cap_hosts = sized(hosts, TS_TABLE_FLOOR_HOSTS, TS_SET_TABLE_HOSTS);
	if (!set[TS_SET_TABLE_PREFIXES])
		s->cap_prefixes = sized(TS_TABLE_HEADROOM * need->prefixes, TS_TABLE_FLOOR_PREFIXES,
					TS_SET_TABLE_PREFIXES);
	if (!set[TS_SET_TABLE_RULES])
		s->cap_rules = sized(TS_TABLE_HEADROOM * need->rules, TS_TABLE_FLOOR_RULES, TS_SET_TABLE_RULES);
	/* memory unknown: the ceilings */
	if (!set[TS_SET_TABLE_FLOWS])
		s->cap_flows = mem_total ? sized(mem_total / TS_TABLE_MEM_PER_FLOW, TS_TABLE_FLOOR_FLOWS,
						 TS_SET_TABLE_FLOWS)
					 : ts_setting_def(TS_SET_TABLE_FLOWS)->def;
	if (!set[TS_SET_TABLE_HALFOPEN])
		s->cap_halfopen = mem_total ? sized(mem_total / TS_TABLE_MEM_PER_HALFOPEN,
						    TS_TABLE_FLOOR_HALFOPEN, TS_SET_TABLE_HALFOPEN)
					    : ts_setting_def(TS_SET_TABLE_HALFOPEN)->def;
}

void ts_table_need_of(const struct ts_compiled *c, struct ts_table_need *need)
{
	*need = (struct ts_table_need){
		.hosts = c->nhosts,
		.prefixes = c->nprefixes,
		.rules = c->nrules_entries,
	};
	for (size_t i = 0; i < c->nnames; i++) {
		if (c->names[i].wildcard)
			need->wildcards++;
		else
			need->exact_names++;
	}
}
