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

/* Set by the generator before load: the only .rodata, at offset 0.
 * tcp_off != 0: each pass over the table adds the pass number to the
 * initiator's sequence numbers (checksum updated), so each time a flow
 * comes round its SYN is a new connection attempt (another ISN), and the
 * rest of that connection's handshake follows it. */
const volatile struct {
	__u32 nframes;
	__u32 ifindex;
	__u32 tcp_off;
	__u32 pad;
} live_cfg = { 1, 0, 0, 0 };

/* Per CPU: passes over the table so far, from a base the generator sets
 * (another each window: a window's first pass is not its predecessor's
 * again). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} live_pass SEC(".maps");

/* One's-complement checksum field after a 16-bit word changed from o to
 * n (RFC 1624, eqn. 3). */
static __always_inline __u16 csum_replace16(__u16 check, __u16 o, __u16 n)
{
	__u32 s = (__u16)~check + (__u16)~o + (__u32)n;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s;
}

/* Add `add` to the initiator's sequence number in the TCP header at tcp
 * (host order arithmetic on the big-endian field), keeping the checksum
 * right: the sequence number of a segment from the initiator, the
 * acknowledgment of a SYN-ACK (the responder's ISN stays). */
static __always_inline void bump_seq(__u8 *tcp, void *end, __u32 add)
{
	__u16 *w, *ck = (__u16 *)(tcp + 16);
	__u32 old, seq;

	if ((void *)(tcp + 20) > end)
		return;
	if ((tcp[13] & 0x12) == 0x12)   /* SYN|ACK: the ack field */
		w = (__u16 *)(tcp + 8);
	else
		w = (__u16 *)(tcp + 4);
	old = (__u32)__builtin_bswap16(w[0]) << 16 | __builtin_bswap16(w[1]);
	seq = old + add;
	/* the checksum field is big-endian like the words: work in that order */
	*ck = __builtin_bswap16(csum_replace16(__builtin_bswap16(*ck), old >> 16, seq >> 16));
	*ck = __builtin_bswap16(csum_replace16(__builtin_bswap16(*ck), old & 0xffff, seq & 0xffff));
	w[0] = __builtin_bswap16(seq >> 16);
	w[1] = __builtin_bswap16(seq & 0xffff);
}

SEC("xdp")
int live_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u64 *out = data;
	struct live_frame *f;
	__u32 zero = 0, *pos, *pass, i, this_pass;

	pos = bpf_map_lookup_elem(&live_pos, &zero);
	pass = bpf_map_lookup_elem(&live_pass, &zero);
	if (!pos || !pass)
		return XDP_ABORTED;
	i = *pos;
	this_pass = *pass;   /* the table's last frame too: the next pass starts after it */
	*pos = i + 1 < live_cfg.nframes ? i + 1 : 0;
	if (!*pos)
		*pass += 1;
	f = bpf_map_lookup_elem(&live_frames, &i);
	if (!f)
		return XDP_ABORTED;
#pragma unroll
	for (int k = 0; k < LIVE_FRAME_WORDS; k++) {
		if ((void *)(out + k + 1) > end)
			break;
		out[k] = f->w[k];
	}
	if (live_cfg.tcp_off && live_cfg.tcp_off <= 64)
		bump_seq((__u8 *)data + live_cfg.tcp_off, end, this_pass);
	return bpf_redirect(live_cfg.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
