// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* table.c - the exact-match tables from userspace, on the maps mmapped:
 * the slot protocol of include/ts_table.h, the one the datapath runs.
 * Writers of one table are serialised by the loader's lock; the datapath
 * writes the flow tables concurrently. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/log.h"
#include "common/pin.h"
#include "dp/table.h"

uint32_t ts_table_slots_for(uint32_t capacity)
{
	uint64_t n = 512;

	while (n < 2ull * capacity && n < (1ull << 31))
		n <<= 1;
	return (uint32_t)n;
}

int ts_table_map(struct ts_dp_table *t, int map_fd, uint64_t *tags, uint32_t key_size,
		 uint32_t val_size, uint64_t seed, uint32_t capacity, __u64 *live, bool writable)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	int err;

	memset(t, 0, sizeof(*t));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len)) {
		err = -errno;
		ts_err("dp: cannot read a table map's info: %s", strerror(-err));
		return err;
	}
	t->slot_size = 8 + key_size + val_size;
	t->bucket_size = TS_BUCKET_SLOTS * t->slot_size;
	if (key_size % 8 || t->slot_size % 8 || info.value_size != t->bucket_size ||
	    !info.max_entries || info.max_entries & (info.max_entries - 1)) {
		ts_err("dp: table map has an unexpected shape (%u buckets of %u bytes)", info.max_entries,
		       info.value_size);
		return -EINVAL;
	}
	t->nbuckets = info.max_entries;
	t->map_bytes = ((size_t)t->bucket_size * t->nbuckets + page - 1) / page * page;
	t->mem = ts_pin_mmap(map_fd, t->map_bytes, writable);
	if (t->mem == MAP_FAILED) {
		err = -errno;
		t->mem = NULL;
		ts_err("dp: cannot mmap a table map: %s", strerror(-err));
		return err;
	}
	t->tags = tags;
	t->key_words = key_size / 8;
	t->val_size = val_size;
	t->bucket_mask = t->nbuckets - 1;
	t->capacity = capacity;
	t->seed = seed;
	t->live = live;
	t->writable = writable;
	return 0;
}

void ts_table_unmap(struct ts_dp_table *t)
{
	if (t->mem)
		munmap(t->mem, t->map_bytes);
	t->mem = NULL;
}

void ts_table_link(struct ts_dp_table *small, struct ts_dp_table *large)
{
	small->behind = large;
	large->ahead = small;
	small->first_pos = ts_table_first_pos(TS_TBL_FLOWS_SMALL, small->bucket_mask);
	large->first_pos = ts_table_first_pos(TS_TBL_FLOWS, small->bucket_mask);
}

static __u64 count_of(const struct ts_dp_table *t)
{
	return t && t->live ? __atomic_load_n(t->live, __ATOMIC_RELAXED) : 0;
}

uint64_t ts_table_used(const struct ts_dp_table *t)
{
	return count_of(t) + count_of(t->ahead) + count_of(t->behind);
}

static uint64_t *bucket_tags(const struct ts_dp_table *t, uint32_t b)
{
	return &t->tags[b];
}

static uint8_t *bucket_at(const struct ts_dp_table *t, uint32_t b)
{
	return t->mem + (size_t)b * t->bucket_size;
}

/* The live slot holding key in t alone, the state it was found with
 * (ts_table.h). */
static uint64_t *find_in(const struct ts_dp_table *t, const void *key, uint64_t *seen)
{
	uint64_t h = ts_hash(key, t->key_words, t->seed);

	if (!t->mem)
		return NULL;
	for (uint32_t w = 0; w < 2; w++) {
		uint32_t b = ts_table_bucket(h, t->bucket_mask, w), j;
		uint64_t m = ts_tags_candidates(bucket_tags(t, b), TS_TAG_BYTE(h)), *s;

		if (m && (s = ts_bucket_find(bucket_at(t, b), t->slot_size, m, ts_slot_want(h), key,
					    t->key_words, &j, seen)))
			return s;
	}
	return NULL;
}

uint64_t *ts_table_find(const struct ts_dp_table *t, const void *key)
{
	uint64_t seen, *s = NULL;

	for (; t && !s; t = t->behind)
		s = find_in(t, key, &seen);
	return s;
}

/* Key and value into a claimed slot, word by word: readers may be reading
 * it (they find out by its state word). */
static void write_words(uint64_t *dst, const void *src, size_t bytes)
{
	for (size_t i = 0; i < bytes / 8; i++) {
		uint64_t w;

		memcpy(&w, (const uint8_t *)src + 8 * i, 8);
		__atomic_store_n(&dst[i], w, __ATOMIC_RELAXED);
	}
}

/* The key's copies in table u settled against the one at position mine:
 * true if that one must go. */
static bool settle_in(const struct ts_dp_table *u, const void *key, uint64_t h, uint32_t mine)
{
	for (uint32_t w = 0; u && u->mem && w < 2; w++) {
		uint32_t b = ts_table_bucket(h, u->bucket_mask, w);

		if (ts_bucket_settle(bucket_at(u, b), bucket_tags(u, b), u->first_pos + b * TS_BUCKET_SLOTS,
				     u->slot_size, h, key, u->key_words, mine, u->live))
			return true;
	}
	return false;
}

bool ts_table_settle(struct ts_dp_table *t, const void *key, uint64_t *s, uint64_t pub)
{
	size_t off = (uint8_t *)s - t->mem;
	uint32_t bi = off / t->bucket_size, j = off % t->bucket_size / t->slot_size;
	uint32_t mine = t->first_pos + bi * TS_BUCKET_SLOTS + j;
	uint64_t h = ts_hash(key, t->key_words, t->seed);

	if (!settle_in(t, key, h, mine) && !settle_in(t->ahead, key, h, mine) &&
	    !settle_in(t->behind, key, h, mine))
		return false;
	ts_slot_remove(bucket_tags(t, bi), s, j, pub, t->live);
	return true;
}

/* Insert into t alone: 0, -EEXIST (another writer's copy stayed), or
 * -ENOSPC (neither bucket has room). */
static int insert_in(struct ts_dp_table *t, const void *key, const void *val, uint64_t h)
{
	uint32_t b[2] = { ts_table_bucket(h, t->bucket_mask, 0), ts_table_bucket(h, t->bucket_mask, 1) };
	uint64_t freem[2];

	for (int w = 0; w < 2; w++)
		freem[w] = ts_tags_free_for(ts_load_acquire(bucket_tags(t, b[w])), TS_TAG_BYTE(h));
	if (ts_tags_count(freem[1]) > ts_tags_count(freem[0])) {   /* the emptier bucket first */
		uint32_t x = b[0];
		uint64_t f = freem[0];

		b[0] = b[1], freem[0] = freem[1];
		b[1] = x, freem[1] = f;
	}
	for (int w = 0; w < 2; w++) {
		for (uint64_t m = freem[w]; m; m &= m - 1) {
			uint32_t j = ts_tags_first(m);
			uint64_t *s = (uint64_t *)(bucket_at(t, b[w]) + (size_t)j * t->slot_size);
			uint64_t st = ts_slot_state(s), gen = ts_slot_next_gen(st);

			if ((st & TS_SLOT_KIND_MASK) != TS_SLOT_EMPTY ||
			    !ts_slot_claim(bucket_tags(t, b[w]), s, j, st, gen))
				continue;   /* the datapath took it this instant */
			write_words(s + 1, key, (size_t)t->key_words * 8);
			write_words(ts_table_val(t, s), val, t->val_size);
			if (ts_slot_publish(bucket_tags(t, b[w]), s, j, h, gen, t->live, false)) {
				/* another writer's copy stayed: the key is live */
				return ts_table_settle(t, key, s, ts_slot_live(h, gen)) ? -EEXIST : 0;
			}
		}
	}
	return -ENOSPC;
}

int ts_table_insert(struct ts_dp_table *t, const void *key, const void *val)
{
	uint64_t h = ts_hash(key, t->key_words, t->seed);
	int err = -ENOSPC;

	if (!t->mem || !t->writable)
		return -EPERM;
	if (ts_table_find(t, key))
		return -EEXIST;
	if (ts_table_used(t) >= t->capacity)
		return -ENOSPC;
	for (; t && err == -ENOSPC; t = t->behind)
		err = t->mem ? insert_in(t, key, val, h) : -ENOSPC;
	return err;
}

int ts_table_put(struct ts_dp_table *t, const void *key, const void *val)
{
	uint64_t *s = ts_table_find(t, key);

	if (!s)
		return ts_table_insert(t, key, val);
	if (!t->writable)
		return -EPERM;
	/* values a reader takes as a whole are 8 bytes (ts_addr_val, ts_rule_val): one store */
	if (t->val_size == 8) {
		uint64_t v;

		memcpy(&v, val, 8);
		__atomic_store_n((uint64_t *)ts_table_val(t, s), v, __ATOMIC_RELEASE);
	} else {
		write_words(ts_table_val(t, s), val, t->val_size);
	}
	return 0;
}

bool ts_table_remove_slot(struct ts_dp_table *t, uint64_t *slot, uint64_t seen)
{
	size_t off = (uint8_t *)slot - t->mem;
	uint32_t b = off / t->bucket_size, j = off % t->bucket_size / t->slot_size;

	return t->writable && ts_slot_remove(bucket_tags(t, b), slot, j, seen, t->live);
}

int ts_table_delete(struct ts_dp_table *t, const void *key)
{
	for (; t; t = t->behind) {
		uint64_t seen, *s = find_in(t, key, &seen);

		if (s)
			return ts_table_remove_slot(t, s, seen) ? 0 : -ENOENT;
	}
	return -ENOENT;
}

/* A writer that died mid-insert or mid-removal leaves a slot claimed, or
 * a tag byte that does not match its slot. For a table only this process
 * writes (the policy tables, under the pin-dir lock): ts_bucket_scrub
 * every bucket, recount. */
void ts_table_scrub(struct ts_dp_table *t)
{
	__u64 live = 0;

	for (uint32_t b = 0; t->mem && t->writable && b < t->nbuckets; b++)
		ts_bucket_scrub(bucket_at(t, b), bucket_tags(t, b), t->slot_size, t->key_words, t->seed,
				&live);
	if (t->live && t->writable)
		__atomic_store_n(t->live, live, __ATOMIC_RELAXED);
}

int ts_table_foreach(const struct ts_dp_table *t, int (*fn)(uint64_t *slot, void *ctx), void *ctx)
{
	for (uint32_t b = 0; t->mem && b < t->nbuckets; b++) {
		for (uint32_t j = 0; j < TS_BUCKET_SLOTS; j++) {
			uint64_t *s = (uint64_t *)(bucket_at(t, b) + (size_t)j * t->slot_size);
			int ret;

			if ((ts_slot_state(s) & TS_SLOT_KIND_MASK) != TS_SLOT_LIVE)
				continue;
			ret = fn(s, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

uint32_t ts_table_live(const struct ts_dp_table *t)
{
	return t->live ? (uint32_t)__atomic_load_n(t->live, __ATOMIC_RELAXED) : 0;
}
