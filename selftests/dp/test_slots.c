// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The slot protocol of include/ts_table.h, step by step, on one bucket in
 * memory: the outcomes another writer can force between two steps (a
 * tag published meanwhile, a slot reused, a stale state) are set up by
 * hand, so each undo and refusal runs deterministically. The programs
 * compile the same functions; the concurrency itself is the stress
 * test's.
 */
#include <stdint.h>
#include <string.h>

#include "testlib.h"
#include "ts_table.h"

#define SLOT_WORDS (sizeof(struct ts_flow_slot) / 8)
#define KEY_WORDS  (sizeof(struct ts_flow_key) / 8)

struct bucket {
	ts_word w[TS_BUCKET_SLOTS * SLOT_WORDS];
	ts_word tags;
	__u64 live;
};

static ts_word *slot(struct bucket *b, __u32 j)
{
	return &b->w[j * SLOT_WORDS];
}

/* A hash whose tag byte is `tag` (and whose other bits say `salt`). */
static __u64 hash_with_tag(__u8 tag, __u32 salt)
{
	return (__u64)tag << 56 | (__u64)salt << 32 | 0x1234;
}

/* Slot j made LIVE by "another writer": key word 0 = id, tag of h. */
static void put_live(struct bucket *b, __u32 j, __u64 h, __u64 id)
{
	slot(b, j)[1] = id;
	b->tags |= (__u64)TS_TAG_BYTE(h) << (8 * j);
	slot(b, j)[0] = (h & TS_SLOT_TAG_MASK) | TS_SLOT_GEN_ONE | TS_SLOT_LIVE;
	b->live++;
}

static __u8 tag_at(const struct bucket *b, __u32 j)
{
	return (__u8)(b->tags >> (8 * j));
}

/* Two slots got the tag between the inserter's look at the tags and its
 * publish: the third must not go live (a find checks two), and leaves
 * no trace; with one there, it publishes. */
static void test_publish_undoes_over_tag_bound(void)
{
	struct bucket b = { 0 };
	__u64 h = hash_with_tag(0x5a, 1), gen = ts_slot_next_gen(0);

	TS_CHECK(ts_slot_claim(&b.tags, slot(&b, 0), 0, 0, gen), "claiming an empty slot failed");
	TS_CHECK((slot(&b, 0)[0] & TS_SLOT_KIND_MASK) == TS_SLOT_BUSY, "claimed slot is not BUSY");
	put_live(&b, 3, hash_with_tag(0x5a, 2), 7);
	put_live(&b, 5, hash_with_tag(0x5a, 3), 8);
	TS_CHECK(!ts_slot_publish(&b.tags, slot(&b, 0), 0, h, gen, &b.live, false),
		 "a third slot with one tag byte was published");
	TS_CHECK(slot(&b, 0)[0] == gen, "undone slot's state %#llx, not empty with gen %#llx",
		 (unsigned long long)slot(&b, 0)[0], (unsigned long long)gen);
	TS_CHECK(!tag_at(&b, 0) && tag_at(&b, 3) == 0x5a && tag_at(&b, 5) == 0x5a,
		 "tags after the undo: %#llx", (unsigned long long)b.tags);
	TS_CHECK(b.live == 2, "live %llu after an undone insert, want 2", (unsigned long long)b.live);

	/* with one slot of the tag there, the insert goes live */
	slot(&b, 5)[0] = TS_SLOT_GEN_ONE;
	b.tags &= ~ts_tag_bits(5);
	b.live--;
	gen = ts_slot_next_gen(slot(&b, 0)[0]);
	TS_CHECK(ts_slot_claim(&b.tags, slot(&b, 0), 0, slot(&b, 0)[0], gen), "second claim failed");
	TS_CHECK(ts_slot_publish(&b.tags, slot(&b, 0), 0, h, gen, &b.live, false),
		 "a second slot with one tag byte was refused");
	TS_CHECK(slot(&b, 0)[0] == ((h & TS_SLOT_TAG_MASK) | gen | TS_SLOT_LIVE), "published state %#llx",
		 (unsigned long long)slot(&b, 0)[0]);
	TS_CHECK(tag_at(&b, 0) == 0x5a && b.live == 2, "tag %#x, live %llu after publish", tag_at(&b, 0),
		 (unsigned long long)b.live);
}

/* Replacing a live entry (the datapath's eviction): the claim takes the
 * old entry's tag out at once; an undone replacement leaves the slot
 * empty and the count one lower (the old entry is gone either way). */
static void test_replace_undo_counts_the_replaced(void)
{
	struct bucket b = { 0 };
	__u64 old_h = hash_with_tag(0x11, 1), h = hash_with_tag(0x22, 2), st, gen;

	put_live(&b, 0, old_h, 1);
	put_live(&b, 1, hash_with_tag(0x22, 3), 2);
	put_live(&b, 2, hash_with_tag(0x22, 4), 3);
	st = slot(&b, 0)[0];
	gen = ts_slot_next_gen(st);
	TS_CHECK(ts_slot_claim(&b.tags, slot(&b, 0), 0, st, gen), "claiming a live slot failed");
	TS_CHECK(!tag_at(&b, 0), "the replaced entry's tag stayed: %#llx", (unsigned long long)b.tags);
	TS_CHECK(!ts_slot_publish(&b.tags, slot(&b, 0), 0, h, gen, &b.live, true),
		 "replacement over the tag bound was published");
	TS_CHECK(slot(&b, 0)[0] == gen && !tag_at(&b, 0), "slot %#llx tags %#llx after the undo",
		 (unsigned long long)slot(&b, 0)[0], (unsigned long long)b.tags);
	TS_CHECK(b.live == 2, "live %llu, want 2 (the replaced entry left)", (unsigned long long)b.live);
}

/* A removal claims exactly the state it found: a slot since reused, or
 * being written, stays as it is. */
static void test_remove_takes_only_what_was_found(void)
{
	struct bucket b = { 0 };
	__u64 h = hash_with_tag(0x33, 1), st, reused;

	put_live(&b, 4, h, 9);
	st = slot(&b, 4)[0];
	reused = (st & ~TS_SLOT_GEN_MASK) | ts_slot_next_gen(st);
	slot(&b, 4)[0] = reused;   /* removed and inserted again meanwhile */
	TS_CHECK(!ts_slot_remove(&b.tags, slot(&b, 4), 4, st, &b.live), "a reused slot was removed");
	TS_CHECK(slot(&b, 4)[0] == reused && tag_at(&b, 4) == 0x33 && b.live == 1,
		 "a refused removal changed the slot");
	TS_CHECK(!ts_slot_remove(&b.tags, slot(&b, 4), 4, (st & TS_SLOT_GEN_MASK) | TS_SLOT_BUSY, &b.live),
		 "a BUSY state was accepted for removal");
	TS_CHECK(ts_slot_remove(&b.tags, slot(&b, 4), 4, reused, &b.live), "removing the found entry failed");
	TS_CHECK(slot(&b, 4)[0] == (reused & TS_SLOT_GEN_MASK) && !tag_at(&b, 4) && !b.live,
		 "after removal: state %#llx tags %#llx live %llu", (unsigned long long)slot(&b, 4)[0],
		 (unsigned long long)b.tags, (unsigned long long)b.live);
	/* a state that is not LIVE is no entry: an empty slot is not "removed" */
	TS_CHECK(!ts_slot_remove(&b.tags, slot(&b, 4), 4, slot(&b, 4)[0], &b.live),
		 "an empty slot was removed");
	TS_CHECK(!b.live && !(slot(&b, 4)[0] & TS_SLOT_KIND_MASK), "live %llu state %#llx after it",
		 (unsigned long long)b.live, (unsigned long long)slot(&b, 4)[0]);
}

/* A new attempt of a half-open entry's key takes its slot (bpf/flow.h,
 * flow_replace): claimed from exactly the state found, as the next
 * generation, with its tag byte and the count left as they are, then
 * published LIVE again; a slot reused or claimed since, or not live,
 * is refused and left alone. */
static void test_claim_same_keeps_tag_and_count(void)
{
	struct bucket b = { 0 };
	__u64 h = hash_with_tag(0x44, 1), st, gen = 0, reused, tags;

	put_live(&b, 6, h, 5);
	put_live(&b, 2, hash_with_tag(0x44, 2), 6);
	tags = b.tags;
	st = slot(&b, 6)[0];
	reused = (st & ~TS_SLOT_GEN_MASK) | ts_slot_next_gen(st);
	slot(&b, 6)[0] = reused;   /* replaced by another writer meanwhile */
	TS_CHECK(!ts_slot_claim_same(slot(&b, 6), st, &gen), "a slot reused since the find was claimed");
	TS_CHECK(slot(&b, 6)[0] == reused, "a refused claim changed the slot: %#llx",
		 (unsigned long long)slot(&b, 6)[0]);
	TS_CHECK(!ts_slot_claim_same(slot(&b, 6), (reused & TS_SLOT_GEN_MASK) | TS_SLOT_BUSY, &gen),
		 "a BUSY state was claimed");
	TS_CHECK(!ts_slot_claim_same(slot(&b, 0), 0, &gen), "an empty slot was claimed");

	st = reused;
	TS_CHECK(ts_slot_claim_same(slot(&b, 6), st, &gen), "claiming the found entry failed");
	TS_CHECK(gen == ts_slot_next_gen(st) && slot(&b, 6)[0] == (gen | TS_SLOT_BUSY),
		 "claimed as gen %#llx, state %#llx; want the next generation, BUSY", (unsigned long long)gen,
		 (unsigned long long)slot(&b, 6)[0]);
	TS_CHECK(b.tags == tags && b.live == 2, "the claim moved the tags (%#llx, were %#llx) or the count (%llu)",
		 (unsigned long long)b.tags, (unsigned long long)tags, (unsigned long long)b.live);
	ts_slot_republish(slot(&b, 6), h, gen);
	TS_CHECK(slot(&b, 6)[0] == ts_slot_live(h, gen) && b.tags == tags && b.live == 2,
		 "republished: state %#llx tags %#llx live %llu", (unsigned long long)slot(&b, 6)[0],
		 (unsigned long long)b.tags, (unsigned long long)b.live);
	TS_CHECK((slot(&b, 6)[0] & (TS_SLOT_TAG_MASK | TS_SLOT_KIND_MASK)) == ts_slot_want(h) && st != slot(&b, 6)[0],
		 "a find of the key does not meet the new entry, or meets it as the old");
}

/* A find reads the candidates the tags name and answers with the state
 * it read; any reuse of the slot since then changes that state. */
static void test_find_and_generation(void)
{
	struct bucket b = { 0 };
	__u64 h = hash_with_tag(0x44, 1), key[KEY_WORDS] = { 42 }, other[KEY_WORDS] = { 43 }, gen;
	ts_word st = 0;
	ts_word *s;
	__u32 j = 99;

	put_live(&b, 2, hash_with_tag(0x44, 1), 43);
	put_live(&b, 6, h, 42);
	s = ts_bucket_find((__u8 *)b.w, sizeof(struct ts_flow_slot), ts_tags_candidates(&b.tags, 0x44),
			   ts_slot_want(h), key, KEY_WORDS, &j, &st);
	TS_CHECK(s == slot(&b, 6) && j == 6 && st == slot(&b, 6)[0], "second candidate not found (j %u)", j);
	TS_CHECK(!ts_bucket_find((__u8 *)b.w, sizeof(struct ts_flow_slot), ts_tags_candidates(&b.tags, 0x45),
				 ts_slot_want(h), key, KEY_WORDS, &j, &st), "found under another tag");
	TS_CHECK(!ts_slot_read(slot(&b, 6), ts_slot_want(h), other, KEY_WORDS, &st), "another key matched");
	/* removed, then the same key inserted again: not the entry found */
	TS_CHECK(ts_slot_remove(&b.tags, slot(&b, 6), 6, st, &b.live), "removal failed");
	gen = ts_slot_next_gen(slot(&b, 6)[0]);
	TS_CHECK(ts_slot_claim(&b.tags, slot(&b, 6), 6, slot(&b, 6)[0], gen), "claim failed");
	TS_CHECK(ts_slot_publish(&b.tags, slot(&b, 6), 6, h, gen, &b.live, false), "publish failed");
	TS_CHECK(!ts_slot_unchanged(slot(&b, 6), st), "a reused slot reads as unchanged");
}

/* Two writers published one key (slots 2 and 6 of bucket 5, the tag's
 * two slots there): whichever settles, in whichever order, and whether or
 * not each sees the other, the copy in slot 2 is the one that stays. */
static void test_settle_keeps_the_lower_copy(void)
{
	const __u32 bi = 5, lo = bi * TS_BUCKET_SLOTS + 2, hi = bi * TS_BUCKET_SLOTS + 6;
	__u64 h = hash_with_tag(0x66, 1), key[KEY_WORDS] = { 42 };

	for (int order = 0; order < 3; order++) {
		struct bucket b = { 0 };
		ts_word pub_hi;

		put_live(&b, 2, h, 42);
		put_live(&b, 4, hash_with_tag(0x67, 1), 43);
		put_live(&b, 6, h, 42);
		pub_hi = slot(&b, 6)[0];
		if (order == 0) {        /* the lower copy's writer sees the other */
			TS_CHECK(!ts_bucket_settle((__u8 *)b.w, &b.tags, bi * TS_BUCKET_SLOTS, sizeof(struct ts_flow_slot), h, key,
						   KEY_WORDS, lo, &b.live), "the lower copy was told to go");
		} else {                 /* the higher copy's writer sees the other */
			TS_CHECK(ts_bucket_settle((__u8 *)b.w, &b.tags, bi * TS_BUCKET_SLOTS, sizeof(struct ts_flow_slot), h, key,
						  KEY_WORDS, hi, &b.live), "the higher copy was not told to go");
			ts_slot_remove(&b.tags, slot(&b, 6), 6, pub_hi, &b.live);
		}
		if (order == 2)          /* and the lower one's writer looks afterwards */
			TS_CHECK(!ts_bucket_settle((__u8 *)b.w, &b.tags, bi * TS_BUCKET_SLOTS, sizeof(struct ts_flow_slot), h, key,
						   KEY_WORDS, lo, &b.live), "the lower copy was told to go");
		TS_CHECK((slot(&b, 2)[0] & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE && tag_at(&b, 2) == 0x66,
			 "order %d: the lower copy is gone", order);
		TS_CHECK(!(slot(&b, 6)[0] & TS_SLOT_KIND_MASK) && !tag_at(&b, 6), "order %d: the higher copy "
			 "stayed (state %#llx)", order, (unsigned long long)slot(&b, 6)[0]);
		TS_CHECK((slot(&b, 4)[0] & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE && tag_at(&b, 4) == 0x67,
			 "order %d: another key was removed", order);
		TS_CHECK(b.live == 2, "order %d: live %llu, want 2", order, (unsigned long long)b.live);
	}
}

/* The copies in the key's two buckets: the position (bucket index, then
 * slot) orders them, so bucket 3's slot 7 stays against bucket 4's slot
 * 0; a writer alone in its bucket keeps its copy; another key of the
 * same tag is no copy. */
static void test_settle_across_buckets(void)
{
	struct bucket b3 = { 0 }, b4 = { 0 };
	__u64 h = hash_with_tag(0x21, 1), key[KEY_WORDS] = { 7 }, live;
	const __u32 pos3 = 3 * TS_BUCKET_SLOTS + 7, pos4 = 4 * TS_BUCKET_SLOTS + 0;

	put_live(&b3, 7, h, 7);
	put_live(&b3, 1, h, 8);   /* another key, the same tag */
	TS_CHECK(!ts_bucket_settle((__u8 *)b4.w, &b4.tags, 4 * TS_BUCKET_SLOTS, sizeof(struct ts_flow_slot), h, key, KEY_WORDS,
				   pos3, &b3.live) &&
		 !ts_bucket_settle((__u8 *)b3.w, &b3.tags, 3 * TS_BUCKET_SLOTS, sizeof(struct ts_flow_slot), h, key, KEY_WORDS,
				   pos3, &b3.live), "a lone copy was told to go");
	TS_CHECK(b3.live == 2 && (slot(&b3, 7)[0] & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE &&
		 (slot(&b3, 1)[0] & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE, "a lone copy or another key was removed");
	put_live(&b4, 0, h, 7);
	live = b3.live + b4.live;
	TS_CHECK(ts_bucket_settle((__u8 *)b3.w, &b3.tags, 3 * TS_BUCKET_SLOTS, sizeof(struct ts_flow_slot), h, key, KEY_WORDS,
				  pos4, &live), "bucket 4's copy was not told to go");
	TS_CHECK(!ts_bucket_settle((__u8 *)b4.w, &b4.tags, 4 * TS_BUCKET_SLOTS, sizeof(struct ts_flow_slot), h, key, KEY_WORDS,
				   pos3, &live), "bucket 3's copy was told to go");
	TS_CHECK(!(slot(&b4, 0)[0] & TS_SLOT_KIND_MASK) && !b4.tags && live == 2,
		 "bucket 4's copy stayed (state %#llx, live %llu)", (unsigned long long)slot(&b4, 0)[0],
		 (unsigned long long)live);
}

/* The two flow tables (turnstile.h): the small table's copy stays against
 * ts_flows', even where ts_flows' bucket index is the lower (bucket 0
 * against the small table's bucket 3): ts_table_first_pos puts every
 * ts_flows slot after the small table's. */
static void test_settle_across_flow_tables(void)
{
	const __u32 small_mask = 15;   /* 16 buckets */
	const __u32 first_small = ts_table_first_pos(TS_TBL_FLOWS_SMALL, small_mask) + 3 * TS_BUCKET_SLOTS;
	const __u32 first_large = ts_table_first_pos(TS_TBL_FLOWS, small_mask) + 0 * TS_BUCKET_SLOTS;
	struct bucket small = { 0 }, large = { 0 };
	__u64 h = hash_with_tag(0x31, 1), key[KEY_WORDS] = { 9 }, live = 0;
	ts_word pub_large;

	TS_CHECK(first_small == 3 * TS_BUCKET_SLOTS && first_large == 16 * TS_BUCKET_SLOTS,
		 "positions %u and %u", first_small, first_large);
	put_live(&small, 7, h, 9);
	put_live(&large, 0, h, 9);
	pub_large = slot(&large, 0)[0];
	live = 2;
	/* ts_flows' writer sees the small copy: its own goes */
	TS_CHECK(ts_bucket_settle((__u8 *)small.w, &small.tags, first_small, sizeof(struct ts_flow_slot), h, key,
				  KEY_WORDS, first_large + 0, &live), "ts_flows' copy was not told to go");
	ts_slot_remove(&large.tags, slot(&large, 0), 0, pub_large, &live);
	TS_CHECK((slot(&small, 7)[0] & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE && live == 1,
		 "the small table's copy went (live %llu)", (unsigned long long)live);
	/* the small table's writer sees ts_flows' copy: that one goes */
	put_live(&large, 0, h, 9);
	live = 2;
	TS_CHECK(!ts_bucket_settle((__u8 *)large.w, &large.tags, first_large, sizeof(struct ts_flow_slot), h, key,
				   KEY_WORDS, first_small + 7, &live), "the small table's copy was told to go");
	TS_CHECK(!(slot(&large, 0)[0] & TS_SLOT_KIND_MASK) && !large.tags && live == 1,
		 "ts_flows' copy stayed (state %#llx, live %llu)", (unsigned long long)slot(&large, 0)[0],
		 (unsigned long long)live);
}

/* Scrub: a claimed slot is released, tags rebuilt from the live keys. */
static void test_scrub_repairs(void)
{
	struct bucket b = { 0 };
	__u64 seed = 0x0123456789abcdefull, key[KEY_WORDS] = { 5, 6, 7, 8, 9 }, live = 0;
	__u64 h = ts_hash(key, KEY_WORDS, seed);

	memcpy(&slot(&b, 1)[1], key, sizeof(key));
	slot(&b, 1)[0] = (h & TS_SLOT_TAG_MASK) | TS_SLOT_GEN_ONE | TS_SLOT_LIVE;
	slot(&b, 3)[0] = 3 * TS_SLOT_GEN_ONE | TS_SLOT_BUSY;   /* a writer died here */
	b.tags = 0x77ull << 24;                                 /* a stray tag byte */
	ts_bucket_scrub((__u8 *)b.w, &b.tags, sizeof(struct ts_flow_slot), KEY_WORDS, seed, &live);
	TS_CHECK(slot(&b, 3)[0] == 3 * TS_SLOT_GEN_ONE, "claimed slot left %#llx",
		 (unsigned long long)slot(&b, 3)[0]);
	TS_CHECK(b.tags == (__u64)TS_TAG_BYTE(h) << 8, "tags %#llx, want only slot 1's",
		 (unsigned long long)b.tags);
	TS_CHECK(live == 1, "live %llu, want 1", (unsigned long long)live);
}

int main(void)
{
	ts_run("slots_publish_undoes_over_tag_bound", test_publish_undoes_over_tag_bound);
	ts_run("slots_replace_undo_counts_the_replaced", test_replace_undo_counts_the_replaced);
	ts_run("slots_remove_takes_only_what_was_found", test_remove_takes_only_what_was_found);
	ts_run("slots_claim_same_keeps_tag_and_count", test_claim_same_keeps_tag_and_count);
	ts_run("slots_find_and_generation", test_find_and_generation);
	ts_run("slots_scrub_repairs", test_scrub_repairs);
	ts_run("slots_settle_keeps_the_lower_copy", test_settle_keeps_the_lower_copy);
	ts_run("slots_settle_across_buckets", test_settle_across_buckets);
	ts_run("slots_settle_across_flow_tables", test_settle_across_flow_tables);
	return ts_done();
}
