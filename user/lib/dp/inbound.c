// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * inbound.c - the "no inbound" filter of address entries (TS_ADDR_NO_INBOUND,
 * turnstile.h): for each component set, the ts_inbound_bit()s of the
 * (source set, class) pairs no rule entry of the active slot leads to it
 * from. The datapath refuses a SYN whose pair's bit is set without the
 * rule lookup, and one to a set with every bit set without looking up its
 * source. A bit must never outlive the last such pair: a rule entry added
 * at run time (ts_dp_rules_add) clears its bit from the destination set's
 * entries before the entry is written (by a walk of the address tables,
 * only when a bit has to go). A set this process knows nothing about never
 * gets a bit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp_internal.h"

static void clear_reached(uint16_t *in, const struct ts_rule_entry *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		in[r[i].dst_set] &= ~(ts_inbound_bit(r[i].src_set, r[i].port_class) >> 16);
}

static size_t max_dst(const struct ts_rule_entry *r, size_t n, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].dst_set >= len)
			len = r[i].dst_set + 1;
	return len;
}

int ts_dp_inbound_build(const struct ts_registry *reg, uint16_t **out, size_t *n)
{
	const struct ts_compiled *c = reg->policy;
	size_t len = ts_registry_nsets(reg) + 1;
	uint16_t *in;

	len = max_dst(c->rules, c->nrules_entries, len);
	len = max_dst(reg->rules, reg->nrules, len);
	in = malloc(len * sizeof(*in));
	if (!in)
		return -ENOMEM;
	for (size_t set = 0; set < len; set++)
		in[set] = TS_ADDR_NO_INBOUND >> 16;
	clear_reached(in, c->rules, c->nrules_entries);
	clear_reached(in, reg->rules, reg->nrules);
	*out = in;
	*n = len;
	return 0;
}

uint32_t ts_dp_inbound_flags(const uint16_t *in, size_t n, uint32_t set_id, uint32_t flags)
{
	flags &= ~TS_ADDR_NO_INBOUND;
	if (in && set_id && set_id < n)
		flags |= (uint32_t)in[set_id] << 16;
	return flags;
}

struct clear_walk {
	struct ts_dp_table *t;
	uint32_t slot, set_id, bit;
};

/* An entry of the set in the slot loses the bit: one 8-byte store. */
static int clear_one(uint64_t *s, void *arg)
{
	struct clear_walk *w = arg;
	const struct ts_addr_key *k = ts_table_key(s);
	struct ts_addr_val v;
	uint64_t word;

	memcpy(&v, ts_table_val(w->t, s), sizeof(v));
	if (k->slot != w->slot || v.set_id != w->set_id || !(v.flags & w->bit))
		return 0;
	v.flags &= ~w->bit;
	memcpy(&word, &v, sizeof(word));
	__atomic_store_n((uint64_t *)ts_table_val(w->t, s), word, __ATOMIC_RELEASE);
	return 0;
}

int ts_dp_inbound_add(struct ts_dp *dp, const struct ts_rule_entry *r, size_t n, uint32_t slot)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t set = r[i].dst_set, bit = ts_inbound_bit(r[i].src_set, r[i].port_class);
		struct clear_walk w = { .slot = slot, .set_id = set, .bit = bit };

		/* With this process's install known, a set whose entries do not
		 * carry the bit (made after the install, or the bit already
		 * cleared) needs nothing; without it, the entries may come from
		 * another process. */
		if (dp->inbound && (set >= dp->ninbound || !(dp->inbound[set] & (bit >> 16))))
			continue;
		w.t = &dp->tables[TS_TBL_HOSTS];
		ts_table_foreach(w.t, clear_one, &w);
		w.t = &dp->tables[TS_TBL_PREFIXES];
		ts_table_foreach(w.t, clear_one, &w);
		if (dp->inbound)
			dp->inbound[set] &= ~(bit >> 16);
	}
	return 0;
}
