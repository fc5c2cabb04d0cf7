// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * install.c - write a compiled policy into the inactive slot, switch with
 * one write of ts_config, then clear the old slot. Rule ids are made
 * stable by matching label+text against ts_rule_meta.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "common/log.h"
#include "dp/dp_internal.h"

/* The address is masked to its prefix: ts_prefixes is an exact match
 * per length. */
void ts_dp_addr_key(struct ts_addr_key *k, uint32_t slot, const struct ts_net *net)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = TS_ADDR_HDR_BITS + net->plen;
	k->slot = slot;
	k->family = net->family;
	for (unsigned i = 0; i < sizeof(k->addr) && i * 8 < net->plen; i++)
		k->addr[i] = net->plen >= (i + 1) * 8 ? net->addr[i]
						      : net->addr[i] & (uint8_t)(0xff00 >> (net->plen - i * 8));
}

static uint32_t full_plen(uint8_t family)
{
	return family == TS_FAMILY_V4 ? 32 : 128;
}

static int table_write(struct ts_dp *dp, enum ts_table t, const void *key, const void *val)
{
	int err = ts_table_put(&dp->tables[t], key, val);

	if (err)
		ts_err("dp: cannot write %s: %s", ts_dp_map_name(ts_dp_table_map(t)),
		       err == -ENOSPC ? "the table is full (its size: docs/policy.md, \"Table sizes\")" : strerror(-err));
	return err;
}

/* An address entry (t: ts_hosts or ts_prefixes) of the slot whose
 * settings are sc: its summary bit before the entry. */
static int addr_write(struct ts_dp *dp, enum ts_table t, const struct ts_slot_cfg *sc,
		      const struct ts_addr_key *k, const struct ts_addr_val *v)
{
	int err = ts_dp_summary_add(dp, sc, k);

	return err ? err : table_write(dp, t, k, v);
}

static int map_write(int fd, const char *what, const void *key, const void *val)
{
	if (bpf_map_update_elem(fd, key, val, BPF_ANY)) {
		int err = -errno;

		ts_err("dp: cannot write %s: %s", what, strerror(-err));
		return err;
	}
	return 0;
}

/* Remove every entry of `slot` from a policy table. */
struct clear_ctx {
	struct ts_dp_table *t;
	bool rules;
	uint32_t slot;
};

static int clear_one(uint64_t *slot, void *arg)
{
	struct clear_ctx *c = arg;
	const void *key = ts_table_key(slot);
	uint8_t s = c->rules ? ((const struct ts_rule_key *)key)->slot
			     : ((const struct ts_addr_key *)key)->slot;

	if (s == c->slot)
		ts_table_remove_slot(c->t, slot, ts_slot_state(slot));
	return 0;
}

int ts_dp_clear_slot(struct ts_dp *dp, uint32_t slot)
{
	static const enum ts_table policy_tables[] = { TS_TBL_HOSTS, TS_TBL_PREFIXES, TS_TBL_RULES };

	if (dp->tables_ro)
		return -EPERM;
	for (size_t i = 0; i < sizeof(policy_tables) / sizeof(policy_tables[0]); i++) {
		struct clear_ctx c = { &dp->tables[policy_tables[i]], policy_tables[i] == TS_TBL_RULES, slot };

		ts_table_foreach(c.t, clear_one, &c);
	}
	return ts_dp_summary_clear(dp, slot);   /* no entry of the slot is left */
}

/* ---- stable rule ids ---------------------------------------------------- */

struct meta_table {
	struct ts_rule_meta m[TS_MAX_RULE_IDS];
	bool taken[TS_MAX_RULE_IDS];      /* claimed by the policy being installed */
};

static int meta_load(struct ts_dp *dp, struct meta_table *t)
{
	for (uint32_t id = 1; id < TS_MAX_RULE_IDS; id++) {
		if (bpf_map_lookup_elem(dp->fds[TS_MAP_RULE_META], &id, &t->m[id])) {
			int err = -errno;

			ts_err("dp: cannot read ts_rule_meta[%u]: %s", id, strerror(-err));
			return err;
		}
	}
	return 0;
}

static bool meta_matches(const struct ts_rule_meta *m, const struct ts_rule_info *ri)
{
	return !strncmp(m->label, ri->label, TS_LABEL_LEN) && !strncmp(m->text, ri->text, TS_RULE_TEXT_LEN);
}

/* An id nobody holds: never-used ids first, so a removed rule that comes
 * back later still finds its counters. */
static uint32_t meta_free_id(const struct meta_table *t)
{
	for (uint32_t id = 1; id < TS_MAX_RULE_IDS; id++)
		if (!t->taken[id] && !t->m[id].in_use && !t->m[id].label[0] && !t->m[id].text[0])
			return id;
	for (uint32_t id = 1; id < TS_MAX_RULE_IDS; id++)
		if (!t->taken[id] && !t->m[id].in_use)
			return id;
	return 0;
}

/* Fill dp->stable_ids for c and write the metadata of new ids. Ids still
 * in_use by the active policy are never handed to a different rule. */
static int assign_rule_ids(struct ts_dp *dp, const struct ts_compiled *c, struct meta_table *t)
{
	uint32_t *ids = calloc(c->nrule_ids + 1, sizeof(*ids));
	int err = 0;

	if (!ids)
		return -ENOMEM;
	for (size_t i = 1; i <= c->nrule_ids; i++) {
		const struct ts_rule_info *ri = &c->rule_info[i];

		for (uint32_t id = 1; id < TS_MAX_RULE_IDS && !ids[i]; id++)
			if (!t->taken[id] && (t->m[id].label[0] || t->m[id].text[0]) &&
			    meta_matches(&t->m[id], ri))
				ids[i] = id;
		if (!ids[i]) {
			struct ts_rule_meta *m;

			ids[i] = meta_free_id(t);
			if (!ids[i]) {
				ts_err("dp: no free rule id for rule \"%s\" (%u ids)", ri->label,
				       TS_MAX_RULE_IDS - 1);
				err = -ENOSPC;
				break;
			}
			m = &t->m[ids[i]];
			memset(m, 0, sizeof(*m));
			snprintf(m->label, sizeof(m->label), "%s", ri->label);
			snprintf(m->text, sizeof(m->text), "%s", ri->text);
		}
		t->taken[ids[i]] = true;
		t->m[ids[i]].in_use = 1;
		err = map_write(dp->fds[TS_MAP_RULE_META], ts_dp_map_name(TS_MAP_RULE_META), &ids[i], &t->m[ids[i]]);
		if (err)
			break;
	}
	if (err) {
		free(ids);
		return err;
	}
	free(dp->stable_ids);
	dp->stable_ids = ids;
	dp->nstable = c->nrule_ids + 1;
	return 0;
}

/* After the switch: ids the new policy does not use are free again. */
static void release_rule_ids(struct ts_dp *dp, struct meta_table *t)
{
	for (uint32_t id = 1; id < TS_MAX_RULE_IDS; id++) {
		if (t->taken[id] || !t->m[id].in_use)
			continue;
		t->m[id].in_use = 0;
		map_write(dp->fds[TS_MAP_RULE_META], ts_dp_map_name(TS_MAP_RULE_META), &id, &t->m[id]);
	}
}

uint32_t ts_dp_stable_rule_id(const struct ts_dp *dp, uint32_t compiled_id)
{
	return compiled_id < dp->nstable ? dp->stable_ids[compiled_id] : 0;
}

/* ---- slot contents -------------------------------------------------------- */

/* One batch: 65536 single writes would make every install ~10x slower. */
static int write_ports(struct ts_dp *dp, const struct ts_compiled *c, uint32_t slot)
{
	uint32_t *keys = malloc(TS_PORTS_PER_SLOT * sizeof(*keys));
	struct ts_port_val *vals = malloc(TS_PORTS_PER_SLOT * sizeof(*vals));
	uint32_t n = TS_PORTS_PER_SLOT;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t port = 0; port < TS_PORTS_PER_SLOT; port++) {
		keys[port] = slot * TS_PORTS_PER_SLOT + port;
		vals[port].port_class = c->port_class[port];
	}
	if (bpf_map_update_batch(dp->fds[TS_MAP_PORTS], keys, vals, &n, &o)) {
		err = -errno;
		ts_err("dp: cannot write ts_ports of slot %u: %s", slot, strerror(-err));
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* The host entry of k, if there is one. */
static bool host_read(const struct ts_dp *dp, const struct ts_addr_key *k, struct ts_addr_val *v)
{
	uint64_t *s = ts_table_find(&dp->tables[TS_TBL_HOSTS], k);

	if (s)
		memcpy(v, ts_table_val(&dp->tables[TS_TBL_HOSTS], s), sizeof(*v));
	return s != NULL;
}

/* The prefix lengths of the slot's CIDRs, longest first, per family, and
 * the address summary's. */
static void prefix_lengths(const struct ts_compiled *c, struct ts_slot_cfg *sc)
{
	bool v4[TS_V4_LENS] = {}, v6[TS_V6_LENS] = {};

	for (size_t i = 0; i < c->nprefixes; i++) {
		const struct ts_net *n = &c->prefixes[i].net;

		if (n->family == TS_FAMILY_V4 && n->plen < TS_V4_LENS)
			v4[n->plen] = true;
		else if (n->family == TS_FAMILY_V6 && n->plen < TS_V6_LENS)
			v6[n->plen] = true;
	}
	for (int l = TS_V4_LENS - 1; l >= 0; l--)
		if (v4[l])
			sc->prefix_lens_v4[sc->n_prefix_lens_v4++] = l;
	for (int l = TS_V6_LENS - 1; l >= 0; l--)
		if (v6[l])
			sc->prefix_lens_v6[sc->n_prefix_lens_v6++] = l;
	/* the shortest, which every entry's address can be cut to */
	sc->summary_len_v4 = sc->n_prefix_lens_v4 ? sc->prefix_lens_v4[sc->n_prefix_lens_v4 - 1] : 32;
	sc->summary_len_v6 = sc->n_prefix_lens_v6 ? sc->prefix_lens_v6[sc->n_prefix_lens_v6 - 1] : 128;
}

static int write_entries(struct ts_dp *dp, enum ts_table t, const struct ts_addr_entry *e, size_t n,
			 uint32_t slot, const struct ts_slot_cfg *sc, const uint16_t *in, size_t nin)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		struct ts_addr_val v = {
			.set_id = e[i].set_id,
			.flags = ts_dp_inbound_flags(in, nin, e[i].set_id, e[i].flags),
		};
		struct ts_addr_key k;

		ts_dp_addr_key(&k, slot, &e[i].net);
		err = addr_write(dp, t, sc, &k, &v);
	}
	return err;
}

static int write_addrs(struct ts_dp *dp, const struct ts_registry *r, uint32_t slot,
		       const struct ts_slot_cfg *sc, const uint16_t *in, size_t nin)
{
	const struct ts_compiled *c = r->policy;
	int err;

	/* compiled hosts first: a runtime entry for the same address replaces it */
	err = write_entries(dp, TS_TBL_HOSTS, c->hosts, c->nhosts, slot, sc, in, nin);
	if (!err)
		err = write_entries(dp, TS_TBL_HOSTS, r->hosts, r->nhosts, slot, sc, in, nin);
	if (!err)
		err = write_entries(dp, TS_TBL_PREFIXES, c->prefixes, c->nprefixes, slot, sc, in, nin);
	/* Resolvers of the policy's settings are exact entries flagged
	 * TS_ADDR_RESOLVER, keeping the set the address has anyway. */
	for (size_t i = 0; i < c->settings.nresolvers && !err; i++) {
		struct ts_net host = c->settings.resolvers[i];
		struct ts_addr_val v;
		struct ts_addr_key k;

		host.plen = full_plen(host.family);
		ts_dp_addr_key(&k, slot, &host);
		if (!host_read(dp, &k, &v)) {
			v.set_id = ts_compiled_static_set(c, &host);
			v.flags = ts_dp_inbound_flags(in, nin, v.set_id, 0);
		}
		v.flags |= TS_ADDR_RESOLVER;
		err = addr_write(dp, TS_TBL_HOSTS, sc, &k, &v);
	}
	return err;
}

static int write_rules(struct ts_dp *dp, const struct ts_rule_entry *r, size_t n, uint32_t slot)
{
	for (size_t i = 0; i < n; i++) {
		struct ts_rule_key k = {
			.slot = slot,
			.src_set = r[i].src_set,
			.dst_set = r[i].dst_set,
			.port_class = r[i].port_class,
		};
		struct ts_rule_val v = { .rule_id = ts_dp_stable_rule_id(dp, r[i].rule_id) };
		int err;

		if (!v.rule_id) {
			ts_err("dp: rule entry %zu names unknown rule id %u", i, r[i].rule_id);
			return -EINVAL;
		}
		err = table_write(dp, TS_TBL_RULES, &k, &v);
		if (err)
			return err;
	}
	return 0;
}

/* The policy fits beside the running one (whose entries are the tables'
 * live ones once the inactive slot is cleared). A table keeps the size
 * it was made with, so a policy that outgrew pinned tables says so here
 * rather than as a full table half-way through the install. */
static int check_fits(const struct ts_dp *dp, const struct ts_registry *r)
{
	const struct ts_compiled *c = r->policy;
	static const char *const what[TS_TBL_COUNT] = {
		[TS_TBL_HOSTS] = "host", [TS_TBL_PREFIXES] = "prefix", [TS_TBL_RULES] = "rule",
	};
	const size_t need[TS_TBL_COUNT] = {
		/* a runtime host may shadow a compiled one: counted twice, an upper bound */
		[TS_TBL_HOSTS] = c->nhosts + r->nhosts, [TS_TBL_PREFIXES] = c->nprefixes,
		[TS_TBL_RULES] = c->nrules_entries + r->nrules,
	};
	int err = 0;

	for (int t = TS_TBL_HOSTS; t <= TS_TBL_RULES; t++) {
		const struct ts_dp_table *tb = &dp->tables[t];
		uint64_t live = ts_table_live(tb);

		if (live + need[t] <= tb->capacity)
			continue;
		ts_err("dp: the policy needs %zu %s entries, but %s holds %u and the running policy "
		       "uses %llu: tables keep the size they were made with; `turnstile down` then `up` "
		       "makes them anew with the policy's sizes (docs/policy.md, \"Table sizes\")",
		       need[t], what[t], ts_dp_map_name(ts_dp_table_map(t)), tb->capacity,
		       (unsigned long long)live);
		err = -ENOSPC;
	}
	return err;
}

int ts_dp_install(struct ts_dp *dp, const struct ts_registry *r, uint64_t *generation_out)
{
	const struct ts_compiled *c = r->policy;
	struct meta_table *t = calloc(1, sizeof(*t));
	struct ts_slot_cfg sc = {};
	struct ts_config cfg;
	uint32_t zero = 0, old, slot;
	uint16_t *in = NULL;
	size_t nin = 0;
	int err;

	if (!t)
		return -ENOMEM;
	err = ts_dp_inbound_build(r, &in, &nin);
	if (!err)
		err = ts_dp_config_read(dp, &cfg);
	if (err)
		goto out;
	old = cfg.active_slot & 1;
	slot = old ^ 1;
	/* leftovers of an install that failed half-way */
	err = ts_dp_clear_slot(dp, slot);
	if (!err)
		err = check_fits(dp, r);
	if (!err)
		err = meta_load(dp, t);
	if (!err)
		err = assign_rule_ids(dp, c, t);
	if (!err)
		err = write_ports(dp, c, slot);
	/* the prefix lengths before the entries: they give the summary's */
	prefix_lengths(c, &sc);
	if (!err)
		err = write_addrs(dp, r, slot, &sc, in, nin);
	if (!err)
		err = write_rules(dp, c->rules, c->nrules_entries, slot);
	if (!err)
		err = write_rules(dp, r->rules, r->nrules, slot);
	if (err)
		goto out;

	sc.generation = cfg.generation + 1;
	sc.flags = c->settings.flags | (r->audit ? TS_CFG_AUDIT : 0);
	/* as the policy says: its defaults are the settings table's (policy/settings_table.c) */
	sc.events_per_sec = c->settings.events_per_sec;
	sc.timeout_syn_s = c->settings.timeout_syn_s;
	sc.timeout_established_s = c->settings.timeout_established_s;
	sc.timeout_closing_s = c->settings.timeout_closing_s;
	sc.timeout_unreplied_s = c->settings.timeout_unreplied_s;
	sc.timeout_replied_s = c->settings.timeout_replied_s;
	err = map_write(dp->fds[TS_MAP_SLOT_CFG], ts_dp_map_name(TS_MAP_SLOT_CFG), &slot, &sc);
	if (err)
		goto out;

	/* the switch: one write; packets see the old slot or the new one */
	cfg.schema_version = TS_SCHEMA_VERSION;
	cfg.active_slot = slot;
	cfg.generation = sc.generation;
	err = map_write(dp->fds[TS_MAP_CONFIG], ts_dp_map_name(TS_MAP_CONFIG), &zero, &cfg);
	if (err)
		goto out;
	if (generation_out)
		*generation_out = cfg.generation;
	/* from now on, updates of the active slot follow this policy's sets */
	free(dp->inbound);
	dp->inbound = in;
	dp->ninbound = nin;
	in = NULL;

	release_rule_ids(dp, t);
	err = ts_dp_clear_slot(dp, old);
	if (err)
		ts_warn("dp: policy generation %llu is active, but slot %u was not cleared",
			(unsigned long long)cfg.generation, old);
out:
	free(in);
	free(t);
	return err;
}

/* ---- incremental updates of the active slot ------------------------------- */

int ts_dp_host_upsert(struct ts_dp *dp, const struct ts_net *addr, uint32_t set_id)
{
	struct ts_addr_val v = {};
	struct ts_slot_cfg sc;
	struct ts_addr_key k;
	uint32_t slot;
	int err;

	if (addr->plen != full_plen(addr->family)) {
		ts_err("dp: host entry must be a full-length address (got /%u)", addr->plen);
		return -EINVAL;
	}
	err = ts_dp_active_slot_cfg(dp, &slot, &sc);
	if (err)
		return err;
	ts_dp_addr_key(&k, slot, addr);
	/* keep the resolver flag of an address that is also a resolver */
	if (!host_read(dp, &k, &v))
		v.flags = 0;
	v.set_id = set_id;
	v.flags = ts_dp_inbound_flags(dp->inbound, dp->ninbound, set_id, v.flags);
	return addr_write(dp, TS_TBL_HOSTS, &sc, &k, &v);
}

int ts_dp_host_flags_add(struct ts_dp *dp, const struct ts_net *addr, uint32_t set_id,
			 uint32_t flags)
{
	struct ts_addr_val v = { .set_id = set_id };
	struct ts_net host = *addr;
	struct ts_slot_cfg sc;
	struct ts_addr_key k;
	uint32_t slot;
	int err = ts_dp_active_slot_cfg(dp, &slot, &sc);

	if (err)
		return err;
	host.plen = full_plen(addr->family);
	ts_dp_addr_key(&k, slot, &host);
	host_read(dp, &k, &v); /* missing: set_id, no flags */
	v.flags |= flags & ~TS_ADDR_NO_INBOUND;
	v.flags = ts_dp_inbound_flags(dp->inbound, dp->ninbound, v.set_id, v.flags);
	return addr_write(dp, TS_TBL_HOSTS, &sc, &k, &v);
}

int ts_dp_host_delete(struct ts_dp *dp, const struct ts_net *addr)
{
	struct ts_addr_key k;
	struct ts_net host = *addr;

	host.plen = full_plen(addr->family);
	ts_dp_addr_key(&k, ts_dp_active_slot(dp), &host);
	return ts_table_delete(&dp->tables[TS_TBL_HOSTS], &k);
}

int ts_dp_rules_add(struct ts_dp *dp, const struct ts_rule_entry *rules, size_t n)
{
	uint32_t slot = ts_dp_active_slot(dp);
	int err = ts_dp_inbound_add(dp, rules, n, slot);   /* before a SYN can need them */

	return err ? err : write_rules(dp, rules, n, slot);
}
