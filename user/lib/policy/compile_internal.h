/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * compile_internal.h - what the compiler keeps beside struct ts_compiled so
 * the name resolver can add sets at runtime and explain can answer.
 */
#ifndef TS_POLICY_COMPILE_INTERNAL_H
#define TS_POLICY_COMPILE_INTERNAL_H

#include "policy/hmap.h"
#include "policy/policy.h"

/* Sets and rule entries one policy may create, whatever the table sizes:
 * set ids must stay far from wrapping, and a runaway name feed must not
 * eat memory. */
#define TS_MAX_SETS (1u << 20)

struct ts_compiled_index {
	uint32_t nwords;               /* words of every compset */
	struct ts_hmap sets;           /* compset words -> set id */
	struct ts_hmap rules;          /* (src, dst, class) -> index in c->rules */
	struct ts_hmap hosts;          /* struct ts_net -> index in c->hosts */
	struct ts_hmap prefixes;       /* struct ts_net -> index in c->prefixes */
	bool plen_used[2][129];        /* [v6?][plen]: prefix lengths present */
	size_t sets_alloc, rules_alloc;
	/* per compiler rule id: the port classes it allows */
	uint32_t **rule_classes;
	uint32_t *rule_nclasses;
};

/* A growable table of distinct component sets: the compiler's, or the
 * runtime registry's (whose ids continue after the compiled ones). */
struct ts_set_table {
	struct ts_compset **sets;
	size_t *nsets, *alloc;
	struct ts_hmap *index;         /* words -> set id */
	uint32_t nwords;
	uint32_t first_id;             /* id of (*sets)[0] */
};
/* Set id of `words` in t, creating it when absent. */
int ts_sets_intern_into(const struct ts_set_table *t, const uint64_t *words, uint32_t *id,
			bool *created);
/* The same on the compiler's own table (compile time only). */
int ts_sets_intern(struct ts_compiled *c, const uint64_t *words, uint32_t *id, bool *created);

/* The sets rules expand over: ids [0, nbase) are base[], then extra[]. */
struct ts_set_view {
	const struct ts_compset *base;
	uint32_t nbase;
	const struct ts_compset *extra;
	uint32_t nextra;
};
/* Where expanded entries go, deduplicated by (src, dst, class). */
struct ts_rule_sink {
	struct ts_rule_entry **rules;
	size_t *n, *alloc;
	struct ts_hmap *index;         /* (src, dst, class) -> index in *rules */
	size_t limit;                  /* -E2BIG once *n would pass it */
};
/* Appends to `sink` the entries of every rule of c for pairs (src, dst) of
 * v where src or dst is `set` (all pairs when set == UINT32_MAX). First
 * declared rule wins. */
int ts_rules_expand_into(const struct ts_compiled *c, const struct ts_set_view *v,
			 const struct ts_rule_sink *sink, uint32_t set);
/* The same on the compiler's own sets and entries (compile time only). */
int ts_rules_expand(struct ts_compiled *c, uint32_t set);
/* The static prefix sweep: hosts, prefixes, members, overlap findings. */
int ts_compile_nets(const struct ts_policy *p, struct ts_compiled *c, struct ts_diags *d);
/* The compiled copy of a policy file name (locations must outlive the policy). */
const char *ts_compile_file(const struct ts_policy *p, const struct ts_compiled *c,
			    const char *file);
/* Port classes and each rule's classes. */
int ts_compile_ports(const struct ts_policy *p, struct ts_compiled *c);

#endif /* TS_POLICY_COMPILE_INTERNAL_H */
