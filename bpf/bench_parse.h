/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bench_parse.h - the benchmark yardsticks' one parse (not the product's):
 * Ethernet/IPv4/TCP with data_end checks. */
#ifndef TS_BPF_BENCH_PARSE_H
#define TS_BPF_BENCH_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>

struct bench_ip {
	__u8 ver_ihl, tos;
	__be16 tot_len, id, frag_off;
	__u8 ttl, protocol;
	__be16 check;
	__be32 saddr, daddr;
};

/* The TCP header (20 bytes readable), or NULL when the frame is not
 * Ethernet/IPv4/TCP; *ipp gets the IPv4 header. */
static __always_inline __u8 *bench_parse(struct xdp_md *ctx, struct bench_ip **ipp)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bench_ip *ip;
	__u8 *tcp;
	__u32 hlen;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP)
		return 0;
	hlen = (ip->ver_ihl & 0x0f) * 4;
	if (hlen < sizeof(*ip))
		return 0;
	tcp = (__u8 *)ip + hlen;
	if ((void *)(tcp + 20) > end)
		return 0;
	*ipp = ip;
	return tcp;
}

#endif /* TS_BPF_BENCH_PARSE_H */
