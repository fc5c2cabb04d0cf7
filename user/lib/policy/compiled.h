/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * compiled.h - what the policy compiler hands to the map installer: the
 * exact contents of one policy slot, plus what `explain`, `status` and the
 * name resolver need to keep that slot current. Written only while it is
 * compiled; what the loader adds at run time lives in policy/registry.h.
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

#define TS_REVOKE_CUT 1u

/* How a component lists an address (explain) or a name. */
enum ts_member_kind {
	TS_MEMBER_HOST     = 0,  /* literal address: /32 or /128 */
	TS_MEMBER_CIDR     = 1,  /* a real prefix */
	TS_MEMBER_NAME     = 2,  /* exact host name, resolved */
	TS_MEMBER_WILDCARD = 3,  /* "*.x" or "**.x", learned from DNS answers */
};

/* A rule statement's arrow as written. */
enum ts_rule_dir {
	TS_DIR_FORWARD  = 1,     /* A -> B: A opens to B */
	TS_DIR_BACKWARD = 2,     /* A <- B: B opens to A */
	TS_DIR_BOTH     = 3,     /* A <-> B: either; compiles to two directed rules */
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
	const char *file;                /* where it was written (owned by ts_compiled.files) */
	uint32_t line, col;
	uint32_t dir;                    /* enum ts_rule_dir of the statement as written */
	uint32_t stmt;                   /* index of the statement (a <-> gives two ids) */
};

/* A literal address or CIDR as written in a component (for explain). */
struct ts_member_ref {
	struct ts_net net;
	uint32_t comp;
	enum ts_member_kind kind;        /* HOST or CIDR */
	char *text;
	const char *file;
	uint32_t line, col;
};

/* A host name of a component, to resolve (exact) or learn (wildcard). */
struct ts_name_ref {
	char *name;                      /* lower case, no trailing dot; "*.x" or "**.x" for wildcards */
	uint32_t comp;                   /* component index */
	bool wildcard;
	const char *file;                /* where it was written (owned by ts_compiled.files) */
	uint32_t line, col;
};

struct ts_compiled_settings {
	uint32_t flags;                  /* enum ts_config_flags */
	uint32_t events_per_sec;
	uint32_t timeout_syn_s;
	uint32_t timeout_established_s;
	uint32_t timeout_closing_s;
	uint32_t timeout_unreplied_s;    /* UDP / ICMP echo flows */
	uint32_t timeout_replied_s;
	uint32_t ttl_floor_s;            /* DNS TTL clamp */
	uint32_t ttl_ceiling_s;
	uint32_t grace_s;                /* keep an address this long after DNS drops it */
	uint32_t max_addrs_per_name;
	uint32_t cap_flows, cap_halfopen, cap_hosts, cap_prefixes, cap_rules;
	uint32_t revoke;                 /* TS_REVOKE_CUT: a reload removes the flows it no longer allows */
	struct ts_net *resolvers;        /* host nets; empty = /etc/resolv.conf */
	size_t nresolvers;
};

struct ts_compiled_index; /* compile_internal.h */

struct ts_compiled {
	struct ts_compiled_settings settings;

	char **comp_names;               /* component index -> name */
	size_t ncomps;

	/* port -> port class for TCP; 0 = outside the scope */
	uint32_t port_class[TS_PORTS_PER_SLOT]; /* by ts_port_index(plane, port) */
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

	struct ts_member_ref *members;   /* every literal address and CIDR */
	size_t nmembers;
	char **files;                    /* policy files; locations point here */
	size_t nfiles;
	char text_sha256[65];            /* hex SHA-256 of the files' text as read, in order
					  * (ts_policy_build_file); "" when built from memory */
	struct ts_compiled_index *index; /* private: lookups */
};

void ts_compiled_free(struct ts_compiled *c);

/* ---- component sets -------------------------------------------------------- */
/* A set sized for `ncomps` components; 0 or -ENOMEM. */
int ts_compset_init(struct ts_compset *s, size_t ncomps);
void ts_compset_add(struct ts_compset *s, uint32_t comp);
bool ts_compset_has(const struct ts_compset *s, uint32_t comp);
bool ts_compset_is_empty(const struct ts_compset *s);
void ts_compset_free(struct ts_compset *s);

/* ---- runtime queries (name resolver, explain) ----------------------------- */

/* Set id of an address from the static members alone: the exact host
 * entry, else the longest prefix covering it, else 0. */
uint32_t ts_compiled_static_set(const struct ts_compiled *c, const struct ts_net *addr);

/* The compiled entry of host address `net` (full length, host bits zero),
 * or NULL. Runtime additions: policy/registry.h. */
const struct ts_addr_entry *ts_compiled_host(const struct ts_compiled *c, const struct ts_net *net);

/* Why an address belongs to a component. */
struct ts_membership {
	uint32_t comp;
	enum ts_member_kind kind;
	const char *via;                 /* CIDR or address text, or the name */
	const char *file;
	uint32_t line, col;
};
/*
 * Every component `addr` belongs to and through which member, from the
 * policy (not the maps). `names` are host names that resolved to addr
 * (e.g. from the name cache); each matches exact names and wildcards of
 * the policy. *out is malloc'ed (free it); returns 0 or -ENOMEM.
 */
int ts_compiled_explain_addr(const struct ts_compiled *c, const struct ts_net *addr,
			     const char *const *names, size_t nnames,
			     struct ts_membership **out, size_t *nout);
/* The rule id allowing a connection from a member of the components in
 * `src` to one in `dst` on port index `port` (ts_port_index: protocol and
 * port): the first declared; 0 if none or if the port is outside the
 * scope (check c->port_class[port]). */
uint32_t ts_compiled_rule_for(const struct ts_compiled *c, const struct ts_compset *src,
			      const struct ts_compset *dst, uint32_t port);
/* The ports in scope (class != 0), as a scope setting writes them:
 * "tcp/443,8443 udp/443 icmp/echo"; "" when none. */
void ts_scope_format(const struct ts_compiled *c, char *buf, size_t len);

#endif /* TS_COMPILED_H */
