/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* pkt.h - build test frames: Ethernet, 0-2 VLAN tags, IPv4/IPv6 (with
 * options / extension headers), TCP/UDP/ICMP. Offsets of each layer are
 * returned so tests can cut or corrupt a frame at a chosen header. */
#ifndef TS_TEST_PKT_H
#define TS_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnstile.h"

#define PKT_MAX 1600

/* TCP flags by their short names, the ABI header's values. */
enum { FIN = TS_TCP_FIN, SYN = TS_TCP_SYN, RST = TS_TCP_RST, PSH = TS_TCP_PSH, ACK = TS_TCP_ACK };

struct pkt_addr {
	uint8_t family;         /* 4 or 6 (enum ts_family) */
	uint8_t a[16];          /* net order; IPv4 in a[0..3] */
};

struct pkt_spec {
	struct pkt_addr src, dst;
	uint16_t sport, dport;  /* host order */
	uint8_t proto;          /* IPPROTO_TCP (default when 0), UDP, ICMP, ICMPV6 */
	uint8_t tcp_flags;
	uint8_t tcp_doff;       /* 0 = 5 */
	int nvlan;              /* 0..3 tags */
	uint16_t vlan_tpid[3];  /* 0 = 802.1Q */
	uint16_t vlan_id[3];
	uint8_t ip4_ihl;        /* 0 = 5; > 5 adds NOP options */
	uint16_t ip4_frag;      /* frag_off field (host order): MF 0x2000, offset in 8-byte units */
	int ip6_next[12];       /* extension headers before L4 (IPPROTO_HOPOPTS ...) */
	int ip6_next_n;
	uint16_t ip6_frag_off;  /* for an IPPROTO_FRAGMENT ext header: offset<<3 | M */
	uint8_t icmp_type, icmp_code; /* ICMP: sport, dport are the echo identifier, sequence */
	const uint8_t *icmp_quote; /* bytes after the ICMP header (a quoted IP+TCP) */
	size_t icmp_quote_len;
	size_t payload;         /* L4 payload bytes */
};

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t l3, l4, l4_end;  /* offsets: IP header, L4 header, end of L4 header */
};

/* 4 -> "198.51.100.11" style literal parse; aborts on bad input (tests only). */
struct pkt_addr pkt_ip(const char *text);
void pkt_build(const struct pkt_spec *s, struct pkt *out);
/* Set a built TCP frame's sequence number (pkt_build writes 0x11000000 on
 * a SYN, 0x11000001 on other segments: the ISN and what follows it) and
 * acknowledgment number (pkt_build writes 0). */
void pkt_set_tcp_seq(struct pkt *p, uint32_t seq);
void pkt_set_tcp_ack(struct pkt *p, uint32_t ack);
/* A quoted "IP header + 8 bytes of TCP" as an ICMP error carries it. */
size_t pkt_quote(const struct pkt_addr *src, const struct pkt_addr *dst,
		 uint16_t sport, uint16_t dport, uint8_t *buf, size_t cap);
/* The same of a UDP datagram (proto IPPROTO_UDP) or a TCP segment. */
size_t pkt_quote_proto(uint8_t proto, const struct pkt_addr *src, const struct pkt_addr *dst,
		       uint16_t sport, uint16_t dport, uint8_t *buf, size_t cap);

#endif /* TS_TEST_PKT_H */
