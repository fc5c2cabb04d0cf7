// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_down.c - `turnstile down`: detach and unpin turnstile's own objects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"

static const struct ts_opt down_opts[] = {
	{ "lock-wait", 'w', TS_OPT_VALUE, "SECS", "wait this long for another turnstile's lock (default 10)", 'w' },
	{ 0 },
};

static const struct ts_cmd_syntax syntax = {
	.name = "down",
	.about = "Detaches turnstile's XDP links and tc filters and unpins its maps.\n"
		 "Other programs are never touched. Running it twice is fine.\n"
		 "A running `turnstile run` holds the lock: stop it first.",
	.opts = { down_opts },
};

static int down_option(void *ctx, int id, const char *val)
{
	return ts_cli_seconds_ms("--lock-wait", val, ctx) ? TS_EXIT_USAGE : 0;
}

int ts_cmd_down(int argc, char **argv)
{
	int wait_ms = TS_LOCK_TIMEOUT_DEFAULT_MS, err, nops;
	enum ts_preflight pf;
	bool was_up;

	err = ts_opts_parse(&syntax, argc, argv, down_option, &wait_ms, &nops);
	if (err >= 0)
		return err;
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
