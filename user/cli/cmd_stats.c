// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_stats.c - `turnstile stats`: per-rule and per-reason counters as a
 * table, JSON or Prometheus text. */
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
#include "loader/json.h"
#include "loader/prom.h"
#include "stats_baseline.h"

enum fmt { FMT_TEXT, FMT_JSON, FMT_PROM };

#define snapshot ts_stats_snapshot

/* Per-second rates between two rounds of --watch (NULL in the first). */
struct rates {
	const struct snapshot *prev;
	double secs;
};

static double rate(uint64_t now, uint64_t before, double secs)
{
	return now >= before && secs > 0 ? (double)(now - before) / secs : 0;
}

/* The previous round's entry of rule id, or NULL. */
static const struct ts_dp_rule_stat *prev_rule(const struct rates *r, uint32_t id)
{
	for (size_t i = 0; r->prev && i < r->prev->nrules; i++)
		if (r->prev->rules[i].rule_id == id)
			return &r->prev->rules[i];
	return NULL;
}

struct stats_args {
	enum fmt fmt;
	long watch;    /* seconds, 0 = once */
	bool reset;
};

static const struct ts_opt stats_opts[] = {
	{ "json", 'j', TS_OPT_FLAG, NULL, "one JSON document (per round with --watch)", 'j' },
	{ "prometheus", 'p', TS_OPT_FLAG, NULL, "Prometheus text exposition format", 'p' },
	{ "watch", 'w', TS_OPT_MAYBE, "SECS", "repeat every SECS (1 to 3600, default 1), with per-second rates", 'w' },
	{ "reset", 'r', TS_OPT_FLAG, NULL, "count from now on (the maps and --prometheus stay monotonic)", 'r' },
	{ 0 },
};

static const struct ts_cmd_syntax syntax = {
	.name = "stats",
	.about = "Per-rule counters (packets, bytes, connections opened) with each rule's\n"
		 "label and text, and per-reason packet counters; counted since the last\n"
		 "--reset (--prometheus: since the maps were made, never reset).",
	.opts = { stats_opts },
};

static int stats_option(void *ctx, int id, const char *val)
{
	struct stats_args *a = ctx;

	switch (id) {
	case 'j': a->fmt = FMT_JSON; return 0;
	case 'p': a->fmt = FMT_PROM; return 0;
	case 'r': a->reset = true; return 0;
	case 'w':
		a->watch = 1;
		return val ? ts_opts_number("--watch", val, 1, 3600, &a->watch) : 0;
	}
	return TS_EXIT_USAGE;
}

static const struct ts_dp_iface_stat *prev_iface(const struct rates *rt, uint32_t ifindex)
{
	for (size_t i = 0; rt && rt->prev && i < rt->prev->nifaces; i++)
		if (rt->prev->ifaces[i].ifindex == ifindex)
			return &rt->prev->ifaces[i];
	return NULL;
}

/* "eth0" (its index in the namespace `stats` runs in), "other" for slot 0. */
static void iface_name(uint32_t ifindex, char *buf)
{
	if (!ifindex)
		snprintf(buf, IF_NAMESIZE, "other");
	else if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
}

static void print_ifaces_text(const struct snapshot *s, const struct rates *rt)
{
	printf("\n%-16s %-8s %12s %14s %12s %14s", "interface", "hook", "passed", "bytes", "dropped",
	       "bytes");
	printf(rt ? " %10s\n" : "\n", "pkts/s");
	for (size_t i = 0; i < s->nifaces; i++) {
		const struct ts_iface_counter *c = &s->ifaces[i].c;
		const struct ts_dp_iface_stat *p = prev_iface(rt, s->ifaces[i].ifindex);
		char name[IF_NAMESIZE];

		iface_name(s->ifaces[i].ifindex, name);
		for (int out = 0; out < 2; out++) {
			const __u64 *v = &c->in_pass_packets + 4 * out;

			if (!v[0] && !v[2])
				continue;
			printf("%-16s %-8s %12llu %14llu %12llu %14llu", name, out ? "tc-out" : "xdp-in",
			       (unsigned long long)v[0], (unsigned long long)v[1],
			       (unsigned long long)v[2], (unsigned long long)v[3]);
			if (rt) {
				const __u64 *pv = p ? &p->c.in_pass_packets + 4 * out : NULL;

				printf(" %10.1f", pv ? rate(v[0] + v[2], pv[0] + pv[2], rt->secs) : 0.0);
			}
			printf("\n");
		}
	}
}

static void print_text(const struct snapshot *s, const struct rates *rt, int64_t since)
{
	if (since) {
		char t[64];
		time_t when = (time_t)since;

		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
		printf("counted since %s (stats --reset)\n", t);
	}
	printf("%-5s %-12s %-44s %12s %14s %10s", "id", "label", "rule", "packets", "bytes", "opened");
	printf(rt ? " %10s %10s\n" : "\n", "pkts/s", "opened/s");
	for (size_t i = 0; i < s->nrules; i++) {
		const struct ts_dp_rule_stat *r = &s->rules[i], *p = rt ? prev_rule(rt, r->rule_id) : NULL;

		printf("%-5u %-12s %-44s %12" PRIu64 " %14" PRIu64 " %10" PRIu64, r->rule_id,
		       r->label, r->text, r->packets, r->bytes, r->opened);
		if (rt)
			printf(" %10.1f %10.1f", p ? rate(r->packets, p->packets, rt->secs) : 0.0,
			       p ? rate(r->opened, p->opened, rt->secs) : 0.0);
		printf("%s\n", r->in_use ? "" : " (retired)");
	}
	printf("\n%-24s %-5s %12s %14s", "reason", "", "packets", "bytes");
	printf(rt ? " %10s\n" : "\n", "pkts/s");
	for (uint32_t i = 1; i < TS_R_MAX; i++) {
		if (!s->reasons[i].packets)
			continue;
		printf("%-24s %-5s %12" PRIu64 " %14" PRIu64, ts_reason_name(i),
		       ts_reason_is_drop(i) ? "drop" : "pass", s->reasons[i].packets, s->reasons[i].bytes);
		if (rt)
			printf(" %10.1f", rt->prev ? rate(s->reasons[i].packets, rt->prev->reasons[i].packets,
							  rt->secs) : 0.0);
		printf("\n");
	}
	print_ifaces_text(s, rt);
}

static void print_json(const struct snapshot *s, const struct rates *rt, int64_t since)
{
	struct ts_json j;

	ts_json_init(&j, stdout);
	ts_json_obj_open(&j, NULL);
	if (since)
		ts_json_i64(&j, "since_reset", since);
	else
		ts_json_null(&j, "since_reset");
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
		if (rt && rt->prev) {
			const struct ts_dp_rule_stat *p = prev_rule(rt, r->rule_id);

			ts_json_double(&j, "packets_per_s", p ? rate(r->packets, p->packets, rt->secs) : 0);
			ts_json_double(&j, "bytes_per_s", p ? rate(r->bytes, p->bytes, rt->secs) : 0);
			ts_json_double(&j, "opened_per_s", p ? rate(r->opened, p->opened, rt->secs) : 0);
		}
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
		if (rt && rt->prev) {
			ts_json_double(&j, "packets_per_s", rate(s->reasons[i].packets,
								 rt->prev->reasons[i].packets, rt->secs));
			ts_json_double(&j, "bytes_per_s", rate(s->reasons[i].bytes,
							       rt->prev->reasons[i].bytes, rt->secs));
		}
		ts_json_obj_close(&j);
	}
	ts_json_arr_close(&j);
	ts_json_arr_open(&j, "interfaces");
	for (size_t i = 0; i < s->nifaces; i++) {
		const struct ts_iface_counter *c = &s->ifaces[i].c;
		char name[IF_NAMESIZE];

		iface_name(s->ifaces[i].ifindex, name);
		ts_json_obj_open(&j, NULL);
		ts_json_str(&j, "iface", name);
		ts_json_u64(&j, "ifindex", s->ifaces[i].ifindex);
		ts_json_u64(&j, "in_pass_packets", c->in_pass_packets);
		ts_json_u64(&j, "in_pass_bytes", c->in_pass_bytes);
		ts_json_u64(&j, "in_drop_packets", c->in_drop_packets);
		ts_json_u64(&j, "in_drop_bytes", c->in_drop_bytes);
		ts_json_u64(&j, "out_pass_packets", c->out_pass_packets);
		ts_json_u64(&j, "out_pass_bytes", c->out_pass_bytes);
		ts_json_u64(&j, "out_drop_packets", c->out_drop_packets);
		ts_json_u64(&j, "out_drop_bytes", c->out_drop_bytes);
		ts_json_obj_close(&j);
	}
	ts_json_arr_close(&j);
	ts_json_obj_close(&j);
	ts_json_end(&j);
}

static void print_prom(const struct snapshot *s)
{
	ts_prom_counters(stdout, s->rules, s->nrules, s->reasons);
	ts_prom_ifaces(stdout, s->ifaces, s->nifaces);
}

static int take(struct ts_dp *dp, struct snapshot *s)
{
	int err = ts_dp_rule_stats(dp, &s->rules, &s->nrules);

	if (!err)
		err = ts_dp_reason_stats(dp, s->reasons);
	return err ? err : ts_dp_iface_stats(dp, &s->ifaces, &s->nifaces);
}

/* stats --reset: the counters now become the baseline. */
static int reset(struct ts_dp *dp, const char *base)
{
	struct snapshot s = { 0 };
	int err = take(dp, &s);

	if (!err)
		err = ts_stats_baseline_save(base, &s, time(NULL));
	ts_stats_snapshot_free(&s);
	ts_dp_close(dp);
	if (err) {
		ts_err("%s: cannot save the counters: %s", base, strerror(-err));
		return TS_EXIT_FAILURE;
	}
	printf("turnstile stats: counting from now on (the maps' counters and --prometheus stay monotonic)\n");
	return TS_EXIT_OK;
}

int ts_cmd_stats(int argc, char **argv)
{
	struct stats_args a = { FMT_TEXT, 0, false };
	struct snapshot prev = { 0 };
	char base[TS_STATE_PATH_LEN + 32];
	uint64_t prev_t = 0, round = 0;
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
	snprintf(base, sizeof(base), "%s/" TS_STATS_BASELINE, st.state_dir);
	if (a.reset)
		return reset(dp, base);
	do {
		struct snapshot s = { 0 };
		struct rates rt = { .prev = round ? &prev : NULL };
		int64_t since = 0;
		uint64_t t = ts_dp_mono_ns();
		int err;

		if (take(dp, &s)) {
			rc = TS_EXIT_FAILURE;
			ts_stats_snapshot_free(&s);
			break;
		}
		/* Prometheus: the totals, monotonic; the rest: since the reset */
		err = a.fmt == FMT_PROM ? -ENOENT : ts_stats_baseline_apply(base, &s, &since);
		if (err && err != -ENOENT)
			ts_warn("%s: %s: showing the totals", base, strerror(-err));
		rt.secs = (double)(t - prev_t) / 1e9;
		if (a.watch && a.fmt == FMT_TEXT && redraw)
			printf("\033[H\033[2J");
		if (a.fmt == FMT_JSON) {
			print_json(&s, a.watch ? &rt : NULL, since);
		} else if (a.fmt == FMT_PROM) {
			print_prom(&s);
			ts_prom_dns_proxy(stdout, &st);
		} else {
			print_text(&s, a.watch ? &rt : NULL, since);
		}
		fflush(stdout);
		ts_stats_snapshot_free(&prev);
		prev = s;
		prev_t = t;
		round++;
		if (a.watch) {
			if (!redraw && a.fmt == FMT_TEXT)
				printf("\n");
			fflush(stdout);
			sleep((unsigned int)a.watch);
		}
	} while (a.watch);
	ts_stats_snapshot_free(&prev);
	ts_dp_close(dp);
	return rc;
}
