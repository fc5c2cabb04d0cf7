/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * registry.h - what a running policy gains after it was compiled, kept
 * beside it: host entries the loader adds (resolvers, names prefilled from
 * the cache), the run's audit override, and component sets (with their
 * rule entries) created for addresses names bring in. The compiled policy itself is never written
 * again once compiled; one registry owns it, and readers that need
 * "compiled + runtime" (the installer, the name glue) ask the registry.
 *
 * Set ids of the registry continue after the compiled ones; its rule
 * entries each involve one of its own sets, so they never collide with a
 * compiled entry. A runtime host entry shadows a compiled one for the same
 * address (e.g. a literal host that is also a resolver gets its flag).
 */
#ifndef TS_POLICY_REGISTRY_H
#define TS_POLICY_REGISTRY_H

#include "policy/compiled.h"

struct ts_registry_index; /* registry.c */

struct ts_registry {
	const struct ts_compiled *policy;   /* owned; read only */
	struct ts_compset *sets;            /* set id policy->nsets + i */
	size_t nsets;
	struct ts_rule_entry *rules;        /* entries of the sets above */
	size_t nrules;
	struct ts_addr_entry *hosts;        /* runtime host entries, one per address */
	size_t nhosts;
	struct ts_registry_index *index;    /* private */
	bool audit;                         /* audit mode whatever the policy says (run --audit) */
};

/* A registry over `c`, which it owns from now on (also on failure: freed). */
int ts_registry_new(struct ts_compiled *c, struct ts_registry **out);
/* Frees the registry and its compiled policy; NULL is fine. */
void ts_registry_free(struct ts_registry *r);

/* Every set id, compiled and runtime: ids are < ts_registry_nsets(). */
size_t ts_registry_nsets(const struct ts_registry *r);
/* The components of set `id`, or NULL when there is no such set. */
const struct ts_compset *ts_registry_set(const struct ts_registry *r, uint32_t id);

/* The host entry of `net` (a full-length address): the runtime one, else
 * the compiled one, else NULL. */
const struct ts_addr_entry *ts_registry_host(const struct ts_registry *r, const struct ts_net *net);
/* Adds the runtime host entry e, or replaces the one for its address.
 * 0, -EINVAL (not a full-length address) or -ENOMEM. */
int ts_registry_host_put(struct ts_registry *r, const struct ts_addr_entry *e);

struct ts_set_update {
	uint32_t set_id;
	bool created;                       /* a new set: rules[0..nrules) are new */
	const struct ts_rule_entry *rules;  /* into r->rules, valid until the next change */
	size_t nrules;
};
/*
 * The set id of host address `addr` when names of the components in
 * `name_comps` (may be NULL or empty) brought it in: their union with every
 * static member covering it. When that set did not exist, it is created
 * in the registry with its rule entries (against every existing set);
 * write those to the map before the host entry. 0 or -ENOMEM/-EINVAL/-E2BIG
 * (set or rule capacity reached; then nothing changed).
 */
int ts_registry_set_for_addr(struct ts_registry *r, const struct ts_net *addr,
			     const struct ts_compset *name_comps, struct ts_set_update *out);

#endif /* TS_POLICY_REGISTRY_H */
