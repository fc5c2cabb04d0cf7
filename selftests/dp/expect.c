// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "expect.h"
#include "../testlib.h"
#include "pkt.h"

bool expect_handshake(struct dpt *t, const char *c, uint16_t cport, const char *s, uint16_t sport,
		      int want_last)
{
	struct pkt p;

	dpt_tcp(&p, c, cport, s, sport, SYN, 0);
	if (!expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN"))
		return false;
	dpt_tcp(&p, s, sport, c, cport, SYN | ACK, 0);
	if (!expect_reason(t, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "SYN-ACK"))
		return false;
	dpt_tcp(&p, c, cport, s, sport, ACK, 0);
	return expect_reason(t, TS_HOOK_XDP, &p, want_last, "ACK");
}

bool expect_reason(struct dpt *t, enum ts_hook hook, const struct pkt *p, int want,
		   const char *what)
{
	int got = dpt_reason(t, hook, p);
	const char *gn = got >= 0 ? ts_reason_name(got) : strerror(-got);

	TS_CHECK(got == want, "%s: got %s, want %s", what, gn ? gn : "?", ts_reason_name(want));
	return got == want;
}

int ev_log_add(const struct ts_event *ev, void *ctx)
{
	struct ev_log *l = ctx;

	if (l->n < 64)
		l->ev[l->n++] = *ev;
	return 0;
}
