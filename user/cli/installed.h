/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* installed.h - what `show` and `diff` start from: the pinned dataplane,
 * the state record, the digest of the installed policy and the names
 * cache. */
#ifndef TS_CLI_INSTALLED_H
#define TS_CLI_INSTALLED_H

#include <stdbool.h>

#include "loader/state.h"
#include "policy/digest.h"

struct ts_dp;
struct ts_names_state;

struct ts_installed {
	struct ts_dp *dp;
	struct ts_loader_state st;
	struct ts_digest digest;         /* the policy as installed */
	struct ts_names_state *names;    /* NULL: no cache yet */
	bool file_changed;               /* the policy file's text is not what was installed */
};

/* TS_EXIT_OK with everything open, else the exit code (after saying why). */
int ts_installed_open(struct ts_installed *in);
void ts_installed_close(struct ts_installed *in);

#endif /* TS_CLI_INSTALLED_H */
