// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_live_cand.bpf.c - make bench-live's candidate flow tables, not
 * part of the product: the designs issue 17 asks to measure on live
 * traffic beside turnstile's, each behind the same parse as the bare
 * receivers and with turnstile's direction-free key (flow_key.h) and
 * capacity (TS_DEFAULT_FLOWS). A SYN without ACK stores its flow (or
 * renews it: another ISN), any other segment of a stored flow passes
 * (its last-seen time written at most once a second), the rest drops.
 * No policy, no half-open stage, no removal and no GC (an expiry check
 * only): the tables' lookup and insert alone.
 *  - cand_hash, cand_lru: a kernel HASH, LRU_HASH (their lookup and
 *    update calls, an update allocating the new element; the HASH
 *    preallocated, as the LRU always is).
 *  - cand_pool: slots taken in order from a pool (so the live flows are
 *    compact whatever the capacity), found through an index of 64-byte
 *    lines, 16 entries each (12 bits of the hash, 20 of slot number),
 *    two lines per key, at most two entries of one tag per line (a find
 *    checks two, as turnstile's TS_TAG_DUPS); the index sized for the
 *    capacity, or for the scenario's flows (cand-pool-fit: the memory a
 *    table that grew with its flows would touch). One writer at a time
 *    (bench-live refuses cand-pool with more than one generator CPU):
 *    the entries are plain stores, with no protocol for concurrent
 *    writers or readers.
 *  - cand_direct: the floor under every flow table, not a table: flow
 *    n's slot is slot n, its number read from the frame as bench-live's
 *    traffic assigns them (numbering.h), so the live flows are packed in
 *    order and a frame reads one slot, with no index, no hash and no
 *    probe. The key is still stored and compared, and the value read and
 *    touched. What any table pays beyond it is its index; what this
 *    costs over bare pass is the per-flow state itself. One writer, as
 *    cand_pool. cand_direct_min: the same with the least a slot of a
 *    key for either family can hold, the key and 8 bytes (48 bytes;
 *    turnstile's are 80); cand_direct_v4: IPv4 only, its key in 16
 *    bytes (24 a slot).
 */
#include "bench_live_cand.h"
#include "../selftests/bench/live/numbering.h"

#define CAND_LINE_ENTRIES 16u
#define CAND_LINES (2u * CAND_CAPACITY / CAND_LINE_ENTRIES)   /* by default */
#define CAND_SLOT_BITS 20u
#define CAND_SLOT_MASK ((1u << CAND_SLOT_BITS) - 1)
_Static_assert(CAND_CAPACITY < CAND_SLOT_MASK, "slot numbers + 1 fit the entry");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CAND_CAPACITY);
	__type(key, struct ts_flow_key);
	__type(value, struct ts_flow_val);
} cand_hash_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CAND_CAPACITY);
	__type(key, struct ts_flow_key);
	__type(value, struct ts_flow_val);
} cand_lru_flows SEC(".maps");

/* Set by `live attach` before load, with cand_index's size: the index's
 * lines - 1 (a power of two), sized for the capacity or for the flows of
 * a scenario (what a table sized to its live flows would have). The only
 * .rodata, at offset 0. */
const volatile __u32 cand_line_mask = CAND_LINES - 1;

struct cand_line {
	__u32 e[CAND_LINE_ENTRIES];   /* tag << 20 | (slot + 1); 0 = free */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAND_LINES);
	__type(key, __u32);
	__type(value, struct cand_line);
} cand_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAND_CAPACITY);
	__type(key, __u32);
	__type(value, struct ts_flow_slot);
} cand_pool_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cand_next SEC(".maps");   /* the pool's next free slot */

/* A kernel hash map of flows: a SYN's update, another segment's lookup. */
static __always_inline int cand_kernel_map(struct xdp_md *ctx, void *map)
{
	struct ts_flow_key k;
	struct ts_flow_val nv, *v;
	bool syn;
	__u32 seq;

	if (!cand_key(ctx, &k, &syn, &seq))
		return XDP_DROP;
	if (syn) {
		cand_val(&nv, seq);
		return cand_verdict(!bpf_map_update_elem(map, &k, &nv, BPF_ANY));
	}
	v = bpf_map_lookup_elem(map, &k);
	return v ? cand_seen(v) : XDP_DROP;
}

SEC("xdp")
int cand_hash(struct xdp_md *ctx)
{
	return cand_kernel_map(ctx, &cand_hash_flows);
}

SEC("xdp")
int cand_lru(struct xdp_md *ctx)
{
	return cand_kernel_map(ctx, &cand_lru_flows);
}

/* 1 if x is 0, else 0, without a branch (a branch per entry would give
 * the verifier a path per combination; the barrier keeps clang from
 * seeing a compare in it). */
static __always_inline __u32 is_zero(__u32 x)
{
	__u32 t = x | -x;

	asm volatile("" : "+r"(t));
	return (t >> 31) ^ 1;
}

/* Entries of line l whose tag bits equal those of `want`, one bit per entry. */
static __always_inline __u32 line_match(const struct cand_line *l, __u32 want)
{
	__u32 m = 0, j;

#pragma unroll
	for (j = 0; j < CAND_LINE_ENTRIES; j++)
		m |= is_zero((l->e[j] ^ want) >> CAND_SLOT_BITS) << j;
	return m;
}

/* The free entries of line l, one bit per entry. */
static __always_inline __u32 line_free(const struct cand_line *l)
{
	__u32 m = 0, j;

#pragma unroll
	for (j = 0; j < CAND_LINE_ENTRIES; j++)
		m |= is_zero(l->e[j]) << j;
	return m;
}

/* The bits set in the low 16 of v. */
static __always_inline __u32 count16(__u32 v)
{
	v &= 0xffff;
	v = v - ((v >> 1) & 0x5555);
	v = (v & 0x3333) + ((v >> 2) & 0x3333);
	v = (v + (v >> 4)) & 0x0f0f;
	return (v + (v >> 8)) & 0x1f;
}

/* The index of the lowest bit of m (nonzero): the bits below it, counted. */
static __always_inline __u32 lowest(__u32 m)
{
	return count16((m & -m) - 1);
}

/* The free entries of line l that a key of tag bits `want` may take:
 * none when two entries carry its tag already (a find checks two). */
static __always_inline __u32 line_room(const struct cand_line *l, __u32 want)
{
	return count16(line_match(l, want)) < 2 ? line_free(l) : 0;
}

/* The slot number of entry j of line l if that slot holds key k, else -1. */
static __always_inline int entry_slot(const struct cand_line *l, __u32 j, const struct ts_flow_key *k)
{
	__u32 n = (l->e[j & (CAND_LINE_ENTRIES - 1)] & CAND_SLOT_MASK) - 1;
	struct ts_flow_slot *s = bpf_map_lookup_elem(&cand_pool_slots, &n);

	return s && ts_key_eq((const ts_word *)&s->key, (const __u64 *)k, sizeof(*k) / 8) ? (int)n : -1;
}

/* Key k (tag bits `want`) in line l (its first two candidates): its slot number, or -1. */
static __always_inline int line_find(const struct cand_line *l, __u32 want, const struct ts_flow_key *k)
{
	__u32 m = line_match(l, want);
	int n;

	if (!m)
		return -1;
	n = entry_slot(l, lowest(m), k);
	if (n >= 0)
		return n;
	m &= m - 1;
	return m ? entry_slot(l, lowest(m), k) : -1;
}

/* The key's two lines and its tag bits. */
static __always_inline bool key_lines(const struct ts_flow_key *k, struct cand_line **l0,
				      struct cand_line **l1, __u32 *want)
{
	__u64 h = cand_hash_key(k);
	__u32 b0 = (__u32)h & cand_line_mask, b1 = (__u32)(h >> 32) & cand_line_mask;
	__u32 tag = (__u32)(h >> 52);

	*want = (tag | is_zero(tag)) << CAND_SLOT_BITS;   /* tag 0 is no tag */
	*l0 = bpf_map_lookup_elem(&cand_index, &b0);
	*l1 = bpf_map_lookup_elem(&cand_index, &b1);
	return *l0 && *l1;
}

/* Global functions, each verified once from a clean state: the slot
 * number of key k in the pool, or -1. */
__noinline int cand_pool_find(const struct ts_flow_key *k)
{
	struct cand_line *l0, *l1;
	__u32 want;
	int n;

	if (!k || !key_lines(k, &l0, &l1, &want))
		return -1;
	n = line_find(l0, want, k);
	return n >= 0 ? n : line_find(l1, want, k);
}

/* Store key k's new connection (ISN seq): renewed in place when stored
 * (another attempt on its ports), else the pool's next slot and an entry
 * of the emptier line. 0, or -1: no room. */
__noinline int cand_pool_store(const struct ts_flow_key *k, __u32 seq)
{
	struct cand_line *l0, *l1, *l;
	struct ts_flow_slot *s;
	__u32 want, zero = 0, free0, free1, free_mask, n;
	bool use1;
	__u64 *next;
	int found;

	if (!k)
		return -1;
	found = cand_pool_find(k);
	if (found >= 0) {
		n = found;
		s = bpf_map_lookup_elem(&cand_pool_slots, &n);
		if (!s)
			return -1;
		cand_val(&s->val, seq);
		return 0;
	}
	if (!key_lines(k, &l0, &l1, &want))
		return -1;
	free0 = line_room(l0, want);
	free1 = line_room(l1, want);
	use1 = count16(free1) > count16(free0);   /* the emptier line, the first on a tie */
	l = use1 ? l1 : l0;
	free_mask = use1 ? free1 : free0;
	next = bpf_map_lookup_elem(&cand_next, &zero);
	if (!free_mask || !next || *next >= CAND_CAPACITY)
		return -1;
	n = (*next)++;
	s = bpf_map_lookup_elem(&cand_pool_slots, &n);
	if (!s)
		return -1;
	s->key = *k;   /* the slot's state word is not used: the slot is turnstile's, for its size */
	cand_val(&s->val, seq);
	l->e[lowest(free_mask) & (CAND_LINE_ENTRIES - 1)] = want | (n + 1);
	return 0;
}

SEC("xdp")
int cand_pool(struct xdp_md *ctx)
{
	struct ts_flow_slot *s;
	struct ts_flow_key k;
	__u32 seq, n;
	bool syn;
	int found;

	if (!cand_key(ctx, &k, &syn, &seq))
		return XDP_DROP;
	if (syn)
		return cand_verdict(!cand_pool_store(&k, seq));
	found = cand_pool_find(&k);
	if (found < 0)
		return XDP_DROP;
	n = found;
	s = bpf_map_lookup_elem(&cand_pool_slots, &n);
	return s ? cand_seen(&s->val) : XDP_DROP;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAND_CAPACITY);
	__type(key, __u32);
	__type(value, struct ts_flow_slot);
} cand_direct_slots SEC(".maps");

/* The number bench-live gave the flow of parsed frame p (numbering.h):
 * its client is the side not on the server's port. Past the capacity
 * (not bench-live's traffic): CAND_CAPACITY. */
static __always_inline __u32 direct_number(struct xdp_md *ctx, const struct live_pkt *p)
{
	void *end = (void *)(long)ctx->data_end;
	bool from_client = bpf_ntohs(*(__be16 *)p->tcp) != LIVE_SERVER_PORT;
	__u16 port = bpf_ntohs(*(__be16 *)(p->tcp + (from_client ? 0 : 2)));
	/* the address's last byte: IPv4 source 15, destination 19; IPv6 23, 39 */
	__u8 *last = p->l3 + (p->family == 4 ? 15 : 23) + (from_client ? 0 : (p->family == 4 ? 4 : 16));
	__u32 host, n;

	if ((void *)(last + 1) > end)
		return CAND_CAPACITY;
	host = *last;
	if (port < LIVE_FIRST_PORT || host < 1 || host > LIVE_HOSTS)
		return CAND_CAPACITY;
	n = (port - LIVE_FIRST_PORT) * LIVE_HOSTS + host - 1;
	return n < CAND_CAPACITY ? n : CAND_CAPACITY;
}

/* cand_direct_min's slot: the least a flow needs, its key and 8 bytes
 * (seconds last seen, the rule), 48 bytes where turnstile's are 80. */
struct direct_min_slot {
	struct ts_flow_key key;
	__u32 last_seen_s;
	__u32 rule_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAND_CAPACITY);
	__type(key, __u32);
	__type(value, struct direct_min_slot);
} cand_direct_min_slots SEC(".maps");

/* The slot in map (an ARRAY by flow number) of the frame's flow, with
 * its key, SYN and sequence number; NULL: not bench-live's TCP. */
static __always_inline void *direct_slot(struct xdp_md *ctx, void *map, struct ts_flow_key *k, bool *syn,
					 __u32 *seq)
{
	struct live_pkt p;
	__u32 n;

	if (!live_parse_count(ctx, &p) || !cand_key_of(ctx, &p, k, syn, seq))
		return NULL;
	n = direct_number(ctx, &p);
	return bpf_map_lookup_elem(map, &n);
}

SEC("xdp")
int cand_direct(struct xdp_md *ctx)
{
	struct ts_flow_key k;
	__u32 seq;
	bool syn;
	struct ts_flow_slot *s = direct_slot(ctx, &cand_direct_slots, &k, &syn, &seq);

	if (!s)
		return XDP_DROP;
	if (syn) {
		s->key = k;   /* the state word is not used, as in cand_pool */
		cand_val(&s->val, seq);
		return cand_verdict(true);
	}
	if (!ts_key_eq((const ts_word *)&s->key, (const __u64 *)&k, sizeof(k) / 8))
		return XDP_DROP;
	return cand_seen(&s->val);
}

/* A direct slot's time in seconds, *last: set by a SYN (whose caller
 * stored its key), else the segment passes if its key is the slot's
 * (same_key) and the flow has not expired, touched once a second. */
static __always_inline int direct_seen(__u32 *last, bool syn, bool same_key)
{
	__u32 now = bpf_ktime_get_coarse_ns() / 1000000000ull;

	if (syn) {
		*last = now;
		return cand_verdict(true);
	}
	if (!same_key || now - *last > CAND_TIMEOUT_NS / 1000000000ull)
		return XDP_DROP;
	if (now != *last)
		*last = now;
	return cand_verdict(true);
}

SEC("xdp")
int cand_direct_min(struct xdp_md *ctx)
{
	struct ts_flow_key k;
	__u32 seq;
	bool syn;
	struct direct_min_slot *s = direct_slot(ctx, &cand_direct_min_slots, &k, &syn, &seq);

	if (!s)
		return XDP_DROP;
	if (syn) {
		s->key = k;
		s->rule_id = 1;
	}
	return direct_seen(&s->last_seen_s, syn,
			   syn || ts_key_eq((const ts_word *)&s->key, (const __u64 *)&k, sizeof(k) / 8));
}

/* cand_direct_v4's slot: an IPv4 flow's key in two words (both
 * addresses; both ports and the protocol), then 8 bytes. */
struct direct_v4_slot {
	__u64 addrs;
	__u64 ports;
	__u32 last_seen_s;
	__u32 rule_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAND_CAPACITY);
	__type(key, __u32);
	__type(value, struct direct_v4_slot);
} cand_direct_v4_slots SEC(".maps");

SEC("xdp")
int cand_direct_v4(struct xdp_md *ctx)
{
	struct ts_flow_key k;
	__u32 seq;
	bool syn;
	struct direct_v4_slot *s = direct_slot(ctx, &cand_direct_v4_slots, &k, &syn, &seq);
	__u64 addrs, ports;

	if (!s || k.family != TS_FAMILY_V4)
		return XDP_DROP;
	/* flow_key_build's words: the addresses in words 0 and 2, ports and protocol in word 4 */
	addrs = (((__u64 *)&k)[0] & 0xffffffffull) | ((__u64 *)&k)[2] << 32;
	ports = ((__u64 *)&k)[4];
	if (syn) {
		s->addrs = addrs;
		s->ports = ports;
		s->rule_id = 1;
	}
	return direct_seen(&s->last_seen_s, syn, syn || !((s->addrs ^ addrs) | (s->ports ^ ports)));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
