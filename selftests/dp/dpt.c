// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/if_link.h>

#include "common/log.h"
#include "loader/resolvers.h"
#include "policy/policy.h"
#include "dpt.h"

int dpt_open(struct dpt *t, uint32_t cap_flows, uint32_t cap_halfopen)
{
	struct ts_dp_open_opts o = { .cap_flows = cap_flows, .cap_halfopen = cap_halfopen };

	memset(t, 0, sizeof(*t));
	ts_log_route_libbpf();
	return ts_dp_open(&t->dp, &o);
}

void dpt_close(struct dpt *t)
{
	ts_dp_close(t->dp);
	ts_registry_free(t->reg);
	free(t->hosts);
	memset(t, 0, sizeof(*t));
}

static int install(struct dpt *t, int err, struct ts_diags *d, struct ts_compiled *c)
{
	struct ts_registry *reg;

	if (err) {
		ts_diags_print(stderr, d);
		ts_diags_free(d);
		return err;
	}
	ts_diags_free(d);
	if (t->min_timeout_s) {
		struct ts_compiled_settings *st = &c->settings;

		st->timeout_syn_s = st->timeout_syn_s > t->min_timeout_s ? st->timeout_syn_s : t->min_timeout_s;
		st->timeout_established_s = st->timeout_established_s > t->min_timeout_s ?
					    st->timeout_established_s : t->min_timeout_s;
		st->timeout_closing_s = st->timeout_closing_s > t->min_timeout_s ?
					st->timeout_closing_s : t->min_timeout_s;
		st->timeout_unreplied_s = st->timeout_unreplied_s > t->min_timeout_s ?
					  st->timeout_unreplied_s : t->min_timeout_s;
		st->timeout_replied_s = st->timeout_replied_s > t->min_timeout_s ?
					st->timeout_replied_s : t->min_timeout_s;
	}
	err = ts_registry_new(c, &reg);
	if (err)
		return err;
	err = ts_resolvers_add(reg, t->resolvers);
	if (!err)
		err = ts_dp_install(t->dp, reg, NULL);
	if (err) {
		ts_registry_free(reg);
		return err;
	}
	ts_registry_free(t->reg);
	t->reg = reg;
	t->c = reg->policy;
	t->nhosts = 0;  /* a new policy starts without resolved names */
	return 0;
}

int dpt_install_text(struct dpt *t, const char *text)
{
	struct ts_diags d = {};
	struct ts_compiled *c = NULL;
	int err = ts_policy_build("test.policy", text, strlen(text), &ts_policy_file_reader, &d, &c);

	return install(t, err, &d, c);
}

int dpt_install_file(struct dpt *t, const char *path)
{
	struct ts_diags d = {};
	struct ts_compiled *c = NULL;
	int err = ts_policy_build_file(path, &d, &c);

	return install(t, err, &d, c);
}

static int comp_index(const struct ts_compiled *c, const char *name)
{
	for (size_t i = 0; i < c->ncomps; i++)
		if (!strcmp(c->comp_names[i], name))
			return (int)i;
	return -ENOENT;
}

/* What the name resolver does with an answer: the set for the address
 * (new sets bring new rule entries, written first), then the host entry. */
int dpt_resolve(struct dpt *t, const char *comp, const char *addr)
{
	struct pkt_addr a = pkt_ip(addr);
	struct ts_net n = { .family = a.family, .plen = a.family == 4 ? 32 : 128 };
	struct ts_set_update up;
	struct ts_compset comps;
	int ci = comp_index(t->c, comp), err;

	if (ci < 0) {
		fprintf(stderr, "dpt: no component %s\n", comp);
		return ci;
	}
	memcpy(n.addr, a.a, 16);
	err = ts_compset_init(&comps, t->c->ncomps);
	if (err)
		return err;
	ts_compset_add(&comps, ci);
	err = ts_registry_set_for_addr(t->reg, &n, &comps, &up);
	ts_compset_free(&comps);
	if (!err && up.created)
		err = ts_dp_rules_add(t->dp, up.rules, up.nrules);
	if (!err)
		err = ts_dp_host_upsert(t->dp, &n, up.set_id);
	if (!err)
		err = dpt_note_host(t, &n, up.set_id);
	return err;
}

int dpt_note_host(struct dpt *t, const struct ts_net *n, uint32_t set_id)
{
	struct dpt_host *h = realloc(t->hosts, (t->nhosts + 1) * sizeof(*h));

	if (!h)
		return -ENOMEM;
	t->hosts = h;
	t->hosts[t->nhosts].net = *n;
	t->hosts[t->nhosts++].set_id = set_id;
	return 0;
}

int dpt_resolve_seed_names(struct dpt *t)
{
	static const char *const world[][2] = {
		{ "device-manager", "203.0.113.10" },  { "device-manager", "2001:db8:200::10" },
		{ "waf", "192.0.2.33" },               { "waf", "2001:db8:300::33" },
		{ "aggregator", "192.0.2.49" },        { "aggregator", "2001:db8:400::49" },
		{ "azure-blob", "192.0.2.65" },        { "azure-blob", "2001:db8:500::65" },
		{ "azure-blob", "192.0.2.66" },        { "azure-blob", "2001:db8:500::66" },
		{ "sharefile", "192.0.2.81" },         { "sharefile", "2001:db8:600::81" },
		{ "redirect-server", "192.0.2.97" },   { "redirect-server", "2001:db8:700::97" },
	};

	for (size_t i = 0; i < sizeof(world) / sizeof(world[0]); i++) {
		int err = dpt_resolve(t, world[i][0], world[i][1]);

		if (err)
			return err;
	}
	return 0;
}

int dpt_run(struct dpt *t, enum ts_hook hook, const struct pkt *p, bool *drop)
{
	int fd = hook == TS_HOOK_XDP ? ts_dp_xdp_prog_fd(t->dp) : ts_dp_tc_prog_fd(t->dp);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = p->len, .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &o);

	if (err)
		return -errno;
	*drop = hook == TS_HOOK_XDP ? o.retval == XDP_DROP : o.retval == 2 /* TC_ACT_SHOT */;
	return 0;
}

int dpt_reason(struct dpt *t, enum ts_hook hook, const struct pkt *p)
{
	struct ts_dp_reason_stat before[TS_R_MAX], after[TS_R_MAX];
	int err, moved = -1;
	bool drop;

	err = ts_dp_reason_stats(t->dp, before);
	if (!err)
		err = dpt_run(t, hook, p, &drop);
	if (!err)
		err = ts_dp_reason_stats(t->dp, after);
	if (err)
		return err;
	for (int r = 0; r < TS_R_MAX; r++) {
		uint64_t d = after[r].packets - before[r].packets;

		if (d == 0)
			continue;
		if (d != 1 || moved >= 0)
			return -EPROTO;
		moved = r;
	}
	if (moved < 0)
		return -EPROTO;
	/* the verdict agrees with the reason */
	if (drop != ts_reason_is_drop(moved))
		return -EBADMSG;
	return moved;
}

void dpt_tcp(struct pkt *p, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	     uint8_t flags, int nvlan)
{
	struct pkt_spec s = {
		.src = pkt_ip(src), .dst = pkt_ip(dst), .sport = sport, .dport = dport,
		.tcp_flags = flags, .nvlan = nvlan, .vlan_tpid = { 0x88a8, 0x8100 },
		.vlan_id = { 100, 200 },
	};

	pkt_build(&s, p);
}

void dpt_unpin(const char *dir, int keep)
{
	char path[256];

	for (int m = 0; m < TS_MAP_COUNT; m++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ts_dp_map_name(m));
		if (m != keep)
			unlink(path);
	}
	rmdir(dir);
}

struct ts_flow_key dpt_flow_key(uint8_t proto, const char *a, uint16_t aport, const char *b, uint16_t bport)
{
	struct pkt_addr x = pkt_ip(a), y = pkt_ip(b);
	struct ts_flow_key k = { .family = x.family, .proto = proto };
	int c = memcmp(x.a, y.a, 16);
	bool x_lo = c ? c < 0 : aport < bport;

	memcpy(k.lo_addr, x_lo ? x.a : y.a, 16);
	memcpy(k.hi_addr, x_lo ? y.a : x.a, 16);
	k.lo_port = htons(x_lo ? aport : bport);
	k.hi_port = htons(x_lo ? bport : aport);
	return k;
}
