// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compile_rules.c - rule statements to (src set, dst set, port class) ->
 * rule id entries: a rule allows every pair of sets that contain its
 * initiator and its responder. Rules are taken in id order, so when two
 * rules allow the same key the first declared one owns it.
 */
#include <errno.h>
#include <stdlib.h>

#include "policy/compile_internal.h"
#include "common/grow.h"

struct rule_key {
	uint32_t src, dst, cls;
};

static int add(const struct ts_rule_sink *k, uint32_t src, uint32_t dst, uint32_t cls, uint32_t id)
{
	struct rule_key key = { src, dst, cls };
	uint32_t stored;
	bool inserted;
	int err;

	/* beyond what a slot may hold: stop before the expansion eats memory */
	if (*k->n > k->limit)
		return -E2BIG;
	if (ts_grow((void **)k->rules, k->alloc, *k->n, sizeof(**k->rules)))
		return -ENOMEM;
	err = ts_hmap_insert(k->index, &key, (uint32_t)*k->n, &stored, &inserted);
	if (err || !inserted)
		return err;
	(*k->rules)[(*k->n)++] = (struct ts_rule_entry){ src, dst, cls, id };
	return 0;
}

static uint32_t nsets(const struct ts_set_view *v)
{
	return v->nbase + v->nextra;
}

static bool has(const struct ts_set_view *v, uint32_t set, uint32_t comp)
{
	return ts_compset_has(set < v->nbase ? &v->base[set] : &v->extra[set - v->nbase], comp);
}

/* Every (src, dst) pair of the rule with `set` on either side. */
static int expand_one_set(const struct ts_compiled *c, const struct ts_set_view *v,
			  const struct ts_rule_sink *k, uint32_t id, uint32_t set)
{
	const struct ts_rule_info *r = &c->rule_info[id];
	const uint32_t *cls = c->index->rule_classes[id];
	uint32_t ncls = c->index->rule_nclasses[id];
	int err = 0;

	if (has(v, set, r->src_comp))
		for (uint32_t d = 1; !err && d < nsets(v); d++)
			if (has(v, d, r->dst_comp))
				for (uint32_t i = 0; !err && i < ncls; i++)
					err = add(k, set, d, cls[i], id);
	if (has(v, set, r->dst_comp))
		for (uint32_t s = 1; !err && s < nsets(v); s++)
			if (s != set && has(v, s, r->src_comp))
				for (uint32_t i = 0; !err && i < ncls; i++)
					err = add(k, s, set, cls[i], id);
	return err;
}

static int expand_all(const struct ts_compiled *c, const struct ts_set_view *v,
		      const struct ts_rule_sink *k, uint32_t id, uint32_t *srcs, uint32_t *dsts)
{
	const struct ts_rule_info *r = &c->rule_info[id];
	const uint32_t *cls = c->index->rule_classes[id];
	uint32_t ncls = c->index->rule_nclasses[id], ns = 0, nd = 0;
	int err = 0;

	for (uint32_t s = 1; s < nsets(v); s++) {
		if (has(v, s, r->src_comp))
			srcs[ns++] = s;
		if (has(v, s, r->dst_comp))
			dsts[nd++] = s;
	}
	for (uint32_t i = 0; !err && i < ns; i++)
		for (uint32_t j = 0; !err && j < nd; j++)
			for (uint32_t x = 0; !err && x < ncls; x++)
				err = add(k, srcs[i], dsts[j], cls[x], id);
	return err;
}

int ts_rules_expand_into(const struct ts_compiled *c, const struct ts_set_view *v,
			 const struct ts_rule_sink *sink, uint32_t set)
{
	uint32_t *srcs = NULL, *dsts = NULL;
	int err = 0;

	if (set == UINT32_MAX) {
		srcs = calloc(nsets(v) + 1, sizeof(*srcs));
		dsts = calloc(nsets(v) + 1, sizeof(*dsts));
		if (!srcs || !dsts)
			err = -ENOMEM;
	}
	for (uint32_t id = 1; !err && id <= c->nrule_ids; id++)
		err = set == UINT32_MAX ? expand_all(c, v, sink, id, srcs, dsts)
					: expand_one_set(c, v, sink, id, set);
	free(srcs);
	free(dsts);
	return err;
}

int ts_rules_expand(struct ts_compiled *c, uint32_t set)
{
	const struct ts_set_view v = { c->sets, (uint32_t)c->nsets, NULL, 0 };
	const struct ts_rule_sink sink = {
		&c->rules, &c->nrules_entries, &c->index->rules_alloc, &c->index->rules,
		c->settings.cap_rules / 2,
	};

	return ts_rules_expand_into(c, &v, &sink, set);
}
