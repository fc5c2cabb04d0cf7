// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_cascade.c - `check` without cascades: a finding an error causes is
 * not reported (a rule with a typo, or one that did not parse, still uses
 * the components it names; a component whose members had errors is not
 * "empty"), every lint runs on the parts that parsed even when there are
 * errors, and redundant-rule names the rules that cover it.
 */
#include <string.h>

#include "policy_test.h"

#define WEB "component web { 192.0.2.0/25 }\n"
#define DB "component db { 198.51.100.0/24 }\n"

static size_t count(const struct ts_diags *d, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += !strcmp(d->v[i].code, code);
	return n;
}

/* Builds text; the test fails unless it has exactly `errors` errors and no
 * finding with code `absent`. */
static void expect_no(const char *text, size_t errors, const char *absent)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;

	tp_build(text, NULL, &d, &c);
	TS_CHECK(d.nerrors == errors && !count(&d, absent), "want %zu errors and no [%s]:", errors,
		 absent);
	if (ts_failed())
		tp_print(&d);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_typo_uses_both_sides(void)
{
	/* the typo meant db; web is named correctly: neither is unused */
	expect_no(WEB DB "rule \"R1\": web -> dbb tcp/443\n", 1, "unused-component");
}

static void test_unknown_without_hint(void)
{
	/* 'zzzzzz' could have meant any component: none is called unused */
	expect_no(WEB DB "component lab { 203.0.113.0/24 }\nrule web -> zzzzzz tcp/443\n", 1,
		  "unused-component");
}

static void test_broken_rule_uses_components(void)
{
	/* the rule did not parse (bad port): its components are still used */
	expect_no(WEB DB "rule \"R1\": web -> db tcp/99999\n", 1, "unused-component");
}

static void test_broken_component_not_empty(void)
{
	/* its only member was wrong: an error, not also an empty component */
	expect_no("component a { 10.0.0.1/8 }\n" WEB "rule web -> a tcp/443\n", 1, "empty-component");
}

static void test_lints_run_with_errors(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;

	/* an error, and lints of every stage on the parts that parsed */
	tp_build(WEB DB "component lab { 198.51.100.0/26\n 198.51.100.0/26 }\n"
		 "rule web -> dbb tcp/443\nrule web -> db tcp/443\nrule lab -> db tcp/443\n"
		 "rule web -> db tcp/443\n", NULL, &d, &c);
	TS_CHECK(d.nerrors == 1 && !c, "one error, nothing to apply");
	TS_CHECK(count(&d, "overlapping-cidr") >= 1, "overlapping-cidr (compiler) missing");
	TS_CHECK(count(&d, "duplicate-rule") == 1, "duplicate-rule (linter) missing");
	TS_CHECK(count(&d, "redundant-member") + count(&d, "duplicate-member") >= 1,
		 "the member listed twice is not reported");
	if (ts_failed())
		tp_print(&d);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_redundant_names_cover(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	const struct ts_diag *f;

	tp_build(WEB DB "rule \"A\": web -> db tcp/443\nrule \"B\": web -> db tcp/8443\n"
		 "rule \"C\": db <- web tcp/443,8443\n", NULL, &d, &c);
	f = tp_find(&d, "redundant-rule", 5, 1);
	TS_CHECK(f && strstr(f->msg, "rule \"A\" (t.policy:3:1)") && strstr(f->msg, "rule \"B\" (t.policy:4:1)"),
		 "redundant-rule does not name both covering rules: %s", f ? f->msg : "(none)");
	ts_compiled_free(c);
	ts_diags_free(&d);
}

int main(void)
{
	ts_run("check_typo_uses_both_sides", test_typo_uses_both_sides);
	ts_run("check_unknown_without_hint", test_unknown_without_hint);
	ts_run("check_broken_rule_uses_components", test_broken_rule_uses_components);
	ts_run("check_broken_component_not_empty", test_broken_component_not_empty);
	ts_run("check_lints_run_with_errors", test_lints_run_with_errors);
	ts_run("check_redundant_names_cover", test_redundant_names_cover);
	return ts_done();
}
