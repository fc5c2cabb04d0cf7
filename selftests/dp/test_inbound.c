// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_inbound - TS_ADDR_NO_INBOUND, the flag that lets a SYN to a set no
 * rule leads to be refused without looking up its source: it is on such a
 * set's entries and off the others, it follows a name that resolves, and
 * it goes before a rule entry that leads to its set is written at run
 * time, so that connection is allowed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dp/dp.h"
#include "policy/compiled.h"
#include "dpt.h"
#include "expect.h"
#include "testlib.h"

enum { SYN = 0x02 };

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

static void test_no_inbound_flag(void)
{
	struct ts_rule_entry e;
	struct dpt t = {};
	struct pkt p;

	if (dpt_open(&t, 1024, 1024) || dpt_install_text(&t, policy)) {
		TS_CHECK(0, "setup");
		dpt_close(&t);
		return;
	}
	/* clients only initiate; server and sink are led to (sink by api's set) */
	TS_CHECK(flags_of(&t, "10.1.0.5") == TS_ADDR_NO_INBOUND, "clients: flags %#x, want NO_INBOUND",
		 flags_of(&t, "10.1.0.5"));
	TS_CHECK(flags_of(&t, "10.2.0.1") == 0, "server: flags %#x, want none", flags_of(&t, "10.2.0.1"));
	TS_CHECK(flags_of(&t, "10.3.0.1") == 0, "sink: flags %#x, want none", flags_of(&t, "10.3.0.1"));
	dpt_tcp(&p, "10.1.0.5", 1000, "10.2.0.1", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "clients -> server");
	dpt_tcp(&p, "10.2.0.1", 1001, "10.1.0.5", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "server -> clients, no rule leads there");

	/* a name resolves: the new host entry gets its set's flag (none) */
	TS_CHECK(!dpt_resolve(&t, "api", "10.9.0.9"), "resolve api.example");
	dpt_tcp(&p, "10.9.0.9", 2000, "10.3.0.1", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "api -> sink once api resolved");

	/* a rule entry written at run time that leads to clients' set (as the
	 * name resolver writes them): the flag must go before it counts */
	e = (struct ts_rule_entry){ .src_set = set_of(&t, "10.2.0.1"), .dst_set = set_of(&t, "10.1.0.5"),
				    .port_class = t.c->port_class[443], .rule_id = t.c->rules[0].rule_id };
	TS_CHECK(e.src_set && e.dst_set && e.port_class, "sets and class of the test entry");
	TS_CHECK(!ts_dp_rules_add(t.dp, &e, 1), "rules_add");
	TS_CHECK(flags_of(&t, "10.1.0.5") == 0, "clients after the entry: flags %#x, want none",
		 flags_of(&t, "10.1.0.5"));
	dpt_tcp(&p, "10.2.0.1", 1002, "10.1.0.5", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "server -> clients by the new entry");
	dpt_close(&t);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("dp_inbound", "needs root");
		return 0;
	}
	ts_run("dp_no_inbound_flag", test_no_inbound_flag);
	return ts_done();
}
