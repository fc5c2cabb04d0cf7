// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy/diag.h"
#include "common/grow.h"

/* The findings' own copy of a file name (few files: a linear search). */
static const char *intern_file(struct ts_diags *d, const char *file)
{
	if (!file)
		return NULL;
	for (size_t i = 0; i < d->nfiles; i++)
		if (!strcmp(d->files[i], file))
			return d->files[i];
	return ts_strv_push(&d->files, &d->nfiles, file);
}

void ts_diag_add(struct ts_diags *d, enum ts_severity sev, struct ts_loc loc,
		 const char *code, const char *fmt, ...)
{
	struct ts_diag *slot;
	va_list ap;
	char *msg;
	int len;

	if (ts_grow((void **)&d->v, &d->alloc, d->n, sizeof(*d->v))) {
		d->oom = true;
		return;
	}
	va_start(ap, fmt);
	len = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (len < 0) {
		d->oom = true;
		return;
	}
	loc.file = intern_file(d, loc.file);
	slot = &d->v[d->n++];
	slot->sev = sev;
	slot->loc = loc;
	slot->code = code;
	slot->msg = msg;
	if (sev == TS_SEV_ERROR)
		d->nerrors++;
	else if (sev == TS_SEV_WARNING)
		d->nwarnings++;
	else
		d->nnotes++;
}

static int cmp_loc(const struct ts_loc *a, const struct ts_loc *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void ts_diags_sort(struct ts_diags *d)
{
	/* insertion sort: stable, and finding lists are short */
	for (size_t i = 1; i < d->n; i++) {
		struct ts_diag x = d->v[i];
		size_t j = i;

		while (j > 0 && cmp_loc(&d->v[j - 1].loc, &x.loc) > 0) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = x;
	}
}

const char *ts_severity_name(enum ts_severity sev)
{
	switch (sev) {
	case TS_SEV_ERROR:
		return "error";
	case TS_SEV_WARNING:
		return "warning";
	default:
		return "note";
	}
}

void ts_diags_print(FILE *out, const struct ts_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct ts_diag *g = &d->v[i];
		const char *file = g->loc.file ? g->loc.file : "<policy>";

		if (g->loc.line)
			fprintf(out, "%s:%u:%u: ", file, g->loc.line, g->loc.col);
		else
			fprintf(out, "%s: ", file);
		fprintf(out, "%s: %s [%s]\n", ts_severity_name(g->sev), g->msg, g->code);
	}
	if (d->oom)
		fprintf(out, "error: out of memory while collecting findings\n");
}

bool ts_diags_has_errors(const struct ts_diags *d)
{
	return d->nerrors > 0 || d->oom;
}

const struct ts_diag *ts_diags_find(const struct ts_diags *d, const char *code)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].code, code))
			return &d->v[i];
	return NULL;
}

size_t ts_diags_count(const struct ts_diags *d, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += !strcmp(d->v[i].code, code);
	return n;
}

void ts_diags_free(struct ts_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	for (size_t i = 0; i < d->nfiles; i++)
		free(d->files[i]);
	free(d->files);
	memset(d, 0, sizeof(*d));
}
