// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_lint.c - each lint fires where it should, at the right place, and
 * stays quiet on the look-alike that is fine. */
#include <errno.h>
#include <string.h>

#include "policy_test.h"

#define A "component a { 192.0.2.1 }\n"
#define B "component b { 198.51.100.1 }\n"

static const struct tp_case cases[] = {
	/* components */
	{ "empty_component", "component e { }\n" A "rule a -> e tcp/443\n", "empty-component",
	  TS_SEV_WARNING, 1, 11 },
	{ "empty_component_quiet", A B "rule a -> b tcp/443\n", "empty-component", 0, 0, 0 },
	{ "unused_component", A B "component c { 203.0.113.1 }\nrule a -> b tcp/443\n",
	  "unused-component", TS_SEV_WARNING, 3, 11 },
	{ "unused_component_quiet", A B "rule a -> b tcp/443\n", "unused-component", 0, 0, 0 },
	{ "no_rules", A, "no-rules", TS_SEV_WARNING, TP_ANYWHERE, 0 },
	/* rules */
	{ "self_edge", A "rule a -> a tcp/443\n", "self-edge", TS_SEV_WARNING, 2, 1 },
	{ "self_edge_quiet", A B "rule a -> b tcp/443\n", "self-edge", 0, 0, 0 },
	{ "duplicate_rule", A B "rule a -> b tcp/443\nrule \"x\": b <- a tcp/443\n",
	  "duplicate-rule", TS_SEV_WARNING, 4, 1 },
	{ "redundant_rule", A B "rule a -> b tcp/443\nrule a -> b tcp/8443\nrule a -> b tcp/443,8443\n",
	  "redundant-rule", TS_SEV_WARNING, 5, 1 },
	{ "redundant_by_both", A B "rule a <-> b tcp/443\nrule b -> a tcp/443\n",
	  "redundant-rule", 0, 0, 0 }, /* a conflict instead, see below */
	{ "redundant_quiet_new_port", A B "rule a -> b tcp/443\nrule a -> b tcp/443,8443\n",
	  "redundant-rule", 0, 0, 0 },
	{ "redundant_quiet_reverse", A B "rule a -> b tcp/443\nrule b -> a tcp/443\n",
	  "redundant-rule", 0, 0, 0 },
	{ "conflict", A B "rule \"D3\": a <-> b tcp/443\nrule \"S1\": b <- a tcp/443\n",
	  "conflicting-direction", TS_SEV_WARNING, 4, 1 },
	{ "conflict_quiet_complementary", A B "rule a -> b tcp/443\nrule b -> a tcp/443\n",
	  "conflicting-direction", 0, 0, 0 },
	{ "conflict_quiet_other_ports", A B "rule a <-> b tcp/443\nrule a -> b tcp/22\n",
	  "conflicting-direction", 0, 0, 0 },
	{ "port_outside_scope", "settings {\n scope tcp/443\n}\n" A B "rule a -> b tcp/443,8443\n",
	  "port-outside-scope", TS_SEV_WARNING, 6, 13 },
	{ "port_inside_scope", "settings {\n scope tcp/400-500\n}\n" A B "rule a -> b tcp/443\n",
	  "port-outside-scope", 0, 0, 0 },
	/* across protocols: the same port number of two protocols is two ports */
	{ "redundant_udp", A B "rule a -> b tcp/443 udp/443\nrule a -> b udp/443\n",
	  "redundant-rule", TS_SEV_WARNING, 4, 1 },
	{ "redundant_quiet_udp_vs_tcp", A B "rule a -> b tcp/443\nrule a -> b udp/443\n",
	  "redundant-rule", 0, 0, 0 },
	{ "redundant_icmp", A B "rule a <-> b icmp/echo\nrule b -> a icmp/echo\n",
	  "redundant-rule", 0, 0, 0 }, /* a conflict instead, see below */
	{ "conflict_udp", A B "rule \"N1\": a <-> b udp/123\nrule \"N2\": a -> b udp/100-200\n",
	  "conflicting-direction", TS_SEV_WARNING, 4, 1 },
	{ "conflict_icmp", A B "rule a <-> b icmp/echo\nrule b -> a tcp/22 icmp/echo\n",
	  "conflicting-direction", TS_SEV_WARNING, 4, 1 },
	{ "conflict_quiet_udp_vs_tcp", A B "rule a <-> b udp/443\nrule a -> b tcp/443\n",
	  "conflicting-direction", 0, 0, 0 },
	{ "port_outside_scope_udp", "settings {\n scope tcp/443\n}\n" A B "rule a -> b udp/443\n",
	  "port-outside-scope", TS_SEV_WARNING, 6, 13 },
	{ "port_outside_scope_icmp", "settings {\n scope tcp/443 udp/443\n}\n" A B "rule a -> b icmp/echo\n",
	  "port-outside-scope", TS_SEV_WARNING, 6, 13 },
	{ "port_inside_scope_all", "settings {\n scope tcp/443 udp/1-1000 icmp/echo\n}\n" A B
	  "rule a -> b tcp/443 udp/443 icmp/echo\n", "port-outside-scope", 0, 0, 0 },
	/* members */
	{ "overlap_across", "component a { 10.0.0.0/8 }\ncomponent b { 10.1.0.0/16 }\nrule a -> b tcp/443\n",
	  "overlapping-cidr", TS_SEV_WARNING, 2, 15 },
	{ "overlap_shared_host", "component a { 192.0.2.1 }\ncomponent b { 192.0.2.1 }\nrule a -> b tcp/443\n",
	  "overlapping-cidr", TS_SEV_WARNING, 2, 15 },
	{ "overlap_quiet_disjoint", "component a { 10.0.0.0/16 }\ncomponent b { 10.1.0.0/16 }\nrule a -> b tcp/443\n",
	  "overlapping-cidr", 0, 0, 0 },
	{ "overlap_quiet_same_component", "component a { 10.0.0.0/8 10.1.0.0/16 }\n" B "rule a -> b tcp/443\n",
	  "overlapping-cidr", 0, 0, 0 },
	{ "redundant_member", "component a { 10.0.0.0/8 10.1.0.0/16 }\n" B "rule a -> b tcp/443\n",
	  "redundant-member", TS_SEV_WARNING, 1, 26 },
	{ "duplicate_member_addr", "component a { 192.0.2.1\n 192.0.2.1 }\n" B "rule a -> b tcp/443\n",
	  "duplicate-member", TS_SEV_WARNING, 2, 2 },
	{ "duplicate_member_name", "component a { x.example.net\n X.example.net. }\n" B "rule a -> b tcp/443\n",
	  "duplicate-member", TS_SEV_WARNING, 2, 2 },
	{ "special_loopback", "component a { 127.0.0.1 }\n" B "rule a -> b tcp/443\n",
	  "special-address", TS_SEV_WARNING, 1, 15 },
	{ "special_v6_link_local", "component a { fe80::/64 }\n" B "rule a -> b tcp/443\n",
	  "special-address", TS_SEV_WARNING, 1, 15 },
	{ "special_multicast", "component a { 224.0.0.5 }\n" B "rule a -> b tcp/443\n",
	  "special-address", TS_SEV_WARNING, 1, 15 },
	{ "special_quiet_private", "component a { 10.1.2.3 fd00::1 }\n" B "rule a -> b tcp/443\n",
	  "special-address", 0, 0, 0 },
	{ "broad_v4", "component a { 10.0.0.0/7 }\n" B "rule a -> b tcp/443\n",
	  "broad-cidr", TS_SEV_WARNING, 1, 15 },
	{ "broad_v6", "component a { 2000::/3 }\n" B "rule a -> b tcp/443\n",
	  "broad-cidr", TS_SEV_WARNING, 1, 15 },
	{ "broad_quiet", "component a { 10.0.0.0/8 2001:db8::/32 }\n" B "rule a -> b tcp/443\n",
	  "broad-cidr", 0, 0, 0 },
	{ "unresolvable_single_label", "component a { intranet }\n" B "rule a -> b tcp/443\n",
	  "unresolvable-name", TS_SEV_WARNING, 1, 15 },
	{ "unresolvable_mdns", "component a { printer.local }\n" B "rule a -> b tcp/443\n",
	  "unresolvable-name", TS_SEV_WARNING, 1, 15 },
	{ "unresolvable_quiet", "component a { acme.sharefile.com }\n" B "rule a -> b tcp/443\n",
	  "unresolvable-name", 0, 0, 0 },
	{ "wildcard_learned", "component a { *.blob.core.windows.net }\n" B "rule a -> b tcp/443\n",
	  "wildcard-learned", TS_SEV_NOTE, 1, 15 },
	{ "wildcard_quiet_exact", "component a { acme.blob.core.windows.net }\n" B "rule a -> b tcp/443\n",
	  "wildcard-learned", 0, 0, 0 },
	/* settings and capacity */
	{ "setting_repeated", "settings {\n audit on\n audit off\n}\n" A B "rule a -> b tcp/443\n",
	  "setting-repeated", TS_SEV_WARNING, 3, 2 },
	{ "capacity_hosts", "settings {\n table hosts 4\n}\n"
	  "component a { 192.0.2.1 192.0.2.2 192.0.2.3 }\n" B "rule a -> b tcp/443\n",
	  "capacity", TS_SEV_ERROR, 2, 2 },
	{ "capacity_hosts_fits", "settings {\n table hosts 6\n}\n"
	  "component a { 192.0.2.1 192.0.2.2 }\n" B "rule a -> b tcp/443\n", "capacity", 0, 0, 0 },
	{ "capacity_prefixes", "settings {\n table prefixes 2\n}\n"
	  "component a { 10.0.0.0/8 11.0.0.0/8 }\n" B "rule a -> b tcp/443\n",
	  "capacity", TS_SEV_ERROR, 2, 2 },
	{ "capacity_rules", "settings {\n table rules 2\n}\n" A B "rule a <-> b tcp/443\n",
	  "capacity", TS_SEV_ERROR, 2, 2 },
	{ "capacity_rules_expansion", "settings {\n table rules 2\n}\n" A B
	  "rule a <-> b tcp/443\nrule a -> b tcp/80\n", "capacity", TS_SEV_ERROR, 2, 2 },
	{ "capacity_names_warning", "settings {\n table hosts 100\n max-addresses-per-name 64\n}\n"
	  "component a { a.example.net }\n" B "rule a -> b tcp/443\n", "capacity", TS_SEV_WARNING, 2, 2 },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tp_expect(&cases[i]);
}

/* The ShareFile rows: the warning names both rows and both locations. */
static void test_conflict_message(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;

	tp_build("component dm { 203.0.113.10 }\ncomponent sf { acme.sharefile.com }\n"
		 "rule \"D3\": dm <-> sf tcp/443\nrule \"S1\": sf <- dm tcp/443\n", NULL, &d, &c);
	{
		const struct ts_diag *g = ts_diags_find(&d, "conflicting-direction");

		TS_CHECK(g && strstr(g->msg, "\"S1\" (t.policy:4:1)") && strstr(g->msg, "\"D3\" (t.policy:3:1)"),
			 "names both rows with locations: %s", g ? g->msg : "(none)");
		TS_CHECK(g && strstr(g->msg, "only dm open"), "says who the one-way row lets open");
		TS_CHECK(!ts_diags_find(&d, "redundant-rule"), "the conflict is not also called redundant");
	}
	TS_CHECK(c != NULL, "a conflict is a warning: the policy compiles");
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_overlap_summary(void)
{
	char text[8192];
	size_t off = 0;
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;

	off += (size_t)snprintf(text + off, sizeof(text) - off, "component big { 10.0.0.0/8 }\ncomponent small {\n");
	for (int i = 0; i < 30; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "10.%d.0.0/16\n", i);
	snprintf(text + off, sizeof(text) - off, "}\nrule big -> small tcp/443\n");
	tp_build(text, NULL, &d, &c);
	TS_CHECK(ts_diags_count(&d, "overlapping-cidr") == 21,
		 "20 overlap findings and one summary, got %zu", ts_diags_count(&d, "overlapping-cidr"));
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_valid_names(void)
{
	static const char *const ok[] = {
		"xn--bcher-kva.example.com", "a-b.c-d.net", "_dmarc.example.com", "*.example.com",
		"**.example.co.uk.example.com", "sandbox3.finebak.com",
		/* 63-character label */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char text[512];
		struct ts_diags d = { 0 };
		struct ts_compiled *c = NULL;

		snprintf(text, sizeof(text), "component a { %s }\n" B "rule a -> b tcp/443\n", ok[i]);
		TS_CHECK(tp_build(text, NULL, &d, &c) == 0, "'%s' is a valid name", ok[i]);
		ts_compiled_free(c);
		ts_diags_free(&d);
	}
}

static void test_name_length(void)
{
	char name[300], text[600];
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;

	/* 4 labels of 62 + 3 dots = 251, + ".ab" = 254 > 253 */
	memset(name, 'a', sizeof(name));
	for (int i = 62; i < 251; i += 63)
		name[i] = '.';
	memcpy(name + 251, ".ab", 4);
	snprintf(text, sizeof(text), "component a { %s }\n" B "rule a -> b tcp/443\n", name);
	TS_CHECK(tp_build(text, NULL, &d, &c) == -EINVAL && ts_diags_find(&d, "bad-name"),
		 "254-character name refused");
	ts_diags_free(&d);
	memcpy(name + 251, ".a", 3);
	snprintf(text, sizeof(text), "component a { %s }\n" B "rule a -> b tcp/443\n", name);
	TS_CHECK(tp_build(text, NULL, &d, &c) == 0, "253-character name accepted");
	if (d.nerrors)
		tp_print(&d);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

int main(void)
{
	ts_run("lint_cases", test_cases);
	ts_run("lint_conflict_names_both_rows", test_conflict_message);
	ts_run("lint_overlap_summary", test_overlap_summary);
	ts_run("lint_valid_names", test_valid_names);
	ts_run("lint_name_length", test_name_length);
	return ts_done();
}
