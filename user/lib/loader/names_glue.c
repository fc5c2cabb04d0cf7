// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* names_glue.c - resolver changes into the maps (see names_glue.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "dp/dp.h"
#include "loader/names_glue.h"
#include "loader/resolvers.h"
#include "names/names.h"
#include "names/proxy.h"
#include "policy/dnsname.h"
#include "policy/table_sizes.h"

/* A policy with wildcards sizes its host table for every learned name. */
_Static_assert(TS_TABLE_LEARNED_ADDRS >= TS_NAMES_MAX_LEARNED, "learned names' room in ts_hosts");

/* An address now held by names of `comps`: its set (static members
 * included) goes into ts_hosts, new rule entries first so the host entry
 * never points at a set the rules do not know yet. */
int ts_names_glue_apply(void *ctx, const struct ts_net *addr, const struct ts_compset *comps)
{
	struct ts_names_glue *g = ctx;
	struct ts_registry *r = g->s->registry;
	struct ts_set_update u;
	int err;

	if ((!comps || ts_compset_is_empty(comps)) && !ts_registry_host(r, addr)) {
		err = ts_dp_host_delete(g->s->dp, addr);
		/* Already gone is what a delete wants: the library would
		 * otherwise retry a delete that can never succeed. */
		return err == -ENOENT ? 0 : err;
	}
	err = ts_registry_set_for_addr(r, addr, comps, &u);
	if (err) {
		if (!g->unmatched++)
			ts_warn("name resolver: no set for a resolved address (%s); it stays unenforced",
				strerror(-err));
		return err;
	}
	if (u.created && u.nrules) {
		err = ts_dp_rules_add(g->s->dp, u.rules, u.nrules);
		if (err)
			return err;
	}
	return ts_dp_host_upsert(g->s->dp, addr, u.set_id);
}

/*
 * With no --resolver and no `resolvers` setting the library asks the
 * servers of /etc/resolv.conf: they are our resolvers too, so their DNS
 * must pass like a --resolver's. Flagged in the maps now and remembered in
 * the session, so a reload's new slot has them from the start.
 */
static int flag_default_servers(struct ts_names_glue *g)
{
	struct ts_session *s = g->s;
	char *csv = s->default_resolvers;
	size_t fit;
	int err;

	if (s->state.resolvers[0] || s->policy->settings.nresolvers)
		return 0;
	fit = ts_names_servers_csv(g->names, csv, sizeof(s->default_resolvers));
	if (fit < ts_names_nservers(g->names))
		ts_warn("/etc/resolv.conf: too many name servers, only the first %zu let through", fit);
	err = ts_resolvers_add(s->registry, csv);
	if (err)
		return err;
	/* every resolver is a runtime host entry of the registry, with its set
	 * and flags to write (rewriting the other resolvers' flags is harmless) */
	for (size_t i = 0; i < s->registry->nhosts; i++) {
		const struct ts_addr_entry *h = &s->registry->hosts[i];

		if (!(h->flags & TS_ADDR_RESOLVER))
			continue;
		err = ts_dp_host_flags_add(s->dp, &h->net, h->set_id, h->flags);
		if (err)
			return err;
	}
	return 0;
}

/* The resolver on the session's policy; NULL names when it has none and
 * no proxy needs a learner. */
static int open_names(struct ts_names_glue *g)
{
	struct ts_session *s = g->s;
	struct ts_names_config cfg = {
		.policy = s->policy,
		.servers = s->state.resolvers[0] ? s->state.resolvers : NULL,
		.cache_path = s->names_cache,
		.sink = { .apply = ts_names_glue_apply, .ctx = g },
	};
	int err;

	g->names = NULL;
	/* The proxy's learner is the library, even for a policy that names no host. */
	if (!s->policy->nnames && !g->proxy)
		return 0;
	if (mkdir(s->state.state_dir, 0700) && errno != EEXIST)
		ts_warn("%s: cannot create (%s): names cache not kept", s->state.state_dir,
			strerror(errno));
	err = ts_names_open(&g->names, &cfg);
	if (err) {
		ts_err("name resolver: %s", strerror(-err));
		g->names = NULL;
		return err;
	}
	err = flag_default_servers(g);
	if (err)
		ts_warn("name servers of /etc/resolv.conf not let through: %s", strerror(-err));
	return 0;
}

static enum ts_learn_outcome learn(void *ctx, const struct ts_proxy_answer *a)
{
	struct ts_names_glue *g = ctx;
	enum ts_learn_outcome o = ts_names_learn_answer(g->names, a);

	if ((o == TS_LEARN_NEW || o == TS_LEARN_UPDATED) && g->taught)
		g->taught(g->taught_ctx, a);
	return o;
}

/* What a name from the fleet is recorded with: its client group (the
 * unspecified address, as a host) and its resolver. */
static const struct ts_net fleet_group = { .family = TS_FAMILY_V6, .plen = 128 };
#define FLEET_RESOLVER "fleet"

enum ts_learn_outcome ts_names_glue_learn_shared(struct ts_names_glue *g, const char *name,
						 const struct ts_net *addr, uint32_t ttl_s)
{
	struct ts_proxy_answer a = {
		.client = &fleet_group, .qname = name, .addrs = addr, .ttls = &ttl_s, .n = 1,
		.server = FLEET_RESOLVER,
	};
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	a.received_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;

	return g->names ? ts_names_learn_answer(g->names, &a) : TS_LEARN_NONE;
}

/* The client group names from the fleet count under (the group of fleet_group). */
static bool taught_by_fleet(const struct ts_net *by)
{
	static const uint8_t zero[sizeof(by->addr)];

	return by->family == fleet_group.family && !memcmp(by->addr, zero, sizeof(zero));
}

bool ts_names_glue_own_learned(struct ts_names_glue *g, struct ts_names_cursor *cur, size_t room,
			       ts_names_own_fn fn, void *ctx)
{
	const struct ts_names_state *st = g->names ? ts_names_state(g->names) : NULL;
	struct timespec wall;
	int64_t now_ms;

	clock_gettime(CLOCK_REALTIME, &wall);
	now_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
	for (; st && cur->name < ts_names_count(st); cur->name++, cur->addr = 0) {
		struct ts_names_name_info ni;

		if (ts_names_name_info(st, cur->name, &ni) || !ni.wildcard || !ni.learned_by.family ||
		    taught_by_fleet(&ni.learned_by))
			continue;
		for (; cur->addr < ni.naddrs; cur->addr++) {
			struct ts_names_addr_info ai;
			int64_t left_ms;

			if (!room)
				return true;
			if (ts_names_addr_info(st, cur->name, cur->addr, &ai) ||
			    !strcmp(ai.resolver, FLEET_RESOLVER))
				continue;
			left_ms = ai.last_seen_ms + (int64_t)ai.ttl_s * 1000 - now_ms;
			/* past its TTL, in its grace: a second still */
			fn(ctx, ni.name, &ai.addr, left_ms < 1000 ? 1 : (uint32_t)(left_ms / 1000));
			room--;
		}
	}
	return false;
}

/* The proxy asks the servers the names use and teaches the library that runs now. */
static void point_proxy(struct ts_names_glue *g)
{
	char csv[2048];

	if (!g->proxy)
		return;
	ts_proxy_set_learner(g->proxy, g->names ? learn : NULL, g);
	if (!g->names)
		return;
	ts_names_servers_csv(g->names, csv, sizeof(csv));
	if (ts_proxy_set_servers(g->proxy, csv))
		ts_warn("dns proxy: keeps its old upstream servers");
}

int ts_names_glue_open(struct ts_names_glue *g, struct ts_session *s)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->s = s;
	if (s->state.dns_listen[0]) {
		char stats[sizeof(s->state.state_dir) + 32];
		struct ts_proxy_config pc = {
			.listen = s->state.dns_listen,
			.servers = s->state.resolvers[0] ? s->state.resolvers : NULL,
			.stats_path = stats,
			.limits = { .udp_max = s->state.dns_udp_max },
		};

		snprintf(stats, sizeof(stats), "%s/%s", s->state.state_dir, TS_PROXY_STATS_FILE);
		err = ts_proxy_open(&g->proxy, &pc);
		if (err)
			return err;
	}
	err = open_names(g);
	if (err) {
		ts_names_glue_close(g);
		return err;
	}
	point_proxy(g);
	return 0;
}

void ts_names_glue_close(struct ts_names_glue *g)
{
	ts_names_glue_pause(g);
	ts_proxy_close(g->proxy);
	g->proxy = NULL;
}

void ts_names_glue_pause(struct ts_names_glue *g)
{
	if (g->proxy)
		ts_proxy_set_learner(g->proxy, NULL, NULL);
	if (g->names)
		ts_names_close(g->names);
	g->names = NULL;
}

bool ts_names_glue_proxy_metrics(const struct ts_loader_state *st, struct ts_proxy_metrics *m)
{
	char path[sizeof(st->state_dir) + 32], listen[128];

	if (!st->dns_listen[0])
		return false;
	snprintf(path, sizeof(path), "%s/%s", st->state_dir, TS_PROXY_STATS_FILE);
	return !ts_proxy_metrics_read(m, listen, sizeof(listen), path);
}

int ts_names_glue_fd(const struct ts_names_glue *g)
{
	return g->names ? ts_names_fd(g->names) : -1;
}

int ts_names_glue_proxy_fd(const struct ts_names_glue *g)
{
	return g->proxy ? ts_proxy_fd(g->proxy) : -1;
}

int ts_names_glue_timeout_ms(const struct ts_names_glue *g)
{
	int names_ms = g->names ? ts_names_next_timeout_ms(g->names) : -1;
	int proxy_ms = g->proxy ? ts_proxy_timeout_ms(g->proxy) : -1;

	if (names_ms < 0 || (proxy_ms >= 0 && proxy_ms < names_ms))
		return proxy_ms;
	return names_ms;
}

void ts_names_glue_process(struct ts_names_glue *g, bool names_ready, bool proxy_ready)
{
	int err;

	/* Each only when its fd fired or its timer is due: a proxy busy with
	 * queries does not make the resolver look at every name per packet. */
	if (g->proxy && (proxy_ready || !ts_proxy_timeout_ms(g->proxy)))
		ts_proxy_process(g->proxy);
	if (!g->names || (!names_ready && ts_names_next_timeout_ms(g->names)))
		return;
	err = ts_names_process(g->names);
	if (err)
		ts_debug("name resolver: %s", strerror(-err));
}

void ts_names_glue_policy_changed(struct ts_names_glue *g)
{
	ts_names_glue_pause(g);
	if (open_names(g))
		ts_warn("name resolver did not restart after the reload; names keep their last addresses");
	point_proxy(g);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ts_names_glue_resolve_once(struct ts_names_glue *g, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	if (!g->names)
		return 0;
	while (ts_names_unresolved(g->names)) {
		int64_t left = end - now_ms();

		if (left <= 0) {
			ts_warn("%zu name(s) not resolved within %d ms; the daemon keeps trying",
				ts_names_unresolved(g->names), timeout_ms);
			return -ETIMEDOUT;
		}
		ts_names_run_once(g->names, (int)(left < 200 ? left : 200));
	}
	return 0;
}

/* Components of `name` as the names library gives them: its exact
 * entries; for a name the policy does not list (a learned one), every
 * wildcard matching it, so a reload keeps learned addresses too. */
static int comps_of_name(const struct ts_compiled *c, const char *name, struct ts_compset *out)
{
	bool exact = false;

	for (size_t i = 0; i < c->nnames; i++)
		if (!c->names[i].wildcard && !strcmp(c->names[i].name, name)) {
			ts_compset_add(out, c->names[i].comp);
			exact = true;
		}
	for (size_t i = 0; i < c->nnames && !exact; i++)
		if (c->names[i].wildcard && ts_dns_name_matches(c->names[i].name, name))
			ts_compset_add(out, c->names[i].comp);
	return 0;
}

static int prefill_addr(struct ts_registry *r, const struct ts_names_state *st,
			const struct ts_net *addr)
{
	const struct ts_compiled *c = r->policy;
	struct ts_names_addr_info holders[16];
	size_t n = ts_names_explain(st, addr, holders, 16);
	struct ts_compset comps;
	struct ts_set_update u;
	int err;

	if (ts_registry_host(r, addr))
		return 0;
	err = ts_compset_init(&comps, c->ncomps);
	if (err)
		return err;
	for (size_t i = 0; i < n && i < 16; i++)
		comps_of_name(c, holders[i].name, &comps);
	if (ts_compset_is_empty(&comps)) {
		ts_compset_free(&comps);
		return 0; /* its names left the policy */
	}
	err = ts_registry_set_for_addr(r, addr, &comps, &u);
	ts_compset_free(&comps);
	if (err)
		return err;
	return ts_registry_host_put(r, &(struct ts_addr_entry){ .net = *addr, .set_id = u.set_id });
}

int ts_names_prefill(struct ts_registry *r, const char *cache_path)
{
	struct ts_names_state *st = NULL;
	int64_t now = (int64_t)time(NULL) * 1000;
	int err = 0;

	if (!r->policy->nnames || access(cache_path, R_OK))
		return 0;
	if (ts_names_state_read(&st, cache_path)) {
		ts_warn("%s: unreadable, named hosts wait for the resolver", cache_path);
		return 0;
	}
	for (size_t i = 0; !err && i < ts_names_count(st); i++) {
		struct ts_names_name_info ni;

		if (ts_names_name_info(st, i, &ni))
			continue;
		for (size_t j = 0; !err && j < ni.naddrs; j++) {
			struct ts_names_addr_info ai;

			if (ts_names_addr_info(st, i, j, &ai) || ai.expires_ms < now)
				continue;
			err = prefill_addr(r, st, &ai.addr);
		}
	}
	ts_names_state_free(st);
	if (err)
		ts_warn("%s: prefilling named hosts stopped: %s", cache_path, strerror(-err));
	return err;
}
