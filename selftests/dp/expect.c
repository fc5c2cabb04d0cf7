// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "expect.h"
#include "../testlib.h"

bool expect_reason(struct dpt *t, enum ts_hook hook, const struct pkt *p, int want,
		   const char *what)
{
	int got = dpt_reason(t, hook, p);
	const char *gn = got >= 0 ? ts_reason_name(got) : strerror(-got);

	TS_CHECK(got == want, "%s: got %s, want %s", what, gn ? gn : "?", ts_reason_name(want));
	return got == want;
}
