/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fleet_internal.h - what fleet.c, reader.c and writer.c share. */
#ifndef TS_FLEET_INTERNAL_H
#define TS_FLEET_INTERNAL_H

#include <pthread.h>

#include "fleet/fleet.h"

struct publish_item {
	struct ts_fleet_name name;
	uint32_t grace_s;
};

struct ts_fleet {
	char fleet[TS_FLEET_LABEL_MAX + 1];
	char gateway[TS_FLEET_LABEL_MAX + 1];
	struct ts_etcd *reader_etcd, *writer_etcd;
	pthread_t reader, writer;
	bool reader_started, writer_started;
	volatile bool stop;
	int event_fd;

	pthread_mutex_t lock;           /* everything below */
	pthread_cond_t wake;            /* the writer's: work or stop */
	/* reader -> loop: the latest policy, the names in order */
	struct ts_fleet_msg policy;
	bool policy_pending;
	struct ts_fleet_name *names;    /* ring of TS_FLEET_NAMES_QUEUE */
	size_t names_head, names_count;
	/* loop -> writer */
	struct ts_fleet_status status;
	bool status_dirty, status_set;
	struct publish_item *publish;   /* ring of TS_FLEET_PUBLISH_QUEUE */
	size_t publish_head, publish_count;
	struct ts_fleet_counters counters;
};

/* CLOCK_MONOTONIC in milliseconds. */
int64_t ts_fleet_mono_ms(void);
/* Wakes the loop (the eventfd). */
void ts_fleet_notify(struct ts_fleet *f);
/* Sleeps up to ms, or less when stop is set; false once stopping. */
bool ts_fleet_sleep(struct ts_fleet *f, int ms);

void *ts_fleet_reader_main(void *arg);
void *ts_fleet_writer_main(void *arg);

#endif /* TS_FLEET_INTERNAL_H */
