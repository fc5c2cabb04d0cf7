// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compile_ports.c - port classes: ports that every rule treats alike share
 * a class, so the rule table is keyed by class, not by port. Class 0 is
 * outside the scope. The scope is the `scope` setting, or else every port
 * some rule names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/compile_internal.h"
#include "policy/ports.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static const struct ts_ports *rule_ports(const struct ts_policy *p, const struct ts_compiled *c,
					 size_t id)
{
	return &p->rules[c->rule_info[id].stmt].ports;
}

static int effective_scope(const struct ts_policy *p, struct ts_ports *out)
{
	static const struct ts_ports none;

	memset(out, 0, sizeof(*out));
	if (p->settings.set[TS_SET_SCOPE])
		return ts_ports_union(&p->settings.scope, &none, out);
	for (size_t i = 0; i < p->nrules; i++) {
		struct ts_ports merged;
		int err = ts_ports_union(out, &p->rules[i].ports, &merged);

		if (err)
			return err;
		ts_ports_free(out);
		*out = merged;
	}
	return 0;
}

/* Sorted distinct starts of elementary port intervals, ending with
 * TS_PORTS_PER_SLOT (ports of every plane: one index space). */
static int boundaries(const struct ts_policy *p, const struct ts_compiled *c,
		      const struct ts_ports *scope, uint32_t **out, size_t *nout)
{
	size_t n = 2 + 2 * scope->n, k = 0, u = 0;
	uint32_t *b;

	for (size_t id = 1; id <= c->nrule_ids; id++)
		n += 2 * rule_ports(p, c, id)->n;
	b = malloc(n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	b[k++] = 1;
	b[k++] = TS_PORTS_PER_SLOT;
	for (size_t i = 0; i < scope->n; i++) {
		b[k++] = scope->v[i].lo;
		b[k++] = (uint32_t)scope->v[i].hi + 1;
	}
	for (size_t id = 1; id <= c->nrule_ids; id++) {
		const struct ts_ports *rp = rule_ports(p, c, id);

		for (size_t i = 0; i < rp->n; i++) {
			b[k++] = rp->v[i].lo;
			b[k++] = (uint32_t)rp->v[i].hi + 1;
		}
	}
	qsort(b, k, sizeof(*b), cmp_u32);
	for (size_t i = 0; i < k; i++)
		if (!u || b[u - 1] != b[i])
			b[u++] = b[i];
	*out = b;
	*nout = u;
	return 0;
}

int ts_compile_ports(const struct ts_policy *p, struct ts_compiled *c)
{
	struct ts_compiled_index *ix = c->index;
	size_t sig_words = (c->nrule_ids + 1 + 63) / 64, nb = 0;
	struct ts_ports scope;
	struct ts_hmap sigs;
	uint64_t *sig = calloc(sig_words, sizeof(uint64_t));
	uint32_t *b = NULL;
	int err;

	ts_hmap_init(&sigs, sig_words * sizeof(uint64_t));
	err = effective_scope(p, &scope);
	if (!err && !sig)
		err = -ENOMEM;
	if (!err)
		err = boundaries(p, c, &scope, &b, &nb);
	for (size_t k = 0; !err && k + 1 < nb; k++) {
		uint32_t lo = b[k], hi = b[k + 1], cls = 0;
		bool inserted;

		if (ts_ports_has(&scope, lo)) {
			memset(sig, 0, sig_words * sizeof(uint64_t));
			for (size_t id = 1; id <= c->nrule_ids; id++)
				if (ts_ports_has(rule_ports(p, c, id), lo))
					sig[id / 64] |= 1ull << (id % 64);
			err = ts_hmap_insert(&sigs, sig, (uint32_t)sigs.n + 1, &cls, &inserted);
		}
		for (uint32_t port = lo; port < hi; port++)
			c->port_class[port] = cls;
	}
	c->nport_classes = (uint32_t)sigs.n + 1;
	/* each rule's classes: the signatures (in class order) that carry its bit */
	for (size_t id = 1; !err && id <= c->nrule_ids; id++) {
		ix->rule_classes[id] = calloc(sigs.n + 1, sizeof(uint32_t));
		if (!ix->rule_classes[id]) {
			err = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < sigs.n; k++) {
			const uint64_t *s = (const uint64_t *)(sigs.keys + k * sigs.key_size);

			if ((s[id / 64] >> (id % 64)) & 1)
				ix->rule_classes[id][ix->rule_nclasses[id]++] = (uint32_t)k + 1;
		}
	}
	ts_hmap_free(&sigs);
	ts_ports_free(&scope);
	free(sig);
	free(b);
	return err;
}
