// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_status.c - `turnstile status`: interfaces, policy, names, table fill. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "common/version.h"
#include "commands.h"
#include "dp/dp.h"
#include "loader/json.h"
#include "names/names.h"
#include "proxy_view.h"

struct view {
	struct ts_loader_state st;
	struct ts_config cfg;
	struct ts_slot_cfg scfg;
	struct ts_dp_fill fill;
	struct ts_dp_mem mem;           /* the maps' kernel memory */
	struct ts_names_state *names;   /* NULL: no cache yet */
	bool daemon_alive;
};

static const struct ts_cmd_syntax syntax = {
	.name = "status",
	.about = "Interfaces and their hooks and XDP modes, the policy file and its\n"
		 "generation, enforce or audit, every name with its addresses (expiry,\n"
		 "resolver), how full each table and the address summary are, and the\n"
		 "kernel memory each table takes.",
	.opts = { ts_cli_json_opt },
};

#define MIB (1024.0 * 1024.0)

/* Our pinned link still holds a program on the interface. */
static bool xdp_live(const char *ifname)
{
	enum ts_xdp_mode mode;
	uint32_t id = 0;

	return !ts_xdp_query(TS_PIN_DIR, ifname, &id, &mode) && id && mode != TS_XDP_MODE_NONE;
}

static void print_text(const struct view *v)
{
	struct ts_dp_table_row rows[TS_DP_TABLE_ROWS];
	time_t now = time(NULL);

	printf("version     %s (installed by %s)\n", ts_version(), v->st.version[0] ? v->st.version : "?");
	printf("policy      %s\n", v->st.policy);
	/* in a fleet the generation is the fleet policy's etcd revision */
	if (v->st.fleet[0])
		printf("generation  %" PRId64 " (etcd revision of fleet %s, gateway %s; dataplane generation %llu, slot %u, schema %u)\n",
		       v->st.fleet_revision, v->st.fleet, v->st.fleet_gateway,
		       (unsigned long long)v->cfg.generation, v->cfg.active_slot, v->cfg.schema_version);
	else
		printf("generation  %llu (slot %u, schema %u)\n", (unsigned long long)v->cfg.generation,
		       v->cfg.active_slot, v->cfg.schema_version);
	if (v->st.fleet[0])
		printf("etcd        %s for %" PRId64 " s\n", v->st.fleet_connected ? "connected" : "unreachable",
		       (int64_t)now - v->st.fleet_connected_unix);
	printf("mode        %s\n", v->scfg.flags & TS_CFG_AUDIT ? "audit" : "enforce");
	printf("daemon      %s", v->daemon_alive ? "running" : "not running");
	if (v->daemon_alive)
		printf(" (pid %d)", v->st.daemon_pid);
	if (v->st.reload_result != TS_RELOAD_NONE)
		printf("\nreload      %s, %" PRId64 " s ago (%" PRIu64 " reloads)%s%s",
		       ts_reload_result_name(v->st.reload_result), (int64_t)now - v->st.reload_unix,
		       v->st.reloads, v->st.reload_error[0] ? ": " : "", v->st.reload_error);
	printf("\ninterfaces\n");
	for (size_t i = 0; i < v->st.nifaces; i++) {
		const struct ts_state_iface *f = &v->st.ifaces[i];

		printf("  %-16s", f->name);
		if (f->xdp)
			printf(" xdp %s%s", ts_xdp_mode_name(f->xdp_mode),
			       xdp_live(f->name) ? "" : " (MISSING: link detached by someone else)");
		if (f->tc)
			printf(" tc-egress");
		printf("\n");
	}
	if (v->st.dns_listen[0])
		printf("dns proxy   %s\n", v->st.dns_listen);
	if (v->st.metrics_listen[0])
		printf("metrics     http://%s/metrics\n", v->st.metrics_listen);
	if (v->st.log_events)
		printf("events      logged to the journal\n");
	ts_proxy_view_text(stdout, &v->st);
	printf("names");
	if (v->names) {
		struct ts_names_metrics m;

		ts_names_metrics(v->names, &m);
		printf("       %" PRIu64 " names (%" PRIu64 " learned, %" PRIu64 " stale), %" PRIu64
		       " addresses, %" PRIu64 " resolutions, %" PRIu64 " failures, %" PRIu64
		       " map updates (%" PRIu64 " failed)\n"
		       "            answer-to-map latency: last %" PRIu64 " us, max %" PRIu64
		       " us, avg %" PRIu64 " us over %" PRIu64 " answers",
		       m.names, m.learned_names, m.stale_names, m.addrs, m.resolutions, m.failures,
		       m.map_updates, m.map_errors, m.lat_last_us, m.lat_max_us,
		       m.lat_count ? m.lat_sum_us / m.lat_count : 0, m.lat_count);
	}
	printf("\n");
	for (size_t i = 0; v->names && i < ts_names_count(v->names); i++) {
		struct ts_names_name_info ni;

		if (ts_names_name_info(v->names, i, &ni))
			continue;
		printf("  %s", ni.name);
		if (ni.wildcard)
			printf(" (learned via %s)", ni.wildcard);
		printf("  %" PRIu64 " resolutions, %" PRIu64 " failures", ni.resolutions, ni.failures);
		printf("%s\n", ni.stale ? " (stale: last refresh failed)" : "");
		for (size_t j = 0; j < ni.naddrs; j++) {
			struct ts_names_addr_info ai;
			char a[64];

			if (ts_names_addr_info(v->names, i, j, &ai))
				continue;
			ts_cli_addr_str(ai.addr.family, ai.addr.addr, a, sizeof(a));
			printf("    %-40s expires in %5" PRId64 "s  from %s\n", a,
			       ai.expires_ms / 1000 - (int64_t)now, ai.resolver);
		}
	}
	ts_dp_table_rows(&v->fill, &v->mem, rows);
	printf("tables         entries / capacity     fill      memory\n");
	for (int i = 0; i < TS_DP_TABLE_ROWS; i++) {
		printf("  %-9s %10u / %-10u %5.1f%% %8.1f MiB\n", rows[i].name, rows[i].used, rows[i].max,
		       rows[i].max ? 100.0 * rows[i].used / rows[i].max : 0.0, rows[i].memory_bytes / MIB);
		if (i == TS_DP_ROW_FLOWS)
			printf("  %-9s %10u / %-10u %5.1f%%  of them in the small table, read first (slots)\n", "",
			       v->fill.flows_small, v->fill.flows_small_slots,
			       v->fill.flows_small_slots ? 100.0 * v->fill.flows_small / v->fill.flows_small_slots
							 : 0.0);
	}
	printf("  %-9s %10" PRIu64 " / %-10" PRIu64 " %5.1f%%  bits set\n", "summary", v->fill.summary_set,
	       v->fill.summary_bits, v->fill.summary_bits ? 100.0 * v->fill.summary_set / v->fill.summary_bits : 0.0);
	printf("  %-41s %8.1f MiB\n", "other maps", v->mem.other / MIB);
	printf("  %-41s %8.1f MiB\n", "total", v->mem.total / MIB);
}

/* The names library's metrics; null before the daemon wrote a cache. */
static void json_metrics(struct ts_json *j, const struct ts_names_state *names)
{
	struct ts_names_metrics m;

	if (!names) {
		ts_json_null(j, "names_metrics");
		return;
	}
	ts_names_metrics(names, &m);
	ts_json_obj_open(j, "names_metrics");
	ts_json_u64(j, "names", m.names);
	ts_json_u64(j, "addresses", m.addrs);
	ts_json_u64(j, "stale_names", m.stale_names);
	ts_json_u64(j, "learned_names", m.learned_names);
	ts_json_u64(j, "learn_dropped", m.learn_dropped);
	ts_json_u64(j, "resolutions", m.resolutions);
	ts_json_u64(j, "failures", m.failures);
	ts_json_u64(j, "map_updates", m.map_updates);
	ts_json_u64(j, "map_errors", m.map_errors);
	ts_json_u64(j, "capped", m.capped);
	ts_json_obj_open(j, "latency_us");
	ts_json_u64(j, "count", m.lat_count);
	ts_json_u64(j, "last", m.lat_last_us);
	ts_json_u64(j, "max", m.lat_max_us);
	ts_json_u64(j, "sum", m.lat_sum_us);
	ts_json_arr_open(j, "histogram");
	for (int b = 0; b < TS_NAMES_LAT_BUCKETS; b++) {
		ts_json_obj_open(j, NULL);
		if (b < TS_NAMES_LAT_BUCKETS - 1)
			ts_json_u64(j, "le_us", ts_names_lat_bucket_us[b]);
		else
			ts_json_null(j, "le_us");
		ts_json_u64(j, "count", m.lat_hist[b]);
		ts_json_obj_close(j);
	}
	ts_json_arr_close(j);
	ts_json_obj_close(j);
	ts_json_obj_close(j);
}

static void print_json(const struct view *v)
{
	struct ts_dp_table_row rows[TS_DP_TABLE_ROWS];
	struct ts_json j;

	ts_json_init(&j, stdout);
	ts_json_obj_open(&j, NULL);
	ts_json_str(&j, "version", ts_version());
	ts_json_str(&j, "installed_by_version", v->st.version);
	ts_json_str(&j, "policy", v->st.policy);
	if (v->st.fleet[0])
		ts_json_i64(&j, "generation", v->st.fleet_revision);
	else
		ts_json_u64(&j, "generation", v->cfg.generation);
	ts_json_u64(&j, "dataplane_generation", v->cfg.generation);
	if (v->st.fleet[0]) {
		ts_json_obj_open(&j, "fleet");
		ts_json_str(&j, "name", v->st.fleet);
		ts_json_str(&j, "gateway", v->st.fleet_gateway);
		ts_json_i64(&j, "revision", v->st.fleet_revision);
		ts_json_bool(&j, "etcd_connected", v->st.fleet_connected);
		ts_json_i64(&j, "etcd_connected_since_unix", v->st.fleet_connected_unix);
		ts_json_obj_close(&j);
	}
	ts_json_u64(&j, "active_slot", v->cfg.active_slot);
	ts_json_u64(&j, "schema_version", v->cfg.schema_version);
	ts_json_str(&j, "mode", v->scfg.flags & TS_CFG_AUDIT ? "audit" : "enforce");
	ts_json_bool(&j, "daemon_running", v->daemon_alive);
	ts_json_i64(&j, "daemon_pid", v->daemon_alive ? v->st.daemon_pid : 0);
	ts_json_obj_open(&j, "last_reload");
	ts_json_u64(&j, "count", v->st.reloads);
	ts_json_str(&j, "result", ts_reload_result_name(v->st.reload_result));
	ts_json_i64(&j, "time_unix", v->st.reload_unix);
	ts_json_str(&j, "error", v->st.reload_error);
	ts_json_obj_close(&j);
	ts_json_str(&j, "resolvers", v->st.resolvers);
	ts_json_str(&j, "dns_listen", v->st.dns_listen);
	ts_json_str(&j, "metrics_listen", v->st.metrics_listen);
	ts_json_bool(&j, "log_events", v->st.log_events);
	ts_json_arr_open(&j, "interfaces");
	for (size_t i = 0; i < v->st.nifaces; i++) {
		const struct ts_state_iface *f = &v->st.ifaces[i];

		ts_json_obj_open(&j, NULL);
		ts_json_str(&j, "name", f->name);
		ts_json_bool(&j, "xdp", f->xdp);
		ts_json_str(&j, "xdp_mode", f->xdp ? ts_xdp_mode_name(f->xdp_mode) : NULL);
		ts_json_bool(&j, "xdp_attached", f->xdp && xdp_live(f->name));
		ts_json_bool(&j, "tc_egress", f->tc);
		ts_json_obj_close(&j);
	}
	ts_json_arr_close(&j);
	ts_json_arr_open(&j, "names");
	for (size_t i = 0; v->names && i < ts_names_count(v->names); i++) {
		struct ts_names_name_info ni;

		if (ts_names_name_info(v->names, i, &ni))
			continue;
		ts_json_obj_open(&j, NULL);
		ts_json_str(&j, "name", ni.name);
		ts_json_str(&j, "wildcard", ni.wildcard);
		ts_json_u64(&j, "resolutions", ni.resolutions);
		ts_json_u64(&j, "failures", ni.failures);
		ts_json_u64(&j, "consecutive_failures", ni.consecutive_failures);
		ts_json_bool(&j, "stale", ni.stale);
		ts_json_str(&j, "last_error", ni.last_error);
		ts_json_i64(&j, "last_success_ms", ni.last_success_ms);
		ts_json_arr_open(&j, "addresses");
		for (size_t k = 0; k < ni.naddrs; k++) {
			struct ts_names_addr_info ai;
			char a[64];

			if (ts_names_addr_info(v->names, i, k, &ai))
				continue;
			ts_cli_addr_str(ai.addr.family, ai.addr.addr, a, sizeof(a));
			ts_json_obj_open(&j, NULL);
			ts_json_str(&j, "address", a);
			ts_json_str(&j, "resolver", ai.resolver);
			ts_json_u64(&j, "ttl_s", ai.ttl_s);
			ts_json_i64(&j, "first_seen_ms", ai.first_seen_ms);
			ts_json_i64(&j, "expires_ms", ai.expires_ms);
			ts_json_obj_close(&j);
		}
		ts_json_arr_close(&j);
		ts_json_obj_close(&j);
	}
	ts_json_arr_close(&j);
	json_metrics(&j, v->names);
	ts_proxy_view_json(&j, &v->st);
	ts_dp_table_rows(&v->fill, &v->mem, rows);
	ts_json_obj_open(&j, "tables");
	for (int i = 0; i < TS_DP_TABLE_ROWS; i++) {
		ts_json_obj_open(&j, rows[i].name);
		ts_json_u64(&j, "used", rows[i].used);
		ts_json_u64(&j, "max", rows[i].max);
		ts_json_u64(&j, "memory_bytes", rows[i].memory_bytes);
		if (i == TS_DP_ROW_FLOWS) {
			ts_json_u64(&j, "small_table_used", v->fill.flows_small);
			ts_json_u64(&j, "small_table_slots", v->fill.flows_small_slots);
		}
		ts_json_obj_close(&j);
	}
	ts_json_obj_close(&j);
	ts_json_obj_open(&j, "address_summary");
	ts_json_u64(&j, "bits_set", v->fill.summary_set);
	ts_json_u64(&j, "bits", v->fill.summary_bits);
	ts_json_obj_close(&j);
	ts_json_obj_open(&j, "memory");
	ts_json_u64(&j, "tables_bytes", v->mem.total - v->mem.other);
	ts_json_u64(&j, "other_bytes", v->mem.other);
	ts_json_u64(&j, "total_bytes", v->mem.total);
	ts_json_obj_close(&j);
	ts_json_obj_close(&j);
	ts_json_end(&j);
}

int ts_cmd_status(int argc, char **argv)
{
	struct view v = { 0 };
	char cache[TS_STATE_PATH_LEN + 32];
	struct ts_dp *dp;
	bool json = false;
	int rc, nops;

	rc = ts_cli_parse_simple(&syntax, argc, argv, &json, &nops);
	if (rc >= 0)
		return rc;
	rc = ts_cli_open_pinned(&dp, &v.st);
	if (rc)
		return rc;
	if (ts_dp_config_read(dp, &v.cfg) || ts_dp_slot_cfg_read(dp, &v.scfg) ||
	    ts_dp_fill_levels(dp, &v.fill) || ts_dp_memory(dp, &v.mem)) {
		ts_dp_close(dp);
		return TS_EXIT_FAILURE;
	}
	snprintf(cache, sizeof(cache), "%s/names.cache", v.st.state_dir);
	if (ts_names_state_read(&v.names, cache))
		v.names = NULL;
	v.daemon_alive = v.st.daemon_pid > 0 && (!kill(v.st.daemon_pid, 0) || errno == EPERM);
	if (json)
		print_json(&v);
	else
		print_text(&v);
	if (v.names)
		ts_names_state_free(v.names);
	ts_dp_close(dp);
	return TS_EXIT_OK;
}
