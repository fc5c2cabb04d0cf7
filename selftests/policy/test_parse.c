// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_parse.c - the lexer and parser: every construct, every error at its
 * exact FILE:LINE:COL. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy_test.h"
#include "policy/ports.h"

static struct ts_policy *parse(const char *text, struct ts_diags *d)
{
	struct ts_policy *p = NULL;
	int err = ts_policy_parse("t.policy", text, strlen(text), NULL, &p, d);

	TS_CHECK(err == 0 && p, "parse failed: %d", err);
	if (d->n)
		tp_print(d);
	return p;
}

static void test_members(void)
{
	struct ts_diags d = { 0 };
	struct ts_policy *p = parse(
		"component a {\n"
		"    192.0.2.7 198.51.100.0/26\n"
		"    2001:DB8::10 2001:db8:100::/56\n"
		"    Host.Example.NET.\n"
		"    *.blob.core.windows.net\n"
		"    **.cdn.example.org\n"
		"}\n", &d);
	static const enum ts_member_kind kinds[] = { TS_MEMBER_HOST, TS_MEMBER_CIDR, TS_MEMBER_HOST,
		TS_MEMBER_CIDR, TS_MEMBER_NAME, TS_MEMBER_WILDCARD, TS_MEMBER_WILDCARD };
	static const char *const texts[] = { "192.0.2.7", "198.51.100.0/26", "2001:DB8::10",
		"2001:db8:100::/56", "host.example.net", "*.blob.core.windows.net",
		"**.cdn.example.org" };

	if (!p)
		return;
	TS_CHECK(d.n == 0, "%zu findings", d.n);
	TS_CHECK(p->ncomps == 1 && !strcmp(p->comps[0].name, "a"), "one component 'a'");
	TS_CHECK(p->comps[0].nmembers == 7, "7 members, got %zu", p->comps[0].nmembers);
	for (size_t i = 0; i < 7 && i < p->comps[0].nmembers; i++) {
		const struct ts_member *m = &p->comps[0].members[i];

		TS_CHECK(m->kind == kinds[i], "member %zu kind %d", i, m->kind);
		TS_CHECK(!strcmp(m->text, texts[i]), "member %zu text '%s'", i, m->text);
	}
	if (p->comps[0].nmembers == 7) {
		const struct ts_member *m = p->comps[0].members;

		TS_CHECK(m[1].net.family == TS_FAMILY_V4 && m[1].net.plen == 26 && m[1].net.addr[0] == 198,
			 "v4 cidr parsed");
		TS_CHECK(m[2].net.family == TS_FAMILY_V6 && m[2].net.plen == 128 && m[2].net.addr[15] == 0x10,
			 "v6 host parsed");
		TS_CHECK(m[3].net.plen == 56, "v6 plen 56");
		TS_CHECK(m[4].loc.line == 4 && m[4].loc.col == 5, "name at 4:5, got %u:%u",
			 m[4].loc.line, m[4].loc.col);
	}
	ts_policy_free(p);
	ts_diags_free(&d);
}

static void test_rules(void)
{
	struct ts_diags d = { 0 };
	struct ts_policy *p = parse(
		"component a { 192.0.2.1 }\ncomponent b { 192.0.2.2 }\n"
		"rule \"E1 D1\": a <-> b tcp/443\n"
		"rule \"W1\" b <- a tcp/8443,443,9000-9100\n"
		"rule a->b tcp/1-10, 20   # list continues after a comma\n"
		"rule b -> a tcp/22\n"
		"rule \"N1\": a -> b udp/123\n"
		"rule a <-> b tcp/443 udp/443,4433-4440 icmp/echo\n"
		"rule a -> b udp/53\nrule b -> a tcp/53\n", &d);

	if (!p)
		return;
	TS_CHECK(d.n == 0, "%zu findings", d.n);
	TS_CHECK(p->nrules == 8, "8 rules, got %zu", p->nrules);
	if (p->nrules == 8) {
		const struct ts_rule_stmt *r = p->rules;

		TS_CHECK(!strcmp(r[0].label, "E1 D1") && r[0].dir == TS_DIR_BOTH, "rule 1");
		TS_CHECK(!strcmp(r[1].label, "W1") && r[1].dir == TS_DIR_BACKWARD &&
			 !strcmp(r[1].left, "b") && !strcmp(r[1].right, "a"), "rule 2");
		TS_CHECK(r[1].ports.n == 3 && r[1].ports.v[0].lo == 443 && r[1].ports.v[0].hi == 443 &&
			 r[1].ports.v[1].lo == 8443 && r[1].ports.v[2].lo == 9000 &&
			 r[1].ports.v[2].hi == 9100, "ports sorted, n=%zu", r[1].ports.n);
		TS_CHECK(r[2].label[0] == '\0' && r[2].dir == TS_DIR_FORWARD &&
			 !strcmp(r[2].left, "a") && !strcmp(r[2].right, "b"), "a->b without spaces");
		TS_CHECK(r[2].ports.n == 2 && r[2].ports.v[0].hi == 10 && r[2].ports.v[1].lo == 20,
			 "port list continued after ', '");
		TS_CHECK(r[3].loc.line == 6 && r[3].loc.col == 1 && r[3].left_loc.col == 6 &&
			 r[3].right_loc.col == 11 && r[3].ports_loc.col == 13, "rule 4 locations");
		TS_CHECK(r[4].ports.n == 1 && r[4].ports.v[0].lo == ts_port_index(TS_PLANE_UDP, 123) &&
			 r[4].ports.v[0].hi == r[4].ports.v[0].lo && !strcmp(r[4].label, "N1"),
			 "udp/123 is UDP's port 123, not TCP's");
		TS_CHECK(r[5].ports.n == 4 && r[5].ports.v[0].lo == 443 &&
			 r[5].ports.v[1].lo == ts_port_index(TS_PLANE_UDP, 443) &&
			 r[5].ports.v[2].lo == ts_port_index(TS_PLANE_UDP, 4433) &&
			 r[5].ports.v[2].hi == ts_port_index(TS_PLANE_UDP, 4440) &&
			 r[5].ports.v[3].lo == ts_port_index(TS_PLANE_ICMP, TS_ICMP_ECHO_PORT),
			 "tcp, udp and icmp specs in one rule, n=%zu", r[5].ports.n);
		TS_CHECK(!ts_ports_overlap(&r[6].ports, &r[7].ports), "udp/53 and tcp/53 are apart");
		char text[96];
		ts_ports_format(&r[5].ports, text, sizeof(text));
		TS_CHECK(!strcmp(text, "tcp/443 udp/443,4433-4440 icmp/echo"), "formatted '%s'", text);
	}
	ts_policy_free(p);
	ts_diags_free(&d);
}

static void test_settings(void)
{
	struct ts_diags d = { 0 };
	struct ts_policy *p = parse(
		"settings {\n"
		"    scope tcp/443, 8443 udp/443 icmp/echo\n"
		"    outside-scope drop\n"
		"    audit on\n"
		"    loose-pickup on\n"
		"    resolvers 192.0.2.53 2001:db8::53\n"
		"    ttl-floor 10s\n"
		"    ttl-ceiling 1h30m\n"
		"    grace 2d\n"
		"    max-addresses-per-name 16\n"
		"    timeout syn 20s\n"
		"    timeout established 6h\n"
		"    timeout closing 5s\n"
		"    timeout unreplied 7s\n"
		"    timeout replied 1m\n"
		"    events-per-second 50\n"
		"    table flows 1000\n"
		"    table half-open 200\n"
		"    table hosts 300\n"
		"    table prefixes 400\n"
		"    table rules 500\n"
		"}\n", &d);
	const struct ts_compiled_settings *v;

	if (!p)
		return;
	v = &p->settings.v;
	TS_CHECK(d.n == 0, "%zu findings", d.n);
	TS_CHECK(p->settings.scope.n == 4 &&
		 p->settings.scope.v[2].lo == ts_port_index(TS_PLANE_UDP, 443) &&
		 p->settings.scope.v[3].lo == ts_port_index(TS_PLANE_ICMP, TS_ICMP_ECHO_PORT),
		 "scope has 4 ranges over three protocols");
	TS_CHECK(v->flags == (TS_CFG_SCOPE_DROP | TS_CFG_AUDIT | TS_CFG_LOOSE_PICKUP), "flags %x", v->flags);
	TS_CHECK(v->nresolvers == 2 && v->resolvers[1].family == TS_FAMILY_V6, "resolvers");
	TS_CHECK(v->ttl_floor_s == 10 && v->ttl_ceiling_s == 5400 && v->grace_s == 2 * 86400, "durations");
	TS_CHECK(v->max_addrs_per_name == 16 && v->events_per_sec == 50, "counts");
	TS_CHECK(v->timeout_syn_s == 20 && v->timeout_established_s == 6 * 3600 &&
		 v->timeout_closing_s == 5 && v->timeout_unreplied_s == 7 &&
		 v->timeout_replied_s == 60, "timeouts");
	TS_CHECK(v->cap_flows == 1000 && v->cap_halfopen == 200 && v->cap_hosts == 300 &&
		 v->cap_prefixes == 400 && v->cap_rules == 500, "tables");
	ts_policy_free(p);
	ts_diags_free(&d);
}

static void test_settings_one_line(void)
{
	struct ts_diags d = { 0 };
	struct ts_policy *p = parse("settings { audit on }\nsettings {\n  grace 1m }\n", &d);

	if (!p)
		return;
	TS_CHECK(d.n == 0 && (p->settings.v.flags & TS_CFG_AUDIT) && p->settings.v.grace_s == 60,
		 "an entry may share the braces' lines");
	ts_policy_free(p);
	ts_diags_free(&d);
}

static void test_defaults(void)
{
	struct ts_diags d = { 0 };
	struct ts_policy *p = parse("# nothing but a comment\n", &d);
	const struct ts_compiled_settings *v;

	if (!p)
		return;
	v = &p->settings.v;
	TS_CHECK(v->flags == 0, "outside-scope pass, audit off, loose-pickup off");
	TS_CHECK(v->ttl_floor_s == 30 && v->ttl_ceiling_s == 3600 && v->grace_s == 900, "ttl defaults");
	TS_CHECK(v->timeout_syn_s == 30 && v->timeout_established_s == 21600 &&
		 v->timeout_closing_s == 10 && v->timeout_unreplied_s == 30 &&
		 v->timeout_replied_s == 120, "timeout defaults");
	TS_CHECK(v->cap_flows == TS_DEFAULT_FLOWS && v->cap_rules == TS_DEFAULT_RULES, "table defaults");
	TS_CHECK(v->nresolvers == 0 && !p->settings.set[TS_SET_SCOPE], "no resolvers, no scope");
	ts_policy_free(p);
	ts_diags_free(&d);
}

static void test_includes(void)
{
	static const struct tp_file files[] = {
		{ "t.policy", "" },
		{ "rules.policy", "# rules live here\nrule a -> b tcp/443\n" },
		{ "feed.txt", "# a feed\n192.0.2.0/25\n\n192.0.2.128/25  # comment\n" },
		{ NULL, NULL },
	};
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = tp_build("component a { include \"feed.txt\" 198.51.100.1 }\n"
			   "component b { 203.0.113.1 }\n"
			   "include \"rules.policy\"\n", files, &d, &c);

	TS_CHECK(err == 0 && c, "compiles: %d", err);
	if (c) {
		TS_CHECK(c->nprefixes == 2 && c->nhosts == 2, "feed prefixes %zu hosts %zu",
			 c->nprefixes, c->nhosts);
		TS_CHECK(c->nrule_ids == 1 && !strcmp(c->rule_info[1].file, "rules.policy") &&
			 c->rule_info[1].line == 2, "rule from the included file, at its line");
		for (size_t i = 0; i < c->nmembers; i++)
			if (c->members[i].net.plen == 25 && c->members[i].net.addr[3] == 128)
				TS_CHECK(!strcmp(c->members[i].file, "feed.txt") && c->members[i].line == 4 &&
					 c->members[i].col == 1, "member location in the feed");
	}
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_include_relative(void)
{
	static const struct tp_file files[] = {
		{ "site/more.policy", "component b { include \"lists/b.txt\" }\n" },
		{ "site/lists/b.txt", "203.0.113.0/24\n" },
		{ NULL, NULL },
	};
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = tp_build_as("site/main.policy",
			      "component a { 192.0.2.1 }\ninclude \"more.policy\"\nrule a -> b tcp/443\n",
			      files, &d, &c);

	TS_CHECK(err == 0 && c, "includes resolve relative to the including file: %d", err);
	if (err)
		tp_print(&d);
	TS_CHECK(c && c->nprefixes == 1, "b's prefix came from site/lists/b.txt");
	ts_compiled_free(c);
	ts_diags_free(&d);
}

/* Each: exactly one error, at its place; the build yields nothing. */
static const struct tp_case error_cases[] = {
	{ "top_level_word", "componet a { 192.0.2.1 }\n", "syntax", TS_SEV_ERROR, 1, 1 },
	{ "component_no_brace", "component a 192.0.2.1\n", "syntax", TS_SEV_ERROR, 1, 13 },
	{ "component_bad_name", "component 9a { 192.0.2.1 }\n", "syntax", TS_SEV_ERROR, 1, 11 },
	{ "component_unclosed", "component a {\n  192.0.2.1\n", "syntax", TS_SEV_ERROR, 1, 13 },
	{ "string_unterminated", "rule \"E1: a -> b tcp/443\n", "syntax", TS_SEV_ERROR, 1, 6 },
	{ "bad_ipv4", "component a {\n  300.1.2.3\n}\n", "bad-address", TS_SEV_ERROR, 2, 3 },
	{ "bad_ipv6", "component a { 2001:db8:::1 }\n", "bad-address", TS_SEV_ERROR, 1, 15 },
	{ "bad_plen", "component a { 10.0.0.0/33 }\n", "bad-address", TS_SEV_ERROR, 1, 15 },
	{ "host_bits", "component a { 10.0.0.1/8 }\n", "bad-address", TS_SEV_ERROR, 1, 15 },
	{ "empty_label", "component a { foo..example.com }\n", "bad-name", TS_SEV_ERROR, 1, 19 },
	{ "star_inside", "component a { ex*ample.com }\n", "bad-name", TS_SEV_ERROR, 1, 17 },
	{ "star_partial", "component a { *x.example.com }\n", "bad-name", TS_SEV_ERROR, 1, 15 },
	{ "wildcard_tld", "component a { *.com }\n", "bad-name", TS_SEV_ERROR, 1, 17 },
	{ "wildcard_psl", "component a { **.co.uk }\n", "bad-name", TS_SEV_ERROR, 1, 18 },
	{ "label_64", "component a { aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com }\n",
	  "bad-name", TS_SEV_ERROR, 1, 15 },
	{ "bad_char_name", "component a { foo_bar!.com }\n", "bad-name", TS_SEV_ERROR, 1, 22 },
	{ "numeric_tld", "component a { foo.123 }\n", "bad-name", TS_SEV_ERROR, 1, 19 },
	{ "not_a_member", "component a { 10.0.0.0/x/y }\n", "bad-address", TS_SEV_ERROR, 1, 15 },
	{ "rule_arrow", "component a { 192.0.2.1 }\nrule a => a tcp/443\n", "syntax", TS_SEV_ERROR, 2, 8 },
	{ "rule_no_ports", "component a { 192.0.2.1 }\nrule a -> a\n", "syntax", TS_SEV_ERROR, 2, 12 },
	{ "rule_label_long", "rule \"0123456789012345678901234567890123\": a -> a tcp/1\n", "label", TS_SEV_ERROR, 1, 6 },
	{ "port_zero", "component a { 192.0.2.1 }\nrule a -> a tcp/443,0\n", "port", TS_SEV_ERROR, 2, 21 },
	{ "port_big", "component a { 192.0.2.1 }\nrule a -> a tcp/65536\n", "port", TS_SEV_ERROR, 2, 17 },
	{ "port_range_empty", "component a { 192.0.2.1 }\nrule a -> a tcp/22,90-80\n", "port", TS_SEV_ERROR, 2, 20 },
	{ "port_junk", "component a { 192.0.2.1 }\nrule a -> a tcp/44x\n", "port", TS_SEV_ERROR, 2, 19 },
	{ "port_proto", "component a { 192.0.2.1 }\nrule a -> a sctp/53\n", "port", TS_SEV_ERROR, 2, 13 },
	{ "port_udp_range", "component a { 192.0.2.1 }\nrule a -> a tcp/443 udp/9,0\n", "port", TS_SEV_ERROR, 2, 27 },
	{ "port_icmp_type", "component a { 192.0.2.1 }\nrule a -> a icmp/8\n", "port", TS_SEV_ERROR, 2, 18 },
	{ "port_proto_twice", "component a { 192.0.2.1 }\nrule a -> a udp/53 tcp/1 udp/54\n", "port", TS_SEV_ERROR, 2, 26 },
	{ "port_empty_item", "component a { 192.0.2.1 }\nrule a -> a tcp/1,,2\n", "port", TS_SEV_ERROR, 2, 19 },
	{ "setting_unknown", "settings {\n  colour blue\n}\n", "unknown-setting", TS_SEV_ERROR, 2, 3 },
	{ "setting_table_unknown", "settings {\n  table sessions 5\n}\n", "unknown-setting", TS_SEV_ERROR, 2, 9 },
	{ "setting_bool", "settings {\n  audit maybe\n}\n", "setting-value", TS_SEV_ERROR, 2, 9 },
	{ "setting_duration_unit", "settings {\n  grace 15\n}\n", "setting-value", TS_SEV_ERROR, 2, 11 },
	{ "setting_duration_zero", "settings {\n  timeout syn 0s\n}\n", "setting-value", TS_SEV_ERROR, 2, 15 },
	{ "setting_count", "settings {\n  table flows 0\n}\n", "setting-value", TS_SEV_ERROR, 2, 15 },
	{ "setting_scope_two_lists", "settings {\n  scope tcp/443 tcp/80\n}\n", "port", TS_SEV_ERROR, 2, 17 },
	{ "setting_scope_icmp", "settings {\n  scope udp/443 icmp/ping\n}\n", "port", TS_SEV_ERROR, 2, 22 },
	{ "setting_two_per_line", "settings {\n  audit on loose-pickup on\n}\n", "setting-value", TS_SEV_ERROR, 2, 12 },
	{ "setting_resolver", "settings {\n  resolvers 192.0.2.0/24\n}\n", "setting-value", TS_SEV_ERROR, 2, 13 },
	{ "setting_ttl_order", "settings {\n  ttl-floor 2h\n  ttl-ceiling 1h\n}\n", "setting-value", TS_SEV_ERROR, 2, 3 },
	{ "settings_unclosed", "settings {\n  audit on\n", "syntax", TS_SEV_ERROR, 1, 10 },
	{ "include_missing", "include \"nope.policy\"\n", "include", TS_SEV_ERROR, 1, 9 },
	{ "include_self", "include \"t.policy\"\n", "include-cycle", TS_SEV_ERROR, 1, 9 },
	{ "include_not_string", "include nope.policy\n", "syntax", TS_SEV_ERROR, 1, 9 },
	{ "non_ascii", "component a { 192.0.2.1 \xc3\xa9 }\n", "syntax", TS_SEV_ERROR, 1, 25 },
	{ "stray_brace", "}\n", "syntax", TS_SEV_ERROR, 1, 1 },
	{ "unknown_component", "component waf { 192.0.2.1 }\nrule wafs -> waf tcp/443\n",
	  "unknown-component", TS_SEV_ERROR, 2, 6 },
	{ "duplicate_component", "component a { 192.0.2.1 }\ncomponent a { 192.0.2.2 }\nrule a -> a tcp/1\n",
	  "duplicate-component", TS_SEV_ERROR, 2, 11 },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
		tp_expect(&error_cases[i]);
}

static void test_error_format(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	tp_build("component a {\n  10.0.0.0/33\n}\n", NULL, &d, &c);
	if (f) {
		ts_diags_print(f, &d);
		fclose(f);
	}
	TS_CHECK(strstr(buf, "\nt.policy:2:3: error: '10.0.0.0/33': ") != NULL,
		 "gcc-style line, got '%s'", buf);
	ts_diags_free(&d);
}

/* A NUL byte is a stray byte like any other (it once stopped the lexer). */
static void test_nul_byte(void)
{
	static const char text[] = "component a { 192.0.2.1 \0\0 }\nrule a -> a tcp/1\n";
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = ts_policy_build("t.policy", text, sizeof(text) - 1, NULL, &d, &c);

	TS_CHECK(err == -EINVAL && d.nerrors == 1 && tp_find(&d, "syntax", 1, 25),
		 "one error at the NUL bytes: err %d, %zu errors", err, d.nerrors);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_include_depth(void)
{
	static const struct tp_file files[] = {
		{ "1", "include \"2\"\n" }, { "2", "include \"3\"\n" }, { "3", "include \"4\"\n" },
		{ "4", "include \"5\"\n" }, { "5", "include \"6\"\n" }, { "6", "include \"7\"\n" },
		{ "7", "include \"8\"\n" }, { "8", "include \"9\"\n" }, { "9", "component x { 192.0.2.1 }\n" },
		{ NULL, NULL },
	};
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = tp_build("include \"1\"\n", files, &d, &c);
	const struct ts_diag *g = ts_diags_find(&d, "include-depth");

	TS_CHECK(err == -EINVAL && g, "nine nested includes are refused");
	TS_CHECK(g && !strcmp(g->loc.file, "7") && g->loc.line == 1 && g->loc.col == 9,
		 "reported at the include that goes too deep");
	ts_diags_free(&d);
}

static void test_include_cycle(void)
{
	static const struct tp_file files[] = {
		{ "a.policy", "include \"b.policy\"\n" },
		{ "b.policy", "component x { 192.0.2.1 }\ninclude \"a.policy\"\n" },
		{ NULL, NULL },
	};
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = tp_build_as("a.policy", files[0].text, files, &d, &c);
	const struct ts_diag *g = ts_diags_find(&d, "include-cycle");

	TS_CHECK(err == -EINVAL && g && !strcmp(g->loc.file, "b.policy") && g->loc.line == 2,
		 "a -> b -> a is a cycle, reported in b.policy:2");
	ts_diags_free(&d);
}

static void test_member_file_rules(void)
{
	static const struct tp_file files[] = {
		{ "feed.txt", "192.0.2.0/25\n192.0.2.128/25 198.51.100.0/24\n{\n" },
		{ NULL, NULL },
	};
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = tp_build("component a { include \"feed.txt\" }\nrule a -> a tcp/1\n", files, &d, &c);

	TS_CHECK(err == -EINVAL, "member-file errors fail the policy");
	TS_CHECK(tp_find(&d, "syntax", 2, 16) != NULL, "two members on one line: error at the second");
	TS_CHECK(tp_find(&d, "syntax", 3, 1) != NULL, "'{' is not a member");
	ts_diags_free(&d);
}

int main(void)
{
	ts_run("parse_members", test_members);
	ts_run("parse_rules", test_rules);
	ts_run("parse_settings", test_settings);
	ts_run("parse_settings_one_line", test_settings_one_line);
	ts_run("parse_defaults", test_defaults);
	ts_run("parse_includes", test_includes);
	ts_run("parse_include_relative", test_include_relative);
	ts_run("parse_include_depth", test_include_depth);
	ts_run("parse_include_cycle", test_include_cycle);
	ts_run("parse_member_file", test_member_file_rules);
	ts_run("parse_errors_exact_location", test_errors);
	ts_run("parse_error_format", test_error_format);
	ts_run("parse_nul_byte", test_nul_byte);
	return ts_done();
}
