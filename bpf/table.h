/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* table.h - the exact-match tables' datapath side: find a key with
 * inlined ARRAY lookups only, and remove it. The slot protocol itself is
 * include/ts_table.h, shared with userspace. */
#ifndef TS_BPF_TABLE_H
#define TS_BPF_TABLE_H

#include "maps.h"
#include "ts_table.h"

#ifndef ENOSPC
#define ENOSPC 28
#endif
#ifndef EAGAIN
#define EAGAIN 11
#endif

#define TS_READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define TS_WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* Where a find landed: the bucket's tags word, the slot, its index, the
 * table (whose count a removal moves), the bucket's index (a replacement's
 * settle names the slot by its position). */
struct ts_hit {
	__u64 *tags;
	__u64 *slot;
	__u64 st;       /* the slot's state when it was found */
	__u32 j;
	__u32 table;    /* enum ts_table */
	__u32 bi;
};

/* The tags word of bucket bi of table t (in ts_tags), or NULL. */
static __always_inline __u64 *bucket_tags(const struct ts_config *cfg, enum ts_table t, __u32 bi)
{
	__u32 i = cfg->tags_base[t] + bi;

	return bpf_map_lookup_elem(&ts_tags, &i);
}

/* The live entry of key among the tag candidates m of bucket bi (tags
 * word tg) of table t, or NULL; *hit (when asked for) says where. */
static __always_inline __u64 *bucket_find(void *map, enum ts_table t, __u32 bi, __u64 *tg, __u64 m,
					  const unsigned int slot_size, const __u64 *key,
					  const unsigned int nwords, __u64 want, struct ts_hit *hit)
{
	__u8 *bk = bpf_map_lookup_elem(map, &bi);
	/* set on every path: a register the compiler leaves undefined on
	 * one is refused by the verifier (it did, 2026-12-03) */
	__u64 *s = NULL, st = 0;
	__u32 j = 0;

	if (!bk)
		return NULL;
	s = ts_bucket_find(bk, slot_size, m, want, key, nwords, &j, &st);
	if (s && hit) {
		hit->tags = tg;
		hit->slot = s;
		hit->st = st;
		hit->j = j;
		hit->table = t;
		hit->bi = bi;
	}
	return s;
}

/* Find `key` (nwords 8-byte words, hash h) in table t (its buckets in
 * `map`, slots of slot_size bytes): its slot, or NULL; *hit (if not NULL)
 * says where, for a removal. Both buckets' tags words are loaded before
 * either is tested: when they are not in cache the two misses overlap,
 * where testing the first before loading the second made them wait in
 * turn for the keys in the second bucket (half of them). A bucket whose
 * tags hold no candidate is not read; at most TS_TAG_DUPS candidates are
 * checked per bucket. The slot index comes from the tags, not from an
 * unrolled loop, so every outcome leaves the verifier one state, not one
 * per slot. */
static __always_inline __u64 *table_find(void *map, const struct ts_config *cfg, enum ts_table t,
					 const __u64 *key, const unsigned int nwords, __u64 h,
					 const unsigned int slot_size, struct ts_hit *hit)
{
	__u64 want = ts_slot_want(h);
	__u32 mask = cfg->bucket_mask[t], base = cfg->tags_base[t];
	__u32 bi0 = ts_table_bucket(h, mask, 0), bi1 = ts_table_bucket(h, mask, 1);
	__u32 i0 = base + bi0, i1 = base + bi1;
	__u64 *tg0 = bpf_map_lookup_elem(&ts_tags, &i0), *tg1 = bpf_map_lookup_elem(&ts_tags, &i1), *s;
	__u8 byte = TS_TAG_BYTE(h);
	__u64 m0, m1;

	if (!tg0 || !tg1)
		return NULL;
	m0 = ts_tags_candidates(tg0, byte);
	m1 = ts_tags_candidates(tg1, byte);
	if (m0 && (s = bucket_find(map, t, bi0, tg0, m0, slot_size, key, nwords, want, hit)))
		return s;
	if (m1)
		return bucket_find(map, t, bi1, tg1, m1, slot_size, key, nwords, want, hit);
	return NULL;
}

/* Remove an entry a find landed on, if its slot still holds it. */
static __always_inline void table_remove(const struct ts_hit *hit, __u64 *live)
{
	ts_slot_remove(hit->tags, hit->slot, hit->j, hit->st, live);
}

/* The found entry is still the one found (a flood may reuse a half-open
 * slot between the find and the use); what was read of it since is its. */
static __always_inline bool hit_current(const struct ts_hit *hit)
{
	return ts_slot_unchanged(hit->slot, hit->st);
}

static __always_inline __u64 flow_hash(const struct ts_config *cfg, const struct ts_flow_key *k)
{
	return ts_hash((const __u64 *)k, sizeof(*k) / 8, cfg->hash_seed);
}

/* The live entry of k in one flow table (t, its buckets in map), or NULL. */
static __always_inline struct ts_flow_slot *flow_find(void *map, const struct ts_config *cfg,
						      enum ts_table t, const struct ts_flow_key *k,
						      __u64 h, struct ts_hit *hit)
{
	const unsigned int size = sizeof(struct ts_flow_slot), nwords = sizeof(*k) / 8;
	__u64 want = ts_slot_want(h), t0, t1, m0, m1, st = 0, *s;
	__u32 mask = cfg->bucket_mask[t], base = cfg->tags_base[t], home = ts_home_slot(h);
	__u32 bi0 = ts_table_bucket(h, mask, 0), bi1 = ts_table_bucket(h, mask, 1);
	__u32 i0 = base + bi0, i1 = base + bi1;
	__u64 *tg0 = bpf_map_lookup_elem(&ts_tags, &i0), *tg1 = bpf_map_lookup_elem(&ts_tags, &i1);
	__u8 *bk0 = bpf_map_lookup_elem(map, &bi0);
	__u8 byte = TS_TAG_BYTE(h);

	if (!tg0 || !tg1 || !bk0)
		return NULL;
	/* both tags words, then the home slot, loaded before any is tested:
	 * a flow at home (most of them: inserts prefer it) costs one memory
	 * wait, not the tags' and then the slot's in turn */
	t0 = ts_load_acquire(tg0);
	t1 = ts_load_acquire(tg1);
	s = (__u64 *)(bk0 + home * size);
	if (ts_slot_read(s, want, (const __u64 *)k, nwords, &st)) {
		if (hit) {
			hit->tags = tg0;
			hit->slot = s;
			hit->st = st;
			hit->j = home;
			hit->table = t;
			hit->bi = bi0;
		}
		return (struct ts_flow_slot *)s;
	}
	/* elsewhere in its buckets (the home slot is not read twice) */
	m0 = ts_tags_match(t0, byte) & ~(TS_BYTES_80 & ts_tag_bits(home));
	m1 = ts_tags_match(t1, byte);
	if (m0 && (s = bucket_find(map, t, bi0, tg0, m0, size, (const __u64 *)k, nwords, want, hit)))
		return (struct ts_flow_slot *)s;
	if (m1)
		return (struct ts_flow_slot *)bucket_find(map, t, bi1, tg1, m1, size, (const __u64 *)k, nwords,
							  want, hit);
	return NULL;
}

/* ts_flows holds an entry: a find, or a settle, reads it after the small
 * table (ts_table.h, invariant 6, says why a settle may skip it too). */
static __always_inline bool flows_spilled(const struct ts_table_fill *fill)
{
	return TS_READ_ONCE(fill->live[TS_TBL_FLOWS]);
}

/* The live entry of established flow k, or NULL: in the small table, or
 * in ts_flows while that holds any (turnstile.h). */
static __always_inline struct ts_flow_slot *flows_find(const struct ts_config *cfg, const struct ts_flow_key *k,
						       __u64 h, struct ts_hit *hit)
{
	struct ts_flow_slot *s = flow_find(&ts_flows_small, cfg, TS_TBL_FLOWS_SMALL, k, h, hit);
	const struct ts_table_fill *fill;

	if (s)
		return s;
	fill = bpf_map_lookup_elem(&ts_table_fill, (void *)&ts_key_zero);
	if (!fill || !flows_spilled(fill))
		return NULL;
	return flow_find(&ts_flows, cfg, TS_TBL_FLOWS, k, h, hit);
}

#endif /* TS_BPF_TABLE_H */
