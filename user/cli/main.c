// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* main.c - `turnstile COMMAND ...`: dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common/log.h"
#include "common/version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "check",   ts_cmd_check,   "parse and lint a policy (no root needed)" },
	{ "up",      ts_cmd_up,      "load, attach and install a policy, then exit" },
	{ "run",     ts_cmd_run,     "`up`, then keep names fresh and reload on SIGHUP" },
	{ "reload",  ts_cmd_reload,  "make the daemon reload its policy; --wait for the verdict" },
	{ "down",    ts_cmd_down,    "detach and unpin turnstile's own objects" },
	{ "status",  ts_cmd_status,  "interfaces, policy, names and table fill" },
	{ "stats",   ts_cmd_stats,   "per-rule and per-reason counters" },
	{ "flows",   ts_cmd_flows,   "tracked connections" },
	{ "monitor", ts_cmd_monitor, "live drop and audit events" },
	{ "explain", ts_cmd_explain, "why a connection is allowed or refused" },
	{ "show",    ts_cmd_show,    "the policy as installed, with resolved addresses" },
	{ "diff",    ts_cmd_diff,    "what a reload with a policy file would change" },
	{ "fleet",   ts_cmd_fleet,   "`fleet status`: each gateway of an etcd fleet" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: turnstile COMMAND [ARGS...] | --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`turnstile COMMAND --help` shows a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return TS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("turnstile %s\n", ts_version());
		return TS_EXIT_OK;
	}
	ts_log_route_libbpf();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		return commands[i].fn(argc - 1, argv + 1);
	}
	ts_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return TS_EXIT_USAGE;
}
