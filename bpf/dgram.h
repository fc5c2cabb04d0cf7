/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dgram.h - UDP and ICMP echo: flows opened by a datagram. The first
 * datagram from A to B on a governed port (an echo request, for
 * icmp/echo) is judged; allowed, it makes a flow in the flow tables
 * (TS_DGRAM_UNREPLIED), and every later datagram of the flow, either way,
 * passes by that one lookup; B's first answer marks it replied. A
 * datagram no flow explains is judged as its sender opening to its
 * receiver. docs/dataplane.md, "UDP and ICMP echo".
 */
#ifndef TS_BPF_DGRAM_H
#define TS_BPF_DGRAM_H

#include "maps.h"
#include "parse.h"
#include "run.h"
#include "flow.h"
#include "policy.h"
#include "stats.h"
#include "dns.h"
#include "tcp.h"

/* Reasons of an allowed first datagram, a flow's datagram, a refused one. */
static __always_inline __u32 dgram_new(const struct ts_pkt *p)
{
	return p->echo ? TS_R_PASS_NEW_ICMP : TS_R_PASS_NEW_UDP;
}

static __always_inline __u32 dgram_refused(const struct ts_pkt *p)
{
	return p->echo ? TS_R_DROP_NO_RULE_ICMP : TS_R_DROP_NO_RULE_UDP;
}

/*
 * The judgement of a datagram without live flow: settled without the
 * policy (resolver DNS, outside the scope, an echo reply or a UDP
 * datagram to an ungoverned port from a governed one: an answer no flow
 * explains), or TS_R_NONE and the rule of the sender opening to the
 * receiver in *rule (0: none). Reads only the policy: explain's program
 * makes this same call.
 */
static __always_inline __u32 dgram_judge(const struct ts_run *r, const struct ts_pkt *p, __u32 *rule)
{
	bool reversed;
	__u32 dclass;

	if (p->echo) {
		dclass = plane_class(r->slot, ts_port_index(TS_PLANE_ICMP, TS_ICMP_ECHO_PORT));
		if (!dclass)
			return TS_R_SCOPE_DEFAULT;
		if (p->echo != TS_ECHO_REQUEST)
			return TS_R_DROP_NO_RULE_ICMP;
	} else {
		if (dns_to_resolver(r, p, false))
			return TS_R_PASS_RESOLVER;
		dclass = plane_class(r->slot, ts_port_index(TS_PLANE_UDP, bpf_ntohs(p->dport)));
		if (!dclass)
			return plane_class(r->slot, ts_port_index(TS_PLANE_UDP, bpf_ntohs(p->sport))) ?
			       TS_R_DROP_NO_RULE_UDP : TS_R_SCOPE_DEFAULT;
	}
	*rule = policy_rule(r, p, dclass, 0, &reversed);
	return TS_R_NONE;
}

/* The datagram's flow key and hash (p->key), in a global function: the
 * datagram path needs the key in two places (the lookup, the insert) and
 * a datagram the policy refuses in neither; one copy verified once costs
 * the verifier less than two inline, and a refused datagram no call. */
__noinline int ts_dgram_key(struct ts_pkt *p)
{
	const struct ts_config *cfg = bpf_map_lookup_elem(&ts_config, (void *)&ts_key_zero);

	if (!p || !cfg)
		return -1;
	if (!p->key_made) {
		p->from_lo = flow_key_make(p, &p->key);
		p->key_hash = flow_hash(cfg, &p->key);
		p->key_made = 1;
	}
	return 0;
}

/* A datagram of live flow v: an echo request goes the way the flow was
 * opened, a reply the other way. */
static __always_inline bool dgram_fits(const struct ts_flow_val *v, const struct ts_pkt *p)
{
	return !p->echo || (p->echo == TS_ECHO_REQUEST) == flow_from_initiator(v, p->from_lo);
}

/* A datagram (UDP, or an ICMP echo with its identifier as both ports). */
static __always_inline __u32 dgram_packet(const struct ts_run *r, struct ts_pkt *p)
{
	struct ts_flow_val nv = {};
	__u32 settled, rule = 0;
	struct ts_flow_slot *s = 0;
	struct ts_hit hit = {};
	long err;

	/* the key is made only for a lookup or an insert: a datagram the
	 * fast path found no flow for and the policy refuses needs neither */
	if (!p->flow_missed) {
		if (ts_dgram_key(p))
			return TS_R_DROP_FLOW_FULL;   /* cannot happen: the config was read */
		s = flows_find(r->cfg, &p->key, p->key_hash, &hit);
	}
	if (s && flow_expired(&s->val, r->now, r->sc)) {
		flow_remove(&hit);
		s = 0;
	}
	if (s) {
		struct ts_flow_val *v = &s->val;

		/* an echo the wrong way on a live flow's key opens nothing:
		 * the key is taken */
		if (!dgram_fits(v, p))
			return dgram_refused(p);
		p->rule_id = v->rule_id;
		if (v->state == TS_DGRAM_UNREPLIED && !flow_from_initiator(v, p->from_lo))
			v->state = TS_DGRAM_REPLIED;
		flow_touch(v, r->now);
		count_rule(v->rule_id, r->len, false);
		if (v->flags & TS_FLOW_AUDIT)
			return TS_R_PASS_AUDIT;
		return p->echo ? TS_R_PASS_ICMP_ECHO : TS_R_PASS_UDP;
	}
	settled = dgram_judge(r, p, &rule);
	if (settled)
		return settled;
	if (!rule && !(r->sc->flags & TS_CFG_AUDIT))
		return dgram_refused(p);
	if (ts_dgram_key(p))
		return TS_R_DROP_FLOW_FULL;
	nv.created_ns = nv.last_seen_ns = r->now;
	nv.rule_id = rule;
	nv.ifindex = r->ifindex;
	nv.state = TS_DGRAM_UNREPLIED;
	/* refused in audit mode: a flow flagged audit, so the datagrams
	 * that follow are reported once, not one by one */
	nv.flags = (p->from_lo ? 0 : TS_FLOW_INIT_HI) | (rule ? 0 : TS_FLOW_AUDIT);
	nv.vlan = p->vlan;
	err = flow_insert(r, p, &nv, false);
	if (!rule)
		return dgram_refused(p);
	if (err)
		return TS_R_DROP_FLOW_FULL;
	p->rule_id = rule;
	count_rule(rule, r->len, true);
	return dgram_new(p);
}

#endif /* TS_BPF_DGRAM_H */
