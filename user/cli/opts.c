// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* opts.c - the option table parser of every command (see opts.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/log.h"
#include "opts.h"

static const struct ts_opt help_opt = {
	"help", 'h', TS_OPT_FLAG, NULL, "print this help and exit", -1,
};

/* The option of a long name (len bytes of `name`) or of a letter. */
static const struct ts_opt *find(const struct ts_cmd_syntax *syn, const char *name, size_t len,
				 char letter)
{
	for (int t = 0; t < 3 && syn->opts[t]; t++)
		for (const struct ts_opt *o = syn->opts[t]; o->name; o++)
			if (name ? strlen(o->name) == len && !strncmp(o->name, name, len)
				 : o->letter && o->letter == letter)
				return o;
	if (name ? len == 4 && !strncmp(name, "help", 4) : letter == 'h')
		return &help_opt;
	return NULL;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int usage_error(const struct ts_cmd_syntax *syn)
{
	fprintf(stderr, "usage: turnstile %s%s%s%s\n`turnstile %s --help` lists its options.\n",
		syn->name, syn->opts[0] ? " [OPTIONS]" : "", syn->operands ? " " : "",
		syn->operands ? syn->operands : "", syn->name);
	return TS_EXIT_USAGE;
}

/* Hands one option to the callback; *used: the next argument was its value. */
static int take(const struct ts_cmd_syntax *syn, const struct ts_opt *o, const char *shown,
		const char *attached, const char *next, bool *used, ts_opt_fn fn, void *ctx)
{
	const char *value = attached;

	*used = false;
	if (o == &help_opt) {
		ts_opts_help(stdout, syn);
		return TS_EXIT_OK;
	}
	if (o->value == TS_OPT_FLAG && attached) {
		ts_err("%s %s: takes no value", syn->name, shown);
		return usage_error(syn);
	}
	if (!value && next && (o->value == TS_OPT_VALUE || (o->value == TS_OPT_MAYBE && is_number(next)))) {
		value = next;
		*used = true;
	}
	if (!value && o->value == TS_OPT_VALUE) {
		ts_err("%s %s: needs a value (%s)", syn->name, shown, o->metavar ? o->metavar : "VALUE");
		return usage_error(syn);
	}
	return fn(ctx, o->id, value);
}

int ts_opts_parse(const struct ts_cmd_syntax *syn, int argc, char **argv, ts_opt_fn fn, void *ctx,
		  int *noperands)
{
	int nops = 0, rc;
	bool only_operands = false;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		const struct ts_opt *o;
		bool used;

		if (only_operands || a[0] != '-' || !a[1]) {
			argv[1 + nops++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_operands = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = find(syn, a + 2, len, 0);
			if (!o) {
				ts_err("%s: unknown option '%.*s'", syn->name, (int)(len + 2), a);
				return usage_error(syn);
			}
			rc = take(syn, o, a, eq ? eq + 1 : NULL, next, &used, fn, ctx);
			if (o == &help_opt || rc)
				return rc;
			i += used;
			continue;
		}
		/* letters: flags together, the last one may take a value */
		for (char *l = a + 1; *l; l++) {
			char shown[3] = { '-', *l, 0 };

			o = find(syn, NULL, 0, *l);
			if (!o) {
				ts_err("%s: unknown option '-%c'", syn->name, *l);
				return usage_error(syn);
			}
			if (o->value != TS_OPT_FLAG && l[1]) {
				rc = take(syn, o, shown, l + 1, NULL, &used, fn, ctx);
				if (rc)
					return rc;
				break;
			}
			rc = take(syn, o, shown, NULL, l[1] ? NULL : next, &used, fn, ctx);
			if (o == &help_opt || rc)
				return rc;
			i += used;
		}
	}
	if (nops < syn->min_operands || nops > syn->max_operands) {
		if (nops > syn->max_operands)
			ts_err("%s: unexpected argument '%s'", syn->name, argv[1 + syn->max_operands]);
		else
			ts_err("%s: missing %s", syn->name, syn->operands ? syn->operands : "arguments");
		return usage_error(syn);
	}
	*noperands = nops;
	return -1;
}

static void help_line(FILE *out, const struct ts_opt *o)
{
	char left[64];
	int n = 0;

	n += snprintf(left + n, sizeof(left) - n, o->letter ? "-%c, " : "    ", o->letter);
	n += snprintf(left + n, sizeof(left) - n, "--%s", o->name);
	if (o->value == TS_OPT_VALUE)
		snprintf(left + n, sizeof(left) - n, " %s", o->metavar);
	else if (o->value == TS_OPT_MAYBE)
		snprintf(left + n, sizeof(left) - n, " [%s]", o->metavar);
	fprintf(out, "  %-26s %s\n", left, o->help);
}

void ts_opts_help(FILE *out, const struct ts_cmd_syntax *syn)
{
	fprintf(out, "usage: turnstile %s%s%s%s\n\n%s\n", syn->name, syn->opts[0] ? " [OPTIONS]" : "",
		syn->operands ? " " : "", syn->operands ? syn->operands : "", syn->about);
	fprintf(out, "\noptions:\n");
	for (int t = 0; t < 3 && syn->opts[t]; t++)
		for (const struct ts_opt *o = syn->opts[t]; o->name; o++)
			help_line(out, o);
	help_line(out, &help_opt);
	if (syn->help_more)
		syn->help_more(out);
}

int ts_opts_number(const char *option, const char *value, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = value ? strtol(value, &end, 10) : 0;
	if (!value || errno || end == value || *end || v < min || v > max) {
		ts_err("%s: '%s' is not a whole number from %ld to %ld", option, value ? value : "",
		       min, max);
		return TS_EXIT_USAGE;
	}
	*out = v;
	return 0;
}
