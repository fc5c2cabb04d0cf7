/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dpt.h - dataplane test harness: an unpinned ts_dp filled by the
 * product's compiler and installer, packets run through the real programs
 * with BPF_PROG_TEST_RUN. */
#ifndef TS_TEST_DPT_H
#define TS_TEST_DPT_H

#include "dp/dp.h"
#include "pkt.h"

struct dpt_host {
	struct ts_net net;
	uint32_t set_id;
};

struct dpt {
	struct ts_dp *dp;
	struct ts_registry *reg;  /* last installed policy and what names added */
	const struct ts_compiled *c; /* reg->policy */
	struct dpt_host *hosts;   /* resolved so far (for the reference evaluator) */
	size_t nhosts;
	/* if set, every timeout of an installed policy is raised to this, so
	 * long tests (the differential one) never see an entry expire */
	uint32_t min_timeout_s;
	/* if set, added to each compiled policy as the loader's --resolver does */
	const char *resolvers;
};

/* caps of 0 = defaults */
int dpt_open(struct dpt *t, uint32_t cap_flows, uint32_t cap_halfopen);
void dpt_close(struct dpt *t);
/* Remove the pin of every map of a pin directory but `keep` (TS_MAP_COUNT:
 * none), then the directory itself when that leaves it empty. */
void dpt_unpin(const char *dir, int keep);

/* Compile policy text with the product's compiler (ts_policy_build) and
 * install it with ts_dp_install. Prints the compiler's findings on error. */
int dpt_install_text(struct dpt *t, const char *text);
int dpt_install_file(struct dpt *t, const char *path);

/* Resolve a name as the resolver would: `addr` now belongs to `comp`
 * (set from the runtime registry, new rule entries, host entry). */
int dpt_resolve(struct dpt *t, const char *comp, const char *addr);
/* Addresses of the seed world (docs/DESIGN.md) for the seed's names. */
int dpt_resolve_seed_names(struct dpt *t);
int dpt_note_host(struct dpt *t, const struct ts_net *n, uint32_t set_id);

/* The flow key of protocol proto between a (port aport) and b (bport),
 * as the programs build it: the lower address, then port, is "lo". */
struct ts_flow_key dpt_flow_key(uint8_t proto, const char *a, uint16_t aport, const char *b, uint16_t bport);

/* Run one frame; returns 0 and *drop, or -errno. */
int dpt_run(struct dpt *t, enum ts_hook hook, const struct pkt *p, bool *drop);
/* Run and say which reason counter moved (exactly one must); -errno on error. */
int dpt_reason(struct dpt *t, enum ts_hook hook, const struct pkt *p);

/* Frame of a TCP segment between two literal addresses. */
void dpt_tcp(struct pkt *p, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	     uint8_t flags, int nvlan);

#endif /* TS_TEST_DPT_H */
