// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

struct pkt_addr pkt_ip(const char *text)
{
	struct pkt_addr a = {};

	if (inet_pton(AF_INET, text, a.a) == 1) {
		a.family = 4;
	} else if (inet_pton(AF_INET6, text, a.a) == 1) {
		a.family = 6;
	} else {
		fprintf(stderr, "pkt_ip: bad address %s\n", text);
		abort();
	}
	return a;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

void pkt_set_tcp_seq(struct pkt *p, uint32_t seq)
{
	put32(p->b + p->l4 + 4, seq);
}

void pkt_set_tcp_ack(struct pkt *p, uint32_t ack)
{
	put32(p->b + p->l4 + 8, ack);
}

static size_t put_l4(const struct pkt_spec *s, uint8_t proto, uint8_t *p)
{
	size_t n;

	if (proto == IPPROTO_TCP) {
		uint8_t doff = s->tcp_doff ? s->tcp_doff : 5;

		memset(p, 0, 60);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		/* a SYN's sequence number, and ISN + 1 on every other segment */
		put32(p + 4, s->tcp_flags & 0x02 ? 0x11000000 : 0x11000001);
		p[12] = doff << 4;
		p[13] = s->tcp_flags;
		put16(p + 14, 64240);
		n = doff >= 5 ? doff * 4u : 20;
		for (size_t i = 20; i < n; i++)
			p[i] = 1; /* NOP options */
		return n;
	}
	if (proto == IPPROTO_UDP) {
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, 8 + s->payload);
		put16(p + 6, 0);
		return 8;
	}
	/* ICMP / ICMPv6 */
	p[0] = s->icmp_type;
	p[1] = s->icmp_code;
	memset(p + 2, 0, 2);
	put16(p + 4, s->sport);   /* an echo's identifier */
	put16(p + 6, s->dport);   /* and sequence number */
	n = 8;
	if (s->icmp_quote) {
		memcpy(p + 8, s->icmp_quote, s->icmp_quote_len);
		n += s->icmp_quote_len;
	}
	return n;
}

void pkt_build(const struct pkt_spec *s, struct pkt *out)
{
	uint8_t *b = out->b, proto = s->proto ? s->proto : IPPROTO_TCP;
	size_t off = 12, l4len;

	memset(out, 0, sizeof(*out));
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	for (int i = 0; i < s->nvlan; i++) {
		put16(b + off, s->vlan_tpid[i] ? s->vlan_tpid[i] : 0x8100);
		put16(b + off + 2, s->vlan_id[i]);
		off += 4;
	}
	put16(b + off, s->src.family == 4 ? 0x0800 : 0x86dd);
	off += 2;
	out->l3 = off;
	if (s->src.family == 4) {
		uint8_t ihl = s->ip4_ihl ? s->ip4_ihl : 5;
		size_t hlen = ihl * 4u;

		memset(b + off, 0, hlen);
		b[off] = 0x40 | (ihl & 0x0f);
		put16(b + off + 6, s->ip4_frag);
		b[off + 8] = 64;
		b[off + 9] = proto;
		memcpy(b + off + 12, s->src.a, 4);
		memcpy(b + off + 16, s->dst.a, 4);
		for (size_t i = 20; i < hlen; i++)
			b[off + i] = 1; /* NOP option */
		out->l4 = off + hlen;
		l4len = put_l4(s, proto, b + out->l4);
		put16(b + off + 2, hlen + l4len + s->payload);
	} else {
		size_t p = off + 40;
		uint8_t *nh = b + off + 6;

		memset(b + off, 0, 40);
		b[off] = 0x60;
		b[off + 7] = 64;
		memcpy(b + off + 8, s->src.a, 16);
		memcpy(b + off + 24, s->dst.a, 16);
		for (int i = 0; i < s->ip6_next_n; i++) {
			*nh = s->ip6_next[i];
			memset(b + p, 0, 8);
			nh = b + p;
			if (s->ip6_next[i] == IPPROTO_FRAGMENT)
				put16(b + p + 2, s->ip6_frag_off);
			else if (s->ip6_next[i] == IPPROTO_AH)
				b[p + 1] = 0; /* (0 + 2) * 4 = 8 bytes */
			p += 8;
		}
		*nh = proto;
		out->l4 = p;
		l4len = put_l4(s, proto, b + p);
		put16(b + off + 4, p - off - 40 + l4len + s->payload);
	}
	out->l4_end = out->l4 + l4len;
	memset(b + out->l4_end, 0xab, s->payload);
	out->len = out->l4_end + s->payload;
}

size_t pkt_quote(const struct pkt_addr *src, const struct pkt_addr *dst,
		 uint16_t sport, uint16_t dport, uint8_t *buf, size_t cap)
{
	return pkt_quote_proto(IPPROTO_TCP, src, dst, sport, dport, buf, cap);
}

size_t pkt_quote_proto(uint8_t proto, const struct pkt_addr *src, const struct pkt_addr *dst,
		       uint16_t sport, uint16_t dport, uint8_t *buf, size_t cap)
{
	struct pkt_spec s = { .src = *src, .dst = *dst, .sport = sport, .dport = dport,
			      .proto = proto, .tcp_flags = 0x10 };
	struct pkt p;
	size_t n;

	pkt_build(&s, &p);
	n = p.l4 + 8 - p.l3;
	if (n > cap)
		n = cap;
	memcpy(buf, p.b + p.l3, n);
	return n;
}
