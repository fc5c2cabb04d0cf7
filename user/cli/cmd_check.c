// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_check.c - `turnstile check POLICY [--json]`: parse, lint and compile
 * a policy without root. Findings go to stderr as FILE:LINE:COL (or, with
 * --json, into one JSON document on stdout with the summary).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "loader/json.h"
#include "policy/policy.h"
#include "policy/settings_table.h"

struct check_summary {
	size_t stmts, wildcards;
};

static void settings_help(FILE *out)
{
	fprintf(out, "\npolicy settings (settings { KEY VALUE }):\n");
	ts_settings_help(out);
}

static const struct ts_cmd_syntax syntax = {
	.name = "check",
	.operands = "POLICY",
	.about = "Parses, lints and compiles POLICY; no root needed. Prints findings as\n"
		 "FILE:LINE:COL: error|warning|note: message [code] (--json: one JSON\n"
		 "document with the findings and a summary).\n"
		 "exit: 0 no errors (warnings allowed), 3 policy has errors, 1 cannot read, 2 usage",
	.opts = { ts_cli_json_opt },
	.min_operands = 1,
	.max_operands = 1,
	.help_more = settings_help,
};

static struct check_summary summarize(const struct ts_compiled *c)
{
	struct check_summary s = { 0 };

	for (size_t id = 1; id <= c->nrule_ids; id++)
		s.stmts += id == 1 || c->rule_info[id].stmt != c->rule_info[id - 1].stmt;
	for (size_t i = 0; i < c->nnames; i++)
		s.wildcards += c->names[i].wildcard;
	return s;
}

static void print_text_summary(const char *path, const struct ts_diags *d,
			       const struct ts_compiled *c)
{
	if (c) {
		struct check_summary s = summarize(c);

		printf("%s: ok: %zu components, %zu rules (%zu directed), %zu names (%zu wildcard), "
		       "%zu hosts, %zu prefixes, %zu sets, %zu rule entries, %u port classes; "
		       "%zu errors, %zu warnings, %zu notes\n",
		       path, c->ncomps, s.stmts, c->nrule_ids, c->nnames, s.wildcards, c->nhosts,
		       c->nprefixes, c->nsets, c->nrules_entries, c->nport_classes - 1,
		       d->nerrors, d->nwarnings, d->nnotes);
	} else {
		printf("%s: %zu errors, %zu warnings, %zu notes: nothing to apply\n",
		       path, d->nerrors + (d->oom ? 1 : 0), d->nwarnings, d->nnotes);
	}
}

static int print_json(const char *path, const struct ts_diags *d, const struct ts_compiled *c)
{
	struct ts_json j;

	ts_json_init(&j, stdout);
	ts_json_obj_open(&j, NULL);
	ts_json_str(&j, "policy", path);
	ts_json_bool(&j, "ok", c != NULL);
	ts_json_u64(&j, "errors", d->nerrors + (d->oom ? 1 : 0));
	ts_json_u64(&j, "warnings", d->nwarnings);
	ts_json_u64(&j, "notes", d->nnotes);
	ts_json_arr_open(&j, "findings");
	for (size_t i = 0; i < d->n; i++) {
		const struct ts_diag *g = &d->v[i];

		ts_json_obj_open(&j, NULL);
		ts_json_str(&j, "severity", ts_severity_name(g->sev));
		ts_json_str(&j, "file", g->loc.file);
		ts_json_u64(&j, "line", g->loc.line);
		ts_json_u64(&j, "col", g->loc.col);
		ts_json_str(&j, "code", g->code);
		ts_json_str(&j, "message", g->msg);
		ts_json_obj_close(&j);
	}
	ts_json_arr_close(&j);
	ts_json_obj_open(&j, "summary");
	ts_json_u64(&j, "errors", d->nerrors + (d->oom ? 1 : 0));
	ts_json_u64(&j, "warnings", d->nwarnings);
	ts_json_u64(&j, "notes", d->nnotes);
	ts_json_bool(&j, "compiled", c != NULL);
	if (c) {
		struct check_summary s = summarize(c);

		ts_json_u64(&j, "components", c->ncomps);
		ts_json_u64(&j, "rules", s.stmts);
		ts_json_u64(&j, "directed_rules", c->nrule_ids);
		ts_json_u64(&j, "names", c->nnames);
		ts_json_u64(&j, "wildcards", s.wildcards);
		ts_json_u64(&j, "hosts", c->nhosts);
		ts_json_u64(&j, "prefixes", c->nprefixes);
		ts_json_u64(&j, "sets", c->nsets);
		ts_json_u64(&j, "rule_entries", c->nrules_entries);
		ts_json_u64(&j, "port_classes", c->nport_classes - 1);
	}
	ts_json_obj_close(&j);
	ts_json_obj_close(&j);
	return ts_json_end(&j);
}

int ts_cmd_check(int argc, char **argv)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	bool json = false, unreadable;
	const char *path;
	int err, rc, nops;

	rc = ts_cli_parse_simple(&syntax, argc, argv, &json, &nops);
	if (rc >= 0)
		return rc;
	path = argv[1];
	err = ts_policy_build_file(path, &d, &c);
	unreadable = err && err != -EINVAL && err != -ENOMEM;
	if (json) {
		rc = print_json(path, &d, c);
	} else {
		ts_diags_print(stderr, &d);
		if (!unreadable)   /* its one finding says it all */
			print_text_summary(path, &d, c);
		rc = 0;
	}
	rc = rc ? TS_EXIT_FAILURE : c ? TS_EXIT_OK : unreadable ? TS_EXIT_NO_POLICY : TS_EXIT_POLICY;
	ts_compiled_free(c);
	ts_diags_free(&d);
	return rc;
}
