// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * turnstile.bpf.c - the two programs (XDP ingress, tc egress) over one
 * core: parse, then decide by the flow table; the policy is judged only on
 * a packet that opens a connection (SYN without ACK). docs/DESIGN.md and
 * docs/dataplane.md describe the semantics this file implements.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "turnstile.h"
#include "maps.h"
#include "parse.h"
#include "policy.h"
#include "flow.h"
#include "stats.h"
#include "fast.h"

#define TS_DNS_PORT 53


static __always_inline bool flow_tracked(const struct ts_run *r, const struct ts_flow_key *k)
{
	__u64 h = flow_hash(r->cfg, k);
	struct ts_flow_slot *s = flow_find(&ts_flows, r->cfg, TS_TBL_FLOWS, k, h, NULL);

	if (s && !flow_expired(&s->val, r->now, r->sc))
		return true;
	s = flow_find(&ts_halfopen, r->cfg, TS_TBL_HALFOPEN, k, h, NULL);
	return s && !flow_expired(&s->val, r->now, r->sc);
}

/* DNS with the loader's resolvers passes. A TCP SYN without ACK counts only
 * on its way *to* a resolver: one from a resolver's port 53 would open a
 * connection the policy never judged. A global function, called only for
 * a packet to or from port 53: verified once, its host lookups do not
 * multiply the verifier's walk of what follows. */
__noinline int ts_dns_to_resolver(const struct ts_pkt *p, __u32 opening)
{
	struct ts_run r = {};

	r.cfg = bpf_map_lookup_elem(&ts_config, (void *)&ts_key_zero);
	if (!p || !r.cfg)
		return 0;
	r.slot = p->slot & 1;
	if (p->dport == bpf_htons(TS_DNS_PORT) && is_resolver(&r, p->family, p->daddr))
		return 1;
	return !opening && p->sport == bpf_htons(TS_DNS_PORT) && is_resolver(&r, p->family, p->saddr);
}

static __always_inline bool dns_to_resolver(const struct ts_pkt *p, bool opening)
{
	if (p->dport != bpf_htons(TS_DNS_PORT) && (opening || p->sport != bpf_htons(TS_DNS_PORT)))
		return false;
	return ts_dns_to_resolver(p, opening);
}

/* The rule for a packet without flow: `dclass` judges the sender as the
 * initiator; a nonzero `sclass` (loose pickup) also tries the other
 * orientation, which sets *reversed. One site for both uses: every
 * inlined copy of the address lookups is walked again by the verifier. */
static __always_inline __u32 policy_rule(const struct ts_run *r, const struct ts_pkt *p,
					 __u32 dclass, __u32 sclass, bool *reversed)
{
	__u32 src, dst, rule, no_in;

	no_in = pair_sets(r, p, !sclass, &src, &dst);
	/* the filter's bit set: no such rule entry, none to look up */
	rule = (no_in & ts_inbound_bit(src, dclass)) ? 0 : rule_lookup(r, src, dst, dclass);
	*reversed = false;
	if (!rule && sclass) {
		rule = rule_lookup(r, dst, src, sclass);
		*reversed = true;
	}
	return rule;
}

/* A SYN without ACK and without flow, in scope, judged (rule, 0 if none):
 * allowed -> half-open entry; refused in audit mode -> an audit half-open
 * entry, so the attempt is reported once, not per packet (a new attempt,
 * another ISN, is reported again). */
static __always_inline __u32 tcp_open(const struct ts_run *r, struct ts_pkt *p,
				      const struct ts_flow_key *k, __u64 h, bool from_lo, __u32 rule)
{
	long err;
	struct ts_flow_val nv = {
		.created_ns = r->now,
		.last_seen_ns = r->now,
		.rule_id = rule,
		.ifindex = r->ifindex,
		.state = TS_TCP_SYN_SENT,
		.flags = from_lo ? 0 : TS_FLOW_INIT_HI,
		.vlan = p->vlan,
		.isn = p->tcp_seq,
	};

	if (!rule) {
		if (r->sc->flags & TS_CFG_AUDIT) {
			nv.flags |= TS_FLOW_AUDIT;
			halfopen_insert(r, k, h, &nv);
		}
		return TS_R_DROP_NO_RULE;
	}
	p->rule_id = rule;
	err = halfopen_insert(r, k, h, &nv);
	if (err)
		return TS_R_DROP_HALFOPEN_FULL;
	count_rule(rule, r->len, true);
	return TS_R_PASS_NEW;
}

/* Loose pickup: a mid-flow packet of a pair some rule allows, in either
 * orientation (we did not see who opened it): the initiator recorded is
 * the side that rule lets open it (`reversed`: the receiver), so the
 * flow is one the policy could have made. */
static __always_inline __u32 tcp_pickup(const struct ts_run *r, struct ts_pkt *p,
					const struct ts_flow_key *k, __u64 h, bool from_lo,
					__u32 rule, bool reversed)
{
	bool init_hi = reversed ? from_lo : !from_lo;
	struct ts_flow_val nv = {};
	long err;

	if (!rule)
		return TS_R_DROP_NO_FLOW;
	nv.created_ns = nv.last_seen_ns = r->now;
	nv.rule_id = rule;
	nv.ifindex = r->ifindex;
	nv.state = TS_TCP_ESTABLISHED;
	nv.flags = TS_FLOW_LOOSE | (init_hi ? TS_FLOW_INIT_HI : 0);
	nv.vlan = p->vlan;
	flow_track_close(&nv, p->tcp_flags, from_lo);
	err = flows_insert(r, k, h, &nv);
	if (err)
		return TS_R_DROP_FLOW_FULL;
	p->rule_id = rule;
	count_rule(rule, r->len, false);
	return TS_R_PASS_LOOSE;
}

/* A packet of a half-open connection: SYN retransmit, SYN-ACK, the ACK
 * that completes it (moves it to ts_flows) or a RST that ends it. */
static __always_inline __u32 tcp_handshake(const struct ts_run *r, struct ts_pkt *p,
					   const struct ts_flow_key *k, __u64 hash, bool from_lo,
					   const struct ts_hit *hit)
{
	struct ts_flow_val *h = &((struct ts_flow_slot *)hit->slot)->val;
	struct ts_flow_val nv = *h;   /* decide on a copy ... */
	bool from_init = flow_from_initiator(&nv, from_lo);
	__u32 pass = (nv.flags & TS_FLOW_AUDIT) ? TS_R_PASS_AUDIT : TS_R_PASS_HANDSHAKE;
	__u8 f = p->tcp_flags;
	long err;

	if (!hit_current(hit))        /* ... of the entry found: a flood may have replaced it */
		return TS_R_DROP_NO_FLOW;
	p->rule_id = nv.rule_id;
	if (tcp_flags_bad(f))
		return TS_R_DROP_BAD_FLAGS;
	if (f & TS_TCP_RST) {
		flow_remove(true, hit);
		count_rule(nv.rule_id, r->len, false);
		return pass;
	}
	if (f & TS_TCP_SYN) {
		bool ack = f & TS_TCP_ACK;

		if (ack == from_init)   /* SYN from the initiator, SYN-ACK from the responder */
			return TS_R_DROP_NO_FLOW;
		if (ack && nv.state != TS_TCP_SYN_RECV)
			h->state = TS_TCP_SYN_RECV;
		flow_touch(h, r->now);
		count_rule(nv.rule_id, r->len, false);
		return pass;
	}
	/* ACK without SYN: only the initiator completes the handshake, with
	 * the segment that follows its SYN (not a late segment of an older
	 * connection on these ports). The SYN-ACK may not have passed here
	 * (egress not attached): accepted. */
	if (!from_init || !seq_follows_syn(p->tcp_seq, nv.isn))
		return TS_R_DROP_NO_FLOW;
	nv.state = TS_TCP_ESTABLISHED;
	nv.last_seen_ns = r->now;
	flow_track_close(&nv, f, from_lo);
	err = flows_insert(r, k, hash, &nv);
	if (err)
		return TS_R_DROP_FLOW_FULL;
	flow_remove(true, hit);
	count_rule(nv.rule_id, r->len, false);
	return pass;
}

/* The packet's flow key and its hash, made once per packet (p->key). */
static __always_inline struct ts_flow_key *flow_key_of(const struct ts_run *r, struct ts_pkt *p)
{
	if (!p->key_made) {
		p->from_lo = flow_key_make(p, &p->key);
		p->key_hash = flow_hash(r->cfg, &p->key);
		p->key_made = 1;
	}
	return &p->key;
}

/*
 * The judgement of a TCP segment without live flow, before the half-open
 * table: settled without the policy (resolver DNS, outside the scope, bad
 * flags, no flow), or TS_R_NONE and the policy's rule in *rule (0: none;
 * *reversed: a loose pickup's receiver opened). Reads only the policy,
 * writes nothing: explain's program (ts_judge) makes this same call.
 */
static __always_inline __u32 tcp_judge(const struct ts_run *r, const struct ts_pkt *p, bool opening,
				       __u32 *rule, bool *reversed)
{
	__u8 f = p->tcp_flags;
	bool loose = (r->sc->flags & TS_CFG_LOOSE_PICKUP) && !(f & TS_TCP_RST);
	/* an opening packet is judged by its destination port alone */
	__u32 dclass = port_class(r->slot, p->dport);
	__u32 sclass = opening ? 0 : port_class(r->slot, p->sport);
	/* a SYN-ACK comes from the responder: picked up, its receiver is the
	 * initiator, never its sender (the scope still reads both ports) */
	__u32 fwd_class = !opening && (f & TS_TCP_SYN) ? 0 : dclass;

	if (dns_to_resolver(p, opening))
		return TS_R_PASS_RESOLVER;
	if (!dclass && !sclass)
		return TS_R_SCOPE_DEFAULT;
	if (tcp_flags_bad(f))
		return TS_R_DROP_BAD_FLAGS;
	if (!opening && !loose)
		return TS_R_DROP_NO_FLOW;
	*rule = policy_rule(r, p, fwd_class, sclass, reversed);
	return TS_R_NONE;
}

/*
 * A TCP segment without live flow. What decides it when no half-open
 * entry does is known before that lookup (`settled`: resolver, scope,
 * flags, no flow); when nothing settles it, the policy judges it, and an
 * opening SYN the policy refuses is dropped there, before the half-open
 * table is read (outside audit mode): a refused opening packet never
 * passes by half-open state. The judgement is pure, so a segment that
 * will need it (a loose pickup's too) gets it up front: one inlined copy
 * of the address lookups.
 */
static __always_inline __u32 tcp_untracked(const struct ts_run *r, struct ts_pkt *p)
{
	const struct ts_flow_key *k;
	__u8 f = p->tcp_flags;
	bool opening = tcp_opening(f), reversed = false, from_lo;
	__u32 settled, rule = 0;
	struct ts_flow_slot *hs;
	struct ts_hit hit;
	__u64 h;

	settled = tcp_judge(r, p, opening, &rule, &reversed);
	if (!settled && !rule && opening && !(r->sc->flags & TS_CFG_AUDIT))
		return TS_R_DROP_NO_RULE;

	k = flow_key_of(r, p);   /* not made for a refused SYN: none of its lookups needs it */
	h = p->key_hash;
	from_lo = p->from_lo;
	hs = flow_find(&ts_halfopen, r->cfg, TS_TBL_HALFOPEN, k, h, &hit);
	/* a SYN from the initiator with another ISN is a new attempt: judged
	 * afresh above, it replaces the entry (rule, times, audit flag); one
	 * settled without a judgement (bad flags) leaves it alone */
	if (hs && (flow_expired(&hs->val, r->now, r->sc) ||
		   (opening && !settled && hs->val.isn != p->tcp_seq &&
		    flow_from_initiator(&hs->val, from_lo)))) {
		flow_remove(true, &hit);
		hs = 0;
	}
	if (hs)
		return tcp_handshake(r, p, k, h, from_lo, &hit);
	if (settled)
		return settled;
	if (opening)
		return tcp_open(r, p, k, h, from_lo, rule);
	return tcp_pickup(r, p, k, h, from_lo, rule, reversed);
}

/* The segment answers or completes the handshake of half-open entry v:
 * the responder's SYN-ACK acknowledging its SYN, or the initiator's
 * segment that follows its SYN; with good flags. */
static __always_inline bool handshake_segment(const struct ts_flow_val *v, const struct ts_pkt *p)
{
	bool from_init = flow_from_initiator(v, p->from_lo);
	__u8 f = p->tcp_flags;

	if (tcp_flags_bad(f))
		return false;
	if (from_init)
		return !(f & TS_TCP_SYN) && seq_follows_syn(p->tcp_seq, v->isn);
	return (f & (TS_TCP_SYN | TS_TCP_ACK)) == (TS_TCP_SYN | TS_TCP_ACK) &&
	       seq_follows_syn(p->tcp_ack, v->isn);
}

/* A closing flow gives way to a newer connection on the same addresses and
 * ports. An opening SYN is judged without reading ts_flows, so a live
 * half-open entry can sit beside a CLOSING flow; the flow gives way when
 * the entry has another ISN (not a late retransmit of the flow's own SYN)
 * and the segment belongs to the entry's handshake (not a late segment of
 * the old connection). Only closing flows pay this lookup (the fast path
 * leaves them to the full path); tcp_untracked then finds the entry again. */
static __always_inline bool flow_superseded(const struct ts_run *r, const struct ts_pkt *p,
					    const struct ts_flow_val *v, const struct ts_flow_key *k, __u64 h)
{
	struct ts_flow_slot *s;

	if (v->state != TS_TCP_CLOSING)
		return false;
	s = flow_find(&ts_halfopen, r->cfg, TS_TBL_HALFOPEN, k, h, NULL);
	return s && s->val.isn != v->isn && !flow_expired(&s->val, r->now, r->sc) &&
	       handshake_segment(&s->val, p);
}

/* TCP, the established path: one hash lookup plus array counters, inline
 * in the program. TS_R_NONE: no live flow (a stale or superseded entry is
 * removed), or an opening SYN, which the policy judges whatever ts_flows
 * holds: a new connection does not read the flow table, whose lines no
 * earlier packet brought into the cache (docs/dataplane.md, "TCP"). */
static __always_inline __u32 tcp_established(const struct ts_run *r, struct ts_pkt *p)
{
	__u8 f = p->tcp_flags;
	struct ts_flow_slot *s;
	struct ts_flow_key *k;
	struct ts_flow_val *v;
	struct ts_hit hit;
	bool from_lo;

	if (tcp_opening(f))
		return TS_R_NONE;
	k = flow_key_of(r, p);
	from_lo = p->from_lo;
	s = flow_find(&ts_flows, r->cfg, TS_TBL_FLOWS, k, p->key_hash, &hit);
	if (!s)
		return TS_R_NONE;
	v = &s->val;
	if (flow_expired(v, r->now, r->sc) || flow_superseded(r, p, v, k, p->key_hash)) {
		flow_remove(false, &hit);
		return TS_R_NONE;
	}
	p->rule_id = v->rule_id;
	flow_touch(v, r->now);
	if (f & (TS_TCP_FIN | TS_TCP_RST))
		flow_track_close(v, f, from_lo);
	count_rule(v->rule_id, r->len, false);
	return (v->flags & TS_FLOW_AUDIT) ? TS_R_PASS_AUDIT : TS_R_PASS_ESTABLISHED;
}

struct ts_icmp_hdr {
	__u8 type;
	__u8 code;
	__be16 check;
	__be32 rest;
};

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

/* ICMP/ICMPv6: an error passes iff it quotes a tracked TCP flow; an error
 * quoting in-scope TCP that is not tracked drops; a quote cut short by the
 * outer IP packet's length is malformed. */
static __always_inline __u32 handle_icmp(const struct ts_run *r, struct ts_pkt *p, struct ts_cursor *c)
{
	struct ts_icmp_hdr *ih;
	struct ts_flow_key k;
	__u32 quote_len, hdr_len;
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
		is_err = ih->type == TS_ICMP_DEST_UNREACH || ih->type == TS_ICMP_TIME_EXCEEDED;
	} else {
		if (icmp6_is_nd(ih->type))
			return TS_R_PASS_ND;
		is_err = ih->type == TS_ICMP6_DEST_UNREACH || ih->type == TS_ICMP6_PKT_TOOBIG ||
			 ih->type == TS_ICMP6_TIME_EXCEED;
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
	if (p->proto != IPPROTO_TCP || p->frag == TS_FRAG_NONFIRST)
		return TS_R_SCOPE_DEFAULT;
	reason = parse_ports8(c, p);
	if (reason)
		return reason;
	flow_key_make(p, &k);
	if (flow_tracked(r, &k))
		return TS_R_PASS_ICMP_RELATED;
	if (port_class(r->slot, p->sport) || port_class(r->slot, p->dport))
		return TS_R_DROP_ICMP_UNRELATED;
	return TS_R_SCOPE_DEFAULT;
}

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
	case IPPROTO_UDP:
		if (p->frag)
			return TS_R_SCOPE_DEFAULT;
		reason = parse_ports8(&c, p);
		if (reason)
			return reason;
		return dns_to_resolver(p, false) ? TS_R_PASS_RESOLVER : TS_R_SCOPE_DEFAULT;
	case IPPROTO_ICMP:
		if (p->family != TS_FAMILY_V4)
			return TS_R_SCOPE_DEFAULT;
		return handle_icmp(r, p, &c);
	case IPPROTO_ICMPV6:
		if (p->family != TS_FAMILY_V6)
			return TS_R_SCOPE_DEFAULT;
		return handle_icmp(r, p, &c);
	default:
		return TS_R_SCOPE_DEFAULT;
	}
}

/* The event of a drop or audit pass, in a global function: only the
 * packets the rate limit lets through pay for the call. */
__noinline int ts_send_event(struct ts_pkt *p, __u32 reason, __u32 verdict)
{
	if (p)
		emit_event(p, reason, verdict, p->hook, p->ifindex);
	return 0;
}

/* The run of a packet: the active slot, its settings, the clock. False
 * when the config cannot be read (the policy default applies). */
static __always_inline bool run_start(struct ts_run *r, __u32 len, __u32 ifindex, __u8 hook)
{
	__u32 zero = 0;

	r->cfg = bpf_map_lookup_elem(&ts_config, &zero);
	if (!r->cfg)
		return false;
	r->slot = r->cfg->active_slot & 1;
	r->sc = bpf_map_lookup_elem(&ts_slot_cfg, &r->slot);
	if (!r->sc)
		return false;
	r->now = ts_now();
	r->len = len;
	r->ifindex = ifindex;
	r->hook = hook;
	return true;
}

/*
 * Stage 1 for both programs, then the in-program established path: a TCP
 * segment of a live flow (without IPv6 extension headers) is decided here,
 * with no function call: calls and returns are what costs most per packet
 * (return thunks). TS_R_NONE: continue with the L4 stage.
 */
static __always_inline __u32 ts_begin(struct ts_pkt *p, const struct ts_run *r, void *data,
				      void *data_end, __u32 beyond, __u32 big, __u32 fast_missed)
{
	struct ts_cursor c = { .pos = data, .end = data_end, .beyond = beyond };
	__u32 reason, off;
	__u64 plain = 1;

	p->slot = r->slot;
	p->now = r->now;
	p->len = r->len;
	p->ifindex = r->ifindex;
	p->hook = r->hook;
	reason = classify_l3(p, &c, &plain, big);
	if (reason)
		return reason;
	off = c.pos - data;
	if (off > TS_L4_OFF_MAX)
		return TS_R_DROP_IPV6_EXT;
	p->l4_off = off;
	if (!plain || p->proto != IPPROTO_TCP)
		return TS_R_NONE;
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

/* The scope default made the slot's pass or drop. */
static __always_inline __u32 settle_scope(const struct ts_slot_cfg *sc, __u32 reason)
{
	if (reason != TS_R_SCOPE_DEFAULT)
		return reason;
	return (sc->flags & TS_CFG_SCOPE_DROP) ? TS_R_DROP_OUT_OF_SCOPE : TS_R_PASS_OUT_OF_SCOPE;
}

/* The counter a settled reason goes to: in audit mode a drop is passed. */
static __always_inline __u32 counted_reason(const struct ts_slot_cfg *sc, __u32 reason)
{
	return reason >= TS_R_DROP_NO_RULE && (sc->flags & TS_CFG_AUDIT) ? TS_R_PASS_AUDIT : reason;
}

/* Count the final reason; drops become audit passes in audit mode; both
 * are reported on the ring buffer within the rate limit. Inline, with no
 * call unless an event is sent (calls and returns cost most here). Returns
 * true to drop. */
static __always_inline bool ts_end(struct ts_pkt *p, __u32 reason)
{
	const struct ts_slot_cfg *sc;
	__u32 slot;
	bool audit;

	if (reason == TS_R_PASS_ESTABLISHED) {
		count_reason(reason, p->len);
		return false;
	}
	slot = p->slot & 1;
	sc = bpf_map_lookup_elem(&ts_slot_cfg, &slot);
	if (!sc)
		return false;
	audit = sc->flags & TS_CFG_AUDIT;
	reason = settle_scope(sc, reason);
	if (reason < TS_R_DROP_NO_RULE) {
		count_reason(reason, p->len);
		return false;
	}
	count_reason(counted_reason(sc, reason), p->len);
	if (event_allowed(p->now, sc->events_per_sec))
		ts_send_event(p, reason, audit ? TS_VERDICT_AUDIT : TS_VERDICT_DROP);
	return !audit;
}

/*
 * The full path of one packet, after the fast path (fast.h) passed on it:
 * parse everything, decide, count, report. Global functions: each is
 * verified once, from a clean state, however many ways the fast path
 * could have ended (every one of them would otherwise multiply the
 * verifier's walk of all that follows). The call costs only the packets
 * the fast path does not take.
 */
__noinline int ts_xdp_full(struct xdp_md *ctx, __u32 fast_missed)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 idx = TS_HOOK_XDP - 1, reason;
	struct ts_pkt *p;
	struct ts_run r;

	if (!ctx || !run_start(&r, data_end - data, ctx->ingress_ifindex, TS_HOOK_XDP))
		return XDP_PASS;   /* no config: nothing installed yet */
	p = bpf_map_lookup_elem(&ts_scratch, &idx);
	if (!p)
		return XDP_DROP;   /* cannot happen: the array has this slot */
	__builtin_memset(p, 0, sizeof(*p));
	reason = ts_begin(p, &r, data, data_end, 0, 0, fast_missed);
	if (!reason)
		reason = classify_l4(p, &r, data, data_end);
	if (ts_end(p, reason)) {
		count_iface(r.ifindex, TS_HOOK_XDP, r.len, true);
		return XDP_DROP;
	}
	count_iface(r.ifindex, TS_HOOK_XDP, r.len, false);
	return XDP_PASS;
}

SEC("xdp")
int ts_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	enum ts_fast_result f = ts_fast(data, data_end, data_end - data, 0);

	if (f == TS_FAST_PASS) {
		count_iface(ctx->ingress_ifindex, TS_HOOK_XDP, data_end - data, false);
		return XDP_PASS;
	}
	return ts_xdp_full(ctx, f == TS_FAST_MISS);
}

/*
 * explain's program, run by BPF_PROG_TEST_RUN on a synthesized opening
 * segment: the judgement tcp_untracked makes of it (tcp_judge, on the
 * pinned maps), with nothing written but the frame: no flow, counter or
 * event. The answer (struct ts_judge_out) replaces the frame's last bytes;
 * a frame that is no plain opening TCP segment gets XDP_ABORTED. Not
 * loaded by `up` (the loader turns its autoload off).
 */
SEC("xdp")
int ts_judge(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data, reason, rule = 0, off;
	struct ts_judge_out *out;
	bool reversed = false;
	struct ts_pkt p;
	struct ts_run r;

	if (len < sizeof(*out) || len > TS_JUDGE_FRAME_MAX || !run_start(&r, len, 0, TS_HOOK_XDP))
		return XDP_ABORTED;
	__builtin_memset(&p, 0, sizeof(p));
	/* fast_missed: ts_flows is not read (an opening segment never reads it) */
	reason = ts_begin(&p, &r, data, data_end, 0, 0, 1);
	if (reason || p.proto != IPPROTO_TCP || !p.flow_missed || !tcp_opening(p.tcp_flags))
		return XDP_ABORTED;
	reason = tcp_judge(&r, &p, true, &rule, &reversed);
	if (!reason)
		reason = rule ? TS_R_PASS_NEW : TS_R_DROP_NO_RULE;
	reason = settle_scope(r.sc, reason);
	off = (len - sizeof(*out)) & TS_JUDGE_FRAME_MAX;
	out = data + off;
	if ((void *)(out + 1) > data_end)
		return XDP_ABORTED;
	out->magic = TS_JUDGE_MAGIC;
	out->reason = reason;
	out->counted = counted_reason(r.sc, reason);
	out->rule_id = rule;
	out->port_class = port_class(r.slot, p.dport);
	out->slot = r.slot;
	out->generation = r.sc->generation;
	return XDP_PASS;
}

/* Headers to make linear before parsing (Ethernet, 2 tags, IPv6 + chain, TCP). */
#define TS_TC_PULL_LEN 256

/* Bytes of the skb beyond its linear part: IP lengths are checked against
 * skb->len, headers are read from the linear part (a large egress skb
 * keeps its payload in pages). */
static __always_inline __u32 skb_beyond(struct __sk_buff *skb, void *data, void *data_end)
{
	__u32 linear = data_end - data;

	barrier_var(linear);
	return skb->len > linear ? skb->len - linear : 0;
}

/* tc's full path; the headers were pulled linear by ts_tc_egress. */
__noinline int ts_tc_full(struct __sk_buff *skb, __u32 fast_missed)
{
	__u32 idx = TS_HOOK_TC_EGRESS - 1, reason, beyond, big;
	void *data, *data_end;
	struct ts_pkt *p;
	struct ts_run r;

	if (!skb || !run_start(&r, skb->len, skb->ifindex, TS_HOOK_TC_EGRESS))
		return TC_ACT_OK;  /* no config: nothing installed yet */
	p = bpf_map_lookup_elem(&ts_scratch, &idx);
	if (!p)
		return TC_ACT_SHOT;   /* cannot happen: the array has this slot */
	__builtin_memset(p, 0, sizeof(*p));
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	beyond = skb_beyond(skb, data, data_end);
	big = skb->gso_size && skb->len > TS_IP_LEN_MAX ? TS_IP_LEN_MAX : 0;   /* BIG TCP */
	reason = ts_begin(p, &r, data, data_end, beyond, big, fast_missed);
	if (!reason)
		reason = classify_l4(p, &r, data, data_end);
	if (ts_end(p, reason)) {
		count_iface(r.ifindex, TS_HOOK_TC_EGRESS, r.len, true);
		return TC_ACT_SHOT;
	}
	count_iface(r.ifindex, TS_HOOK_TC_EGRESS, r.len, false);
	return TC_ACT_OK;
}

SEC("tc")
int ts_tc_egress(struct __sk_buff *skb)
{
	void *data, *data_end;

	if (skb->data_end - skb->data < skb->len)
		bpf_skb_pull_data(skb, skb->len < TS_TC_PULL_LEN ? skb->len : TS_TC_PULL_LEN);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	enum ts_fast_result f = ts_fast(data, data_end, skb->len, skb_beyond(skb, data, data_end));

	if (f == TS_FAST_PASS) {
		count_iface(skb->ifindex, TS_HOOK_TC_EGRESS, skb->len, false);
		return TC_ACT_OK;
	}
	return ts_tc_full(skb, f == TS_FAST_MISS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
