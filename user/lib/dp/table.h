/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * table.h - userspace side of the exact-match tables: the ARRAY map
 * mmapped, and find / insert / update / remove / walk / scrub, each over
 * the slot protocol the datapath runs too (include/ts_table.h).
 * Internal to user/lib/dp.
 */
#ifndef TS_DP_TABLE_H
#define TS_DP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnstile.h"
#include "ts_table.h"

struct ts_dp_table {
	uint8_t *mem;            /* the map's buckets, mmapped */
	size_t map_bytes;
	uint64_t *tags;          /* the buckets' tags words (in ts_tags, mapped by the caller) */
	uint32_t nbuckets;
	uint32_t bucket_size;    /* bytes: TS_BUCKET_SLOTS slots */
	uint32_t slot_size;      /* bytes: state word, key, value */
	uint32_t key_words;      /* key length in 8-byte words */
	uint32_t val_size;
	uint32_t bucket_mask;
	uint32_t capacity;
	uint64_t seed;
	__u64 *live;             /* this table's counter in ts_table_fill (mmapped) */
	bool writable;
	/* The established flows' two tables (turnstile.h): the small one's
	 * `behind` is ts_flows, which a find and an insert go on to; ts_flows'
	 * `ahead` is the small one. They share one capacity, and a settle
	 * looks in both (ts_table_link). */
	struct ts_dp_table *behind, *ahead;
	uint32_t first_pos;      /* its slot 0's place in a settle's order (ts_table_first_pos) */
};

/* Slot count for a capacity: a power of two, at least twice it (the map
 * holds that many / TS_BUCKET_SLOTS buckets). */
uint32_t ts_table_slots_for(uint32_t capacity);

/* mmap map_fd (buckets of slots of key_size + val_size after the state
 * word); `tags`: its buckets' tags words, as many, mapped alike. */
int ts_table_map(struct ts_dp_table *t, int map_fd, uint64_t *tags, uint32_t key_size,
		 uint32_t val_size, uint64_t seed, uint32_t capacity, __u64 *live, bool writable);
void ts_table_unmap(struct ts_dp_table *t);
/* Put `large` behind `small` (both mapped): one set of entries from then on. */
void ts_table_link(struct ts_dp_table *small, struct ts_dp_table *large);

static inline void *ts_table_key(uint64_t *slot)
{
	return slot + 1;
}

static inline void *ts_table_val(const struct ts_dp_table *t, uint64_t *slot)
{
	return (uint8_t *)(slot + 1) + (size_t)t->key_words * 8;
}

/* The live slot holding key (in t, or in the tables behind it), or NULL.
 * Its value is at slot + 1 + key_words. */
uint64_t *ts_table_find(const struct ts_dp_table *t, const void *key);
/* -EEXIST if the key is live, -ENOSPC at capacity or with both buckets
 * full (of t and of each table behind it, tried in turn). The key is
 * looked for in t and behind it, not ahead: an insert into ts_flows itself
 * publishes a key the small table holds, and its settle removes it. */
int ts_table_insert(struct ts_dp_table *t, const void *key, const void *val);
/* Insert, or overwrite the value of the live entry. */
int ts_table_put(struct ts_dp_table *t, const void *key, const void *val);
/* After key was published in slot s of t (state pub), by an insert or a
 * replacement: if another writer published it too at the same instant,
 * one copy stays (ts_bucket_settle, both of the key's buckets, in t and
 * in the table ahead of or behind it). True when the copy at s is the one
 * that went. */
bool ts_table_settle(struct ts_dp_table *t, const void *key, uint64_t *s, uint64_t pub);
/* Remove the entry of key (from t or a table behind it): 0 or -ENOENT. */
int ts_table_delete(struct ts_dp_table *t, const void *key);
/* Remove a slot if it still holds the live state `seen`: true if removed. */
bool ts_table_remove_slot(struct ts_dp_table *t, uint64_t *slot, uint64_t seen);
/* fn(slot, ctx) for every live slot; a nonzero return stops the walk and is returned. */
int ts_table_foreach(const struct ts_dp_table *t, int (*fn)(uint64_t *slot, void *ctx), void *ctx);
/* The live entries of t alone. */
uint32_t ts_table_live(const struct ts_dp_table *t);
/* The live entries its capacity bounds: with the table linked to it. */
uint64_t ts_table_used(const struct ts_dp_table *t);
/* Repair what a writer that died mid-write left (claimed slots, tag bytes
 * that do not match, the live count); only for a table no one else writes. */
void ts_table_scrub(struct ts_dp_table *t);

#endif /* TS_DP_TABLE_H */
