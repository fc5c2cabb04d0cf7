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

static int add(struct ts_compiled *c, uint32_t src, uint32_t dst, uint32_t cls, uint32_t id)
{
	struct ts_compiled_index *ix = c->index;
	struct rule_key k = { src, dst, cls };
	uint32_t stored;
	bool inserted;
	int err;

	/* beyond what a slot may hold: stop before the expansion eats memory */
	if (c->nrules_entries > c->settings.cap_rules / 2)
		return -E2BIG;
	if (ts_grow((void **)&c->rules, &ix->rules_alloc, c->nrules_entries, sizeof(*c->rules)))
		return -ENOMEM;
	err = ts_hmap_insert(&ix->rules, &k, (uint32_t)c->nrules_entries, &stored, &inserted);
	if (err || !inserted)
		return err;
	c->rules[c->nrules_entries++] = (struct ts_rule_entry){ src, dst, cls, id };
	return 0;
}

static bool has(const struct ts_compiled *c, uint32_t set, uint32_t comp)
{
	return ts_compset_has(&c->sets[set], comp);
}

/* Every (src, dst) pair of the rule with `set` on either side. */
static int expand_one_set(struct ts_compiled *c, uint32_t id, uint32_t set)
{
	const struct ts_rule_info *r = &c->rule_info[id];
	const uint32_t *cls = c->index->rule_classes[id];
	uint32_t ncls = c->index->rule_nclasses[id];
	int err = 0;

	if (has(c, set, r->src_comp))
		for (uint32_t d = 1; !err && d < c->nsets; d++)
			if (has(c, d, r->dst_comp))
				for (uint32_t k = 0; !err && k < ncls; k++)
					err = add(c, set, d, cls[k], id);
	if (has(c, set, r->dst_comp))
		for (uint32_t s = 1; !err && s < c->nsets; s++)
			if (s != set && has(c, s, r->src_comp))
				for (uint32_t k = 0; !err && k < ncls; k++)
					err = add(c, s, set, cls[k], id);
	return err;
}

static int expand_all(struct ts_compiled *c, uint32_t id, uint32_t *srcs, uint32_t *dsts)
{
	const struct ts_rule_info *r = &c->rule_info[id];
	const uint32_t *cls = c->index->rule_classes[id];
	uint32_t ncls = c->index->rule_nclasses[id], ns = 0, nd = 0;
	int err = 0;

	for (uint32_t s = 1; s < c->nsets; s++) {
		if (has(c, s, r->src_comp))
			srcs[ns++] = s;
		if (has(c, s, r->dst_comp))
			dsts[nd++] = s;
	}
	for (uint32_t i = 0; !err && i < ns; i++)
		for (uint32_t j = 0; !err && j < nd; j++)
			for (uint32_t k = 0; !err && k < ncls; k++)
				err = add(c, srcs[i], dsts[j], cls[k], id);
	return err;
}

int ts_rules_expand(struct ts_compiled *c, uint32_t set)
{
	uint32_t *srcs = NULL, *dsts = NULL;
	int err = 0;

	if (set == UINT32_MAX) {
		srcs = calloc(c->nsets + 1, sizeof(*srcs));
		dsts = calloc(c->nsets + 1, sizeof(*dsts));
		if (!srcs || !dsts)
			err = -ENOMEM;
	}
	for (uint32_t id = 1; !err && id <= c->nrule_ids; id++)
		err = set == UINT32_MAX ? expand_all(c, id, srcs, dsts) : expand_one_set(c, id, set);
	free(srcs);
	free(dsts);
	return err;
}
