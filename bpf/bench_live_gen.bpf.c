// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_live_gen.bpf.c - make bench-live's frame generator, not part of
 * the product. Run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: each
 * repetition overwrites the frame with the next one of a precomputed
 * table (valid Ethernet/IP/TCP, checksums right, flows in random order)
 * and redirects it into a veth, whose peer is the receiver under test.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define LIVE_FRAME_WORDS 10   /* 80 bytes: IPv6/TCP (74) padded; IPv4 frames are 64 */

struct live_frame {
	__u64 w[LIVE_FRAME_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);          /* set by the generator */
	__type(key, __u32);
	__type(value, struct live_frame);
} live_frames SEC(".maps");

/* Per CPU: the next frame's index. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} live_pos SEC(".maps");

/* Set by the generator before load: the only .rodata, at offset 0. */
const volatile struct {
	__u32 nframes;
	__u32 ifindex;
} live_cfg = { 1, 0 };

SEC("xdp")
int live_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u64 *out = data;
	struct live_frame *f;
	__u32 zero = 0, *pos, i;

	pos = bpf_map_lookup_elem(&live_pos, &zero);
	if (!pos)
		return XDP_ABORTED;
	i = *pos;
	*pos = i + 1 < live_cfg.nframes ? i + 1 : 0;
	f = bpf_map_lookup_elem(&live_frames, &i);
	if (!f)
		return XDP_ABORTED;
#pragma unroll
	for (int k = 0; k < LIVE_FRAME_WORDS; k++) {
		if ((void *)(out + k + 1) > end)
			break;
		out[k] = f->w[k];
	}
	return bpf_redirect(live_cfg.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
