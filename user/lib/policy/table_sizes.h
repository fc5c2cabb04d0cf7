/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * table_sizes.h - the capacities a policy gets for the tables it does not
 * size itself (`table ...`): the policy tables from what the policy
 * needs, the flow tables from the host's memory. The formula is
 * docs/policy.md's "Table sizes"; every ceiling is the setting's default
 * in the settings table (TS_DEFAULT_*).
 */
#ifndef TS_POLICY_TABLE_SIZES_H
#define TS_POLICY_TABLE_SIZES_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/compiled.h"
#include "policy/policy.h"

/* What one policy slot holds, from the compiled policy. */
struct ts_table_need {
	uint64_t hosts;          /* literal host addresses */
	uint64_t exact_names;    /* host names to resolve */
	uint64_t wildcards;      /* wildcards whose names are learned */
	uint64_t prefixes;
	uint64_t rules;          /* rule entries */
};

/* Multiplier on a slot's need: both slots share a table (x2), and a
 * reload may bring a policy twice as large into the pinned tables (x2). */
#define TS_TABLE_HEADROOM 4u
/* Addresses a policy with wildcards keeps room for: one for each learned
 * name the names library may keep (TS_NAMES_MAX_LEARNED, asserted in
 * loader/names_glue.c). */
#define TS_TABLE_LEARNED_ADDRS 16384u
/* Floors: small tables cost little (KiB) and absorb a policy's growth. */
#define TS_TABLE_FLOOR_HOSTS     4096u
#define TS_TABLE_FLOOR_PREFIXES  1024u
#define TS_TABLE_FLOOR_RULES     4096u
#define TS_TABLE_FLOOR_FLOWS    16384u
#define TS_TABLE_FLOOR_HALFOPEN  4096u
/* Host memory per entry: a flow per 128 KiB of MemTotal (the ratio of
 * Linux conntrack's default table), a half-open entry per MiB. */
#define TS_TABLE_MEM_PER_FLOW     (128u * 1024u)
#define TS_TABLE_MEM_PER_HALFOPEN (1024u * 1024u)

/* Sets s->cap_* of every table whose setting is not in `set` (indexed
 * by enum ts_setting). mem_total: MemTotal in bytes (0: unknown, the
 * flow tables get their ceilings). */
void ts_table_sizes_auto(struct ts_compiled_settings *s, const bool *set,
			 const struct ts_table_need *need, uint64_t mem_total);

/* The need of a compiled policy (its names and wildcards counted). */
void ts_table_need_of(const struct ts_compiled *c, struct ts_table_need *need);

#endif /* TS_POLICY_TABLE_SIZES_H */
