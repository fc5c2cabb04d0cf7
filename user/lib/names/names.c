// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * names.c - the live name resolver: rounds of A+AAAA queries per name,
 * answers merged into the state and applied through the sink (additions
 * as soon as an answer arrives, removals only by expiry), refresh timers,
 * retries, and the cache file.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ares.h>

#include "common/log.h"
#include "names/cares.h"
#include "names/clients.h"
#include "names/dnsmsg.h"
#include "names/proxy.h"
#include "names/state.h"
#include "policy/dnsname.h"
#include "policy/net.h"

#define RETRY_MIN_MS   1000   /* first retry after a failed round */
#define RETRY_MAX_MS   60000  /* backoff ceiling while a resolver is sick */
#define REFRESH_PCT    80     /* refresh at this share of the shortest TTL */
#define SAVE_COUNTERS_MS 10000 /* counters alone are written at most this often */

/* One name's A+AAAA pair in flight. */
struct round {
	struct ts_names *n;
	size_t idx;                       /* into st.names */
	int pending;                      /* queries not answered yet */
	int status[TS_NAMES_NFAM];
	size_t got[TS_NAMES_NFAM];
	int64_t answer_ms[TS_NAMES_NFAM];
	uint32_t min_ttl_s;               /* clamped, over this round's addresses */
	uint64_t completed;               /* rounds finished since open (kept across rounds) */
};

struct ts_names {
	struct ts_names_state st;
	struct ts_cares *res;
	struct ts_names_sink sink;
	char *cache_path;                 /* NULL = no cache */
	struct round **rounds;            /* per name (stable: queries point at them) */
	size_t nrounds;
	struct ts_compset scratch;        /* components of the address being applied */
	struct ts_net_list retry;         /* applies that failed */
	int64_t retry_at_ms, retry_delay_ms;
	bool in_retry;                    /* applying n->retry: failures are reported once */
	int64_t next_expiry_ms;
	/* When the scan over every name next has work (a refresh, an expiry,
	 * a forget, a retry): until then ts_names_process only reads answers,
	 * so a busy proxy does not walk thousands of names per packet. */
	int64_t next_due_ms;
	/* What changed since the cache was written: addresses and stale flags
	 * are saved at once, counters at most every SAVE_COUNTERS_MS (each
	 * save fsyncs). */
	bool save_now, dirty_counters;
	int64_t saved_ms;
};

static void due_by(struct ts_names *n, int64_t at_ms)
{
	if (at_ms < n->next_due_ms)
		n->next_due_ms = at_ms;
}

/* Tells the sink which components now hold `net` (none: it left every name). */
static int apply_addr(struct ts_names *n, const struct ts_net *net)
{
	int err;

	if (!n->sink.apply)
		return 0;
	ts_names_addr_comps(&n->st, net, &n->scratch);
	err = n->sink.apply(n->sink.ctx, net, &n->scratch);
	if (!err) {
		n->st.m.map_updates++;
		return 0;
	}
	n->st.m.map_errors++;
	if (!n->in_retry && !n->retry.n) {
		char text[TS_NET_STRLEN];

		ts_net_format(net, text, sizeof(text));
		ts_warn("names: cannot apply %s to the maps: %s; retrying", text, strerror(-err));
		n->retry_delay_ms = RETRY_MIN_MS;
		n->retry_at_ms = ts_names_mono_ms() + RETRY_MIN_MS;
		due_by(n, n->retry_at_ms);
	}
	if (ts_net_list_push(&n->retry, net))
		ts_err("names: out of memory queueing a retry");
	return err;
}

static int apply_list(struct ts_names *n, const struct ts_net_list *l)
{
	int first = 0;

	for (size_t i = 0; i < l->n; i++) {
		int err = apply_addr(n, &l->v[i]);

		if (err && !first)
			first = err;
	}
	return first;
}

static void record_latency(struct ts_names_metrics *m, uint64_t us)
{
	int b = 0;

	while (b < TS_NAMES_LAT_BUCKETS - 1 && us > ts_names_lat_bucket_us[b])
		b++;
	m->lat_hist[b]++;
	m->lat_count++;
	m->lat_last_us = us;
	m->lat_sum_us += us;
	if (us > m->lat_max_us)
		m->lat_max_us = us;
}

static int64_t retry_delay_ms(uint32_t consecutive_failures)
{
	uint32_t shift = consecutive_failures > 7 ? 6 : consecutive_failures - 1;
	int64_t ms = (int64_t)RETRY_MIN_MS << shift;

	return ms > RETRY_MAX_MS ? RETRY_MAX_MS : ms;
}

static void expire_name(struct ts_names *n, struct ts_name_entry *e, int64_t now_ms)
{
	struct ts_net_list removed = { 0 };
	int64_t next;

	if (ts_name_expire(&n->st, e, now_ms, &removed, &next))
		ts_err("names: %s: out of memory expiring addresses", e->name);
	if (next < n->next_expiry_ms)
		n->next_expiry_ms = next;
	due_by(n, next);
	if (removed.n) {
		ts_info("names: %s: %zu address(es) expired after grace", e->name, removed.n);
		apply_list(n, &removed);
		n->save_now = true;
	}
	ts_net_list_free(&removed);
}

/*
 * A and AAAA are judged apart: each family's addresses expire only after a
 * good answer of that family (last_ok_ms), and the name is stale only when
 * neither family answered well. A family that failed while the other
 * answered (a resolver refusing AAAA) is counted and reported, and keeps
 * its last good addresses; the name is refreshed on the good family's TTL.
 */
static void finish_round(struct ts_names *n, struct round *rd, int64_t now_ms)
{
	struct ts_name_entry *e = &n->st.names[rd->idx];
	size_t total = rd->got[TS_NAMES_V4] + rd->got[TS_NAMES_V6];
	int good = 0;

	for (int f = 0; f < TS_NAMES_NFAM; f++) {
		/* NODATA for one family is good news only if the name has addresses at all. */
		bool ok = rd->status[f] == ARES_SUCCESS || (rd->status[f] == ARES_ENODATA && total);

		if (ok)
			e->last_ok_ms[f] = rd->answer_ms[f];
		good += ok;
	}
	if (!total && rd->status[TS_NAMES_V4] == ARES_ENODATA &&
	    rd->status[TS_NAMES_V6] == ARES_ENODATA) {
		ts_warn("names: %s: no A or AAAA records; keeping %zu known address(es)", e->name,
			e->naddrs);
		e->last_status = ARES_ENODATA;
	}
	/* status shows stale names from the cache: a flip is saved at once. */
	if (!good != (e->consecutive_failures > 0))
		n->save_now = true;
	if (!good) {
		e->consecutive_failures++;
		e->next_refresh_ms = now_ms + retry_delay_ms(e->consecutive_failures);
	} else {
		e->consecutive_failures = 0;
		if (good == TS_NAMES_NFAM)
			e->last_status = 0;
		e->last_success_ms = now_ms;
		e->next_refresh_ms = now_ms + (int64_t)(rd->min_ttl_s ? rd->min_ttl_s : 1) * 10 *
					       REFRESH_PCT;
	}
	rd->completed++;
	due_by(n, e->next_refresh_ms);
	due_by(n, ts_name_idle_at_ms(&n->st, e)); /* a forget that waited for this round */
	n->dirty_counters = true;
	expire_name(n, e, now_ms);
}

/* The shortest clamped TTL of an answer's addresses; 0 for none. */
static uint32_t answer_min_ttl(const struct ts_names *n, const struct ts_answer *ans)
{
	uint32_t min = 0;

	for (size_t i = 0; i < ans->n; i++) {
		uint32_t ttl = ts_names_clamp_ttl(&n->st, ans->ttls[i]);

		if (!min || ttl < min)
			min = ttl;
	}
	return min;
}

/* The longest clamped TTL of an answer's addresses; 0 for none. */
static uint32_t answer_max_ttl(const struct ts_names *n, const struct ts_answer *ans)
{
	uint32_t max = 0;

	for (size_t i = 0; i < ans->n; i++) {
		uint32_t ttl = ts_names_clamp_ttl(&n->st, ans->ttls[i]);

		if (ttl > max)
			max = ttl;
	}
	return max;
}

/* Merges an answer's addresses into e and writes the changes to the maps:
 * new addresses first, cap evictions after (add before delete). Returns
 * how many addresses were new. */
static size_t absorb(struct ts_names *n, struct ts_name_entry *e, const struct ts_answer *ans)
{
	struct ts_net_list added = { 0 }, evicted = { 0 };
	int64_t now_ms = (int64_t)(ans->received_ns / 1000000);
	size_t nadded;

	if (ts_name_merge_answer(&n->st, e, ans->addrs, ans->ttls, ans->n, ans->server, now_ms,
				 &added, &evicted))
		ts_err("names: %s: out of memory merging an answer", e->name);
	apply_list(n, &added);
	apply_list(n, &evicted);
	if (added.n + evicted.n && n->sink.apply)
		record_latency(&n->st.m, (ts_names_mono_ns() - ans->received_ns) / 1000);
	if (added.n)
		ts_info("names: %s: %zu new address(es) via %s", e->name, added.n, ans->server);
	if (added.n + evicted.n)
		n->save_now = true;
	nadded = added.n;
	ts_net_list_free(&added);
	ts_net_list_free(&evicted);
	return nadded;
}

static void on_answer(void *arg, const struct ts_answer *ans)
{
	struct round *rd = arg;
	struct ts_names *n = rd->n;
	struct ts_name_entry *e = &n->st.names[rd->idx];
	int f = ans->family == TS_FAMILY_V6 ? TS_NAMES_V6 : TS_NAMES_V4;
	int64_t now_ms = (int64_t)(ans->received_ns / 1000000);

	rd->status[f] = ans->status;
	rd->answer_ms[f] = now_ms;
	rd->got[f] = ans->n;
	if (ans->status == ARES_SUCCESS || ans->status == ARES_ENODATA) {
		e->resolutions++;
		n->st.m.resolutions++;
	} else {
		e->failures++;
		n->st.m.failures++;
		e->last_status = ans->status;
		ts_warn("names: %s %s via %s: %s; keeping %zu known address(es)", e->name,
			f == TS_NAMES_V4 ? "A" : "AAAA", ans->server, ares_strerror(ans->status),
			e->naddrs);
	}
	if (ans->status == ARES_SUCCESS) {
		uint32_t ttl = answer_min_ttl(n, ans);

		if (!rd->min_ttl_s || ttl < rd->min_ttl_s)
			rd->min_ttl_s = ttl;
		absorb(n, e, ans);
	}
	n->dirty_counters = true;
	if (--rd->pending == 0)
		finish_round(n, rd, now_ms);
}

/* A round for every name (learning adds names). 0 or -ENOMEM. */
static int ensure_rounds(struct ts_names *n)
{
	struct round **v;

	if (n->nrounds >= n->st.nnames)
		return 0;
	v = realloc(n->rounds, n->st.nnames * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n->rounds = v;
	while (n->nrounds < n->st.nnames) {
		v[n->nrounds] = calloc(1, sizeof(**v));
		if (!v[n->nrounds])
			return -ENOMEM;
		n->nrounds++;
	}
	return 0;
}

/* Forgets the names marked in drop (st.nnames entries; none with a round
 * out: its queries point at the round) in one pass. Their addresses leave
 * the maps unless another name holds them. Returns how many went. */
static size_t forget_marked(struct ts_names *n, const bool *drop, size_t count)
{
	struct ts_net_list removed = { 0 };
	size_t kept = 0;

	if (!count)
		return 0;
	if (ts_names_state_remove(&n->st, drop, &removed)) {
		ts_err("names: out of memory forgetting names");
		ts_net_list_free(&removed);
		return 0;
	}
	for (size_t i = 0; i < n->nrounds; i++) {
		if (drop[i]) {
			free(n->rounds[i]);
			continue;
		}
		n->rounds[kept] = n->rounds[i];
		n->rounds[kept]->idx = kept;
		kept++;
	}
	n->nrounds = kept;
	apply_list(n, &removed);
	ts_net_list_free(&removed);
	n->save_now = true;
	return count;
}

/*
 * Forgets the learned names idle past told + TTL + grace (no client has a
 * use for them); one whose round is out waits for it (finish_round makes
 * the scan due again). Returns how many went.
 */
static size_t forget_idle(struct ts_names *n, int64_t now_ms)
{
	bool *drop = calloc(n->st.nnames ? n->st.nnames : 1, sizeof(*drop));
	size_t gone = 0;

	if (!drop)
		return 0;
	for (size_t i = 0; i < n->st.nnames; i++) {
		int64_t at = ts_name_idle_at_ms(&n->st, &n->st.names[i]);
		bool pending = i < n->nrounds && n->rounds[i]->pending;

		drop[i] = at <= now_ms && !pending;
		gone += drop[i];
		if (!drop[i] && !pending && at < n->next_expiry_ms)
			n->next_expiry_ms = at;
	}
	gone = forget_marked(n, drop, gone);
	if (gone)
		ts_info("names: forgot %zu learned name(s) no client was given within TTL + grace",
			gone);
	free(drop);
	return gone;
}

/*
 * The learned name to forget for room: the one given least recently of the
 * client group holding the most. A name whose round is out cannot go (its
 * queries point at the round): when every name of that group is in one,
 * the next heaviest group's is taken, so names kept refreshing (a group's
 * own server answering slowly) cannot close the table. -1 if none.
 */
static ssize_t heaviest_oldest(const struct ts_names *n)
{
	const struct ts_names_state *st = &n->st;
	struct ts_clients count;
	uint32_t victim_n = 0;
	ssize_t victim = -1;

	if (ts_clients_init(&count, st->nlearned))
		return -1;
	for (size_t i = 0; i < st->nnames; i++)
		if (st->names[i].wildcard && st->names[i].learned_by.family)
			ts_clients_inc(&count, &st->names[i].learned_by);
	for (size_t i = 0; i < st->nnames; i++) {
		const struct ts_name_entry *e = &st->names[i];
		uint32_t c;

		if (!e->wildcard || !e->learned_by.family ||
		    (i < n->nrounds && n->rounds[i]->pending))
			continue;
		c = ts_clients_get(&count, &e->learned_by);
		if (c > victim_n || (c && c == victim_n && e->told_ms < st->names[victim].told_ms)) {
			victim_n = c;
			victim = (ssize_t)i;
		}
	}
	ts_clients_free(&count);
	return victim;
}

/*
 * A learned slot for a new name: room, or room made by forgetting idle
 * names, or else by forgetting the least recently given name of the
 * client group holding the most: the table stays open to every client,
 * however many names a few of them asked for.
 */
static int make_room(struct ts_names *n, int64_t now_ms)
{
	ssize_t victim;
	bool *drop;

	if (n->st.nlearned < TS_NAMES_MAX_LEARNED)
		return 0;
	forget_idle(n, now_ms);
	if (n->st.nlearned < TS_NAMES_MAX_LEARNED)
		return 0;
	victim = heaviest_oldest(n);
	drop = victim < 0 ? NULL : calloc(n->st.nnames, sizeof(*drop));
	if (!drop)
		return -ENOSPC;
	ts_info("names: table full: forgetting %s, the least recently given name of the "
		"client holding the most", n->st.names[victim].name);
	drop[victim] = true;
	forget_marked(n, drop, 1);
	free(drop);
	return n->st.nlearned < TS_NAMES_MAX_LEARNED ? 0 : -ENOSPC;
}

/* The answer's addresses of one family, as a round's answer would carry them. */
static void family_answer(const struct ts_proxy_answer *a, int family, struct ts_net *nets,
			  uint32_t *ttls, struct ts_answer *out)
{
	*out = (struct ts_answer){ .status = ARES_SUCCESS, .family = family, .addrs = nets,
				   .ttls = ttls, .server = a->server,
				   .received_ns = a->received_ns };
	for (size_t i = 0; i < a->n; i++)
		if (a->addrs[i].family == family) {
			nets[out->n] = a->addrs[i];
			ttls[out->n++] = a->ttls[i];
		}
}

/* The group a client's learned names count under: its IPv4 /24 or IPv6 /56,
 * so that one host cannot pose as many by changing its source address
 * within its own network (family 0: not counted). */
static struct ts_net client_group(const struct ts_net *client)
{
	struct ts_net g = { 0 };

	if (!client || !client->family)
		return g;
	g = *client;
	g.plen = client->family == TS_FAMILY_V4 ? TS_NAMES_GROUP_V4 : TS_NAMES_GROUP_V6;
	ts_net_mask(&g);
	return g;
}

enum ts_learn_outcome ts_names_learn_answer(struct ts_names *n, const struct ts_proxy_answer *a)
{
	struct ts_net group;
	int64_t now_ms = ts_names_mono_ms();
	struct ts_name_entry *e = ts_names_state_find(&n->st, a->qname);
	bool created = !e;
	uint32_t told_ttl = 0;
	struct ts_net *nets;
	uint32_t *ttls;
	int err;

	if (e && !a->n)
		return TS_LEARN_NONE; /* an answer without address teaches a known name nothing */
	if (!e) {
		bool matches = false;

		for (size_t i = 0; i < n->st.nwild && !matches; i++)
			matches = ts_dns_name_matches(n->st.wild[i].pattern, a->qname);
		if (!matches)
			return TS_LEARN_NONE;
		/* Only an answer with addresses may create a name: NXDOMAIN and
		 * NODATA floods must not fill the table (docs/names.md "Trust"). */
		if (!a->n)
			return TS_LEARN_NO_ADDR;
		/* a group at its share makes no room: it would only lose its own */
		group = client_group(a->client);
		if (ts_names_state_over_share(&n->st, &group))
			return TS_LEARN_CLIENT_BUDGET;
		if (make_room(n, now_ms)) {
			n->st.m.learn_dropped++;
			return TS_LEARN_FULL;
		}
	}
	group = client_group(a->client);
	err = ts_names_state_learn(&n->st, a->qname, &group, &e);
	if (err == -ENOENT)
		return TS_LEARN_NONE;
	if (err) {
		n->st.m.learn_dropped++;
		ts_debug("names: not learning %s: %s", a->qname, strerror(-err));
		return err == -EDQUOT ? TS_LEARN_CLIENT_BUDGET :
		       err == -ENOSPC ? TS_LEARN_FULL : TS_LEARN_ERROR;
	}
	if (created)
		ts_info("names: learned %s (matches %s)", a->qname, e->wildcard);
	nets = calloc(a->n ? a->n : 1, sizeof(*nets));
	ttls = calloc(a->n ? a->n : 1, sizeof(*ttls));
	if (!nets || !ttls) {
		free(nets);
		free(ttls);
		return TS_LEARN_ERROR;
	}
	for (int family = TS_FAMILY_V4; family <= TS_FAMILY_V6; family += 2) {
		struct ts_answer ans;

		family_answer(a, family, nets, ttls, &ans);
		if (!ans.n)
			continue;
		if (answer_max_ttl(n, &ans) > told_ttl)
			told_ttl = answer_max_ttl(n, &ans);
		absorb(n, e, &ans);
	}
	free(nets);
	free(ttls);
	if (e->wildcard && a->n) {
		e->told_ms = now_ms;
		e->told_ttl_s = told_ttl;
	}
	if (created) {
		/* Fresh from this answer: the next look is due like after a round. */
		e->next_refresh_ms = now_ms + (int64_t)told_ttl * 10 * REFRESH_PCT;
		due_by(n, e->next_refresh_ms);
		if (ensure_rounds(n))
			return TS_LEARN_ERROR;
		return TS_LEARN_NEW;
	}
	return TS_LEARN_UPDATED;
}

int ts_names_learn(struct ts_names *n, const char *qname, const unsigned char *answer,
		   size_t len, const char *resolver)
{
	struct ts_net addrs[256];
	uint32_t ttls[256];
	struct ts_dns_answer a;
	struct ts_proxy_answer pa = { .addrs = addrs, .ttls = ttls, .server = resolver ? resolver : "",
				      .received_ns = ts_names_mono_ns() };
	char name[TS_DNS_NAME_TEXT];
	size_t l = strlen(qname);
	int err;

	if (l && qname[l - 1] == '.')
		l--;
	if (!l || l >= sizeof(name))
		return -EINVAL;
	for (size_t i = 0; i < l; i++)
		name[i] = (char)tolower((unsigned char)qname[i]);
	name[l] = '\0';
	err = ts_dns_answer_parse(answer, len, &ts_dns_limits_default, addrs, ttls, 256, &a);
	/* The answer must be for qname, read on its wire form. */
	if (err || !a.q.qname.host || strcmp(a.q.qname.text, name))
		return -EINVAL;
	pa.qname = a.q.qname.text;
	pa.n = a.rcode ? 0 : a.n4 + a.n6;
	switch (ts_names_learn_answer(n, &pa)) {
	case TS_LEARN_NEW:
	case TS_LEARN_UPDATED:
		return (int)pa.n;
	case TS_LEARN_ERROR:
		return -ENOMEM;
	case TS_LEARN_CLIENT_BUDGET:
	case TS_LEARN_FULL:
		return -ENOSPC;
	default:
		return 0;
	}
}

static int start_round(struct ts_names *n, size_t idx, int64_t now_ms)
{
	struct round *rd = n->rounds[idx];
	struct ts_name_entry *e = &n->st.names[idx];
	uint64_t completed = rd->completed;
	int err = 0;

	memset(rd, 0, sizeof(*rd));
	rd->completed = completed;
	rd->n = n;
	rd->idx = idx;
	rd->pending = TS_NAMES_NFAM;
	e->last_attempt_ms = now_ms;
	for (int f = 0; f < TS_NAMES_NFAM; f++) {
		int family = f == TS_NAMES_V4 ? TS_FAMILY_V4 : TS_FAMILY_V6;
		int qerr = ts_cares_query(n->res, e->name, family, on_answer, rd);

		if (!qerr)
			continue;
		/* Out of memory: this family failed; the round ends (and is
		 * retried like any failed round) once the other one answers. */
		ts_err("names: %s: cannot start a query: %s", e->name, strerror(-qerr));
		err = err ?: qerr;
		rd->status[f] = ARES_ENOMEM;
		rd->answer_ms[f] = now_ms;
		e->failures++;
		n->st.m.failures++;
		if (--rd->pending == 0)
			finish_round(n, rd, now_ms);
	}
	return err;
}

/* Applies that failed, again, with the components as they are now. */
static int retry_applies(struct ts_names *n, int64_t now_ms)
{
	struct ts_net_list pending = n->retry;
	int err;

	memset(&n->retry, 0, sizeof(n->retry));
	n->in_retry = true;
	err = apply_list(n, &pending);
	n->in_retry = false;
	ts_net_list_free(&pending);
	if (n->retry.n) {
		n->retry_delay_ms *= 2;
		if (n->retry_delay_ms > RETRY_MAX_MS)
			n->retry_delay_ms = RETRY_MAX_MS;
		n->retry_at_ms = now_ms + n->retry_delay_ms;
		due_by(n, n->retry_at_ms);
		ts_warn("names: %zu address(es) still not in the maps (%s); next try in %lld s",
			n->retry.n, strerror(-err), (long long)(n->retry_delay_ms / 1000));
	}
	return err;
}

static bool save_due(const struct ts_names *n, int64_t now_ms)
{
	return n->save_now || (n->dirty_counters && now_ms >= n->saved_ms + SAVE_COUNTERS_MS);
}

/* The earliest time the scan has work, from scratch (after a scan). */
static int64_t compute_due(const struct ts_names *n)
{
	int64_t next = n->next_expiry_ms;

	for (size_t i = 0; i < n->nrounds; i++)
		if (!n->rounds[i]->pending && n->st.names[i].next_refresh_ms < next)
			next = n->st.names[i].next_refresh_ms;
	if (n->retry.n && n->retry_at_ms < next)
		next = n->retry_at_ms;
	return next;
}

static bool counters_due(const struct ts_names *n, int64_t now_ms)
{
	return n->cache_path && n->dirty_counters && now_ms >= n->saved_ms + SAVE_COUNTERS_MS;
}

int ts_names_process(struct ts_names *n)
{
	int64_t now_ms;
	int err, first = 0;

	ts_cares_process(n->res);
	now_ms = ts_names_mono_ms();
	if (now_ms < n->next_due_ms && !n->save_now && !counters_due(n, now_ms))
		return 0;
	if (n->retry.n && now_ms >= n->retry_at_ms)
		first = retry_applies(n, now_ms);
	n->next_expiry_ms = INT64_MAX;
	forget_idle(n, now_ms);
	for (size_t i = 0; i < n->nrounds; i++) {
		struct ts_name_entry *e = &n->st.names[i];

		if (!n->rounds[i]->pending && e->next_refresh_ms <= now_ms) {
			err = start_round(n, i, now_ms);
			if (err && !first)
				first = err;
		}
		expire_name(n, e, now_ms);
	}
	n->next_due_ms = compute_due(n);
	if (n->cache_path && save_due(n, now_ms)) {
		err = ts_names_save(n);
		if (err && !first)
			first = err;
	}
	if (!n->cache_path)
		n->save_now = false; /* nothing to save: nothing due */
	return first;
}

int ts_names_next_timeout_ms(const struct ts_names *n)
{
	int64_t now_ms = ts_names_mono_ms(), next = n->next_due_ms;
	int res_ms = ts_cares_timeout_ms(n->res);

	if (n->save_now)
		next = now_ms;
	if (n->cache_path && n->dirty_counters && n->saved_ms + SAVE_COUNTERS_MS < next)
		next = n->saved_ms + SAVE_COUNTERS_MS;
	if (res_ms >= 0 && now_ms + res_ms < next)
		next = now_ms + res_ms;
	if (next == INT64_MAX)
		return -1;
	if (next <= now_ms)
		return 0;
	return next - now_ms > INT32_MAX ? INT32_MAX : (int)(next - now_ms);
}

int ts_names_run_once(struct ts_names *n, int timeout_ms)
{
	int wait_ms = ts_names_next_timeout_ms(n);
	struct pollfd pfd = { .fd = ts_names_fd(n), .events = POLLIN };

	if (wait_ms < 0 || wait_ms > timeout_ms)
		wait_ms = timeout_ms;
	if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
		return -errno;
	return ts_names_process(n);
}

size_t ts_names_unresolved(const struct ts_names *n)
{
	size_t left = 0;

	for (size_t i = 0; i < n->nrounds; i++)
		left += !n->rounds[i]->completed;
	return left;
}

size_t ts_names_nservers(const struct ts_names *n)
{
	return ts_cares_nservers(n->res);
}

const char *ts_names_server(const struct ts_names *n, size_t i)
{
	return ts_cares_server(n->res, i);
}

size_t ts_names_servers_csv(const struct ts_names *n, char *buf, size_t len)
{
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; i < ts_names_nservers(n); i++) {
		int w = snprintf(buf + off, len - off, "%s%s", off ? "," : "", ts_names_server(n, i));

		if (w < 0 || (size_t)w >= len - off) {
			buf[off] = '\0';
			break;
		}
		off += (size_t)w;
	}
	return i;
}

int ts_names_fd(const struct ts_names *n)
{
	return ts_cares_fd(n->res);
}

int ts_names_replay(struct ts_names *n)
{
	int first = 0;

	for (size_t i = 0; i < n->st.nnames; i++) {
		struct ts_name_entry *e = &n->st.names[i];

		for (size_t j = 0; j < e->naddrs; j++) {
			int err = apply_addr(n, &e->addrs[j].net);

			if (err && !first)
				first = err;
		}
	}
	return first;
}

int ts_names_save(struct ts_names *n)
{
	int err;

	if (!n->cache_path)
		return 0;
	err = ts_names_cache_write(&n->st, n->cache_path);
	n->saved_ms = ts_names_mono_ms();
	/* After a failure, try again with the next counters save, not at once. */
	n->dirty_counters = err != 0;
	n->save_now = false;
	return err;
}

const struct ts_names_state *ts_names_state(const struct ts_names *n)
{
	return &n->st;
}

static void load_cache(struct ts_names *n)
{
	struct ts_names_state cached;
	int err = ts_names_cache_read(&cached, n->cache_path);

	if (err == -ENOENT)
		return;
	if (err) {
		ts_warn("names cache %s: ignored: %s", n->cache_path, strerror(-err));
		return;
	}
	ts_names_state_adopt(&n->st, &cached, ts_names_mono_ms());
	ts_names_state_clear(&cached);
}

/*
 * A name the cache brought with addresses keeps its refresh time (within
 * one TTL ceiling): a reload or restart then does not ask the resolvers
 * for every name at once (hundreds of learned names, per reload). Every
 * other name is resolved now.
 */
static void schedule_first_rounds(struct ts_names *n)
{
	int64_t now = ts_names_mono_ms();
	int64_t latest = now + (int64_t)(n->st.ttl_ceiling_s ? n->st.ttl_ceiling_s : 86400) * 1000;

	for (size_t i = 0; i < n->st.nnames; i++) {
		struct ts_name_entry *e = &n->st.names[i];

		if (!e->naddrs || e->consecutive_failures)
			e->next_refresh_ms = 0;
		else if (e->next_refresh_ms > latest)
			e->next_refresh_ms = latest;
	}
}

static const char *pick_servers(const struct ts_names_config *cfg, char *buf, size_t len)
{
	const struct ts_compiled_settings *s = &cfg->policy->settings;

	if (cfg->servers && cfg->servers[0])
		return cfg->servers;
	if (s->nresolvers && !ts_cares_servers_csv(s->resolvers, s->nresolvers, buf, len))
		return buf;
	return NULL; /* /etc/resolv.conf */
}

int ts_names_open(struct ts_names **out, const struct ts_names_config *cfg)
{
	const char *path = cfg->cache_path ? cfg->cache_path : TS_NAMES_CACHE_DEFAULT;
	char csv[2048];
	struct ts_names *n;
	int err;

	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->sink = cfg->sink;
	n->next_expiry_ms = INT64_MAX;
	err = ts_names_state_from_policy(&n->st, cfg->policy);
	if (err)
		goto fail;
	n->scratch.nwords = n->st.ncomp_words;
	n->scratch.words = calloc(n->st.ncomp_words ? n->st.ncomp_words : 1, sizeof(uint64_t));
	n->cache_path = path[0] ? strdup(path) : NULL;
	if (!n->scratch.words || (path[0] && !n->cache_path)) {
		err = -ENOMEM;
		goto fail;
	}
	err = ts_cares_open(&n->res, pick_servers(cfg, csv, sizeof(csv)),
			       cfg->query_timeout_ms ? cfg->query_timeout_ms : 2000,
			       cfg->query_tries ? cfg->query_tries : 2);
	if (err)
		goto fail;
	if (n->cache_path)
		load_cache(n);
	err = ensure_rounds(n);
	if (err)
		goto fail;
	schedule_first_rounds(n);
	ts_names_replay(n);
	*out = n;
	return 0;
fail:
	ts_names_close(n);
	return err;
}

void ts_names_close(struct ts_names *n)
{
	if (!n)
		return;
	if (n->res && n->cache_path)
		ts_names_save(n);
	ts_cares_close(n->res);
	ts_names_state_clear(&n->st);
	ts_net_list_free(&n->retry);
	free(n->scratch.words);
	for (size_t i = 0; i < n->nrounds; i++)
		free(n->rounds[i]);
	free(n->rounds);
	free(n->cache_path);
	free(n);
}
