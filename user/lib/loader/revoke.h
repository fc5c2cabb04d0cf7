/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * revoke.h - `on-revoke cut`: after a reload, the flows the installed
 * policy no longer allows are removed. Each flow's opening SYN (initiator
 * to responder's port) is judged again by the dataplane's own judging
 * program (dp/judge.h); a flow it would drop goes (one now outside the
 * scope goes only when outside-scope is drop; in audit mode none does). Audit flows (passed
 * without a rule) stay; a loose pickup goes only when its opening is
 * refused from both sides (a pickup now would not make it again).
 */
#ifndef TS_LOADER_REVOKE_H
#define TS_LOADER_REVOKE_H

#include <stdint.h>

struct ts_dp;

/* Removes the flows of dp the active policy refuses; *cut gets how many. */
int ts_revoke_cut(struct ts_dp *dp, uint32_t *cut);

#endif /* TS_LOADER_REVOKE_H */
