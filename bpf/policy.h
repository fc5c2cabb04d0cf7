/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* policy.h - the compiled policy of one slot: port -> class, address ->
 * component set (exact host entry first, then each prefix length the slot
 * uses, longest first), and the rule table (src set, dst set, class) ->
 * rule id. Used only on opening packets. */
#ifndef TS_BPF_POLICY_H
#define TS_BPF_POLICY_H

#include "maps.h"
#include "parse.h"
#include "run.h"
#include "table.h"

/* The class of port index `ix` (ts_port_index: protocol plane and port). */
static __always_inline __u32 plane_class(__u32 slot, __u32 ix)
{
	__u32 key = (slot & 1) * TS_PORTS_PER_SLOT + (ix < TS_PORTS_PER_SLOT ? ix : 0);
	struct ts_port_val *v = bpf_map_lookup_elem(&ts_ports, &key);

	return v ? v->port_class : 0;
}

/* The class of a TCP port. */
static __always_inline __u32 port_class(__u32 slot, __be16 port)
{
	return plane_class(slot, ts_port_index(TS_PLANE_TCP, bpf_ntohs(port)));
}

/* A ts_addr_val as one word (set id low, flags high), read in one load:
 * userspace rewrites the value with one 8-byte store, and a set id read
 * apart from its flags could pair a new set with old filter bits. */
static __always_inline __u64 ts_addr_val_word(const struct ts_addr_val *v)
{
	_Static_assert(sizeof(*v) == 8, "ts_addr_val: one word");
	return TS_READ_ONCE(*(const __u64 *)v);
}

/* The address words of a key, as a type a global function can take. */
struct ts_addr_words {
	__u32 w[4];
};

/* The address words of a key (ts_addr_key.addr as two host-order
 * words) of `addr` cut to `plen` bits. */
static __always_inline void addr_cut(__u8 family, const struct ts_addr_words *addr, __u32 plen,
				     __u64 *w1, __u64 *w2)
{
	__u32 a[4];
	int i;

	if (family == TS_FAMILY_V4) {   /* words 1-3 are zero */
		__u32 m = plen >= 32 ? 0xffffffffu : plen ? ~(0xffffffffu >> plen) : 0;

		*w1 = addr->w[0] & bpf_htonl(m);
		*w2 = 0;
		return;
	}
#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 before = 32 * i;   /* address bits in the words before word i */
		__u32 m = plen >= before + 32 ? 0xffffffffu
			: plen <= before ? 0 : ~(0xffffffffu >> (plen - before));

		a[i] = addr->w[i] & bpf_htonl(m);
	}
	*w1 = (__u64)a[0] | (__u64)a[1] << 32;
	*w2 = (__u64)a[2] | (__u64)a[3] << 32;
}

/* Key of `addr` cut to `plen` bits (the rest zeroed). */
static __always_inline void addr_key(struct ts_addr_key *k, __u32 slot, __u8 family,
				     const struct ts_addr_words *addr, __u32 plen)
{
	__u64 *w = (__u64 *)k;

	/* whole 8-byte words (prefixlen, slot, family, pad; then the address),
	 * as the hash and the compare read them: fewer stores, and each load
	 * is forwarded from one store */
	w[0] = (__u64)(TS_ADDR_HDR_BITS + plen) | (__u64)(slot & 0xff) << 32 | (__u64)family << 40;
	addr_cut(family, addr, plen, &w[1], &w[2]);
}

static __always_inline struct ts_addr_slot *addr_find(void *map, const struct ts_config *cfg,
						      enum ts_table t, const struct ts_addr_key *k)
{
	return (struct ts_addr_slot *)table_find(map, cfg, t, (const __u64 *)k, sizeof(*k) / 8,
						 ts_hash((const __u64 *)k, sizeof(*k) / 8, cfg->hash_seed),
						 sizeof(struct ts_addr_slot), NULL);
}

/* Exact entry of an address in ts_hosts, or NULL. */
static __always_inline struct ts_addr_slot *host_lookup(const struct ts_run *r, __u8 family,
							const __u32 addr[4])
{
	struct ts_addr_key k;

	/* a constant length per family: the masks fold away */
	if (family == TS_FAMILY_V4)
		addr_key(&k, r->slot, family, (const struct ts_addr_words *)addr, 32);
	else
		addr_key(&k, r->slot, family, (const struct ts_addr_words *)addr, 128);
	return addr_find(&ts_hosts, r->cfg, TS_TBL_HOSTS, &k);
}

/* The entry of addr cut to the slot's i-th prefix length (of n), or NULL. */
static __always_inline struct ts_addr_slot *prefix_probe_at(const struct ts_config *cfg,
							    const struct ts_slot_cfg *sc, __u32 slot,
							    __u32 family, const struct ts_addr_words *addr,
							    __u32 i)
{
	struct ts_addr_key k;
	__u32 plen;

	if (family == TS_FAMILY_V4)
		plen = i < TS_V4_LENS ? sc->prefix_lens_v4[i] : 0;
	else
		plen = i < TS_V6_LENS ? sc->prefix_lens_v6[i] : 0;
	addr_key(&k, slot, family, addr, plen);
	return addr_find(&ts_prefixes, cfg, TS_TBL_PREFIXES, &k);
}

/* Lengths probed inline before the loop: most policies use one or two. */
#define TS_PREFIX_LENS_INLINE 2

/* Small: this frame is in the deepest call chain (512 bytes of stack). */
struct ts_prefix_walk {
	const struct ts_addr_words *addr;
	__u32 slot;
	__u32 family;
	__u64 val;      /* out: ts_addr_val_word() of the hit */
};

/* Probe the walk's (TS_PREFIX_LENS_INLINE + i)-th length: 1 (stop) on a hit. */
static long prefix_probe(__u64 i, struct ts_prefix_walk *w)
{
	const struct ts_config *cfg = bpf_map_lookup_elem(&ts_config, (void *)&ts_key_zero);
	const struct ts_slot_cfg *sc = bpf_map_lookup_elem(&ts_slot_cfg, &w->slot);
	struct ts_addr_slot *s;

	if (!sc || !cfg || !w->addr || i >= TS_V6_LENS)
		return 1;
	s = prefix_probe_at(cfg, sc, w->slot, w->family, w->addr, TS_PREFIX_LENS_INLINE + i);
	if (!s)
		return 0;
	w->val = ts_addr_val_word(&s->val);
	return 1;
}

/*
 * The lengths after the inline ones. A global function, verified once;
 * bpf_loop keeps the verifier's walk at one probe, whatever the number of
 * lengths (a call per length: rare policies pay it).
 */
__noinline __u64 ts_prefix_set_rest(__u32 n, __u32 slot, __u32 family, const struct ts_addr_words *addr)
{
	struct ts_prefix_walk w = { .addr = addr, .slot = slot, .family = family };

	if (!addr)
		return 0;
	if (n > TS_PREFIX_LENS_INLINE)
		bpf_loop(n - TS_PREFIX_LENS_INLINE, prefix_probe, &w, 0);
	return w.val;
}

/* Longest prefix of the slot holding `addr`: one exact probe per prefix
 * length the slot uses (ts_slot_cfg.prefix_lens_*), longest first. */
static __always_inline __u64 prefix_val(const struct ts_run *r, __u8 family, const __u32 addr[4])
{
	const struct ts_addr_words *a = (const struct ts_addr_words *)addr;
	__u32 n = family == TS_FAMILY_V4 ? r->sc->n_prefix_lens_v4 : r->sc->n_prefix_lens_v6;
	struct ts_addr_slot *s;
	__u32 i;

#pragma unroll
	for (i = 0; i < TS_PREFIX_LENS_INLINE; i++) {
		if (i >= n)
			return 0;
		s = prefix_probe_at(r->cfg, r->sc, r->slot, family, a, i);
		if (s)
			return ts_addr_val_word(&s->val);
	}
	/* no call when the slot uses no more lengths (most policies) */
	return n > TS_PREFIX_LENS_INLINE ? ts_prefix_set_rest(n, r->slot, family, a) : 0;
}

/* May the slot's tables hold an entry for addr? False: none does (the
 * address summary, include/turnstile.h), and no probe is needed. */
static __always_inline bool addr_summary_may_hold(const struct ts_run *r, __u8 family,
						  const struct ts_addr_words *a)
{
	__u32 i, plen = ts_summary_len(r->sc, family);
	__u64 w1, w2, h, *w;

	if (!plen)   /* a /0 entry: every address has one */
		return true;
	addr_cut(family, a, plen, &w1, &w2);
	h = ts_summary_hash(w1, w2, r->cfg->hash_seed);
	i = ts_summary_index(r->cfg->summary_base, r->cfg->summary_mask, r->slot, h);
	w = bpf_map_lookup_elem(&ts_tags, &i);
	return w && (TS_READ_ONCE(*w) & ts_summary_bit(h));
}

/* An address's entry (ts_addr_val_word): exact host entry, else longest
 * prefix; 0 = in no component. */
static __always_inline __u64 addr_val(const struct ts_run *r, __u8 family, const __u32 addr[4])
{
	struct ts_addr_slot *s;

	if (!addr_summary_may_hold(r, family, (const struct ts_addr_words *)addr))
		return 0;
	s = host_lookup(r, family, addr);
	if (s)
		return ts_addr_val_word(&s->val);
	return prefix_val(r, family, addr);
}

/* Sets of both ends of a packet without flow; the source first: no rule
 * names set 0, so a source in no component needs no destination lookup.
 * What is refused in bulk is a flood from unlisted (often forged) sources
 * toward listed servers: it costs the source's probes alone, where the
 * destination first cost the destination's hit on top (about 10 of a
 * refused SYN's 75 ns, 2026-12-03). A listed source toward an unlisted
 * destination pays for both lookups instead. With `fwd_only` (only the
 * sender may be the initiator), returns the destination entry's "no
 * inbound" filter (TS_ADDR_NO_INBOUND bits); a destination no rule leads
 * to (every bit set) gets no set. */
static __always_inline __u32 pair_sets(const struct ts_run *r, const struct ts_pkt *p, bool fwd_only,
				       __u32 *src, __u32 *dst)
{
	__u64 s = addr_val(r, p->family, p->saddr), d = (__u32)s ? addr_val(r, p->family, p->daddr) : 0;
	__u32 no_in = fwd_only ? (__u32)(d >> 32) & TS_ADDR_NO_INBOUND : 0;

	*dst = no_in == TS_ADDR_NO_INBOUND ? 0 : (__u32)d;
	*src = *dst ? (__u32)s : 0;
	return no_in;
}

/* Rule that lets set `src` open connections to set `dst` in `class`; 0 = none. */
static __always_inline __u32 rule_lookup(const struct ts_run *r, __u32 src, __u32 dst, __u32 class)
{
	struct ts_rule_key k;
	struct ts_rule_slot *s;

	if (!src || !dst || !class)
		return 0;
	/* whole words, as in addr_key */
	((__u64 *)&k)[0] = (__u64)(r->slot & 0xff) | (__u64)src << 32;
	((__u64 *)&k)[1] = (__u64)dst | (__u64)class << 32;
	s = (struct ts_rule_slot *)table_find(&ts_rules, r->cfg, TS_TBL_RULES,
					      (const __u64 *)&k, sizeof(k) / 8,
					      ts_hash((const __u64 *)&k, sizeof(k) / 8, r->cfg->hash_seed),
					      sizeof(struct ts_rule_slot), NULL);
	return s ? s->val.rule_id : 0;
}

static __always_inline bool is_resolver(const struct ts_run *r, __u8 family, const __u32 addr[4])
{
	struct ts_addr_slot *s = host_lookup(r, family, addr);

	return s && (s->val.flags & TS_ADDR_RESOLVER);
}

/* The rule for a packet without flow: `dclass` judges the sender as the
 * initiator; a nonzero `sclass` (loose pickup) also tries the other
 * orientation, which sets *reversed. One site for both uses: every
 * inlined copy of the address lookups is walked again by the verifier. */
static __always_inline __u32 policy_rule(const struct ts_run *r, const struct ts_pkt *p,
					 __u32 dclass, __u32 sclass, bool *reversed)
{
	__u32 src, dst, rule, no_in;

	no_in = pair_sets(r, p, !sclass, &src, &dst);
	/* the filter's bit set: no such rule entry, none to look up */
	rule = (no_in & ts_inbound_bit(src, dclass)) ? 0 : rule_lookup(r, src, dst, dclass);
	*reversed = false;
	if (!rule && sclass) {
		rule = rule_lookup(r, dst, src, sclass);
		*reversed = true;
	}
	return rule;
}

#endif /* TS_BPF_POLICY_H */
