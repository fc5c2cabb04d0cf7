/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pass.h - the pass cache (turnstile.h, ts_pass_line; docs/dataplane.md,
 * "The pass cache"): the fast path's first read for a TCP segment without
 * SYN, FIN or RST. A hit says the fast path found the segment's flow live
 * and passable (flow_fast_passes) in this epoch under this policy
 * generation, so the segment passes as that find would have passed it;
 * a miss goes to the flow tables, and a pass there fills a way.
 *
 * Why a way can be trusted for the rest of its epoch (at most 8.6 s):
 * - the flow is not cached if its timeout is shorter than
 *   TS_PASS_MIN_TIMEOUT_S, so it cannot expire before the epoch ends;
 * - every change that makes a flow's next segment something else than
 *   the fast path's pass comes with a FIN or RST (flow_track_close),
 *   which the full path follows with pass_forget; a way filled at the
 *   same instant is taken back by its writer (pass_fill's re-check);
 * - a reload changes the generation, which keys every fingerprint;
 *   userspace clears the cache after it cuts live flows (flows --kill, a
 *   reload's cut), after the cut.
 */
#ifndef TS_BPF_PASS_H
#define TS_BPF_PASS_H

#include "flow.h"
#include "table.h"

/* Where a segment's flow is, or would be, in the cache: in its first
 * line, or in its second when the first was full (looked up only then,
 * pass_line2), its way's tag marked there (TS_PASS_SECOND). */
struct ts_pass_probe {
	struct ts_pass_line *line;   /* NULL: the cache is off */
	struct ts_pass_shape *shape;
	__u64 tag;                   /* its way's bits but the rule's */
	__u32 at, lines;             /* the first line's index, of the lines in use */
};

/* Where flow k is, or would be, in the cache now: false if the cache is
 * off. ts_pass_hash in two steps, its first half giving the line. A find
 * (`find`) begins the line's read before the second half, whose work
 * then overlaps the read's wait (a hit's longest): in ts_pass_hash's
 * order the read would start only after both. A removal needs only the
 * tag's bits from the first half (TS_PASS_LINE_FP: all pass_clear and
 * pass_line2 read of it), so the second half is not computed for it. */
static __always_inline bool pass_probe(const struct ts_config *cfg, const struct ts_flow_key *k, __u64 now,
				       struct ts_pass_probe *pp, bool find)
{
	struct ts_pass_shape *sh = bpf_map_lookup_elem(&ts_pass_shape, (void *)&ts_key_zero);
	__u64 version, gen, epoch = now >> TS_PASS_EPOCH_SHIFT;
	__u32 lines, a, at;

	pp->line = NULL;
	if (!sh || !sh->max_lines)
		return false;
	lines = TS_READ_ONCE(sh->lines);
	/* read once: both halves must see one generation and one version */
	version = TS_READ_ONCE(sh->version);
	gen = TS_READ_ONCE(cfg->generation);
	pp->shape = sh;
	a = ts_pass_first_half(k, sh, version, gen);
	at = ts_pass_line_of(a, lines);
	if (!find)
		pp->tag = ts_pass_tag_of(a, 0, version, epoch) & TS_PASS_LINE_FP;
	pp->at = at;
	pp->lines = lines;
	pp->line = bpf_map_lookup_elem(&ts_pass_cache, &at);
	if (!pp->line || !find)
		return pp->line != NULL;
	TS_READ_ONCE(pp->line->way[0]);
	/* the second half's loads stay after the line's */
	asm volatile("" ::: "memory");
	pp->tag = ts_pass_tag_of(a, ts_pass_second_half(k, sh, version, epoch, gen), version, epoch);
	return true;
}

static __always_inline struct ts_pass_line *pass_line2(const struct ts_pass_probe *pp)
{
	__u32 at = ts_pass_line2(pp->at, pp->lines, pp->tag);

	return bpf_map_lookup_elem(&ts_pass_cache, &at);
}

/* The rule of the way in ln that holds tag (the last, if two did), else
 * 0. Without a branch: which way holds a flow differs from flow to flow,
 * so a compare per way would mispredict about once a segment, and only
 * once the line's read (the segment's longest wait) is in. The ways'
 * answers are combined as a tree, "a later way's hit overrides", three
 * steps deep where one way after another took eight. */
static __always_inline __u32 pass_match(const struct ts_pass_line *ln, __u64 tag)
{
	__u64 r[TS_PASS_WAYS], m[TS_PASS_WAYS];
	__u32 w, step;

#pragma unroll
	for (w = 0; w < TS_PASS_WAYS; w++) {
		/* the tag's rule bits are 0: a hit leaves the way's rule alone */
		__u64 x = TS_READ_ONCE(ln->way[w]) ^ tag;

		/* TS_PASS_RULE_MASK when x's bits above the rule's are 0 (x >> shift
		 * is 0, and 0 - 1 is all ones), else 0 (x >> shift is then below
		 * 2^52, and one less has its top 12 bits clear) */
		m[w] = ((x >> TS_PASS_TAG_SHIFT) - 1) >> (64 - TS_PASS_TAG_SHIFT);
		r[w] = x & m[w];
	}
#pragma unroll
	for (step = 1; step < TS_PASS_WAYS; step *= 2) {
#pragma unroll
		for (w = 0; w + step < TS_PASS_WAYS; w += 2 * step) {
			r[w] = (r[w] & ~m[w + step]) | r[w + step];
			m[w] |= m[w + step];
		}
	}
	return r[0];
}

/* The rule of flow k if the cache holds it, else 0; *pp says where it is
 * or would go (pass_fill). The second line is read only when the first
 * does not hold it: most flows are in their first (docs/dataplane.md). */
static __always_inline __u32 pass_find(const struct ts_config *cfg, const struct ts_flow_key *k, __u64 now,
				       struct ts_pass_probe *pp)
{
	struct ts_pass_line *ln2;
	__u32 rule;

	if (!pass_probe(cfg, k, now, pp, true))
		return 0;
	rule = pass_match(pp->line, pp->tag);
	if (rule)
		return rule;
	ln2 = pass_line2(pp);
	return ln2 ? pass_match(ln2, pp->tag | TS_PASS_SECOND) : 0;
}

/* Keep the lines in use near ts_pass_want_lines of the live flows:
 * resized only when they fall an eighth short of it or are more than
 * twice it, so a count near a bound does not move them back and forth (a
 * resize makes every flow miss once). */
static __always_inline void pass_reshape(struct ts_pass_shape *sh)
{
	const struct ts_table_fill *fill = bpf_map_lookup_elem(&ts_table_fill, (void *)&ts_key_zero);
	__u64 live, lines, want;

	if (!fill)
		return;
	live = TS_READ_ONCE(fill->live[TS_TBL_FLOWS_SMALL]) + TS_READ_ONCE(fill->live[TS_TBL_FLOWS]);
	lines = TS_READ_ONCE(sh->lines);
	want = ts_pass_want_lines(live);
	if (lines >= want - want / 8 && lines <= 2 * want)
		return;
	if (want > sh->max_lines)
		want = sh->max_lines;
	if (want != lines) {
		TS_WRITE_ONCE(sh->lines, want);
		__sync_fetch_and_add(&sh->version, 1);
	}
}

/* A way of ln that a fill may take (empty, or of an older epoch or shape
 * version), else TS_PASS_WAYS. */
static __always_inline __u32 pass_victim(const struct ts_pass_line *ln, __u64 now_bits)
{
	__u32 w, victim = TS_PASS_WAYS;

#pragma unroll
	for (w = 0; w < TS_PASS_WAYS; w++) {
		__u32 j = TS_PASS_WAYS - 1 - w;
		__u64 old = TS_READ_ONCE(ln->way[j]);

		if (!old || (old & TS_PASS_EPOCH_MASK) != now_bits)
			victim = j;
	}
	return victim;
}

/* Ways of a fill's first line pass_move looks at, from a random one on:
 * a flow that finds no room tries again on its next segment. */
#define TS_PASS_MOVE_TRIES 4u

/* Room in line ln (index at) when it and the second line of the flow to
 * be cached are full of this epoch's ways: one of ln's ways that lies in
 * its own flow's first line goes to that flow's second, if that has
 * room. Returns the way left empty in ln, else TS_PASS_WAYS. The copy is
 * written before the original is taken (a full barrier between), so the
 * way is in one of its flow's lines at every instant, and a FIN or RST's
 * pass_forget, which reads the first line before the second, finds it in
 * one of them; when the original has changed meanwhile (that forget, or
 * another fill), the copy is taken back. */
static __always_inline __u32 pass_move(struct ts_pass_line *ln, __u32 at, __u32 lines, __u64 now_bits)
{
	__u32 i = bpf_get_prandom_u32(), t;

	for (t = 0; t < TS_PASS_MOVE_TRIES; t++, i++) {
		__u32 w = i & (TS_PASS_WAYS - 1), to_at, v;
		__u64 way = TS_READ_ONCE(ln->way[w]), moved = way | TS_PASS_SECOND;
		struct ts_pass_line *to;

		if (!way || (way & TS_PASS_SECOND) || (way & TS_PASS_EPOCH_MASK) != now_bits)
			continue;
		to_at = ts_pass_line2(at, lines, way);
		to = bpf_map_lookup_elem(&ts_pass_cache, &to_at);
		if (!to)
			continue;
		v = pass_victim(to, now_bits);
		if (v >= TS_PASS_WAYS)
			continue;
		ts_store_fenced(&to->way[v], moved);
		if (ts_cas(&ln->way[w], way, 0) == way)
			return w;
		ts_cas(&to->way[v], moved, 0);
		return TS_PASS_WAYS;
	}
	return TS_PASS_WAYS;
}

/* After the fast path passed a segment of flow k (table hash h), found in
 * slot s, under settings sc, through the tables: cache it, in an empty way
 * or one of an older epoch of its first line, else of its second, else
 * in a way of its first that pass_move empties. No flow of this epoch is
 * evicted: two flows would miss in turn, each miss a find in the tables
 * and a fill (a first design did, and 8% of the segments over 8,192
 * flows missed); a move keeps both. Its writer then reads the slot
 * again, behind the way's exchange (a full barrier): a FIN or RST that
 * changed it meanwhile either is seen here, and the way is taken back, or
 * its pass_forget comes after this store and clears it. (The slot is
 * checked for k, not for the entry found: no room on the fast path's
 * stack for the find's state word, and a new entry of k that is live and
 * passable is as good.) A way of the shape version before a resize counts
 * as older (ts_pass_epoch_bits): no find looks for it again. */
static __always_inline void pass_fill(const struct ts_pass_probe *pp, struct ts_flow_slot *s,
				      const struct ts_flow_key *k, const struct ts_slot_cfg *sc, __u64 h)
{
	const __u64 now_bits = pp->tag & TS_PASS_EPOCH_MASK;
	struct ts_pass_line *ln = pp->line, *ln2;
	__u32 rule = s->val.rule_id, victim;
	__u64 way, st;

	if (!ln || !rule || rule > TS_PASS_RULE_MASK ||
	    ts_flow_timeout_s(s->val.state, sc) < TS_PASS_MIN_TIMEOUT_S)
		return;
	way = pp->tag | rule;
	victim = pass_victim(ln, now_bits);
	if (victim >= TS_PASS_WAYS) {
		ln2 = pass_line2(pp);
		if (!ln2)
			goto reshape;
		victim = pass_victim(ln2, now_bits);
		if (victim < TS_PASS_WAYS) {
			ln = ln2;
			way |= TS_PASS_SECOND;
		} else {
			victim = pass_move(ln, pp->at, pp->lines, now_bits);
			if (victim >= TS_PASS_WAYS)
				goto reshape;
		}
	}
	ts_store_fenced(&ln->way[victim], way);
	if (!ts_slot_read(&s->state, ts_slot_want(h), (const __u64 *)k, sizeof(*k) / 8, &st) ||
	    !flow_fast_passes(&s->val))
		ts_cas(&ln->way[victim], way, 0);
reshape:
	pass_reshape(pp->shape);
}

/* A full barrier: a fetching atomic (BPF orders those fully; a failed
 * compare-and-swap may not be ordered, as on arm64), on a word of this
 * CPU's own (ts_clock.fence; `shared` only if that were missing),
 * whatever words it orders: a fully ordered atomic orders every access
 * around it, and one on the pass cache's line itself took that line from
 * the CPU that last wrote it. On two CPUs opening and closing
 * connections the barrier on the line was 18% of the samples, and a
 * segment took 436 / 450 ns with it against 372 / 370 (bench-live,
 * conn-8k, IPv4 / IPv6, 2026-12-05). */
static __always_inline void pass_fence(__u64 *shared)
{
	struct ts_clock *c = bpf_map_lookup_elem(&ts_clock, (void *)&ts_key_zero);
	__u64 seen = __sync_fetch_and_add(c ? &c->fence : shared, 0);   /* c: always there */

	__asm__ __volatile__("" : : "r"(seen) : "memory");
}

/* Clear the ways of ln whose epoch-free bits are mine, read behind a full
 * barrier (pass_forget says why). */
static __always_inline void pass_clear(struct ts_pass_line *ln, __u64 mine)
{
	__u32 w;

	pass_fence(&ln->way[0]);
#pragma unroll
	for (w = 0; w < TS_PASS_WAYS; w++) {
		__u64 way = TS_READ_ONCE(ln->way[w]);

		if (way && (way & TS_PASS_LINE_FP) == mine)
			ts_cas(&ln->way[w], way, 0);
	}
}

/* A FIN or RST changed flow k's entry (flow_track_close), or the full path
 * removed it: no way may pass its segments now. A fence keeps that
 * change before the ways' reads (pass_fill says why that is enough). Its
 * ways of every epoch go, from both its lines, found by the fingerprint's
 * epoch-free bits: each CPU reads the clock once a jiffy (ts_now), so
 * around an epoch's start another CPU may be a tick behind this one or
 * ahead of it. The first line is read before the second, with a full
 * barrier between (the second pass_clear's), as pass_move needs.
 * (Another flow's way with the same 18 bits in those lines goes too, and
 * refills.) */
static __always_inline void pass_forget(const struct ts_run *r, const struct ts_flow_key *k)
{
	struct ts_pass_probe pp;
	struct ts_pass_line *ln2;

	if (!pass_probe(r->cfg, k, r->now, &pp, false))
		return;
	pass_clear(pp.line, pp.tag & TS_PASS_LINE_FP);
	ln2 = pass_line2(&pp);
	if (ln2)
		pass_clear(ln2, pp.tag & TS_PASS_LINE_FP);
}

#endif /* TS_BPF_PASS_H */
