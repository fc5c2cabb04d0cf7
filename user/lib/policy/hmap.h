/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* hmap.h - open-addressing hash map: fixed-size byte keys -> uint32_t. */
#ifndef TS_POLICY_HMAP_H
#define TS_POLICY_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ts_hmap_slot {
	uint64_t hash;     /* 0 = empty (real hashes are forced non-zero) */
	uint32_t val;
	uint32_t key;      /* index into keys */
};

struct ts_hmap {
	size_t key_size;
	struct ts_hmap_slot *slots;
	size_t nslots, n;  /* nslots: a power of two */
	uint8_t *keys;     /* n keys of key_size bytes, in insertion order */
	size_t keys_alloc;
};

void ts_hmap_init(struct ts_hmap *m, size_t key_size);
/* The value of key, or NULL. */
const uint32_t *ts_hmap_find(const struct ts_hmap *m, const void *key);
/* Inserts key -> val unless present. *stored gets the value now in the map;
 * *inserted says whether it is new. 0 or -ENOMEM. */
int ts_hmap_insert(struct ts_hmap *m, const void *key, uint32_t val, uint32_t *stored,
		   bool *inserted);
void ts_hmap_free(struct ts_hmap *m);

#endif /* TS_POLICY_HMAP_H */
