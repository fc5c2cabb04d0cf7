// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * inbound.c - TS_ADDR_NO_INBOUND: which component sets no rule entry of the
 * active slot leads to. An address entry of such a set carries the flag,
 * and the datapath refuses a SYN to it without looking up the source. The
 * flag must never outlive the last such set: a rule entry added at run
 * time (ts_dp_rules_add) clears it from the set's entries before the entry
 * is written (by a walk of the address tables, only for a set that may
 * carry it). A set this process knows nothing about never gets the flag.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp_internal.h"

int ts_dp_inbound_build(const struct ts_compiled *c, uint8_t **out, size_t *n)
{
	size_t len = c->nsets + 1;
	uint8_t *in;

	for (size_t i = 0; i < c->nrules_entries; i++)
		if (c->rules[i].dst_set >= len)
			len = c->rules[i].dst_set + 1;
	in = calloc(len, 1);
	if (!in)
		return -ENOMEM;
	for (size_t i = 0; i < c->nrules_entries; i++)
		in[c->rules[i].dst_set] = 1;
	*out = in;
	*n = len;
	return 0;
}

uint32_t ts_dp_inbound_flags(const uint8_t *in, size_t n, uint32_t set_id, uint32_t flags)
{
	flags &= ~TS_ADDR_NO_INBOUND;
	if (in && set_id && set_id < n && !in[set_id])
		flags |= TS_ADDR_NO_INBOUND;
	return flags;
}

struct clear_walk {
	struct ts_dp_table *t;
	uint32_t slot, set_id;
};

/* An entry of the set in the slot loses the flag: one 8-byte store. */
static int clear_one(uint64_t *s, void *arg)
{
	struct clear_walk *w = arg;
	const struct ts_addr_key *k = ts_table_key(s);
	struct ts_addr_val v;
	uint64_t word;

	memcpy(&v, ts_table_val(w->t, s), sizeof(v));
	if (k->slot != w->slot || v.set_id != w->set_id || !(v.flags & TS_ADDR_NO_INBOUND))
		return 0;
	v.flags &= ~TS_ADDR_NO_INBOUND;
	memcpy(&word, &v, sizeof(word));
	__atomic_store_n((uint64_t *)ts_table_val(w->t, s), word, __ATOMIC_RELEASE);
	return 0;
}

int ts_dp_inbound_add(struct ts_dp *dp, const struct ts_rule_entry *r, size_t n, uint32_t slot)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t set = r[i].dst_set;
		struct clear_walk w = { .slot = slot, .set_id = set };

		/* With this process's install known, a set it did not flag
		 * (led to already, or made after the install) needs nothing;
		 * without it, the entries may come from another process. */
		if (dp->inbound && (set >= dp->ninbound || dp->inbound[set]))
			continue;
		w.t = &dp->tables[TS_TBL_HOSTS];
		ts_table_foreach(w.t, clear_one, &w);
		w.t = &dp->tables[TS_TBL_PREFIXES];
		ts_table_foreach(w.t, clear_one, &w);
		if (dp->inbound)
			dp->inbound[set] = 1;
	}
	return 0;
}
