/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * policy.h - the policy language: parse a file (or a buffer), lint it and
 * compile it into a struct ts_compiled (compiled.h). The language is
 * described in docs/policy.md.
 *
 *   struct ts_diags d = {0};
 *   struct ts_compiled *c;
 *   int err = ts_policy_build_file("site.policy", &d, &c);
 *   ts_diags_print(stderr, &d);     // errors, warnings, notes
 *   if (!err) { ...install c...; ts_compiled_free(c); }
 *   ts_diags_free(&d);
 *
 * A policy with errors yields nothing (-EINVAL, *out = NULL).
 */
#ifndef TS_POLICY_H
#define TS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/compiled.h"
#include "policy/diag.h"

#define TS_POLICY_MAX_INCLUDE_DEPTH 8
#define TS_POLICY_MAX_FILE_BYTES (64u << 20)

/* ---- the parsed policy (input of the linter and the compiler) ------------ */

struct ts_member {
	enum ts_member_kind kind;
	struct ts_net net;       /* HOST, CIDR */
	char *text;              /* as written; names lower case without trailing dot */
	struct ts_loc loc;
};

struct ts_component {
	char *name;
	struct ts_loc loc;
	struct ts_member *members;
	size_t nmembers, alloc;
	bool broken;        /* its definition had errors: members may be missing */
};

/* Ports of every protocol in one space: ts_port_index(plane, port)
 * (include/turnstile.h), so tcp/443 and udp/443 are two points of it and
 * icmp/echo a third. */
struct ts_port_range {
	uint32_t lo, hi;         /* inclusive port indexes */
};

/* Sorted, merged (no overlapping or adjacent ranges). */
struct ts_ports {
	struct ts_port_range *v;
	size_t n;
};

struct ts_rule_stmt {
	char *label;             /* "" when none */
	char *left, *right;      /* component names as written */
	enum ts_rule_dir dir;
	struct ts_ports ports;
	struct ts_loc loc, left_loc, right_loc, ports_loc;
	int left_comp, right_comp; /* component index, -1 = unknown (set by the linter) */
};

/* Settings keys, for "set twice" findings and locations of table sizes. */
enum ts_setting {
	TS_SET_SCOPE, TS_SET_OUTSIDE_SCOPE, TS_SET_AUDIT, TS_SET_LOOSE_PICKUP,
	TS_SET_RESOLVERS, TS_SET_TTL_FLOOR, TS_SET_TTL_CEILING, TS_SET_GRACE,
	TS_SET_MAX_ADDRS, TS_SET_TIMEOUT_SYN, TS_SET_TIMEOUT_ESTABLISHED,
	TS_SET_TIMEOUT_CLOSING, TS_SET_TIMEOUT_UNREPLIED, TS_SET_TIMEOUT_REPLIED,
	TS_SET_EVENTS_PER_SEC, TS_SET_TABLE_FLOWS,
	TS_SET_TABLE_HALFOPEN, TS_SET_TABLE_HOSTS, TS_SET_TABLE_PREFIXES,
	TS_SET_TABLE_RULES, TS_SET_ON_REVOKE, TS_SET_MAX,
};

struct ts_policy_settings {
	struct ts_compiled_settings v;   /* resolvers owned here */
	struct ts_ports scope;           /* valid when set[TS_SET_SCOPE] */
	bool set[TS_SET_MAX];
	struct ts_loc loc[TS_SET_MAX];
};

struct ts_policy {
	char **files;                    /* every file read; ts_loc.file points here */
	size_t nfiles;
	struct ts_component *comps;
	size_t ncomps, comps_alloc;
	struct ts_rule_stmt *rules;
	size_t nrules, rules_alloc;
	struct ts_policy_settings settings;
	/* Rule statements dropped for errors: the component names they
	 * mention (used, for the linter), and whether one failed before
	 * naming both (then any component may be the one it meant). */
	char **broken_refs;
	size_t nbroken_refs;
	bool broken_rule_unnamed;
};

/*
 * Where included files come from. `path` is already joined with the
 * directory of the including file. Returns 0 with a malloc'ed buffer, or
 * -errno. The default reads files; the fuzzer stubs it.
 */
struct ts_policy_reader {
	int (*read)(void *ctx, const char *path, char **data, size_t *len);
	void *ctx;
};
extern const struct ts_policy_reader ts_policy_file_reader;

/* Defaults of every setting (docs/policy.md lists them). */
void ts_policy_default_settings(struct ts_policy_settings *s);

/* Parses `buf` as file `name`; findings go to d. Returns 0 (even with
 * findings: check d) or -ENOMEM. *out is always set on 0. */
int ts_policy_parse(const char *name, const char *buf, size_t len,
		    const struct ts_policy_reader *rd, struct ts_policy **out,
		    struct ts_diags *d);
/* Resolves component references and reports every lint finding that needs
 * only the parsed policy. */
void ts_policy_lint(struct ts_policy *p, struct ts_diags *d);
void ts_policy_free(struct ts_policy *p);

/* Compiles a linted policy without errors. Overlap findings (which need
 * the prefix sweep) and capacity findings go to d. Returns 0 or -errno;
 * *out is NULL when the policy does not fit (a capacity error in d). */
int ts_policy_compile(const struct ts_policy *p, struct ts_compiled **out, struct ts_diags *d);

/* parse + lint + compile + capacity checks. -EINVAL if any error (d has
 * them; *out = NULL), -ENOENT etc. if the file cannot be read. */
int ts_policy_build(const char *name, const char *buf, size_t len,
		    const struct ts_policy_reader *rd, struct ts_diags *d,
		    struct ts_compiled **out);
/* ts_policy_build of a file; a file that cannot be read is an error
 * finding [unreadable] and its -errno (never -EINVAL: that is an invalid
 * policy). */
int ts_policy_build_file(const char *path, struct ts_diags *d, struct ts_compiled **out);
/* The same for a policy that must stand alone (a fleet's, from etcd): an
 * include is an error (cannot read: operation not permitted) and no file
 * but `path` is opened, so a policy text from the network never makes a
 * gateway read, or report lines of, its local files. */
int ts_policy_build_file_alone(const char *path, struct ts_diags *d, struct ts_compiled **out);

/* Canonical text of a rule's ports: "tcp/443,8443 udp/443 icmp/echo". */
void ts_ports_format(const struct ts_ports *p, char *buf, size_t len);

#endif /* TS_POLICY_H */
