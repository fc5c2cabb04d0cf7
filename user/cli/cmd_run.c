// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_run.c - `turnstile run`: `up`, then the daemon loop in the foreground. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "loader/daemon.h"

int ts_cmd_run(int argc, char **argv)
{
	struct ts_cli_up_args a;
	struct ts_session s;
	struct ts_up_result r;
	int rc = ts_cli_parse_up(argc, argv, &a, true), err;

	if (rc >= 0)
		return rc;
	/* Before anything else: a SIGHUP during `up` must not kill us. */
	err = ts_daemon_block_signals();
	if (err) {
		ts_err("blocking signals: %s", strerror(-err));
		return TS_EXIT_FAILURE;
	}
	/* A daemon's log is its journal: say what it does. */
	if (ts_log_get_level() < TS_LOG_INFO)
		ts_log_set_level(TS_LOG_INFO);
	a.opts.daemon_pid = getpid();
	if (ts_session_up(&s, &a.opts, &r))
		return ts_cli_exit_up(&r);
	ts_info("up: generation %llu%s", (unsigned long long)r.generation,
		r.adopted ? " (adopted pinned state: flows and counters kept)" : "");
	err = ts_daemon_run(&s);
	s.state.daemon_pid = 0;
	ts_state_save(s.pin_dir, &s.state);
	ts_session_close(&s);
	return err ? TS_EXIT_FAILURE : TS_EXIT_OK;
}
