// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* registry.c - runtime additions over a compiled policy (see registry.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "policy/compile_internal.h"
#include "policy/net.h"
#include "policy/registry.h"

struct ts_registry_index {
	struct ts_hmap sets;          /* compset words -> runtime set id */
	struct ts_hmap rules;         /* (src, dst, class) -> index in r->rules */
	struct ts_hmap hosts;         /* struct ts_net -> index in r->hosts */
	size_t sets_alloc, rules_alloc, hosts_alloc;
};

int ts_registry_new(struct ts_compiled *c, struct ts_registry **out)
{
	struct ts_registry *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r)
		r->index = calloc(1, sizeof(*r->index));
	if (!r || !r->index) {
		free(r);
		ts_compiled_free(c);
		return -ENOMEM;
	}
	r->policy = c;
	ts_hmap_init(&r->index->sets, c->index->nwords * sizeof(uint64_t));
	ts_hmap_init(&r->index->rules, 3 * sizeof(uint32_t));
	ts_hmap_init(&r->index->hosts, sizeof(struct ts_net));
	*out = r;
	return 0;
}

void ts_registry_free(struct ts_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsets; i++)
		ts_compset_free(&r->sets[i]);
	free(r->sets);
	free(r->rules);
	free(r->hosts);
	ts_hmap_free(&r->index->sets);
	ts_hmap_free(&r->index->rules);
	ts_hmap_free(&r->index->hosts);
	free(r->index);
	/* the one place the compiled policy is released: its owner's */
	ts_compiled_free((struct ts_compiled *)r->policy);
	free(r);
}

size_t ts_registry_nsets(const struct ts_registry *r)
{
	return r->policy->nsets + r->nsets;
}

const struct ts_compset *ts_registry_set(const struct ts_registry *r, uint32_t id)
{
	if (id < r->policy->nsets)
		return &r->policy->sets[id];
	return id - r->policy->nsets < r->nsets ? &r->sets[id - r->policy->nsets] : NULL;
}

/* The key both host indexes use: a full-length, masked address. */
static bool host_key(const struct ts_net *net, struct ts_net *key)
{
	if ((net->family != TS_FAMILY_V4 && net->family != TS_FAMILY_V6) || !ts_net_is_host(net))
		return false;
	*key = *net;
	ts_net_mask(key);
	return true;
}

const struct ts_addr_entry *ts_registry_host(const struct ts_registry *r, const struct ts_net *net)
{
	const uint32_t *hit;
	struct ts_net key;

	if (!host_key(net, &key))
		return NULL;
	hit = ts_hmap_find(&r->index->hosts, &key);
	return hit ? &r->hosts[*hit] : ts_compiled_host(r->policy, &key);
}

int ts_registry_host_put(struct ts_registry *r, const struct ts_addr_entry *e)
{
	struct ts_registry_index *ix = r->index;
	uint32_t at;
	bool inserted;
	struct ts_net key;
	int err;

	if (!host_key(&e->net, &key))
		return -EINVAL;
	if (ts_grow((void **)&r->hosts, &ix->hosts_alloc, r->nhosts, sizeof(*r->hosts)))
		return -ENOMEM;
	err = ts_hmap_insert(&ix->hosts, &key, (uint32_t)r->nhosts, &at, &inserted);
	if (err)
		return err;
	r->hosts[at] = *e;
	r->hosts[at].net = key;
	if (inserted)
		r->nhosts++;
	return 0;
}

static struct ts_set_view view_of(const struct ts_registry *r)
{
	return (struct ts_set_view){
		r->policy->sets, (uint32_t)r->policy->nsets, r->sets, (uint32_t)r->nsets,
	};
}

/* Upper bound of the entries a new set with `words` needs. */
static size_t entries_needed(const struct ts_registry *r, const uint64_t *words)
{
	const struct ts_compiled *c = r->policy;
	struct ts_compset x = { c->index->nwords, (uint64_t *)words };
	size_t n = 0, nsets = ts_registry_nsets(r);

	for (size_t id = 1; id <= c->nrule_ids; id++) {
		const struct ts_rule_info *ri = &c->rule_info[id];
		size_t pairs = 0;

		for (uint32_t s = 1; s < nsets; s++) {
			const struct ts_compset *set = ts_registry_set(r, s);

			pairs += ts_compset_has(&x, ri->src_comp) && ts_compset_has(set, ri->dst_comp);
			pairs += ts_compset_has(&x, ri->dst_comp) && ts_compset_has(set, ri->src_comp);
		}
		pairs += ts_compset_has(&x, ri->src_comp) && ts_compset_has(&x, ri->dst_comp);
		n += pairs * c->index->rule_nclasses[id];
	}
	return n;
}

/* A new runtime set of `words` and its rule entries (against every set). */
static int create_set(struct ts_registry *r, const uint64_t *words, struct ts_set_update *out)
{
	const struct ts_compiled *c = r->policy;
	struct ts_registry_index *ix = r->index;
	size_t cap = c->settings.cap_rules / 2;
	const struct ts_set_table t = {
		&r->sets, &r->nsets, &ix->sets_alloc, &ix->sets, c->index->nwords, (uint32_t)c->nsets,
	};
	const struct ts_rule_sink sink = {
		&r->rules, &r->nrules, &ix->rules_alloc, &ix->rules,
		cap > c->nrules_entries ? cap - c->nrules_entries : 0,
	};
	struct ts_set_view v;
	int err = ts_sets_intern_into(&t, words, &out->set_id, &out->created);

	v = view_of(r); /* after the intern: the new set is one of them */
	return err ? err : ts_rules_expand_into(c, &v, &sink, out->set_id);
}

int ts_registry_set_for_addr(struct ts_registry *r, const struct ts_net *addr,
			     const struct ts_compset *name_comps, struct ts_set_update *out)
{
	const struct ts_compiled *c = r->policy;
	uint32_t nwords = c->index->nwords, base;
	size_t first = r->nrules;
	const uint32_t *existing;
	uint64_t *words;
	int err;

	memset(out, 0, sizeof(*out));
	if ((addr->family != TS_FAMILY_V4 && addr->family != TS_FAMILY_V6) || !ts_net_is_host(addr))
		return -EINVAL;
	base = ts_compiled_static_set(c, addr);
	words = malloc(nwords * sizeof(uint64_t));
	if (!words)
		return -ENOMEM;
	memcpy(words, c->sets[base].words, nwords * sizeof(uint64_t));
	for (uint32_t i = 0; name_comps && i < name_comps->nwords && i < nwords; i++)
		words[i] |= name_comps->words[i];
	existing = ts_hmap_find(&c->index->sets, words);
	if (!existing)
		existing = ts_hmap_find(&r->index->sets, words);
	if (existing) {
		out->set_id = *existing;
		err = 0;
	} else if (c->nrules_entries + r->nrules + entries_needed(r, words) >
		   c->settings.cap_rules / 2) {
		err = -E2BIG;
	} else {
		err = create_set(r, words, out);
		out->nrules = r->nrules - first;
		out->rules = out->nrules ? r->rules + first : NULL; /* r->rules may be NULL */
	}
	free(words);
	return err;
}
