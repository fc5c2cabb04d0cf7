// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_live_bare.bpf.c - make bench-live's bare receivers, not part of
 * the product: parse Ethernet/IPv4 or IPv6/TCP with data_end checks, count
 * the packet in a per-CPU array, then drop (live_drop, the ceiling) or pass
 * to the stack (live_pass, followed there by the same sink as every
 * passing receiver).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} live_count SEC(".maps");

/* 1 when the frame is Ethernet/IPv4 or IPv6/TCP (and counted), else 0. */
static __always_inline int parse_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 *l3 = (__u8 *)(eth + 1), *tcp;
	__u32 zero = 0;
	__u64 *cnt;

	if ((void *)(eth + 1) > end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		if ((void *)(l3 + 20) > end || l3[9] != IPPROTO_TCP)
			return 0;
		tcp = l3 + (l3[0] & 0x0f) * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		if ((void *)(l3 + 40) > end || l3[6] != IPPROTO_TCP)
			return 0;
		tcp = l3 + 40;
	} else {
		return 0;
	}
	if ((void *)(tcp + 20) > end)
		return 0;
	if (tcp[13] == 0xff)          /* reads the flags: the parse is not optimized away */
		return 0;
	cnt = bpf_map_lookup_elem(&live_count, &zero);
	if (cnt)
		*cnt += 1;
	return 1;
}

SEC("xdp")
int live_drop(struct xdp_md *ctx)
{
	parse_count(ctx);
	return XDP_DROP;
}

SEC("xdp")
int live_pass(struct xdp_md *ctx)
{
	parse_count(ctx);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
