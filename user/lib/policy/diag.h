/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * diag.h - policy diagnostics: every finding carries FILE:LINE:COL and is
 * printed gcc style, `FILE:LINE:COL: error: message [code]`.
 */
#ifndef TS_POLICY_DIAG_H
#define TS_POLICY_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where something was written. line 0 = the file as a whole. Columns count
 * bytes from 1 (a tab is one column). `file` is owned by the policy. */
struct ts_loc {
	const char *file;
	uint32_t line, col;
};

enum ts_severity {
	TS_SEV_NOTE    = 0,  /* information, e.g. a wildcard is learned, not resolved */
	TS_SEV_WARNING = 1,  /* suspicious but applied as written */
	TS_SEV_ERROR   = 2,  /* nothing is applied */
};

struct ts_diag {
	enum ts_severity sev;
	struct ts_loc loc;
	const char *code;    /* stable short id, e.g. "conflicting-direction" */
	char *msg;
};

struct ts_diags {
	struct ts_diag *v;
	size_t n, alloc;
	size_t nerrors, nwarnings, nnotes;
	bool oom;            /* a finding was lost to ENOMEM (counted as an error) */
	char **files;        /* copies of file names: findings outlive the policy */
	size_t nfiles;
};

void ts_diag_add(struct ts_diags *d, enum ts_severity sev, struct ts_loc loc,
		 const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Orders findings by file, line, column (stable). */
void ts_diags_sort(struct ts_diags *d);
/* One line per finding. */
void ts_diags_print(FILE *out, const struct ts_diags *d);
void ts_diags_free(struct ts_diags *d);
bool ts_diags_has_errors(const struct ts_diags *d);
const char *ts_severity_name(enum ts_severity sev);
/* The first finding with this code, or NULL (tests, tools). */
const struct ts_diag *ts_diags_find(const struct ts_diags *d, const char *code);
size_t ts_diags_count(const struct ts_diags *d, const char *code);

#endif /* TS_POLICY_DIAG_H */
