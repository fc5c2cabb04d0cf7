/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* commands.h - the CLI's subcommands and exit codes. Each ts_cmd_* lives in
 * its own user/cli/cmd_*.c and gets argv with argv[0] = the command name. */
#ifndef TS_COMMANDS_H
#define TS_COMMANDS_H

/* Exit codes are part of the interface: scripts and systemd key on them. */
enum ts_exit {
	TS_EXIT_OK          = 0,
	TS_EXIT_FAILURE     = 1,  /* anything not listed below */
	TS_EXIT_USAGE       = 2,  /* bad command line */
	TS_EXIT_POLICY      = 3,  /* policy invalid (errors printed as file:line:col) */
	TS_EXIT_NOT_ROOT    = 4,
	TS_EXIT_NO_BPFFS    = 5,  /* bpffs not mounted and cannot be mounted */
	TS_EXIT_NO_BTF      = 6,  /* kernel has no BTF */
	TS_EXIT_NO_JIT      = 7,  /* BPF JIT disabled */
	TS_EXIT_NO_IFACE    = 8,  /* interface missing */
	TS_EXIT_XDP_MODE    = 9,  /* native XDP asked for but unsupported */
	TS_EXIT_FOREIGN_XDP = 10, /* interface carries someone else's XDP program */
	TS_EXIT_LOCKED      = 11, /* another turnstile holds the pin-dir lock */
	TS_EXIT_NOT_LOADED  = 12, /* nothing pinned: turnstile is not up */
	TS_EXIT_NO_POLICY   = 13, /* the policy file cannot be read (missing, unreadable, not a file) */
	TS_EXIT_MEMORY      = 14, /* the maps would not fit the host's memory limits */
};

int ts_cmd_check(int argc, char **argv);
int ts_cmd_up(int argc, char **argv);
int ts_cmd_run(int argc, char **argv);
int ts_cmd_down(int argc, char **argv);
int ts_cmd_status(int argc, char **argv);
int ts_cmd_stats(int argc, char **argv);
int ts_cmd_flows(int argc, char **argv);
int ts_cmd_monitor(int argc, char **argv);
int ts_cmd_explain(int argc, char **argv);
int ts_cmd_show(int argc, char **argv);
int ts_cmd_diff(int argc, char **argv);
int ts_cmd_reload(int argc, char **argv);
int ts_cmd_fleet(int argc, char **argv);

#endif /* TS_COMMANDS_H */
