/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fleet.h - a gateway's link to its fleet in etcd (docs/fleet.md).
 *
 * Two threads talk to etcd so the daemon's loop never blocks on the
 * network: the reader reads the policy key and the names prefix, then
 * watches both from the revision it read (re-reading after any failure,
 * with backoff); the writer keeps the gateway's lease alive and writes
 * its status and the names it publishes. The loop gets what the reader
 * found through ts_fleet_next() when ts_fleet_fd() is readable, and hands
 * the writer its status and names; every queue is bounded (what does not
 * fit is counted and dropped, the status is only ever the latest).
 */
#ifndef TS_FLEET_H
#define TS_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet/etcd_http.h"
#include "fleet/keys.h"

#define TS_FLEET_STATUS_LEASE_S   10   /* a dead gateway's status vanishes after this */
#define TS_FLEET_HEARTBEAT_S      5    /* status rewritten at least this often */
#define TS_FLEET_BACKOFF_MIN_MS   250
#define TS_FLEET_BACKOFF_MAX_MS   8000
#define TS_FLEET_NAMES_QUEUE      16384u /* names read, waiting for the loop (as many as a gateway may learn) */
#define TS_FLEET_PUBLISH_QUEUE    4096u  /* names to publish, waiting for the writer */

struct ts_fleet_config {
	struct ts_etcd_config etcd;
	const char *fleet;        /* label (keys.h) */
	const char *gateway;      /* label (keys.h) */
};

enum ts_fleet_msg_kind { TS_FLEET_MSG_POLICY, TS_FLEET_MSG_NAME };

struct ts_fleet_msg {
	enum ts_fleet_msg_kind kind;
	int64_t revision;         /* POLICY: the key's mod revision */
	char *text;               /* POLICY: the text (value_len bytes, NUL after) */
	size_t len;
	struct ts_fleet_name name;/* NAME: checked syntactically (keys.h) */
};

/* What a gateway reports about itself (status_json.h writes it). */
struct ts_fleet_status {
	char gateway[TS_FLEET_LABEL_MAX + 1];
	int64_t revision;            /* the fleet policy revision it enforces; 0 = none */
	char health[16];             /* "ok", "refusing" */
	char reload_result[16];      /* of the last fleet revision it tried: ok, invalid, failed */
	int64_t reload_revision;
	char reload_error[512];      /* "file:line:col: error: ..." when refused */
	uint64_t names_published, names_installed, names_refused;
	int64_t updated_unix;
};

struct ts_fleet;

/* Checks the config, opens both etcd handles, starts both threads. */
int ts_fleet_start(struct ts_fleet **out, const struct ts_fleet_config *cfg, char *why, size_t whylen);
/* Stops the threads (within about a second) and frees everything. */
void ts_fleet_stop(struct ts_fleet *f);

/* Readable (an eventfd) while messages wait. */
int ts_fleet_fd(const struct ts_fleet *f);
/* The next message, false when none waits; free it with ts_fleet_msg_free. */
bool ts_fleet_next(struct ts_fleet *f, struct ts_fleet_msg *m);
void ts_fleet_msg_free(struct ts_fleet_msg *m);

/* The status the writer keeps in etcd from now on. */
void ts_fleet_report(struct ts_fleet *f, const struct ts_fleet_status *st);
/* Queues a learned name for publishing under a lease of ttl + grace. */
void ts_fleet_publish(struct ts_fleet *f, const struct ts_fleet_name *n, uint32_t grace_s);

struct ts_fleet_counters {
	bool connected;                   /* the reader's watch is live */
	uint64_t reconnects;              /* reads of the keys after a failure */
	uint64_t names_read_dropped;      /* the names queue was full */
	uint64_t names_bad;               /* names/ keys that failed the checks */
	uint64_t published, publish_dropped, publish_failed;
	uint64_t writes;                  /* etcd write requests the writer made */
};
void ts_fleet_counters(struct ts_fleet *f, struct ts_fleet_counters *out);

/*
 * `run` before `up`: the policy key read once (timeout_ms). 0 with the
 * text (malloc'd) and its revision, -ENOENT when the key does not exist,
 * or -errno when etcd cannot be read (why says so).
 */
int ts_fleet_fetch_policy(const struct ts_fleet_config *cfg, int timeout_ms, char **text,
			  size_t *len, int64_t *revision, char *why, size_t whylen);

#endif /* TS_FLEET_H */
