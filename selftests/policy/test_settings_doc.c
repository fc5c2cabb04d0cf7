// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_settings_doc.c - the settings table is the one truth: docs/policy.md
 * holds its rendering verbatim, the parser keeps every setting within the
 * table's bounds (each bound accepted and stored exactly, one past it
 * refused), and a policy that sets nothing gets the table's defaults (the
 * table sizes: the formula's, which the defaults cap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/meminfo.h"
#include "policy/settings_table.h"
#include "policy/table_sizes.h"
#include "policy_test.h"

#define RULES "component a { 192.0.2.1 }\ncomponent b { 198.51.100.1 }\nrule a -> b tcp/443\n"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	if (buf) {
		len = fread(buf, 1, (1 << 20) - 1, f);
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

static void test_doc_is_the_table(void)
{
	char *doc = slurp("docs/policy.md"), *table = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&table, &len);

	TS_CHECK(doc && m, "cannot read docs/policy.md (run from the repository root)");
	if (!doc || !m) {
		free(doc);
		return;
	}
	ts_settings_doc_table(m);
	fclose(m);
	TS_CHECK(strstr(doc, table), "docs/policy.md does not hold the settings table as "
		 "ts_settings_doc_table() renders it:\n%s", table);
	free(doc);
	free(table);
}

static uint32_t field_of(const struct ts_compiled_settings *v, const struct ts_setting_def *d)
{
	return *(const uint32_t *)((const char *)v + d->field);
}

/* `name value` alone in settings, parsed (the capacity check, which needs
 * the whole policy, is not the parser's bound): accepted and the value
 * read back, or refused. */
static bool parse_one(const char *name, const char *value, const struct ts_setting_def *d,
		      uint32_t *got)
{
	struct ts_diags diags = { 0 };
	struct ts_policy *p = NULL;
	char text[512];
	bool ok;

	snprintf(text, sizeof(text), "settings {\n %s %s\n}\n" RULES, name, value);
	ok = !ts_policy_parse("t.policy", text, strlen(text), &ts_policy_file_reader, &p, &diags) &&
	     !ts_diags_has_errors(&diags);
	if (ok && d)
		*got = field_of(&p->settings.v, d);
	ts_policy_free(p);
	ts_diags_free(&diags);
	return ok;
}

static void test_bounds_and_defaults(void)
{
	struct ts_diags diags = { 0 };
	struct ts_compiled *c = NULL;

	TS_CHECK(!tp_build(RULES, NULL, &diags, &c) && c, "the policy without settings builds");
	for (int k = 0; c && k < TS_SET_MAX; k++) {
		const struct ts_setting_def *d = ts_setting_def(k);
		char v[32];
		uint32_t got = 0;

		if (d->type != TS_SETTING_DURATION && d->type != TS_SETTING_COUNT)
			continue;
		if (d->sized_from) {
			/* sized by the formula, which the table's default caps */
			struct ts_compiled_settings want = c->settings;
			bool none[TS_SET_MAX] = { false };
			struct ts_table_need need;
			struct ts_meminfo mem;

			if (ts_meminfo_read(NULL, &mem))
				mem.total = 0;
			ts_table_need_of(c, &need);
			ts_table_sizes_auto(&want, none, &need, mem.total);
			TS_CHECK(field_of(&c->settings, d) == field_of(&want, d) &&
				 field_of(&c->settings, d) <= d->def, "%s: default %u, the formula says %u "
				 "(at most %u)", d->name, field_of(&c->settings, d), field_of(&want, d), d->def);
		} else {
			TS_CHECK(field_of(&c->settings, d) == d->def, "%s: default %u, the table says %u",
				 d->name, field_of(&c->settings, d), d->def);
		}
		/* ttl-floor <= ttl-ceiling (a cross-check, not a bound): the
		 * ceiling's minimum is under the floor's default, the floor's
		 * maximum over the ceiling's */
		snprintf(v, sizeof(v), d->type == TS_SETTING_DURATION ? "%us" : "%u", d->min);
		TS_CHECK(k == TS_SET_TTL_CEILING || (parse_one(d->name, v, d, &got) && got == d->min),
			 "%s %s: not stored exactly (%u)", d->name, v, got);
		if (d->min) {
			snprintf(v, sizeof(v), d->type == TS_SETTING_DURATION ? "%us" : "%u", d->min - 1);
			TS_CHECK(!parse_one(d->name, v, NULL, &got), "%s %s: below the bound, accepted",
				 d->name, v);
		}
		snprintf(v, sizeof(v), d->type == TS_SETTING_DURATION ? "%us" : "%u", d->max);
		TS_CHECK(k == TS_SET_TTL_FLOOR || (parse_one(d->name, v, d, &got) && got == d->max),
			 "%s %s: not stored exactly (%u)", d->name, v, got);
		snprintf(v, sizeof(v), d->type == TS_SETTING_DURATION ? "%llus" : "%llu",
			 (unsigned long long)d->max + 1);
		TS_CHECK(!parse_one(d->name, v, NULL, &got), "%s %s: above the bound, accepted", d->name, v);
	}
	ts_compiled_free(c);
	ts_diags_free(&diags);
}

int main(void)
{
	ts_run("settings_doc_is_the_table", test_doc_is_the_table);
	ts_run("settings_bounds_and_defaults", test_bounds_and_defaults);
	return ts_done();
}
