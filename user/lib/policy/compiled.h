/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * compiled.h - what the policy compiler hands to the map installer: the
 * exact contents of one policy slot, plus what `explain`, `status` and the
 * name resolver need to keep that slot current.
 *
 * Component sets: every address or prefix maps to the *set* of components
 * it belongs to. Distinct sets get ids (0 = the empty set), rules are
 * expanded into (src set, dst set, port class) -> rule id entries, so the
 * dataplane answers with lookups, never a loop over rules.
 */
#ifndef TS_COMPILED_H
#define TS_COMPILED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnstile.h"

/* One address or CIDR in key form (network byte order, IPv4 in addr[0..3]). */
struct ts_net {
	uint8_t family;    /* enum ts_family */
	uint8_t plen;      /* 0..32 or 0..128; 32/128 = a host */
	uint8_t addr[16];  /* host bits beyond plen are zero */
};

/* A set of component indices (bit i = component i of the policy). */
struct ts_compset {
	uint32_t nwords;
	uint64_t *words;
};

/* Address entry for ts_hosts (plen full) or ts_prefixes (real CIDR). */
struct ts_addr_entry {
	struct ts_net net;
	uint32_t set_id;
	uint32_t flags;    /* enum ts_addr_flags */
};

/* One ts_rules entry. */
struct ts_rule_entry {
	uint32_t src_set;
	uint32_t dst_set;
	uint32_t port_class;
	uint32_t rule_id;
};

/* A rule as written, indexed by rule id (ids 1..nrules; [0] unused). */
struct ts_rule_info {
	uint32_t id;                     /* compiler's id; the installer may remap to a stable id */
	char label[TS_LABEL_LEN];        /* e.g. "E1 D1", may be empty */
	char text[TS_RULE_TEXT_LEN];     /* canonical "a -> b tcp/443" (one direction) */
	uint32_t src_comp;               /* component index of the initiator */
	uint32_t dst_comp;               /* component index of the responder */
	const char *file;                /* where it was written */
	uint32_t line, col;
};

/* A host name of a component, to resolve (exact) or learn (wildcard). */
struct ts_name_ref {
	char *name;                      /* lower case, no trailing dot; "*.x" or "**.x" for wildcards */
	uint32_t comp;                   /* component index */
	bool wildcard;
};

struct ts_compiled_settings {
	uint32_t flags;                  /* enum ts_config_flags */
	uint32_t events_per_sec;
	uint32_t timeout_syn_s;
	uint32_t timeout_established_s;
	uint32_t timeout_closing_s;
	uint32_t ttl_floor_s;            /* DNS TTL clamp */
	uint32_t ttl_ceiling_s;
	uint32_t grace_s;                /* keep an address this long after DNS drops it */
	uint32_t max_addrs_per_name;
	uint32_t cap_flows, cap_halfopen, cap_hosts, cap_prefixes, cap_rules;
	struct ts_net *resolvers;        /* host nets; empty = /etc/resolv.conf */
	size_t nresolvers;
};

struct ts_compiled {
	struct ts_compiled_settings settings;

	char **comp_names;               /* component index -> name */
	size_t ncomps;

	/* port -> port class for TCP; 0 = outside the scope */
	uint32_t port_class[TS_PORTS_PER_SLOT];
	uint32_t nport_classes;          /* classes 1..nport_classes-1 are in scope */

	struct ts_compset *sets;         /* set id -> components; [0] is the empty set */
	size_t nsets;

	struct ts_addr_entry *hosts;     /* literal host addresses (with every CIDR that covers them) */
	size_t nhosts;
	struct ts_addr_entry *prefixes;  /* real CIDRs, each with every shorter CIDR that covers it */
	size_t nprefixes;

	struct ts_rule_entry *rules;
	size_t nrules_entries;

	struct ts_rule_info *rule_info;  /* [1..nrule_ids] */
	size_t nrule_ids;

	struct ts_name_ref *names;
	size_t nnames;
};

#endif /* TS_COMPILED_H */
