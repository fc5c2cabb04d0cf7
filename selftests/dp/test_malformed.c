// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Malformed and unusual frames: each gets its defined reason (see
 * docs/dataplane.md). Truncation at every offset, IHL and TCP data offset
 * out of range, IPv6 extension chains up to and beyond the bound,
 * fragments, VLAN stacks, and every TCP flag byte on an opening packet.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "testlib.h"
#include "pkt.h"


static const char policy[] =
	"settings {\n"
	"    scope tcp/443\n"
	"    outside-scope pass\n"
	"}\n"
	"component clients { 10.1.0.0/16 2001:db8:1::/48 }\n"
	"component server { 10.2.0.1 2001:db8:2::1 }\n"
	"rule \"C\": clients -> server tcp/443\n";

static struct dpt T;
static uint16_t next_port = 1024;

static struct pkt_spec syn_spec(int fam)
{
	struct pkt_spec s = {
		.src = pkt_ip(fam ? "2001:db8:1::5" : "10.1.0.5"),
		.dst = pkt_ip(fam ? "2001:db8:2::1" : "10.2.0.1"),
		.sport = next_port++, .dport = 443, .tcp_flags = SYN,
	};
	return s;
}

/* Put the IP length fields back in line with a frame cut to `len`. */
static void fix_lengths(struct pkt *p, size_t len, int fam)
{
	size_t l3 = p->l3;
	uint16_t v;

	if (fam == 0) {
		v = len > l3 ? len - l3 : 0;
		p->b[l3 + 2] = v >> 8;
		p->b[l3 + 3] = v & 0xff;
	} else {
		v = len > l3 + 40 ? len - l3 - 40 : 0;
		p->b[l3 + 4] = v >> 8;
		p->b[l3 + 5] = v & 0xff;
	}
}

/* Cut a complete SYN (2 VLAN tags, IPv4 options / IPv6 extension headers,
 * TCP options) at every length. As cut, the IP length claims more than is
 * there; with lengths fixed, the layer that is cut short is named. */
static void truncation(int fam)
{
	struct pkt_spec s = syn_spec(fam);
	struct pkt full, p;
	char what[80];

	s.nvlan = 2;
	s.vlan_tpid[0] = 0x88a8;
	s.ip4_ihl = 8;
	s.tcp_doff = 8;
	s.ip6_next_n = 2;
	s.ip6_next[0] = IPPROTO_HOPOPTS;
	s.ip6_next[1] = IPPROTO_DSTOPTS;
	pkt_build(&s, &full);
	for (size_t len = 14; len < full.len; len++) {
		int raw, fixed;

		if (len < full.l3)
			raw = fixed = TS_R_DROP_MALFORMED_L2;
		else if (len < full.l3 + (fam ? 40 : 20))
			raw = fixed = TS_R_DROP_MALFORMED_IP;
		else if (len < full.l4)
			raw = TS_R_DROP_MALFORMED_IP, fixed = fam ? TS_R_DROP_IPV6_EXT : TS_R_DROP_MALFORMED_IP;
		else
			raw = TS_R_DROP_MALFORMED_IP, fixed = TS_R_DROP_MALFORMED_TCP;
		p = full;
		p.len = len;
		snprintf(what, sizeof(what), "%s cut at %zu of %zu", fam ? "v6" : "v4", len, full.len);
		expect_reason(&T, TS_HOOK_XDP, &p, raw, what);
		fix_lengths(&p, len, fam);
		snprintf(what, sizeof(what), "%s cut at %zu of %zu, lengths fixed", fam ? "v6" : "v4",
			 len, full.len);
		expect_reason(&T, TS_HOOK_XDP, &p, fixed, what);
	}
	p = full;
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "the uncut frame");
}

static void test_truncation_v4(void)
{
	truncation(0);
}

static void test_truncation_v6(void)
{
	truncation(1);
}

static void test_ihl(void)
{
	for (int ihl = 0; ihl <= 15; ihl++) {
		struct pkt_spec s = syn_spec(0);
		struct pkt p;
		char what[32];

		s.ip4_ihl = ihl < 5 ? 5 : ihl;
		pkt_build(&s, &p);
		p.b[p.l3] = 0x40 | ihl;
		snprintf(what, sizeof(what), "IHL %d", ihl);
		expect_reason(&T, TS_HOOK_XDP, &p, ihl < 5 ? TS_R_DROP_MALFORMED_IP : TS_R_PASS_NEW, what);
	}
	/* IHL larger than the total length */
	{
		struct pkt_spec s = syn_spec(0);
		struct pkt p;

		pkt_build(&s, &p);
		p.b[p.l3] = 0x4f;
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_MALFORMED_IP, "IHL 15 past the packet");
		p.b[p.l3] = 0x60 | 5;
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_MALFORMED_IP, "version 6 in an IPv4 frame");
	}
}

/* An IP length field of 0 reads as 65535 only on a BIG TCP skb (tc, GSO,
 * past 64 KiB: test_egress.sh sends those, and PROG_TEST_RUN cannot); on
 * any other frame, on either hook, it stays what it says. The IPv6 case
 * tells the two apart (65535 would be "past the frame": MALFORMED_IP);
 * the IPv4 one only pins the reason. */
static void test_zero_ip_length(void)
{
	for (int hook = TS_HOOK_XDP; hook <= TS_HOOK_TC_EGRESS; hook++) {
		struct pkt_spec s4 = syn_spec(0), s6 = syn_spec(1);
		struct pkt p;

		pkt_build(&s4, &p);
		p.b[p.l3 + 2] = p.b[p.l3 + 3] = 0;
		expect_reason(&T, hook, &p, TS_R_DROP_MALFORMED_IP, "IPv4 total length 0");
		pkt_build(&s6, &p);
		p.b[p.l3 + 4] = p.b[p.l3 + 5] = 0;
		expect_reason(&T, hook, &p, TS_R_DROP_MALFORMED_TCP, "IPv6 payload length 0");
	}
}

static void test_ipv6_ext_chain(void)
{
	static const int kinds[] = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
				     IPPROTO_FRAGMENT };

	for (int n = 0; n <= 11; n++) {
		struct pkt_spec s = syn_spec(1);
		struct pkt p;
		char what[48];
		int want;

		s.ip6_next_n = n;
		for (int i = 0; i < n; i++)
			s.ip6_next[i] = kinds[i % 4]; /* no fragment header here */
		pkt_build(&s, &p);
		want = n <= 8 ? TS_R_PASS_NEW : TS_R_DROP_IPV6_EXT;
		snprintf(what, sizeof(what), "%d extension headers", n);
		expect_reason(&T, TS_HOOK_XDP, &p, want, what);
	}
	/* an atomic fragment header (offset 0, no M) is not a fragment */
	{
		struct pkt_spec s = syn_spec(1);
		struct pkt p;

		s.ip6_next_n = 1;
		s.ip6_next[0] = kinds[4];
		pkt_build(&s, &p);
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "atomic fragment header");
	}
}

static void test_fragments(void)
{
	for (int fam = 0; fam < 2; fam++) {
		static const uint16_t v4frag[] = { 0x2000, 0x2000 | 10, 10 };
		static const uint16_t v6frag[] = { 1, (10 << 3) | 1, 10 << 3 };
		static const char *const kind[] = { "first", "middle", "last" };

		for (int i = 0; i < 3; i++) {
			struct pkt_spec s = syn_spec(fam);
			struct pkt p;
			char what[64];

			if (fam) {
				s.ip6_next_n = 1;
				s.ip6_next[0] = IPPROTO_FRAGMENT;
				s.ip6_frag_off = v6frag[i];
			} else {
				s.ip4_frag = v4frag[i];
			}
			pkt_build(&s, &p);
			snprintf(what, sizeof(what), "%s TCP fragment %s", fam ? "v6" : "v4", kind[i]);
			expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_FRAGMENT, what);
			s.proto = IPPROTO_UDP;
			s.dport = 53;
			pkt_build(&s, &p);
			snprintf(what, sizeof(what), "%s UDP fragment %s", fam ? "v6" : "v4", kind[i]);
			expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_OUT_OF_SCOPE, what);
		}
	}
}

/* Every UDP length field from 0 to past the payload, both hooks and
 * families: below the 8-byte header or past the IP payload is malformed
 * (but in a first fragment, whose datagram goes on in later ones);
 * within the payload the datagram goes on to its verdict. */
static void test_udp_length(void)
{
	for (int fam = 0; fam < 2; fam++) {
		for (int hook = TS_HOOK_XDP; hook <= TS_HOOK_TC_EGRESS; hook++) {
			for (unsigned ulen = 0; ulen <= 8 + 40 + 16; ulen++) {
				struct pkt_spec s = syn_spec(fam);
				struct pkt p;
				char what[64];
				int want;

				s.proto = IPPROTO_UDP;
				s.payload = 40;
				pkt_build(&s, &p);
				p.b[p.l4 + 4] = (uint8_t)(ulen >> 8);
				p.b[p.l4 + 5] = (uint8_t)ulen;
				want = ulen < 8 || ulen > 8 + 40 ? TS_R_DROP_MALFORMED_L4 : TS_R_PASS_OUT_OF_SCOPE;
				snprintf(what, sizeof(what), "%s %s UDP length %u of 48", fam ? "v6" : "v4",
					 hook == TS_HOOK_XDP ? "xdp" : "tc", ulen);
				if (!expect_reason(&T, hook, &p, want, what))
					return;
				if (fam || ulen <= 8 + 40)
					continue;
				s.ip4_frag = 0x2000;   /* a first fragment: the datagram is longer */
				pkt_build(&s, &p);
				p.b[p.l4 + 4] = (uint8_t)(ulen >> 8);
				p.b[p.l4 + 5] = (uint8_t)ulen;
				snprintf(what, sizeof(what), "v4 first fragment, UDP length %u of 48", ulen);
				if (!expect_reason(&T, hook, &p, TS_R_PASS_OUT_OF_SCOPE, what))
					return;
			}
		}
	}
}

static void test_tcp_doff(void)
{
	for (int fam = 0; fam < 2; fam++) {
		for (int doff = 0; doff <= 15; doff++) {
			struct pkt_spec s = syn_spec(fam);
			struct pkt p;
			char what[48];

			s.tcp_doff = doff < 5 ? 5 : doff;
			pkt_build(&s, &p);
			p.b[p.l4 + 12] = doff << 4;
			snprintf(what, sizeof(what), "%s doff %d", fam ? "v6" : "v4", doff);
			expect_reason(&T, TS_HOOK_XDP, &p, doff < 5 ? TS_R_DROP_MALFORMED_TCP : TS_R_PASS_NEW,
				      what);
		}
		/* doff pointing past the end of the segment */
		struct pkt_spec s = syn_spec(fam);
		struct pkt p;

		s.payload = 20;
		pkt_build(&s, &p);
		p.b[p.l4 + 12] = 15 << 4;
		expect_reason(&T, TS_HOOK_XDP, &p, TS_R_DROP_MALFORMED_TCP, "doff 15 past the segment");
	}
}

static void test_vlans(void)
{
	static const uint16_t tpids[] = { 0x8100, 0x88a8 };

	for (int n = 0; n <= 3; n++) {
		for (int t = 0; t < 2; t++) {
			struct pkt_spec s = syn_spec(n % 2);
			struct pkt p;
			char what[48];

			s.nvlan = n;
			s.vlan_tpid[0] = s.vlan_tpid[1] = s.vlan_tpid[2] = tpids[t];
			pkt_build(&s, &p);
			snprintf(what, sizeof(what), "%d tags of 0x%04x", n, tpids[t]);
			expect_reason(&T, TS_HOOK_XDP, &p, n <= 2 ? TS_R_PASS_NEW : TS_R_DROP_MALFORMED_L2, what);
		}
	}
}

/* Every flag byte on a packet with no flow between an allowed pair. */
static void test_all_tcp_flags(void)
{
	for (int f = 0; f < 256; f++) {
		struct pkt_spec s = syn_spec(f % 2);
		bool syn = f & SYN, ack = f & ACK, fin = f & FIN, rst = f & RST;
		bool bad = (syn && (fin || rst)) || (fin && rst) || !(syn || ack || rst);
		struct pkt p;
		char what[32];
		int want;

		if (bad)
			want = TS_R_DROP_BAD_FLAGS;
		else if (syn && !ack)
			want = TS_R_PASS_NEW;
		else
			want = TS_R_DROP_NO_FLOW;
		s.tcp_flags = f;
		pkt_build(&s, &p);
		snprintf(what, sizeof(what), "flags 0x%02x", f);
		expect_reason(&T, TS_HOOK_XDP, &p, want, what);
	}
}

static void test_other_ethertypes(void)
{
	struct pkt_spec s = syn_spec(0);
	struct pkt p;

	pkt_build(&s, &p);
	p.b[12] = 0x88;
	p.b[13] = 0xcc; /* LLDP */
	expect_reason(&T, TS_HOOK_XDP, &p, TS_R_PASS_OUT_OF_SCOPE, "LLDP: scope default");
}

int main(void)
{
	int err;

	if (!ts_is_root()) {
		ts_skip("dp_malformed", "needs root");
		return 0;
	}
	err = dpt_open(&T, 0, 0);
	if (!err)
		err = dpt_install_text(&T, policy);
	if (err) {
		printf("FAIL: dp_malformed: setup: %s\n", strerror(-err));
		return 1;
	}
	ts_run("dp_truncation_v4", test_truncation_v4);
	ts_run("dp_truncation_v6", test_truncation_v6);
	ts_run("dp_ipv4_ihl", test_ihl);
	ts_run("dp_zero_ip_length", test_zero_ip_length);
	ts_run("dp_ipv6_ext_chain", test_ipv6_ext_chain);
	ts_run("dp_fragments", test_fragments);
	ts_run("dp_udp_length", test_udp_length);
	ts_run("dp_tcp_doff", test_tcp_doff);
	ts_run("dp_vlan_stacks", test_vlans);
	ts_run("dp_all_tcp_flags_opening", test_all_tcp_flags);
	ts_run("dp_other_ethertypes", test_other_ethertypes);
	dpt_close(&T);
	return ts_done();
}
