/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * settings_table.h - the one table of policy settings: name, type,
 * default, bounds and doc line of each. The parser reads values by it,
 * ts_policy_default_settings() fills the defaults from it (the installer
 * writes what the policy holds, adding none of its own), `turnstile check
 * --help` lists it, and docs/policy.md's table of settings is its
 * rendering (selftests/policy/test_settings_doc.c keeps them equal).
 */
#ifndef TS_POLICY_SETTINGS_TABLE_H
#define TS_POLICY_SETTINGS_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/policy.h"

enum ts_setting_type {
	TS_SETTING_PORTS,      /* scope: a port list */
	TS_SETTING_CHOICE,     /* two words: choice[0] sets `flag`, choice[1] clears it */
	TS_SETTING_ADDRESSES,  /* resolvers */
	TS_SETTING_DURATION,   /* seconds, written 30s, 15m, 1h30m, 1d */
	TS_SETTING_COUNT,      /* a whole number */
};

struct ts_setting_def {
	const char *name;             /* "timeout syn" */
	enum ts_setting_type type;
	const char *choice[2];        /* CHOICE */
	uint32_t flag;                /* CHOICE: the bit choice[0] sets in `field`; clear by default */
	size_t field;                 /* offsetof(struct ts_compiled_settings, ...): DURATION,
				       * COUNT, CHOICE (flags: enum ts_config_flags, or revoke) */
	uint32_t def, min, max;       /* DURATION, COUNT */
	const char *values_doc;       /* PORTS, ADDRESSES: the "values" column */
	const char *default_doc;      /* PORTS, ADDRESSES: the "default" column */
	const char *sized_from;       /* COUNT sized when unset (table_sizes.h): from what; `def` is the ceiling */
	const char *doc;              /* what it means, one line */
};

/* The definition of setting k (indexed by enum ts_setting). */
const struct ts_setting_def *ts_setting_def(enum ts_setting k);

/* The value of setting k in a compiled policy, as a policy writes it
 * ("30s", "drop", "tcp/443,8443", "192.0.2.2 2001:db8::2"). */
void ts_setting_value_str(const struct ts_compiled *c, enum ts_setting k, char *buf, size_t len);

/* docs/policy.md's table of settings (Markdown, header included). */
void ts_settings_doc_table(FILE *out);
/* The same for --help: one line per setting. */
void ts_settings_help(FILE *out);

#endif /* TS_POLICY_SETTINGS_TABLE_H */
