// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * on-revoke cut: after a new policy is installed, ts_revoke_cut removes
 * exactly the established flows that policy would refuse (judged by the
 * dataplane's own judging program), and none in audit mode or when the
 * port went out of a passing scope; a loose pickup only when neither of
 * its sides may open it; UDP flows and pings judged by their own protocol.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "loader/revoke.h"
#include "testlib.h"
#include "pkt.h"


#define COMPS "component a { 192.0.2.1 }\ncomponent c { 192.0.2.3 }\ncomponent b { 198.51.100.1 }\n"
#define BOTH COMPS "rule \"A\": a -> b tcp/443\nrule \"C\": c -> b tcp/443\n"

/* Two connections (a->b, c->b) under BOTH, then `next` installed and the
 * revoked ones cut: want_cut of them; a->b (c->b) still passes iff a_stays
 * (c_stays). */
static void run_case(const char *what, const char *next, uint32_t want_cut, bool a_stays, bool c_stays)
{
	struct dpt t;
	struct pkt p;
	uint32_t cut = 99;
	int err = dpt_open(&t, 1024, 1024);

	if (!err)
		err = dpt_install_text(&t, BOTH);
	TS_CHECK(!err, "%s: setup: %s", what, strerror(-err));
	if (err)
		goto out;
	if (!expect_handshake(&t, "192.0.2.1", 40001, "198.51.100.1", 443, TS_R_PASS_HANDSHAKE) ||
	    !expect_handshake(&t, "192.0.2.3", 40003, "198.51.100.1", 443, TS_R_PASS_HANDSHAKE))
		goto out;
	err = dpt_install_text(&t, next);
	if (!err)
		err = ts_revoke_cut(t.dp, &cut);
	TS_CHECK(!err && cut == want_cut, "%s: cut %u flows (%s), want %u", what, cut,
		 strerror(-err), want_cut);
	/* the survivors pass as established, the cut ones find no flow */
	dpt_tcp(&p, "192.0.2.3", 40003, "198.51.100.1", 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, c_stays ? TS_R_PASS_ESTABLISHED : TS_R_DROP_OUT_OF_SCOPE,
		      "c -> b");
	dpt_tcp(&p, "192.0.2.1", 40001, "198.51.100.1", 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, a_stays ? TS_R_PASS_ESTABLISHED :
		      c_stays ? TS_R_DROP_NO_FLOW : TS_R_DROP_OUT_OF_SCOPE, "a -> b");
out:
	dpt_close(&t);
}

static void test_cut_refused(void)
{
	run_case("rule A gone", COMPS "rule \"C\": c -> b tcp/443\n", 1, false, true);
}

static void test_keep_allowed_by_another_rule(void)
{
	/* a's rule is gone, but another rule (its label differs) still allows it */
	run_case("rule A replaced", COMPS "rule \"A2\": a -> b tcp/443\nrule \"C\": c -> b tcp/443\n",
		 0, true, true);
}

static void test_audit_cuts_nothing(void)
{
	run_case("audit", "settings {\n audit on\n}\n" COMPS "rule \"C\": c -> b tcp/443\n", 0, true, true);
}

static void test_out_of_scope(void)
{
	/* 443 no longer governed: passes (and is kept) unless outside-scope drop */
	run_case("scope pass", "settings {\n scope tcp/8443\n}\n" COMPS "rule \"C\": c -> b tcp/8443\n", 0,
		 true, true);
	run_case("scope drop", "settings {\n scope tcp/8443\n outside-scope drop\n}\n" COMPS
		 "rule \"C\": c -> b tcp/8443\n", 2, false, false);
}

/* A loose pickup a:8443 <-> b:443 (picked up from b's side: a is the
 * initiator, rule A) under `next`, revoked: cut iff want_cut. */
static void run_loose(const char *what, const char *next, bool want_cut)
{
	const char *head = "settings {\n scope tcp/443,8443\n loose-pickup on\n}\n";
	char first[512], later[512];
	uint32_t cut = 99;
	struct dpt t;
	struct pkt p;
	int err = dpt_open(&t, 1024, 1024);

	snprintf(first, sizeof(first), "%s%s", head, BOTH);
	snprintf(later, sizeof(later), "%s%s", head, next);
	if (!err)
		err = dpt_install_text(&t, first);
	TS_CHECK(!err, "%s: setup: %s", what, strerror(-err));
	if (err)
		goto out;
	dpt_tcp(&p, "198.51.100.1", 443, "192.0.2.1", 8443, ACK, 0);
	if (!expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_LOOSE, "pickup"))
		goto out;
	err = dpt_install_text(&t, later);
	if (!err)
		err = ts_revoke_cut(t.dp, &cut);
	TS_CHECK(!err && cut == want_cut, "%s: cut %u flows (%s), want %u", what, cut, strerror(-err),
		 want_cut);
	expect_reason(&t, TS_HOOK_XDP, &p, want_cut ? TS_R_DROP_NO_FLOW : TS_R_PASS_ESTABLISHED,
		      want_cut ? "cut, not picked up again" : "kept");
out:
	dpt_close(&t);
}

static void test_loose(void)
{
	run_loose("loose: its rule kept", BOTH, false);
	/* the other side may open it now: a pickup now would make it again */
	run_loose("loose: only the other side may open it", COMPS "rule \"B\": b -> a tcp/8443\n", false);
	run_loose("loose: neither side", COMPS "rule \"C\": c -> b tcp/443\n", true);
}

/* A UDP flow and a ping, each judged again as its own first packet:
 * the rule that is gone takes its flow, the one that stays keeps it (a
 * flow judged as a SYN would be refused: tcp/443 is not in the rules). */
static void test_datagrams(void)
{
	static const char *const first =
		COMPS "rule \"U\": a -> b udp/443\nrule \"P\": c -> b icmp/echo\n";
	struct pkt_spec u = { .src = pkt_ip("192.0.2.1"), .dst = pkt_ip("198.51.100.1"), .sport = 40001,
			      .dport = 443, .proto = IPPROTO_UDP, .payload = 8 };
	struct pkt_spec e = { .src = pkt_ip("192.0.2.3"), .dst = pkt_ip("198.51.100.1"), .sport = 7,
			      .dport = 1, .proto = IPPROTO_ICMP, .icmp_type = 8 };
	uint32_t cut = 99;
	struct dpt t;
	struct pkt p;
	int err = dpt_open(&t, 1024, 1024);

	if (!err)
		err = dpt_install_text(&t, first);
	TS_CHECK(!err, "setup: %s", strerror(-err));
	if (err)
		goto out;
	pkt_build(&u, &p);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_UDP, "a -> b udp/443");
	pkt_build(&e, &p);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_ICMP, "c -> b echo request");
	err = dpt_install_text(&t, COMPS "rule \"P\": c -> b icmp/echo\nrule \"X\": c -> b udp/443\n");
	if (!err)
		err = ts_revoke_cut(t.dp, &cut);
	TS_CHECK(!err && cut == 1, "cut %u flows (%s), want 1: the UDP one", cut, strerror(-err));
	pkt_build(&e, &p);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ICMP_ECHO, "the ping's flow stays");
	pkt_build(&u, &p);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP, "the UDP flow is gone");
out:
	dpt_close(&t);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("revoke_cut", "needs root (BPF)");
		return ts_done();
	}
	ts_run("revoke_cut_refused", test_cut_refused);
	ts_run("revoke_keep_allowed_by_another_rule", test_keep_allowed_by_another_rule);
	ts_run("revoke_audit_cuts_nothing", test_audit_cuts_nothing);
	ts_run("revoke_out_of_scope", test_out_of_scope);
	ts_run("revoke_loose_pickup_refused_both_ways", test_loose);
	ts_run("revoke_udp_and_echo_by_their_protocol", test_datagrams);
	return ts_done();
}
