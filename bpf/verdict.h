/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* verdict.h - the end of a packet's run: the scope default, audit mode,
 * the counters and the rate-limited event. */
#ifndef TS_BPF_VERDICT_H
#define TS_BPF_VERDICT_H

#include "maps.h"
#include "parse.h"
#include "run.h"
#include "stats.h"

/* The event of a drop or audit pass, in a global function: only the
 * packets the rate limit lets through pay for the call. */
__noinline int ts_send_event(struct ts_pkt *p, __u32 reason, __u32 verdict, __u32 hook,
			     __u32 ifindex)
{
	if (p)
		emit_event(p, reason, verdict, hook, ifindex);
	return 0;
}

/* The scope default made the slot's pass or drop. */
static __always_inline __u32 settle_scope(const struct ts_slot_cfg *sc, __u32 reason)
{
	if (reason != TS_R_SCOPE_DEFAULT)
		return reason;
	return (sc->flags & TS_CFG_SCOPE_DROP) ? TS_R_DROP_OUT_OF_SCOPE : TS_R_PASS_OUT_OF_SCOPE;
}

/* The counter a settled reason goes to: in audit mode a drop is passed. */
static __always_inline __u32 counted_reason(const struct ts_slot_cfg *sc, __u32 reason)
{
	return reason >= TS_R_DROP_NO_RULE && (sc->flags & TS_CFG_AUDIT) ? TS_R_PASS_AUDIT : reason;
}

/* Count the final reason; drops become audit passes in audit mode; both
 * are reported on the ring buffer within the rate limit. Inline, with no
 * call unless an event is sent (calls and returns cost most here). Returns
 * true to drop. */
static __always_inline bool ts_end(const struct ts_run *r, struct ts_pkt *p, __u32 reason)
{
	const struct ts_slot_cfg *sc;
	__u32 slot;
	bool audit;

	if (reason == TS_R_PASS_ESTABLISHED) {
		count_reason(reason, r->len);
		return false;
	}
	/* looked up again rather than read from r->sc: the pointer kept
	 * through the L4 stage costs the XDP program's verification ~27k
	 * more instructions (2026-12-02) */
	slot = r->slot & 1;
	sc = bpf_map_lookup_elem(&ts_slot_cfg, &slot);
	if (!sc)
		return false;
	audit = sc->flags & TS_CFG_AUDIT;
	reason = settle_scope(sc, reason);
	if (reason < TS_R_DROP_NO_RULE) {
		count_reason(reason, r->len);
		return false;
	}
	count_reason(counted_reason(sc, reason), r->len);
	if (event_allowed(r->now, sc->events_per_sec))
		ts_send_event(p, reason, audit ? TS_VERDICT_AUDIT : TS_VERDICT_DROP, r->hook, r->ifindex);
	return !audit;
}

#endif /* TS_BPF_VERDICT_H */
