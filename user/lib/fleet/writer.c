// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * writer.c - the fleet's writer thread: the gateway's status under a
 * lease it keeps alive (so a dead gateway's status vanishes), and the
 * names it learned, each under a lease of TTL + grace.
 *
 * Names are written in batches, one transaction each; answers with the
 * same TTL in the same moment share a lease (granted 10 % longer, so none
 * expires before TTL + grace). A name and address published again within
 * half its TTL is not written again: clients asking every second for a
 * popular name do not become writes. While etcd cannot be written, the
 * writer waits with backoff; names that failed are counted, and are
 * published again the next time a client's answer carries them. At a
 * clean stop the status lease is revoked: the gateway leaves the list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "fleet/etcd_kv.h"
#include "fleet/etcd_lease.h"
#include "fleet/fleet_internal.h"
#include "fleet/status_json.h"

#define BATCH        32u
#define LEASE_SLOTS  16u
#define RECENT_SLOTS 8192u

struct shared_lease {
	uint32_t ttl_s;
	int64_t id, granted_ms;
};

struct recent {
	uint64_t hash;
	int64_t until_ms;
};

struct writer {
	struct ts_fleet *f;
	struct ts_etcd *e;
	int64_t lease;                  /* the status lease; 0 = none */
	int64_t keepalive_ms, heartbeat_ms, retry_ms;
	int backoff;
	char status_key[TS_FLEET_KEY_LEN];
	struct shared_lease leases[LEASE_SLOTS];
	struct recent *recent;
	bool said_down;
};

static void count_write(struct writer *w, uint64_t n)
{
	pthread_mutex_lock(&w->f->lock);
	w->f->counters.writes += n;
	pthread_mutex_unlock(&w->f->lock);
}

static uint64_t name_hash(const struct ts_fleet_name *n)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *c = n->name; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	for (size_t i = 0; i < sizeof(n->addr); i++)
		h = (h ^ ((const uint8_t *)&n->addr)[i]) * 1099511628211ull;
	return h | 1; /* 0 marks a free slot */
}

/* Whether n went out less than half its TTL ago. */
static bool recently_published(struct writer *w, const struct ts_fleet_name *n, int64_t now)
{
	uint64_t h = name_hash(n);
	struct recent *r = &w->recent[h % RECENT_SLOTS];

	return r->hash == h && now < r->until_ms;
}

static void remember_published(struct writer *w, const struct ts_fleet_name *n, int64_t now)
{
	uint64_t h = name_hash(n);

	w->recent[h % RECENT_SLOTS] = (struct recent){ h, now + (int64_t)n->ttl_s * 500 };
}

/* A lease for ttl_s seconds at least, shared with others of the moment. */
static int lease_for(struct writer *w, uint32_t ttl_s, int64_t now, int64_t *id)
{
	struct shared_lease *l = &w->leases[ttl_s % LEASE_SLOTS];
	int64_t slack_ms = (int64_t)ttl_s * 100; /* 10 % */
	int err;

	if (l->ttl_s == ttl_s && l->id && now - l->granted_ms <= slack_ms) {
		*id = l->id;
		return 0;
	}
	err = ts_etcd_lease_grant(w->e, ttl_s + (ttl_s + 9) / 10, id);
	count_write(w, 1);
	if (!err)
		*l = (struct shared_lease){ ttl_s, *id, now };
	return err;
}

static int publish_batch(struct writer *w, struct publish_item *items, size_t n, int64_t now)
{
	struct ts_etcd_put puts[BATCH];
	char keys[BATCH][TS_FLEET_KEY_LEN], values[BATCH][16];
	size_t np = 0;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		struct ts_fleet_name *nm = &items[i].name;
		int64_t lease;

		if (recently_published(w, nm, now))
			continue;
		if (ts_fleet_name_key(keys[np], sizeof(keys[np]), w->f->fleet, nm))
			continue; /* cannot be: labels and names are bounded */
		err = lease_for(w, nm->ttl_s + items[i].grace_s, now, &lease);
		if (err)
			break;
		ts_fleet_name_value(values[np], sizeof(values[np]), nm);
		puts[np] = (struct ts_etcd_put){ keys[np], values[np], strlen(values[np]), lease };
		np++;
	}
	if (!err && np) {
		err = ts_etcd_put(w->e, puts, np);
		count_write(w, 1);
	}
	pthread_mutex_lock(&w->f->lock);
	if (err)
		w->f->counters.publish_failed += n;
	else
		w->f->counters.published += np;
	pthread_mutex_unlock(&w->f->lock);
	for (size_t i = 0; !err && i < n; i++)
		remember_published(w, &items[i].name, now);
	return err;
}

static int write_status(struct writer *w, struct ts_fleet_status *st)
{
	struct ts_etcd_put put = { .key = w->status_key, .lease = w->lease };
	char *text;
	int err;

	st->updated_unix = time(NULL);
	pthread_mutex_lock(&w->f->lock);
	st->names_published = w->f->counters.published;
	pthread_mutex_unlock(&w->f->lock);
	text = ts_fleet_status_encode(st);
	if (!text)
		return -ENOMEM;
	put.value = text;
	put.len = strlen(text);
	err = ts_etcd_put(w->e, &put, 1);
	count_write(w, 1);
	free(text);
	return err;
}

/* The status lease: granted when missing, renewed when due. */
static int keep_lease(struct writer *w, int64_t now, bool *regranted)
{
	int err;

	*regranted = false;
	if (w->lease && now >= w->keepalive_ms) {
		err = ts_etcd_lease_keepalive(w->e, w->lease);
		count_write(w, 1);
		if (err == -ENOENT)
			w->lease = 0; /* it expired while we were away */
		else if (err)
			return err;
		else
			w->keepalive_ms = now + TS_FLEET_STATUS_LEASE_S * 1000 / 3;
	}
	if (!w->lease) {
		err = ts_etcd_lease_grant(w->e, TS_FLEET_STATUS_LEASE_S, &w->lease);
		count_write(w, 1);
		if (err)
			return err;
		w->keepalive_ms = now + TS_FLEET_STATUS_LEASE_S * 1000 / 3;
		*regranted = true;
	}
	return 0;
}

static void failed(struct writer *w, int64_t now, int err)
{
	if (!w->said_down)
		ts_warn("fleet %s: cannot write to etcd (%s); retrying", w->f->fleet,
			err == -EACCES ? "permission denied: see the gateway's etcd role" : ts_etcd_error(w->e));
	w->said_down = true;
	w->retry_ms = now + w->backoff;
	w->backoff = w->backoff * 2 > TS_FLEET_BACKOFF_MAX_MS ? TS_FLEET_BACKOFF_MAX_MS : w->backoff * 2;
}

/* Waits for work or the next deadline; takes the status and a batch. */
static bool wait_work(struct writer *w, struct ts_fleet_status *st, bool *status_due,
		      struct publish_item *batch, size_t *n)
{
	struct ts_fleet *f = w->f;
	int64_t now = ts_fleet_mono_ms();

	pthread_mutex_lock(&f->lock);
	for (;;) {
		int64_t deadline = w->lease ? w->keepalive_ms : now + 1000;
		bool ready = now >= w->retry_ms;

		if (f->status_set && w->heartbeat_ms < deadline)
			deadline = w->heartbeat_ms;
		if (f->stop)
			break;
		if (ready && (f->status_dirty || f->publish_count || now >= deadline))
			break;
		if (!ready)
			deadline = w->retry_ms;
		pthread_mutex_unlock(&f->lock);
		ts_fleet_sleep(f, (int)(deadline - now > 1000 ? 1000 : deadline - now < 1 ? 1 : deadline - now));
		pthread_mutex_lock(&f->lock);
		now = ts_fleet_mono_ms();
	}
	*st = f->status;
	*status_due = f->status_set && (f->status_dirty || now >= w->heartbeat_ms);
	f->status_dirty = false;
	for (*n = 0; *n < BATCH && f->publish_count; (*n)++) {
		batch[*n] = f->publish[f->publish_head];
		f->publish_head = (f->publish_head + 1) % TS_FLEET_PUBLISH_QUEUE;
		f->publish_count--;
	}
	pthread_mutex_unlock(&f->lock);
	return !f->stop;
}

void *ts_fleet_writer_main(void *arg)
{
	struct writer w = { .f = arg, .backoff = TS_FLEET_BACKOFF_MIN_MS };
	struct publish_item batch[BATCH];
	struct ts_fleet_status st;

	w.e = w.f->writer_etcd;
	w.recent = calloc(RECENT_SLOTS, sizeof(*w.recent));
	{
		char rest[TS_FLEET_LABEL_MAX + 24];

		snprintf(rest, sizeof(rest), "gateways/%s/status", w.f->gateway);
		ts_fleet_key(w.status_key, sizeof(w.status_key), w.f->fleet, rest);
	}
	while (w.recent) {
		bool status_due, regranted;
		size_t n;
		int64_t now;
		int err;

		if (!wait_work(&w, &st, &status_due, batch, &n))
			break;
		now = ts_fleet_mono_ms();
		err = keep_lease(&w, now, &regranted);
		if (!err && (status_due || (regranted && w.f->status_set))) {
			err = write_status(&w, &st);
			if (!err)
				w.heartbeat_ms = now + TS_FLEET_HEARTBEAT_S * 1000;
		}
		if (!err && n)
			err = publish_batch(&w, batch, n, now);
		if (err) {
			if (status_due || regranted) {
				pthread_mutex_lock(&w.f->lock);
				w.f->status_dirty = true; /* written once etcd answers */
				pthread_mutex_unlock(&w.f->lock);
			}
			failed(&w, now, err);
			continue;
		}
		if (w.said_down)
			ts_info("fleet %s: writing to etcd again", w.f->fleet);
		w.said_down = false;
		w.backoff = TS_FLEET_BACKOFF_MIN_MS;
	}
	/* A gateway that stops leaves the fleet's list at once, not when its
	 * lease runs out; without etcd this costs at most a second or so. */
	if (w.lease && !w.said_down) {
		ts_etcd_set_stop(w.e, NULL);
		ts_etcd_set_timeout(w.e, 500);
		ts_etcd_lease_revoke(w.e, w.lease);
	}
	free(w.recent);
	return NULL;
}
