/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lookup.h - what `explain` reports: the verdict, reason and rule the
 * dataplane's own judging program (dp/judge.h) gives a SYN on the
 * installed maps, so it is the one a real SYN gets when no flow exists
 * for it; and each address's entry (exact host entry, else longest
 * prefix) in the judged slot, looked up whatever the port.
 */
#ifndef TS_LOOKUP_H
#define TS_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/compiled.h"
#include "turnstile.h"
#include "dp/judge.h"

struct ts_dp;

struct ts_addr_lookup {
	uint32_t set_id;     /* 0 = no component */
	uint32_t flags;      /* enum ts_addr_flags */
	bool exact;          /* found in ts_hosts (else ts_prefixes or nowhere) */
	uint32_t plen;       /* matched prefix length (address bits) */
};

struct ts_syn_verdict {
	uint32_t slot;
	uint64_t generation;
	uint32_t port_class;          /* 0 = outside the scope */
	struct ts_addr_lookup src, dst;
	uint32_t rule_id;             /* 0 = none */
	struct ts_rule_meta meta;     /* of rule_id */
	enum ts_reason reason;        /* what the dataplane counts the SYN under */
	enum ts_reason verdict;       /* the decision (audit mode: the drop it passes) */
	bool pass;
};

int ts_lookup_addr(const struct ts_dp *dp, uint32_t slot, const struct ts_net *a,
		   struct ts_addr_lookup *out);
/* Label and text the dataplane keeps for rule `id`. */
int ts_lookup_rule_meta(const struct ts_dp *dp, uint32_t id, struct ts_rule_meta *out);
/* The source port of the judged SYN or datagram, and the identifier of
 * the judged echo request (the verdict does not depend on them). */
#define TS_LOOKUP_SPORT 40000
/* The first packet from src to port index `port` of dst (ts_port_index:
 * tcp/N a SYN, udp/N a datagram, icmp/echo an echo request) judged by j
 * (opened on dp). */
int ts_lookup_first(const struct ts_judge *j, const struct ts_dp *dp, const struct ts_net *src,
		    const struct ts_net *dst, uint32_t port, struct ts_syn_verdict *out);

#endif /* TS_LOOKUP_H */
