// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lookup.c - first packets' verdicts from the dataplane's judging program
 * (see lookup.h). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <bpf/bpf.h>

#include "dp/dp.h"
#include "loader/lookup.h"

int ts_lookup_addr(const struct ts_dp *dp, uint32_t slot, const struct ts_net *a,
		   struct ts_addr_lookup *out)
{
	struct ts_addr_val val;
	int err;

	memset(out, 0, sizeof(*out));
	err = ts_dp_addr_find(dp, slot, a, &val, &out->plen, &out->exact);
	if (err)
		return err == -ENOENT ? 0 : err;
	out->set_id = val.set_id;
	out->flags = val.flags;
	return 0;
}

int ts_lookup_rule_meta(const struct ts_dp *dp, uint32_t id, struct ts_rule_meta *out)
{
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(ts_dp_map_fd(dp, TS_MAP_RULE_META), &id, out))
		return -errno;
	out->label[TS_LABEL_LEN - 1] = '\0';
	out->text[TS_RULE_TEXT_LEN - 1] = '\0';
	return 0;
}

int ts_lookup_first(const struct ts_judge *j, const struct ts_dp *dp, const struct ts_net *src,
		    const struct ts_net *dst, uint32_t port, struct ts_syn_verdict *out)
{
	static const uint8_t protos[TS_PLANES] = {
		[TS_PLANE_TCP] = IPPROTO_TCP, [TS_PLANE_UDP] = IPPROTO_UDP, [TS_PLANE_ICMP] = IPPROTO_ICMP,
	};
	struct ts_judge_out jo;
	int err;

	memset(out, 0, sizeof(*out));
	if (port >= TS_PORTS_PER_SLOT)
		return -EINVAL;
	err = ts_judge_first(j, protos[port / TS_PLANE_PORTS], src, TS_LOOKUP_SPORT, dst,
			     (uint16_t)(port % TS_PLANE_PORTS), &jo);
	if (err)
		return err;
	out->slot = jo.slot;
	out->generation = jo.generation;
	out->port_class = jo.port_class;
	out->rule_id = jo.rule_id;
	out->verdict = jo.reason;
	out->reason = jo.counted;
	out->pass = !ts_reason_is_drop(jo.counted);
	if (jo.rule_id)
		ts_lookup_rule_meta(dp, jo.rule_id, &out->meta);
	/* each address's entry, whether the program needed it or not */
	if ((err = ts_lookup_addr(dp, jo.slot, src, &out->src)) ||
	    (err = ts_lookup_addr(dp, jo.slot, dst, &out->dst)))
		return err;
	return 0;
}
