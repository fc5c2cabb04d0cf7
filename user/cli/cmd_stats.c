// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_stats.c - `turnstile stats`: per-rule and per-reason counters as a
 * table, JSON or Prometheus text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
#include "loader/json.h"

enum fmt { FMT_TEXT, FMT_JSON, FMT_PROM };

struct snapshot {
	struct ts_dp_rule_stat *rules;
	size_t nrules;
	struct ts_dp_reason_stat reasons[TS_R_MAX];
};

struct stats_args {
	enum fmt fmt;
	long watch;    /* seconds, 0 = once */
};

static const struct ts_opt stats_opts[] = {
	{ "json", 'j', TS_OPT_FLAG, NULL, "one JSON document (per round with --watch)", 'j' },
	{ "prometheus", 'p', TS_OPT_FLAG, NULL, "Prometheus text exposition format", 'p' },
	{ "watch", 'w', TS_OPT_MAYBE, "SECS", "repeat every SECS (1 to 3600, default 1) until interrupted", 'w' },
	{ 0 },
};

static const struct ts_cmd_syntax syntax = {
	.name = "stats",
	.about = "Per-rule counters (packets, bytes, connections opened) with each rule's\n"
		 "label and text, and per-reason packet counters.",
	.opts = { stats_opts },
};

static int stats_option(void *ctx, int id, const char *val)
{
	struct stats_args *a = ctx;

	switch (id) {
	case 'j': a->fmt = FMT_JSON; return 0;
	case 'p': a->fmt = FMT_PROM; return 0;
	case 'w':
		a->watch = 1;
		return val ? ts_opts_number("--watch", val, 1, 3600, &a->watch) : 0;
	}
	return TS_EXIT_USAGE;
}

static void print_text(const struct snapshot *s)
{
	printf("%-5s %-12s %-44s %12s %14s %10s\n", "id", "label", "rule", "packets", "bytes", "opened");
	for (size_t i = 0; i < s->nrules; i++) {
		const struct ts_dp_rule_stat *r = &s->rules[i];

		printf("%-5u %-12s %-44s %12" PRIu64 " %14" PRIu64 " %10" PRIu64 "%s\n", r->rule_id,
		       r->label, r->text, r->packets, r->bytes, r->opened, r->in_use ? "" : " (retired)");
	}
	printf("\n%-24s %-5s %12s %14s\n", "reason", "", "packets", "bytes");
	for (uint32_t i = 1; i < TS_R_MAX; i++)
		if (s->reasons[i].packets)
			printf("%-24s %-5s %12" PRIu64 " %14" PRIu64 "\n", ts_reason_name(i),
			       ts_reason_is_drop(i) ? "drop" : "pass", s->reasons[i].packets,
			       s->reasons[i].bytes);
}

static void print_json(const struct snapshot *s)
{
	struct ts_json j;

	ts_json_init(&j, stdout);
	ts_json_obj_open(&j, NULL);
	ts_json_arr_open(&j, "rules");
	for (size_t i = 0; i < s->nrules; i++) {
		const struct ts_dp_rule_stat *r = &s->rules[i];

		ts_json_obj_open(&j, NULL);
		ts_json_u64(&j, "id", r->rule_id);
		ts_json_str(&j, "label", r->label);
		ts_json_str(&j, "rule", r->text);
		ts_json_bool(&j, "in_use", r->in_use);
		ts_json_u64(&j, "packets", r->packets);
		ts_json_u64(&j, "bytes", r->bytes);
		ts_json_u64(&j, "opened", r->opened);
		ts_json_obj_close(&j);
	}
	ts_json_arr_close(&j);
	ts_json_arr_open(&j, "reasons");
	for (uint32_t i = 1; i < TS_R_MAX; i++) {
		ts_json_obj_open(&j, NULL);
		ts_json_str(&j, "reason", ts_reason_name(i));
		ts_json_str(&j, "verdict", ts_reason_is_drop(i) ? "drop" : "pass");
		ts_json_u64(&j, "packets", s->reasons[i].packets);
		ts_json_u64(&j, "bytes", s->reasons[i].bytes);
		ts_json_obj_close(&j);
	}
	ts_json_arr_close(&j);
	ts_json_obj_close(&j);
	ts_json_end(&j);
}

/* Prometheus label values escape backslash, double quote and newline. */
static void prom_label(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

static void prom_rule_family(const struct snapshot *s, const char *name, const char *help, int field)
{
	printf("# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < s->nrules; i++) {
		const struct ts_dp_rule_stat *r = &s->rules[i];
		uint64_t v = field == 0 ? r->packets : field == 1 ? r->bytes : r->opened;

		printf("%s{rule_id=\"%u\",label=\"", name, r->rule_id);
		prom_label(r->label);
		printf("\",rule=\"");
		prom_label(r->text);
		printf("\"} %" PRIu64 "\n", v);
	}
}

static void print_prom(const struct snapshot *s)
{
	prom_rule_family(s, "turnstile_rule_packets_total", "Packets of connections a rule allowed, both directions.", 0);
	prom_rule_family(s, "turnstile_rule_bytes_total", "Bytes of connections a rule allowed, both directions.", 1);
	prom_rule_family(s, "turnstile_rule_opened_total", "Connections a rule allowed to open (SYNs passed).", 2);
	for (int f = 0; f < 2; f++) {
		const char *name = f ? "turnstile_reason_bytes_total" : "turnstile_reason_packets_total";

		printf("# HELP %s %s counted under each verdict reason.\n# TYPE %s counter\n", name,
		       f ? "Bytes" : "Packets", name);
		for (uint32_t i = 1; i < TS_R_MAX; i++)
			printf("%s{reason=\"%s\",verdict=\"%s\"} %" PRIu64 "\n", name, ts_reason_name(i),
			       ts_reason_is_drop(i) ? "drop" : "pass",
			       f ? s->reasons[i].bytes : s->reasons[i].packets);
	}
}

static int take(struct ts_dp *dp, struct snapshot *s)
{
	int err = ts_dp_rule_stats(dp, &s->rules, &s->nrules);

	return err ? err : ts_dp_reason_stats(dp, s->reasons);
}

int ts_cmd_stats(int argc, char **argv)
{
	struct stats_args a = { FMT_TEXT, 0 };
	struct ts_loader_state st;
	struct ts_dp *dp;
	/* a terminal gets the screen redrawn; a pipe or file gets plain rounds */
	bool redraw = isatty(STDOUT_FILENO);
	int rc, nops;

	rc = ts_opts_parse(&syntax, argc, argv, stats_option, &a, &nops);
	if (rc >= 0)
		return rc;
	rc = ts_cli_open_pinned(&dp, &st);
	if (rc)
		return rc;
	do {
		struct snapshot s = { 0 };

		if (take(dp, &s)) {
			rc = TS_EXIT_FAILURE;
			free(s.rules);
			break;
		}
		if (a.watch && a.fmt == FMT_TEXT && redraw)
			printf("\033[H\033[2J");
		if (a.fmt == FMT_JSON)
			print_json(&s);
		else if (a.fmt == FMT_PROM)
			print_prom(&s);
		else
			print_text(&s);
		fflush(stdout);
		free(s.rules);
		if (a.watch) {
			if (!redraw && a.fmt == FMT_TEXT)
				printf("\n");
			fflush(stdout);
			sleep((unsigned int)a.watch);
		}
	} while (a.watch);
	ts_dp_close(dp);
	return rc;
}
