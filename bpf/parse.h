/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * parse.h - packet parsing with a cursor; every access is checked against
 * the end of the packet. Each stage returns TS_R_NONE to continue or the
 * reason that ends the packet's journey (a drop reason for malformed input).
 *
 * Decided edge cases (docs/dataplane.md has the full list):
 *  - up to TS_MAX_VLANS tags (802.1Q, 802.1ad); a third tag is malformed L2
 *  - IPv4: version 4, IHL >= 5, header and total length within the packet
 *  - an IP length field of 0 reads as 65535 only on a BIG TCP skb (tc,
 *    GSO, past 64 KiB), which cannot say its length there
 *  - IPv6: at most TS_MAX_IPV6_EXT extension headers (hop-by-hop, routing,
 *    destination options, fragment, AH); more, or a truncated one, drops
 *  - fragments: ports are never read from a non-first fragment; TCP
 *    fragments are dropped, other fragments get the scope default
 */
#ifndef TS_BPF_PARSE_H
#define TS_BPF_PARSE_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_endian.h>
#include "turnstile.h"

#define TS_MAX_VLANS     2
#define TS_MAX_IPV6_EXT  8

/* Internal verdict beside enum ts_reason: "apply the scope default". */
#define TS_R_SCOPE_DEFAULT 0xff


enum ts_echo {
	TS_ECHO_NONE = 0,
	TS_ECHO_REQUEST = 1,
	TS_ECHO_REPLY = 2,
};

enum ts_frag {
	TS_FRAG_NONE = 0,
	TS_FRAG_FIRST = 1,    /* offset 0, more fragments follow */
	TS_FRAG_NONFIRST = 2, /* offset > 0: no L4 header here */
};

struct ts_cursor {
	void *pos;
	void *end;
	__u32 beyond;  /* packet bytes past `end` (tc: the non-linear part of a large skb; XDP: 0) */
};

/* What the stages learn about a packet. Addresses as 4 words in network
 * order (IPv4 in word 0); for an ICMP error, the tuple is the quoted one.
 * The run's facts (slot, clock, length, hook) are in struct ts_run (run.h)
 * alone, passed beside the packet: a global function gets the ones it
 * needs as arguments. */
struct ts_pkt {
	__u32 saddr[4];
	__u32 daddr[4];
	__be16 sport, dport;
	__u8 family;      /* enum ts_family, 0 before L3 */
	__u8 proto;       /* L4 protocol */
	__u8 tcp_flags;
	__u8 frag;        /* enum ts_frag */
	__u16 vlan;       /* outer VLAN id, 0 = none */
	__u8 icmp_error;  /* tuple comes from an ICMP error's quote */
	__u8 echo;        /* enum ts_echo: an ICMP echo (ports: its identifier) */
	__u32 l4_len;     /* bytes from the L4 header to the end of the L3 payload */
	__u32 rule_id;    /* for the event */
	__u16 l4_off;     /* L4 header offset from the start of the frame */
	__u8 flow_missed; /* the flow tables are not to be read: the fast path
			   * found no live flow there, or the segment opens a
			   * connection */
	/* a TCP segment's flow key, made once (tcp.h, flow_key_of) */
	__u8 key_made;
	__u8 from_lo;     /* the sender is the key's lo endpoint */
	/* an insert of key published, to be settled (flow.h, ts_flow_settle):
	 * its table + 1 (0: none), slot position and generation */
	__u8 settle;
	__u8 judged;      /* an opening SYN the fast path judged allowed:
			   * judged_rule and judged_slot are this packet's */
	__u8 pad3;
	__u32 tcp_seq;    /* the TCP sequence number, host order */
	__u32 tcp_ack;    /* the TCP acknowledgment number, host order */
	__u32 settle_pos;
	__u32 settle_gen;
	__u32 pad4;
	/* not cleared per packet (ts_pkt_clear): written whole, with
	 * key_made or judged, before any read */
	__u64 key_hash;
	struct ts_flow_key key;
	__u32 judged_rule;   /* the rule the fast path's judgement found */
	__u32 judged_slot;   /* the policy slot it judged by */
};

/* A map value's record cleared for the next packet: all but the flow key
 * and its hash (flow_key_build writes every word of the key), which are
 * read only once key_made says they are this packet's, and the fast
 * path's judgement (judged). 56 of 136 bytes fewer stores on every
 * packet of the full path. */
static __always_inline void ts_pkt_clear(struct ts_pkt *p)
{
	__builtin_memset(p, 0, __builtin_offsetof(struct ts_pkt, key_hash));
}

/* Largest L4 offset handed to the L4 stage (Ethernet, 2 tags, IPv6 and 8
 * extension headers of up to 2 KiB each fit). */
#define TS_L4_OFF_MAX 0x7fff

/* The record's family and addresses from a header's (IPv4's in word 0,
 * the rest zero): the parser's and the fast path's one copy. */
static __always_inline void pkt_addrs(struct ts_pkt *p, __u8 family, const __u32 *sa, const __u32 *da)
{
	p->family = family;
	if (family == TS_FAMILY_V4) {
		p->saddr[0] = sa[0];
		p->daddr[0] = da[0];
		p->saddr[1] = p->saddr[2] = p->saddr[3] = 0;
		p->daddr[1] = p->daddr[2] = p->daddr[3] = 0;
	} else {
		__builtin_memcpy(p->saddr, sa, 16);
		__builtin_memcpy(p->daddr, da, 16);
	}
}

static __always_inline void *cur_pull(struct ts_cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return 0;
	c->pos = p + len;
	return p;
}

static __always_inline __u32 cur_avail(const struct ts_cursor *c)
{
	return c->end - c->pos;
}

/* Bytes of the packet from the cursor on, readable or not: what IP length
 * fields are checked against (an egress skb carries its payload in pages). */
static __always_inline __u32 cur_avail_total(const struct ts_cursor *c)
{
	__u32 linear = cur_avail(c);

	barrier_var(linear); /* or clang folds the sum into 32-bit pointer math */
	return linear + c->beyond;
}

/* A BIG TCP skb (tc: a GSO skb past 64 KiB) has an IP length field of 0,
 * which cannot hold its length. `big` is TS_IP_LEN_MAX for such an skb,
 * else 0: a field of 0 then reads as the largest length it holds, enough
 * for the header checks, which need only the headers within it. A zero
 * field on anything else stays malformed (only the local stack and GRO
 * make such skbs). No branch on the field: the result has the same range
 * whatever `big` is, so once `big` is dead the verifier's paths for its
 * two values merge (with a branch here, tc's count went 183k -> 278k). */
#define TS_IP_LEN_MAX 0xffff

static __always_inline __u32 ip_len_field(__u16 field_be, __u32 big)
{
	__u32 field = bpf_ntohs(field_be);
	__u32 if_zero = (field - 1) >> 16;   /* 0xffff for a field of 0, else 0 */

	barrier_var(if_zero);
	return field | (if_zero & big);
}

struct ts_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* Ethernet and up to two VLAN tags; returns the reason or TS_R_NONE with
 * *ethertype (net order) set. */
static __always_inline __u32 parse_l2(struct ts_cursor *c, struct ts_pkt *p, __be16 *ethertype)
{
	struct ethhdr *eth = cur_pull(c, sizeof(*eth));
	__be16 proto;
	int i;

	if (!eth)
		return TS_R_DROP_MALFORMED_L2;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < TS_MAX_VLANS + 1; i++) {
		struct ts_vlan_hdr *vh;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if (i == TS_MAX_VLANS)
			return TS_R_DROP_MALFORMED_L2;
		vh = cur_pull(c, sizeof(*vh));
		if (!vh)
			return TS_R_DROP_MALFORMED_L2;
		if (i == 0)
			p->vlan = bpf_ntohs(vh->tci) & 0x0fff;
		proto = vh->proto;
	}
	*ethertype = proto;
	return TS_R_NONE;
}

struct ts_ipv4_hdr {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__be16 check;
	__be32 saddr;
	__be32 daddr;
};

/* An IPv4 header (with options) at the cursor; leaves the cursor at L4.
 * `quoted`: inside an ICMP error, where the datagram is cut short and the
 * total length is not checked. *plain (a local of the caller, so the
 * verifier knows it per path) is cleared for a fragment. */
static __always_inline __u32 parse_ipv4(struct ts_cursor *c, struct ts_pkt *p, bool quoted,
					__u64 *plain, __u32 big)
{
	__u32 bad = quoted ? TS_R_DROP_MALFORMED_L4 : TS_R_DROP_MALFORMED_IP;
	struct ts_ipv4_hdr *ip = cur_pull(c, sizeof(*ip));
	__u32 hlen, tot, opt, frag;

	if (!ip)
		return bad;
	if ((ip->ver_ihl >> 4) != 4 || (ip->ver_ihl & 0x0f) < 5)
		return bad;
	hlen = (ip->ver_ihl & 0x0f) * 4;
	opt = hlen - sizeof(*ip);
	if (opt && !cur_pull(c, opt))
		return bad;
	tot = ip_len_field(ip->tot_len, big);
	if (!quoted) {
		if (tot < hlen || tot - hlen > cur_avail_total(c))
			return bad;
		p->l4_len = tot - hlen;
	} else {
		p->l4_len = cur_avail(c);
	}
	frag = bpf_ntohs(ip->frag_off);
	p->frag = (frag & 0x1fff) ? TS_FRAG_NONFIRST : (frag & 0x2000) ? TS_FRAG_FIRST : TS_FRAG_NONE;
	if (frag & 0x3fff)
		*plain = 0;
	p->proto = ip->protocol;
	pkt_addrs(p, TS_FAMILY_V4, &ip->saddr, &ip->daddr);
	return TS_R_NONE;
}

struct ts_ipv6_hdr {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u32 saddr[4];
	__u32 daddr[4];
};

struct ts_ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ts_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;   /* offset << 3 | M */
	__be32 id;
};

static __always_inline bool ipv6_is_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_AH;
}

/* The IPv6 header and its extension chain; leaves the cursor at L4 (or
 * at the fragment payload of a non-first fragment). *plain is cleared
 * when there is any extension header. */
static __always_inline __u32 parse_ipv6(struct ts_cursor *c, struct ts_pkt *p, bool quoted,
					__u64 *plain, __u32 big)
{
	__u32 bad = quoted ? TS_R_DROP_MALFORMED_L4 : TS_R_DROP_MALFORMED_IP;
	struct ts_ipv6_hdr *ip6 = cur_pull(c, sizeof(*ip6));
	__u32 rem;
	__u8 nh;
	int i;

	if (!ip6)
		return bad;
	if ((bpf_ntohl(ip6->ver_tc_flow) >> 28) != 6)
		return bad;
	rem = ip_len_field(ip6->payload_len, big);   /* BIG TCP: with or without a jumbo option */
	if (quoted)
		rem = cur_avail(c);
	else if (rem > cur_avail_total(c))
		return bad;
	pkt_addrs(p, TS_FAMILY_V6, ip6->saddr, ip6->daddr);
	nh = ip6->nexthdr;
	if (quoted) {
		/* a quote is judged only when TCP follows directly */
		p->proto = nh;
		p->l4_len = rem;
		return TS_R_NONE;
	}
#pragma unroll
	for (i = 0; i < TS_MAX_IPV6_EXT + 1; i++) {
		struct ts_ipv6_opt_hdr *oh;
		__u32 len;

		if (!ipv6_is_ext(nh))
			break;
		if (i == TS_MAX_IPV6_EXT)
			return TS_R_DROP_IPV6_EXT;
		*plain = 0;
		if (nh == IPPROTO_FRAGMENT) {
			struct ts_ipv6_frag_hdr *fh = cur_pull(c, sizeof(*fh));
			__u16 off;

			if (!fh || rem < sizeof(*fh))
				return TS_R_DROP_IPV6_EXT;
			rem -= sizeof(*fh);
			off = bpf_ntohs(fh->frag_off);
			nh = fh->nexthdr;
			if (off & 0xfff8) {
				p->frag = TS_FRAG_NONFIRST;
				break;
			}
			if (off & 1)
				p->frag = TS_FRAG_FIRST;
			continue;
		}
		oh = cur_pull(c, sizeof(*oh));
		if (!oh)
			return TS_R_DROP_IPV6_EXT;
		len = nh == IPPROTO_AH ? ((__u32)oh->hdrlen + 2) * 4 : ((__u32)oh->hdrlen + 1) * 8;
		nh = oh->nexthdr;
		if (rem < len || !cur_pull(c, len - sizeof(*oh)))
			return TS_R_DROP_IPV6_EXT;
		rem -= len;
	}
	p->proto = nh;
	p->l4_len = rem;
	return TS_R_NONE;
}

struct ts_tcp_hdr {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8 doff_res;     /* data offset in the high nibble */
	__u8 flags;
	__be16 window;
	__be16 check;
	__be16 urg_ptr;
};

/* What the record keeps of a TCP header: the parser's and the fast
 * path's one copy. */
static __always_inline void pkt_tcp(struct ts_pkt *p, const struct ts_tcp_hdr *th)
{
	p->sport = th->source;
	p->dport = th->dest;
	p->tcp_flags = th->flags;
	p->tcp_seq = bpf_ntohl(th->seq);
	p->tcp_ack = bpf_ntohl(th->ack_seq);
}

static __always_inline __u32 parse_tcp(struct ts_cursor *c, struct ts_pkt *p)
{
	struct ts_tcp_hdr *th;
	__u32 doff;

	if (p->l4_len < sizeof(*th))
		return TS_R_DROP_MALFORMED_TCP;
	th = cur_pull(c, sizeof(*th));
	if (!th)
		return TS_R_DROP_MALFORMED_TCP;
	doff = (th->doff_res >> 4) * 4;
	if (doff < sizeof(*th) || doff > p->l4_len)
		return TS_R_DROP_MALFORMED_TCP;
	pkt_tcp(p, th);
	return TS_R_NONE;
}

struct ts_l4_ports {
	__be16 source;
	__be16 dest;
};

/* A UDP header: its length covers the header and lies within the L3
 * payload (a first fragment's datagram goes on in later fragments). The
 * checksum is the receiver's to check: the verdict does not need it. */
static __always_inline __u32 parse_udp(struct ts_cursor *c, struct ts_pkt *p)
{
	struct ts_l4_ports *ph;
	__be16 *ulen;
	__u32 len;

	if (p->l4_len < 8)
		return TS_R_DROP_MALFORMED_L4;
	ph = cur_pull(c, 8);
	if (!ph)
		return TS_R_DROP_MALFORMED_L4;
	ulen = (__be16 *)(ph + 1);
	len = bpf_ntohs(*ulen);
	if (len < 8 || (len > p->l4_len && p->frag != TS_FRAG_FIRST))
		return TS_R_DROP_MALFORMED_L4;
	p->sport = ph->source;
	p->dport = ph->dest;
	return TS_R_NONE;
}

/* The first 8 bytes of a UDP header, or of the TCP header an ICMP error quotes. */
static __always_inline __u32 parse_ports8(struct ts_cursor *c, struct ts_pkt *p)
{
	struct ts_l4_ports *ph;

	if (p->l4_len < 8)
		return TS_R_DROP_MALFORMED_L4;
	ph = cur_pull(c, 8);
	if (!ph)
		return TS_R_DROP_MALFORMED_L4;
	p->sport = ph->source;
	p->dport = ph->dest;
	return TS_R_NONE;
}

#endif /* TS_BPF_PARSE_H */
