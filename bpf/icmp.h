/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* icmp.h - ICMP and ICMPv6: neighbour discovery, echo (handed to the
 * datagram path, dgram.h), and errors judged by the TCP or UDP flow they
 * quote. */
#ifndef TS_BPF_ICMP_H
#define TS_BPF_ICMP_H

#include "maps.h"
#include "parse.h"
#include "run.h"
#include "flow.h"
#include "policy.h"

static __always_inline bool flow_tracked(const struct ts_run *r, const struct ts_flow_key *k)
{
	__u64 h = flow_hash(r->cfg, k);
	struct ts_flow_slot *s = flows_find(r->cfg, k, h, NULL);

	if (s && !flow_expired(&s->val, r->now, r->sc))
		return true;
	s = flow_find(&ts_halfopen, r->cfg, TS_TBL_HALFOPEN, k, h, NULL);
	return s && !flow_expired(&s->val, r->now, r->sc);
}

struct ts_icmp_hdr {
	__u8 type;
	__u8 code;
	__be16 check;
	__be16 id;         /* echo: identifier */
	__be16 seq;
};

#define TS_ICMP_ECHO_REPLY     0
#define TS_ICMP_ECHO_REQUEST   8
#define TS_ICMP6_ECHO_REQUEST 128
#define TS_ICMP6_ECHO_REPLY   129

#define TS_ICMP_DEST_UNREACH   3
#define TS_ICMP_TIME_EXCEEDED 11
#define TS_ICMP6_DEST_UNREACH  1
#define TS_ICMP6_PKT_TOOBIG    2
#define TS_ICMP6_TIME_EXCEED   3

static __always_inline bool icmp6_is_nd(__u8 type)
{
	/* router/neighbour solicitation/advertisement, redirect (133-137),
	 * and MLD (130-132, 143), which ND's multicast groups depend on */
	return (type >= 133 && type <= 137) || (type >= 130 && type <= 132) || type == 143;
}

/* ICMP/ICMPv6: an echo request or reply gets TS_R_NONE with p->echo set
 * and its identifier as both ports (the datagram path judges it); an
 * error passes iff it quotes a tracked TCP or UDP flow; an error quoting
 * in-scope TCP or UDP that is not tracked drops; a quote cut short by the
 * outer IP packet's length is malformed. */
static __always_inline __u32 handle_icmp(const struct ts_run *r, struct ts_pkt *p, struct ts_cursor *c)
{
	struct ts_icmp_hdr *ih;
	struct ts_flow_key k;
	__u32 quote_len, hdr_len, plane;
	__u64 plain = 1;
	void *quote;
	bool is_err;
	__u32 reason;

	if (p->frag)
		return TS_R_SCOPE_DEFAULT;
	if (p->l4_len < sizeof(*ih))
		return TS_R_DROP_MALFORMED_L4;
	ih = cur_pull(c, sizeof(*ih));
	if (!ih)
		return TS_R_DROP_MALFORMED_L4;
	if (p->family == TS_FAMILY_V4) {
		if (ih->type == TS_ICMP_ECHO_REQUEST || ih->type == TS_ICMP_ECHO_REPLY)
			p->echo = ih->type == TS_ICMP_ECHO_REQUEST ? TS_ECHO_REQUEST : TS_ECHO_REPLY;
		is_err = ih->type == TS_ICMP_DEST_UNREACH || ih->type == TS_ICMP_TIME_EXCEEDED;
	} else {
		if (ih->type == TS_ICMP6_ECHO_REQUEST || ih->type == TS_ICMP6_ECHO_REPLY)
			p->echo = ih->type == TS_ICMP6_ECHO_REQUEST ? TS_ECHO_REQUEST : TS_ECHO_REPLY;
		if (icmp6_is_nd(ih->type))
			return TS_R_PASS_ND;
		is_err = ih->type == TS_ICMP6_DEST_UNREACH || ih->type == TS_ICMP6_PKT_TOOBIG ||
			 ih->type == TS_ICMP6_TIME_EXCEED;
	}
	if (p->echo) {
		p->sport = p->dport = ih->id;
		return TS_R_NONE;
	}
	if (!is_err)
		return TS_R_SCOPE_DEFAULT;
	p->icmp_error = 1;
	/* The quote ends where the outer IP packet does: bytes past it are
	 * frame padding, never a quote. */
	quote_len = p->l4_len - sizeof(*ih);
	quote = c->pos;
	if (p->family == TS_FAMILY_V4)
		reason = parse_ipv4(c, p, true, &plain, 0);
	else
		reason = parse_ipv6(c, p, true, &plain, 0);
	if (reason)
		return reason;
	hdr_len = c->pos - quote;
	if (hdr_len > quote_len)
		return TS_R_DROP_MALFORMED_L4;
	if (p->l4_len > quote_len - hdr_len)
		p->l4_len = quote_len - hdr_len;
	if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) || p->frag == TS_FRAG_NONFIRST)
		return TS_R_SCOPE_DEFAULT;
	reason = parse_ports8(c, p);
	if (reason)
		return reason;
	flow_key_make(p, &k);
	if (flow_tracked(r, &k))
		return TS_R_PASS_ICMP_RELATED;
	plane = p->proto == IPPROTO_UDP ? TS_PLANE_UDP : TS_PLANE_TCP;
	if (plane_class(r->slot, ts_port_index(plane, bpf_ntohs(p->sport))) ||
	    plane_class(r->slot, ts_port_index(plane, bpf_ntohs(p->dport))))
		return TS_R_DROP_ICMP_UNRELATED;
	return TS_R_SCOPE_DEFAULT;
}

#endif /* TS_BPF_ICMP_H */
