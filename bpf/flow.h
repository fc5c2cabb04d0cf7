/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* flow.h - a packet's flow key (flow_key.h builds it), expiry, the flow
 * tables' insert and settle, and the TCP state updates of a tracked
 * connection. */
#ifndef TS_BPF_FLOW_H
#define TS_BPF_FLOW_H

#include "maps.h"
#include "flow_key.h"
#include "parse.h"
#include "table.h"
#include "run.h"

#define TS_NSEC_PER_SEC 1000000000ull

static __always_inline bool flow_key_make(const struct ts_pkt *p, struct ts_flow_key *k)
{
	return flow_key_build(k, p->family, p->saddr, p->daddr, p->sport, p->dport, p->proto);
}

static __always_inline __u64 flow_timeout_ns(const struct ts_flow_val *v, const struct ts_slot_cfg *sc)
{
	return (__u64)ts_flow_timeout_s(v->state, sc) * TS_NSEC_PER_SEC;
}

/* An expired entry counts as absent; userspace GC removes it later. */
static __always_inline bool flow_expired(const struct ts_flow_val *v, __u64 now,
					 const struct ts_slot_cfg *sc)
{
	return (__s64)(now - v->last_seen_ns) > (__s64)flow_timeout_ns(v, sc);
}

/* The fast path may pass a segment of this live, unexpired entry without
 * SYN, FIN or RST (fast.h): not audit (reported), not closing (may be
 * superseded), not an unreplied datagram flow (a reply changes it). */
static __always_inline bool flow_fast_passes(const struct ts_flow_val *v)
{
	__u8 state = TS_READ_ONCE(v->state);

	return !(TS_READ_ONCE(v->flags) & TS_FLOW_AUDIT) && state != TS_TCP_CLOSING &&
	       state != TS_DGRAM_UNREPLIED;
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

static __always_inline struct ts_flow_slot *flow_slot_at(__u64 *bk, __u32 j)
{
	return (struct ts_flow_slot *)((__u8 *)bk + j * sizeof(struct ts_flow_slot));
}

/* The first occupied slot of a bucket (occ: ts_tags_occupied of it) if it is
 * live; *j and *st get its index and state. What a half-open insert
 * gives up when it has to. */
static __always_inline struct ts_flow_slot *first_live(__u64 *bk, __u64 occ, __u32 *j, __u64 *st)
{
	struct ts_flow_slot *s;

	if (!occ)
		return NULL;
	*j = ts_tags_first(occ);
	s = flow_slot_at(bk, *j);
	*st = ts_slot_state(&s->state);
	return (*st & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE ? s : NULL;
}

/* The first live slot of a bucket whose entry has expired (*j, *st: its
 * index and state), or NULL: what an insert into a full bucket reuses. */
static __always_inline struct ts_flow_slot *first_expired(__u64 *bk, __u64 now, const struct ts_slot_cfg *sc,
							  __u32 *j, __u64 *st)
{
	__u32 jj;

#pragma unroll
	for (jj = 0; jj < TS_BUCKET_SLOTS; jj++) {
		struct ts_flow_slot *c = flow_slot_at(bk, jj);
		__u64 cst = ts_slot_state(&c->state);

		if ((cst & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE && flow_expired(&c->val, now, sc)) {
			*j = jj;
			*st = cst;
			return c;
		}
	}
	return NULL;
}

/* A full half-open table whose two buckets for a key are both empty has
 * nothing of the key's to give up: the first entry of the first occupied
 * bucket among the TS_HALFOPEN_EVICT_REACH after the key's first goes,
 * so the count stays at the capacity. With all of them empty as well,
 * nothing goes and the SYN is refused. */
static __always_inline void evict_near(void *map, const struct ts_config *cfg, enum ts_table t, __u64 h,
				       __u64 *live)
{
	__u32 mask = cfg->bucket_mask[t], bi = ts_table_bucket(h, mask, 0), d, j;
	__u64 *bk, *tg = 0, tags = 0, st;
	struct ts_flow_slot *s;

#pragma unroll
	for (d = 0; d < TS_HALFOPEN_EVICT_REACH; d++) {
		bi = (bi + 1) & mask;
		tg = bucket_tags(cfg, t, bi);
		if (!tg)
			return;
		tags = ts_load_acquire(tg);
		if (tags)
			break;
	}
	bk = bpf_map_lookup_elem(map, &bi);
	if (!bk || !tags)
		return;
	s = first_live(bk, ts_tags_occupied(tags), &j, &st);
	if (s)
		ts_slot_remove(tg, &s->state, j, st, live);
}

/* The live entries table t's capacity bounds: the two established-flow
 * tables' together (turnstile.h). */
static __always_inline __u64 table_used(const struct ts_table_fill *fill, enum ts_table t)
{
	__u32 other = ts_table_partner(t);

	return TS_READ_ONCE(fill->live[t]) + (other < TS_TBL_COUNT ? TS_READ_ONCE(fill->live[other]) : 0);
}

/* Slot j of bucket bi of table t in the order a settle keeps (p->settle_pos). */
static __always_inline __u32 slot_pos(const struct ts_config *cfg, enum ts_table t, __u32 bi, __u32 j)
{
	return ts_table_first_pos(t, cfg->bucket_mask[TS_TBL_FLOWS_SMALL]) + bi * TS_BUCKET_SLOTS + j;
}

/* Position pos (slot_pos) as bucket * TS_BUCKET_SLOTS + slot of table t.
 * A position in the other flow table names no bucket of t: it lies past
 * the small table's buckets, or wraps below ts_flows' first slot. */
static __always_inline __u32 pos_in_table(const struct ts_config *cfg, enum ts_table t, __u32 pos)
{
	return pos - ts_table_first_pos(t, cfg->bucket_mask[TS_TBL_FLOWS_SMALL]);
}

/* The copy of the packet's key it published in table t, slot j of bucket
 * bi, as generation gen: for the settle that follows (ts_flow_settle). */
static __always_inline void settle_note(struct ts_pkt *p, const struct ts_config *cfg, enum ts_table t,
					__u32 bi, __u32 j, __u64 gen)
{
	p->settle = t + 1;
	p->settle_pos = slot_pos(cfg, t, bi, j);
	p->settle_gen = gen;
}

/* The slot an insert lost to another CPU (flow_insert_into's -EAGAIN),
 * for its second try to leave out; no settle follows. */
static __always_inline long insert_lost(struct ts_pkt *p, const struct ts_config *cfg, enum ts_table t,
					__u32 bi, __u32 j)
{
	p->settle = 0;
	p->settle_pos = slot_pos(cfg, t, bi, j);
	return -EAGAIN;
}

/*
 * Insert k -> v into a flow table (ts_flows_small, ts_flows or
 * ts_halfopen: `map`, table `t`); the caller has just not found k. 0;
 * -ENOSPC: the table is at its capacity (table_used) or neither bucket has
 * room (a free slot, fewer than TS_TAG_DUPS slots of this tag), and no
 * entry there has expired; -EAGAIN: another CPU took the chosen slot, or
 * published the tag, at the same instant (flow_insert tries once more,
 * `again`; lost again, the insert fails closed: a retransmission repairs
 * it). With `evict` (half-open) an entry of the key's
 * buckets is replaced instead (of a bucket near, when the key's are both
 * empty: evict_near): a SYN flood churns half-open state, never established flows. A
 * new entry takes its home slot when that is free, else goes to the
 * emptier bucket's first free slot; `again`, not the slot the first try
 * lost (insert_lost): another CPU took it a moment ago, and it looks free
 * in the tags until that CPU publishes. Its slot comes from the tags, so
 * the verifier walks the rest once, not once per slot.
 */
static __always_inline long flow_insert_into(void *map, enum ts_table t, bool evict, bool again,
					     const struct ts_config *cfg, const struct ts_slot_cfg *sc,
					     __u64 now, struct ts_pkt *p, const struct ts_flow_val *v)
{
	const struct ts_flow_key *k = &p->key;
	__u64 h = p->key_hash;
	__u32 mask = cfg->bucket_mask[t], zero = 0, bi0, bi1, j = 0, sb = 0;
	struct ts_table_fill *fill = bpf_map_lookup_elem(&ts_table_fill, &zero);
	__u64 *bk, *tg, st = 0, tags0, tags1, free0, free1, gen;
	__u8 byte = TS_TAG_BYTE(h);
	struct ts_flow_slot *s = 0;
	bool grow = false, room0, room1;

	if (!fill)
		return -ENOSPC;
	bi0 = ts_table_bucket(h, mask, 0);
	bi1 = ts_table_bucket(h, mask, 1);
	tg = bucket_tags(cfg, t, bi0);
	if (!tg)
		return -ENOSPC;
	tags0 = ts_load_acquire(tg);
	tg = bucket_tags(cfg, t, bi1);
	if (!tg)
		return -ENOSPC;
	tags1 = ts_load_acquire(tg);
	if (evict && !tags0 && !tags1 && table_used(fill, t) >= cfg->capacity[t])
		evict_near(map, cfg, t, h, &fill->live[t]);
	room0 = ts_tags_room_for(tags0, byte);
	room1 = ts_tags_room_for(tags1, byte);
	free0 = ts_tags_free_for(tags0, byte);
	free1 = ts_tags_free_for(tags1, byte);
	if (again) {
		/* the slot the first try lost (insert_lost) looks free until
		 * its winner publishes: not that one */
		__u32 lost = pos_in_table(cfg, t, p->settle_pos);

		if (lost / TS_BUCKET_SLOTS == bi0)
			free0 &= ~ts_tag_bits(lost % TS_BUCKET_SLOTS);
		if (lost / TS_BUCKET_SLOTS == bi1)
			free1 &= ~ts_tag_bits(lost % TS_BUCKET_SLOTS);
	}
	if ((free0 | free1) && table_used(fill, t) < cfg->capacity[t]) {
		__u32 home = ts_home_slot(h);
		bool home_free = free0 & TS_BYTES_80 & ts_tag_bits(home);

		/* the key's home slot when free (a find reads it first), else
		 * the emptier bucket's first free slot */
		sb = !home_free && ts_tags_count(free1) > ts_tags_count(free0);
		j = home_free ? home : ts_tags_first(sb ? free1 : free0);
		grow = true;
	} else {
		/* reuse an expired entry of a bucket with room for the tag */
		if (room0 && (bk = bpf_map_lookup_elem(map, &bi0)))
			s = first_expired(bk, now, sc, &j, &st);
		if (!s && room1 && (bk = bpf_map_lookup_elem(map, &bi1))) {
			s = first_expired(bk, now, sc, &j, &st);
			sb = 1;
		}
		if (!s && evict) {
			/* half-open: the first occupied slot of a bucket with room
			 * for the tag, or in one without, of a slot carrying the
			 * tag (its replacement keeps the bucket within
			 * TS_TAG_DUPS): an empty bucket beside one without room
			 * must not refuse the SYN */
			__u64 occ0 = room0 ? ts_tags_occupied(tags0) : ts_tags_match(tags0, byte);
			__u64 occ1 = room1 ? ts_tags_occupied(tags1) : ts_tags_match(tags1, byte);

			sb = !occ0;
			bk = bpf_map_lookup_elem(map, sb ? &bi1 : &bi0);
			if (bk)
				s = first_live(bk, occ0 ? occ0 : occ1, &j, &st);
		}
		if (!s)
			return -ENOSPC;
	}
	/* the chosen slot: bucket sb's j-th, and its tags word (found again
	 * from the indices: fewer pointers kept, so the stack of the call
	 * chain stays within its 512 bytes) */
	bk = bpf_map_lookup_elem(map, sb ? &bi1 : &bi0);
	tg = bucket_tags(cfg, t, sb ? bi1 : bi0);
	if (!bk || !tg)
		return -ENOSPC;
	s = flow_slot_at(bk, j);
	if (grow) {
		st = ts_slot_state(&s->state);
		if ((st & TS_SLOT_KIND_MASK) != TS_SLOT_EMPTY)
			goto lost;      /* another CPU took it this instant */
	}
	gen = ts_slot_next_gen(st);
	if (!ts_slot_claim(tg, &s->state, j, st, gen))
		goto lost;      /* another CPU took it this instant */
	s->key = *k;
	s->val = *v;
	if (!ts_slot_publish(tg, &s->state, j, h, gen, &fill->live[t], !grow))
		goto lost;      /* another CPU published this tag meanwhile */
	settle_note(p, cfg, t, sb ? bi1 : bi0, j, gen);
	return 0;
lost:
	return insert_lost(p, cfg, t, sb ? bi1 : bi0, j);
}

/* Bucket *bi (the lookup key) of table t, one of the buckets of the key
 * published at position p->settle_pos (ts_bucket_settle): true if that
 * copy must go. */
static __always_inline bool settle_bucket(void *map, const struct ts_config *cfg, enum ts_table t,
					  const __u32 *bi, const struct ts_pkt *p, __u64 *live)
{
	__u8 *bk = bpf_map_lookup_elem(map, bi);
	__u64 *tg = bucket_tags(cfg, t, *bi);
	__u32 first = slot_pos(cfg, t, *bi, 0);

	return bk && tg && ts_bucket_settle(bk, tg, first, sizeof(struct ts_flow_slot), p->key_hash,
					    (const __u64 *)&p->key, sizeof(p->key) / 8, p->settle_pos, live);
}

/* The key's two buckets of table t settled against the packet's copy:
 * true if that copy must go. */
static __always_inline bool settle_table(void *map, enum ts_table t, const struct ts_config *cfg,
					 struct ts_table_fill *fill, const struct ts_pkt *p)
{
	__u32 b0 = ts_table_bucket(p->key_hash, cfg->bucket_mask[t], 0);
	__u32 b1 = ts_table_bucket(p->key_hash, cfg->bucket_mask[t], 1);

	return settle_bucket(map, cfg, t, &b0, p, &fill->live[t]) ||
	       settle_bucket(map, cfg, t, &b1, p, &fill->live[t]);
}

/* The packet's copy, in table t, gives way to another. */
static __always_inline void settle_remove(void *map, enum ts_table t, const struct ts_config *cfg,
					  struct ts_table_fill *fill, const struct ts_pkt *p)
{
	__u32 at = pos_in_table(cfg, t, p->settle_pos);
	__u32 bi = at / TS_BUCKET_SLOTS, j = at % TS_BUCKET_SLOTS;
	__u8 *bk = bpf_map_lookup_elem(map, &bi);
	__u64 *tg = bucket_tags(cfg, t, bi);

	if (bk && tg)
		ts_slot_remove(tg, (__u64 *)(bk + j * sizeof(struct ts_flow_slot)), j,
			       ts_slot_live(p->key_hash, p->settle_gen), &fill->live[t]);
}

/* A global function, verified once: the settle of a packet's insert
 * (flow_insert_into), right after it: if another CPU published the same
 * key at the same instant, one copy stays (invariant 6 of ts_table.h); of
 * an established flow, over both its tables, the small one's copy first
 * (ts_flows is looked at only while it holds an entry: invariant 6 says
 * why that is enough). Between the publish and this, a find may meet
 * either copy: nanoseconds, the programs run without preemption. */
__noinline int ts_flow_settle(const struct ts_pkt *p)
{
	__u32 zero = 0;
	const struct ts_config *cfg = bpf_map_lookup_elem(&ts_config, &zero);
	struct ts_table_fill *fill = bpf_map_lookup_elem(&ts_table_fill, &zero);

	if (!p || !cfg || !fill)
		return 0;
	if (p->settle == TS_TBL_HALFOPEN + 1) {
		if (settle_table(&ts_halfopen, TS_TBL_HALFOPEN, cfg, fill, p))
			settle_remove(&ts_halfopen, TS_TBL_HALFOPEN, cfg, fill, p);
		return 0;
	}
	if (p->settle != TS_TBL_FLOWS_SMALL + 1 && p->settle != TS_TBL_FLOWS + 1)
		return 0;
	if (!settle_table(&ts_flows_small, TS_TBL_FLOWS_SMALL, cfg, fill, p) &&
	    !(flows_spilled(fill) && settle_table(&ts_flows, TS_TBL_FLOWS, cfg, fill, p)))
		return 0;
	if (p->settle == TS_TBL_FLOWS_SMALL + 1)
		settle_remove(&ts_flows_small, TS_TBL_FLOWS_SMALL, cfg, fill, p);
	else
		settle_remove(&ts_flows, TS_TBL_FLOWS, cfg, fill, p);
	return 0;
}

/* A global function: the SYN path pays a call, the program holds one
 * copy, verified once (not once per call site and state). The run's map
 * pointers cannot be passed into one: it looks them up again for the
 * run's slot. Into ts_halfopen if `half`, else an established flow: into
 * the small table when the key's buckets there have room (or an expired
 * entry), else into ts_flows; a race lost in the small table fails
 * closed, as in one table, rather than put the flow behind it for good.
 * The key is the packet's (p->key, p->key_hash); a packet inserts once. */
__noinline int ts_flow_put(struct ts_pkt *p, const struct ts_flow_val *v, __u32 slot, __u32 half, __u32 again)
{
	__u32 zero = 0;
	const struct ts_config *cfg = bpf_map_lookup_elem(&ts_config, &zero);
	const struct ts_slot_cfg *sc = bpf_map_lookup_elem(&ts_slot_cfg, &slot);
	__u64 now = ts_now();
	long err;

	if (!p || !v || !cfg || !sc)
		return -ENOSPC;
	if (half)
		return flow_insert_into(&ts_halfopen, TS_TBL_HALFOPEN, true, again, cfg, sc, now, p, v);
	err = flow_insert_into(&ts_flows_small, TS_TBL_FLOWS_SMALL, false, again, cfg, sc, now, p, v);
	if (err != -ENOSPC)
		return err;
	return flow_insert_into(&ts_flows, TS_TBL_FLOWS, false, again, cfg, sc, now, p, v);
}

/* Insert the packet's flow (ts_flow_put), then settle it: the settle is
 * called from the caller's frame, not the insert's, so the call chain's
 * stack stays within its 512 bytes. An insert that lost its slot (or its
 * tag) to another CPU at the same instant is tried once more, on the
 * buckets as they are then, in any free slot but the one it lost (see
 * flow_insert_into): another flow taking the same free slot is no reason
 * to refuse this one. Two CPUs inserting different
 * flows into one bucket did lose a few frames in a million on live
 * traffic (bench-live's whole connections on two CPUs, 2026-12-05); a
 * second loss in a row needs another writer to take the second slot too,
 * in the same instant. */
static __always_inline long flow_insert(const struct ts_run *r, struct ts_pkt *p, const struct ts_flow_val *v,
					bool half)
{
	long err = ts_flow_put(p, v, r->slot, half, false);

	if (err == -EAGAIN)
		err = ts_flow_put(p, v, r->slot, half, true);
	if (!err)
		ts_flow_settle(p);
	return err;
}

/* Replace the half-open entry a find landed on (hit) by the packet's new
 * attempt v of the same key, in its slot, then settle it (as
 * flow_insert): two locked operations (the claim, the publish), where a
 * removal and an insert take seven (theirs, the tag's and the count's:
 * most of a new attempt's time but the judgement and the slot's read,
 * docs/bench.md). -EAGAIN: the slot changed since the find. */
static __always_inline long flow_replace(const struct ts_run *r, struct ts_pkt *p, const struct ts_flow_val *v,
					 const struct ts_hit *hit)
{
	struct ts_flow_slot *s = (struct ts_flow_slot *)hit->slot;
	__u64 gen;

	if (hit->table != TS_TBL_HALFOPEN || !ts_slot_claim_same(&s->state, hit->st, &gen))
		return -EAGAIN;
	s->val = *v;
	ts_slot_republish(&s->state, p->key_hash, gen);
	settle_note(p, r->cfg, TS_TBL_HALFOPEN, hit->bi, hit->j, gen);
	ts_flow_settle(p);
	return 0;
}

/* Remove an entry a find landed on (its table in hit->table). */
static __always_inline void flow_remove(const struct ts_hit *hit)
{
	__u32 zero = 0;
	struct ts_table_fill *fill = bpf_map_lookup_elem(&ts_table_fill, &zero);

	if (fill && hit->table < TS_TBL_COUNT)
		table_remove(hit, &fill->live[hit->table]);
}

#endif /* TS_BPF_FLOW_H */
