/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* policy.h - the compiled policy of one slot: port -> class, address ->
 * component set (exact hash first, LPM only for real CIDRs), and the rule
 * table (src set, dst set, class) -> rule id. Used only on opening packets. */
#ifndef TS_BPF_POLICY_H
#define TS_BPF_POLICY_H

#include "maps.h"
#include "parse.h"

static __always_inline __u32 port_class(__u32 slot, __be16 port)
{
	__u32 key = (slot & 1) * TS_PORTS_PER_SLOT + bpf_ntohs(port);
	struct ts_port_val *v = bpf_map_lookup_elem(&ts_ports, &key);

	return v ? v->port_class : 0;
}

static __always_inline void addr_key(struct ts_addr_key *k, __u32 slot, __u8 family,
				     const __u32 addr[4])
{
	k->prefixlen = TS_ADDR_HDR_BITS + (family == TS_FAMILY_V4 ? 32 : 128);
	k->slot = slot;
	k->family = family;
	k->pad[0] = k->pad[1] = 0;
	__builtin_memcpy(k->addr, addr, 16);
}

/* Exact entry of an address in ts_hosts, or NULL. */
static __always_inline struct ts_addr_val *host_lookup(__u32 slot, __u8 family, const __u32 addr[4])
{
	struct ts_addr_key k;

	addr_key(&k, slot, family, addr);
	return bpf_map_lookup_elem(&ts_hosts, &k);
}

/* Component set of an address: exact host entry, else longest prefix. */
static __always_inline __u32 addr_set(__u32 slot, __u8 family, const __u32 addr[4])
{
	struct ts_addr_val *v;
	struct ts_addr_key k;

	addr_key(&k, slot, family, addr);
	v = bpf_map_lookup_elem(&ts_hosts, &k);
	if (!v)
		v = bpf_map_lookup_elem(&ts_prefixes, &k);
	return v ? v->set_id : 0;
}

/* Sets of both ends of a TCP segment; the destination first: no rule
 * names set 0, so an unknown destination needs no source lookup. */
static __always_inline void pair_sets(__u32 slot, const struct ts_pkt *p, __u32 *src, __u32 *dst)
{
	*dst = addr_set(slot, p->family, p->daddr);
	*src = *dst ? addr_set(slot, p->family, p->saddr) : 0;
}

/* Rule that lets set `src` open connections to set `dst` in `class`; 0 = none. */
static __always_inline __u32 rule_lookup(__u32 slot, __u32 src, __u32 dst, __u32 class)
{
	struct ts_rule_key k = {
		.slot = slot,
		.src_set = src,
		.dst_set = dst,
		.port_class = class,
	};
	struct ts_rule_val *v;

	if (!src || !dst || !class)
		return 0;
	v = bpf_map_lookup_elem(&ts_rules, &k);
	return v ? v->rule_id : 0;
}

static __always_inline bool is_resolver(__u32 slot, __u8 family, const __u32 addr[4])
{
	struct ts_addr_val *v = host_lookup(slot, family, addr);

	return v && (v->flags & TS_ADDR_RESOLVER);
}

#endif /* TS_BPF_POLICY_H */
