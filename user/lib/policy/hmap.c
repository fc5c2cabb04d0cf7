// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "policy/hmap.h"

void ts_hmap_init(struct ts_hmap *m, size_t key_size)
{
	memset(m, 0, sizeof(*m));
	m->key_size = key_size;
}

static uint64_t hash_bytes(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a final mix */

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1;
}

static size_t probe(const struct ts_hmap *m, const void *key, uint64_t h)
{
	size_t mask = m->nslots - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		const struct ts_hmap_slot *s = &m->slots[i];

		if (!s->hash)
			return i;
		if (s->hash == h && !memcmp(m->keys + (size_t)s->key * m->key_size, key, m->key_size))
			return i;
	}
}

const uint32_t *ts_hmap_find(const struct ts_hmap *m, const void *key)
{
	size_t i;

	if (!m->nslots)
		return NULL;
	i = probe(m, key, hash_bytes(key, m->key_size));
	return m->slots[i].hash ? &m->slots[i].val : NULL;
}

static int rehash(struct ts_hmap *m, size_t nslots)
{
	struct ts_hmap_slot *old = m->slots, *slots = calloc(nslots, sizeof(*slots));
	size_t old_n = m->nslots;

	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	m->nslots = nslots;
	for (size_t i = 0; i < old_n; i++) {
		if (old[i].hash) {
			size_t mask = nslots - 1, j = (size_t)old[i].hash & mask;

			while (slots[j].hash)
				j = (j + 1) & mask;
			slots[j] = old[i];
		}
	}
	free(old);
	return 0;
}

int ts_hmap_insert(struct ts_hmap *m, const void *key, uint32_t val, uint32_t *stored,
		   bool *inserted)
{
	uint64_t h = hash_bytes(key, m->key_size);
	size_t i;

	if ((m->n + 1) * 4 > m->nslots * 3 && rehash(m, m->nslots ? m->nslots * 2 : 64))
		return -ENOMEM;
	i = probe(m, key, h);
	if (m->slots[i].hash) {
		*stored = m->slots[i].val;
		*inserted = false;
		return 0;
	}
	if (ts_grow((void **)&m->keys, &m->keys_alloc, m->n, m->key_size))
		return -ENOMEM;
	memcpy(m->keys + m->n * m->key_size, key, m->key_size);
	m->slots[i] = (struct ts_hmap_slot){ .hash = h, .val = val, .key = (uint32_t)m->n };
	m->n++;
	*stored = val;
	*inserted = true;
	return 0;
}

void ts_hmap_free(struct ts_hmap *m)
{
	free(m->slots);
	free(m->keys);
	memset(m, 0, sizeof(*m));
}
