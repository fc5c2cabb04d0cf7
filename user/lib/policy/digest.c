// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* digest.c - a compiled policy as canonical lines (see digest.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/replace_file.h"
#include "policy/digest.h"
#include "policy/settings_table.h"

#define DIGEST_LINE_MAX 8192
#define DIGEST_MAGIC "# turnstile policy as installed"

static int add(struct ts_digest *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add(struct ts_digest *d, const char *fmt, ...)
{
	char **v;
	va_list ap;
	int n;

	if (!(d->n & (d->n + 1))) {   /* n + 1 a power of two: grow */
		v = realloc(d->lines, (2 * d->n + 2) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->lines = v;
	}
	va_start(ap, fmt);
	n = vasprintf(&d->lines[d->n], fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	d->n++;
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, each line once. */
static void canonical(struct ts_digest *d)
{
	size_t w = 0;

	qsort(d->lines, d->n, sizeof(*d->lines), cmp_line);
	for (size_t i = 0; i < d->n; i++) {
		if (w && !strcmp(d->lines[w - 1], d->lines[i])) {
			free(d->lines[i]);
			continue;
		}
		d->lines[w++] = d->lines[i];
	}
	d->n = w;
}

int ts_digest_of(const struct ts_compiled *c, struct ts_digest *out)
{
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; !err && i < c->ncomps; i++)
		err = add(out, "component %s", c->comp_names[i]);
	for (size_t i = 0; !err && i < c->nmembers; i++)
		err = add(out, "member %s %s", c->comp_names[c->members[i].comp], c->members[i].text);
	for (size_t i = 0; !err && i < c->nnames; i++)
		err = add(out, "member %s %s", c->comp_names[c->names[i].comp], c->names[i].name);
	for (size_t id = 1; !err && id <= c->nrule_ids; id++)
		err = add(out, "rule \"%s\": %s", c->rule_info[id].label, c->rule_info[id].text);
	for (int k = 0; !err && k < TS_SET_MAX; k++) {
		char v[1024];

		ts_setting_value_str(c, k, v, sizeof(v));
		err = add(out, "setting %s %s", ts_setting_def(k)->name, v);
	}
	if (err) {
		ts_digest_free(out);
		return err;
	}
	canonical(out);
	return 0;
}

void ts_digest_free(struct ts_digest *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	d->lines = NULL;
	d->n = 0;
}

struct digest_file {
	const struct ts_digest *d;
	const char *path, *sha256;
	uint64_t generation;
};

static int write_digest(FILE *f, void *ctx)
{
	const struct digest_file *w = ctx;

	fprintf(f, "%s\npath %s\nsha256 %s\ngeneration %" PRIu64 "\n", DIGEST_MAGIC, w->path, w->sha256,
		w->generation);
	for (size_t i = 0; i < w->d->n; i++)
		fprintf(f, "%s\n", w->d->lines[i]);
	return 0;
}

int ts_digest_write(const struct ts_compiled *c, const char *policy_path, uint64_t generation,
		    const char *file)
{
	struct ts_digest d;
	struct digest_file w = { &d, policy_path, c->text_sha256, generation };
	int err = ts_digest_of(c, &d);

	if (err)
		return err;
	err = ts_replace_file(file, write_digest, &w);
	ts_digest_free(&d);
	return err;
}

int ts_digest_read(const char *file, struct ts_digest *out)
{
	FILE *f = fopen(file, "r");
	char *line = malloc(DIGEST_LINE_MAX);
	int err = 0, nr = 0;

	memset(out, 0, sizeof(*out));
	if (!f || !line) {
		err = f ? -ENOMEM : -errno;
		goto out;
	}
	while (!err && fgets(line, DIGEST_LINE_MAX, f)) {
		size_t len = strlen(line);

		if (!len || line[len - 1] != '\n') {
			err = -EBADMSG;   /* too long, or cut short: never truncated silently */
			break;
		}
		line[--len] = '\0';
		nr++;
		if (nr == 1)
			err = strcmp(line, DIGEST_MAGIC) ? -EBADMSG : 0;
		else if (!strncmp(line, "path ", 5))
			snprintf(out->path, sizeof(out->path), "%s", line + 5);
		else if (!strncmp(line, "sha256 ", 7))
			snprintf(out->sha256, sizeof(out->sha256), "%s", line + 7);
		else if (!strncmp(line, "generation ", 11))
			out->generation = strtoull(line + 11, NULL, 10);
		else
			err = add(out, "%s", line);
	}
	if (!err && nr == 0)
		err = -EBADMSG;
	if (!err)
		canonical(out);
	else
		ts_digest_free(out);
out:
	if (f)
		fclose(f);
	free(line);
	return err;
}

void ts_digest_minus(const struct ts_digest *a, const struct ts_digest *b,
		     void (*fn)(const char *line, void *ctx), void *ctx)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n; i++) {
		int c = 1;

		while (j < b->n && (c = strcmp(b->lines[j], a->lines[i])) < 0)
			j++;
		if (j >= b->n || c)
			fn(a->lines[i], ctx);
	}
}
