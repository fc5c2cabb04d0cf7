/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* policy_test.h - helpers for the policy tests: policies from strings. */
#ifndef TS_POLICY_TEST_H
#define TS_POLICY_TEST_H

#include "policy/net.h"
#include "policy/policy.h"
#include "../testlib.h" /* support objects build without -Iselftests */

/* In-memory files for includes; the main text is "t.policy". */
struct tp_file {
	const char *name;
	const char *text;
};

/* parse + lint + compile + capacity, like `turnstile check`. */
int tp_build_as(const char *name, const char *text, const struct tp_file *files,
		struct ts_diags *d, struct ts_compiled **c);
int tp_build(const char *text, const struct tp_file *files, struct ts_diags *d,
	     struct ts_compiled **c);
/* Same, but fails the running test (printing the findings) on any error. */
struct ts_compiled *tp_compile_ok(const char *text, struct ts_diags *d);

/* "Building `text` gives exactly one finding [code] of severity sev at
 * line:col" (line 0xffffffff: anywhere; line 0: no such finding at all).
 * An error must also be the only error, and leave nothing to apply. The
 * text is also file "t.policy" for includes. */
struct tp_case {
	const char *name, *text, *code;
	enum ts_severity sev;
	uint32_t line, col;
};
#define TP_ANYWHERE 0xffffffffu
void tp_expect(const struct tp_case *tc);

/* The finding with code at line:col (col 0 = any column), or NULL. */
const struct ts_diag *tp_find(const struct ts_diags *d, const char *code, uint32_t line,
			      uint32_t col);
void tp_print(const struct ts_diags *d);

struct ts_net tp_net(const char *s);
int tp_comp(const struct ts_compiled *c, const char *name);
/* Does `set` (NULL: none) hold exactly the components named in the NULL-ended list? */
bool tp_compset_is(const struct ts_compiled *c, const struct ts_compset *set,
		   const char *const *names);
/* The same for compiled set `id`. */
bool tp_set_is(const struct ts_compiled *c, uint32_t id, const char *const *names);
/* Rule id of entry (src, dst, cls) among v[0..n), 0 if absent. */
uint32_t tp_entry_in(const struct ts_rule_entry *v, size_t n, uint32_t src, uint32_t dst,
		     uint32_t cls);
/* The same among the compiled entries. */
uint32_t tp_entry(const struct ts_compiled *c, uint32_t src, uint32_t dst, uint32_t cls);
/* The one-component set of `name`, or UINT32_MAX. */
uint32_t tp_single_set(const struct ts_compiled *c, const char *name);

#endif /* TS_POLICY_TEST_H */
