/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* classify.h - the full path's two stages, shared by both programs:
 * L2/L3 (then the in-program established path), then L4 by protocol. */
#ifndef TS_BPF_CLASSIFY_H
#define TS_BPF_CLASSIFY_H

#include "parse.h"
#include "run.h"
#include "tcp.h"
#include "icmp.h"
#include "dns.h"
#include "dgram.h"

/* Stage 1, in the program: Ethernet, VLANs, ARP, IPv4/IPv6 and the
 * extension chain. TS_R_NONE: go on to L4 at c->pos; *plain stays 1 for a
 * whole datagram without IPv6 extension headers. */
static __always_inline __u32 classify_l3(struct ts_pkt *p, struct ts_cursor *c, __u64 *plain,
					 __u32 big)
{
	__be16 ethertype;
	__u32 reason;

	reason = parse_l2(c, p, &ethertype);
	if (reason)
		return reason;
	if (ethertype == bpf_htons(ETH_P_ARP))
		return TS_R_PASS_ARP;
	if (ethertype == bpf_htons(ETH_P_IP))
		return parse_ipv4(c, p, false, plain, big);
	if (ethertype == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(c, p, false, plain, big);
	return TS_R_SCOPE_DEFAULT;
}

/* UDP, ICMP and the rest at c: TS_R_NONE for a datagram the datagram
 * path decides (UDP, an ICMP echo), else the reason. */
static __always_inline __u32 classify_dgram(struct ts_pkt *p, const struct ts_run *r,
					    struct ts_cursor *c)
{
	switch (p->proto) {
	case IPPROTO_UDP:
		/* a later fragment has no ports: the scope default */
		if (p->frag == TS_FRAG_NONFIRST)
			return TS_R_SCOPE_DEFAULT;
		return parse_udp(c, p);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((p->proto == IPPROTO_ICMP) != (p->family == TS_FAMILY_V4))
			return TS_R_SCOPE_DEFAULT;
		return handle_icmp(r, p, c);   /* TS_R_NONE: an echo */
	default:
		return TS_R_SCOPE_DEFAULT;
	}
}

/* Stage 2: TCP, UDP, ICMP at p->l4_off. It starts from ts_pkt and a new
 * cursor at the bounded offset, so the verifier's states from the many
 * stage-1 paths merge here. */
static __always_inline __u32 classify_l4(struct ts_pkt *p, const struct ts_run *r, void *data,
					 void *data_end)
{
	struct ts_cursor c = { .pos = data + (p->l4_off & TS_L4_OFF_MAX), .end = data_end };
	__u32 reason;
	switch (p->proto) {
	case IPPROTO_TCP:
		if (p->frag)
			return TS_R_DROP_FRAGMENT;
		reason = parse_tcp(&c, p);
		if (!reason && !p->flow_missed)
			reason = tcp_established(r, p);
		if (!reason)
			reason = tcp_untracked(r, p);
		return reason;
	default:
		reason = classify_dgram(p, r, &c);
		return reason ? reason : dgram_packet(r, p);
	}
}

/*
 * Stage 1 for both programs, then the established path: a TCP segment of
 * a live flow (without IPv6 extension headers) is decided here. Its
 * lookup is a call of its own (tcp_established_flow, for the stack), paid
 * by the segments the fast path left, not by a SYN. TS_R_NONE: continue
 * with the L4 stage.
 */
static __always_inline __u32 ts_begin(struct ts_pkt *p, const struct ts_run *r, void *data,
				      void *data_end, __u32 beyond, __u32 big, __u32 fast_missed)
{
	struct ts_cursor c = { .pos = data, .end = data_end, .beyond = beyond };
	__u32 reason, off;
	__u64 plain = 1;

	reason = classify_l3(p, &c, &plain, big);
	if (reason)
		return reason;
	off = c.pos - data;
	if (off > TS_L4_OFF_MAX)
		return TS_R_DROP_IPV6_EXT;
	p->l4_off = off;
	if (!plain || p->proto != IPPROTO_TCP) {
		p->flow_missed = fast_missed;   /* a UDP datagram's lookup missed */
		return TS_R_NONE;
	}
	reason = parse_tcp(&c, p);
	if (reason)
		return reason;
	if (fast_missed) {   /* the fast path found no entry for this segment */
		p->flow_missed = 1;
		return TS_R_NONE;
	}
	reason = tcp_established(r, p);
	p->flow_missed = !reason;
	return reason;
}

#endif /* TS_BPF_CLASSIFY_H */
