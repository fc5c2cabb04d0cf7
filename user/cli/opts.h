/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * opts.h - the one option parser of every command: a command describes
 * its options in a table (name, letter, value, help line) and gets each
 * option it was given through one callback; `--help` and the usage text
 * are made from the same table.
 *
 * Accepted spellings: `--name`, `--name=VALUE`, `--name VALUE`, `-x`,
 * `-xVALUE`, `-x VALUE`, letters of flags together (`-jw 2`); options and
 * operands in any order; `--` ends the options. An optional value
 * (TS_OPT_MAYBE) is taken from the next argument only when that argument
 * is a whole number (`--watch 2`, `--watch`).
 */
#ifndef TS_CLI_OPTS_H
#define TS_CLI_OPTS_H

#include <stdio.h>

enum ts_opt_value {
	TS_OPT_FLAG,   /* no value */
	TS_OPT_VALUE,  /* a value is required */
	TS_OPT_MAYBE,  /* a number may follow */
};

struct ts_opt {
	const char *name;         /* long name without "--"; NULL ends a table */
	char letter;              /* short letter, 0 = none */
	enum ts_opt_value value;
	const char *metavar;      /* what the value is, for the help: "SECS" */
	const char *help;         /* one line */
	int id;                   /* handed to the callback */
};

struct ts_cmd_syntax {
	const char *name;         /* "stats" */
	const char *operands;     /* "POLICY", "SRC DST [tcp/PORT]", or NULL */
	const char *about;        /* what the command does (--help) */
	const struct ts_opt *opts[3]; /* up to three tables (shared ones), NULL-ended */
	int min_operands, max_operands;
	void (*help_more)(FILE *out); /* printed after the options, or NULL */
};

/* Called once per option given, in order; value is NULL for a flag (or a
 * TS_OPT_MAYBE without value). Returns 0, or an exit code after logging
 * why the value is wrong. */
typedef int (*ts_opt_fn)(void *ctx, int id, const char *value);

/*
 * Parses argv[1..argc-1] (argv[0] is the command name). On success returns
 * -1 with the operands, in order, moved to the front of argv + 1 and
 * their count in *noperands. `--help`/`-h` prints the help on stdout and
 * returns 0; a usage error prints why and the usage line on stderr and
 * returns TS_EXIT_USAGE; a callback's nonzero result is returned as is.
 */
int ts_opts_parse(const struct ts_cmd_syntax *syn, int argc, char **argv, ts_opt_fn fn, void *ctx,
		  int *noperands);

/* The help made from the table. */
void ts_opts_help(FILE *out, const struct ts_cmd_syntax *syn);

/* A whole number in [min, max] for OPTION, or a logged error and TS_EXIT_USAGE. */
int ts_opts_number(const char *option, const char *value, long min, long max, long *out);

#endif /* TS_CLI_OPTS_H */
