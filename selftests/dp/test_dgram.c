// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_dgram.c - UDP and ICMP echo rules on the real programs: the first
 * datagram judged, its flow passing both ways on both hooks, the reverse
 * direction's first datagram refused, the unreplied and replied
 * timeouts, no state from refused floods, echo by identifier, ICMP
 * errors quoting UDP flows, fragments and UDP lengths. IPv4 and IPv6. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "dpt.h"
#include "expect.h"
#include "testlib.h"

static const char policy[] =
	"component clients { 10.1.0.0/16 2001:db8:1::/48 }\n"
	"component servers { 10.2.0.1 2001:db8:2::1 }\n"
	"rule \"Q1\": clients -> servers udp/443,4433-4440\n"
	"rule \"P1\": clients -> servers icmp/echo\n"
	"rule \"T1\": clients -> servers tcp/443\n";

struct fam {
	const char *client, *server, *rogue;
	uint8_t icmp, echo_req, echo_rep;
};
static const struct fam fams[2] = {
	{ "10.1.0.5", "10.2.0.1", "10.9.0.9", IPPROTO_ICMP, 8, 0 },
	{ "2001:db8:1::5", "2001:db8:2::1", "2001:db8:9::9", IPPROTO_ICMPV6, 128, 129 },
};

static void udp(struct pkt *p, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct pkt_spec s = { .src = pkt_ip(src), .dst = pkt_ip(dst), .sport = sport, .dport = dport,
			      .proto = IPPROTO_UDP, .payload = 32 };

	pkt_build(&s, p);
}

static void echo(struct pkt *p, const struct fam *f, const char *src, const char *dst, uint8_t type,
		 uint16_t id)
{
	struct pkt_spec s = { .src = pkt_ip(src), .dst = pkt_ip(dst), .sport = id, .dport = 1,
			      .proto = f->icmp, .icmp_type = type, .payload = 16 };

	pkt_build(&s, p);
}

/* The flow entry of a datagram flow (ports: the echo identifier twice). */
static struct ts_flow_val *flow_of(struct dpt *t, uint8_t proto, const char *a, uint16_t aport,
				   const char *b, uint16_t bport)
{
	struct ts_flow_key k = dpt_flow_key(proto, a, aport, b, bport);

	return ts_dp_flow_find(t->dp, false, &k);
}

static uint64_t flows_live(struct dpt *t)
{
	struct ts_dp_fill f;

	return ts_dp_fill_levels(t->dp, &f) ? ~0ull : f.flows + f.halfopen;
}

static bool open_dpt(struct dpt *t, const char *text)
{
	int err = dpt_open(t, 4096, 1024);

	TS_CHECK(!err, "open: %s", strerror(-err));
	if (err)
		return false;
	err = dpt_install_text(t, text);
	TS_CHECK(!err, "install: %s", strerror(-err));
	if (err)
		dpt_close(t);
	return !err;
}

/* body once per family, on one dataplane with `policy` installed */
static void per_family(void (*body)(struct dpt *t, const struct fam *f))
{
	struct dpt t;

	if (!open_dpt(&t, policy))
		return;
	for (int i = 0; i < 2; i++)
		body(&t, &fams[i]);
	dpt_close(&t);
}

/* A QUIC-like exchange allowed one way: first datagram judged, then both
 * directions by the flow on both hooks; the server's own first datagram
 * to the client is refused, as is any client -> server port outside the
 * rule. */
static void udp_one_way(struct dpt *t, const struct fam *f)
{
	struct pkt p;
	struct ts_flow_val *v;

	udp(&p, f->server, 443, f->client, 40000);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP, "server's reply before any request");
	udp(&p, f->client, 40000, f->server, 443);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_UDP, "client's first datagram");
	v = flow_of(t, IPPROTO_UDP, f->client, 40000, f->server, 443);
	TS_CHECK(v && v->state == TS_DGRAM_UNREPLIED && v->rule_id, "an unreplied flow with its rule");
	expect_reason(t, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_UDP, "client's next datagram on egress");
	udp(&p, f->server, 443, f->client, 40000);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_UDP, "server's reply");
	TS_CHECK(v && v->state == TS_DGRAM_REPLIED, "the reply marks the flow replied");
	expect_reason(t, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_UDP, "server's reply on egress");
	udp(&p, f->client, 40000, f->server, 443);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_UDP, "client again (the fast path)");
	udp(&p, f->server, 4433, f->client, 40001);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP, "server opening to the client");
	udp(&p, f->server, 40002, f->client, 4433);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP,
		      "server opening to the client's governed port");
	udp(&p, f->client, 40000, f->server, 4440);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_UDP, "the range's last port");
	udp(&p, f->client, 40000, f->server, 4441);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_OUT_OF_SCOPE, "a port no rule names");
}

static void test_udp_one_way(void)
{
	per_family(udp_one_way);
}

/* Idle timeouts: an unreplied flow lives `timeout unreplied`, a replied
 * one `timeout replied`; once gone, the server's datagram is refused. */
static void udp_timeouts(struct dpt *t, const struct fam *f)
{
	struct pkt p;
	struct ts_flow_val *v;

	udp(&p, f->client, 41000, f->server, 443);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_UDP, "first datagram");
	v = flow_of(t, IPPROTO_UDP, f->client, 41000, f->server, 443);
	TS_CHECK(v != NULL, "the first datagram's flow");
	if (!v)
		return;
	v->last_seen_ns -= 29ull * 1000000000ull;
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_UDP, "unreplied, idle 29 s");
	v->last_seen_ns -= 31ull * 1000000000ull;
	udp(&p, f->server, 443, f->client, 41000);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP, "unreplied, idle 31 s: gone");

	udp(&p, f->client, 41001, f->server, 443);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_UDP, "first datagram");
	udp(&p, f->server, 443, f->client, 41001);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_UDP, "reply");
	v = flow_of(t, IPPROTO_UDP, f->client, 41001, f->server, 443);
	TS_CHECK(v != NULL, "the replied flow");
	if (!v)
		return;
	v->last_seen_ns -= 100ull * 1000000000ull;
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_UDP, "replied, idle 100 s");
	v->last_seen_ns -= 121ull * 1000000000ull;
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP, "replied, idle 121 s: gone");
}

static void test_udp_timeouts(void)
{
	per_family(udp_timeouts);
}

/* Datagrams of unlisted sources, and answers no flow explains, make no
 * state; the rule counts what it opened. */
static void test_udp_flood(void)
{
	struct ts_dp_rule_stat *rs = NULL;
	uint64_t before, opened = 0;
	size_t n = 0;
	struct dpt t;
	struct pkt p;

	if (!open_dpt(&t, policy))
		return;
	before = flows_live(&t);
	for (uint32_t i = 0; i < 2000; i++) {
		const struct fam *f = &fams[i & 1];

		udp(&p, f->rogue, (uint16_t)(1024 + i), f->server, 443);
		if (!expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP, "unlisted source"))
			break;
		udp(&p, f->server, 443, f->client, (uint16_t)(1024 + i));
		if (!expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP, "unexplained answer"))
			break;
	}
	TS_CHECK(flows_live(&t) == before, "refused datagrams made %llu flows",
		 (unsigned long long)(flows_live(&t) - before));
	udp(&p, fams[0].client, 42000, fams[0].server, 443);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_UDP, "an allowed one");
	TS_CHECK(flows_live(&t) == before + 1, "one flow for the allowed datagram");
	if (!ts_dp_rule_stats(t.dp, &rs, &n))
		for (size_t i = 0; i < n; i++)
			if (!strcmp(rs[i].label, "Q1"))
				opened += rs[i].opened;
	TS_CHECK(opened == 1, "rule Q1 opened %llu flows, want 1", (unsigned long long)opened);
	free(rs);
	dpt_close(&t);
}

/* Echo: the request judged, the reply passes by the flow of its
 * identifier; a reply without flow, a request the other way and other
 * ICMP open nothing. */
static void echo_flows(struct dpt *t, const struct fam *f)
{
	struct pkt p;
	uint64_t before;

	echo(&p, f, f->server, f->client, f->echo_rep, 7);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_ICMP, "reply without request");
	echo(&p, f, f->server, f->client, f->echo_req, 7);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_ICMP, "request the refused way");
	echo(&p, f, f->client, f->server, f->echo_req, 7);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_ICMP, "request");
	TS_CHECK(flow_of(t, f->icmp, f->client, 7, f->server, 7) != NULL, "a flow keyed by identifier");
	expect_reason(t, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_ICMP_ECHO, "the next request");
	echo(&p, f, f->server, f->client, f->echo_rep, 7);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_ICMP_ECHO, "reply");
	echo(&p, f, f->server, f->client, f->echo_rep, 8);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_ICMP, "reply of another identifier");
	echo(&p, f, f->server, f->client, f->echo_req, 7);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_ICMP, "request the other way on the flow's key");
	before = flows_live(t);
	echo(&p, f, f->rogue, f->server, f->echo_req, 9);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_ICMP, "request of an unlisted source");
	TS_CHECK(flows_live(t) == before, "a refused request makes no flow");
	echo(&p, f, f->client, f->server, f == &fams[0] ? 13 : 139, 9); /* timestamp / node info */
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_OUT_OF_SCOPE, "other ICMP");
}

static void test_echo(void)
{
	per_family(echo_flows);
}

/* ICMP errors quoting a tracked UDP flow pass; quoting an untracked one
 * on a governed port they drop. */
static void errors_quote_udp(struct dpt *t, const struct fam *f)
{
	struct pkt p;
	struct pkt_addr c = pkt_ip(f->client), s = pkt_ip(f->server);
	uint8_t quote[128];
	struct pkt_spec e = { .src = s, .dst = c, .proto = f->icmp,
			      .icmp_type = f == &fams[0] ? 3 : 1, .icmp_code = 3,
			      .icmp_quote = quote };

	udp(&p, f->client, 43000, f->server, 443);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_UDP, "datagram");
	e.icmp_quote_len = pkt_quote_proto(IPPROTO_UDP, &c, &s, 43000, 443, quote, sizeof(quote));
	pkt_build(&e, &p);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_ICMP_RELATED, "port unreachable for the flow");
	e.icmp_quote_len = pkt_quote_proto(IPPROTO_UDP, &c, &s, 43001, 443, quote, sizeof(quote));
	pkt_build(&e, &p);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_ICMP_UNRELATED, "error for no flow");
	e.icmp_quote_len = pkt_quote_proto(IPPROTO_TCP, &c, &s, 43000, 443, quote, sizeof(quote));
	pkt_build(&e, &p);
	expect_reason(t, TS_HOOK_XDP, &p, TS_R_DROP_ICMP_UNRELATED, "a TCP quote is not the UDP flow");
}

static void test_errors_quote_udp(void)
{
	per_family(errors_quote_udp);
}

/* Fragments: the first is judged like any datagram (its ports are in
 * it); a later one has no ports and gets the scope default. (UDP lengths:
 * test_malformed.) */
static void test_fragments(void)
{
	struct dpt t;
	struct pkt p;

	if (!open_dpt(&t, "settings {\n outside-scope drop\n}\n" "component clients { 10.1.0.0/16 }\n"
		      "component servers { 10.2.0.1 }\nrule clients -> servers udp/443\n"))
		return;
	{
		struct pkt_spec s = { .src = pkt_ip("10.1.0.5"), .dst = pkt_ip("10.2.0.1"), .sport = 44000,
				      .dport = 443, .proto = IPPROTO_UDP, .payload = 64, .ip4_frag = 0x2000 };

		pkt_build(&s, &p);
		p.b[p.l4 + 4] = 0x05; /* the whole datagram's length: more than this fragment */
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW_UDP, "first fragment judged");
		s.src = pkt_ip("10.9.0.9");
		pkt_build(&s, &p);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE_UDP, "first fragment refused");
		s.ip4_frag = 0x0010;
		pkt_build(&s, &p);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_OUT_OF_SCOPE, "later fragment: scope default");
	}
	dpt_close(&t);
}

int main(void)
{
	ts_run("dgram_udp_one_way", test_udp_one_way);
	ts_run("dgram_udp_timeouts", test_udp_timeouts);
	ts_run("dgram_udp_flood_no_state", test_udp_flood);
	ts_run("dgram_icmp_echo", test_echo);
	ts_run("dgram_icmp_errors_quote_udp", test_errors_quote_udp);
	ts_run("dgram_fragments", test_fragments);
	return ts_done();
}
