// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* read.c - counters, flows, garbage collection and fill levels. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "common/grow.h"
#include "common/log.h"
#include "dp/dp_internal.h"

static const char *const reason_names[TS_R_MAX] = {
	[TS_R_NONE] = "none",
	[TS_R_PASS_ESTABLISHED] = "pass_established",
	[TS_R_PASS_NEW] = "pass_new",
	[TS_R_PASS_HANDSHAKE] = "pass_handshake",
	[TS_R_PASS_OUT_OF_SCOPE] = "pass_out_of_scope",
	[TS_R_PASS_ARP] = "pass_arp",
	[TS_R_PASS_ND] = "pass_nd",
	[TS_R_PASS_ICMP_RELATED] = "pass_icmp_related",
	[TS_R_PASS_RESOLVER] = "pass_resolver",
	[TS_R_PASS_LOOSE] = "pass_loose",
	[TS_R_PASS_AUDIT] = "pass_audit",
	[TS_R_DROP_NO_RULE] = "drop_no_rule",
	[TS_R_DROP_NO_FLOW] = "drop_no_flow",
	[TS_R_DROP_FLOW_FULL] = "drop_flow_full",
	[TS_R_DROP_HALFOPEN_FULL] = "drop_halfopen_full",
	[TS_R_DROP_BAD_FLAGS] = "drop_bad_flags",
	[TS_R_DROP_FRAGMENT] = "drop_fragment",
	[TS_R_DROP_MALFORMED_L2] = "drop_malformed_l2",
	[TS_R_DROP_MALFORMED_IP] = "drop_malformed_ip",
	[TS_R_DROP_IPV6_EXT] = "drop_ipv6_ext",
	[TS_R_DROP_MALFORMED_TCP] = "drop_malformed_tcp",
	[TS_R_DROP_ICMP_UNRELATED] = "drop_icmp_unrelated",
	[TS_R_DROP_OUT_OF_SCOPE] = "drop_out_of_scope",
	[TS_R_DROP_MALFORMED_L4] = "drop_malformed_l4",
};

const char *ts_reason_name(uint32_t reason)
{
	return reason < TS_R_MAX ? reason_names[reason] : NULL;
}

bool ts_reason_is_drop(uint32_t reason)
{
	return reason >= TS_R_DROP_NO_RULE && reason < TS_R_MAX;
}

static int lookup(const struct ts_dp *dp, enum ts_dp_map m, const void *key, void *val)
{
	if (bpf_map_lookup_elem(dp->fds[m], key, val)) {
		int err = -errno;

		ts_err("dp: cannot read %s: %s", ts_dp_map_name(m), strerror(-err));
		return err;
	}
	return 0;
}

int ts_dp_reason_stats(const struct ts_dp *dp, struct ts_dp_reason_stat out[TS_R_MAX])
{
	struct ts_reason_counter *v = calloc(dp->ncpus, sizeof(*v));
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (uint32_t r = 0; r < TS_R_MAX && !err; r++) {
		out[r].packets = out[r].bytes = 0;
		err = lookup(dp, TS_MAP_REASON_STATS, &r, v);
		for (int c = 0; c < dp->ncpus && !err; c++) {
			out[r].packets += v[c].packets;
			out[r].bytes += v[c].bytes;
		}
	}
	free(v);
	return err;
}

int ts_dp_rule_stats(const struct ts_dp *dp, struct ts_dp_rule_stat **out, size_t *n)
{
	struct ts_rule_counter *v = calloc(dp->ncpus, sizeof(*v));
	struct ts_dp_rule_stat *res = calloc(TS_MAX_RULE_IDS, sizeof(*res));
	size_t cnt = 0;
	int err = 0;

	if (!v || !res) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t id = 1; id < TS_MAX_RULE_IDS; id++) {
		struct ts_dp_rule_stat *s = &res[cnt];
		struct ts_rule_meta m;

		err = lookup(dp, TS_MAP_RULE_META, &id, &m);
		if (!err)
			err = lookup(dp, TS_MAP_RULE_STATS, &id, v);
		if (err)
			goto out;
		memset(s, 0, sizeof(*s));
		for (int c = 0; c < dp->ncpus; c++) {
			s->packets += v[c].packets;
			s->bytes += v[c].bytes;
			s->opened += v[c].opened;
		}
		if (!m.label[0] && !m.text[0] && !s->packets && !s->opened)
			continue;
		s->rule_id = id;
		memcpy(s->label, m.label, sizeof(s->label));
		s->label[sizeof(s->label) - 1] = '\0';
		memcpy(s->text, m.text, sizeof(s->text));
		s->text[sizeof(s->text) - 1] = '\0';
		s->in_use = m.in_use;
		cnt++;
	}
	*out = res;
	*n = cnt;
	res = NULL;
out:
	free(v);
	free(res);
	return err;
}

/* Walk one flow map; fn's nonzero return stops and is returned. */
static int walk_flows(const struct ts_dp *dp, enum ts_dp_map m,
		      int (*fn)(const struct ts_dp_flow *f, void *ctx), void *ctx)
{
	struct ts_flow_key key, *prev = NULL;
	struct ts_dp_flow f = { .halfopen = m == TS_MAP_HALFOPEN };
	int fd = dp->fds[m];

	while (!bpf_map_get_next_key(fd, prev, &f.key)) {
		int ret;

		key = f.key;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &f.key, &f.val))
			continue;  /* removed meanwhile */
		ret = fn(&f, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int ts_dp_flows_foreach(const struct ts_dp *dp,
			int (*fn)(const struct ts_dp_flow *f, void *ctx), void *ctx)
{
	int ret = walk_flows(dp, TS_MAP_FLOWS, fn, ctx);

	return ret ? ret : walk_flows(dp, TS_MAP_HALFOPEN, fn, ctx);
}

/* Same rule as the BPF side (bpf/flow.h): idle longer than its state's timeout. */
static bool expired(const struct ts_flow_val *v, const struct ts_slot_cfg *sc, uint64_t now)
{
	uint32_t s = v->state == TS_TCP_CLOSING ? sc->timeout_closing_s :
		     v->state >= TS_TCP_ESTABLISHED ? sc->timeout_established_s : sc->timeout_syn_s;

	return (int64_t)(now - v->last_seen_ns) > (int64_t)((uint64_t)s * 1000000000ull);
}

struct gc_walk {
	const struct ts_slot_cfg *sc;
	uint64_t now;
	struct ts_flow_key *keys;
	size_t n, cap;
};

static int collect_expired(const struct ts_dp_flow *f, void *ctx)
{
	struct gc_walk *w = ctx;
	int err;

	if (!expired(&f->val, w->sc, w->now))
		return 0;
	err = ts_grow((void **)&w->keys, &w->cap, w->n, sizeof(*w->keys));
	if (err)
		return err;
	w->keys[w->n++] = f->key;
	return 0;
}

/* Collect first, delete after: deleting during get_next_key can restart
 * the walk of a hash map. A key refreshed in between is deleted only if
 * it is still expired. */
static int gc_map(struct ts_dp *dp, enum ts_dp_map m, const struct ts_slot_cfg *sc,
		  uint64_t now, uint32_t *removed)
{
	struct gc_walk w = { .sc = sc, .now = now };
	int err = walk_flows(dp, m, collect_expired, &w);

	*removed = 0;
	for (size_t i = 0; i < w.n && !err; i++) {
		struct ts_flow_val v;

		if (bpf_map_lookup_elem(dp->fds[m], &w.keys[i], &v) || !expired(&v, sc, now))
			continue;
		if (!bpf_map_delete_elem(dp->fds[m], &w.keys[i]))
			(*removed)++;
	}
	free(w.keys);
	if (err)
		ts_err("dp: garbage collection of %s failed: %s", ts_dp_map_name(m), strerror(-err));
	return err;
}

int ts_dp_gc(struct ts_dp *dp, uint64_t now_ns, struct ts_dp_gc_result *res)
{
	struct ts_dp_gc_result r = {};
	struct ts_slot_cfg sc;
	int err = ts_dp_slot_cfg_read(dp, &sc);

	if (!err)
		err = gc_map(dp, TS_MAP_FLOWS, &sc, now_ns, &r.flows_removed);
	if (!err)
		err = gc_map(dp, TS_MAP_HALFOPEN, &sc, now_ns, &r.halfopen_removed);
	if (res)
		*res = r;
	return err;
}

static int count_entries(const struct ts_dp *dp, enum ts_dp_map m, uint32_t *count, uint32_t *max)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	union { struct ts_addr_key a; struct ts_rule_key r; struct ts_flow_key f; } key, next;
	void *prev = NULL;
	int fd = dp->fds[m], err;

	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err) {
		ts_err("dp: cannot read info of %s: %s", ts_dp_map_name(m), strerror(-err));
		return err;
	}
	*max = info.max_entries;
	*count = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		(*count)++;
	}
	return 0;
}

int ts_dp_fill_levels(const struct ts_dp *dp, struct ts_dp_fill *out)
{
	int err = count_entries(dp, TS_MAP_FLOWS, &out->flows, &out->flows_max);

	if (!err)
		err = count_entries(dp, TS_MAP_HALFOPEN, &out->halfopen, &out->halfopen_max);
	if (!err)
		err = count_entries(dp, TS_MAP_HOSTS, &out->hosts, &out->hosts_max);
	if (!err)
		err = count_entries(dp, TS_MAP_PREFIXES, &out->prefixes, &out->prefixes_max);
	if (!err)
		err = count_entries(dp, TS_MAP_RULES, &out->rules, &out->rules_max);
	return err;
}
