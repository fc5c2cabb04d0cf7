// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* state.c - accumulation, cap and expiry of name addresses (see state.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/grow.h"
#include "common/log.h"
#include "names/names.h"
#include "names/state.h"
#include "policy/dnsname.h"
#include "policy/hmap.h"
#include "policy/net.h"

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ts_names_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

uint64_t ts_names_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t ts_names_mono_to_wall(int64_t mono_ms)
{
	if (!mono_ms)
		return 0;
	return mono_ms + clock_ms(CLOCK_REALTIME) - clock_ms(CLOCK_MONOTONIC);
}

int64_t ts_names_wall_to_mono(int64_t wall_ms)
{
	if (!wall_ms)
		return 0;
	return wall_ms - clock_ms(CLOCK_REALTIME) + clock_ms(CLOCK_MONOTONIC);
}

int ts_net_list_push(struct ts_net_list *l, const struct ts_net *net)
{
	int err = ts_grow((void **)&l->v, &l->alloc, l->n, sizeof(*l->v));

	if (err)
		return err;
	l->v[l->n++] = *net;
	return 0;
}

void ts_net_list_free(struct ts_net_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int ts_net_family_index(const struct ts_net *net)
{
	return net->family == TS_FAMILY_V6 ? TS_NAMES_V6 : TS_NAMES_V4;
}

static void entry_free(struct ts_name_entry *e)
{
	free(e->wildcard);
	free(e->name);
	free(e->comps.words);
	free(e->addrs);
}

void ts_names_state_clear(struct ts_names_state *st)
{
	for (size_t i = 0; i < st->nnames; i++)
		entry_free(&st->names[i]);
	free(st->names);
	for (size_t i = 0; i < st->nwild; i++) {
		free(st->wild[i].pattern);
		free(st->wild[i].comps.words);
	}
	free(st->wild);
	ts_addr_index_free(&st->index);
	ts_hmap_free(&st->by_name);
	memset(st, 0, sizeof(*st));
}

/* The name index's key: the name, zero-padded (names are at most 253). */
struct name_key {
	char text[256];
};

static bool make_key(const char *name, struct name_key *k)
{
	memset(k, 0, sizeof(*k));
	if (strlen(name) >= sizeof(k->text))
		return false;
	memcpy(k->text, name, strlen(name));
	return true;
}

/* Names by text -> position; rebuilt after a removal shifts positions. */
static int index_names(struct ts_names_state *st)
{
	ts_hmap_free(&st->by_name);
	ts_hmap_init(&st->by_name, sizeof(struct name_key));
	for (size_t i = 0; i < st->nnames; i++) {
		struct name_key k;
		uint32_t stored;
		bool inserted;

		if (make_key(st->names[i].name, &k) &&
		    ts_hmap_insert(&st->by_name, &k, (uint32_t)i, &stored, &inserted))
			return -ENOMEM;
	}
	return 0;
}

struct ts_name_entry *ts_names_state_find(const struct ts_names_state *st, const char *name)
{
	struct name_key k;
	const uint32_t *i;

	if (!st->by_name.key_size || !make_key(name, &k))
		return NULL;
	i = ts_hmap_find(&st->by_name, &k);
	return i && *i < st->nnames ? &st->names[*i] : NULL;
}

struct ts_name_entry *ts_names_state_add_name(struct ts_names_state *st, const char *name)
{
	struct ts_name_entry *e;
	struct name_key k;
	uint32_t stored;
	bool inserted;

	if (!make_key(name, &k))
		return NULL;
	if (!st->by_name.key_size)
		ts_hmap_init(&st->by_name, sizeof(struct name_key));
	if (st->nnames == st->names_alloc) {
		size_t alloc = st->names_alloc ? 2 * st->names_alloc : 16;
		struct ts_name_entry *names = realloc(st->names, alloc * sizeof(*names));

		if (!names)
			return NULL;
		st->names = names;
		st->names_alloc = alloc;
	}
	e = &st->names[st->nnames];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	e->comps.nwords = st->ncomp_words;
	e->comps.words = calloc(st->ncomp_words ? st->ncomp_words : 1, sizeof(uint64_t));
	if (!e->name || !e->comps.words ||
	    ts_hmap_insert(&st->by_name, &k, (uint32_t)st->nnames, &stored, &inserted)) {
		entry_free(e);
		return NULL;
	}
	st->nnames++;
	return e;
}

static void add_comps(struct ts_compset *out, const struct ts_compset *in)
{
	for (uint32_t w = 0; w < out->nwords && w < in->nwords; w++)
		out->words[w] |= in->words[w];
}

/* The components of wildcard `pattern`, added to st->wild when new; NULL on ENOMEM. */
static struct ts_compset *add_wild(struct ts_names_state *st, const char *pattern)
{
	struct ts_name_wild *w;

	for (size_t i = 0; i < st->nwild; i++)
		if (!strcmp(st->wild[i].pattern, pattern))
			return &st->wild[i].comps;
	w = realloc(st->wild, (st->nwild + 1) * sizeof(*w));
	if (!w)
		return NULL;
	st->wild = w;
	w = &w[st->nwild];
	w->pattern = strdup(pattern);
	w->comps.nwords = st->ncomp_words;
	w->comps.words = calloc(st->ncomp_words ? st->ncomp_words : 1, sizeof(uint64_t));
	if (!w->pattern || !w->comps.words) {
		free(w->pattern);
		free(w->comps.words);
		return NULL;
	}
	st->nwild++;
	return &w->comps;
}

int ts_names_state_from_policy(struct ts_names_state *st, const struct ts_compiled *c)
{
	const struct ts_compiled_settings *s = &c->settings;

	memset(st, 0, sizeof(*st));
	st->ncomp_words = (uint32_t)((c->ncomps + 63) / 64);
	st->ttl_floor_s = s->ttl_floor_s;
	st->ttl_ceiling_s = s->ttl_ceiling_s;
	st->grace_s = s->grace_s;
	st->max_addrs = s->max_addrs_per_name ? s->max_addrs_per_name : TS_NAMES_DEFAULT_MAX_ADDRS;

	for (size_t i = 0; i < c->nnames; i++) {
		const struct ts_name_ref *ref = &c->names[i];
		struct ts_name_entry *e;
		struct ts_compset *comps;

		if (ref->comp >= c->ncomps) {
			ts_err("names: %s: component index %u out of range (%zu components)",
			       ref->name, ref->comp, c->ncomps);
			ts_names_state_clear(st);
			return -EINVAL;
		}
		/* Wildcards are learned from answers clients receive, not resolved. */
		comps = ref->wildcard ? add_wild(st, ref->name) : NULL;
		if (!ref->wildcard) {
			e = ts_names_state_find(st, ref->name);
			if (!e)
				e = ts_names_state_add_name(st, ref->name);
			comps = e ? &e->comps : NULL;
		}
		if (!comps) {
			ts_names_state_clear(st);
			return -ENOMEM;
		}
		comps->words[ref->comp / 64] |= 1ull << (ref->comp % 64);
	}
	return 0;
}

static void remove_addr_at(struct ts_names_state *st, struct ts_name_entry *e, size_t i);

static bool same_client(const struct ts_net *a, const struct ts_net *b)
{
	return a->family && !memcmp(a, b, sizeof(*a));
}

/* Learned names client holds now. */
static size_t learned_by(const struct ts_names_state *st, const struct ts_net *client)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nnames; i++)
		n += st->names[i].wildcard && same_client(&st->names[i].learned_by, client);
	return n;
}

bool ts_names_state_over_share(const struct ts_names_state *st, const struct ts_net *client)
{
	return client && client->family && learned_by(st, client) >= TS_NAMES_LEARN_PER_CLIENT;
}

int ts_names_state_learn(struct ts_names_state *st, const char *name,
			 const struct ts_net *client, struct ts_name_entry **out)
{
	struct ts_name_entry *e = ts_names_state_find(st, name);
	const struct ts_name_wild *first = NULL;

	*out = e;
	if (e)
		return 0;
	for (size_t i = 0; i < st->nwild && !first; i++)
		if (ts_dns_name_matches(st->wild[i].pattern, name))
			first = &st->wild[i];
	if (!first)
		return -ENOENT;
	if (ts_names_state_over_share(st, client))
		return -EDQUOT;
	if (st->nlearned >= TS_NAMES_MAX_LEARNED)
		return -ENOSPC;
	e = ts_names_state_add_name(st, name);
	if (!e)
		return -ENOMEM;
	e->wildcard = strdup(first->pattern);
	if (!e->wildcard) {
		/* no half-made entry: it would pass for an exact name */
		entry_free(e);
		st->nnames--;
		index_names(st);
		return -ENOMEM;
	}
	for (size_t i = 0; i < st->nwild; i++)
		if (ts_dns_name_matches(st->wild[i].pattern, name))
			add_comps(&e->comps, &st->wild[i].comps);
	if (client)
		e->learned_by = *client;
	st->nlearned++;
	*out = e;
	return 0;
}

int64_t ts_name_idle_at_ms(const struct ts_names_state *st, const struct ts_name_entry *e)
{
	if (!e->wildcard)
		return INT64_MAX;
	return e->told_ms + ((int64_t)e->told_ttl_s + st->grace_s) * 1000;
}

int ts_names_state_remove(struct ts_names_state *st, const bool *drop, struct ts_net_list *removed)
{
	size_t kept = 0;

	/* What the sink must hear first: failing here changes nothing. */
	for (size_t i = 0; i < st->nnames; i++)
		for (size_t j = 0; drop[i] && j < st->names[i].naddrs; j++)
			if (ts_net_list_push(removed, &st->names[i].addrs[j].net))
				return -ENOMEM;
	for (size_t i = 0; i < st->nnames; i++) {
		struct ts_name_entry *e = &st->names[i];

		if (!drop[i]) {
			st->names[kept++] = *e;
			continue;
		}
		while (e->naddrs)
			remove_addr_at(st, e, e->naddrs - 1);
		if (e->wildcard)
			st->nlearned--;
		entry_free(e);
	}
	st->nnames = kept;
	/* Both indexes name entries by position, and positions moved. */
	for (size_t i = 0; i < st->nnames; i++)
		for (size_t j = 0; j < st->names[i].naddrs; j++) {
			struct ts_addr_index_slot *slot =
				ts_addr_index_find(&st->index, &st->names[i].addrs[j].net);

			if (slot && slot->holders == 1)
				slot->one = (uint32_t)i;
		}
	return index_names(st);
}

uint32_t ts_names_ttl_clamp(uint32_t floor_s, uint32_t ceiling_s, uint32_t ttl_s)
{
	if (ttl_s < floor_s)
		ttl_s = floor_s;
	if (ceiling_s && ttl_s > ceiling_s)
		ttl_s = ceiling_s;
	/* TTL 0 with no floor would mean "refresh continuously": one second. */
	return ttl_s ? ttl_s : 1;
}

uint32_t ts_names_clamp_ttl(const struct ts_names_state *st, uint32_t ttl_s)
{
	return ts_names_ttl_clamp(st->ttl_floor_s, st->ttl_ceiling_s, ttl_s);
}

int64_t ts_name_addr_expires_ms(const struct ts_names_state *st, const struct ts_name_addr *a)
{
	return a->last_seen_ms + ((int64_t)a->ttl_s + st->grace_s) * 1000;
}

static struct ts_name_addr *find_addr(struct ts_name_entry *e, const struct ts_net *net)
{
	for (size_t i = 0; i < e->naddrs; i++)
		if (!ts_net_cmp(&e->addrs[i].net, net))
			return &e->addrs[i];
	return NULL;
}

static void set_seen(struct ts_name_addr *a, uint32_t ttl_s, const char *resolver, int64_t now_ms)
{
	a->ttl_s = ttl_s;
	a->last_seen_ms = now_ms;
	snprintf(a->resolver, sizeof(a->resolver), "%s", resolver);
}

/* The least recently seen address not seen at now_ms (i.e. not in the answer being merged). */
static struct ts_name_addr *eviction_victim(struct ts_name_entry *e, int64_t now_ms)
{
	struct ts_name_addr *victim = NULL;

	for (size_t i = 0; i < e->naddrs; i++) {
		struct ts_name_addr *a = &e->addrs[i];

		if (a->last_seen_ms >= now_ms)
			continue;
		if (!victim || a->last_seen_ms < victim->last_seen_ms ||
		    (a->last_seen_ms == victim->last_seen_ms && a->first_seen_ms < victim->first_seen_ms))
			victim = a;
	}
	return victim;
}

int ts_name_append_addr(struct ts_names_state *st, struct ts_name_entry *e,
			const struct ts_name_addr *a)
{
	int err;

	if (find_addr(e, &a->net)) /* once per name: the index counts names */
		return 0;
	err = ts_grow((void **)&e->addrs, &e->addrs_alloc, e->naddrs, sizeof(*e->addrs));
	if (err)
		return err;
	err = ts_addr_index_hold(&st->index, &a->net, (uint32_t)(e - st->names));
	if (err)
		return err;
	e->addrs[e->naddrs++] = *a;
	return 0;
}

static void remove_addr_at(struct ts_names_state *st, struct ts_name_entry *e, size_t i)
{
	struct ts_net net = e->addrs[i].net;

	e->addrs[i] = e->addrs[--e->naddrs];
	if (ts_addr_index_release(&st->index, &net) == 1) {
		/* Shared until now: remember which name still holds it (rare path). */
		for (size_t k = 0; k < st->nnames; k++)
			if (find_addr(&st->names[k], &net))
				ts_addr_index_find(&st->index, &net)->one = (uint32_t)k;
	}
}

int ts_name_merge_answer(struct ts_names_state *st, struct ts_name_entry *e,
			 const struct ts_net *addrs, const uint32_t *ttls, size_t n,
			 const char *resolver, int64_t now_ms,
			 struct ts_net_list *added, struct ts_net_list *evicted)
{
	int err;

	/* First mark what is already held, so eviction never picks an address of this answer. */
	for (size_t i = 0; i < n; i++) {
		struct ts_name_addr *a = find_addr(e, &addrs[i]);

		if (a)
			set_seen(a, ts_names_clamp_ttl(st, ttls[i]), resolver, now_ms);
	}
	for (size_t i = 0; i < n; i++) {
		if (find_addr(e, &addrs[i]))
			continue;
		if (e->naddrs >= st->max_addrs) {
			struct ts_name_addr *victim = eviction_victim(e, now_ms);

			if (!victim) {
				st->m.capped++;
				continue;
			}
			err = ts_net_list_push(evicted, &victim->net);
			if (err)
				return err;
			remove_addr_at(st, e, (size_t)(victim - e->addrs));
		}
		struct ts_name_addr fresh = { .net = addrs[i], .first_seen_ms = now_ms };

		set_seen(&fresh, ts_names_clamp_ttl(st, ttls[i]), resolver, now_ms);
		err = ts_name_append_addr(st, e, &fresh);
		if (!err)
			err = ts_net_list_push(added, &addrs[i]);
		if (err)
			return err;
	}
	return 0;
}

int ts_name_expire(struct ts_names_state *st, struct ts_name_entry *e, int64_t now_ms,
		   struct ts_net_list *removed, int64_t *next_ms)
{
	size_t i = 0;
	int err;

	*next_ms = INT64_MAX;
	while (i < e->naddrs) {
		struct ts_name_addr *a = &e->addrs[i];
		int64_t expires = ts_name_addr_expires_ms(st, a);
		/* Only once DNS has answered well without it: a sick resolver keeps it. */
		bool dropped_by_dns = e->last_ok_ms[ts_net_family_index(&a->net)] > a->last_seen_ms;

		if (expires > now_ms) {
			if (expires < *next_ms)
				*next_ms = expires;
		} else if (dropped_by_dns && e->naddrs > 1) {
			err = ts_net_list_push(removed, &a->net);
			if (err)
				return err;
			remove_addr_at(st, e, i);
			continue;
		}
		i++;
	}
	return 0;
}


void ts_names_addr_comps(const struct ts_names_state *st, const struct ts_net *net,
			 struct ts_compset *out)
{
	const struct ts_addr_index_slot *s = ts_addr_index_find(&st->index, net);

	memset(out->words, 0, out->nwords * sizeof(out->words[0]));
	if (!s)
		return;
	if (s->holders == 1) {
		add_comps(out, &st->names[s->one].comps);
		return;
	}
	for (size_t i = 0; i < st->nnames; i++) /* shared by several names: rare */
		if (find_addr(&st->names[i], net))
			add_comps(out, &st->names[i].comps);
}

void ts_names_state_adopt(struct ts_names_state *dst, const struct ts_names_state *src,
			  int64_t now_ms)
{
	for (size_t i = 0; i < src->nnames; i++) {
		const struct ts_name_entry *from = &src->names[i];
		struct ts_name_entry *to;

		/* Learned names come back while a wildcard of the policy still matches. */
		if (ts_names_state_learn(dst, from->name, &from->learned_by, &to))
			continue; /* no longer in the policy, or over a bound */
		if (to->wildcard) {
			/* From a file without it: the grace starts now. */
			to->told_ms = from->told_ms ? from->told_ms : now_ms;
			to->told_ttl_s = from->told_ttl_s;
		}
		to->resolutions = from->resolutions;
		to->failures = from->failures;
		to->consecutive_failures = from->consecutive_failures; /* stale until a good round */
		to->last_status = from->last_status;
		to->last_success_ms = from->last_success_ms;
		to->last_attempt_ms = from->last_attempt_ms;
		to->next_refresh_ms = from->next_refresh_ms;
		memcpy(to->last_ok_ms, from->last_ok_ms, sizeof(to->last_ok_ms));
		for (size_t j = 0; j < from->naddrs; j++) {
			const struct ts_name_addr *a = &from->addrs[j];

			if (ts_name_addr_expires_ms(dst, a) <= now_ms || find_addr(to, &a->net))
				continue;
			if (to->naddrs >= dst->max_addrs || ts_name_append_addr(dst, to, a))
				break;
		}
	}
	dst->m.resolutions = src->m.resolutions;
	dst->m.failures = src->m.failures;
}
