// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_run.c - `turnstile run`: `up`, then the daemon loop in the foreground. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "fleet/fleet.h"
#include "loader/daemon.h"
#include "loader/fleet_glue.h"

int ts_cmd_run(int argc, char **argv)
{
	struct ts_cli_up_args a;
	struct ts_fleet_config fleet;
	struct ts_session s;
	struct ts_up_result r;
	char fleet_policy[TS_STATE_PATH_LEN + 32];
	int64_t fleet_revision = 0;
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
	if (a.fleet.fleet) {
		ts_cli_fleet_config(&a.fleet, &fleet);
		if (ts_fleet_bootstrap(&fleet, a.opts.state_dir ? a.opts.state_dir : TS_STATE_DIR_DEFAULT,
				       fleet_policy, sizeof(fleet_policy), &fleet_revision))
			return TS_EXIT_NO_POLICY;
		a.opts.policy_path = fleet_policy;
		a.opts.fleet_policy = true;
	}
	a.opts.daemon_pid = getpid();
	if (ts_session_up(&s, &a.opts, &r))
		return ts_cli_exit_up(&r);
	ts_info("up: generation %llu%s", (unsigned long long)r.generation,
		r.adopted ? " (adopted pinned state: flows and counters kept)" : "");
	if (a.fleet.fleet) {
		snprintf(s.state.fleet, sizeof(s.state.fleet), "%s", a.fleet.fleet);
		snprintf(s.state.fleet_gateway, sizeof(s.state.fleet_gateway), "%s", a.fleet.gateway);
		s.state.fleet_revision = fleet_revision;
		s.state.fleet_connected = false; /* until the fleet's reader says so */
		s.state.fleet_connected_unix = time(NULL);
		ts_state_save(s.pin_dir, &s.state);
	}
	err = ts_daemon_run(&s, a.fleet.fleet ? &fleet : NULL);
	s.state.daemon_pid = 0;
	ts_state_save(s.pin_dir, &s.state);
	ts_session_close(&s);
	return err ? TS_EXIT_FAILURE : TS_EXIT_OK;
}
