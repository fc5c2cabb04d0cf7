/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tcp.h - the TCP state machine: a segment of a live flow, of a
 * half-open handshake, or without flow (judged by the policy). */
#ifndef TS_BPF_TCP_H
#define TS_BPF_TCP_H

#include "maps.h"
#include "parse.h"
#include "run.h"
#include "flow.h"
#include "pass.h"
#include "policy.h"
#include "stats.h"
#include "dns.h"

/* Bytes past ISN + 1 at which a segment still belongs to the start of a
 * connection: data a SYN may carry (TCP Fast Open), and the first
 * segments after the handshake when its last ACK was lost. */
#define TS_SYN_SEQ_WINDOW 65536u

/* x (a segment's sequence number, or a SYN-ACK's acknowledgment) follows
 * directly from a SYN of sequence number isn. Modulo 2^32. */
static __always_inline bool seq_follows_syn(__u32 x, __u32 isn)
{
	return x - (isn + 1) < TS_SYN_SEQ_WINDOW;
}

/* The sender (the key's lo endpoint when from_lo) opened the connection
 * of entry v. */
static __always_inline bool flow_from_initiator(const struct ts_flow_val *v, bool from_lo)
{
	return from_lo == !(v->flags & TS_FLOW_INIT_HI);
}

/* A SYN without ACK: the only segment the policy judges. */
static __always_inline bool tcp_opening(__u8 f)
{
	return (f & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN;
}

/* Invalid on any segment: SYN with FIN or RST, FIN with RST, or none of
 * SYN/ACK/RST (every segment after the first SYN carries ACK). */
static __always_inline bool tcp_flags_bad(__u8 f)
{
	bool syn = f & TS_TCP_SYN, fin = f & TS_TCP_FIN, rst = f & TS_TCP_RST, ack = f & TS_TCP_ACK;

	return (syn && (fin || rst)) || (fin && rst) || !(syn || ack || rst);
}

/* A SYN without ACK and without flow, in scope, judged (rule, 0 if none):
 * allowed -> half-open entry, in the slot of the earlier attempt it
 * supersedes if any (`old`, tcp_untracked); refused in audit mode -> an
 * audit half-open entry, so the attempt is reported once, not per packet
 * (a new attempt, another ISN, is reported again). */
static __always_inline __u32 tcp_open(const struct ts_run *r, struct ts_pkt *p, bool from_lo,
				      __u32 rule, const struct ts_hit *old)
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
			flow_insert(r, p, &nv, true);
		}
		return TS_R_DROP_NO_RULE;
	}
	p->rule_id = rule;
	/* the attempt it supersedes, replaced in place; else an insert */
	err = old ? flow_replace(r, p, &nv, old) : -EAGAIN;
	if (err)
		err = flow_insert(r, p, &nv, true);
	if (err)
		return TS_R_DROP_HALFOPEN_FULL;
	count_rule(rule, r->len, true);
	return TS_R_PASS_NEW;
}

/* Loose pickup: a mid-flow packet of a pair some rule allows, in either
 * orientation (we did not see who opened it): the initiator recorded is
 * the side that rule lets open it (`reversed`: the receiver), so the
 * flow is one the policy could have made. */
static __always_inline __u32 tcp_pickup(const struct ts_run *r, struct ts_pkt *p, bool from_lo,
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
	err = flow_insert(r, p, &nv, false);
	if (err)
		return TS_R_DROP_FLOW_FULL;
	p->rule_id = rule;
	count_rule(rule, r->len, false);
	return TS_R_PASS_LOOSE;
}

/* A packet of a half-open connection: SYN retransmit, SYN-ACK, the ACK
 * that completes it (moves it to the flow tables) or a RST that ends it. */
static __always_inline __u32 tcp_handshake(const struct ts_run *r, struct ts_pkt *p, bool from_lo,
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
		flow_remove(hit);
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
	err = flow_insert(r, p, &nv, false);
	if (err)
		return TS_R_DROP_FLOW_FULL;
	flow_remove(hit);
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
 * writes nothing: explain's program (ts_judge) and the fast path
 * (fast.h) make this same call. The rule of a SYN the fast path judged
 * (p->judged) is not looked up again, when judged by the same policy slot.
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

	if (dns_to_resolver(r, p, opening))
		return TS_R_PASS_RESOLVER;
	if (!dclass && !sclass)
		return TS_R_SCOPE_DEFAULT;
	if (tcp_flags_bad(f))
		return TS_R_DROP_BAD_FLAGS;
	if (!opening && !loose)
		return TS_R_DROP_NO_FLOW;
	if (p->judged && p->judged_slot == r->slot) {
		/* the fast path found this rule for it (fast.h) */
		*rule = p->judged_rule;
		*reversed = false;
	} else {
		*rule = policy_rule(r, p, fwd_class, sclass, reversed);
	}
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
	struct ts_hit hit = {}, *old = NULL;
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
		/* an allowed attempt takes the old one's slot (tcp_open) */
		if (opening && !settled && rule)
			old = &hit;
		else
			flow_remove(&hit);
		hs = 0;
	}
	if (hs)
		return tcp_handshake(r, p, from_lo, &hit);
	if (settled)
		return settled;
	if (opening)
		return tcp_open(r, p, from_lo, rule, old);
	return tcp_pickup(r, p, from_lo, rule, reversed);
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
 * ports. An opening SYN is judged without reading the flow tables, so a live
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

/* The established path of a segment the fast path left (a FIN or RST,
 * an audit or closing flow, a frame it does not parse): the flow tables'
 * lookup plus array counters. A static function, in a frame of its own:
 * inlined, the two tables' finds took the full path's frame past the 512
 * bytes of the deepest call chain (ts_xdp, ts_xdp_full, ts_flow_put).
 * TS_R_NONE: no live flow (a stale or superseded entry is removed). */
static __noinline __u32 tcp_established_flow(const struct ts_run *r, struct ts_pkt *p)
{
	__u8 f = p->tcp_flags;
	struct ts_flow_slot *s;
	struct ts_flow_key *k;
	struct ts_flow_val *v;
	struct ts_hit hit = {};
	bool from_lo;

	k = flow_key_of(r, p);
	from_lo = p->from_lo;
	s = flows_find(r->cfg, k, p->key_hash, &hit);
	if (!s)
		return TS_R_NONE;
	v = &s->val;
	if (flow_expired(v, r->now, r->sc) || flow_superseded(r, p, v, k, p->key_hash)) {
		flow_remove(&hit);
		pass_forget(r, k);
		return TS_R_NONE;
	}
	p->rule_id = v->rule_id;
	flow_touch(v, r->now);
	if (f & (TS_TCP_FIN | TS_TCP_RST)) {
		flow_track_close(v, f, from_lo);
		pass_forget(r, k);
	}
	count_rule(v->rule_id, r->len, false);
	return (v->flags & TS_FLOW_AUDIT) ? TS_R_PASS_AUDIT : TS_R_PASS_ESTABLISHED;
}

/* TCP, the established path. TS_R_NONE: no live flow, or an opening SYN,
 * which the policy judges whatever the flow tables hold: a new connection
 * does not read them, whose lines no earlier packet brought into the
 * cache (docs/dataplane.md, "TCP"); nor does it pay the call. */
static __always_inline __u32 tcp_established(const struct ts_run *r, struct ts_pkt *p)
{
	return tcp_opening(p->tcp_flags) ? TS_R_NONE : tcp_established_flow(r, p);
}

#endif /* TS_BPF_TCP_H */
