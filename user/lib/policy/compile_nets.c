// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compile_nets.c - literal addresses and CIDRs to ts_hosts / ts_prefixes
 * entries, in one sort and one sweep.
 *
 * CIDRs that contain a common address are nested, so sorted by (address,
 * prefix length) every net comes right after the chain of nets covering
 * it. A stack holds that chain; each net's set is its own components plus
 * the set of the nearest covering net. The longest match for any address
 * therefore yields every component it belongs to, without splitting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/compile_internal.h"
#include "common/grow.h"
#include "policy/net.h"

/* Overlap findings beyond this are summarized (big feeds overlap a lot). */
#define TS_OVERLAP_FINDINGS_MAX 20

struct item {
	struct ts_net net;
	uint32_t comp;
	const struct ts_member *m;
};

struct frame {
	size_t first, end;      /* the frame's items: [first, end) */
	uint64_t *set;          /* cumulative components */
};

struct sweep {
	const struct ts_policy *p;
	struct ts_compiled *c;
	struct ts_diags *d;
	struct item *items;
	size_t nitems;
	struct frame stack[130];
	size_t depth;
	uint64_t *stack_words;  /* 130 * nwords */
	uint64_t *work;
	size_t overlaps, redundant;
	size_t hosts_alloc, prefixes_alloc;
};

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = ts_net_cmp(&x->net, &y->net);

	if (c)
		return c;
	if (x->comp != y->comp)
		return x->comp < y->comp ? -1 : 1;
	return x->m < y->m ? -1 : x->m > y->m;
}

static int collect(struct sweep *s)
{
	const struct ts_policy *p = s->p;
	size_t n = 0;

	for (size_t i = 0; i < p->ncomps; i++)
		for (size_t j = 0; j < p->comps[i].nmembers; j++)
			n += p->comps[i].members[j].kind <= TS_MEMBER_CIDR;
	s->items = calloc(n + 1, sizeof(*s->items));
	s->c->members = calloc(n + 1, sizeof(*s->c->members));
	if (!s->items || !s->c->members)
		return -ENOMEM;
	for (size_t i = 0; i < p->ncomps; i++) {
		for (size_t j = 0; j < p->comps[i].nmembers; j++) {
			const struct ts_member *m = &p->comps[i].members[j];
			struct ts_member_ref *ref = &s->c->members[s->c->nmembers];

			if (m->kind > TS_MEMBER_CIDR)
				continue;
			s->items[s->nitems++] = (struct item){ .net = m->net, .comp = (uint32_t)i, .m = m };
			ref->net = m->net;
			ref->comp = (uint32_t)i;
			ref->kind = m->kind;
			ref->file = ts_compile_file(p, s->c, m->loc.file);
			ref->line = m->loc.line;
			ref->col = m->loc.col;
			ref->text = strdup(m->text);
			if (!ref->text)
				return -ENOMEM;
			s->c->nmembers++;
		}
	}
	qsort(s->items, s->nitems, sizeof(*s->items), cmp_item);
	return 0;
}

static const char *comp_name(const struct sweep *s, uint32_t comp)
{
	return s->p->comps[comp].name;
}

/* Findings for the group of items [g, e) (one net) against the chain. */
static void lint_group(struct sweep *s, size_t g, size_t e)
{
	const struct item *first = &s->items[g];

	for (size_t k = g + 1; k < e; k++) {
		const struct item *it = &s->items[k], *prev = &s->items[k - 1];

		if (it->comp == prev->comp)
			ts_diag_add(s->d, TS_SEV_WARNING, it->m->loc, "duplicate-member",
				    "'%s' is already listed in '%s' at line %u", it->m->text,
				    comp_name(s, it->comp), prev->m->loc.line);
		else if (s->overlaps++ < TS_OVERLAP_FINDINGS_MAX)
			ts_diag_add(s->d, TS_SEV_WARNING, it->m->loc, "overlapping-cidr",
				    "'%s' is in component '%s' and also in '%s' (%s:%u:%u): its "
				    "addresses belong to both", it->m->text, comp_name(s, it->comp),
				    comp_name(s, first->comp), first->m->loc.file,
				    first->m->loc.line, first->m->loc.col);
	}
	/* nearest covering net of the same component, then of another one */
	for (size_t k = g; k < e; k++) {
		const struct item *it = &s->items[k];
		bool other_done = false, same_done = false;

		if (k > g && it->comp == s->items[k - 1].comp)
			continue;
		for (size_t f = s->depth; f-- > 0 && !(other_done && same_done);) {
			for (size_t x = s->stack[f].first; x < s->stack[f].end; x++) {
				const struct item *outer = &s->items[x];

				if (outer->comp == it->comp && !same_done) {
					same_done = true;
					if (s->redundant++ < TS_OVERLAP_FINDINGS_MAX)
						ts_diag_add(s->d, TS_SEV_WARNING, it->m->loc,
							    "redundant-member",
							    "'%s' is already covered by '%s' (line %u) in "
							    "component '%s'", it->m->text, outer->m->text,
							    outer->m->loc.line, comp_name(s, it->comp));
				} else if (outer->comp != it->comp && !other_done) {
					other_done = true;
					if (s->overlaps++ < TS_OVERLAP_FINDINGS_MAX)
						ts_diag_add(s->d, TS_SEV_WARNING, it->m->loc,
							    "overlapping-cidr",
							    "'%s' (component '%s') lies within '%s' of "
							    "component '%s' (%s:%u:%u): its addresses "
							    "belong to both", it->m->text,
							    comp_name(s, it->comp), outer->m->text,
							    comp_name(s, outer->comp), outer->m->loc.file,
							    outer->m->loc.line, outer->m->loc.col);
				}
			}
		}
	}
}

static int add_entry(struct sweep *s, const struct ts_net *net, uint32_t set_id)
{
	struct ts_compiled *c = s->c;
	struct ts_compiled_index *ix = c->index;
	bool host = ts_net_is_host(net);
	struct ts_addr_entry **v = host ? &c->hosts : &c->prefixes;
	size_t *n = host ? &c->nhosts : &c->nprefixes;
	size_t *alloc = host ? &s->hosts_alloc : &s->prefixes_alloc;
	uint32_t stored;
	bool inserted;

	if (ts_grow((void **)v, alloc, *n, sizeof(**v)))
		return -ENOMEM;
	(*v)[*n] = (struct ts_addr_entry){ .net = *net, .set_id = set_id };
	if (!host)
		ix->plen_used[net->family == TS_FAMILY_V6][net->plen] = true;
	(*n)++;
	return ts_hmap_insert(host ? &ix->hosts : &ix->prefixes, net, (uint32_t)(*n - 1), &stored,
			      &inserted);
}

static int sweep_all(struct sweep *s)
{
	uint32_t nwords = s->c->index->nwords;
	size_t g = 0;
	int err = 0;

	while (!err && g < s->nitems) {
		const struct ts_net *net = &s->items[g].net;
		size_t e = g + 1;
		uint32_t id;
		bool created;

		while (e < s->nitems && !ts_net_cmp(&s->items[e].net, net))
			e++;
		while (s->depth && !ts_net_contains(&s->items[s->stack[s->depth - 1].first].net, net))
			s->depth--;
		lint_group(s, g, e);
		if (s->depth)
			memcpy(s->work, s->stack[s->depth - 1].set, nwords * sizeof(uint64_t));
		else
			memset(s->work, 0, nwords * sizeof(uint64_t));
		for (size_t k = g; k < e; k++)
			s->work[s->items[k].comp / 64] |= 1ull << (s->items[k].comp % 64);
		err = ts_sets_intern(s->c, s->work, &id, &created);
		if (!err)
			err = add_entry(s, net, id);
		if (!err && !ts_net_is_host(net)) {
			struct frame *f = &s->stack[s->depth];

			f->first = g;
			f->end = e;
			f->set = s->stack_words + s->depth * nwords;
			memcpy(f->set, s->work, nwords * sizeof(uint64_t));
			s->depth++;
		}
		g = e;
	}
	return err;
}

int ts_compile_nets(const struct ts_policy *p, struct ts_compiled *c, struct ts_diags *d)
{
	struct sweep s = { .p = p, .c = c, .d = d };
	uint32_t nwords = c->index->nwords;
	int err;

	s.stack_words = calloc(130 * (size_t)nwords, sizeof(uint64_t));
	s.work = calloc(nwords, sizeof(uint64_t));
	err = s.stack_words && s.work ? collect(&s) : -ENOMEM;
	if (!err)
		err = sweep_all(&s);
	if (s.overlaps > TS_OVERLAP_FINDINGS_MAX)
		ts_diag_add(d, TS_SEV_NOTE, (struct ts_loc){ p->nfiles ? p->files[0] : NULL, 0, 0 },
			    "overlapping-cidr", "%zu more overlaps between components not shown",
			    s.overlaps - TS_OVERLAP_FINDINGS_MAX);
	if (s.redundant > TS_OVERLAP_FINDINGS_MAX)
		ts_diag_add(d, TS_SEV_NOTE, (struct ts_loc){ p->nfiles ? p->files[0] : NULL, 0, 0 },
			    "redundant-member", "%zu more redundant members not shown",
			    s.redundant - TS_OVERLAP_FINDINGS_MAX);
	free(s.items);
	free(s.stack_words);
	free(s.work);
	return err;
}
