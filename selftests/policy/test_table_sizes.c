// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_table_sizes.c - the default table sizes (docs/policy.md, "Table
 * sizes"): the flow tables follow MemTotal (one flow per 128 KiB, one
 * half-open entry per MiB, a power of two, floors and the settings
 * table's ceilings), the policy tables 4x what the policy needs, and a
 * `table` setting always wins.
 */
#include <stdbool.h>
#include <string.h>

#include "policy/settings_table.h"
#include "policy/table_sizes.h"
#include "policy_test.h"

#define GIB (1024ull * 1024 * 1024)
#define CEIL(k) (ts_setting_def(k)->def)

static struct ts_compiled_settings sized(const struct ts_table_need *need, uint64_t mem_total,
					 const bool *set)
{
	struct ts_compiled_settings s = { .max_addrs_per_name = 64 };
	bool none[TS_SET_MAX] = { false };

	ts_table_sizes_auto(&s, set ? set : none, need, mem_total);
	return s;
}

static void test_flows_follow_memory(void)
{
	struct ts_table_need none = { 0 };
	struct ts_compiled_settings s;

	s = sized(&none, 1 * GIB, NULL);   /* 8192 flows: under the floor */
	TS_CHECK(s.cap_flows == TS_TABLE_FLOOR_FLOWS && s.cap_halfopen == TS_TABLE_FLOOR_HALFOPEN,
		 "1 GiB: flows %u, half-open %u", s.cap_flows, s.cap_halfopen);
	s = sized(&none, 4 * GIB, NULL);   /* 32768 flows, 4096 half-open */
	TS_CHECK(s.cap_flows == 32768 && s.cap_halfopen == 4096, "4 GiB: flows %u, half-open %u",
		 s.cap_flows, s.cap_halfopen);
	s = sized(&none, 24 * GIB, NULL);  /* 196608 -> 262144; 24576 -> 32768 */
	TS_CHECK(s.cap_flows == (262144 < CEIL(TS_SET_TABLE_FLOWS) ? 262144 : CEIL(TS_SET_TABLE_FLOWS)) &&
		 s.cap_halfopen == 32768, "24 GiB: flows %u, half-open %u", s.cap_flows, s.cap_halfopen);
	s = sized(&none, 4096 * GIB, NULL);
	TS_CHECK(s.cap_flows == CEIL(TS_SET_TABLE_FLOWS) && s.cap_halfopen == CEIL(TS_SET_TABLE_HALFOPEN),
		 "4 TiB: the ceilings, got flows %u, half-open %u", s.cap_flows, s.cap_halfopen);
	s = sized(&none, 0, NULL);         /* MemTotal unknown */
	TS_CHECK(s.cap_flows == CEIL(TS_SET_TABLE_FLOWS) && s.cap_halfopen == CEIL(TS_SET_TABLE_HALFOPEN),
		 "unknown memory: the ceilings, got flows %u, half-open %u", s.cap_flows, s.cap_halfopen);
}

static void test_policy_tables_follow_the_policy(void)
{
	struct ts_table_need small = { .hosts = 10, .prefixes = 3, .rules = 12 };
	struct ts_table_need names = { .hosts = 100, .exact_names = 20, .wildcards = 1, .prefixes = 600,
				       .rules = 5000 };
	struct ts_table_need huge = { .hosts = 1u << 20, .prefixes = 1u << 20, .rules = 1u << 20 };
	struct ts_compiled_settings s;

	s = sized(&small, 4 * GIB, NULL);
	TS_CHECK(s.cap_hosts == TS_TABLE_FLOOR_HOSTS && s.cap_prefixes == TS_TABLE_FLOOR_PREFIXES &&
		 s.cap_rules == TS_TABLE_FLOOR_RULES, "small: hosts %u, prefixes %u, rules %u",
		 s.cap_hosts, s.cap_prefixes, s.cap_rules);
	/* hosts 4 x (100 + 20 x 64) + 2 x 16384 = 38288 -> 65536; prefixes
	 * 2400 -> 4096; rules 20000 -> 32768 */
	s = sized(&names, 4 * GIB, NULL);
	TS_CHECK(s.cap_hosts == 65536 && s.cap_prefixes == 4096 && s.cap_rules == 32768,
		 "names: hosts %u, prefixes %u, rules %u", s.cap_hosts, s.cap_prefixes, s.cap_rules);
	s = sized(&huge, 4 * GIB, NULL);
	TS_CHECK(s.cap_hosts == CEIL(TS_SET_TABLE_HOSTS) && s.cap_prefixes == CEIL(TS_SET_TABLE_PREFIXES) &&
		 s.cap_rules == CEIL(TS_SET_TABLE_RULES), "huge: the ceilings, got hosts %u, prefixes %u, "
		 "rules %u", s.cap_hosts, s.cap_prefixes, s.cap_rules);
}

static void test_settings_win(void)
{
	struct ts_table_need need = { .hosts = 10 };
	bool set[TS_SET_MAX] = { false };
	struct ts_compiled_settings s = { .max_addrs_per_name = 64, .cap_flows = 100, .cap_hosts = 7 };

	set[TS_SET_TABLE_FLOWS] = set[TS_SET_TABLE_HOSTS] = true;
	ts_table_sizes_auto(&s, set, &need, 24 * GIB);
	TS_CHECK(s.cap_flows == 100 && s.cap_hosts == 7 && s.cap_halfopen == 32768,
		 "set ones kept (flows %u, hosts %u), the others sized (half-open %u)", s.cap_flows,
		 s.cap_hosts, s.cap_halfopen);
}

/* Through the compiler: a five-rule policy gets the floors, a policy's
 * own `table` line is kept as written. */
static void test_compiled(void)
{
	static const char *five =
		"component a { 192.0.2.1 }\ncomponent b { 198.51.100.0/24 }\ncomponent c { 203.0.113.5 }\n"
		"rule a -> b tcp/443\nrule b -> c tcp/22\nrule c -> a tcp/8443\nrule a -> c tcp/443\n"
		"rule b -> a tcp/80\n";
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(five, &d);
	char text[1024];

	TS_CHECK(c && c->settings.cap_hosts == TS_TABLE_FLOOR_HOSTS &&
		 c->settings.cap_prefixes == TS_TABLE_FLOOR_PREFIXES &&
		 c->settings.cap_rules == TS_TABLE_FLOOR_RULES, "five rules: hosts %u, prefixes %u, rules %u",
		 c ? c->settings.cap_hosts : 0, c ? c->settings.cap_prefixes : 0,
		 c ? c->settings.cap_rules : 0);
	ts_compiled_free(c);
	ts_diags_free(&d);
	snprintf(text, sizeof(text), "settings {\n table hosts 300\n table rules 5000\n}\n%s", five);
	memset(&d, 0, sizeof(d));
	c = tp_compile_ok(text, &d);
	TS_CHECK(c && c->settings.cap_hosts == 300 && c->settings.cap_rules == 5000 &&
		 c->settings.cap_prefixes == TS_TABLE_FLOOR_PREFIXES, "written sizes kept: hosts %u, rules %u",
		 c ? c->settings.cap_hosts : 0, c ? c->settings.cap_rules : 0);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

int main(void)
{
	ts_run("table_sizes_flows_follow_memory", test_flows_follow_memory);
	ts_run("table_sizes_policy_tables_follow_the_policy", test_policy_tables_follow_the_policy);
	ts_run("table_sizes_settings_win", test_settings_win);
	ts_run("table_sizes_compiled", test_compiled);
	return ts_done();
}
