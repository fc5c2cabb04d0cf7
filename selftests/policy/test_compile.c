// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_compile.c - compiler output inspected without a kernel: sets of
 * overlapping and shared addresses, port classes, rule expansion, the
 * incremental set API, explain, the seed policy, and a 100k-prefix feed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy_test.h"
#include "policy/registry.h"

#define SET(...) ((const char *const[]){ __VA_ARGS__, NULL })

static bool set_of(const struct ts_compiled *c, const char *addr, const char *const *names)
{
	struct ts_net n = tp_net(addr);

	return tp_set_is(c, ts_compiled_static_set(c, &n), names);
}

static const struct ts_addr_entry *find_entry(const struct ts_addr_entry *v, size_t n, const char *net)
{
	struct ts_net want = tp_net(net);

	for (size_t i = 0; i < n; i++)
		if (!ts_net_cmp(&v[i].net, &want))
			return &v[i];
	return NULL;
}

static void test_overlapping_sets(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(
		"component a { 10.0.0.0/8 }\n"
		"component b { 10.1.0.0/16 2001:db8::/32 }\n"
		"component c { 10.1.2.3 2001:db8:1::/48 }\n"
		"component d { 10.1.2.3 }\n"
		"component e { 10.1.0.0/16 }\n"
		"rule a -> b tcp/443\nrule c -> d tcp/443\nrule e -> a tcp/443\n", &d);
	const struct ts_addr_entry *x;

	if (!c)
		return;
	TS_CHECK(c->nprefixes == 4 && c->nhosts == 1, "4 prefixes (shared /16 merged), 1 host: %zu %zu",
		 c->nprefixes, c->nhosts);
	x = find_entry(c->prefixes, c->nprefixes, "10.0.0.0/8");
	TS_CHECK(x && tp_set_is(c, x->set_id, SET("a")), "10/8 -> {a}");
	x = find_entry(c->prefixes, c->nprefixes, "10.1.0.0/16");
	TS_CHECK(x && tp_set_is(c, x->set_id, SET("a", "b", "e")), "10.1/16 -> {a,b,e}: covering /8 included");
	x = find_entry(c->prefixes, c->nprefixes, "2001:db8:1::/48");
	TS_CHECK(x && tp_set_is(c, x->set_id, SET("b", "c")), "2001:db8:1::/48 -> {b,c}");
	x = find_entry(c->hosts, c->nhosts, "10.1.2.3");
	TS_CHECK(x && tp_set_is(c, x->set_id, SET("a", "b", "c", "d", "e")), "host -> every component covering it");
	TS_CHECK(set_of(c, "10.2.3.4", SET("a")), "longest match 10/8");
	TS_CHECK(set_of(c, "10.1.9.9", SET("a", "b", "e")), "longest match 10.1/16");
	TS_CHECK(set_of(c, "2001:db8:1::5", SET("b", "c")), "v6 longest match");
	TS_CHECK(set_of(c, "2001:db8:2::5", SET("b")), "v6 shorter match");
	TS_CHECK(ts_compiled_static_set(c, &(struct ts_net){ TS_FAMILY_V4, 32, { 11, 0, 0, 1 } }) == 0,
		 "outside every prefix: set 0");
	TS_CHECK(c->sets[0].nwords && ts_compset_is_empty(&c->sets[0]), "set 0 is the empty set");
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_port_classes(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(
		"component a { 192.0.2.1 }\ncomponent b { 192.0.2.2 }\n"
		"component c { 192.0.2.3 }\ncomponent d { 192.0.2.4 }\n"
		"rule \"r1\" a -> b tcp/443,8443\nrule \"r2\" a -> c tcp/443\n"
		"rule \"r3\" a -> d tcp/8443,9000-9001\n", &d);

	if (!c)
		return;
	TS_CHECK(c->nport_classes == 4, "3 in-scope classes, got %u", c->nport_classes - 1);
	TS_CHECK(c->port_class[443] && c->port_class[8443] && c->port_class[9000], "rule ports in scope");
	TS_CHECK(c->port_class[443] != c->port_class[8443] && c->port_class[8443] != c->port_class[9000],
		 "ports that rules treat differently get different classes");
	TS_CHECK(c->port_class[9000] == c->port_class[9001], "equal-behaviour ports share a class");
	TS_CHECK(!c->port_class[0] && !c->port_class[80] && !c->port_class[9002] && !c->port_class[65535],
		 "the default scope is the ports rules name");
	ts_compiled_free(c);
	ts_diags_free(&d);

	c = tp_compile_ok("settings {\n scope tcp/1-65535\n}\n"
			  "component a { 192.0.2.1 }\ncomponent b { 192.0.2.2 }\n"
			  "rule a -> b tcp/443,444\n", &d);
	if (!c)
		return;
	TS_CHECK(c->nport_classes == 3, "ruled and unruled classes, got %u", c->nport_classes - 1);
	TS_CHECK(c->port_class[22] && c->port_class[22] == c->port_class[65535] &&
		 c->port_class[22] == c->port_class[1], "in scope without rules: one class");
	TS_CHECK(c->port_class[443] == c->port_class[444] && c->port_class[443] != c->port_class[22],
		 "rule ports share their own class");
	TS_CHECK(!c->port_class[0], "port 0 is never in scope");
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_directions(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(
		"component a { 192.0.2.1 }\ncomponent b { 192.0.2.2 }\ncomponent c { 192.0.2.3 }\n"
		"rule \"f\": a -> b tcp/443\nrule \"r\": a <- c tcp/443\nrule \"x\": b <-> c tcp/443\n", &d);
	uint32_t sa, sb, sc, k;

	if (!c)
		return;
	sa = tp_single_set(c, "a");
	sb = tp_single_set(c, "b");
	sc = tp_single_set(c, "c");
	k = c->port_class[443];
	TS_CHECK(c->nrule_ids == 4, "-> and <- give one id, <-> two: %zu", c->nrule_ids);
	if (c->nrule_ids == 4) {
		TS_CHECK(!strcmp(c->rule_info[1].text, "a -> b tcp/443") && !strcmp(c->rule_info[1].label, "f") &&
			 c->rule_info[1].dir == TS_DIR_FORWARD, "id 1: %s", c->rule_info[1].text);
		TS_CHECK(!strcmp(c->rule_info[2].text, "c -> a tcp/443") && c->rule_info[2].dir == TS_DIR_BACKWARD,
			 "id 2 (written a <- c): %s", c->rule_info[2].text);
		TS_CHECK(!strcmp(c->rule_info[3].text, "b -> c tcp/443") && !strcmp(c->rule_info[4].text, "c -> b tcp/443") &&
			 !strcmp(c->rule_info[4].label, "x") && c->rule_info[3].stmt == c->rule_info[4].stmt,
			 "ids 3, 4: both directions of x");
		TS_CHECK(!strcmp(c->rule_info[2].file, "t.policy") && c->rule_info[2].line == 5 &&
			 c->rule_info[2].col == 1, "source location");
	}
	TS_CHECK(tp_entry(c, sa, sb, k) == 1 && tp_entry(c, sb, sa, k) == 0, "a -> b only forward");
	TS_CHECK(tp_entry(c, sc, sa, k) == 2 && tp_entry(c, sa, sc, k) == 0, "a <- c: c opens to a only");
	TS_CHECK(tp_entry(c, sb, sc, k) == 3 && tp_entry(c, sc, sb, k) == 4, "b <-> c both ways");
	TS_CHECK(c->nrules_entries == 4, "no other entries: %zu", c->nrules_entries);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_first_rule_wins(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(
		"component a { 192.0.2.1 }\ncomponent b { 192.0.2.2 }\n"
		"rule \"one\": a -> b tcp/443\nrule \"two\": a <-> b tcp/443\n", &d);
	uint32_t sa, sb, k;

	if (!c)
		return;
	sa = tp_single_set(c, "a");
	sb = tp_single_set(c, "b");
	k = c->port_class[443];
	TS_CHECK(tp_entry(c, sa, sb, k) == 1, "the first declared rule owns a shared key");
	TS_CHECK(tp_entry(c, sb, sa, k) == 3, "the other direction comes from 'two'");
	TS_CHECK(c->nrules_entries == 2, "one entry per key: %zu", c->nrules_entries);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_shared_address_expansion(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(
		"component a { 10.0.0.0/8 }\ncomponent b { 10.1.0.0/16 }\ncomponent c { 192.0.2.1 }\n"
		"rule a -> c tcp/443\nrule c -> b tcp/443\n", &d);
	uint32_t s_a, s_ab, s_c, k;
	struct ts_net n;

	if (!c)
		return;
	s_a = tp_single_set(c, "a");
	n = tp_net("10.1.0.1");
	s_ab = ts_compiled_static_set(c, &n);
	s_c = tp_single_set(c, "c");
	k = c->port_class[443];
	TS_CHECK(tp_set_is(c, s_ab, SET("a", "b")), "10.1/16 is {a,b}");
	TS_CHECK(tp_entry(c, s_a, s_c, k) == 1 && tp_entry(c, s_ab, s_c, k) == 1,
		 "a -> c from every set holding a");
	TS_CHECK(tp_entry(c, s_c, s_ab, k) == 2 && tp_entry(c, s_c, s_a, k) == 0,
		 "c -> b only to sets holding b");
	TS_CHECK(c->nrules_entries == 3, "3 entries: %zu", c->nrules_entries);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static const char incremental_policy[] =
	"component a { 10.0.0.0/8 }\ncomponent w { waf.example.net }\ncomponent b { 192.0.2.1 }\n"
	"rule \"aw\": a -> w tcp/443\nrule \"wb\": w -> b tcp/443\n";

static void name_comps(const struct ts_compiled *c, struct ts_compset *s, const char *name)
{
	ts_compset_init(s, c->ncomps);
	ts_compset_add(s, (uint32_t)tp_comp(c, name));
}

#define U(port) ts_port_index(TS_PLANE_UDP, port)
#define ECHO ts_port_index(TS_PLANE_ICMP, TS_ICMP_ECHO_PORT)

/* Every protocol's ports in one index space: the same number of two
 * protocols is two ports, a class may span protocols, the scope names
 * each. */
static void test_protocol_classes(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(
		"component a { 192.0.2.1 }\ncomponent b { 192.0.2.2 }\n"
		"rule \"q\" a -> b tcp/443 udp/443\nrule \"n\" a -> b udp/123\n"
		"rule \"p\" b -> a icmp/echo\n", &d);
	struct ts_compset sa, sb;
	char scope[128];

	if (!c)
		return;
	TS_CHECK(c->port_class[443] && c->port_class[443] == c->port_class[U(443)],
		 "tcp/443 and udp/443 of one rule share a class");
	TS_CHECK(c->port_class[U(123)] && c->port_class[U(123)] != c->port_class[443] &&
		 c->port_class[ECHO] && c->port_class[ECHO] != c->port_class[U(123)],
		 "udp/123 and icmp/echo have classes of their own");
	TS_CHECK(!c->port_class[123] && !c->port_class[U(444)] && !c->port_class[U(0)] &&
		 !c->port_class[ts_port_index(TS_PLANE_ICMP, 0)], "tcp/123, udp/444 out of scope");
	name_comps(c, &sa, "a");
	name_comps(c, &sb, "b");
	TS_CHECK(ts_compiled_rule_for(c, &sa, &sb, U(123)) && !ts_compiled_rule_for(c, &sb, &sa, U(123)),
		 "udp/123 is allowed a -> b only");
	TS_CHECK(ts_compiled_rule_for(c, &sb, &sa, ECHO) && !ts_compiled_rule_for(c, &sa, &sb, ECHO),
		 "icmp/echo is allowed b -> a only");
	ts_scope_format(c, scope, sizeof(scope));
	TS_CHECK(!strcmp(scope, "tcp/443 udp/123,443 icmp/echo"), "scope '%s'", scope);
	ts_compset_free(&sa);
	ts_compset_free(&sb);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

/* Rule id of entry (src, dst, cls) of the compiled policy or the registry. */
static uint32_t any_entry(const struct ts_registry *r, uint32_t src, uint32_t dst, uint32_t cls)
{
	uint32_t id = tp_entry(r->policy, src, dst, cls);

	return id ? id : tp_entry_in(r->rules, r->nrules, src, dst, cls);
}

static void test_incremental(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(incremental_policy, &d);
	struct ts_set_update up, again;
	struct ts_registry *r;
	struct ts_compset w;
	struct ts_net n;
	size_t before_sets;
	uint32_t k;

	if (!c)
		return;
	k = c->port_class[443];
	name_comps(c, &w, "w");
	TS_CHECK(c->nsets == 4 && c->nrules_entries == 2, "{}, {a}, {b}, {w}: %zu sets, %zu entries",
		 c->nsets, c->nrules_entries);
	if (ts_registry_new(c, &r)) {
		TS_CHECK(false, "registry: out of memory");
		ts_compset_free(&w);
		return;
	}

	n = tp_net("203.0.113.5");
	TS_CHECK(!ts_registry_set_for_addr(r, &n, &w, &up), "name address outside every prefix");
	TS_CHECK(!up.created && up.nrules == 0 && up.set_id == tp_single_set(c, "w"),
		 "the name's one-component set exists from compile time");

	before_sets = ts_registry_nsets(r);
	n = tp_net("10.9.9.9");
	TS_CHECK(!ts_registry_set_for_addr(r, &n, &w, &up), "name address inside a's prefix");
	TS_CHECK(up.created && ts_registry_nsets(r) == before_sets + 1 && up.set_id == before_sets &&
		 tp_compset_is(c, ts_registry_set(r, up.set_id), SET("a", "w")),
		 "new set {a,w}, numbered after the compiled sets");
	TS_CHECK(up.nrules == 4 && r->nrules == 4 && up.rules == r->rules &&
		 c->nrules_entries == 2, "4 new entries reported, in the registry: %zu", up.nrules);
	for (size_t i = 0; i < up.nrules; i++)
		TS_CHECK(up.rules[i].src_set == up.set_id || up.rules[i].dst_set == up.set_id,
			 "every new entry involves the new set");
	TS_CHECK(any_entry(r, up.set_id, tp_single_set(c, "w"), k) == 1, "{a,w} -> {w} by aw");
	TS_CHECK(any_entry(r, up.set_id, up.set_id, k) == 1, "{a,w} -> {a,w} by aw");
	TS_CHECK(any_entry(r, tp_single_set(c, "a"), up.set_id, k) == 1, "{a} -> {a,w} by aw");
	TS_CHECK(any_entry(r, up.set_id, tp_single_set(c, "b"), k) == 2, "{a,w} -> {b} by wb");

	TS_CHECK(!ts_registry_set_for_addr(r, &n, &w, &again) && again.set_id == up.set_id &&
		 !again.created && again.nrules == 0, "asking again creates nothing");
	n = tp_net("10.1.1.1");
	TS_CHECK(!ts_registry_set_for_addr(r, &n, NULL, &again) &&
		 again.set_id == tp_single_set(c, "a"), "no names: the static set");
	n = tp_net("10.0.0.0/24");
	TS_CHECK(ts_registry_set_for_addr(r, &n, &w, &again) == -EINVAL, "a prefix is refused");
	ts_compset_free(&w);
	ts_registry_free(r);
	ts_diags_free(&d);
}

static void test_incremental_capacity(void)
{
	struct ts_diags d = { 0 };
	char text[512];
	struct ts_compiled *c;
	struct ts_registry *r;
	struct ts_set_update up;
	struct ts_compset w;
	struct ts_net n = tp_net("10.9.9.9");
	size_t sets;

	/* 2 entries at compile time, the new set needs 4 more: over 8/2 */
	snprintf(text, sizeof(text), "settings {\n table rules 8\n}\n%s", incremental_policy);
	c = tp_compile_ok(text, &d);
	if (!c)
		return;
	name_comps(c, &w, "w");
	if (ts_registry_new(c, &r)) {
		TS_CHECK(false, "registry: out of memory");
		ts_compset_free(&w);
		return;
	}
	sets = ts_registry_nsets(r);
	TS_CHECK(ts_registry_set_for_addr(r, &n, &w, &up) == -E2BIG, "rule capacity enforced");
	TS_CHECK(ts_registry_nsets(r) == sets && r->nrules == 0 && c->nrules_entries == 2,
		 "nothing changed on refusal");
	ts_compset_free(&w);
	ts_registry_free(r);
	ts_diags_free(&d);
}

/* Runtime host entries shadow compiled ones and never write into them. */
static void test_registry_hosts(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok("component a { 10.0.0.0/8 10.1.2.3 }\n"
					      "component b { 192.0.2.0/24 }\n"
					      "rule a -> b tcp/443\n", &d);
	const struct ts_addr_entry *compiled, *h;
	struct ts_addr_entry e;
	struct ts_registry *r;
	struct ts_net n = tp_net("10.1.2.3"), cidr = tp_net("10.1.0.0/16");

	if (!c)
		return;
	if (ts_registry_new(c, &r)) {
		TS_CHECK(false, "registry: out of memory");
		return;
	}
	compiled = ts_registry_host(r, &n);
	TS_CHECK(compiled && compiled >= c->hosts && compiled < c->hosts + c->nhosts,
		 "a literal host is the compiled entry");
	e = *compiled;
	e.flags |= TS_ADDR_RESOLVER;
	TS_CHECK(!ts_registry_host_put(r, &e) && r->nhosts == 1, "runtime entry added");
	h = ts_registry_host(r, &n);
	TS_CHECK(h == &r->hosts[0] && (h->flags & TS_ADDR_RESOLVER) && h->set_id == compiled->set_id,
		 "the runtime entry shadows the compiled one");
	TS_CHECK(!(compiled->flags & TS_ADDR_RESOLVER), "the compiled entry kept its flags");
	e.flags = 0;
	TS_CHECK(!ts_registry_host_put(r, &e) && r->nhosts == 1 && !ts_registry_host(r, &n)->flags,
		 "a second put replaces");
	TS_CHECK(ts_registry_host_put(r, &(struct ts_addr_entry){ .net = cidr }) == -EINVAL,
		 "a prefix is no host entry");
	n = tp_net("10.9.9.9");
	TS_CHECK(!ts_registry_host(r, &n), "an address without entry has none");
	ts_registry_free(r);
	ts_diags_free(&d);
}

static void test_explain(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(
		"component a { 10.0.0.0/8 10.1.2.3 }\ncomponent b { 10.1.0.0/16 }\n"
		"component blob { *.blob.core.windows.net acme.blob.core.windows.net }\n"
		"component deep { **.cdn.example.net }\n"
		"rule a -> blob tcp/443\nrule b -> deep tcp/443\n", &d);
	static const char *const one_label[] = { "x.blob.core.windows.net" };
	static const char *const two_labels[] = { "x.y.blob.core.windows.net", "blob.core.windows.net" };
	static const char *const deep_names[] = { "a.b.cdn.example.net" };
	struct ts_membership *m = NULL;
	size_t n = 0;
	struct ts_net addr = tp_net("10.1.2.3");
	struct ts_compset src, dst;

	if (!c)
		return;
	TS_CHECK(!ts_compiled_explain_addr(c, &addr, NULL, 0, &m, &n), "explain static");
	TS_CHECK(n == 3, "10.1.2.3: via 10/8, the literal and 10.1/16; got %zu", n);
	for (size_t i = 0; i < n; i++)
		TS_CHECK((m[i].comp == (uint32_t)tp_comp(c, "a") &&
			  (!strcmp(m[i].via, "10.0.0.0/8") || !strcmp(m[i].via, "10.1.2.3"))) ||
			 (m[i].comp == (uint32_t)tp_comp(c, "b") && !strcmp(m[i].via, "10.1.0.0/16") &&
			  m[i].kind == TS_MEMBER_CIDR && m[i].line == 2),
			 "membership %zu: %s", i, m[i].via);
	free(m);

	addr = tp_net("192.0.2.9");
	TS_CHECK(!ts_compiled_explain_addr(c, &addr, one_label, 1, &m, &n) && n == 1 &&
		 m[0].kind == TS_MEMBER_WILDCARD && !strcmp(m[0].via, "*.blob.core.windows.net") &&
		 !strcmp(m[0].file, "t.policy") && m[0].line == 3 && m[0].col == 18,
		 "'*.' matches exactly one label, with where it is written");
	free(m);
	TS_CHECK(!ts_compiled_explain_addr(c, &addr, two_labels, 2, &m, &n) && n == 0,
		 "'*.' matches neither two labels nor the apex");
	free(m);
	TS_CHECK(!ts_compiled_explain_addr(c, &addr, deep_names, 1, &m, &n) && n == 1 &&
		 m[0].comp == (uint32_t)tp_comp(c, "deep"), "'**.' matches several labels");
	free(m);

	name_comps(c, &src, "a");
	name_comps(c, &dst, "blob");
	TS_CHECK(ts_compiled_rule_for(c, &src, &dst, 443) == 1, "a -> blob on 443 by rule 1");
	TS_CHECK(ts_compiled_rule_for(c, &dst, &src, 443) == 0, "blob -> a refused");
	TS_CHECK(ts_compiled_rule_for(c, &src, &dst, 80) == 0, "port 80 is outside the scope");
	ts_compset_free(&src);
	ts_compset_free(&dst);
	ts_compiled_free(c);
	ts_diags_free(&d);
}

/* Seed pairs that may open connections (the union of what the rows say). */
static const char *const seed_allowed[][2] = {
	{ "endpoints", "device-manager" }, { "device-manager", "endpoints" },
	{ "endpoints", "waf" },
	{ "endpoints", "azure-blob" }, { "azure-blob", "endpoints" },
	{ "waf", "aggregator" }, { "aggregator", "waf" },
	{ "waf", "device-manager" }, { "device-manager", "waf" },
	{ "device-manager", "azure-blob" },
	{ "device-manager", "sharefile" }, { "sharefile", "device-manager" },
	{ "device-manager", "redirect-server" },
	{ "aggregator", "device-manager" }, { "device-manager", "aggregator" },
};

static bool seed_is_allowed(const char *src, const char *dst)
{
	for (size_t i = 0; i < sizeof(seed_allowed) / sizeof(seed_allowed[0]); i++)
		if (!strcmp(seed_allowed[i][0], src) && !strcmp(seed_allowed[i][1], dst))
			return true;
	return false;
}

static void test_seed(void)
{
	static const char *const labels[] = { "E1 D1", "E1 D1", "E2 W1", "E3 B1", "E3 B1", "W2 A1",
		"W2 A1", "W3", "W3", "D2 B2", "D3", "D3", "S1", "D4 R1", "A2", "A2" };
	static const char *const texts[] = {
		"endpoints -> device-manager tcp/443", "device-manager -> endpoints tcp/443",
		"endpoints -> waf tcp/443", "endpoints -> azure-blob tcp/443",
		"azure-blob -> endpoints tcp/443", "waf -> aggregator tcp/443",
		"aggregator -> waf tcp/443", "waf -> device-manager tcp/443",
		"device-manager -> waf tcp/443", "device-manager -> azure-blob tcp/443",
		"device-manager -> sharefile tcp/443", "sharefile -> device-manager tcp/443",
		"device-manager -> sharefile tcp/443", "device-manager -> redirect-server tcp/443",
		"aggregator -> device-manager tcp/443", "device-manager -> aggregator tcp/443" };
	const char *root = getenv("TS_ROOT");
	char path[4096];
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err;

	snprintf(path, sizeof(path), "%s/policies/seed.policy", root ? root : ".");
	err = ts_policy_build_file(path, &d, &c);
	TS_CHECK(err == 0 && c, "seed compiles: %d", err);
	if (!c)
		return;
	TS_CHECK(d.nerrors == 0 && d.nwarnings == 1 && ts_diags_find(&d, "conflicting-direction"),
		 "exactly one warning, the ShareFile conflict");
	TS_CHECK(c->ncomps == 7 && c->nrule_ids == 16, "7 components, 16 directed rules: %zu %zu",
		 c->ncomps, c->nrule_ids);
	for (size_t id = 1; id <= c->nrule_ids && id <= 16; id++) {
		TS_CHECK(!strcmp(c->rule_info[id].label, labels[id - 1]), "id %zu label '%s'", id,
			 c->rule_info[id].label);
		TS_CHECK(!strcmp(c->rule_info[id].text, texts[id - 1]), "id %zu text '%s'", id,
			 c->rule_info[id].text);
	}
	TS_CHECK(c->port_class[443] == 1 && c->nport_classes == 2 && !c->port_class[80],
		 "scope tcp/443: one class");
	TS_CHECK(c->settings.flags == 0 && c->settings.nresolvers == 0, "pass outside scope, no resolvers");
	TS_CHECK(c->nnames == 8 && c->nprefixes == 2 && c->nhosts == 2, "names %zu prefixes %zu hosts %zu",
		 c->nnames, c->nprefixes, c->nhosts);
	for (size_t i = 0; i < c->nnames; i++)
		if (c->names[i].wildcard)
			TS_CHECK(!strcmp(c->names[i].name, "*.blob.core.windows.net") &&
				 c->names[i].comp == (uint32_t)tp_comp(c, "azure-blob"), "the Blob wildcard");
	for (size_t s = 0; s < c->ncomps; s++) {
		for (size_t t = 0; t < c->ncomps; t++) {
			const char *src = c->comp_names[s], *dst = c->comp_names[t];
			uint32_t id = tp_entry(c, tp_single_set(c, src), tp_single_set(c, dst), 1);

			TS_CHECK((id != 0) == seed_is_allowed(src, dst), "%s -> %s: rule entry %u", src, dst, id);
		}
	}
	ts_compiled_free(c);
	ts_diags_free(&d);
}

static void test_names(void)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = tp_compile_ok(
		"component a { B.example.net a.example.net b.example.net. *.x.example.net }\n"
		"component b { a.example.net }\nrule a -> b tcp/443\n", &d);

	if (!c)
		return;
	TS_CHECK(c->nnames == 4, "a name twice in one component counts once: %zu", c->nnames);
	if (c->nnames == 4) {
		TS_CHECK(!strcmp(c->names[0].name, "b.example.net") && !c->names[0].wildcard &&
			 c->names[0].comp == 0, "policy order, lower case");
		TS_CHECK(!strcmp(c->names[1].name, "a.example.net") && c->names[1].comp == 0, "second");
		TS_CHECK(!strcmp(c->names[2].name, "*.x.example.net") && c->names[2].wildcard, "wildcard");
		TS_CHECK(!strcmp(c->names[3].name, "a.example.net") && c->names[3].comp == 1,
			 "the same name in another component is its own ref");
	}
	TS_CHECK(tp_single_set(c, "a") != UINT32_MAX && tp_single_set(c, "b") != UINT32_MAX,
		 "components with names have their one-component set from the start");
	ts_compiled_free(c);
	ts_diags_free(&d);
}

/* A 100k-prefix feed compiles in well under a second of CPU. */
static void test_big_feed(void)
{
	struct tp_file files[2] = { { "feed.txt", NULL }, { NULL, NULL } };
	size_t cap = 100000 * 20 + 64, off = 0;
	char *feed = malloc(cap);
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	clock_t start;
	double secs;
	int err;

	if (!feed) {
		TS_CHECK(0, "malloc");
		return;
	}
	for (int i = 0; i < 100000; i++)
		off += (size_t)snprintf(feed + off, cap - off, "%d.%d.%d.0/24\n", 1 + i / 65536 * 10,
					(i / 256) % 256, i % 256);
	files[0].text = feed;
	start = clock();
	err = tp_build("settings {\n table prefixes 1000000\n}\n"
		       "component feed { include \"feed.txt\" }\n"
		       "component site { 1.2.0.0/16 11.0.0.0/8 }\n"
		       "rule site -> feed tcp/443\n", files, &d, &c);
	secs = (double)(clock() - start) / CLOCKS_PER_SEC;
	TS_CHECK(err == 0 && c, "compiles: %d", err);
	TS_CHECK(secs < 1.0, "100k prefixes took %.3f s of CPU", secs);
	fprintf(stderr, "  100k-prefix feed: %.3f s CPU\n", secs);
	if (c) {
		TS_CHECK(c->nprefixes == 100002, "prefixes %zu", c->nprefixes);
		TS_CHECK(set_of(c, "1.2.3.4", SET("feed", "site")), "overlap inside the feed: {feed,site}");
		TS_CHECK(set_of(c, "1.3.3.4", SET("feed")), "feed alone");
		TS_CHECK(c->nsets == 4, "{}, {feed}, {site}, {feed,site}: %zu", c->nsets);
	}
	ts_compiled_free(c);
	ts_diags_free(&d);
	free(feed);
}

int main(void)
{
	ts_run("compile_overlapping_sets", test_overlapping_sets);
	ts_run("compile_port_classes", test_port_classes);
	ts_run("compile_protocol_classes", test_protocol_classes);
	ts_run("compile_directions", test_directions);
	ts_run("compile_first_rule_wins", test_first_rule_wins);
	ts_run("compile_shared_address_expansion", test_shared_address_expansion);
	ts_run("compile_incremental_set", test_incremental);
	ts_run("compile_registry_hosts", test_registry_hosts);
	ts_run("compile_incremental_capacity", test_incremental_capacity);
	ts_run("compile_explain", test_explain);
	ts_run("compile_seed_policy", test_seed);
	ts_run("compile_names", test_names);
	ts_run("compile_100k_prefixes", test_big_feed);
	return ts_done();
}
