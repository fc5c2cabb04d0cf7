/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fast.h - the fast path, tried first on every packet: an untagged
 * Ethernet frame with IPv4 without options or fragmentation (or IPv6
 * without extension headers) carrying
 * - a TCP segment without SYN, FIN or RST, of a flow in the pass cache
 *   (pass.h), or live in the flow tables, neither audit nor closing (and
 *   then cached), or a UDP datagram of a live
 *   replied flow (dgram.h): passed and counted here exactly as the full
 *   path would (tcp_established, ts_end): same length checks, same flow,
 *   same counters;
 * - an opening SYN: judged here by the full path's own code (tcp_judge);
 *   refused, dropped and counted here (ts_end), as tcp_untracked drops
 *   it before it reads any table; allowed, handed to the full path with
 *   its rule (TS_FAST_JUDGED).
 * Anything else returns having changed nothing but the packet record,
 * and the full path decides from scratch (told when the flow table has
 * no entry for the packet, so it does not look again). It exists because
 * the full parser's generality (tags, options, extension chains, the
 * verdict record cleared and filled again) costs more than the lookup on
 * these paths: most of a refused SYN's time (docs/bench.md).
 */
#ifndef TS_BPF_FAST_H
#define TS_BPF_FAST_H

#include "flow.h"
#include "pass.h"
#include "run.h"
#include "stats.h"
#include "tcp.h"
#include "verdict.h"

/* The TCP header after an L3 header ending at l4 with l4_len bytes of
 * payload, if parse_tcp would accept it (its flags: the caller's). */
static __always_inline struct ts_tcp_hdr *fast_tcp(void *l4, void *data_end, __u32 l4_len)
{
	struct ts_tcp_hdr *th = l4;
	__u32 doff;

	if ((void *)(th + 1) > data_end || l4_len < sizeof(*th))
		return NULL;
	doff = (th->doff_res >> 4) * 4;
	if (doff < sizeof(*th) || doff > l4_len)
		return NULL;
	return th;
}

/* The ports of a TCP segment or UDP datagram parse would accept. */
static __always_inline struct ts_l4_ports *fast_l4(void *l4, void *data_end, __u32 l4_len, __u8 proto)
{
	if (proto == IPPROTO_UDP) {
		struct ts_l4_ports *ph = l4;
		__be16 *ulen = (__be16 *)(ph + 1);
		__u32 len;

		/* as parse_udp: the length covers the header, within the payload */
		if ((void *)(ulen + 2) > data_end || l4_len < 8)
			return NULL;
		len = bpf_ntohs(*ulen);
		return len >= 8 && len <= l4_len ? ph : NULL;
	}
	return (struct ts_l4_ports *)fast_tcp(l4, data_end, l4_len);
}

enum ts_fast_result {
	TS_FAST_NO = 0,     /* not decided: the full path */
	TS_FAST_MISS = 1,   /* not decided, and the flow tables have no entry for it */
	TS_FAST_PASS = 2,   /* passed and counted */
	TS_FAST_DROP = 3,   /* dropped and counted */
	TS_FAST_JUDGED = 4, /* not decided: an opening SYN the policy allows,
			     * its rule in the packet record (judged_rule) */
};

/* Where the fast path builds a packet's flow key: the hook's packet
 * record (maps.h, ts_scratch), not the stack: this frame is in the
 * deepest call chain (512 bytes), and the flow tables' two finds (table.h,
 * flows_find) need room for their spills. The full path builds the key
 * again (key_made is 0 until it does). */
static __always_inline struct ts_pkt *fast_record(enum ts_hook hook)
{
	__u32 idx = hook - 1;

	return bpf_map_lookup_elem(&ts_scratch, &idx);
}

/* An opening SYN's judgement on the fast path (fast_opening), outside
 * audit mode, as tcp_untracked's first step makes it: refused, the full
 * path's end; allowed, its rule handed to the full path. A function of
 * its own: its run (struct ts_run) inlined took the fast path's frame
 * past the 512 bytes of the deepest call chain (ts_xdp, ts_xdp_full,
 * ts_flow_put). */
static __noinline enum ts_fast_result fast_syn_judge(struct ts_pkt *rec, __u32 len, __u32 ifindex,
						   enum ts_hook hook)
{
	__u32 rule = 0;
	bool reversed;
	struct ts_run r;

	if (!rec || !run_start(&r, len, ifindex, hook) || (r.sc->flags & TS_CFG_AUDIT))
		return TS_FAST_NO;
	if (tcp_judge(&r, rec, true, &rule, &reversed))
		return TS_FAST_NO;
	if (rule) {
		/* allowed: the full path opens it without judging it again
		 * (the judgement is most of an allowed SYN's time) */
		rec->judged_rule = rule;
		rec->judged_slot = r.slot;
		return TS_FAST_JUDGED;
	}
	return ts_end(&r, rec, TS_R_DROP_NO_RULE) ? TS_FAST_DROP : TS_FAST_PASS;
}

/* A SYN, FIN or RST: an opening SYN is judged on a record filled by the
 * parser's own setters (fast_syn_judge); any other such segment goes to
 * the full path. */
static __always_inline enum ts_fast_result fast_opening(struct ts_pkt *rec, __u8 family, const __u32 *sa,
							const __u32 *da, const struct ts_tcp_hdr *th,
							__u32 len, __u32 ifindex, enum ts_hook hook)
{
	if (!tcp_opening(th->flags))
		return TS_FAST_NO;
	ts_pkt_clear(rec);
	pkt_addrs(rec, family, sa, da);
	rec->proto = IPPROTO_TCP;
	pkt_tcp(rec, th);
	return fast_syn_judge(rec, len, ifindex, hook);
}

/* A segment without SYN, FIN or RST or a datagram, its flow key built in
 * rec: passed if the pass cache has its flow (TCP), or the flow tables
 * have it live and passable (and then cached). A function of its own: the
 * cache's probe inlined took the fast path's frame past the 512 bytes of
 * the deepest call chain. */
static __noinline enum ts_fast_result fast_flow(struct ts_pkt *rec, __u32 len, __u8 proto)
{
	const struct ts_slot_cfg *sc;
	const struct ts_config *cfg;
	struct ts_pass_probe pp = {};   /* whole: the verifier refuses a spill of a field never set */
	struct ts_flow_slot *s;
	struct ts_flow_key *k;
	__u64 now, h;

	if (!rec)
		return TS_FAST_NO;
	k = &rec->key;
	cfg = bpf_map_lookup_elem(&ts_config, (void *)&ts_key_zero);
	if (!cfg)
		return TS_FAST_NO;
	now = ts_now();
	if (proto == IPPROTO_TCP) {
		__u32 rule = pass_find(cfg, k, now, &pp);

		if (rule) {
			count_rule_at(&rule, len, false);
			count_reason(TS_R_PASS_ESTABLISHED, len);
			return TS_FAST_PASS;
		}
	}
	h = flow_hash(cfg, k);
	s = flows_find(cfg, k, h, NULL);
	if (!s)
		return TS_FAST_MISS;
	/* keyed by the map value itself; a slot other than 0/1 is the full
	 * path's */
	sc = bpf_map_lookup_elem(&ts_slot_cfg, (void *)&cfg->active_slot);
	if (!sc)
		return TS_FAST_NO;
	if (!flow_fast_passes(&s->val) || flow_expired(&s->val, now, sc))
		return TS_FAST_NO;
	flow_touch(&s->val, now);
	count_rule_at(&s->val.rule_id, len, false);
	count_reason(k->proto == IPPROTO_UDP ? TS_R_PASS_UDP : TS_R_PASS_ESTABLISHED, len);
	pass_fill(&pp, s, k, sc, h);
	return TS_FAST_PASS;
}

static __always_inline enum ts_fast_result ts_fast(void *data, void *data_end, __u32 len, __u32 beyond,
						   __u32 ifindex, enum ts_hook hook)
{
	struct ethhdr *eth = data;
	const __u32 *sa, *da;
	void *l4;
	__u32 avail, l4_len;
	struct ts_l4_ports *th;
	struct ts_pkt *rec;
	__u8 proto, family;

	if (beyond || (void *)(eth + 1) > data_end)
		return TS_FAST_NO;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct ts_ipv4_hdr *ip = (void *)(eth + 1);
		__u32 tot;

		if ((void *)(ip + 1) > data_end || ip->ver_ihl != 0x45 ||
		    (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) ||
		    (ip->frag_off & bpf_htons(0x3fff)))
			return TS_FAST_NO;
		tot = bpf_ntohs(ip->tot_len);
		avail = data_end - (void *)(ip + 1);
		if (tot < sizeof(*ip) || tot - sizeof(*ip) > avail)
			return TS_FAST_NO;
		family = TS_FAMILY_V4;
		proto = ip->protocol;
		sa = &ip->saddr;
		da = &ip->daddr;
		l4 = ip + 1;
		l4_len = tot - sizeof(*ip);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ts_ipv6_hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || (bpf_ntohl(ip6->ver_tc_flow) >> 28) != 6 ||
		    (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP))
			return TS_FAST_NO;
		l4_len = bpf_ntohs(ip6->payload_len);
		avail = data_end - (void *)(ip6 + 1);
		if (l4_len > avail)
			return TS_FAST_NO;
		family = TS_FAMILY_V6;
		proto = ip6->nexthdr;
		sa = ip6->saddr;
		da = ip6->daddr;
		l4 = ip6 + 1;
	} else {
		return TS_FAST_NO;
	}
	th = fast_l4(l4, data_end, l4_len, proto);
	if (!th)
		return TS_FAST_NO;
	rec = fast_record(hook);
	if (!rec)
		return TS_FAST_NO;
	if (proto == IPPROTO_TCP &&
	    (((struct ts_tcp_hdr *)th)->flags & (TS_TCP_SYN | TS_TCP_FIN | TS_TCP_RST)))
		return fast_opening(rec, family, sa, da, (struct ts_tcp_hdr *)th, len, ifindex, hook);
	flow_key_build(&rec->key, family, sa, da, th->source, th->dest, proto);
	return fast_flow(rec, len, proto);
}

#endif /* TS_BPF_FAST_H */
