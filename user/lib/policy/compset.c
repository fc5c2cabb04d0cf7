// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* compset.c - component sets and the registry that gives each distinct set an id. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/compile_internal.h"
#include "common/grow.h"

int ts_compset_init(struct ts_compset *s, size_t ncomps)
{
	s->nwords = (uint32_t)((ncomps + 63) / 64);
	if (!s->nwords)
		s->nwords = 1;
	s->words = calloc(s->nwords, sizeof(uint64_t));
	return s->words ? 0 : -ENOMEM;
}

void ts_compset_add(struct ts_compset *s, uint32_t comp)
{
	if (comp / 64 < s->nwords)
		s->words[comp / 64] |= 1ull << (comp % 64);
}

bool ts_compset_has(const struct ts_compset *s, uint32_t comp)
{
	return comp / 64 < s->nwords && (s->words[comp / 64] >> (comp % 64)) & 1;
}

bool ts_compset_is_empty(const struct ts_compset *s)
{
	for (uint32_t i = 0; i < s->nwords; i++)
		if (s->words[i])
			return false;
	return true;
}

void ts_compset_free(struct ts_compset *s)
{
	free(s->words);
	s->words = NULL;
	s->nwords = 0;
}

int ts_sets_intern_into(const struct ts_set_table *t, const uint64_t *words, uint32_t *id,
			bool *created)
{
	const uint32_t *found = ts_hmap_find(t->index, words);
	struct ts_compset *set;
	int err;

	*created = false;
	if (found) {
		*id = *found;
		return 0;
	}
	if (t->first_id + *t->nsets >= TS_MAX_SETS)
		return -E2BIG;
	if (ts_grow((void **)t->sets, t->alloc, *t->nsets, sizeof(**t->sets)))
		return -ENOMEM;
	set = &(*t->sets)[*t->nsets];
	set->nwords = t->nwords;
	set->words = malloc(t->nwords * sizeof(uint64_t));
	if (!set->words)
		return -ENOMEM;
	memcpy(set->words, words, t->nwords * sizeof(uint64_t));
	err = ts_hmap_insert(t->index, words, t->first_id + (uint32_t)*t->nsets, id, created);
	if (err) {
		free(set->words);
		return err;
	}
	(*t->nsets)++;
	return 0;
}

int ts_sets_intern(struct ts_compiled *c, const uint64_t *words, uint32_t *id, bool *created)
{
	const struct ts_set_table t = {
		&c->sets, &c->nsets, &c->index->sets_alloc, &c->index->sets, c->index->nwords, 0,
	};

	return ts_sets_intern_into(&t, words, id, created);
}
