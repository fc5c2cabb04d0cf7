// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* prom.c - Prometheus text exposition of turnstile's metrics (see prom.h). */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>

#include "loader/names_glue.h"
#include "loader/prom.h"
#include "names/proxy.h"
#include "names/names.h"
#include "turnstile.h"

/* Label values escape backslash, double quote and newline. */
static void label(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one sample without labels. */
static void scalar(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
	family(out, name, type, help);
	fprintf(out, "%s %" PRIu64 "\n", name, v);
}

static void rule_family(FILE *out, const struct ts_dp_rule_stat *rules, size_t nrules,
			const char *name, const char *help, int field)
{
	family(out, name, "counter", help);
	for (size_t i = 0; i < nrules; i++) {
		const struct ts_dp_rule_stat *r = &rules[i];
		uint64_t v = field == 0 ? r->packets : field == 1 ? r->bytes : r->opened;

		fprintf(out, "%s{rule_id=\"%u\",label=\"", name, r->rule_id);
		label(out, r->label);
		fputs("\",rule=\"", out);
		label(out, r->text);
		fprintf(out, "\"} %" PRIu64 "\n", v);
	}
}

void ts_prom_counters(FILE *out, const struct ts_dp_rule_stat *rules, size_t nrules,
		      const struct ts_dp_reason_stat reasons[TS_R_MAX])
{
	rule_family(out, rules, nrules, "turnstile_rule_packets_total",
		    "Packets of connections a rule allowed, both directions.", 0);
	rule_family(out, rules, nrules, "turnstile_rule_bytes_total",
		    "Bytes of connections a rule allowed, both directions.", 1);
	rule_family(out, rules, nrules, "turnstile_rule_opened_total",
		    "Connections a rule allowed to open (SYNs passed).", 2);
	for (int f = 0; f < 2; f++) {
		const char *name = f ? "turnstile_reason_bytes_total" : "turnstile_reason_packets_total";

		fprintf(out, "# HELP %s %s counted under each verdict reason.\n# TYPE %s counter\n", name,
			f ? "Bytes" : "Packets", name);
		for (uint32_t i = 1; i < TS_R_MAX; i++)
			fprintf(out, "%s{reason=\"%s\",verdict=\"%s\"} %" PRIu64 "\n", name, ts_reason_name(i),
				ts_reason_is_drop(i) ? "drop" : "pass",
				f ? reasons[i].bytes : reasons[i].packets);
	}
}

static void tables(FILE *out, const struct ts_dp_fill *f, const struct ts_dp_mem *mem)
{
	struct ts_dp_table_row rows[TS_DP_TABLE_ROWS];

	ts_dp_table_rows(f, mem, rows);
	family(out, "turnstile_table_entries", "gauge", "Entries in each dataplane table.");
	for (int i = 0; i < TS_DP_TABLE_ROWS; i++)
		fprintf(out, "turnstile_table_entries{table=\"%s\"} %u\n", rows[i].name, rows[i].used);
	family(out, "turnstile_table_capacity", "gauge", "Entries each dataplane table can hold.");
	for (int i = 0; i < TS_DP_TABLE_ROWS; i++)
		fprintf(out, "turnstile_table_capacity{table=\"%s\"} %u\n", rows[i].name, rows[i].max);
	family(out, "turnstile_table_memory_bytes", "gauge",
	       "Kernel memory of each dataplane table (buckets and tags words).");
	for (int i = 0; i < TS_DP_TABLE_ROWS; i++)
		fprintf(out, "turnstile_table_memory_bytes{table=\"%s\"} %" PRIu64 "\n", rows[i].name,
			rows[i].memory_bytes);
	scalar(out, "turnstile_flows_small_table_entries", "gauge",
	       "Established flows in the small flow table, which every packet reads first; "
	       "the rest are in the large one behind it.", f->flows_small);
	scalar(out, "turnstile_maps_memory_bytes", "gauge",
	       "Kernel memory of every pinned map.", mem->total);
	family(out, "turnstile_address_bitmap_fill_ratio", "gauge",
	       "Share of the active policy's address summary bits set: the share of unlisted "
	       "addresses that pay the table probes it saves.");
	fprintf(out, "turnstile_address_bitmap_fill_ratio %.6f\n",
		f->summary_bits ? (double)f->summary_set / (double)f->summary_bits : 0.0);
}

static void daemon_state(FILE *out, const struct ts_config *cfg, const struct ts_loader_state *st)
{
	scalar(out, "turnstile_policy_generation", "gauge",
	       "Generation of the installed policy.", (uint64_t)cfg->generation);
	scalar(out, "turnstile_reloads_total", "counter",
	       "Policy reloads the daemon finished, any result.", st->reloads);
	family(out, "turnstile_last_reload_success", "gauge",
	       "1 when the last reload installed the new policy, 0 when the old one stayed.");
	family(out, "turnstile_last_reload_timestamp_seconds", "gauge", "When the last reload ended.");
	if (st->reload_result != TS_RELOAD_NONE) {
		fprintf(out, "turnstile_last_reload_success %d\n", st->reload_result == TS_RELOAD_OK);
		fprintf(out, "turnstile_last_reload_timestamp_seconds %" PRId64 "\n", st->reload_unix);
	}
	/* `run --fleet`; its names are labels of [a-z0-9._-]: nothing to escape */
	if (st->fleet[0]) {
		family(out, "turnstile_fleet_revision", "gauge",
		       "The etcd revision of the fleet policy this gateway enforces.");
		fprintf(out, "turnstile_fleet_revision{fleet=\"%s\",gateway=\"%s\"} %" PRId64 "\n", st->fleet,
			st->fleet_gateway, st->fleet_revision);
		family(out, "turnstile_fleet_etcd_connected", "gauge",
		       "1 while the gateway's watch on etcd is live, 0 while it reconnects.");
		fprintf(out, "turnstile_fleet_etcd_connected{fleet=\"%s\",gateway=\"%s\"} %d\n", st->fleet,
			st->fleet_gateway, st->fleet_connected);
	}
	family(out, "turnstile_build_info", "gauge", "Always 1; the schema version of the pinned maps.");
	fprintf(out, "turnstile_build_info{schema_version=\"%u\"} 1\n", (unsigned)TS_SCHEMA_VERSION);
}

static void names(FILE *out, const struct ts_names_metrics *m)
{
	uint64_t cum = 0;

	scalar(out, "turnstile_names", "gauge",
	       "Host names tracked (the policy's and learned ones).", m->names);
	scalar(out, "turnstile_names_learned", "gauge",
	       "Names learned through the policy's wildcards.", m->learned_names);
	scalar(out, "turnstile_names_stale", "gauge",
	       "Names whose last refresh failed (last known good kept).", m->stale_names);
	scalar(out, "turnstile_name_addresses", "gauge", "Addresses the names hold.", m->addrs);
	scalar(out, "turnstile_name_resolutions_total", "counter",
	       "DNS queries answered.", m->resolutions);
	scalar(out, "turnstile_name_failures_total", "counter", "DNS queries failed.", m->failures);
	scalar(out, "turnstile_name_map_updates_total", "counter",
	       "Map writes for answers, done.", m->map_updates);
	scalar(out, "turnstile_name_map_errors_total", "counter",
	       "Map writes for answers, failed.", m->map_errors);
	family(out, "turnstile_name_answer_to_map_seconds", "histogram",
	       "From a DNS answer's arrival to its last map write.");
	for (int b = 0; b < TS_NAMES_LAT_BUCKETS; b++) {
		cum += m->lat_hist[b];
		if (b < TS_NAMES_LAT_BUCKETS - 1)
			fprintf(out, "turnstile_name_answer_to_map_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
				ts_names_lat_bucket_us[b] / 1e6, cum);
		else
			fprintf(out, "turnstile_name_answer_to_map_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
	}
	fprintf(out, "turnstile_name_answer_to_map_seconds_sum %g\n", m->lat_sum_us / 1e6);
	fprintf(out, "turnstile_name_answer_to_map_seconds_count %" PRIu64 "\n", m->lat_count);
}

static void proxy_counter(FILE *out, const char *name, const char *help, uint64_t v)
{
	char full[96];

	snprintf(full, sizeof(full), "turnstile_dns_proxy_%s", name);
	scalar(out, full, "counter", help, v);
}

void ts_prom_dns_proxy(FILE *out, const struct ts_loader_state *st)
{
	static const uint64_t le_us[] = { 10, 25, 50, 100, 250, 500, 1000, 10000, 100000 };
	struct ts_proxy_metrics m;
	uint64_t n;

	if (!ts_names_glue_proxy_metrics(st, &m))
		return;
	proxy_counter(out, "queries_total", "DNS queries received by the proxy", m.queries);
	proxy_counter(out, "tcp_queries_total", "DNS queries received over TCP", m.queries_tcp);
	proxy_counter(out, "answers_total", "answers relayed to clients", m.answers);
	proxy_counter(out, "servfail_total", "resolver failures answered SERVFAIL", m.servfail);
	proxy_counter(out, "truncated_total", "answers over the client's UDP size, sent with TC",
		m.truncated);
	fprintf(out, "# HELP turnstile_dns_proxy_refused_total queries refused, by reason\n"
		"# TYPE turnstile_dns_proxy_refused_total counter\n");
	for (int r = 0; r < TS_REFUSED_MAX; r++)
		fprintf(out, "turnstile_dns_proxy_refused_total{reason=\"%s\"} %" PRIu64 "\n",
			ts_proxy_refusal_name(r), m.refused[r]);
	fprintf(out, "# HELP turnstile_dns_proxy_learn_total relayed answers, by what they taught\n"
		"# TYPE turnstile_dns_proxy_learn_total counter\n");
	for (int o = 0; o < TS_LEARN_MAX; o++)
		fprintf(out, "turnstile_dns_proxy_learn_total{outcome=\"%s\"} %" PRIu64 "\n",
			ts_learn_outcome_name(o), m.learn[o]);
	fprintf(out, "# HELP turnstile_dns_proxy_added_latency_seconds time a query spends in "
		"the proxy, the resolver's time excluded\n"
		"# TYPE turnstile_dns_proxy_added_latency_seconds histogram\n");
	for (size_t b = 0; b < sizeof(le_us) / sizeof(le_us[0]); b++)
		fprintf(out, "turnstile_dns_proxy_added_latency_seconds_bucket{le=\"%g\"} %" PRIu64
			"\n", (double)le_us[b] / 1e6, ts_proxy_latency_count_le(&m, le_us[b]));
	n = ts_proxy_latency_samples(&m);
	fprintf(out, "turnstile_dns_proxy_added_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
		"turnstile_dns_proxy_added_latency_seconds_sum %g\n"
		"turnstile_dns_proxy_added_latency_seconds_count %" PRIu64 "\n", n,
		(double)m.lat_sum_us / 1e6, n);
}

void ts_prom_ifaces(FILE *out, const struct ts_dp_iface_stat *ifs, size_t n)
{
	for (int bytes = 0; bytes < 2; bytes++) {
		const char *name = bytes ? "turnstile_iface_bytes_total" : "turnstile_iface_packets_total";

		fprintf(out, "# HELP %s %s judged on each interface, by direction and verdict.\n"
			"# TYPE %s counter\n", name, bytes ? "Bytes" : "Packets", name);
		for (size_t i = 0; i < n; i++) {
			char ifname[IF_NAMESIZE];
			const __u64 *v = &ifs[i].c.in_pass_packets;

			if (!ifs[i].ifindex)
				snprintf(ifname, sizeof(ifname), "other");
			else if (!if_indextoname(ifs[i].ifindex, ifname))
				snprintf(ifname, sizeof(ifname), "if%u", ifs[i].ifindex);
			for (int k = 0; k < 4; k++)
				fprintf(out, "%s{iface=\"%s\",direction=\"%s\",verdict=\"%s\"} %llu\n",
					name, ifname, k < 2 ? "in" : "out", k % 2 ? "drop" : "pass",
					(unsigned long long)v[4 * (k / 2) + 2 * (k % 2) + bytes]);
		}
	}
}

int ts_prom_all(FILE *out, const struct ts_dp *dp, const struct ts_loader_state *st)
{
	struct ts_dp_reason_stat reasons[TS_R_MAX];
	struct ts_dp_rule_stat *rules = NULL;
	struct ts_dp_iface_stat *ifs = NULL;
	size_t nifs = 0;
	struct ts_names_state *ns = NULL;
	struct ts_names_metrics m = { 0 };
	struct ts_dp_fill fill;
	struct ts_dp_mem mem;
	struct ts_config cfg;
	char cache[TS_STATE_PATH_LEN + 32];
	size_t nrules = 0;
	int err;

	err = ts_dp_rule_stats(dp, &rules, &nrules);
	if (!err)
		err = ts_dp_reason_stats(dp, reasons);
	if (!err)
		err = ts_dp_fill_levels(dp, &fill);
	if (!err)
		err = ts_dp_memory(dp, &mem);
	if (!err)
		err = ts_dp_config_read(dp, &cfg);
	if (err) {
		free(rules);
		return err;
	}
	ts_prom_counters(out, rules, nrules, reasons);
	if (!ts_dp_iface_stats(dp, &ifs, &nifs)) {
		ts_prom_ifaces(out, ifs, nifs);
		free(ifs);
	}
	tables(out, &fill, &mem);
	daemon_state(out, &cfg, st);
	/* before the daemon wrote a names cache (or without names): zeros */
	snprintf(cache, sizeof(cache), "%s/names.cache", st->state_dir);
	if (!ts_names_state_read(&ns, cache)) {
		ts_names_metrics(ns, &m);
		ts_names_state_free(ns);
	}
	names(out, &m);
	ts_prom_dns_proxy(out, st);
	free(rules);
	return 0;
}
