/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bench_live_cand.h - what make bench-live's candidate flow tables share
 * (bench_live_cand.bpf.c, bench_live_dense.bpf.c; not the product): the
 * capacity and hash seed, the frame's flow key (turnstile's, flow_key.h),
 * a stored flow's value and expiry, and the count of the frames passed. */
#ifndef TS_BPF_BENCH_LIVE_CAND_H
#define TS_BPF_BENCH_LIVE_CAND_H

#include "bench_live_parse.h"
#include "flow_key.h"
#include "ts_table.h"

#define CAND_CAPACITY TS_DEFAULT_FLOWS
#define CAND_SEED 0x243f6a8885a308d3ull
#define CAND_TIMEOUT_NS (3600ull * 1000000000ull)

/* A candidate table's hash of key k. */
static __always_inline __u64 cand_hash_key(const struct ts_flow_key *k)
{
	return ts_hash((const __u64 *)k, sizeof(*k) / 8, CAND_SEED);
}

/* The frames passed, per CPU: bench-live checks that every frame of its
 * established and new-connection scenarios passed (live_count has them
 * all, whatever the verdict). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cand_passed SEC(".maps");

/* The verdict, a pass counted. */
static __always_inline int cand_verdict(bool pass)
{
	__u32 zero = 0;
	__u64 *n;

	if (!pass)
		return XDP_DROP;
	n = bpf_map_lookup_elem(&cand_passed, &zero);
	if (n)
		*n += 1;
	return XDP_PASS;
}

/* The flow key of parsed frame p; *syn: a SYN without ACK; *seq: its
 * sequence number. */
static __always_inline bool cand_key_of(struct xdp_md *ctx, const struct live_pkt *p, struct ts_flow_key *k,
					bool *syn, __u32 *seq)
{
	void *end = (void *)(long)ctx->data_end;
	__u8 *sa = p->l3 + (p->family == 4 ? 12 : 8), *da = p->l3 + (p->family == 4 ? 16 : 24);

	if ((void *)(da + 16) > end)
		return false;
	flow_key_build(k, p->family == 4 ? TS_FAMILY_V4 : TS_FAMILY_V6, sa, da, *(__be16 *)p->tcp,
		       *(__be16 *)(p->tcp + 2), IPPROTO_TCP);
	*syn = (p->tcp[13] & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN;
	*seq = bpf_ntohl(*(__be32 *)(p->tcp + 4));
	return true;
}

/* The frame's flow key, parsed and counted (live_parse_count). */
static __always_inline bool cand_key(struct xdp_md *ctx, struct ts_flow_key *k, bool *syn, __u32 *seq)
{
	struct live_pkt p;

	return live_parse_count(ctx, &p) && cand_key_of(ctx, &p, k, syn, seq);
}

/* A stored flow's segment: passed unless expired; touched once a second. */
static __always_inline int cand_seen(struct ts_flow_val *v)
{
	__u64 now = bpf_ktime_get_coarse_ns();

	if (now - v->last_seen_ns > CAND_TIMEOUT_NS)
		return XDP_DROP;
	if (now - v->last_seen_ns >= 1000000000ull)
		v->last_seen_ns = now;
	return cand_verdict(true);
}

static __always_inline void cand_val(struct ts_flow_val *v, __u32 seq)
{
	__u64 now = bpf_ktime_get_coarse_ns();

	__builtin_memset(v, 0, sizeof(*v));
	v->created_ns = v->last_seen_ns = now;
	v->rule_id = 1;
	v->state = TS_TCP_SYN_SENT;
	v->isn = seq;
}

#endif /* TS_BPF_BENCH_LIVE_CAND_H */
