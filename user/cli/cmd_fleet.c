// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_fleet.c - `turnstile fleet status`: the fleet as etcd holds it: the
 * policy's revision, and for every gateway whose status lease is alive
 * the revision it enforces, its health and its last reload result.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "fleet/etcd_kv.h"
#include "fleet/fleet.h"
#include "fleet/status_json.h"
#include "loader/json.h"

/* A status not rewritten for this long is stale (the gateway is stuck, or
 * cut off from etcd while its lease has not expired yet). */
#define STALE_S (TS_FLEET_HEARTBEAT_S * 3)

struct fleet_args {
	struct ts_cli_fleet_args f;
	bool json;
};

static int option(void *ctx, int id, const char *val)
{
	struct fleet_args *a = ctx;

	if (id == 'j') {
		a->json = true;
		return 0;
	}
	return ts_cli_fleet_option(&a->f, id, val);
}

static void help_more(FILE *out)
{
	fprintf(out, "\nA gateway's status lives under a lease: one that died is gone within\n"
		     "%u s; one that stopped writing for %u s shows as stale.\n",
		TS_FLEET_STATUS_LEASE_S, STALE_S);
}

struct gw {
	struct ts_fleet_status st;
	bool bad;                  /* its status did not decode */
};

static const char *health(const struct gw *g, int64_t now)
{
	if (g->bad)
		return "unreadable";
	if (now - g->st.updated_unix > STALE_S)
		return "stale";
	return g->st.health[0] ? g->st.health : "?";
}

static void print_text(const char *fleet, int64_t policy_rev, const struct gw *g, size_t n)
{
	int64_t now = time(NULL);

	printf("fleet %s: policy revision %" PRId64 "%s, %zu gateway(s)\n", fleet, policy_rev,
	       policy_rev ? "" : " (no policy key)", n);
	if (!n)
		return;
	printf("%-20s %9s  %-10s %-8s %s\n", "GATEWAY", "REVISION", "HEALTH", "RELOAD", "DETAIL");
	for (size_t i = 0; i < n; i++) {
		const struct ts_fleet_status *s = &g[i].st;

		printf("%-20s %9" PRId64 "  %-10s %-8s", s->gateway, s->revision, health(&g[i], now),
		       s->reload_result[0] ? s->reload_result : "-");
		if (s->reload_error[0])
			printf(" revision %" PRId64 ": %s", s->reload_revision, s->reload_error);
		else if (s->revision != policy_rev)
			printf(" behind the policy (%" PRId64 ")", policy_rev);
		printf("\n");
	}
}

static void print_json(const char *fleet, int64_t policy_rev, const struct gw *g, size_t n)
{
	int64_t now = time(NULL);
	struct ts_json j;

	ts_json_init(&j, stdout);
	ts_json_obj_open(&j, NULL);
	ts_json_str(&j, "fleet", fleet);
	ts_json_i64(&j, "policy_revision", policy_rev);
	ts_json_arr_open(&j, "gateways");
	for (size_t i = 0; i < n; i++) {
		const struct ts_fleet_status *s = &g[i].st;

		ts_json_obj_open(&j, NULL);
		ts_json_str(&j, "gateway", s->gateway);
		ts_json_i64(&j, "revision", s->revision);
		ts_json_str(&j, "health", health(&g[i], now));
		ts_json_bool(&j, "current", s->revision == policy_rev);
		ts_json_obj_open(&j, "last_reload");
		ts_json_str(&j, "result", s->reload_result);
		ts_json_i64(&j, "revision", s->reload_revision);
		ts_json_str(&j, "error", s->reload_error);
		ts_json_obj_close(&j);
		ts_json_u64(&j, "names_published", s->names_published);
		ts_json_u64(&j, "names_installed", s->names_installed);
		ts_json_u64(&j, "names_refused", s->names_refused);
		ts_json_i64(&j, "updated_unix", s->updated_unix);
		ts_json_obj_close(&j);
	}
	ts_json_arr_close(&j);
	ts_json_obj_close(&j);
	ts_json_end(&j);
}

/* The gateways' status keys: GATEWAYS_PREFIX + label + "/status". */
static size_t collect(const struct ts_etcd_result *r, const char *prefix, struct gw *out)
{
	size_t plen = strlen(prefix), n = 0;

	for (size_t i = 0; i < r->nkvs; i++) {
		const char *k = r->kvs[i].key + plen, *slash;
		char label[TS_FLEET_LABEL_MAX + 1];

		if (strncmp(r->kvs[i].key, prefix, plen) || !(slash = strchr(k, '/')) ||
		    strcmp(slash, "/status") || (size_t)(slash - k) >= sizeof(label))
			continue;
		memcpy(label, k, (size_t)(slash - k));
		label[slash - k] = '\0';
		if (ts_fleet_label_check(label))
			continue;
		out[n].bad = ts_fleet_status_decode(r->kvs[i].value, r->kvs[i].value_len, &out[n].st) != 0;
		/* the key names the gateway, whatever its value claims */
		snprintf(out[n].st.gateway, sizeof(out[n].st.gateway), "%s", label);
		n++;
	}
	return n;
}

static int fleet_status(struct fleet_args *a)
{
	struct ts_fleet_config cfg;
	struct ts_etcd_result pol = { 0 }, gws = { 0 };
	struct ts_etcd *e;
	char why[512] = "", key[TS_FLEET_KEY_LEN], prefix[TS_FLEET_KEY_LEN];
	struct gw *g = NULL;
	size_t n = 0;
	int err;

	ts_cli_fleet_config(&a->f, &cfg);
	err = ts_etcd_open(&e, &cfg.etcd, why, sizeof(why));
	if (err) {
		ts_err("%s", why);
		return TS_EXIT_USAGE;
	}
	ts_fleet_key(key, sizeof(key), a->f.fleet, "policy");
	ts_fleet_key(prefix, sizeof(prefix), a->f.fleet, "gateways/");
	err = ts_etcd_get(e, key, false, &pol);
	if (!err)
		err = ts_etcd_get(e, prefix, true, &gws);
	if (err) {
		ts_err("fleet %s: cannot read etcd: %s", a->f.fleet, ts_etcd_error(e));
		goto out;
	}
	g = calloc(gws.nkvs ? gws.nkvs : 1, sizeof(*g));
	if (!g) {
		err = -ENOMEM;
		goto out;
	}
	n = collect(&gws, prefix, g);
	if (a->json)
		print_json(a->f.fleet, pol.nkvs ? pol.kvs[0].mod_revision : 0, g, n);
	else
		print_text(a->f.fleet, pol.nkvs ? pol.kvs[0].mod_revision : 0, g, n);
out:
	free(g);
	ts_etcd_result_free(&pol);
	ts_etcd_result_free(&gws);
	ts_etcd_close(e);
	return err ? TS_EXIT_FAILURE : TS_EXIT_OK;
}

int ts_cmd_fleet(int argc, char **argv)
{
	const struct ts_cmd_syntax syn = {
		.name = "fleet",
		.operands = "status",
		.about = "The fleet as etcd holds it: the policy's revision, and each gateway's\n"
			 "revision, health and last reload result (docs/fleet.md).",
		.opts = { ts_cli_fleet_opts, ts_cli_json_opt },
		.min_operands = 1,
		.max_operands = 1,
		.help_more = help_more,
	};
	struct fleet_args a = { 0 };
	int n, rc = ts_opts_parse(&syn, argc, argv, option, &a, &n);

	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "status")) {
		ts_err("fleet: unknown subcommand '%s' (only: status)", argv[1]);
		return TS_EXIT_USAGE;
	}
	if (!a.f.endpoints || !a.f.fleet) {
		ts_err("fleet status: needs --etcd and --fleet");
		return TS_EXIT_USAGE;
	}
	return fleet_status(&a);
}
