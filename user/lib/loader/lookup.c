// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lookup.c - SYN verdict from the maps (see lookup.h). */
#include <errno.h>
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

int ts_lookup_syn(const struct ts_dp *dp, const struct ts_net *src, const struct ts_net *dst,
		  uint16_t dport, struct ts_syn_verdict *out)
{
	struct ts_config cfg;
	struct ts_slot_cfg scfg;
	struct ts_port_val pv = { 0 };
	struct ts_rule_key rk = { 0 };
	uint32_t pkey;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = ts_dp_config_read(dp, &cfg)) || (err = ts_dp_slot_cfg_read(dp, &scfg)))
		return err;
	out->slot = cfg.active_slot;
	out->generation = cfg.generation;
	pkey = cfg.active_slot * TS_PORTS_PER_SLOT + dport;
	if (bpf_map_lookup_elem(ts_dp_map_fd(dp, TS_MAP_PORTS), &pkey, &pv))
		return -errno;
	out->port_class = pv.port_class;
	if (!pv.port_class) {
		out->pass = !(scfg.flags & TS_CFG_SCOPE_DROP);
		out->reason = out->pass ? TS_R_PASS_OUT_OF_SCOPE : TS_R_DROP_OUT_OF_SCOPE;
		return 0;
	}
	if ((err = ts_lookup_addr(dp, cfg.active_slot, src, &out->src)) ||
	    (err = ts_lookup_addr(dp, cfg.active_slot, dst, &out->dst)))
		return err;
	rk.slot = (uint8_t)cfg.active_slot;
	rk.src_set = out->src.set_id;
	rk.dst_set = out->dst.set_id;
	rk.port_class = pv.port_class;
	if (out->src.set_id && out->dst.set_id && !ts_dp_rule_find(dp, &rk, &out->rule_id)) {
		ts_lookup_rule_meta(dp, out->rule_id, &out->meta);
		out->pass = true;
		out->reason = TS_R_PASS_NEW;
		return 0;
	}
	out->pass = scfg.flags & TS_CFG_AUDIT;
	out->reason = out->pass ? TS_R_PASS_AUDIT : TS_R_DROP_NO_RULE;
	return 0;
}
