// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_down.c - `turnstile down`: detach and unpin turnstile's own objects. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: turnstile down [--lock-wait SECONDS]\n\n"
		"Detaches turnstile's XDP links and tc filters and unpins its maps.\n"
		"Other programs are never touched. Running it twice is fine.\n"
		"A running `turnstile run` holds the lock: stop it first.\n");
}

int ts_cmd_down(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lock-wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int wait_ms = TS_LOCK_TIMEOUT_DEFAULT_MS, c, err;
	enum ts_preflight pf;
	bool was_up;

	optind = 1;
	while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
		if (c == 'w') {
			if (ts_cli_seconds_ms("--lock-wait", optarg, &wait_ms))
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
	if (pf == TS_PF_NO_BPFFS) {
		printf("turnstile is not up (no bpffs)\n");
		return TS_EXIT_OK;
	}
	if (pf != TS_PF_OK)
		return ts_cli_exit_preflight(pf);
	err = ts_down(TS_PIN_DIR, wait_ms, &was_up);
	if (err == -EWOULDBLOCK)
		return TS_EXIT_LOCKED;
	if (err)
		return TS_EXIT_FAILURE;
	printf(was_up ? "turnstile down: detached and unpinned\n" : "turnstile is not up\n");
	return TS_EXIT_OK;
}
