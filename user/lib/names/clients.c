// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* clients.c - counts per client prefix (see clients.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names/clients.h"
#include "policy/net.h"

int ts_clients_init(struct ts_clients *t, size_t most)
{
	size_t n = 16;

	/* t may be anything before (a stack variable): nothing is counted yet. */
	memset(t, 0, sizeof(*t));
	while (n < 2 * most)
		n *= 2;
	t->slots = calloc(n, sizeof(*t->slots));
	t->nslots = t->slots ? n : 0;
	return t->slots ? 0 : -ENOMEM;
}

void ts_clients_free(struct ts_clients *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static size_t home(const struct ts_clients *t, const struct ts_net *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over the key's bytes */

	for (size_t i = 0; i < sizeof(*key); i++) {
		h ^= ((const uint8_t *)key)[i];
		h *= 1099511628211ull;
	}
	return (size_t)h & (t->nslots - 1);
}

/* The slot holding key, or the free slot where it would go. */
static size_t find(const struct ts_clients *t, const struct ts_net *key)
{
	size_t i = home(t, key);

	while (t->slots[i].key.family && memcmp(&t->slots[i].key, key, sizeof(*key)))
		i = (i + 1) & (t->nslots - 1);
	return i;
}

uint32_t ts_clients_get(const struct ts_clients *t, const struct ts_net *key)
{
	return t->nslots ? t->slots[find(t, key)].count : 0;
}

int ts_clients_inc(struct ts_clients *t, const struct ts_net *key)
{
	size_t i;

	if (!t->nslots)
		return -ENOSPC;
	i = find(t, key);
	if (!t->slots[i].key.family) {
		if (2 * (t->used + 1) > t->nslots)
			return -ENOSPC;
		t->slots[i].key = *key;
		t->used++;
	}
	t->slots[i].count++;
	return 0;
}

void ts_clients_dec(struct ts_clients *t, const struct ts_net *key)
{
	size_t i, j, mask = t->nslots - 1;

	if (!t->nslots)
		return;
	i = find(t, key);
	if (!t->slots[i].key.family || --t->slots[i].count)
		return;
	/* Backward shift: pull later members of the run into the hole. */
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->used--;
	for (j = (i + 1) & mask; t->slots[j].key.family; j = (j + 1) & mask) {
		size_t h = home(t, &t->slots[j].key);

		/* j stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		t->slots[i] = t->slots[j];
		memset(&t->slots[j], 0, sizeof(t->slots[j]));
		i = j;
	}
}
