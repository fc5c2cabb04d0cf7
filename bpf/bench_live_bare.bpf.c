// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_live_bare.bpf.c - make bench-live's bare receivers, not part of
 * the product: parse Ethernet/IPv4 or IPv6/TCP with data_end checks, count
 * the packet in a per-CPU array, then drop (live_drop, the ceiling) or pass
 * to the stack (live_pass, followed there by the same sink as every
 * passing receiver); and the gateway sink's end (live_sink, tc egress of
 * the interface the whole-connection scenarios forward to): counted,
 * then dropped there, on the CPU that forwarded it.
 */
#include "bench_live_parse.h"

SEC("xdp")
int live_drop(struct xdp_md *ctx)
{
	struct live_pkt p;

	live_parse_count(ctx, &p);
	return XDP_DROP;
}

SEC("xdp")
int live_pass(struct xdp_md *ctx)
{
	struct live_pkt p;

	live_parse_count(ctx, &p);
	return XDP_PASS;
}

SEC("tc")
int live_sink(struct __sk_buff *skb)
{
	struct live_pkt p;

	live_parse_count_at((void *)(long)skb->data, (void *)(long)skb->data_end, &p);
	return 2;   /* TC_ACT_SHOT */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
