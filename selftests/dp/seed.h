/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* seed.h - the seed world for dataplane tests: one host per component and
 * family (docs/DESIGN.md), and the pairs the seed table lets open
 * connections (shared/seed/README.md), written down independently of the
 * policy file so a wrong compile or install shows. */
#ifndef TS_TEST_SEED_H
#define TS_TEST_SEED_H

#include <stdbool.h>

#include "dpt.h"

enum seed_comp {
	SEED_ENDPOINTS, SEED_DM, SEED_WAF, SEED_AGG, SEED_BLOB, SEED_SHAREFILE,
	SEED_REDIRECT, SEED_ROGUE, SEED_N,
};

extern const char *const seed_name[SEED_N];
/* [comp][0] IPv4, [comp][1] IPv6 */
extern const char *const seed_host[SEED_N][2];

/* May `a` open a TCP/443 connection to `b` per the seed table? */
bool seed_may_open(enum seed_comp a, enum seed_comp b);

/* Open a dp with policies/seed.policy (or $TS_SEED_POLICY) installed and
 * its names resolved to the world's addresses. -ENOENT: no policy file. */
int seed_open(struct dpt *t);
/* The seed policy file, or NULL when it is not there. */
const char *seed_policy_path(void);
/* Install the seed policy into an open dp (names not resolved). */
int seed_open_installed(struct dpt *t);

#endif /* TS_TEST_SEED_H */
