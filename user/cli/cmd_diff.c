// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_diff.c - `turnstile diff POLICY`: what a reload with POLICY would
 * change against the policy as installed (its recorded digest): components,
 * members, rules and settings added (+) and removed (-). A dry run: POLICY
 * is only compiled; nothing is written.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "installed.h"
#include "loader/json.h"
#include "policy/policy.h"

static const struct ts_cmd_syntax syntax = {
	.name = "diff",
	.operands = "POLICY",
	.about = "What a reload with POLICY would change, against the policy as installed:\n"
		 "components, members (addresses, CIDRs, names as written), rules (each\n"
		 "direction, with its label) and settings, added (+) or removed (-).\n"
		 "POLICY is only compiled (its errors are printed as by `check`, exit 3);\n"
		 "nothing is written.",
	.opts = { ts_cli_json_opt },
	.min_operands = 1,
	.max_operands = 1,
};

struct out {
	struct ts_json *j;
	char sign;
	size_t n;
};

static void emit(const char *line, void *ctx)
{
	struct out *o = ctx;

	o->n++;
	if (o->j)
		ts_json_str(o->j, NULL, line);
	else
		printf("%c %s\n", o->sign, line);
}

int ts_cmd_diff(int argc, char **argv)
{
	struct ts_installed in;
	struct ts_compiled *c = NULL;
	struct ts_diags d = { 0 };
	struct ts_digest next;
	struct ts_json j;
	struct out o = { 0 };
	bool json = false;
	size_t changes;
	int rc, err, nops;

	rc = ts_cli_parse_simple(&syntax, argc, argv, &json, &nops);
	if (rc >= 0)
		return rc;
	err = ts_policy_build_file(argv[1], &d, &c);
	ts_diags_print(stderr, &d);
	ts_diags_free(&d);
	if (err)
		return err == -EINVAL || err == -ENOMEM ? TS_EXIT_POLICY : TS_EXIT_NO_POLICY;
	rc = ts_installed_open(&in);
	if (rc) {
		ts_compiled_free(c);
		return rc;
	}
	err = ts_digest_of(c, &next);
	ts_compiled_free(c);
	if (err) {
		ts_installed_close(&in);
		return TS_EXIT_FAILURE;
	}
	if (json) {
		o.j = &j;
		ts_json_init(&j, stdout);
		ts_json_obj_open(&j, NULL);
		ts_json_str(&j, "installed", in.digest.path);
		ts_json_u64(&j, "generation", in.digest.generation);
		ts_json_str(&j, "policy", argv[1]);
		ts_json_arr_open(&j, "removed");
	}
	o.sign = '-';
	ts_digest_minus(&in.digest, &next, emit, &o);
	changes = o.n;
	if (json) {
		ts_json_arr_close(&j);
		ts_json_arr_open(&j, "added");
	}
	o.sign = '+';
	o.n = 0;
	ts_digest_minus(&next, &in.digest, emit, &o);
	changes += o.n;
	if (json) {
		ts_json_arr_close(&j);
		ts_json_u64(&j, "changes", changes);
		ts_json_obj_close(&j);
		ts_json_end(&j);
	} else if (!changes) {
		printf("no change: %s is what is installed (generation %llu)\n", argv[1],
		       (unsigned long long)in.digest.generation);
	}
	ts_digest_free(&next);
	ts_installed_close(&in);
	return TS_EXIT_OK;
}
