// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* summary.c - the address summary from userspace: the bit each address
 * entry sets before it is published, so that the datapath refuses an
 * address in no component with one load (include/turnstile.h, "The
 * address summary"; bpf/policy.h reads it). */
#include <errno.h>
#include <string.h>

#include "dp/dp_internal.h"

/* The word of the slot's summary that holds the bit of hash h. */
static uint64_t *summary_word(const struct ts_dp *dp, uint32_t slot, uint64_t h)
{
	return dp->tags + ts_summary_index(dp->summary_base, dp->summary_mask, slot, h);
}

static uint64_t *slot_words(const struct ts_dp *dp, uint32_t slot)
{
	return dp->tags + ts_summary_slot_base(dp->summary_base, dp->summary_mask, slot);
}

/* The hash of an address (family, 16 bytes) cut to the slot's summary length. */
static uint64_t summary_hash(const struct ts_dp *dp, uint32_t slot, const struct ts_slot_cfg *sc,
			     uint8_t family, const uint8_t addr[16])
{
	struct ts_net net = { .family = family, .plen = ts_summary_len(sc, family) };
	struct ts_addr_key k;
	uint64_t w[2];

	memcpy(net.addr, addr, sizeof(net.addr));
	ts_dp_addr_key(&k, slot, &net);
	memcpy(w, k.addr, sizeof(w));   /* the two words addr_cut makes */
	/* the seed the address tables hash with (ts_config.hash_seed) */
	return ts_summary_hash(w[0], w[1], dp->tables[TS_TBL_HOSTS].seed);
}

int ts_dp_summary_add(struct ts_dp *dp, const struct ts_slot_cfg *sc, const struct ts_addr_key *k)
{
	uint64_t h;

	if (dp->tables_ro)
		return -EPERM;
	h = summary_hash(dp, k->slot, sc, k->family, k->addr);
	/* before the entry's publish, which orders it for the datapath */
	__atomic_fetch_or(summary_word(dp, k->slot, h), ts_summary_bit(h), __ATOMIC_SEQ_CST);
	return 0;
}

int ts_dp_summary_clear(struct ts_dp *dp, uint32_t slot)
{
	uint64_t *w = slot_words(dp, slot);

	if (dp->tables_ro)
		return -EPERM;
	for (uint64_t i = 0; i <= dp->summary_mask; i++)
		__atomic_store_n(&w[i], 0, __ATOMIC_RELAXED);
	return 0;
}

bool ts_dp_summary_may_hold(const struct ts_dp *dp, uint32_t slot, const struct ts_slot_cfg *sc,
			    const struct ts_net *addr)
{
	uint64_t h;

	if (!ts_summary_len(sc, addr->family))
		return true;   /* as the datapath: no summary beside a /0 entry */
	h = summary_hash(dp, slot, sc, addr->family, addr->addr);
	return __atomic_load_n(summary_word(dp, slot, h), __ATOMIC_RELAXED) & ts_summary_bit(h);
}

uint64_t ts_dp_summary_set_bits(const struct ts_dp *dp, uint32_t slot)
{
	const uint64_t *w = slot_words(dp, slot);
	uint64_t n = 0;

	for (uint64_t i = 0; i <= dp->summary_mask; i++)
		n += (uint64_t)__builtin_popcountll(__atomic_load_n(&w[i], __ATOMIC_RELAXED));
	return n;
}

uint64_t ts_dp_summary_bits(const struct ts_dp *dp)
{
	return ((uint64_t)dp->summary_mask + 1) * 64;
}
