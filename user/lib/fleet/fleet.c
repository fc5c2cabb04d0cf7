// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fleet.c - the fleet link's queues, threads and calls (see fleet.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "fleet/etcd_kv.h"
#include "fleet/fleet_internal.h"

int64_t ts_fleet_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ts_fleet_notify(struct ts_fleet *f)
{
	uint64_t one = 1;

	if (write(f->event_fd, &one, sizeof(one)) < 0) {
		/* the counter is already non-zero: the loop is woken anyway */
	}
}

bool ts_fleet_sleep(struct ts_fleet *f, int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&f->lock);
	while (!f->stop && pthread_cond_timedwait(&f->wake, &f->lock, &until) != ETIMEDOUT) {
	}
	pthread_mutex_unlock(&f->lock);
	return !f->stop;
}

static int open_etcd(struct ts_etcd **e, const struct ts_fleet_config *cfg, char *why, size_t whylen)
{
	return ts_etcd_open(e, &cfg->etcd, why, whylen);
}

int ts_fleet_start(struct ts_fleet **out, const struct ts_fleet_config *cfg, char *why, size_t whylen)
{
	struct ts_fleet *f;
	int err;

	*out = NULL;
	if (ts_fleet_label_check(cfg->fleet) || ts_fleet_label_check(cfg->gateway)) {
		snprintf(why, whylen, "fleet and gateway names are 1 to %u bytes of [a-z0-9._-]",
			 TS_FLEET_LABEL_MAX);
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	snprintf(f->fleet, sizeof(f->fleet), "%s", cfg->fleet);
	snprintf(f->gateway, sizeof(f->gateway), "%s", cfg->gateway);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	f->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->names = calloc(TS_FLEET_NAMES_QUEUE, sizeof(*f->names));
	f->publish = calloc(TS_FLEET_PUBLISH_QUEUE, sizeof(*f->publish));
	err = f->event_fd < 0 ? -errno : !f->names || !f->publish ? -ENOMEM : 0;
	if (err)
		snprintf(why, whylen, "fleet: %s", strerror(-err));
	if (!err)
		err = open_etcd(&f->reader_etcd, cfg, why, whylen);
	if (!err)
		err = open_etcd(&f->writer_etcd, cfg, why, whylen);
	if (!err) {
		ts_etcd_set_stop(f->reader_etcd, &f->stop);
		ts_etcd_set_stop(f->writer_etcd, &f->stop);
		err = -pthread_create(&f->reader, NULL, ts_fleet_reader_main, f);
		f->reader_started = !err;
	}
	if (!err) {
		err = -pthread_create(&f->writer, NULL, ts_fleet_writer_main, f);
		f->writer_started = !err;
	}
	if (err) {
		if (!why[0])
			snprintf(why, whylen, "fleet: cannot start its threads: %s", strerror(-err));
		ts_fleet_stop(f);
		return err;
	}
	*out = f;
	return 0;
}

void ts_fleet_stop(struct ts_fleet *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
	if (f->reader_started)
		pthread_join(f->reader, NULL);
	if (f->writer_started)
		pthread_join(f->writer, NULL);
	ts_etcd_close(f->reader_etcd);
	ts_etcd_close(f->writer_etcd);
	if (f->policy_pending)
		ts_fleet_msg_free(&f->policy);
	if (f->event_fd >= 0)
		close(f->event_fd);
	free(f->names);
	free(f->publish);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int ts_fleet_fd(const struct ts_fleet *f)
{
	return f->event_fd;
}

bool ts_fleet_next(struct ts_fleet *f, struct ts_fleet_msg *m)
{
	uint64_t drained;
	bool got = true;

	memset(m, 0, sizeof(*m));
	pthread_mutex_lock(&f->lock);
	/* the policy first: names are checked against the policy that runs */
	if (f->policy_pending) {
		*m = f->policy;
		f->policy_pending = false;
	} else if (f->names_count) {
		m->kind = TS_FLEET_MSG_NAME;
		m->name = f->names[f->names_head];
		f->names_head = (f->names_head + 1) % TS_FLEET_NAMES_QUEUE;
		f->names_count--;
	} else {
		got = false;
		/* empty: re-arm only now, under the lock the producers take */
		if (read(f->event_fd, &drained, sizeof(drained)) < 0) {
			/* nothing was counted */
		}
	}
	pthread_mutex_unlock(&f->lock);
	return got;
}

void ts_fleet_msg_free(struct ts_fleet_msg *m)
{
	free(m->text);
	m->text = NULL;
}

void ts_fleet_report(struct ts_fleet *f, const struct ts_fleet_status *st)
{
	pthread_mutex_lock(&f->lock);
	f->status = *st;
	snprintf(f->status.gateway, sizeof(f->status.gateway), "%s", f->gateway);
	f->status_dirty = f->status_set = true;
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
}

void ts_fleet_publish(struct ts_fleet *f, const struct ts_fleet_name *n, uint32_t grace_s)
{
	pthread_mutex_lock(&f->lock);
	if (f->publish_count == TS_FLEET_PUBLISH_QUEUE) {
		f->counters.publish_dropped++;
	} else {
		struct publish_item *it =
			&f->publish[(f->publish_head + f->publish_count) % TS_FLEET_PUBLISH_QUEUE];

		it->name = *n;
		snprintf(it->name.gateway, sizeof(it->name.gateway), "%s", f->gateway);
		it->grace_s = grace_s;
		f->publish_count++;
		pthread_cond_broadcast(&f->wake);
	}
	pthread_mutex_unlock(&f->lock);
}

void ts_fleet_counters(struct ts_fleet *f, struct ts_fleet_counters *out)
{
	pthread_mutex_lock(&f->lock);
	*out = f->counters;
	pthread_mutex_unlock(&f->lock);
}

int ts_fleet_fetch_policy(const struct ts_fleet_config *cfg, int timeout_ms, char **text,
			  size_t *len, int64_t *revision, char *why, size_t whylen)
{
	struct ts_etcd_config ec = cfg->etcd;
	struct ts_etcd_result r;
	struct ts_etcd *e;
	char key[TS_FLEET_KEY_LEN];
	int err;

	*text = NULL;
	ec.timeout_ms = timeout_ms;
	err = ts_fleet_key(key, sizeof(key), cfg->fleet, "policy");
	if (err)
		return err;
	err = ts_etcd_open(&e, &ec, why, whylen);
	if (err)
		return err;
	err = ts_etcd_get(e, key, false, &r);
	if (err)
		snprintf(why, whylen, "%s", ts_etcd_error(e));
	else if (!r.nkvs)
		err = -ENOENT;
	if (!err) {
		*text = r.kvs[0].value;
		*len = r.kvs[0].value_len;
		*revision = r.kvs[0].mod_revision;
		r.kvs[0].value = NULL; /* the caller's now */
	}
	ts_etcd_result_free(&r);
	ts_etcd_close(e);
	return err;
}
