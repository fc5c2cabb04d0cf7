// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* revoke.c - cut the flows a reload no longer allows (see revoke.h). */
#include <arpa/inet.h>
#include <string.h>

#include "common/log.h"
#include "dp/dp.h"
#include "dp/judge.h"
#include "loader/revoke.h"

struct rejudge {
	const struct ts_judge *j;
	int err;
};

static bool refused_now(const struct ts_dp_flow *f, void *ctx)
{
	struct rejudge *r = ctx;
	const struct ts_flow_key *k = &f->key;
	bool hi_init = f->val.flags & TS_FLOW_INIT_HI;
	struct ts_net src = { .family = k->family }, dst = { .family = k->family };
	struct ts_judge_out out;
	int err;

	if (f->val.flags & (TS_FLOW_AUDIT | TS_FLOW_LOOSE))
		return false;
	src.plen = dst.plen = k->family == TS_FAMILY_V6 ? 128 : 32;
	memcpy(src.addr, hi_init ? k->hi_addr : k->lo_addr, 16);
	memcpy(dst.addr, hi_init ? k->lo_addr : k->hi_addr, 16);
	/* the flow's first packet, as its opener sent it */
	err = ts_judge_first(r->j, k->proto, &src, ntohs(hi_init ? k->hi_port : k->lo_port), &dst,
			     ntohs(hi_init ? k->lo_port : k->hi_port), &out);
	if (err) {
		r->err = err;
		return false;   /* not judged: kept */
	}
	/* what the SYN would be counted under: in audit mode nothing is cut */
	return ts_reason_is_drop(out.counted);
}

int ts_revoke_cut(struct ts_dp *dp, uint32_t *cut)
{
	struct rejudge r = { 0 };
	struct ts_judge *j;
	int err;

	*cut = 0;
	err = ts_judge_open(&j, dp);
	if (err)
		return err;
	r.j = j;
	err = ts_dp_flows_remove(dp, refused_now, &r, cut);
	ts_judge_close(j);
	if (!err && r.err)
		ts_warn("on-revoke cut: some flows could not be judged and stay: %s", strerror(-r.err));
	return err;
}
