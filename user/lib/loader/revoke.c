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

/* Whether the active policy refuses the opening SYN of flow key k with
 * the hi (else lo) endpoint as its initiator; not judged: kept. */
static bool refused_opening(struct rejudge *r, const struct ts_flow_key *k, bool hi_init)
{
	struct ts_net src = { .family = k->family }, dst = { .family = k->family };
	struct ts_judge_out out;
	int err;

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

/* A flow goes when its opening is refused now. A loose pickup's initiator
 * is the side the policy let open it when it was picked up: it goes only
 * when neither side may open it now (a pickup now would make it again). */
static bool refused_now(const struct ts_dp_flow *f, void *ctx)
{
	bool hi_init = f->val.flags & TS_FLOW_INIT_HI;

	if (f->val.flags & TS_FLOW_AUDIT)
		return false;
	if (!refused_opening(ctx, &f->key, hi_init))
		return false;
	return !(f->val.flags & TS_FLOW_LOOSE) || refused_opening(ctx, &f->key, !hi_init);
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
