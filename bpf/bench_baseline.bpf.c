// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_baseline.bpf.c - the benchmark's yardstick, not part of the
 * product: parse Ethernet/IPv4/TCP with data_end checks, count the packet
 * in a per-CPU array, drop. Every turnstile figure is a ratio to this.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bench_parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_count SEC(".maps");

SEC("xdp")
int bench_baseline(struct xdp_md *ctx)
{
	struct bench_ip *ip;
	__u8 *tcp = bench_parse(ctx, &ip);
	__u32 zero = 0;
	__u64 *cnt;

	if (!tcp)
		return XDP_PASS;
	cnt = bpf_map_lookup_elem(&bench_count, &zero);
	if (cnt)
		*cnt += tcp[13];   /* reads the flags so the parse is not optimized away */
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * bench_moving_syn: makes every repetition of one PROG_TEST_RUN a new
 * connection (the source port is bumped in place: the harness reuses the
 * frame between repetitions), then tail-calls the program under test set
 * in bench_next[0]. The benchmark runs the baseline the same way.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_next SEC(".maps");

SEC("xdp")
int bench_moving_syn(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__be16 *sport = data + sizeof(struct ethhdr) + sizeof(struct bench_ip);

	if ((void *)(sport + 1) > end)
		return XDP_ABORTED;
	*sport = bpf_htons(bpf_ntohs(*sport) + 1);
	bpf_tail_call(ctx, &bench_next, 0);
	return XDP_ABORTED;
}

/*
 * bench_flow_walk: makes every repetition of one PROG_TEST_RUN the next
 * flow of a working set visited in random order (the frames in
 * bench_walk, written by the benchmark), then tail-calls the program
 * under test set in bench_next[0]: a lookup that is always the same hot
 * entry measures nothing a gateway sees.
 */
#define BENCH_WALK_FLOWS 8192u
#define BENCH_WALK_WORDS 10u   /* 80 bytes: IPv6/TCP (74) padded; IPv4 frames are 56 */

struct bench_walk_frame {
	__u64 w[BENCH_WALK_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_WALK_FLOWS);
	__type(key, __u32);
	__type(value, struct bench_walk_frame);
} bench_walk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_walk_pos SEC(".maps");

SEC("xdp")
int bench_flow_walk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u64 *out = data;
	struct bench_walk_frame *f;
	__u32 zero = 0, *pos, i;

	pos = bpf_map_lookup_elem(&bench_walk_pos, &zero);
	if (!pos)
		return XDP_ABORTED;
	i = *pos;
	*pos = (i + 1) & (BENCH_WALK_FLOWS - 1);
	f = bpf_map_lookup_elem(&bench_walk, &i);
	if (!f)
		return XDP_ABORTED;
#pragma unroll
	for (int k = 0; k < BENCH_WALK_WORDS; k++) {
		if ((void *)(out + k + 1) > end)
			break;
		out[k] = f->w[k];
	}
	bpf_tail_call(ctx, &bench_next, 0);
	return XDP_ABORTED;
}
