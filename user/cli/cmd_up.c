// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_up.c - `turnstile up`: attach, install, resolve names once, exit. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "loader/names_glue.h"

#define UP_RESOLVE_TIMEOUT_MS 5000

int ts_cmd_up(int argc, char **argv)
{
	struct ts_cli_up_args a;
	struct ts_session s;
	struct ts_up_result r;
	struct ts_names_glue names;
	int rc = ts_cli_parse_up(argc, argv, &a, false);

	if (rc >= 0)
		return rc;
	if (ts_session_up(&s, &a.opts, &r))
		return ts_cli_exit_up(&r);
	if (!ts_names_glue_open(&names, &s)) {
		ts_names_glue_resolve_once(&names, UP_RESOLVE_TIMEOUT_MS);
		ts_names_glue_close(&names);
	}
	printf("turnstile up: policy %s generation %llu%s%s\n", s.state.policy,
	       (unsigned long long)r.generation, r.adopted ? " (adopted pinned state)" : "",
	       s.state.audit ? " [audit]" : "");
	ts_session_close(&s);
	return TS_EXIT_OK;
}
