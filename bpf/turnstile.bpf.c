// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * turnstile.bpf.c - the hooks: the two programs (XDP ingress, tc egress)
 * and explain's judging program, glue over one core. Each concern has its
 * header: parse.h (headers), classify.h (the full path's stages), tcp.h
 * (the TCP state machine), icmp.h (ICMP errors), dns.h (the resolver
 * rule), policy.h (ports, address sets, rules), flow.h and table.h (the
 * exact-match tables), fast.h (the fast path), verdict.h (the end of a
 * run: scope default, audit, counters, events), stats.h, run.h, maps.h.
 * docs/DESIGN.md and docs/dataplane.md describe the semantics.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "turnstile.h"
#include "maps.h"
#include "parse.h"
#include "run.h"
#include "stats.h"
#include "fast.h"
#include "classify.h"
#include "verdict.h"

/*
 * The full path of one packet, after the fast path (fast.h) passed on it:
 * parse everything, decide, count, report. Global functions: each is
 * verified once, from a clean state, however many ways the fast path
 * could have ended (every one of them would otherwise multiply the
 * verifier's walk of all that follows). The call costs only the packets
 * the fast path does not take.
 */
__noinline int ts_xdp_full(struct xdp_md *ctx, __u32 fast)
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
	ts_pkt_clear(p);
	p->judged = fast == TS_FAST_JUDGED;
	reason = ts_begin(p, &r, data, data_end, 0, 0, fast == TS_FAST_MISS);
	if (!reason)
		reason = classify_l4(p, &r, data, data_end);
	if (ts_end(&r, p, reason)) {
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

	enum ts_fast_result f = ts_fast(data, data_end, data_end - data, 0, ctx->ingress_ifindex, TS_HOOK_XDP);

	if (f == TS_FAST_PASS || f == TS_FAST_DROP) {
		count_iface(ctx->ingress_ifindex, TS_HOOK_XDP, data_end - data, f == TS_FAST_DROP);
		return f == TS_FAST_DROP ? XDP_DROP : XDP_PASS;
	}
	return ts_xdp_full(ctx, f);
}

/*
 * explain's program, run by BPF_PROG_TEST_RUN on a synthesized opening
 * segment, UDP datagram or echo request: the judgement tcp_untracked
 * (tcp_judge) or the datagram path (dgram_judge) makes of it, on the
 * pinned maps, with nothing written but the frame: no flow, counter or
 * event. The answer (struct ts_judge_out) replaces the frame's last bytes;
 * any other frame gets XDP_ABORTED. Not
 * loaded by `up` (the loader turns its autoload off).
 */
SEC("xdp")
int ts_judge(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = data_end - data, reason, rule = 0, off, class_ix;
	struct ts_judge_out *out;
	bool reversed = false;
	struct ts_pkt p;
	struct ts_run r;

	if (len < sizeof(*out) || len > TS_JUDGE_FRAME_MAX || !run_start(&r, len, 0, TS_HOOK_XDP))
		return XDP_ABORTED;
	__builtin_memset(&p, 0, sizeof(p));
	/* fast_missed: the flow tables are not read (an opening segment never reads it) */
	reason = ts_begin(&p, &r, data, data_end, 0, 0, 1);
	if (reason || !p.flow_missed)
		return XDP_ABORTED;
	if (p.proto == IPPROTO_TCP) {
		if (!tcp_opening(p.tcp_flags))
			return XDP_ABORTED;
		reason = tcp_judge(&r, &p, true, &rule, &reversed);
		if (!reason)
			reason = rule ? TS_R_PASS_NEW : TS_R_DROP_NO_RULE;
		class_ix = ts_port_index(TS_PLANE_TCP, bpf_ntohs(p.dport));
	} else {
		/* a UDP datagram or an echo request: what ts_dgram judges */
		struct ts_cursor c = { .pos = data + (p.l4_off & TS_L4_OFF_MAX), .end = data_end };

		if (classify_dgram(&p, &r, &c) || (p.proto != IPPROTO_UDP && p.echo != TS_ECHO_REQUEST))
			return XDP_ABORTED;
		reason = dgram_judge(&r, &p, &rule);
		if (!reason)
			reason = rule ? dgram_new(&p) : dgram_refused(&p);
		class_ix = p.echo ? ts_port_index(TS_PLANE_ICMP, TS_ICMP_ECHO_PORT)
				  : ts_port_index(TS_PLANE_UDP, bpf_ntohs(p.dport));
	}
	reason = settle_scope(r.sc, reason);
	off = (len - sizeof(*out)) & TS_JUDGE_FRAME_MAX;
	out = data + off;
	if ((void *)(out + 1) > data_end)
		return XDP_ABORTED;
	out->magic = TS_JUDGE_MAGIC;
	out->reason = reason;
	out->counted = counted_reason(r.sc, reason);
	out->rule_id = rule;
	out->port_class = plane_class(r.slot, class_ix);
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
__noinline int ts_tc_full(struct __sk_buff *skb, __u32 fast)
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
	ts_pkt_clear(p);
	p->judged = fast == TS_FAST_JUDGED;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	beyond = skb_beyond(skb, data, data_end);
	big = skb->gso_size && skb->len > TS_IP_LEN_MAX ? TS_IP_LEN_MAX : 0;   /* BIG TCP */
	reason = ts_begin(p, &r, data, data_end, beyond, big, fast == TS_FAST_MISS);
	if (!reason)
		reason = classify_l4(p, &r, data, data_end);
	if (ts_end(&r, p, reason)) {
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
	enum ts_fast_result f = ts_fast(data, data_end, skb->len, skb_beyond(skb, data, data_end),
					skb->ifindex, TS_HOOK_TC_EGRESS);

	if (f == TS_FAST_PASS || f == TS_FAST_DROP) {
		count_iface(skb->ifindex, TS_HOOK_TC_EGRESS, skb->len, f == TS_FAST_DROP);
		return f == TS_FAST_DROP ? TC_ACT_SHOT : TC_ACT_OK;
	}
	return ts_tc_full(skb, f);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
