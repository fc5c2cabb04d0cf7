/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* table.h - the exact-match tables' datapath side (the protocol is in
 * turnstile.h): find a key with inlined ARRAY lookups only, and the
 * flow tables' insert and remove. */
#ifndef TS_BPF_TABLE_H
#define TS_BPF_TABLE_H

#include "maps.h"

#ifndef ENOSPC
#define ENOSPC 28
#endif

#define TS_READ_ONCE(x) (*(volatile typeof(x) *)&(x))

static __always_inline bool key_words_eq(const __u64 *a, const __u64 *b, const unsigned int n)
{
	__u64 diff = 0;
	unsigned int i;

#pragma clang loop unroll(full)
	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

/* Where a find landed: the bucket's tags word, the slot, its index. */
struct ts_hit {
	__u64 *tags;
	__u64 *slot;
	__u64 st;       /* the slot's state when it was found */
	__u32 j;
};

/* Slot j of a bucket. */
static __always_inline __u64 *bucket_slot(__u64 *bk, __u32 j, const unsigned int slot_size)
{
	return (__u64 *)((__u8 *)bk + j * slot_size);
}

/* The tags word of bucket bi of table t (in ts_tags), or NULL. */
static __always_inline __u64 *bucket_tags(const struct ts_config *cfg, enum ts_table t, __u32 bi)
{
	__u32 i = cfg->tags_base[t] + bi;

	return bpf_map_lookup_elem(&ts_tags, &i);
}

/* The tags' flags of the occupied slots. */
static __always_inline __u64 tags_occupied(__u64 tags)
{
	return ~ts_tags_match(tags, 0) & TS_BYTES_80;
}

/* Slot j of bucket bk (tags word tg) if it holds the live entry of key
 * (and *hit, when asked for), else NULL. */
static __always_inline __u64 *slot_holds(__u64 *bk, __u64 *tg, __u32 j, const unsigned int slot_size,
					 const __u64 *key, const unsigned int nwords, __u64 want,
					 struct ts_hit *hit)
{
	__u64 *s = bucket_slot(bk, j, slot_size);
	__u64 st = TS_READ_ONCE(s[0]);

	if ((st & (TS_SLOT_TAG_MASK | TS_SLOT_KIND_MASK)) != want)
		return NULL;
	if (!key_words_eq(s + 1, key, nwords))
		return NULL;
	if (TS_READ_ONCE(s[0]) != st)   /* rewritten while we read it */
		return NULL;
	if (hit) {
		hit->tags = tg;
		hit->slot = s;
		hit->st = st;
		hit->j = j;
	}
	return s;
}

/* The live entry of key among the tag candidates m of bucket bi (tags
 * word tg), or NULL: TS_TAG_DUPS (2) candidates, written out. */
static __always_inline __u64 *bucket_find(void *map, __u32 bi, __u64 *tg, __u64 m,
					  const unsigned int slot_size, const __u64 *key,
					  const unsigned int nwords, __u64 want, struct ts_hit *hit)
{
	__u64 *bk = bpf_map_lookup_elem(map, &bi), *s;

	if (!bk)
		return NULL;
	if ((s = slot_holds(bk, tg, ts_tags_first(m), slot_size, key, nwords, want, hit)))
		return s;
	m &= m - 1;
	if (m)
		return slot_holds(bk, tg, ts_tags_first(m), slot_size, key, nwords, want, hit);
	return NULL;
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
	__u64 want = (h & TS_SLOT_TAG_MASK) | TS_SLOT_LIVE;
	__u32 mask = cfg->bucket_mask[t], base = cfg->tags_base[t];
	__u32 bi0 = ts_table_bucket(h, mask, 0), bi1 = ts_table_bucket(h, mask, 1);
	__u32 i0 = base + bi0, i1 = base + bi1;
	__u64 *tg0 = bpf_map_lookup_elem(&ts_tags, &i0), *tg1 = bpf_map_lookup_elem(&ts_tags, &i1), *s;
	__u8 byte = TS_TAG_BYTE(h);
	__u64 m0, m1;

	if (!tg0 || !tg1)
		return NULL;
	m0 = ts_tags_match(TS_READ_ONCE(*tg0), byte);
	m1 = ts_tags_match(TS_READ_ONCE(*tg1), byte);
	if (m0 && (s = bucket_find(map, bi0, tg0, m0, slot_size, key, nwords, want, hit)))
		return s;
	if (m1)
		return bucket_find(map, bi1, tg1, m1, slot_size, key, nwords, want, hit);
	return NULL;
}

/* Take a found entry out (its tags word, slot, the state it was found
 * with, its index), if the slot still holds it: claim it, clear its tag
 * byte, free it. */
static __always_inline void table_remove(__u64 *tags, __u64 *slot, __u64 st, __u32 j, __u64 *live)
{
	if (__sync_val_compare_and_swap(slot, st, (st & TS_SLOT_GEN_MASK) | TS_SLOT_BUSY) != st)
		return;
	__sync_fetch_and_and(tags, ~(0xffull << (8 * j)));
	__sync_lock_test_and_set(slot, st & TS_SLOT_GEN_MASK);
	__sync_fetch_and_add(live, -1);
}

/* The found entry is still the one found (a flood may reuse a half-open
 * slot between the find and the use). */
static __always_inline bool hit_current(const struct ts_hit *hit)
{
	return TS_READ_ONCE(hit->slot[0]) == hit->st;
}

static __always_inline __u64 flow_hash(const struct ts_config *cfg, const struct ts_flow_key *k)
{
	return ts_hash((const __u64 *)k, sizeof(*k) / 8, cfg->hash_seed);
}

/* The live entry of k in ts_flows or ts_halfopen (table t), or NULL. */
static __always_inline struct ts_flow_slot *flow_find(void *map, const struct ts_config *cfg,
						      enum ts_table t, const struct ts_flow_key *k,
						      __u64 h, struct ts_hit *hit)
{
	__u64 want = (h & TS_SLOT_TAG_MASK) | TS_SLOT_LIVE;
	__u32 mask = cfg->bucket_mask[t], base = cfg->tags_base[t], home = ts_home_slot(h);
	__u32 bi0 = ts_table_bucket(h, mask, 0), bi1 = ts_table_bucket(h, mask, 1);
	__u32 i0 = base + bi0, i1 = base + bi1;
	__u64 *tg0 = bpf_map_lookup_elem(&ts_tags, &i0), *tg1 = bpf_map_lookup_elem(&ts_tags, &i1);
	__u64 *bk0 = bpf_map_lookup_elem(map, &bi0), *s;
	__u8 byte = TS_TAG_BYTE(h);
	__u64 t0, t1, m0, m1;

	if (!tg0 || !tg1 || !bk0)
		return NULL;
	/* the home slot's state and both tags words are loaded before any is
	 * tested: a flow at home (most of them: inserts prefer it) costs one
	 * memory wait, not the tags' and then the slot's in turn */
	s = bucket_slot(bk0, home, sizeof(struct ts_flow_slot));
	t0 = TS_READ_ONCE(*tg0);
	t1 = TS_READ_ONCE(*tg1);
	if ((s = slot_holds(bk0, tg0, home, sizeof(struct ts_flow_slot), (const __u64 *)k,
			    sizeof(*k) / 8, want, hit)))
		return (struct ts_flow_slot *)s;
	m0 = ts_tags_match(t0, byte) & ~(0x80ull << (8 * home));
	m1 = ts_tags_match(t1, byte);
	if (m0 && (s = bucket_find(map, bi0, tg0, m0, sizeof(struct ts_flow_slot), (const __u64 *)k,
				   sizeof(*k) / 8, want, hit)))
		return (struct ts_flow_slot *)s;
	if (m1)
		return (struct ts_flow_slot *)bucket_find(map, bi1, tg1, m1, sizeof(struct ts_flow_slot),
							  (const __u64 *)k, sizeof(*k) / 8, want, hit);
	return NULL;
}

#endif /* TS_BPF_TABLE_H */
