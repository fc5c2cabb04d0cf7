// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* addr_index.c - see addr_index.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "names/addr_index.h"

static bool same(const struct ts_net *a, const struct ts_net *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* FNV-1a over the family and the address. */
static size_t hash(const struct ts_net *net)
{
	uint64_t h = 1469598103934665603ull;

	h = (h ^ net->family) * 1099511628211ull;
	for (size_t i = 0; i < sizeof(net->addr); i++)
		h = (h ^ net->addr[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 32));
}

/* The slot holding net, or the empty slot where it would go. */
static struct ts_addr_index_slot *probe(const struct ts_addr_index *x, const struct ts_net *net)
{
	size_t mask = x->nslots - 1, i = hash(net) & mask;

	while (x->slots[i].holders && !same(&x->slots[i].net, net))
		i = (i + 1) & mask;
	return &x->slots[i];
}

static int grow(struct ts_addr_index *x)
{
	struct ts_addr_index old = *x;

	x->nslots = old.nslots ? old.nslots * 2 : 64;
	x->slots = calloc(x->nslots, sizeof(*x->slots));
	if (!x->slots) {
		*x = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.nslots; i++)
		if (old.slots[i].holders)
			*probe(x, &old.slots[i].net) = old.slots[i];
	free(old.slots);
	return 0;
}

int ts_addr_index_hold(struct ts_addr_index *x, const struct ts_net *net, uint32_t name)
{
	struct ts_addr_index_slot *s;
	int err;

	if ((x->n + 1) * 2 > x->nslots) { /* keep the load at most 1/2 */
		err = grow(x);
		if (err)
			return err;
	}
	s = probe(x, net);
	if (!s->holders) {
		s->net = *net;
		s->one = name;
		x->n++;
	}
	s->holders++;
	return 0;
}

struct ts_addr_index_slot *ts_addr_index_find(const struct ts_addr_index *x,
					      const struct ts_net *net)
{
	struct ts_addr_index_slot *s;

	if (!x->nslots)
		return NULL;
	s = probe(x, net);
	return s->holders ? s : NULL;
}

/* Empties slot i and shifts later entries of its probe run back into the gap. */
static void remove_slot(struct ts_addr_index *x, size_t i)
{
	size_t mask = x->nslots - 1, j = i;

	for (;;) {
		size_t home;

		x->slots[i].holders = 0;
		do {
			j = (j + 1) & mask;
			if (!x->slots[j].holders)
				return;
			home = hash(&x->slots[j].net) & mask;
			/* j may move to i only if its home is not cyclically in (i, j]. */
		} while (i <= j ? (i < home && home <= j) : (i < home || home <= j));
		x->slots[i] = x->slots[j];
		i = j;
	}
}

uint32_t ts_addr_index_release(struct ts_addr_index *x, const struct ts_net *net)
{
	struct ts_addr_index_slot *s = ts_addr_index_find(x, net);

	if (!s)
		return 0;
	if (--s->holders)
		return s->holders;
	remove_slot(x, (size_t)(s - x->slots));
	x->n--;
	return 0;
}

void ts_addr_index_free(struct ts_addr_index *x)
{
	free(x->slots);
	memset(x, 0, sizeof(*x));
}
