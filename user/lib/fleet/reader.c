// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * reader.c - the fleet's reader thread: read the policy key and the names
 * prefix, hand them to the loop, watch both from the revision read; after
 * any failure (a member gone, all gone, a partition, a compacted
 * revision) wait with backoff and read again. Reading again rather than
 * trusting a resumed watch alone costs one range per reconnect and can
 * never miss a change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fleet/etcd_kv.h"
#include "fleet/etcd_watch.h"
#include "fleet/fleet_internal.h"

#define WATCH_HELD_MS 10000 /* a watch that lasted this long resets the backoff */

struct reader {
	struct ts_fleet *f;
	char policy_key[TS_FLEET_KEY_LEN];
	char names_prefix[TS_FLEET_KEY_LEN];
	char own_prefix[TS_FLEET_KEY_LEN]; /* names/GW/: what this gateway published */
	bool said_down;                    /* the unreachable etcd was logged */
};

static void post_policy(struct ts_fleet *f, struct ts_etcd_kv *kv)
{
	pthread_mutex_lock(&f->lock);
	if (f->policy_pending)
		ts_fleet_msg_free(&f->policy); /* only the latest matters */
	f->policy = (struct ts_fleet_msg){
		.kind = TS_FLEET_MSG_POLICY, .revision = kv->mod_revision,
		.text = kv->value, .len = kv->value_len,
	};
	kv->value = NULL; /* the message owns it */
	f->policy_pending = true;
	pthread_mutex_unlock(&f->lock);
	ts_fleet_notify(f);
}

static void post_name(struct reader *rd, const struct ts_etcd_kv *kv)
{
	struct ts_fleet *f = rd->f;
	struct ts_fleet_name n;
	const char *why;

	/* its own names are learned here already */
	if (!strncmp(kv->key, rd->own_prefix, strlen(rd->own_prefix)))
		return;
	if (ts_fleet_name_parse(f->fleet, kv->key, kv->value, kv->value_len, &n, &why)) {
		pthread_mutex_lock(&f->lock);
		if (!f->counters.names_bad++)
			ts_warn("fleet: ignoring a name from etcd: %s", why);
		pthread_mutex_unlock(&f->lock);
		ts_fleet_notify(f); /* the loop reports the count */
		return;
	}
	pthread_mutex_lock(&f->lock);
	if (f->names_count == TS_FLEET_NAMES_QUEUE) {
		f->counters.names_read_dropped++;
	} else {
		f->names[(f->names_head + f->names_count) % TS_FLEET_NAMES_QUEUE] = n;
		f->names_count++;
	}
	pthread_mutex_unlock(&f->lock);
	ts_fleet_notify(f);
}

static void take_kv(struct reader *rd, struct ts_etcd_kv *kv)
{
	if (!strcmp(kv->key, rd->policy_key))
		post_policy(rd->f, kv);
	else if (!strncmp(kv->key, rd->names_prefix, strlen(rd->names_prefix)))
		post_name(rd, kv);
}

static int on_watch(void *ctx, const struct ts_etcd_result *msg)
{
	struct reader *rd = ctx;

	/* a deleted name stays until its own expiry; a deleted policy
	 * leaves the running one in place */
	for (size_t i = 0; i < msg->nevents; i++)
		if (msg->events[i].type == TS_ETCD_PUT)
			take_kv(rd, (struct ts_etcd_kv *)&msg->events[i].kv);
	return 0;
}

static void set_connected(struct reader *rd, bool up, const char *why)
{
	struct ts_fleet *f = rd->f;
	bool was;

	pthread_mutex_lock(&f->lock);
	was = f->counters.connected;
	f->counters.connected = up;
	if (!up && was)
		f->counters.reconnects++;
	pthread_mutex_unlock(&f->lock);
	if (up != was)
		ts_fleet_notify(f); /* the loop records it (status) */
	if (up && !was)
		ts_info("fleet %s: etcd connected", f->fleet);
	else if (!up && (was || !rd->said_down))
		ts_warn("fleet %s: etcd unreachable (%s); enforcing the last good policy and names, reconnecting",
			f->fleet, why);
	rd->said_down = !up;
}

/* Reads both, hands them over; the revision to watch from, or -errno. */
static int64_t read_all(struct reader *rd)
{
	struct ts_etcd *e = rd->f->reader_etcd;
	struct ts_etcd_result pol, names;
	int64_t from;
	int err;

	err = ts_etcd_get(e, rd->policy_key, false, &pol);
	if (err)
		return err;
	err = ts_etcd_get(e, rd->names_prefix, true, &names);
	if (err) {
		ts_etcd_result_free(&pol);
		return err;
	}
	for (size_t i = 0; i < pol.nkvs; i++)
		take_kv(rd, &pol.kvs[i]);
	for (size_t i = 0; i < names.nkvs; i++)
		take_kv(rd, &names.kvs[i]);
	/* the older of the two: a change between them is seen twice, never not */
	from = (pol.revision < names.revision ? pol.revision : names.revision) + 1;
	ts_etcd_result_free(&pol);
	ts_etcd_result_free(&names);
	return from;
}

void *ts_fleet_reader_main(void *arg)
{
	struct reader rd = { .f = arg };
	struct ts_fleet *f = rd.f;
	/* names/ up to and including policy: one watch for both */
	char end[TS_FLEET_KEY_LEN + 1];
	size_t end_len;
	int backoff = TS_FLEET_BACKOFF_MIN_MS;

	ts_fleet_key(rd.policy_key, sizeof(rd.policy_key), f->fleet, "policy");
	ts_fleet_key(rd.names_prefix, sizeof(rd.names_prefix), f->fleet, "names/");
	{
		char rest[TS_FLEET_LABEL_MAX + 16];

		snprintf(rest, sizeof(rest), "names/%s/", f->gateway);
		ts_fleet_key(rd.own_prefix, sizeof(rd.own_prefix), f->fleet, rest);
	}
	end_len = strlen(rd.policy_key) + 1;
	memcpy(end, rd.policy_key, end_len); /* its NUL included: the key after "policy" */

	while (!f->stop) {
		int64_t from = read_all(&rd), since;
		bool held;
		int err;

		if (from < 0) {
			set_connected(&rd, false, ts_etcd_error(f->reader_etcd));
			ts_fleet_sleep(f, backoff);
			backoff = backoff * 2 > TS_FLEET_BACKOFF_MAX_MS ? TS_FLEET_BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		set_connected(&rd, true, NULL);
		since = ts_fleet_mono_ms();
		err = ts_etcd_watch(f->reader_etcd, rd.names_prefix, end, end_len, from, on_watch, &rd,
				    &f->stop);
		if (f->stop)
			break;
		set_connected(&rd, false, err == -ESTALE ? "watch revision compacted" : ts_etcd_error(f->reader_etcd));
		/* A watch that held is a new start; one that fails at once (a
		 * role without read on the range, a member that drops it) must
		 * not become a read a few times a second: the backoff grows. */
		held = ts_fleet_mono_ms() - since >= WATCH_HELD_MS;
		if (held)
			backoff = TS_FLEET_BACKOFF_MIN_MS;
		ts_fleet_sleep(f, backoff);
		if (!held)
			backoff = backoff * 2 > TS_FLEET_BACKOFF_MAX_MS ? TS_FLEET_BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}
