// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_reload.c - `turnstile reload [--wait]`: SIGHUP to the daemon and,
 * with --wait, its verdict. The daemon counts every reload that ends and
 * records the last one's result and reason in the pinned state (state.h),
 * so a waiting caller (systemd's ExecReload) learns whether the new policy
 * is active, or why the old one stays, and exits accordingly.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "loader/pins.h"

#define RELOAD_WAIT_DEFAULT_S 60
#define RELOAD_POLL_MS 50

static void usage(FILE *out)
{
	fprintf(out, "usage: turnstile reload [--wait] [--timeout SECS]\n\n"
		"Asks the running daemon (`turnstile run`) to reload its policy file.\n\n"
		"  -W, --wait           wait for the daemon's verdict: exit 0 when the new\n"
		"                       policy is active, 3 when the file is invalid (the\n"
		"                       daemon's first error is printed), 1 when installing\n"
		"                       failed or the daemon died or did not answer\n"
		"  -t, --timeout SECS   how long --wait waits (default %d)\n",
		RELOAD_WAIT_DEFAULT_S);
}

static bool alive(pid_t pid)
{
	return pid > 0 && (!kill(pid, 0) || errno == EPERM);
}

static int load_state(struct ts_loader_state *st)
{
	int err = ts_state_load(TS_PIN_DIR, st);

	if (err) {
		ts_err("turnstile is not up (no state record in %s)", TS_PIN_DIR);
		return TS_EXIT_NOT_LOADED;
	}
	return TS_EXIT_OK;
}

/* Polls the state until the daemon has counted a reload past `before`. */
static int wait_verdict(pid_t pid, uint64_t before, int timeout_ms, struct ts_loader_state *st)
{
	struct timespec nap = { 0, RELOAD_POLL_MS * 1000000L };

	for (int waited = 0; ; waited += RELOAD_POLL_MS) {
		int rc = load_state(st);

		if (rc)
			return rc;
		if (st->reloads > before)
			break;
		if (!alive(pid)) {
			ts_err("the daemon (pid %d) exited before answering", (int)pid);
			return TS_EXIT_FAILURE;
		}
		if (waited >= timeout_ms) {
			ts_err("the daemon (pid %d) did not answer within %d s", (int)pid, timeout_ms / 1000);
			return TS_EXIT_FAILURE;
		}
		nanosleep(&nap, NULL);
	}
	switch (st->reload_result) {
	case TS_RELOAD_OK:
		printf("reloaded %s: generation %" PRIu64 " active\n", st->policy, st->generation);
		return TS_EXIT_OK;
	case TS_RELOAD_INVALID:
		ts_err("reload refused: %s", st->reload_error);
		ts_err("the running policy (generation %" PRIu64 ") stays", st->generation);
		return TS_EXIT_POLICY;
	default:
		ts_err("reload failed: %s", st->reload_error);
		ts_err("the running policy (generation %" PRIu64 ") stays", st->generation);
		return TS_EXIT_FAILURE;
	}
}

int ts_cmd_reload(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "wait", no_argument, NULL, 'W' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ts_loader_state st;
	enum ts_preflight pf;
	int timeout_ms = RELOAD_WAIT_DEFAULT_S * 1000, c, rc;
	bool wait = false;
	pid_t pid;

	optind = 1;
	while ((c = getopt_long(argc, argv, "Wt:h", longopts, NULL)) != -1) {
		if (c == 'W') {
			wait = true;
		} else if (c == 't') {
			if (ts_cli_seconds_ms("--timeout", optarg, &timeout_ms))
				return TS_EXIT_USAGE;
		} else if (c == 'h') {
			usage(stdout);
			return TS_EXIT_OK;
		} else {
			usage(stderr);
			return TS_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return TS_EXIT_USAGE;
	}
	pf = ts_preflight_readonly(TS_BPFFS_ROOT);
	if (pf != TS_PF_OK)
		return ts_cli_exit_preflight(pf);
	rc = load_state(&st);
	if (rc)
		return rc;
	pid = st.daemon_pid;
	if (!alive(pid)) {
		ts_err("no daemon runs (`turnstile run`): nothing to reload");
		return TS_EXIT_NOT_LOADED;
	}
	if (kill(pid, SIGHUP)) {
		ts_err("signalling the daemon (pid %d): %s", (int)pid, strerror(errno));
		return TS_EXIT_FAILURE;
	}
	if (!wait) {
		printf("reload of %s requested from the daemon (pid %d)\n", st.policy, (int)pid);
		return TS_EXIT_OK;
	}
	return wait_verdict(pid, st.reloads, timeout_ms, &st);
}
