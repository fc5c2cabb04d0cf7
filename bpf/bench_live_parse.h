/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bench_live_parse.h - make bench-live's receivers' one parse and count
 * (not the product's): Ethernet/IPv4 or IPv6/TCP with data_end checks,
 * counted in the object's live_count (a per-CPU array of one): the bare
 * receivers' own count, which bench-live checks against the frames sent
 * (the candidates are checked by their passes, cand_passed). */
#ifndef TS_BPF_BENCH_LIVE_PARSE_H
#define TS_BPF_BENCH_LIVE_PARSE_H

#include <stdbool.h>
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

/* A parsed frame: its IP header and TCP header (20 bytes readable). */
struct live_pkt {
	__u8 *l3;
	__u8 *tcp;
	__u8 family;   /* 4 or 6 */
};

/* True when the frame at data..end is Ethernet/IPv4 or IPv6/TCP; then
 * counted. */
static __always_inline bool live_parse_count_at(void *data, void *end, struct live_pkt *p)
{
	struct ethhdr *eth = data;
	__u8 *l3 = (__u8 *)(eth + 1), *tcp;
	__u32 zero = 0;
	__u64 *cnt;

	if ((void *)(eth + 1) > end)
		return false;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		if ((void *)(l3 + 20) > end || l3[9] != IPPROTO_TCP)
			return false;
		tcp = l3 + (l3[0] & 0x0f) * 4;
		p->family = 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		if ((void *)(l3 + 40) > end || l3[6] != IPPROTO_TCP)
			return false;
		tcp = l3 + 40;
		p->family = 6;
	} else {
		return false;
	}
	if ((void *)(tcp + 20) > end)
		return false;
	if (tcp[13] == 0xff)          /* reads the flags: the parse is not optimized away */
		return false;
	cnt = bpf_map_lookup_elem(&live_count, &zero);
	if (cnt)
		*cnt += 1;
	p->l3 = l3;
	p->tcp = tcp;
	return true;
}

static __always_inline bool live_parse_count(struct xdp_md *ctx, struct live_pkt *p)
{
	return live_parse_count_at((void *)(long)ctx->data, (void *)(long)ctx->data_end, p);
}

#endif /* TS_BPF_BENCH_LIVE_PARSE_H */
