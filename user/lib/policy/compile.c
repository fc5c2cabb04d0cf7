// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compile.c - a linted policy to struct ts_compiled: rule ids, port
 * classes (compile_ports.c), address sets (compile_nets.c), rule entries
 * (compile_rules.c), names and settings; then capacity checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/meminfo.h"
#include "policy/compile_internal.h"
#include "policy/ports.h"
#include "policy/table_sizes.h"

const char *ts_compile_file(const struct ts_policy *p, const struct ts_compiled *c,
			    const char *file)
{
	for (size_t i = 0; i < p->nfiles && i < c->nfiles; i++)
		if (p->files[i] == file)
			return c->files[i];
	return NULL;
}

static int copy_strings(char **src, size_t n, char ***dst, size_t *ndst)
{
	*dst = calloc(n + 1, sizeof(char *));
	if (!*dst)
		return -ENOMEM;
	for (*ndst = 0; *ndst < n; (*ndst)++) {
		(*dst)[*ndst] = strdup(src[*ndst]);
		if (!(*dst)[*ndst])
			return -ENOMEM;
	}
	return 0;
}

static void rule_text(const struct ts_compiled *c, uint32_t src, uint32_t dst,
		      const struct ts_ports *ports, char *buf, size_t len)
{
	char pbuf[TS_RULE_TEXT_LEN];
	int n;

	ts_ports_format(ports, pbuf, sizeof(pbuf));
	n = snprintf(buf, len, "%s -> %s %s", c->comp_names[src], c->comp_names[dst], pbuf);
	if (n >= (int)len && len > 4)
		memcpy(buf + len - 4, "...", 4); /* still names the rule; the label has the rest */
}

static int add_rule_id(const struct ts_policy *p, struct ts_compiled *c, size_t stmt,
		       int src, int dst)
{
	const struct ts_rule_stmt *r = &p->rules[stmt];
	struct ts_rule_info *ri = &c->rule_info[++c->nrule_ids];

	ri->id = (uint32_t)c->nrule_ids;
	snprintf(ri->label, sizeof(ri->label), "%s", r->label);
	ri->src_comp = (uint32_t)src;
	ri->dst_comp = (uint32_t)dst;
	ri->file = ts_compile_file(p, c, r->loc.file);
	ri->line = r->loc.line;
	ri->col = r->loc.col;
	ri->dir = r->dir;
	ri->stmt = (uint32_t)stmt;
	rule_text(c, ri->src_comp, ri->dst_comp, &r->ports, ri->text, sizeof(ri->text));
	return 0;
}

/* One id per direction: "a <-> b" gives "a -> b" and "b -> a". */
static int compile_rule_ids(const struct ts_policy *p, struct ts_compiled *c)
{
	struct ts_compiled_index *ix = c->index;

	c->rule_info = calloc(2 * p->nrules + 1, sizeof(*c->rule_info));
	ix->rule_classes = calloc(2 * p->nrules + 1, sizeof(*ix->rule_classes));
	ix->rule_nclasses = calloc(2 * p->nrules + 1, sizeof(*ix->rule_nclasses));
	if (!c->rule_info || !ix->rule_classes || !ix->rule_nclasses)
		return -ENOMEM;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct ts_rule_stmt *r = &p->rules[i];

		if (r->left_comp < 0 || r->right_comp < 0)
			continue;
		if (r->dir != TS_DIR_BACKWARD)
			add_rule_id(p, c, i, r->left_comp, r->right_comp);
		if (r->dir == TS_DIR_BACKWARD || (r->dir == TS_DIR_BOTH && r->left_comp != r->right_comp))
			add_rule_id(p, c, i, r->right_comp, r->left_comp);
	}
	return 0;
}

struct name_slot {
	const struct ts_member *m;
	uint32_t comp;
	size_t order;
	bool dup;
};

static int cmp_name_slot(const void *a, const void *b)
{
	const struct name_slot *x = a, *y = b;
	int c;

	if (x->comp != y->comp)
		return x->comp < y->comp ? -1 : 1;
	c = strcmp(x->m->text, y->m->text);
	return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

static int cmp_name_order(const void *a, const void *b)
{
	const struct name_slot *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

/* Names in policy order; a name listed twice in one component counts once
 * (the linter reports it). Sorting finds the repeats: feeds can be big. */
static int compile_names(const struct ts_policy *p, struct ts_compiled *c)
{
	struct name_slot *v;
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; i < p->ncomps; i++)
		for (size_t j = 0; j < p->comps[i].nmembers; j++)
			n += p->comps[i].members[j].kind >= TS_MEMBER_NAME;
	v = calloc(n + 1, sizeof(*v));
	c->names = calloc(n + 1, sizeof(*c->names));
	if (!v || !c->names) {
		free(v);
		return -ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < p->ncomps; i++) {
		for (size_t j = 0; j < p->comps[i].nmembers; j++) {
			if (p->comps[i].members[j].kind < TS_MEMBER_NAME)
				continue;
			v[n] = (struct name_slot){ &p->comps[i].members[j], (uint32_t)i, n, false };
			n++;
		}
	}
	qsort(v, n, sizeof(*v), cmp_name_slot);
	for (size_t k = 1; k < n; k++)
		v[k].dup = v[k].comp == v[k - 1].comp && !strcmp(v[k].m->text, v[k - 1].m->text);
	qsort(v, n, sizeof(*v), cmp_name_order);
	for (size_t k = 0; k < n && !err; k++) {
		struct ts_name_ref *ref = &c->names[c->nnames];

		if (v[k].dup)
			continue;
		ref->name = strdup(v[k].m->text);
		if (!ref->name) {
			err = -ENOMEM;
			break;
		}
		ref->comp = v[k].comp;
		ref->wildcard = v[k].m->kind == TS_MEMBER_WILDCARD;
		ref->file = ts_compile_file(p, c, v[k].m->loc.file);
		ref->line = v[k].m->loc.line;
		ref->col = v[k].m->loc.col;
		c->nnames++;
	}
	free(v);
	return err;
}

/* Components with names get their one-component set now, so the addresses
 * most names bring in need no new set and no new rule entries at runtime. */
static int name_sets(struct ts_compiled *c)
{
	uint64_t *words = calloc(c->index->nwords, sizeof(uint64_t));
	int err = words ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < c->nnames; i++) {
		uint32_t id;
		bool created;

		memset(words, 0, c->index->nwords * sizeof(uint64_t));
		words[c->names[i].comp / 64] |= 1ull << (c->names[i].comp % 64);
		err = ts_sets_intern(c, words, &id, &created);
	}
	free(words);
	return err;
}

static int copy_settings(const struct ts_policy *p, struct ts_compiled *c)
{
	const struct ts_compiled_settings *s = &p->settings.v;

	c->settings = *s;
	c->settings.resolvers = calloc(s->nresolvers + 1, sizeof(*s->resolvers));
	if (!c->settings.resolvers)
		return -ENOMEM;
	if (s->nresolvers)
		memcpy(c->settings.resolvers, s->resolvers, s->nresolvers * sizeof(*s->resolvers));
	return 0;
}

static struct ts_loc setting_loc(const struct ts_policy *p, enum ts_setting k)
{
	if (p->settings.set[k])
		return p->settings.loc[k];
	return (struct ts_loc){ p->nfiles ? p->files[0] : NULL, 0, 0 };
}

/* The tables the policy does not size get the sizes of "Table sizes"
 * (docs/policy.md), from the compiled policy and the host's MemTotal. */
static void size_tables(const struct ts_policy *p, struct ts_compiled *c)
{
	struct ts_table_need need;
	struct ts_meminfo mem;

	if (ts_meminfo_read(NULL, &mem))
		mem.total = 0;
	ts_table_need_of(c, &need);
	ts_table_sizes_auto(&c->settings, p->settings.set, &need, mem.total);
}

/* Each slot may use half of a shared table: during a reload the new policy
 * is written beside the old one. */
static void check_capacity(const struct ts_policy *p, const struct ts_compiled *c,
			   struct ts_diags *d)
{
	const struct ts_compiled_settings *s = &c->settings;
	size_t exact_names = 0;

	if (c->nrule_ids >= TS_MAX_RULE_IDS) {
		const struct ts_rule_info *r = &c->rule_info[TS_MAX_RULE_IDS];

		ts_diag_add(d, TS_SEV_ERROR, p->rules[r->stmt].loc, "capacity",
			    "too many rules: %zu directed rules (a '<->' counts twice), at most %u",
			    c->nrule_ids, TS_MAX_RULE_IDS - 1);
	}
	if (c->nhosts > s->cap_hosts / 2)
		ts_diag_add(d, TS_SEV_ERROR, setting_loc(p, TS_SET_TABLE_HOSTS), "capacity",
			    "%zu host addresses do not fit: 'table hosts %u' holds %u per policy "
			    "(half, for reloads)", c->nhosts, s->cap_hosts, s->cap_hosts / 2);
	if (c->nprefixes > s->cap_prefixes / 2)
		ts_diag_add(d, TS_SEV_ERROR, setting_loc(p, TS_SET_TABLE_PREFIXES), "capacity",
			    "%zu prefixes do not fit: 'table prefixes %u' holds %u per policy "
			    "(half, for reloads)", c->nprefixes, s->cap_prefixes, s->cap_prefixes / 2);
	if (c->nrules_entries > s->cap_rules / 2)
		ts_diag_add(d, TS_SEV_ERROR, setting_loc(p, TS_SET_TABLE_RULES), "capacity",
			    "%zu rule entries do not fit: 'table rules %u' holds %u per policy "
			    "(half, for reloads)", c->nrules_entries, s->cap_rules, s->cap_rules / 2);
	for (size_t i = 0; i < c->nnames; i++)
		exact_names += !c->names[i].wildcard;
	if (c->nhosts <= s->cap_hosts / 2 &&
	    c->nhosts + exact_names * s->max_addrs_per_name > s->cap_hosts / 2)
		ts_diag_add(d, TS_SEV_WARNING, setting_loc(p, TS_SET_TABLE_HOSTS), "capacity",
			    "%zu names with up to %u addresses each could overflow the %u host "
			    "entries a policy may use", exact_names, s->max_addrs_per_name,
			    s->cap_hosts / 2);
}

static int init_index(struct ts_compiled *c, size_t ncomps)
{
	struct ts_compiled_index *ix = calloc(1, sizeof(*ix));

	if (!ix)
		return -ENOMEM;
	c->index = ix;
	ix->nwords = (uint32_t)((ncomps + 63) / 64);
	if (!ix->nwords)
		ix->nwords = 1;
	ts_hmap_init(&ix->sets, ix->nwords * sizeof(uint64_t));
	ts_hmap_init(&ix->rules, 3 * sizeof(uint32_t));
	ts_hmap_init(&ix->hosts, sizeof(struct ts_net));
	ts_hmap_init(&ix->prefixes, sizeof(struct ts_net));
	return 0;
}

int ts_policy_compile(const struct ts_policy *p, struct ts_compiled **out, struct ts_diags *d)
{
	struct ts_compiled *c = calloc(1, sizeof(*c));
	uint64_t *empty = NULL;
	uint32_t id;
	bool created;
	int err = -ENOMEM;

	*out = NULL;
	if (!c)
		goto fail;
	err = init_index(c, p->ncomps);
	if (!err)
		err = copy_strings(p->files, p->nfiles, &c->files, &c->nfiles);
	if (!err) {
		char **names = calloc(p->ncomps + 1, sizeof(char *));

		err = -ENOMEM;
		if (names) {
			for (size_t i = 0; i < p->ncomps; i++)
				names[i] = p->comps[i].name;
			err = copy_strings(names, p->ncomps, &c->comp_names, &c->ncomps);
			free(names);
		}
	}
	if (!err)
		err = copy_settings(p, c);
	if (!err)
		err = compile_rule_ids(p, c);
	empty = calloc(c->index ? c->index->nwords : 1, sizeof(uint64_t));
	if (!err && !empty)
		err = -ENOMEM;
	if (!err)
		err = ts_sets_intern(c, empty, &id, &created); /* the empty set is id 0 */
	if (!err)
		err = ts_compile_ports(p, c);
	if (!err)
		err = ts_compile_nets(p, c, d);
	if (!err)
		err = compile_names(p, c);
	if (!err)
		err = name_sets(c);
	if (!err)
		err = ts_rules_expand(c, UINT32_MAX);
	free(empty);
	if (err == -E2BIG) {
		ts_diag_add(d, TS_SEV_ERROR, setting_loc(p, TS_SET_TABLE_RULES), "capacity",
			    "the policy needs more than %u rule entries or %u component sets "
			    "('table rules %u' holds %u per policy)", c->settings.cap_rules / 2,
			    TS_MAX_SETS, c->settings.cap_rules, c->settings.cap_rules / 2);
		ts_compiled_free(c);
		return 0;
	}
	if (err)
		goto fail;
	size_tables(p, c);
	check_capacity(p, c, d);
	*out = c;
	return 0;
fail:
	ts_err("policy %s: cannot compile: %s", p->nfiles ? p->files[0] : "?", strerror(-err));
	ts_compiled_free(c);
	return err;
}

void ts_compiled_free(struct ts_compiled *c)
{
	struct ts_compiled_index *ix;

	if (!c)
		return;
	ix = c->index;
	free(c->settings.resolvers);
	for (size_t i = 0; i < c->ncomps; i++)
		free(c->comp_names[i]);
	free(c->comp_names);
	for (size_t i = 0; i < c->nsets; i++)
		free(c->sets[i].words);
	free(c->sets);
	free(c->hosts);
	free(c->prefixes);
	free(c->rules);
	free(c->rule_info);
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i].name);
	free(c->names);
	for (size_t i = 0; i < c->nmembers; i++)
		free(c->members[i].text);
	free(c->members);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	if (ix) {
		ts_hmap_free(&ix->sets);
		ts_hmap_free(&ix->rules);
		ts_hmap_free(&ix->hosts);
		ts_hmap_free(&ix->prefixes);
		for (size_t i = 0; ix->rule_classes && i <= c->nrule_ids; i++)
			free(ix->rule_classes[i]);
		free(ix->rule_classes);
		free(ix->rule_nclasses);
		free(ix);
	}
	free(c);
}
