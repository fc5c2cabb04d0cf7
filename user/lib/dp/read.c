// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* read.c - counters, flows, garbage collection and fill levels. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

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
	[TS_R_PASS_NEW_UDP] = "pass_new_udp",
	[TS_R_PASS_UDP] = "pass_udp",
	[TS_R_PASS_NEW_ICMP] = "pass_new_icmp",
	[TS_R_PASS_ICMP_ECHO] = "pass_icmp_echo",
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
	[TS_R_DROP_NO_RULE_UDP] = "drop_no_rule_udp",
	[TS_R_DROP_NO_RULE_ICMP] = "drop_no_rule_icmp",
};

const char *ts_reason_name(uint32_t reason)
{
	return reason < TS_R_MAX ? reason_names[reason] : NULL;
}

const char *ts_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:    return "tcp";
	case IPPROTO_UDP:    return "udp";
	case IPPROTO_ICMP:   return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	default:             return "other";
	}
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

int ts_dp_iface_stats(const struct ts_dp *dp, struct ts_dp_iface_stat **out, size_t *n)
{
	struct ts_iface_counter *v = calloc(dp->ncpus, sizeof(*v));
	struct ts_dp_iface_stat *res = calloc(TS_IFACE_SLOTS, sizeof(*res));
	size_t cnt = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!v || !res) {
		free(v);
		free(res);
		return -ENOMEM;
	}
	for (uint32_t slot = 0; slot < TS_IFACE_SLOTS && !err; slot++) {
		__u64 *sum = &res[cnt].c.in_pass_packets, any = 0;

		err = lookup(dp, TS_MAP_IFACE_STATS, &slot, v);
		for (int c = 0; c < dp->ncpus && !err; c++) {
			const __u64 *f = &v[c].in_pass_packets;

			for (size_t k = 0; k < sizeof(*v) / sizeof(__u64); k++)
				sum[k] += f[k];
		}
		for (size_t k = 0; k < sizeof(*v) / sizeof(__u64); k++)
			any |= sum[k];
		if (!err && any)
			res[cnt++].ifindex = slot;
		else if (!err)
			memset(&res[cnt], 0, sizeof(res[cnt]));
	}
	free(v);
	if (err) {
		free(res);
		return err;
	}
	*out = res;
	*n = cnt;
	return 0;
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

/* The flow tables, the established flows' two first (turnstile.h). */
static const enum ts_table flow_tables[] = { TS_TBL_FLOWS_SMALL, TS_TBL_FLOWS, TS_TBL_HALFOPEN };
#define NFLOW_TABLES (sizeof(flow_tables) / sizeof(flow_tables[0]))

struct flow_walk {
	const struct ts_dp_table *t;
	enum ts_table ti;
	int (*fn)(const struct ts_dp_flow *f, void *ctx);
	void *ctx;
};

/* A copy of a live slot of table ti's flow, taken only if it held one
 * entry throughout; *st: the state word it was read with. */
static bool copy_flow(const struct ts_dp_table *t, enum ts_table ti, uint64_t *slot,
		      struct ts_dp_flow *f, uint64_t *st)
{
	*st = ts_slot_state(slot);
	if ((*st & TS_SLOT_KIND_MASK) != TS_SLOT_LIVE)
		return false;
	f->table = ti;
	memcpy(&f->key, ts_table_key(slot), sizeof(f->key));
	memcpy(&f->val, ts_table_val(t, slot), sizeof(f->val));
	return ts_slot_unchanged(slot, *st);   /* else removed or reused meanwhile */
}

static int visit_flow(uint64_t *slot, void *arg)
{
	struct flow_walk *w = arg;
	struct ts_dp_flow f;
	uint64_t st;

	return copy_flow(w->t, w->ti, slot, &f, &st) ? w->fn(&f, w->ctx) : 0;
}

int ts_dp_flows_foreach(const struct ts_dp *dp,
			int (*fn)(const struct ts_dp_flow *f, void *ctx), void *ctx)
{
	int ret = 0;

	for (size_t i = 0; i < NFLOW_TABLES && !ret; i++) {
		struct flow_walk w = { &dp->tables[flow_tables[i]], flow_tables[i], fn, ctx };

		ret = ts_table_foreach(w.t, visit_flow, &w);
	}
	return ret;
}

struct flow_cut {
	struct ts_dp_table *t;
	enum ts_table ti;
	bool (*match)(const struct ts_dp_flow *f, void *ctx);
	void *ctx;
	uint32_t removed;
};

static int cut_flow(uint64_t *slot, void *arg)
{
	struct flow_cut *w = arg;
	struct ts_dp_flow f;
	uint64_t st;

	if (!copy_flow(w->t, w->ti, slot, &f, &st) || !w->match(&f, w->ctx))
		return 0;
	w->removed += ts_table_remove_slot(w->t, slot, st);
	return 0;
}

int ts_dp_flows_remove(struct ts_dp *dp, bool (*match)(const struct ts_dp_flow *f, void *ctx),
		       void *ctx, uint32_t *removed)
{
	struct flow_cut w = { NULL, TS_TBL_FLOWS, match, ctx, 0 };

	if (dp->tables_ro)
		return -EROFS;
	for (size_t i = 0; i < NFLOW_TABLES; i++) {
		w.t = &dp->tables[flow_tables[i]];
		w.ti = flow_tables[i];
		ts_table_foreach(w.t, cut_flow, &w);
	}
	*removed = w.removed;
	return w.removed ? ts_dp_pass_clear(dp) : 0;
}

struct ts_flow_val *ts_dp_flow_find(const struct ts_dp *dp, bool halfopen, const struct ts_flow_key *k)
{
	/* the established flows' small table, and ts_flows behind it */
	const struct ts_dp_table *t = &dp->tables[halfopen ? TS_TBL_HALFOPEN : TS_TBL_FLOWS_SMALL];
	uint64_t *s = ts_table_find(t, k);

	return s ? ts_table_val(t, s) : NULL;
}

int ts_dp_flow_insert(struct ts_dp *dp, bool halfopen, const struct ts_flow_key *k,
		      const struct ts_flow_val *v)
{
	return ts_table_insert(&dp->tables[halfopen ? TS_TBL_HALFOPEN : TS_TBL_FLOWS_SMALL], k, v);
}

/* Same rule as the BPF side (bpf/flow.h): idle longer than its state's timeout
 * (ts_flow_timeout_s). */
static bool expired(const struct ts_flow_val *v, const struct ts_slot_cfg *sc, uint64_t now)
{
	return (int64_t)(now - v->last_seen_ns) >
	       (int64_t)((uint64_t)ts_flow_timeout_s(v->state, sc) * 1000000000ull);
}

struct gc_walk {
	struct ts_dp_table *t;
	const struct ts_slot_cfg *sc;
	uint64_t now;
	uint32_t removed;
};

/* The slot goes only if it still holds the entry that was seen expired. */
static int gc_slot(uint64_t *slot, void *arg)
{
	struct gc_walk *w = arg;
	uint64_t st = ts_slot_state(slot);
	struct ts_flow_val v;

	memcpy(&v, ts_table_val(w->t, slot), sizeof(v));
	if (expired(&v, w->sc, w->now) && ts_table_remove_slot(w->t, slot, st))
		w->removed++;
	return 0;
}

int ts_dp_gc(struct ts_dp *dp, uint64_t now_ns, struct ts_dp_gc_result *res)
{
	struct ts_dp_gc_result r = {};
	struct ts_slot_cfg sc;
	int err = ts_dp_slot_cfg_read(dp, &sc);

	for (size_t i = 0; !err && i < NFLOW_TABLES; i++) {
		struct gc_walk w = { &dp->tables[flow_tables[i]], &sc, now_ns, 0 };

		ts_table_foreach(w.t, gc_slot, &w);
		*(flow_tables[i] == TS_TBL_HALFOPEN ? &r.halfopen_removed : &r.flows_removed) += w.removed;
	}
	if (res)
		*res = r;
	/* a CPU whose clock was a tick behind may have found one of them
	 * live and cached it as it went (bpf/pass.h) */
	if (!err && r.flows_removed)
		err = ts_dp_pass_clear(dp);
	return err;
}

int ts_dp_fill_levels(const struct ts_dp *dp, struct ts_dp_fill *out)
{
	const struct ts_dp_table *t = dp->tables;

	out->flows = ts_table_used(&t[TS_TBL_FLOWS]);
	out->flows_max = t[TS_TBL_FLOWS].capacity;
	out->flows_small = ts_table_live(&t[TS_TBL_FLOWS_SMALL]);
	out->flows_small_slots = t[TS_TBL_FLOWS_SMALL].nbuckets * TS_BUCKET_SLOTS;
	out->halfopen = ts_table_live(&t[TS_TBL_HALFOPEN]);
	out->halfopen_max = t[TS_TBL_HALFOPEN].capacity;
	out->hosts = ts_table_live(&t[TS_TBL_HOSTS]);
	out->hosts_max = t[TS_TBL_HOSTS].capacity;
	out->prefixes = ts_table_live(&t[TS_TBL_PREFIXES]);
	out->prefixes_max = t[TS_TBL_PREFIXES].capacity;
	out->rules = ts_table_live(&t[TS_TBL_RULES]);
	out->rules_max = t[TS_TBL_RULES].capacity;
	out->summary_set = ts_dp_summary_set_bits(dp, ts_dp_active_slot(dp));
	out->summary_bits = ts_dp_summary_bits(dp);
	return 0;
}

int ts_dp_addr_find(const struct ts_dp *dp, uint32_t slot, const struct ts_net *addr,
		    struct ts_addr_val *val, uint32_t *plen, bool *exact)
{
	const struct ts_dp_table *hosts = &dp->tables[TS_TBL_HOSTS], *pfx = &dp->tables[TS_TBL_PREFIXES];
	uint32_t bits = addr->family == TS_FAMILY_V6 ? 128 : 32;
	struct ts_net n = *addr;
	struct ts_slot_cfg sc;
	struct ts_addr_key k;
	const uint8_t *lens;
	uint64_t *s;
	unsigned nlens;

	if (bpf_map_lookup_elem(dp->fds[TS_MAP_SLOT_CFG], &slot, &sc))
		return -errno;
	*exact = false;
	/* as the datapath: an address the summary rules out has no entry */
	if (!ts_dp_summary_may_hold(dp, slot, &sc, addr))
		return -ENOENT;
	n.plen = bits;
	ts_dp_addr_key(&k, slot, &n);
	s = ts_table_find(hosts, &k);
	*exact = s != NULL;
	if (s) {
		memcpy(val, ts_table_val(hosts, s), sizeof(*val));
		*plen = bits;
		return 0;
	}
	lens = bits == 32 ? sc.prefix_lens_v4 : sc.prefix_lens_v6;
	nlens = bits == 32 ? sc.n_prefix_lens_v4 : sc.n_prefix_lens_v6;
	for (unsigned i = 0; i < nlens; i++) {
		n.plen = lens[i];
		ts_dp_addr_key(&k, slot, &n);
		s = ts_table_find(pfx, &k);
		if (s) {
			memcpy(val, ts_table_val(pfx, s), sizeof(*val));
			*plen = lens[i];
			return 0;
		}
	}
	return -ENOENT;
}

int ts_dp_rule_find(const struct ts_dp *dp, const struct ts_rule_key *k, uint32_t *rule_id)
{
	const struct ts_dp_table *t = &dp->tables[TS_TBL_RULES];
	uint64_t *s = ts_table_find(t, k);

	if (!s)
		return -ENOENT;
	*rule_id = ((const struct ts_rule_val *)ts_table_val(t, s))->rule_id;
	return 0;
}

void ts_dp_table_rows(const struct ts_dp_fill *f, const struct ts_dp_mem *mem,
		      struct ts_dp_table_row rows[TS_DP_TABLE_ROWS])
{
	const uint64_t *m = mem->table;

	rows[TS_DP_ROW_FLOWS] = (struct ts_dp_table_row){ "flows", f->flows, f->flows_max,
							  m[TS_TBL_FLOWS] + m[TS_TBL_FLOWS_SMALL] };
	rows[1] = (struct ts_dp_table_row){ "halfopen", f->halfopen, f->halfopen_max, m[TS_TBL_HALFOPEN] };
	rows[2] = (struct ts_dp_table_row){ "hosts", f->hosts, f->hosts_max, m[TS_TBL_HOSTS] };
	rows[3] = (struct ts_dp_table_row){ "prefixes", f->prefixes, f->prefixes_max, m[TS_TBL_PREFIXES] };
	rows[4] = (struct ts_dp_table_row){ "rules", f->rules, f->rules_max, m[TS_TBL_RULES] };
}
