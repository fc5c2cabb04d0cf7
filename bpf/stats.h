/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* stats.h - per-CPU counters (per rule, per reason) and rate-limited
 * drop/audit events on the ring buffer. */
#ifndef TS_BPF_STATS_H
#define TS_BPF_STATS_H

#include "maps.h"
#include "parse.h"

static __always_inline void count_reason(__u32 reason, __u32 bytes)
{
	struct ts_reason_counter *c = bpf_map_lookup_elem(&ts_reason_stats, &reason);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* Per interface and hook: what became of each packet (an array lookup the
 * verifier inlines: no helper call). hook is TS_HOOK_XDP or TS_HOOK_TC_EGRESS. */
static __always_inline void count_iface(__u32 ifindex, __u8 hook, __u32 bytes, bool drop)
{
	__u32 slot = ifindex < TS_IFACE_SLOTS ? ifindex : 0;
	struct ts_iface_counter *c = bpf_map_lookup_elem(&ts_iface_stats, &slot);
	__u64 *v;

	if (!c)
		return;
	v = &c->in_pass_packets + (hook == TS_HOOK_TC_EGRESS ? 4 : 0) + (drop ? 2 : 0);
	v[0]++;
	v[1] += bytes;
}

/* Per-rule counters; the id is read where it lies (a map value or the
 * stack): the fast path's frame is in the deepest call chain. */
static __always_inline void count_rule_at(const __u32 *rule_id, __u32 bytes, bool opened)
{
	struct ts_rule_counter *c;

	if (!*rule_id)
		return;
	c = bpf_map_lookup_elem(&ts_rule_stats, rule_id);
	if (c) {
		c->packets++;
		c->bytes += bytes;
		c->opened += opened;
	}
}

static __always_inline void count_rule(__u32 rule_id, __u32 bytes, bool opened)
{
	count_rule_at(&rule_id, bytes, opened);
}

/* One-second window per CPU; events_per_sec = 0 turns events off. */
static __always_inline bool event_allowed(__u64 now, __u32 per_sec)
{
	__u32 zero = 0;
	struct ts_ratelimit *rl = bpf_map_lookup_elem(&ts_ratelimit, &zero);

	if (!rl || !per_sec)
		return false;
	if (now - rl->window_start_ns >= 1000000000ull) {
		rl->window_start_ns = now;
		rl->sent = 0;
	}
	if (rl->sent >= per_sec) {
		rl->suppressed++;
		return false;
	}
	rl->sent++;
	return true;
}

static __always_inline void emit_event(const struct ts_pkt *p, __u32 reason, __u8 verdict,
				       __u8 hook, __u32 ifindex)
{
	struct ts_event *e = bpf_ringbuf_reserve(&ts_events, sizeof(*e), 0);

	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(e->saddr, p->saddr, 16);
	__builtin_memcpy(e->daddr, p->daddr, 16);
	e->sport = p->sport;
	e->dport = p->dport;
	e->family = p->family;
	/* an ICMP error's event carries the quoted TCP or UDP tuple, marked by the proto */
	e->proto = !p->icmp_error ? p->proto : p->family == TS_FAMILY_V4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	e->tcp_flags = p->tcp_flags;
	e->verdict = verdict;
	e->reason = reason;
	e->rule_id = p->rule_id;
	e->ifindex = ifindex;
	e->vlan = p->vlan;
	e->hook = hook;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

#endif /* TS_BPF_STATS_H */
