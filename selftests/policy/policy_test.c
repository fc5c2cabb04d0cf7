// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_test.h"

static int mem_read(void *ctx, const char *path, char **data, size_t *len)
{
	for (const struct tp_file *f = ctx; f && f->name; f++) {
		if (strcmp(f->name, path))
			continue;
		*data = strdup(f->text);
		if (!*data)
			return -ENOMEM;
		*len = strlen(f->text);
		return 0;
	}
	return -ENOENT;
}

int tp_build_as(const char *name, const char *text, const struct tp_file *files,
		struct ts_diags *d, struct ts_compiled **c)
{
	struct ts_policy_reader rd = { .read = mem_read, .ctx = (void *)files };

	return ts_policy_build(name, text, strlen(text), &rd, d, c);
}

int tp_build(const char *text, const struct tp_file *files, struct ts_diags *d,
	     struct ts_compiled **c)
{
	return tp_build_as("t.policy", text, files, d, c);
}

void tp_print(const struct ts_diags *d)
{
	ts_diags_print(stderr, d);
}

struct ts_compiled *tp_compile_ok(const char *text, struct ts_diags *d)
{
	struct ts_compiled *c = NULL;
	int err = tp_build(text, NULL, d, &c);

	TS_CHECK(err == 0 && c, "policy does not compile: %d", err);
	if (err)
		tp_print(d);
	return c;
}

const struct ts_diag *tp_find(const struct ts_diags *d, const char *code, uint32_t line,
			      uint32_t col)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct ts_diag *g = &d->v[i];

		if (!strcmp(g->code, code) && g->loc.line == line && (!col || g->loc.col == col))
			return g;
	}
	return NULL;
}

struct ts_net tp_net(const char *s)
{
	struct ts_net n;
	const char *why;

	if (ts_net_parse(s, &n, &why))
		fprintf(stderr, "tp_net: bad test address %s\n", s);
	return n;
}

int tp_comp(const struct ts_compiled *c, const char *name)
{
	for (size_t i = 0; i < c->ncomps; i++)
		if (!strcmp(c->comp_names[i], name))
			return (int)i;
	return -1;
}

bool tp_compset_is(const struct ts_compiled *c, const struct ts_compset *set,
		   const char *const *names)
{
	size_t want = 0, have = 0;

	if (!set)
		return false;
	for (; names[want]; want++) {
		int comp = tp_comp(c, names[want]);

		if (comp < 0 || !ts_compset_has(set, (uint32_t)comp))
			return false;
	}
	for (size_t i = 0; i < c->ncomps; i++)
		have += ts_compset_has(set, (uint32_t)i);
	return have == want;
}

bool tp_set_is(const struct ts_compiled *c, uint32_t id, const char *const *names)
{
	return id < c->nsets && tp_compset_is(c, &c->sets[id], names);
}

uint32_t tp_entry_in(const struct ts_rule_entry *v, size_t n, uint32_t src, uint32_t dst,
		     uint32_t cls)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].src_set == src && v[i].dst_set == dst && v[i].port_class == cls)
			return v[i].rule_id;
	return 0;
}

uint32_t tp_entry(const struct ts_compiled *c, uint32_t src, uint32_t dst, uint32_t cls)
{
	return tp_entry_in(c->rules, c->nrules_entries, src, dst, cls);
}

uint32_t tp_single_set(const struct ts_compiled *c, const char *name)
{
	const char *names[] = { name, NULL };

	for (uint32_t id = 0; id < c->nsets; id++)
		if (tp_set_is(c, id, names))
			return id;
	return UINT32_MAX;
}

void tp_expect(const struct tp_case *tc)
{
	const struct tp_file files[] = { { "t.policy", tc->text }, { NULL, NULL } };
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = tp_build(tc->text, files, &d, &c);
	const struct ts_diag *g = tc->line == TP_ANYWHERE ? ts_diags_find(&d, tc->code) :
				  tp_find(&d, tc->code, tc->line, tc->col);
	size_t n = ts_diags_count(&d, tc->code);
	bool ok;

	if (tc->line == 0) {
		ok = n == 0;
		TS_CHECK(ok, "%s: [%s] fired", tc->name, tc->code);
	} else {
		ok = g && g->sev == tc->sev && n == 1;
		TS_CHECK(ok, "%s: want one %s [%s] at %u:%u, found %zu", tc->name,
			 ts_severity_name(tc->sev), tc->code, tc->line, tc->col, n);
	}
	if (tc->line && tc->sev == TS_SEV_ERROR) {
		TS_CHECK(err == -EINVAL && !c, "%s: a policy with errors must yield nothing (err %d)",
			 tc->name, err);
		TS_CHECK(d.nerrors == 1, "%s: one mistake, one error; got %zu", tc->name, d.nerrors);
		ok = ok && d.nerrors == 1;
	}
	/* warnings and notes never fail a policy; errors always do */
	TS_CHECK((err == 0) == (d.nerrors == 0), "%s: err %d with %zu errors", tc->name, err, d.nerrors);
	if (!ok)
		tp_print(&d);
	ts_compiled_free(c);
	ts_diags_free(&d);
}
