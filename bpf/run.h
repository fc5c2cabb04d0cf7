/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* run.h - what one run of the programs' core knows besides the packet. */
#ifndef TS_BPF_RUN_H
#define TS_BPF_RUN_H

#include "maps.h"

/* What one run of the core knows besides the packet (struct ts_pkt). On
 * the stack of the full path's global function; the pointers into maps
 * cannot be stored in a map value, so this is not part of ts_pkt. */
struct ts_run {
	const struct ts_config *cfg;
	const struct ts_slot_cfg *sc;
	__u64 now;          /* ts_now(): the coarse clock */
	__u32 slot;
	__u32 len;          /* bytes counted for this packet */
	__u32 ifindex;
	__u8 hook;          /* enum ts_hook */
};

/* bpf_ktime_get_coarse_ns(), read at most once per jiffy on each CPU:
 * bpf_jiffies64() is inlined by the verifier, the clock helper is a call
 * (~13 ns with this host's return thunks). The coarse clock moves only on
 * a tick, so the cached value is at most one tick behind a direct read. */
static __always_inline __u64 ts_now(void)
{
	struct ts_clock *c = bpf_map_lookup_elem(&ts_clock, (void *)&ts_key_zero);
	__u64 j = bpf_jiffies64();

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->jiffies != j) {
		c->now_ns = bpf_ktime_get_coarse_ns();
		c->jiffies = j;
	}
	return c->now_ns;
}

/* The run of a packet: the active slot, its settings, the clock. False
 * when the config cannot be read (the policy default applies). */
static __always_inline bool run_start(struct ts_run *r, __u32 len, __u32 ifindex, __u8 hook)
{
	__u32 zero = 0;

	r->cfg = bpf_map_lookup_elem(&ts_config, &zero);
	if (!r->cfg)
		return false;
	r->slot = r->cfg->active_slot & 1;
	r->sc = bpf_map_lookup_elem(&ts_slot_cfg, &r->slot);
	if (!r->sc)
		return false;
	r->now = ts_now();
	r->len = len;
	r->ifindex = ifindex;
	r->hook = hook;
	return true;
}

#endif /* TS_BPF_RUN_H */
