// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_live_dense.bpf.c - make bench-live's candidate of a dense home
 * bucket (not the product): turnstile's flow table layout (buckets of
 * TS_BUCKET_SLOTS 80-byte slots, a tags word per bucket kept apart, a
 * key's two buckets over the table, at most TS_TAG_DUPS slots of a tag
 * per bucket, the home slot read with the tags) in three variants:
 *  - cand_two: the home slot in the key's first bucket, as turnstile's;
 *  - cand_dense: the home slot in a third bucket, in a dense region of
 *    its own (a sixteenth of the table's buckets, after them), so that
 *    while the flows are few most live there (docs/bench.md, "What
 *    remains"; selftests/bench/table_choices.py simulates its fill);
 *  - cand_spill: two tables, a small one first (the dense region's
 *    buckets, a key's two there; room for 16,384 flows at half load)
 *    and the default-sized one behind it, which takes a flow only when
 *    its buckets in the small one are full, and which a find reads only
 *    while it holds any flow: few flows are all in the small table, and
 *    no find reads the large one.
 * The insert rule is turnstile's: the home slot when free, else the
 * emptiest of the key's buckets with room, the first on a tie. One
 * writer, plain stores (no claim, publish or settle: bench-live refuses
 * these with more than one generator CPU); as in bench_live_cand.bpf.c,
 * a SYN stores (or renews) its flow, other segments of a stored flow pass.
 */
#include "bench_live_cand.h"

#define DT_BUCKETS (2u * CAND_CAPACITY / TS_BUCKET_SLOTS)   /* the default flow table's */
#define DT_DENSE (DT_BUCKETS / 16)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DT_BUCKETS + DT_DENSE);
	__type(key, __u32);
	__type(value, struct ts_flow_bucket);
} dt_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DT_BUCKETS + DT_DENSE);
	__type(key, __u32);
	__type(value, __u64);
} dt_tags SEC(".maps");

/* The buckets of a key of hash h: b[0] holds its home slot; cand_two's
 * third is its first again (no third bucket). */
static __always_inline void dt_buckets_of(__u64 h, __u32 dense, __u32 b[3])
{
	b[1] = (__u32)h & (DT_BUCKETS - 1);
	b[2] = (__u32)(h >> 32) & (DT_BUCKETS - 1);
	b[0] = dense ? DT_BUCKETS + ((__u32)(h >> 16) & (DT_DENSE - 1)) : b[1];
}

/* Slot j of bucket b holds key k (of hash h): its position b * slots + j, else -1. */
static __always_inline int dt_slot_is(__u32 b, __u32 j, const struct ts_flow_key *k, __u64 h)
{
	struct ts_flow_bucket *bk = bpf_map_lookup_elem(&dt_buckets, &b);
	struct ts_flow_slot *s;

	if (!bk)
		return -1;
	s = &bk->slot[j & (TS_BUCKET_SLOTS - 1)];
	if ((s->state & (TS_SLOT_TAG_MASK | TS_SLOT_KIND_MASK)) != ts_slot_want(h) ||
	    !ts_key_eq((const ts_word *)&s->key, (const __u64 *)k, sizeof(*k) / 8))
		return -1;
	return (int)(b * TS_BUCKET_SLOTS + (j & (TS_BUCKET_SLOTS - 1)));
}

/* Key k among the tag candidates m of bucket b (at most TS_TAG_DUPS). */
static __always_inline int dt_bucket_find(__u32 b, __u64 m, const struct ts_flow_key *k, __u64 h)
{
	int pos;

	if (!m)
		return -1;
	pos = dt_slot_is(b, ts_tags_first(m), k, h);
	if (pos >= 0)
		return pos;
	m &= m - 1;
	return m ? dt_slot_is(b, ts_tags_first(m), k, h) : -1;
}

/* Key k (hash h) in buckets b0, its home slot's, and b1: its position,
 * or -1. The tags words and the home slot are read before any is
 * tested, as turnstile's flow_find does. */
static __always_inline int dt_find_in(const struct ts_flow_key *k, __u64 h, __u32 b0, __u32 b1)
{
	__u64 *tg0 = bpf_map_lookup_elem(&dt_tags, &b0), *tg1 = bpf_map_lookup_elem(&dt_tags, &b1), t0, t1, m;
	__u32 home = ts_home_slot(h);
	__u8 byte = TS_TAG_BYTE(h);
	int pos;

	if (!tg0 || !tg1)
		return -1;
	t0 = *(volatile __u64 *)tg0;
	t1 = *(volatile __u64 *)tg1;
	pos = dt_slot_is(b0, home, k, h);
	if (pos >= 0)
		return pos;
	m = ts_tags_match(t0, byte) & ~(TS_BYTES_80 & ts_tag_bits(home));
	pos = dt_bucket_find(b0, m, k, h);
	return pos >= 0 ? pos : dt_bucket_find(b1, ts_tags_match(t1, byte), k, h);
}

/* Global functions, each verified once: key k's position, or -1. The
 * tags words and the home slot are read before any is tested. */
__noinline int dt_find(const struct ts_flow_key *k, __u32 dense)
{
	__u64 h, t[3], m;
	__u32 b[3], home;
	__u8 byte;
	int pos;

	if (!k)
		return -1;
	h = cand_hash_key(k);
	dt_buckets_of(h, dense, b);
	if (!dense)   /* cand_two: b[0] is b[1] */
		return dt_find_in(k, h, b[1], b[2]);
	byte = TS_TAG_BYTE(h);
	home = ts_home_slot(h);
	for (int i = 0; i < 3; i++) {
		__u64 *tg = bpf_map_lookup_elem(&dt_tags, &b[i]);

		if (!tg)
			return -1;
		t[i] = *(volatile __u64 *)tg;
	}
	pos = dt_slot_is(b[0], home, k, h);
	if (pos >= 0)
		return pos;
	m = ts_tags_match(t[0], byte) & ~(TS_BYTES_80 & ts_tag_bits(home));
	pos = dt_bucket_find(b[0], m, k, h);
	if (pos >= 0)
		return pos;
	pos = dt_bucket_find(b[1], ts_tags_match(t[1], byte), k, h);
	return pos >= 0 ? pos : dt_bucket_find(b[2], ts_tags_match(t[2], byte), k, h);
}

/* Put key k (hash h, ISN seq) in its home slot of b[0] when free, else
 * in the emptiest of b[0..n-1] with room, the first on a tie. 0, or -1:
 * no room. */
static __always_inline int dt_put(const struct ts_flow_key *k, __u32 seq, __u64 h, const __u32 b[3], int n)
{
	__u32 home = ts_home_slot(h), best = 0, j, best_used = TS_BUCKET_SLOTS + 1;
	struct ts_flow_bucket *bk;
	struct ts_flow_slot *s;
	__u8 byte = TS_TAG_BYTE(h);
	__u64 *tg, tags;

	tg = bpf_map_lookup_elem(&dt_tags, &b[0]);
	if (!tg)
		return -1;
	tags = *tg;
	if (ts_tags_room_for(tags, byte) && !(tags & ts_tag_bits(home))) {
		best = b[0];
		j = home;
	} else {
		for (int i = 0; i < 3 && i < n; i++) {
			__u64 *t = bpf_map_lookup_elem(&dt_tags, &b[i]);
			__u32 used;

			if (!t || !ts_tags_free_for(*t, byte))
				continue;
			used = ts_tags_count(ts_tags_occupied(*t));
			if (used < best_used) {
				best_used = used;
				best = b[i];
			}
		}
		if (best_used > TS_BUCKET_SLOTS)
			return -1;
		tg = bpf_map_lookup_elem(&dt_tags, &best);
		if (!tg)
			return -1;
		j = ts_tags_first(ts_tags_match(*tg, 0));
	}
	bk = bpf_map_lookup_elem(&dt_buckets, &best);   /* tg: best's tags word, either way */
	if (!bk)
		return -1;
	s = &bk->slot[j & (TS_BUCKET_SLOTS - 1)];
	s->key = *k;
	cand_val(&s->val, seq);
	s->state = ts_slot_live(h, 0);
	*tg |= (__u64)byte << (8 * (j & (TS_BUCKET_SLOTS - 1)));
	return 0;
}

/* Renew a found flow's entry (at position pos) for ISN seq. */
static __always_inline int dt_renew(int pos, __u32 seq)
{
	__u32 b = (__u32)pos / TS_BUCKET_SLOTS;
	struct ts_flow_bucket *bk = bpf_map_lookup_elem(&dt_buckets, &b);

	if (!bk)
		return -1;
	cand_val(&bk->slot[pos & (TS_BUCKET_SLOTS - 1)].val, seq);
	return 0;
}

/* Store key k's new connection (ISN seq): renewed where it is, else put
 * in its buckets (dt_put). 0, or -1: no room. */
__noinline int dt_store(const struct ts_flow_key *k, __u32 seq, __u32 dense)
{
	__u32 b[3];
	int found;
	__u64 h;

	if (!k)
		return -1;
	found = dt_find(k, dense);
	if (found >= 0)
		return dt_renew(found, seq);
	h = cand_hash_key(k);
	dt_buckets_of(h, dense, b);
	return dt_put(k, seq, h, b, 3);
}

/* cand_spill: the flows the large table holds (it is read only while
 * there are any). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sp_spilled SEC(".maps");

/* cand_spill's buckets of a key of hash h: in the small table (the dense
 * region; bits apart from the home slot's and the tag's), then in the
 * large one (cand_two's). The small second bucket shares hash bits 40-47
 * with the large second one: the flows one small bucket spills go to 256
 * of the large table's second buckets (and anywhere for their first),
 * where selftests/bench/table_choices.py's spill mode draws both apart. */
static __always_inline void sp_buckets_of(__u64 h, __u32 small[3], __u32 large[3])
{
	small[0] = DT_BUCKETS + ((__u32)(h >> 16) & (DT_DENSE - 1));
	small[1] = DT_BUCKETS + ((__u32)(h >> 40) & (DT_DENSE - 1));
	small[2] = small[1];
	dt_buckets_of(h, 0, large);
}

/* The large table holds a flow. */
static __always_inline bool sp_any_spilled(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&sp_spilled, &zero);

	return n && *n;
}

__noinline int sp_find(const struct ts_flow_key *k)
{
	__u32 small[3], large[3];
	int pos;
	__u64 h;

	if (!k)
		return -1;
	h = cand_hash_key(k);
	sp_buckets_of(h, small, large);
	pos = dt_find_in(k, h, small[0], small[1]);
	if (pos >= 0 || !sp_any_spilled())
		return pos;
	return dt_find_in(k, h, large[1], large[2]);
}

__noinline int sp_store(const struct ts_flow_key *k, __u32 seq)
{
	__u32 small[3], large[3], zero = 0;
	__u64 h, *n;
	int found;

	if (!k)
		return -1;
	found = sp_find(k);
	if (found >= 0)
		return dt_renew(found, seq);
	h = cand_hash_key(k);
	sp_buckets_of(h, small, large);
	if (!dt_put(k, seq, h, small, 2))
		return 0;
	n = bpf_map_lookup_elem(&sp_spilled, &zero);
	if (!n || dt_put(k, seq, h, large, 3))
		return -1;
	*n += 1;
	return 0;
}

enum dt_mode { DT_TWO, DT_DENSE_HOME, DT_SPILL };

static __always_inline int dt_run(struct xdp_md *ctx, enum dt_mode mode)
{
	struct ts_flow_bucket *bk;
	struct ts_flow_key k;
	__u32 seq, b;
	bool syn;
	int pos;

	if (!cand_key(ctx, &k, &syn, &seq))
		return XDP_DROP;
	if (syn)
		return cand_verdict(!(mode == DT_SPILL ? sp_store(&k, seq) : dt_store(&k, seq, mode == DT_DENSE_HOME)));
	pos = mode == DT_SPILL ? sp_find(&k) : dt_find(&k, mode == DT_DENSE_HOME);
	if (pos < 0)
		return XDP_DROP;
	b = (__u32)pos / TS_BUCKET_SLOTS;
	bk = bpf_map_lookup_elem(&dt_buckets, &b);
	return bk ? cand_seen(&bk->slot[pos & (TS_BUCKET_SLOTS - 1)].val) : XDP_DROP;
}

SEC("xdp")
int cand_two(struct xdp_md *ctx)
{
	return dt_run(ctx, DT_TWO);
}

SEC("xdp")
int cand_dense(struct xdp_md *ctx)
{
	return dt_run(ctx, DT_DENSE_HOME);
}

SEC("xdp")
int cand_spill(struct xdp_md *ctx)
{
	return dt_run(ctx, DT_SPILL);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
