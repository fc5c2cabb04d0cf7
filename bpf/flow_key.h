/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* flow_key.h - the direction-free flow key of a packet, without maps:
 * the datapath (flow.h) and bench-live's candidate tables build it alike. */
#ifndef TS_BPF_FLOW_KEY_H
#define TS_BPF_FLOW_KEY_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "turnstile.h"

/* The direction-free key of a packet of protocol `proto` from its
 * addresses (IPv4: 4 bytes, IPv6: 16) and ports (an ICMP echo's
 * identifier as both); true when the sender is the "lo" endpoint.
 * Addresses compare as big-endian 32-bit (IPv4) or 64-bit (IPv6) words,
 * then the ports: a few instructions, no loop. */
static __always_inline bool flow_key_build(struct ts_flow_key *k, __u8 family, const void *sa,
					   const void *da, __be16 sport, __be16 dport, __u8 proto)
{
	__u64 *w = (__u64 *)k;
	bool s_lo;

	if (family == TS_FAMILY_V4) {
		__u32 s = *(const __u32 *)sa, d = *(const __u32 *)da;
		__u32 a = bpf_ntohl(s), b = bpf_ntohl(d);

		s_lo = a != b ? a < b : bpf_ntohs(sport) < bpf_ntohs(dport);
		w[0] = s_lo ? s : d;   /* addr[0..3]; [4..15] zero */
		w[1] = 0;
		w[2] = s_lo ? d : s;
		w[3] = 0;
	} else {
		const __u64 *s = sa, *d = da;
		__u64 s0 = s[0], s1 = s[1], d0 = d[0], d1 = d[1];
		__u64 a0 = __builtin_bswap64(s0), b0 = __builtin_bswap64(d0);
		__u64 a1 = __builtin_bswap64(s1), b1 = __builtin_bswap64(d1);

		s_lo = a0 != b0 ? a0 < b0 : a1 != b1 ? a1 < b1 : bpf_ntohs(sport) < bpf_ntohs(dport);
		w[0] = s_lo ? s0 : d0;
		w[1] = s_lo ? s1 : d1;
		w[2] = s_lo ? d0 : s0;
		w[3] = s_lo ? d1 : s1;
	}
	/* ports, family, proto, pad: one 8-byte store (ts_flow_key's last word) */
	w[4] = (__u64)(s_lo ? sport : dport) | (__u64)(s_lo ? dport : sport) << 16 |
	       (__u64)family << 32 | (__u64)proto << 40;
	return s_lo;
}

#endif /* TS_BPF_FLOW_KEY_H */
