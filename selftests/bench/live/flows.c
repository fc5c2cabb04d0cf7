// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* flows.c - bench-live's traffic (flows.h). */
#include <arpa/inet.h>
#include <string.h>

#include "flows.h"

void live_flow(uint32_t i, int family, enum live_kind kind, struct live_tuple *t)
{
	uint8_t host = 1 + i % LIVE_HOSTS;

	memset(t, 0, sizeof(*t));
	t->family = family;
	t->sport = LIVE_FIRST_PORT + i / LIVE_HOSTS;
	t->dport = LIVE_SERVER_PORT;
	if (family == 4) {
		inet_pton(AF_INET, kind == LIVE_SYN_UNLISTED ? "203.0.113.0" : "198.51.100.0", t->src);
		t->src[3] = host;
		inet_pton(AF_INET, "192.0.2.1", t->dst);
	} else {
		inet_pton(AF_INET6, kind == LIVE_SYN_UNLISTED ? "2001:db8:3::" : "2001:db8:1::", t->src);
		t->src[15] = host;
		inet_pton(AF_INET6, "2001:db8:2::1", t->dst);
	}
}

void live_reverse(const struct live_tuple *t, struct live_tuple *r)
{
	*r = *t;
	memcpy(r->src, t->dst, 16);
	memcpy(r->dst, t->src, 16);
	r->sport = t->dport;
	r->dport = t->sport;
}

void live_conn_segment(uint32_t i, int family, enum live_segment seg, struct live_tuple *t,
		       uint8_t *flags, uint32_t *seq, uint32_t *ack)
{
	struct live_tuple c;
	uint32_t isn = LIVE_CLIENT_ISN + i;

	live_flow(i, family, LIVE_CONNECTIONS, &c);
	*t = c;
	switch (seg) {
	case LIVE_SEG_SYN:
		*flags = LIVE_SYN, *seq = isn, *ack = 0;
		break;
	case LIVE_SEG_SYN_ACK:
		live_reverse(&c, t);
		*flags = LIVE_SYN | LIVE_ACK, *seq = LIVE_SERVER_ISN, *ack = isn + 1;
		break;
	case LIVE_SEG_ACK:
		*flags = LIVE_ACK, *seq = isn + 1, *ack = LIVE_SERVER_ISN + 1;
		break;
	default:
		*flags = LIVE_RST, *seq = isn + 1, *ack = 0;
		break;
	}
}

size_t live_frame_len(int family)
{
	return family == 4 ? 64 : 80;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t k = 0; k + 1 < n; k += 2)
		s += (uint32_t)p[k] << 8 | p[k + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

size_t live_frame(uint8_t *b, size_t len, const uint8_t dmac[6], const struct live_tuple *t,
		  uint8_t flags, uint32_t seq, uint32_t ack)
{
	uint8_t *l3 = b + 14, *tcp;
	uint32_t ps;
	uint16_t c;

	memset(b, 0, len);
	memcpy(b, dmac, 6);
	memcpy(b + 6, "\x02\0\0\0\0\x01", 6);
	if (t->family == 4) {
		b[12] = 0x08;
		l3[0] = 0x45;
		l3[3] = 40;           /* total length */
		l3[6] = 0x40;         /* DF */
		l3[8] = 64;
		l3[9] = 6;
		memcpy(l3 + 12, t->src, 4);
		memcpy(l3 + 16, t->dst, 4);
		c = fold(sum16(l3, 20, 0));
		l3[10] = c >> 8;
		l3[11] = c & 0xff;
		tcp = l3 + 20;
		ps = sum16(l3 + 12, 8, 0);
	} else {
		b[12] = 0x86;
		b[13] = 0xdd;
		l3[0] = 0x60;
		l3[5] = 20;           /* payload length */
		l3[6] = 6;
		l3[7] = 64;
		memcpy(l3 + 8, t->src, 16);
		memcpy(l3 + 24, t->dst, 16);
		tcp = l3 + 40;
		ps = sum16(l3 + 8, 32, 0);
	}
	tcp[0] = t->sport >> 8;
	tcp[1] = t->sport & 0xff;
	tcp[2] = t->dport >> 8;
	tcp[3] = t->dport & 0xff;
	tcp[4] = seq >> 24;
	tcp[5] = seq >> 16;
	tcp[6] = seq >> 8;
	tcp[7] = seq;
	if (flags & LIVE_ACK) {
		tcp[8] = ack >> 24;
		tcp[9] = ack >> 16;
		tcp[10] = ack >> 8;
		tcp[11] = ack;
	}
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	tcp[14] = 0xff;       /* window 65535 */
	tcp[15] = 0xff;
	ps += 6 + 20;         /* protocol, TCP length */
	c = fold(sum16(tcp, 20, ps));
	tcp[16] = c >> 8;
	tcp[17] = c & 0xff;
	return len;
}
