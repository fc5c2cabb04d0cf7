/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ts_table.h - the exact-match tables' slot protocol, written once: the
 * BPF programs (bpf/table.h, bpf/flow.h) and userspace
 * (user/lib/dp/table.c) both compile these functions, over the per-side
 * atomics of ts_atomic.h. The layout (buckets, slots, tags words, the
 * state word's bits) and the hash are in turnstile.h; where a side finds a
 * bucket (an ARRAY lookup, an mmap) and how it picks a slot (the datapath
 * evicts, userspace does not) stay with that side.
 *
 * A slot's life: EMPTY -claim-> BUSY -publish-> LIVE -claim-> BUSY
 * -release-> EMPTY (removal), or LIVE -claim-> BUSY -publish-> LIVE
 * (the datapath replacing an expired or evicted entry, or a half-open
 * entry by a new attempt of its key: ts_slot_claim_same). Only the writer
 * whose compare-and-swap made a slot BUSY writes its key, value, tag byte
 * or state, until it publishes or releases it.
 *
 * What a reader may rely on:
 * 1. The state word is the truth. Key and value of a LIVE slot were
 *    written before it became LIVE and the key does not change while it
 *    stays LIVE with the same state word. (A LIVE entry's value is updated
 *    in place: a flow's last-seen time and TCP state by the datapath, an
 *    8-byte policy value by one store from userspace.)
 * 2. Every claim for a new entry bumps the slot's generation (bits 2-31),
 *    so the state word differs after any reuse: a reader that reads the
 *    same state word before and after reading a key read that one
 *    entry's key (ts_slot_read). 2^30 reuses between the two reads would
 *    fool it.
 * 3. Tag byte j of a bucket's tags word belongs to slot j's owner: set
 *    (the key's TS_TAG_BYTE) before the slot is published, cleared while
 *    the slot is BUSY, before it is released (kept by a claim for a new
 *    entry of the same key, which is published, never released). So a
 *    LIVE slot's tag byte is its key's, an EMPTY slot's is 0, and a find
 *    that looks only at the slots the tags point to misses no live entry.
 * 4. No bucket has more than TS_TAG_DUPS slots with one tag byte, even
 *    with writers on every CPU: the tag is set with an atomic OR whose
 *    result says how many were there, and the writer that went over the
 *    bound undoes before publishing. A find checks TS_TAG_DUPS candidates
 *    per bucket.
 * 5. The live count (ts_table_fill) is moved by whoever makes a slot LIVE
 *    from EMPTY (+1) or EMPTY from LIVE (-1): exact when no writer is
 *    between its steps; inserts at the same instant may each pass the
 *    capacity by one.
 * 6. A key is LIVE in one slot, once every insert of it has returned.
 *    Two writers may each miss a key and publish it at the same instant
 *    (two CPUs completing one handshake); each then settles
 *    (ts_bucket_settle) and the copy in the lower slot stays. Between a
 *    publish and its settle a find may meet either copy. For the two
 *    flow tables this holds over both: positions run through the small
 *    table's slots, then ts_flows' (ts_table_first_pos), and a settle
 *    looks in the key's buckets of both, so the small table's copy stays.
 *    It may skip ts_flows while that table's count is 0. A writer that
 *    makes a new entry there counts it first (a replacement takes a slot
 *    already counted, so the count is not 0), then publishes, whose full
 *    barrier orders the count before its look; this writer publishes,
 *    behind its own full barrier, before it reads the count. If the read
 *    came before that count, the other writer's look sees this copy (two
 *    stores and two loads, a full barrier between each pair: at least
 *    one load sees the other's store).
 */
#ifndef TS_TABLE_H
#define TS_TABLE_H

#include <stdbool.h>
#include "turnstile.h"
#include "ts_atomic.h"

_Static_assert(TS_TAG_DUPS == 2, "ts_bucket_find checks two candidates, written out");

/* The state word of the live entry of hash h, but for its generation. */
TS_INLINE __u64 ts_slot_want(__u64 h)
{
	return (h & TS_SLOT_TAG_MASK) | TS_SLOT_LIVE;
}

/* The state word of the entry of hash h a writer publishes, claimed as gen. */
TS_INLINE __u64 ts_slot_live(__u64 h, __u64 gen)
{
	return (h & TS_SLOT_TAG_MASK) | gen | TS_SLOT_LIVE;
}

/* The bits of tag byte j in a tags word. */
TS_INLINE __u64 ts_tag_bits(__u32 j)
{
	return 0xffull << (8 * j);
}

/* The candidates for tag `byte` of a bucket's tags word (ts_tags_match).
 * Acquire: not what makes a find correct (each slot's state word is
 * checked), but it keeps the slot read next at least as new as the tag
 * that pointed to it (it pairs with the OR of ts_slot_publish). */
TS_INLINE __u64 ts_tags_candidates(const ts_word *tags, __u8 byte)
{
	return ts_tags_match(ts_load_acquire(tags), byte);
}

/* The flags of a tags word's occupied slots (ts_tags_match's form). */
TS_INLINE __u64 ts_tags_occupied(__u64 tags)
{
	return ~ts_tags_match(tags, 0) & TS_BYTES_80;
}

/* A bucket (tags word `tags`, as read) may take another entry with tag
 * `byte`: fewer than TS_TAG_DUPS slots carry it (invariant 4). */
TS_INLINE bool ts_tags_room_for(__u64 tags, __u8 byte)
{
	return ts_tags_count(ts_tags_match(tags, byte)) < TS_TAG_DUPS;
}

/* The free slots of such a bucket that an entry with tag `byte` may take. */
TS_INLINE __u64 ts_tags_free_for(__u64 tags, __u8 byte)
{
	return ts_tags_room_for(tags, byte) ? ts_tags_match(tags, 0) : 0;
}

/* A slot's state word, to read the slot after. Acquire: the key and value
 * read after it are at least those published with this state (it pairs
 * with the release of ts_slot_publish). */
TS_INLINE __u64 ts_slot_state(const ts_word *s)
{
	return ts_load_acquire(s);
}

/* The slot still has state st: what was read of it since ts_slot_state
 * returned st belongs to one entry (invariant 2). The fence keeps those
 * reads before this load (an acquire load alone would let them move
 * after it). */
TS_INLINE bool ts_slot_unchanged(const ts_word *s, __u64 st)
{
	ts_fence_acquire();
	return ts_load_relaxed(s) == st;
}

/* Key words equal, the slot's read as they are (validated by the caller
 * through the state word). Without early exit: a few ALU operations. */
TS_INLINE bool ts_key_eq(const ts_word *slot_key, const __u64 *key, const unsigned int nwords)
{
	__u64 diff = 0;
	unsigned int i;

#ifdef __bpf__
#pragma clang loop unroll(full)
#endif
	for (i = 0; i < nwords; i++)
		diff |= ts_load_word(&slot_key[i]) ^ key[i];
	return !diff;
}

/* FIND, one slot: s (state word, then the key) holds the live entry of
 * key, whose state without generation is `want` (ts_slot_want); *st gets
 * the state it was found with, what a removal must claim it from. */
TS_INLINE bool ts_slot_read(const ts_word *s, __u64 want, const __u64 *key, const unsigned int nwords,
			    ts_word *st)
{
	__u64 seen = ts_slot_state(s);

	if ((seen & (TS_SLOT_TAG_MASK | TS_SLOT_KIND_MASK)) != want)
		return false;
	if (!ts_key_eq(s + 1, key, nwords))
		return false;
	if (!ts_slot_unchanged(s, seen))   /* claimed while we read it */
		return false;
	*st = seen;
	return true;
}

/* FIND, one bucket: the live entry of key among the candidates m (from
 * ts_tags_candidates; at most TS_TAG_DUPS by invariant 4) of bucket bk
 * (slots of slot_size bytes): its slot, *j its index, *st its state. */
TS_INLINE ts_word *ts_bucket_find(__u8 *bk, const unsigned int slot_size, __u64 m, __u64 want,
				const __u64 *key, const unsigned int nwords, __u32 *j, ts_word *st)
{
	ts_word *s;

	*j = ts_tags_first(m);
	s = (ts_word *)(bk + *j * slot_size);
	if (ts_slot_read(s, want, key, nwords, st))
		return s;
	m &= m - 1;
	if (!m)
		return 0;
	*j = ts_tags_first(m);
	s = (ts_word *)(bk + *j * slot_size);
	return ts_slot_read(s, want, key, nwords, st) ? s : 0;
}

/* Slot s, seen in state st, made BUSY as generation gen: true if this
 * writer now owns it. A compare-and-swap: of writers racing for a slot,
 * one wins; and it fails if the slot changed since it was seen (a removal
 * claims exactly the entry it found). The release fence after the swap
 * orders it before the key and value written next: a reader whose key
 * read saw one of those writes then sees the slot changed when it reads
 * the state again (the fence pairs with ts_slot_unchanged's; the swap's
 * own release covers only what came before it). */
TS_INLINE bool ts_slot_take(ts_word *s, __u64 st, __u64 gen)
{
	if (ts_cas(s, st, gen | TS_SLOT_BUSY) != st)
		return false;
	ts_fence_release();
	return true;
}

/* CLAIM slot j (state word s, its bucket's tags word `tags`) from the
 * state st it was seen in, as generation gen (ts_slot_take). Claiming a
 * LIVE slot takes its entry out of the tags (invariant 3: cleared while
 * BUSY, so no inserter that sees the slot EMPTY later can have its own
 * tag byte cleared by us). */
TS_INLINE bool ts_slot_claim(ts_word *tags, ts_word *s, __u32 j, __u64 st, __u64 gen)
{
	if (!ts_slot_take(s, st, gen))
		return false;
	if ((st & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE)
		ts_clear_bits(tags, ts_tag_bits(j));
	return true;
}

/* The generation a claim for a new entry gives a slot seen in state st:
 * the next one (invariant 2). */
TS_INLINE __u64 ts_slot_next_gen(__u64 st)
{
	return (st + TS_SLOT_GEN_ONE) & TS_SLOT_GEN_MASK;
}

/* CLAIM the LIVE entry found in slot s in state st (a find's *st) for a
 * new entry of the same key, as the next generation, into *gen: the
 * owner writes the value and publishes with ts_slot_republish. The tag
 * byte stays: it is the key's before and after, the slot is never EMPTY
 * between (invariant 3), and the bucket's count of that byte does not
 * change (invariant 4); nor does the live count (invariant 5). False:
 * the slot changed since it was found. */
TS_INLINE bool ts_slot_claim_same(ts_word *s, __u64 st, __u64 *gen)
{
	if ((st & TS_SLOT_KIND_MASK) != TS_SLOT_LIVE)
		return false;
	*gen = ts_slot_next_gen(st);
	return ts_slot_take(s, st, *gen);
}

/* RELEASE an owned slot empty (its tag byte already cleared). A release
 * store: the tag clear before it is visible first. */
TS_INLINE void ts_slot_release(ts_word *s, __u64 gen)
{
	ts_store_release(s, gen);
}

/* Slot s, owned as generation gen, made LIVE with the entry of hash h:
 * a release (the key, value and tag byte written before it are visible
 * first) and a full barrier (for the settle after it: ts_bucket_settle).
 * The last step of ts_slot_publish; alone, the PUBLISH of a new entry of
 * the same key claimed with ts_slot_claim_same (its tag byte is there). */
TS_INLINE void ts_slot_republish(ts_word *s, __u64 h, __u64 gen)
{
	ts_store_fenced(s, ts_slot_live(h, gen));
}

/*
 * PUBLISH the entry the owner of slot j (claimed as gen) has written, of
 * hash h: set its tag byte, then make it LIVE. False: TS_TAG_DUPS slots
 * of the bucket had this tag byte already (another writer published one
 * meanwhile), and the slot is released empty again. `replaced`: the claim
 * took a LIVE entry, which was counted and is gone either way.
 *
 * The tag comes before the state: the OR's result is what tells this
 * writer whether it may publish (invariant 4); published first, the entry
 * could be found as one too many, and a find checking TS_TAG_DUPS slots
 * could miss another. And a LIVE slot always has its tag (invariant 3).
 * The OR is fully ordered (BPF) / acq_rel (userspace): the key and value
 * written before it are visible to whoever sees the tag. The publish is
 * a release: to whoever sees LIVE, the key and value too; and a full
 * barrier, for the settle after it (ts_bucket_settle).
 */
TS_INLINE bool ts_slot_publish(ts_word *tags, ts_word *s, __u32 j, __u64 h, __u64 gen, __u64 *live,
			       bool replaced)
{
	__u8 byte = TS_TAG_BYTE(h);
	__u64 old = ts_fetch_or(tags, (__u64)byte << (8 * j));

	if (ts_tags_count(ts_tags_match(old, byte)) >= TS_TAG_DUPS) {
		ts_clear_bits(tags, ts_tag_bits(j));
		ts_slot_release(s, gen);
		if (replaced)
			ts_count_add(live, -1);
		return false;
	}
	if (!replaced)
		ts_count_add(live, 1);
	ts_slot_republish(s, h, gen);
	return true;
}

/* REMOVE the entry found in slot j in state st (a find's *st): claim it
 * from exactly that state (the generation kept: the empty slot is no new
 * entry), which clears its tag, then release it. False: the slot changed
 * since it was found (removed, replaced or being written), left alone. */
TS_INLINE bool ts_slot_remove(ts_word *tags, ts_word *s, __u32 j, __u64 st, __u64 *live)
{
	__u64 gen = st & TS_SLOT_GEN_MASK;

	if ((st & TS_SLOT_KIND_MASK) != TS_SLOT_LIVE || !ts_slot_claim(tags, s, j, st, gen))
		return false;
	ts_slot_release(s, gen);
	ts_count_add(live, -1);
	return true;
}

/* Where slot 0 of a table's bucket 0 is in the order a settle keeps
 * (invariant 6): ts_flows' slots come after the small table's. */
TS_INLINE __u32 ts_table_first_pos(__u32 t, __u32 small_bucket_mask)
{
	return t == TS_TBL_FLOWS ? (small_bucket_mask + 1) * TS_BUCKET_SLOTS : 0;
}

/* One candidate slot j of a SETTLE (ts_bucket_settle, below). */
TS_INLINE bool ts_settle_slot(__u8 *bk, ts_word *tags, __u32 first, __u32 j, const unsigned int slot_size,
			      __u64 want, const __u64 *key, const unsigned int nwords, __u32 mine,
			      __u64 *live)
{
	ts_word *s = (ts_word *)(bk + j * slot_size);
	__u32 pos = first + j;
	ts_word st;

	if (pos == mine || !ts_slot_read(s, want, key, nwords, &st))
		return false;
	if (pos < mine)
		return true;
	ts_slot_remove(tags, s, j, st, live);
	return false;
}

/*
 * SETTLE, one bucket: after publishing a key in the slot at position
 * `mine` (its table's first position + bucket index * TS_BUCKET_SLOTS +
 * slot index), the copies of the key that a bucket (bk, tags; slots of
 * slot_size bytes; its slot 0 at position `first`) holds besides:
 * one in a higher slot is removed; true if one is in a lower slot, and
 * the caller's own copy must go (ts_slot_remove of it as published).
 * A writer calls it for both of the key's buckets.
 *
 * Why one copy stays (invariant 6): two writers that publish one key
 * each do so with a full barrier (ts_store_fenced) before they look, so
 * at least one of them sees the other's copy LIVE (a writer whose look
 * came first in the barriers' order had its publish seen by the other's
 * look); whoever sees it removes the higher copy, the one below survives
 * every such meeting. Removal is a compare-and-swap from the state seen:
 * if both remove the same copy, one does. Candidates: at most
 * TS_TAG_DUPS, one of them perhaps the caller's own slot.
 */
TS_INLINE bool ts_bucket_settle(__u8 *bk, ts_word *tags, __u32 first, const unsigned int slot_size,
				__u64 h, const __u64 *key, const unsigned int nwords, __u32 mine,
				__u64 *live)
{
	__u64 m = ts_tags_candidates(tags, TS_TAG_BYTE(h)), want = ts_slot_want(h);

	/* the candidates written out, as in ts_bucket_find */
	if (!m)
		return false;
	if (ts_settle_slot(bk, tags, first, ts_tags_first(m), slot_size, want, key, nwords, mine, live))
		return true;
	m &= m - 1;
	return m && ts_settle_slot(bk, tags, first, ts_tags_first(m), slot_size, want, key, nwords, mine,
				   live);
}

/*
 * SCRUB a bucket (slots of slot_size bytes, keys of nwords words, the
 * table's seed) that no writer is using: repair what a writer that died
 * between its steps left. A BUSY slot is released empty (its entry was
 * never published, or was being removed); the tags word is rebuilt from
 * the LIVE slots' keys (invariant 3). Returns the new tags word, stored;
 * *live grows by the bucket's live slots.
 */
TS_INLINE __u64 ts_bucket_scrub(__u8 *bk, ts_word *tags, const unsigned int slot_size,
				const unsigned int nwords, __u64 seed, __u64 *live)
{
	__u64 word = 0;
	__u32 j;

	for (j = 0; j < TS_BUCKET_SLOTS; j++) {
		ts_word *s = (ts_word *)(bk + j * slot_size), st = ts_slot_state(s);

		if ((st & TS_SLOT_KIND_MASK) == TS_SLOT_BUSY) {
			ts_slot_release(s, st & TS_SLOT_GEN_MASK);
		} else if ((st & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE) {
			word |= (__u64)TS_TAG_BYTE(ts_hash((const __u64 *)(s + 1), nwords, seed)) << (8 * j);
			(*live)++;
		}
	}
	ts_store_release(tags, word);
	return word;
}

#endif /* TS_TABLE_H */
