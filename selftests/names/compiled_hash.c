// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* compiled_hash.c - see compiled_hash.h (FNV-1a over each owned block). */
#include <string.h>

#include "compiled_hash.h"
#include "policy/compile_internal.h"

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; p && i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ull;
	}
}

static void mix_str(uint64_t *h, const char *s)
{
	if (s)
		mix(h, s, strlen(s) + 1);
}

static void mix_hmap(uint64_t *h, const struct ts_hmap *m)
{
	mix(h, m, sizeof(*m));
	mix(h, m->slots, m->nslots * sizeof(*m->slots));
	mix(h, m->keys, m->n * m->key_size);
}

uint64_t compiled_hash(const struct ts_compiled *c)
{
	const struct ts_compiled_index *ix = c->index;
	uint64_t h = 0xcbf29ce484222325ull;

	/* the struct itself: counts, and the array pointers (a realloc moves them) */
	mix(&h, c, sizeof(*c));
	mix(&h, c->settings.resolvers, c->settings.nresolvers * sizeof(*c->settings.resolvers));
	for (size_t i = 0; i < c->ncomps; i++)
		mix_str(&h, c->comp_names[i]);
	mix(&h, c->sets, c->nsets * sizeof(*c->sets));
	for (size_t i = 0; i < c->nsets; i++)
		mix(&h, c->sets[i].words, c->sets[i].nwords * sizeof(uint64_t));
	mix(&h, c->hosts, c->nhosts * sizeof(*c->hosts));
	mix(&h, c->prefixes, c->nprefixes * sizeof(*c->prefixes));
	mix(&h, c->rules, c->nrules_entries * sizeof(*c->rules));
	mix(&h, c->rule_info, (c->nrule_ids + 1) * sizeof(*c->rule_info));
	mix(&h, c->names, c->nnames * sizeof(*c->names));
	for (size_t i = 0; i < c->nnames; i++)
		mix_str(&h, c->names[i].name);
	mix(&h, c->members, c->nmembers * sizeof(*c->members));
	for (size_t i = 0; i < c->nmembers; i++)
		mix_str(&h, c->members[i].text);
	for (size_t i = 0; i < c->nfiles; i++)
		mix_str(&h, c->files[i]);
	mix(&h, ix, sizeof(*ix));
	mix_hmap(&h, &ix->sets);
	mix_hmap(&h, &ix->rules);
	mix_hmap(&h, &ix->hosts);
	mix_hmap(&h, &ix->prefixes);
	for (size_t id = 1; id <= c->nrule_ids; id++)
		mix(&h, ix->rule_classes[id], ix->rule_nclasses[id] * sizeof(uint32_t));
	mix(&h, ix->rule_nclasses, (c->nrule_ids + 1) * sizeof(uint32_t));
	return h;
}
