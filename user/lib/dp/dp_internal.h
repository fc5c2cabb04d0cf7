/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dp_internal.h - what the files of user/lib/dp share; not for callers. */
#ifndef TS_DP_INTERNAL_H
#define TS_DP_INTERNAL_H

#include "dp/dp.h"
#include "dp/table.h"

struct turnstile_bpf;

struct ts_dp {
	struct turnstile_bpf *skel;
	int fds[TS_MAP_COUNT];
	bool adopted;
	uint32_t adopted_maps;   /* 1 << enum ts_dp_map of each map adopted from a pin */
	bool maps_only;     /* ts_dp_open_pinned(): fds are ours, no skeleton */
	bool tables_ro;     /* the tables are mapped read-only (ts_dp_open_pinned) */
	int ncpus;
	/* compiler rule id -> stable rule id, from the last install */
	uint32_t *stable_ids;
	size_t nstable;
	/* compiler set id -> its entries' "no inbound" filter bits (>> 16,
	 * TS_ADDR_NO_INBOUND); NULL before an install: no set has any */
	uint16_t *inbound;
	size_t ninbound;
	/* the exact-match tables and their live counters, mmapped */
	struct ts_dp_table tables[TS_TBL_COUNT];
	struct ts_table_fill *fill;
	uint64_t *tags;        /* ts_tags, mmapped: every table's tags words */
	size_t tags_bytes;     /* mapped */
	uint32_t ntags;        /* words in ts_tags */
	/* the address summary (include/turnstile.h), in ts_tags */
	uint32_t summary_base; /* ts_config's */
	uint32_t summary_mask;
};

/* The map of an enum ts_table. */
enum ts_dp_map ts_dp_table_map(enum ts_table t);

/* memory.c: the memory of the maps ts_dp_open is about to create (the
 * skeleton's shapes, adopted maps left out). */
void ts_dp_memory_planned(const struct ts_dp *dp, struct ts_dp_mem *out);

/* mmap *bytes (rounded up to whole pages) of map `fd`, shared; NULL
 * with the error reported and in *err. */
void *ts_dp_map_shared(int fd, size_t *bytes, bool writable, const char *name, int *err);

/* pass.c: the pass cache's lines for a flow capacity; its shape and
 * seed, set once on a map just made (an adopted one keeps its own). */
uint32_t ts_dp_pass_lines(uint32_t cap_flows);
int ts_dp_pass_init(struct ts_dp *dp);

/* Active slot from ts_config (0 if unreadable). */
uint32_t ts_dp_active_slot(const struct ts_dp *dp);
/* The active slot and its settings. */
int ts_dp_active_slot_cfg(const struct ts_dp *dp, uint32_t *slot, struct ts_slot_cfg *out);

/* ts_addr_key of a net in a slot (hash key when plen is full). */
void ts_dp_addr_key(struct ts_addr_key *k, uint32_t slot, const struct ts_net *net);

/* summary.c: the address summary of a slot (include/turnstile.h). Set
 * the bit of entry key k (its slot's summary length from sc) before the
 * entry is written; clear a slot's bits with its entries. */
int ts_dp_summary_add(struct ts_dp *dp, const struct ts_slot_cfg *sc, const struct ts_addr_key *k);
int ts_dp_summary_clear(struct ts_dp *dp, uint32_t slot);

/* inbound.c: (*out)[set] = the set's "no inbound" filter bits (>> 16)
 * under the rule entries of r's policy and of r. */
int ts_dp_inbound_build(const struct ts_registry *r, uint16_t **out, size_t *n);
/* flags with the filter bits of set_id from `in` (none when unknown). */
uint32_t ts_dp_inbound_flags(const uint16_t *in, size_t n, uint32_t set_id, uint32_t flags);
/* Before rule entries are written to the active slot: each one's bit is
 * cleared from its destination set's address entries. */
int ts_dp_inbound_add(struct ts_dp *dp, const struct ts_rule_entry *r, size_t n, uint32_t slot);

/* Delete every ts_hosts/ts_prefixes/ts_rules entry of `slot`. */
int ts_dp_clear_slot(struct ts_dp *dp, uint32_t slot);

#endif /* TS_DP_INTERNAL_H */
