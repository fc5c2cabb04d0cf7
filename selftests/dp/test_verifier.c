// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The programs load, and each stays under 25% of the verifier's 1M
 * processed-instruction budget (the count is printed). */
#include <stdio.h>

#include <bpf/bpf.h>

#include "dp/dp.h"
#include "testlib.h"
#include "dpt.h"

#define VERIFIER_BUDGET (1000000u / 4)

static void check_prog(const char *name, int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	TS_CHECK(fd >= 0, "%s has no fd", name);
	if (fd < 0)
		return;
	TS_CHECK(!bpf_obj_get_info_by_fd(fd, &info, &len), "cannot read info of %s", name);
	printf("# %s: verifier processed %u instructions (budget %u), %u xlated bytes\n",
	       name, info.verified_insns, VERIFIER_BUDGET, info.xlated_prog_len);
	TS_CHECK(info.verified_insns > 0, "%s: kernel reports no verified_insns", name);
	TS_CHECK(info.verified_insns < VERIFIER_BUDGET, "%s: %u processed instructions >= %u",
		 name, info.verified_insns, VERIFIER_BUDGET);
}

static void test_verifier_budget(void)
{
	struct dpt t;
	int err = dpt_open(&t, 0, 0);

	TS_CHECK(!err, "ts_dp_open: %d", err);
	if (err)
		return;
	check_prog("ts_xdp", ts_dp_xdp_prog_fd(t.dp));
	check_prog("ts_tc_egress", ts_dp_tc_prog_fd(t.dp));
	dpt_close(&t);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("verifier_budget", "needs root");
		return 0;
	}
	ts_run("verifier_budget", test_verifier_budget);
	return ts_done();
}
