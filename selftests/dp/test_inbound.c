// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_inbound - the "no inbound" filter (TS_ADDR_NO_INBOUND bits), which
 * lets a SYN be refused without the rule lookup (its pair's bit set, or
 * every bit set: no rule leads to the set):
 * every bit of a set's entries is set but those of the pairs its rule
 * entries come from, it follows a name that resolves, and a bit goes
 * before a rule entry of its pair is written at run time, so that
 * connection is allowed, whether the set had no inbound rule or some.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dp/dp.h"
#include "policy/compiled.h"
#include "dpt.h"
#include "expect.h"
#include "testlib.h"
#include "pkt.h"


/* api is only a name: until it resolves, no set holds it, so no rule
 * entry leads to sink. */
static const char policy[] =
	"settings {\n scope tcp/443\n outside-scope pass\n}\n"
	"component clients { 10.1.0.0/16 }\n"
	"component server { 10.2.0.1 }\n"
	"component api { api.example }\n"
	"component sink { 10.3.0.1 }\n"
	"rule \"C\": clients -> server tcp/443\n"
	"rule \"A\": api -> sink tcp/443\n";

static uint32_t flags_of(struct dpt *t, const char *addr)
{
	struct ts_net n = { .family = TS_FAMILY_V4, .plen = 32 };
	struct ts_config cfg;
	struct ts_addr_val v = {};
	uint32_t plen;
	bool exact;

	inet_pton(AF_INET, addr, n.addr);
	if (ts_dp_config_read(t->dp, &cfg) || ts_dp_addr_find(t->dp, cfg.active_slot, &n, &v, &plen, &exact))
		return ~0u;
	return v.flags;
}

static uint32_t set_of(struct dpt *t, const char *addr)
{
	struct ts_net n = { .family = TS_FAMILY_V4, .plen = 32 };

	inet_pton(AF_INET, addr, n.addr);
	return ts_compiled_static_set(t->c, &n);
}

/* The filter bits an entry of set `dst` must carry under the compiled rules. */
static uint32_t filter_of(const struct dpt *t, uint32_t dst)
{
	uint32_t f = TS_ADDR_NO_INBOUND;

	for (size_t i = 0; i < t->c->nrules_entries; i++)
		if (t->c->rules[i].dst_set == dst)
			f &= ~ts_inbound_bit(t->c->rules[i].src_set, t->c->rules[i].port_class);
	return f;
}

/* A rule entry written at run time (as the name resolver writes them),
 * then a SYN it allows. */
static void add_and_open(struct dpt *t, const char *src, const char *dst, uint16_t sport)
{
	struct ts_rule_entry e = { .src_set = set_of(t, src), .dst_set = set_of(t, dst),
				   .port_class = t->c->port_class[443],
				   .rule_id = t->c->rules[0].rule_id };
	struct pkt p;

	TS_CHECK(e.src_set && e.dst_set && e.port_class, "sets and class of the %s -> %s entry", src, dst);
	TS_CHECK(!ts_dp_rules_add(t->dp, &e, 1), "rules_add %s -> %s", src, dst);
	TS_CHECK(!(flags_of(t, dst) & ts_inbound_bit(e.src_set, e.port_class)),
		 "%s after the entry from %s: flags %#x keep its bit", dst, src, flags_of(t, dst));
	dpt_tcp(&p, src, sport, dst, 443, SYN, 0);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "by the new entry");
}

static void test_no_inbound_filter(void)
{
	uint32_t server, bit_clients, cls;
	struct dpt t = {};
	struct pkt p;

	if (dpt_open(&t, 1024, 1024) || dpt_install_text(&t, policy)) {
		TS_CHECK(0, "setup");
		dpt_close(&t);
		return;
	}
	server = set_of(&t, "10.2.0.1");
	cls = t.c->port_class[443];
	bit_clients = ts_inbound_bit(set_of(&t, "10.1.0.5"), cls);
	/* clients only initiate: every bit; server and sink: all but their pairs' */
	TS_CHECK(flags_of(&t, "10.1.0.5") == TS_ADDR_NO_INBOUND, "clients: flags %#x, want every bit",
		 flags_of(&t, "10.1.0.5"));
	TS_CHECK(flags_of(&t, "10.2.0.1") == filter_of(&t, server) &&
		 filter_of(&t, server) == (TS_ADDR_NO_INBOUND & ~bit_clients),
		 "server: flags %#x, want %#x", flags_of(&t, "10.2.0.1"), TS_ADDR_NO_INBOUND & ~bit_clients);
	TS_CHECK(flags_of(&t, "10.3.0.1") == filter_of(&t, set_of(&t, "10.3.0.1")),
		 "sink: flags %#x, want %#x", flags_of(&t, "10.3.0.1"), filter_of(&t, set_of(&t, "10.3.0.1")));
	dpt_tcp(&p, "10.1.0.5", 1000, "10.2.0.1", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "clients -> server");
	dpt_tcp(&p, "10.2.0.1", 1001, "10.1.0.5", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "server -> clients, no rule leads there");
	dpt_tcp(&p, "10.3.0.1", 1001, "10.2.0.1", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "sink -> server, no rule for the pair");

	/* a name resolves: the new host entry gets its set's filter */
	TS_CHECK(!dpt_resolve(&t, "api", "10.9.0.9"), "resolve api.example");
	TS_CHECK(flags_of(&t, "10.9.0.9") == filter_of(&t, set_of(&t, "10.9.0.9")),
		 "api's host entry: flags %#x, want %#x", flags_of(&t, "10.9.0.9"),
		 filter_of(&t, set_of(&t, "10.9.0.9")));
	dpt_tcp(&p, "10.9.0.9", 2000, "10.3.0.1", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "api -> sink once api resolved");

	/* run-time entries: into a set no rule led to (every bit set), and a
	 * new pair into one with a rule already (the pair's bit must differ
	 * from clients', or the test would not see it go) */
	add_and_open(&t, "10.2.0.1", "10.1.0.5", 1002);
	TS_CHECK(ts_inbound_bit(set_of(&t, "10.3.0.1"), cls) != bit_clients,
		 "sink's and clients' bits into server differ");
	add_and_open(&t, "10.3.0.1", "10.2.0.1", 1003);
	/* two run-time pairs into one set: the second still clears its bit */
	TS_CHECK(ts_inbound_bit(server, cls) != ts_inbound_bit(set_of(&t, "10.1.0.5"), cls),
		 "server's and clients' bits into sink differ");
	add_and_open(&t, "10.2.0.1", "10.3.0.1", 1004);
	add_and_open(&t, "10.1.0.5", "10.3.0.1", 1005);

	/* a reload computes every entry's bits again from its rule entries */
	TS_CHECK(!dpt_install_text(&t, policy), "reload");
	TS_CHECK(flags_of(&t, "10.2.0.1") == filter_of(&t, server), "server after reload: flags %#x, want %#x",
		 flags_of(&t, "10.2.0.1"), filter_of(&t, server));
	TS_CHECK(flags_of(&t, "10.1.0.5") == TS_ADDR_NO_INBOUND, "clients after reload: flags %#x",
		 flags_of(&t, "10.1.0.5"));
	dpt_close(&t);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("dp_inbound", "needs root");
		return 0;
	}
	ts_run("dp_no_inbound_filter", test_no_inbound_filter);
	return ts_done();
}
