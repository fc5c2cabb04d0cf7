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

#define EEXIST 17
#define TS_DNS_PORT 53

/* What one run of the core knows besides the packet. */
struct ts_run {
	const struct ts_slot_cfg *sc;
	__u64 now;          /* ts_now(): the coarse clock */
	__u32 slot;
	__u32 len;          /* bytes counted for this packet */
	__u32 ifindex;
	__u8 hook;          /* enum ts_hook */
};

static __always_inline bool flow_tracked(const struct ts_run *r, const struct ts_flow_key *k)
{
	struct ts_flow_val *v = bpf_map_lookup_elem(&ts_flows, k);

	if (v && !flow_expired(v, r->now, r->sc))
		return true;
	v = bpf_map_lookup_elem(&ts_halfopen, k);
	return v && !flow_expired(v, r->now, r->sc);
}

/* DNS with the loader's resolvers passes. A TCP SYN without ACK counts only
 * on its way *to* a resolver: one from a resolver's port 53 would open a
 * connection the policy never judged. */
static __always_inline bool dns_to_resolver(const struct ts_run *r, const struct ts_pkt *p,
					    bool opening)
{
	if (p->dport == bpf_htons(TS_DNS_PORT) && is_resolver(r->slot, p->family, p->daddr))
		return true;
	return !opening && p->sport == bpf_htons(TS_DNS_PORT) &&
	       is_resolver(r->slot, p->family, p->saddr);
}

/* A SYN without ACK and without flow, in scope: the one place the policy
 * is judged. Allowed -> half-open entry; refused in audit mode -> an audit
 * half-open entry, so the connection is reported once, not per packet. */
static __always_inline __u32 tcp_open(const struct ts_run *r, struct ts_pkt *p,
				      const struct ts_flow_key *k, bool from_lo, __u32 class)
{
	__u32 src, dst, rule;
	struct ts_flow_val nv = {
		.created_ns = r->now,
		.last_seen_ns = r->now,
		.ifindex = r->ifindex,
		.state = TS_TCP_SYN_SENT,
		.flags = from_lo ? 0 : TS_FLOW_INIT_HI,
		.vlan = p->vlan,
	};

	pair_sets(r->slot, p, &src, &dst);
	rule = rule_lookup(r->slot, src, dst, class);
	nv.rule_id = rule;
	if (!rule) {
		if (r->sc->flags & TS_CFG_AUDIT) {
			nv.flags |= TS_FLOW_AUDIT;
			bpf_map_update_elem(&ts_halfopen, k, &nv, BPF_ANY);
		}
		return TS_R_DROP_NO_RULE;
	}
	p->rule_id = rule;
	if (bpf_map_update_elem(&ts_halfopen, k, &nv, BPF_ANY))
		return TS_R_DROP_HALFOPEN_FULL;
	count_rule(rule, r->len, true);
	return TS_R_PASS_NEW;
}

/* Loose pickup: a mid-flow packet of a pair some rule allows, in either
 * orientation (we did not see who opened it). */
static __always_inline __u32 tcp_pickup(const struct ts_run *r, struct ts_pkt *p,
					const struct ts_flow_key *k, bool from_lo,
					__u32 dclass, __u32 sclass)
{
	bool init_hi = !from_lo;
	struct ts_flow_val nv = {};
	__u32 src, dst, rule;
	long err;

	pair_sets(r->slot, p, &src, &dst);  /* either orientation needs both sets */
	rule = rule_lookup(r->slot, src, dst, dclass);

	if (!rule) {
		rule = rule_lookup(r->slot, dst, src, sclass);
		init_hi = from_lo;
	}
	if (!rule)
		return TS_R_DROP_NO_FLOW;
	nv.created_ns = nv.last_seen_ns = r->now;
	nv.rule_id = rule;
	nv.ifindex = r->ifindex;
	nv.state = TS_TCP_ESTABLISHED;
	nv.flags = TS_FLOW_LOOSE | (init_hi ? TS_FLOW_INIT_HI : 0);
	nv.vlan = p->vlan;
	flow_track_close(&nv, p->tcp_flags, from_lo);
	err = bpf_map_update_elem(&ts_flows, k, &nv, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return TS_R_DROP_FLOW_FULL;
	p->rule_id = rule;
	count_rule(rule, r->len, false);
	return TS_R_PASS_LOOSE;
}

/* A packet of a half-open connection: SYN retransmit, SYN-ACK, the ACK
 * that completes it (moves it to ts_flows) or a RST that ends it. */
static __always_inline __u32 tcp_handshake(const struct ts_run *r, struct ts_pkt *p,
					   const struct ts_flow_key *k, bool from_lo,
					   struct ts_flow_val *h)
{
	bool from_init = from_lo == !(h->flags & TS_FLOW_INIT_HI);
	__u32 pass = (h->flags & TS_FLOW_AUDIT) ? TS_R_PASS_AUDIT : TS_R_PASS_HANDSHAKE;
	__u8 f = p->tcp_flags;
	struct ts_flow_val nv;
	long err;

	p->rule_id = h->rule_id;
	if (tcp_flags_bad(f))
		return TS_R_DROP_BAD_FLAGS;
	if (f & TS_TCP_RST) {
		bpf_map_delete_elem(&ts_halfopen, k);
		count_rule(h->rule_id, r->len, false);
		return pass;
	}
	if (f & TS_TCP_SYN) {
		bool ack = f & TS_TCP_ACK;

		if (ack == from_init)   /* SYN from the initiator, SYN-ACK from the responder */
			return TS_R_DROP_NO_FLOW;
		if (ack && h->state != TS_TCP_SYN_RECV)
			h->state = TS_TCP_SYN_RECV;
		flow_touch(h, r->now);
		count_rule(h->rule_id, r->len, false);
		return pass;
	}
	/* ACK without SYN: only the initiator completes the handshake. The
	 * SYN-ACK may not have passed here (egress not attached): accepted. */
	if (!from_init)
		return TS_R_DROP_NO_FLOW;
	nv = *h;
	nv.state = TS_TCP_ESTABLISHED;
	nv.last_seen_ns = r->now;
	flow_track_close(&nv, f, from_lo);
	err = bpf_map_update_elem(&ts_flows, k, &nv, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return TS_R_DROP_FLOW_FULL;
	bpf_map_delete_elem(&ts_halfopen, k);
	count_rule(nv.rule_id, r->len, false);
	return pass;
}

static __always_inline __u32 tcp_untracked(const struct ts_run *r, struct ts_pkt *p,
					   const struct ts_flow_key *k, bool from_lo)
{
	__u8 f = p->tcp_flags;
	struct ts_flow_val *h;
	__u32 dclass, sclass;

	h = bpf_map_lookup_elem(&ts_halfopen, k);
	if (h && flow_expired(h, r->now, r->sc)) {
		bpf_map_delete_elem(&ts_halfopen, k);
		h = 0;
	}
	if (h)
		return tcp_handshake(r, p, k, from_lo, h);
	if (dns_to_resolver(r, p, (f & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN))
		return TS_R_PASS_RESOLVER;

	dclass = port_class(r->slot, p->dport);
	if ((f & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN) {
		if (!dclass)
			return TS_R_SCOPE_DEFAULT;
		if (tcp_flags_bad(f))
			return TS_R_DROP_BAD_FLAGS;
		return tcp_open(r, p, k, from_lo, dclass);
	}
	sclass = port_class(r->slot, p->sport);
	if (!dclass && !sclass)
		return TS_R_SCOPE_DEFAULT;
	if (tcp_flags_bad(f))
		return TS_R_DROP_BAD_FLAGS;
	if ((r->sc->flags & TS_CFG_LOOSE_PICKUP) && !(f & TS_TCP_RST))
		return tcp_pickup(r, p, k, from_lo, dclass, sclass);
	return TS_R_DROP_NO_FLOW;
}

/* TCP, the established path: one hash lookup plus array counters, inline
 * in the program. TS_R_NONE: no live flow (a stale entry is removed). */
static __always_inline __u32 tcp_established(const struct ts_run *r, struct ts_pkt *p)
{
	struct ts_flow_key k;
	bool from_lo = flow_key_make(p, &k);
	struct ts_flow_val *v = bpf_map_lookup_elem(&ts_flows, &k);
	__u8 f = p->tcp_flags;
	bool reopen;

	if (!v)
		return TS_R_NONE;
	reopen = (f & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN && v->state == TS_TCP_CLOSING;
	if (reopen || flow_expired(v, r->now, r->sc)) {
		bpf_map_delete_elem(&ts_flows, &k);
		return TS_R_NONE;
	}
	p->rule_id = v->rule_id;
	flow_touch(v, r->now);
	if (f & (TS_TCP_FIN | TS_TCP_RST))
		flow_track_close(v, f, from_lo);
	count_rule(v->rule_id, r->len, false);
	return (v->flags & TS_FLOW_AUDIT) ? TS_R_PASS_AUDIT : TS_R_PASS_ESTABLISHED;
}

/* Rebuild the run from what the packet carries: stage 2 starts afresh. */
static __always_inline bool run_init(struct ts_run *r, const struct ts_pkt *p)
{
	r->slot = p->slot & 1;
	r->sc = bpf_map_lookup_elem(&ts_slot_cfg, &r->slot);
	r->now = p->now;
	r->len = p->len;
	r->ifindex = p->ifindex;
	r->hook = p->hook;
	return r->sc != 0;
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
 * quoting in-scope TCP that is not tracked drops. */
static __always_inline __u32 handle_icmp(const struct ts_run *r, struct ts_pkt *p, struct ts_cursor *c)
{
	struct ts_icmp_hdr *ih;
	struct ts_flow_key k;
	__u64 plain = 1;
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
	if (p->family == TS_FAMILY_V4)
		reason = parse_ipv4(c, p, true, &plain);
	else
		reason = parse_ipv6(c, p, true, &plain);
	if (reason)
		return reason;
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
static __always_inline __u32 classify_l3(struct ts_pkt *p, struct ts_cursor *c, __u64 *plain)
{
	__be16 ethertype;
	__u32 reason;

	reason = parse_l2(c, p, &ethertype);
	if (reason)
		return reason;
	if (ethertype == bpf_htons(ETH_P_ARP))
		return TS_R_PASS_ARP;
	if (ethertype == bpf_htons(ETH_P_IP))
		return parse_ipv4(c, p, false, plain);
	if (ethertype == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(c, p, false, plain);
	return TS_R_SCOPE_DEFAULT;
}

/* Stage 2: TCP, UDP, ICMP at p->l4_off. It starts from ts_pkt and a new
 * cursor at the bounded offset, so the verifier's states from the many
 * stage-1 paths merge here; inline, it costs no call (it was a global
 * function; test_verifier shows the processed count stayed the same). */
static __always_inline __u32 classify_l4(struct ts_pkt *p, void *data, void *data_end)
{
	struct ts_cursor c = { .pos = data + (p->l4_off & TS_L4_OFF_MAX), .end = data_end };
	struct ts_run r;
	__u32 reason;

	if (!run_init(&r, p))
		return TS_R_SCOPE_DEFAULT;
	switch (p->proto) {
	case IPPROTO_TCP:
		if (p->frag)
			return TS_R_DROP_FRAGMENT;
		reason = parse_tcp(&c, p);
		if (!reason && !p->flow_missed)
			reason = tcp_established(&r, p);
		if (!reason) {
			struct ts_flow_key k;
			bool from_lo = flow_key_make(p, &k);

			reason = tcp_untracked(&r, p, &k, from_lo);
		}
		return reason;
	case IPPROTO_UDP:
		if (p->frag)
			return TS_R_SCOPE_DEFAULT;
		reason = parse_ports8(&c, p);
		if (reason)
			return reason;
		return dns_to_resolver(&r, p, false) ? TS_R_PASS_RESOLVER : TS_R_SCOPE_DEFAULT;
	case IPPROTO_ICMP:
		if (p->family != TS_FAMILY_V4)
			return TS_R_SCOPE_DEFAULT;
		return handle_icmp(&r, p, &c);
	case IPPROTO_ICMPV6:
		if (p->family != TS_FAMILY_V6)
			return TS_R_SCOPE_DEFAULT;
		return handle_icmp(&r, p, &c);
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

/*
 * Stage 1 for both programs, then the fast path: a TCP segment of a live
 * flow (without IPv6 extension headers) is decided here, with no function
 * call but the flow lookup: calls and returns are what costs most per
 * packet (return thunks). TS_R_NONE: continue with the L4 stage.
 */
static __always_inline __u32 ts_begin(struct ts_pkt *p, void *data, void *data_end, __u32 len,
				      __u32 beyond, __u32 ifindex, __u8 hook)
{
	struct ts_cursor c = { .pos = data, .end = data_end, .beyond = beyond };
	struct ts_config *cfg;
	struct ts_run r;
	__u32 zero = 0, reason, off;
	__u64 plain = 1;

	cfg = bpf_map_lookup_elem(&ts_config, &zero);
	r.slot = p->slot = cfg ? cfg->active_slot & 1 : 0;
	r.sc = bpf_map_lookup_elem(&ts_slot_cfg, &r.slot);
	if (!r.sc)
		return TS_R_SCOPE_DEFAULT;
	r.now = p->now = ts_now();
	r.len = p->len = len;
	r.ifindex = p->ifindex = ifindex;
	r.hook = p->hook = hook;
	reason = classify_l3(p, &c, &plain);
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
	reason = tcp_established(&r, p);
	p->flow_missed = !reason;
	return reason;
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
	if (reason == TS_R_SCOPE_DEFAULT)
		reason = (sc->flags & TS_CFG_SCOPE_DROP) ? TS_R_DROP_OUT_OF_SCOPE : TS_R_PASS_OUT_OF_SCOPE;
	if (reason < TS_R_DROP_NO_RULE) {
		count_reason(reason, p->len);
		return false;
	}
	count_reason(audit ? TS_R_PASS_AUDIT : reason, p->len);
	if (event_allowed(p->now, sc->events_per_sec))
		ts_send_event(p, reason, audit ? TS_VERDICT_AUDIT : TS_VERDICT_DROP);
	return !audit;
}

SEC("xdp")
int ts_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ts_pkt p = {};
	__u32 reason;

	reason = ts_begin(&p, data, data_end, data_end - data, 0, ctx->ingress_ifindex, TS_HOOK_XDP);
	if (!reason)
		reason = classify_l4(&p, data, data_end);
	return ts_end(&p, reason) ? XDP_DROP : XDP_PASS;
}

/* Headers to make linear before parsing (Ethernet, 2 tags, IPv6 + chain, TCP). */
#define TS_TC_PULL_LEN 256

SEC("tc")
int ts_tc_egress(struct __sk_buff *skb)
{
	void *data, *data_end;
	__u32 linear, beyond;
	struct ts_pkt p = {};
	__u32 reason;

	if (skb->data_end - skb->data < skb->len)
		bpf_skb_pull_data(skb, skb->len < TS_TC_PULL_LEN ? skb->len : TS_TC_PULL_LEN);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	/* A large egress skb keeps its payload in pages: IP lengths are
	 * checked against skb->len, headers are read from the linear part. */
	linear = data_end - data;
	barrier_var(linear);
	beyond = skb->len > linear ? skb->len - linear : 0;
	reason = ts_begin(&p, data, data_end, skb->len, beyond, skb->ifindex, TS_HOOK_TC_EGRESS);
	if (!reason)
		reason = classify_l4(&p, data, data_end);
	return ts_end(&p, reason) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
