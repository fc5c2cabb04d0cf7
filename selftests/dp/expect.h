/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect.h - check that a frame is counted under the expected reason;
 * keep the events a test saw. */
#ifndef TS_TEST_EXPECT_H
#define TS_TEST_EXPECT_H

#include "dpt.h"

/* Runs p through `hook`; a TS_CHECK failure names `what` and both reasons.
 * Returns true when the reason matched. */
bool expect_reason(struct dpt *t, enum ts_hook hook, const struct pkt *p, int want,
		   const char *what);

/* A whole TCP handshake c:cport -> s:sport through XDP: the SYN passes
 * as new, the SYN-ACK as handshake, the ACK under want_last. */
bool expect_handshake(struct dpt *t, const char *c, uint16_t cport, const char *s, uint16_t sport,
		      int want_last);

/* The events a ring buffer reader saw: the callback of
 * ts_dp_events_open is ev_log_add, its context a struct ev_log. */
struct ev_log {
	struct ts_event ev[64];
	int n;   /* kept: at most 64 */
};
int ev_log_add(const struct ts_event *ev, void *ctx);

#endif /* TS_TEST_EXPECT_H */
