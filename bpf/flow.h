/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* flow.h - the direction-free flow key, expiry, and the TCP state updates
 * of a tracked connection. */
#ifndef TS_BPF_FLOW_H
#define TS_BPF_FLOW_H

#include "maps.h"
#include "parse.h"

#define TS_NSEC_PER_SEC 1000000000ull

/* bpf_ktime_get_coarse_ns(), read at most once per jiffy on each CPU:
 * bpf_jiffies64() is inlined by the verifier, the clock helper is a call
 * (~13 ns with this host's return thunks). The coarse clock moves only on
 * a tick, so the cached value is at most one tick behind a direct read. */
static __always_inline __u64 ts_now(void)
{
	__u32 zero = 0;
	struct ts_clock *c = bpf_map_lookup_elem(&ts_clock, &zero);
	__u64 j = bpf_jiffies64();

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->jiffies != j) {
		c->now_ns = bpf_ktime_get_coarse_ns();
		c->jiffies = j;
	}
	return c->now_ns;
}

/* Build the key; returns true when the sender is the "lo" endpoint
 * (address, then port, compared as big-endian bytes). */
static __always_inline bool flow_key_make(const struct ts_pkt *p, struct ts_flow_key *k)
{
	bool s_lo = false, decided = false;
	int i;

	/* IPv4: words 1-3 are zero on both sides, only word 0 can differ */
	if (p->family == TS_FAMILY_V4) {
		__u32 a = bpf_ntohl(p->saddr[0]), b = bpf_ntohl(p->daddr[0]);

		s_lo = a < b;
		decided = a != b;
	} else {
#pragma unroll
		for (i = 0; i < 4; i++) {
			__u32 a = bpf_ntohl(p->saddr[i]), b = bpf_ntohl(p->daddr[i]);

			if (!decided && a != b) {
				s_lo = a < b;
				decided = true;
			}
		}
	}
	if (!decided)
		s_lo = bpf_ntohs(p->sport) < bpf_ntohs(p->dport);
	if (s_lo) {
		__builtin_memcpy(k->lo_addr, p->saddr, 16);
		__builtin_memcpy(k->hi_addr, p->daddr, 16);
		k->lo_port = p->sport;
		k->hi_port = p->dport;
	} else {
		__builtin_memcpy(k->lo_addr, p->daddr, 16);
		__builtin_memcpy(k->hi_addr, p->saddr, 16);
		k->lo_port = p->dport;
		k->hi_port = p->sport;
	}
	k->family = p->family;
	k->proto = IPPROTO_TCP;
	k->pad[0] = k->pad[1] = 0;
	return s_lo;
}

static __always_inline __u64 flow_timeout_ns(const struct ts_flow_val *v, const struct ts_slot_cfg *sc)
{
	__u32 s;

	if (v->state == TS_TCP_CLOSING)
		s = sc->timeout_closing_s;
	else if (v->state >= TS_TCP_ESTABLISHED)
		s = sc->timeout_established_s;
	else
		s = sc->timeout_syn_s;
	return (__u64)s * TS_NSEC_PER_SEC;
}

/* An expired entry counts as absent; userspace GC removes it later. */
static __always_inline bool flow_expired(const struct ts_flow_val *v, __u64 now,
					 const struct ts_slot_cfg *sc)
{
	return (__s64)(now - v->last_seen_ns) > (__s64)flow_timeout_ns(v, sc);
}

/* last_seen is written at most once a second: the hot path stays read-only. */
static __always_inline void flow_touch(struct ts_flow_val *v, __u64 now)
{
	if (now - v->last_seen_ns >= TS_NSEC_PER_SEC)
		v->last_seen_ns = now;
}

/* FIN/RST bookkeeping of an established flow; `from_lo`: sender is lo. */
static __always_inline void flow_track_close(struct ts_flow_val *v, __u8 tcp_flags, bool from_lo)
{
	__u8 flags = v->flags;

	if (tcp_flags & TS_TCP_RST) {
		if (v->state != TS_TCP_CLOSING)
			v->state = TS_TCP_CLOSING;
		return;
	}
	if (!(tcp_flags & TS_TCP_FIN))
		return;
	flags |= from_lo ? TS_FLOW_FIN_LO : TS_FLOW_FIN_HI;
	if (flags != v->flags)
		v->flags = flags;
	if ((flags & (TS_FLOW_FIN_LO | TS_FLOW_FIN_HI)) == (TS_FLOW_FIN_LO | TS_FLOW_FIN_HI))
		v->state = TS_TCP_CLOSING;
	else if (v->state == TS_TCP_ESTABLISHED)
		v->state = TS_TCP_FIN_WAIT;
}

/* Invalid on any segment: SYN with FIN or RST, FIN with RST, or none of
 * SYN/ACK/RST (every segment after the first SYN carries ACK). */
static __always_inline bool tcp_flags_bad(__u8 f)
{
	bool syn = f & TS_TCP_SYN, fin = f & TS_TCP_FIN, rst = f & TS_TCP_RST, ack = f & TS_TCP_ACK;

	return (syn && (fin || rst)) || (fin && rst) || !(syn || ack || rst);
}

#endif /* TS_BPF_FLOW_H */
