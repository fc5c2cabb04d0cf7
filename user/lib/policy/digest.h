/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * digest.h - a compiled policy as canonical text lines, sorted and unique:
 *   component NAME
 *   member NAME TEXT          (address, CIDR, host name or wildcard as written)
 *   rule "LABEL": A -> B tcp/PORTS   (each directed rule)
 *   setting NAME VALUE
 * The loader writes it beside the names cache when it installs a policy
 * (the policy as installed, whatever the file says later); `show` prints
 * it and `diff` compares a policy file's lines with it.
 */
#ifndef TS_POLICY_DIGEST_H
#define TS_POLICY_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "policy/compiled.h"

struct ts_digest {
	char **lines;
	size_t n;
	/* header of an installed digest (ts_digest_read) */
	char path[4096];
	char sha256[65];
	uint64_t generation;
};

/* The digest of c. 0 or -ENOMEM. */
int ts_digest_of(const struct ts_compiled *c, struct ts_digest *out);
void ts_digest_free(struct ts_digest *d);

/* Writes c's digest with a header (path, sha256, generation) to `file`
 * through a temporary file and a rename. 0 or -errno. */
int ts_digest_write(const struct ts_compiled *c, const char *policy_path, uint64_t generation,
		    const char *file);
/* Reads what ts_digest_write wrote; -ENOENT when there is none, -EBADMSG
 * when it is not one (a line over 8 KiB, no header). */
int ts_digest_read(const char *file, struct ts_digest *out);

/* Lines of a not in b (both sorted), in order; calls fn for each. */
void ts_digest_minus(const struct ts_digest *a, const struct ts_digest *b,
		     void (*fn)(const char *line, void *ctx), void *ctx);

#endif /* TS_POLICY_DIGEST_H */
