// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Verdicts of the real programs with the seed policy compiled by the
 * product's compiler and installed by the product's installer: every seed
 * pair both ways, IPv4 and IPv6, 0/1/2 VLAN tags, the whole life of an
 * allowed and of a refused connection; then the must-pass traffic.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "seed.h"
#include "testlib.h"
#include "pkt.h"


static struct dpt T;
static uint16_t next_port = 20000;

static void seg(struct pkt *p, enum seed_comp from, uint16_t fport, enum seed_comp to,
		uint16_t tport, int fam, uint8_t flags, int nvlan)
{
	dpt_tcp(p, seed_host[from][fam], fport, seed_host[to][fam], tport, flags, nvlan);
}

/* One connection a -> b: its every packet, with the reasons the design
 * gives. The replies go out through tc egress, as on a single-NIC host. */
static void connection(enum seed_comp a, enum seed_comp b, int fam, int nvlan)
{
	bool ok = seed_may_open(a, b);
	uint16_t cport = next_port++;
	char what[160];
	struct pkt p;

	snprintf(what, sizeof(what), "%s -> %s %s vlans=%d", seed_name[a], seed_name[b],
		 fam ? "v6" : "v4", nvlan);
	seg(&p, a, cport, b, 443, fam, SYN, nvlan);
	if (!expect_reason(&T, TS_HOOK_XDP, &p, ok ? TS_R_PASS_NEW : TS_R_DROP_NO_RULE, what))
		return;
	if (!ok) {
		/* nothing of a refused connection gets through */
		seg(&p, b, 443, a, cport, fam, SYN | ACK, nvlan);
		expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_DROP_NO_FLOW, "refused: SYN-ACK");
		seg(&p, a, cport, b, 443, fam, ACK, nvlan);
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "refused: ACK");
		seg(&p, a, cport, b, 443, fam, PSH | ACK, nvlan);
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "refused: data");
		seg(&p, a, cport, b, 443, fam, FIN | ACK, nvlan);
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "refused: FIN");
		seg(&p, a, cport, b, 443, fam, RST, nvlan);
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "refused: RST");
		return;
	}
	seg(&p, a, cport, b, 443, fam, SYN, nvlan);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "SYN retransmit");
	seg(&p, b, 443, a, cport, fam, SYN | ACK, nvlan);
	expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_HANDSHAKE, "SYN-ACK");
	seg(&p, b, 443, a, cport, fam, ACK, nvlan);
	expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_DROP_NO_FLOW, "responder ACK before handshake");
	seg(&p, a, cport, b, 443, fam, ACK, nvlan);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "ACK");
	seg(&p, a, cport, b, 443, fam, PSH | ACK, nvlan);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "data a->b");
	seg(&p, b, 443, a, cport, fam, PSH | ACK, nvlan);
	expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_ESTABLISHED, "data b->a");
	seg(&p, a, cport, b, 443, fam, FIN | ACK, nvlan);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "FIN a");
	seg(&p, b, 443, a, cport, fam, FIN | ACK, nvlan);
	expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_ESTABLISHED, "FIN b");
	seg(&p, a, cport, b, 443, fam, ACK, nvlan);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "last ACK (closing)");
	/* the same ports again: a new connection (another ISN) is judged by
	 * its SYN, and its SYN-ACK supersedes the closing flow */
	seg(&p, a, cport, b, 443, fam, SYN, nvlan);
	pkt_set_tcp_seq(&p, 0x22000000);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN reusing a closed flow's ports");
	seg(&p, b, 443, a, cport, fam, SYN | ACK, nvlan);
	pkt_set_tcp_ack(&p, 0x22000001);
	expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_HANDSHAKE, "its SYN-ACK");
	seg(&p, b, 443, a, cport, fam, RST | ACK, nvlan);
	expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_HANDSHAKE, "RST ends the new half-open flow");
	seg(&p, a, cport, b, 443, fam, PSH | ACK, nvlan);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "data after RST");
}

static void test_seed_pairs(void)
{
	for (int a = 0; a < SEED_N; a++)
		for (int b = 0; b < SEED_N; b++)
			for (int fam = 0; fam < 2 && a != b; fam++)
				for (int nvlan = 0; nvlan <= 2; nvlan++)
					connection(a, b, fam, nvlan);
}

/* An established flow, RST in the middle: closing, then dropped by time. */
static void test_rst_established(void)
{
	uint16_t cport = next_port++;
	struct pkt p;

	seg(&p, SEED_ENDPOINTS, cport, SEED_DM, 443, 0, SYN, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN");
	seg(&p, SEED_DM, 443, SEED_ENDPOINTS, cport, 0, SYN | ACK, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "SYN-ACK");
	seg(&p, SEED_ENDPOINTS, cport, SEED_DM, 443, 0, ACK, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "ACK");
	seg(&p, SEED_DM, 443, SEED_ENDPOINTS, cport, 0, RST, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "RST of an established flow passes");
	seg(&p, SEED_ENDPOINTS, cport, SEED_DM, 443, 0, ACK, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "stray ACK within the closing timeout");
}

static void udp(struct pkt *p, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct pkt_spec s = { .src = pkt_ip(src), .dst = pkt_ip(dst), .sport = sport,
			      .dport = dport, .proto = IPPROTO_UDP, .payload = 30 };

	pkt_build(&s, p);
}

static void test_must_pass(void)
{
	static const uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1,
					  0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1 };
	const char *ep = seed_host[SEED_ENDPOINTS][0], *ep6 = seed_host[SEED_ENDPOINTS][1];
	struct pkt p = {};

	memcpy(p.b, arp, sizeof(arp));
	p.len = sizeof(arp);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_ARP, "ARP");

	for (int type = 130; type <= 143; type++) {
		struct pkt_spec s = { .src = pkt_ip("fe80::1"), .dst = pkt_ip("ff02::1"),
				      .proto = IPPROTO_ICMPV6, .icmp_type = type };
		bool nd = (type >= 130 && type <= 137) || type == 143;
		char what[32];

		pkt_build(&s, &p);
		snprintf(what, sizeof(what), "ICMPv6 type %d", type);
		expect_reason(&T, TS_HOOK_XDP, &p, nd ? TS_R_PASS_ND : TS_R_PASS_OUT_OF_SCOPE, what);
	}

	udp(&p, ep, 40000, "192.0.2.2", 53);
	expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_RESOLVER, "UDP DNS query to the resolver");
	udp(&p, "192.0.2.2", 53, ep, 40000);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_RESOLVER, "UDP DNS answer from the resolver");
	udp(&p, "2001:db8:53::2", 53, ep6, 40000);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_RESOLVER, "UDP DNS answer over IPv6");
	dpt_tcp(&p, "192.0.2.2", 53, ep, 40001, ACK | PSH, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_RESOLVER, "TCP DNS from the resolver");
	/* a resolver may answer, not open: its SYN from port 53 meets the policy */
	dpt_tcp(&p, "192.0.2.2", 53, seed_host[SEED_DM][0], 443, SYN, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "TCP SYN from the resolver's port 53");
	dpt_tcp(&p, ep, 40003, "192.0.2.2", 53, SYN, 0);
	expect_reason(&T, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_RESOLVER, "TCP SYN to the resolver's port 53");
	udp(&p, "192.0.2.200", 53, ep, 40000);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_OUT_OF_SCOPE, "DNS from a non-resolver: scope default");

	dpt_tcp(&p, ep, 40002, seed_host[SEED_ROGUE][0], 22, SYN, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_OUT_OF_SCOPE, "TCP/22 is outside tcp/443");
	dpt_tcp(&p, ep, 40002, seed_host[SEED_ROGUE][0], 22, ACK, 0);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_OUT_OF_SCOPE, "TCP/22 ACK is outside tcp/443");
	udp(&p, ep, 40000, seed_host[SEED_ROGUE][0], 443);
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_OUT_OF_SCOPE, "UDP/443 is outside tcp/443");
}

/* ICMP errors pass iff they quote a tracked flow. */
static void icmp_error(int fam, uint8_t type, uint8_t code, const char *quoted_src,
		       uint16_t qsport, const char *quoted_dst, uint16_t qdport, int want,
		       const char *what)
{
	struct pkt_addr qs = pkt_ip(quoted_src), qd = pkt_ip(quoted_dst);
	uint8_t quote[128];
	struct pkt_spec s = {
		.src = pkt_ip(fam ? "2001:db8:ffff::1" : "192.0.2.254"), .dst = qs,
		.proto = fam ? IPPROTO_ICMPV6 : IPPROTO_ICMP, .icmp_type = type, .icmp_code = code,
		.icmp_quote = quote, .icmp_quote_len = pkt_quote(&qs, &qd, qsport, qdport, quote,
								 sizeof(quote)),
	};
	struct pkt p;

	pkt_build(&s, &p);
	expect_reason(&T, TS_HOOK_XDP, &p, want, what);
	if (want != TS_R_PASS_ICMP_RELATED)
		return;
	/* The same frame with the IP packet ending at the ICMP header: the
	 * quote is only trailing frame bytes (padding), never read. */
	if (fam) {
		p.b[p.l3 + 4] = 0;
		p.b[p.l3 + 5] = 8;
	} else {
		p.b[p.l3 + 2] = 0;
		p.b[p.l3 + 3] = (uint8_t)(p.l4 - p.l3 + 8);
		p.b[p.l3 + 10] = p.b[p.l3 + 11] = 0; /* the header checksum is not judged */
	}
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_MALFORMED_L4, "the quote beyond the IP length");
}

static void test_icmp_errors(void)
{
	uint16_t cport = next_port++;
	struct pkt p;

	for (int fam = 0; fam < 2; fam++) {
		const char *ep = seed_host[SEED_ENDPOINTS][fam], *dm = seed_host[SEED_DM][fam];

		seg(&p, SEED_ENDPOINTS, cport, SEED_DM, 443, fam, SYN, 0);
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN");
		if (!fam) {
			icmp_error(0, 3, 4, ep, cport, dm, 443, TS_R_PASS_ICMP_RELATED, "frag needed, tracked");
			icmp_error(0, 11, 0, ep, cport, dm, 443, TS_R_PASS_ICMP_RELATED, "time exceeded, tracked");
			icmp_error(0, 3, 1, ep, cport + 1000, dm, 443, TS_R_DROP_ICMP_UNRELATED,
				   "unreachable, untracked");
			icmp_error(0, 3, 3, ep, cport, dm, 8080, TS_R_PASS_OUT_OF_SCOPE,
				   "unreachable quoting out-of-scope TCP");
		} else {
			icmp_error(1, 2, 0, ep, cport, dm, 443, TS_R_PASS_ICMP_RELATED, "packet too big, tracked");
			icmp_error(1, 1, 4, ep, cport, dm, 443, TS_R_PASS_ICMP_RELATED, "unreachable, tracked");
			icmp_error(1, 3, 0, ep, cport + 1000, dm, 443, TS_R_DROP_ICMP_UNRELATED,
				   "time exceeded, untracked");
		}
	}
}

int main(void)
{
	int err;

	if (!ts_is_root()) {
		ts_skip("dp_verdicts", "needs root");
		return 0;
	}
	err = seed_open(&T);
	if (err == -ENOENT) {
		ts_skip("dp_verdicts", "policies/seed.policy not found");
		return 0;
	}
	if (err) {
		printf("FAIL: dp_verdicts: cannot open the dataplane with the seed policy: %s\n",
		       strerror(-err));
		return 1;
	}
	ts_run("dp_seed_pairs_v4_v6_vlans", test_seed_pairs);
	ts_run("dp_rst_established", test_rst_established);
	ts_run("dp_must_pass", test_must_pass);
	ts_run("dp_icmp_errors", test_icmp_errors);
	dpt_close(&T);
	return ts_done();
}
