/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flows.h - bench-live's traffic, one definition for the frame generator,
 * the handshakes and the conntrack entries. Addresses are documentation
 * ranges: clients 198.51.100.0/24 and 2001:db8:1::/48 (in the policy's
 * client component), the server 192.0.2.1 and 2001:db8:2::1 (tcp/443),
 * unlisted sources 203.0.113.0/24 and 2001:db8:3::/48 (in no component).
 */
#ifndef TS_LIVE_FLOWS_H
#define TS_LIVE_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnstile.h"
#include "numbering.h"

#define LIVE_MAX_FLOWS  (1u << 20)
#define LIVE_CLIENT_ISN 1000u    /* flow i's client ISN is this + i */
#define LIVE_SERVER_ISN 500000u

enum live_kind {
	LIVE_SYN_UNLISTED,   /* SYNs from unlisted sources to the server: dropped */
	LIVE_ESTABLISHED,    /* data segments (ACK|PSH) of the clients' open flows */
	LIVE_SYN_ALLOWED,    /* SYNs of new connections from the clients */
	LIVE_CONNECTIONS,    /* whole connections of the clients: SYN, SYN-ACK, ACK, RST */
};

/* A connection's segments in the order they are sent: the handshake
 * (live handshake, LIVE_CONNECTIONS), then the client's RST
 * (LIVE_CONNECTIONS), which ends it. */
enum live_segment { LIVE_SEG_SYN, LIVE_SEG_SYN_ACK, LIVE_SEG_ACK, LIVE_SEG_RST, LIVE_CONN_SEGMENTS };

struct live_tuple {
	int family;          /* 4 or 6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;   /* host order */
};

/* Flow i (i < LIVE_MAX_FLOWS) of `kind`, client (or unlisted source) to server. */
void live_flow(uint32_t i, int family, enum live_kind kind, struct live_tuple *t);
/* The same flow seen from the other side. */
void live_reverse(const struct live_tuple *t, struct live_tuple *r);
/* Segment `seg` of the clients' connection on flow i (ISN LIVE_CLIENT_ISN
 * + i, the server's LIVE_SERVER_ISN): its tuple (the SYN-ACK's from the
 * server), flags, sequence and acknowledgment numbers. */
void live_conn_segment(uint32_t i, int family, enum live_segment seg, struct live_tuple *t,
		       uint8_t *flags, uint32_t *seq, uint32_t *ack);

/* An Ethernet frame of t with TCP flags/seq/ack, checksums right, padded
 * to `len` bytes (64 for IPv4, 80 for IPv6). Returns len. */
size_t live_frame(uint8_t *b, size_t len, const uint8_t dmac[6], const struct live_tuple *t,
		  uint8_t flags, uint32_t seq, uint32_t ack);
size_t live_frame_len(int family);

enum { LIVE_FIN = TS_TCP_FIN, LIVE_SYN = TS_TCP_SYN, LIVE_RST = TS_TCP_RST, LIVE_PSH = TS_TCP_PSH,
       LIVE_ACK = TS_TCP_ACK };

#endif /* TS_LIVE_FLOWS_H */
