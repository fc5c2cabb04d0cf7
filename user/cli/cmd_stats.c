// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_stats.c - `turnstile stats`: per-rule and per-reason counters as a
 * table, JSON or Prometheus text. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
#include "loader/json.h"
#include "loader/prom.h"

enum fmt { FMT_TEXT, FMT_JSON, FMT_PROM };

struct snapshot {
	struct ts_dp_rule_stat *rules;
	size_t nrules;
	struct ts_dp_reason_stat reasons[TS_R_MAX];
};

static void usage(FILE *out)
{
	fprintf(out, "usage: turnstile stats [--json | --prometheus] [--watch [SECONDS]]\n\n"
		"Per-rule counters (packets, bytes, connections opened) with each rule's\n"
		"label and text, and per-reason packet counters.\n"
		"  -j, --json          one JSON document\n"
		"  -p, --prometheus    Prometheus text exposition format\n"
		"  -w, --watch [SECS]  repeat every SECS (default 1) until interrupted\n");
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

static void print_prom(const struct snapshot *s)
{
	ts_prom_counters(stdout, s->rules, s->nrules, s->reasons);
}

static int take(struct ts_dp *dp, struct snapshot *s)
{
	int err = ts_dp_rule_stats(dp, &s->rules, &s->nrules);

	return err ? err : ts_dp_reason_stats(dp, s->reasons);
}

int ts_cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum fmt fmt = FMT_TEXT;
	int watch = 0, c, rc;
	struct ts_loader_state st;
	struct ts_dp *dp;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jpw::h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': fmt = FMT_JSON; break;
		case 'p': fmt = FMT_PROM; break;
		case 'w': watch = optarg ? atoi(optarg) : 1; if (watch < 1) watch = 1; break;
		case 'h': usage(stdout); return TS_EXIT_OK;
		default: usage(stderr); return TS_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return TS_EXIT_USAGE;
	}
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
		if (watch && fmt == FMT_TEXT)
			printf("\033[H\033[2J");
		if (fmt == FMT_JSON)
			print_json(&s);
		else if (fmt == FMT_PROM)
			print_prom(&s);
		else
			print_text(&s);
		fflush(stdout);
		free(s.rules);
		if (watch)
			sleep((unsigned int)watch);
	} while (watch);
	ts_dp_close(dp);
	return rc;
}
