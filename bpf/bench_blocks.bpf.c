// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_blocks.bpf.c - the brief's building blocks, measured by the
 * benchmark in the same run as turnstile so its ratio targets can be read
 * against what this host allows. Not part of the product. Each program is
 * bench_baseline's parse (bench_parse.h) + per-CPU count + drop plus one block:
 *  - blk_hash: a plain HASH lookup in a 1M-entry table with turnstile's
 *    40-byte direction-free key, the coarse clock, the timestamp written
 *    at most once a second; blk_hash_noclock: the lookup alone;
 *  - blk_lpm2: two LPM_TRIE lookups (source and destination) with
 *    turnstile's address key;
 *  - blk_store_hashed / blk_store_seq: a new connection's state (one
 *    80-byte flow slot) stored in a table the size of the default
 *    half-open table, at a hashed bucket and slot (where a hash table
 *    puts it) or at the next slot in order (where a log would). Run
 *    behind the port-bumping tail call, as the allowed SYN is.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bench_parse.h"
#include "turnstile.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} blk_count SEC(".maps");

/* Same capacity as the bench's ts_flows; filled with the same 1M flows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, (1u << 20) + 65536);
	__type(key, struct ts_flow_key);
	__type(value, struct ts_flow_val);
} blk_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ts_addr_key);
	__type(value, struct ts_addr_val);
} blk_prefixes SEC(".maps");

/* The default half-open table's buckets: 65536 entries in twice as many
 * slots (16384 buckets of TS_BUCKET_SLOTS). */
#define BLK_STATE_BUCKETS 16384

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BLK_STATE_BUCKETS);
	__type(key, __u32);
	__type(value, struct ts_flow_bucket);
} blk_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} blk_cursor SEC(".maps");

static __always_inline int blk_count_drop(__u8 *tcp)
{
	__u32 zero = 0;
	__u64 *cnt = bpf_map_lookup_elem(&blk_count, &zero);

	if (cnt)
		*cnt += tcp[13];
	return XDP_DROP;
}

/* The flow lookup; `clock`: with the coarse clock and the once-a-second
 * timestamp write, else the lookup alone (the floor of a hash flow table). */
static __always_inline int blk_flow(struct xdp_md *ctx, bool clock)
{
	struct ts_flow_key k = { .family = TS_FAMILY_V4, .proto = IPPROTO_TCP };
	struct ts_flow_val *v;
	struct bench_ip *ip;
	__u8 *tcp = bench_parse(ctx, &ip);
	bool s_lo;
	__u64 now;

	if (!tcp)
		return XDP_PASS;
	s_lo = bpf_ntohl(ip->saddr) < bpf_ntohl(ip->daddr);
	__builtin_memcpy(k.lo_addr, s_lo ? &ip->saddr : &ip->daddr, 4);
	__builtin_memcpy(k.hi_addr, s_lo ? &ip->daddr : &ip->saddr, 4);
	__builtin_memcpy(&k.lo_port, tcp + (s_lo ? 0 : 2), 2);
	__builtin_memcpy(&k.hi_port, tcp + (s_lo ? 2 : 0), 2);
	v = bpf_map_lookup_elem(&blk_flows, &k);
	if (!v)
		return XDP_ABORTED;
	if (clock) {
		now = bpf_ktime_get_coarse_ns();
		if (now - v->last_seen_ns >= 1000000000ull)
			v->last_seen_ns = now;
	}
	return blk_count_drop(tcp);
}

SEC("xdp")
int blk_hash(struct xdp_md *ctx)
{
	return blk_flow(ctx, true);
}

SEC("xdp")
int blk_hash_noclock(struct xdp_md *ctx)
{
	return blk_flow(ctx, false);
}

SEC("xdp")
int blk_lpm2(struct xdp_md *ctx)
{
	struct ts_addr_key k = { .prefixlen = TS_ADDR_HDR_BITS + 32, .family = TS_FAMILY_V4 };
	struct ts_addr_val *s, *d;
	struct bench_ip *ip;
	__u8 *tcp = bench_parse(ctx, &ip);

	if (!tcp)
		return XDP_PASS;
	__builtin_memcpy(k.addr, &ip->saddr, 4);
	s = bpf_map_lookup_elem(&blk_prefixes, &k);
	__builtin_memcpy(k.addr, &ip->daddr, 4);
	d = bpf_map_lookup_elem(&blk_prefixes, &k);
	if (s && d && s->set_id == d->set_id)   /* uses both results */
		return XDP_PASS;
	return blk_count_drop(tcp);
}

/* Store the frame's connection in blk_state: every word of a flow slot,
 * with plain stores (turnstile's insert adds four atomic operations, a
 * few percent of its cost). */
static __always_inline int blk_store(struct xdp_md *ctx, bool seq)
{
	struct ts_flow_bucket *bk;
	struct ts_flow_slot *s;
	struct bench_ip *ip;
	__u8 *tcp = bench_parse(ctx, &ip);
	__u32 zero = 0, *cur, ports, h, bi, j;

	if (!tcp)
		return XDP_PASS;
	cur = bpf_map_lookup_elem(&blk_cursor, &zero);
	if (!cur)
		return XDP_ABORTED;
	__builtin_memcpy(&ports, tcp, 4);
	h = (ip->saddr ^ ip->daddr ^ ports) * 2654435761u;
	if (seq) {
		*cur = (*cur + 1) % (BLK_STATE_BUCKETS * TS_BUCKET_SLOTS);
		bi = *cur / TS_BUCKET_SLOTS;
		j = *cur % TS_BUCKET_SLOTS;
	} else {
		bi = h % BLK_STATE_BUCKETS;
		j = (h >> 16) % TS_BUCKET_SLOTS;
	}
	bk = bpf_map_lookup_elem(&blk_state, &bi);
	if (!bk)
		return XDP_ABORTED;
	s = &bk->slot[j & (TS_BUCKET_SLOTS - 1)];
	s->state = h | 1;
	__builtin_memset(&s->key, 0, sizeof(s->key));
	__builtin_memcpy(s->key.lo_addr, &ip->saddr, 4);
	__builtin_memcpy(s->key.hi_addr, &ip->daddr, 4);
	__builtin_memcpy(&s->key.lo_port, &ports, 4);
	s->key.family = TS_FAMILY_V4;
	s->key.proto = IPPROTO_TCP;
	s->val.created_ns = h;
	s->val.last_seen_ns = h;
	s->val.rule_id = 1;
	s->val.ifindex = 1;
	s->val.state = TS_TCP_SYN_SENT;
	s->val.flags = 0;
	s->val.vlan = 0;
	s->val.isn = h;
	return blk_count_drop(tcp);
}

SEC("xdp")
int blk_store_hashed(struct xdp_md *ctx)
{
	return blk_store(ctx, false);
}

SEC("xdp")
int blk_store_seq(struct xdp_md *ctx)
{
	return blk_store(ctx, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

