/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * state.h - what the running turnstile was started with, so `status`,
 * `explain`, reloads and restarts find it: policy file, interfaces and
 * their hooks, resolvers, state dir, audit, generation.
 *
 * It lives beside the maps as a pinned one-entry ARRAY map
 * PIN_DIR/ts_loader_state (mode 0600) holding "key value" text lines, so
 * it dies with the pins: `down` (or a reboot) can never leave a record
 * that describes nothing. bpftool map dump shows it as bytes.
 */
#ifndef TS_LOADER_STATE_H
#define TS_LOADER_STATE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnstile.h"

#define TS_STATE_MAP_NAME   "ts_loader_state"
#define TS_STATE_BYTES      16384u
#define TS_STATE_MAX_IFACES 32u
#define TS_STATE_PATH_LEN   4096u
#define TS_STATE_RESOLVERS_LEN 512u
#define TS_STATE_LISTEN_LEN 64u
#define TS_STATE_VERSION_LEN 64u
#define TS_STATE_REASON_LEN 512u

/* How the daemon's last reload (SIGHUP) ended. */
enum ts_reload_result {
	TS_RELOAD_NONE = 0,   /* no reload recorded (since `down`) */
	TS_RELOAD_OK,         /* the new policy is active */
	TS_RELOAD_INVALID,    /* the file did not compile: the old policy stays */
	TS_RELOAD_FAILED,     /* installing failed: the old policy stays */
};

struct ts_state_iface {
	char name[IF_NAMESIZE];
	bool xdp;                     /* XDP ingress attached (link pinned) */
	enum ts_xdp_mode xdp_mode;
	bool tc;                      /* tc egress filter attached */
	bool tc_created_qdisc;        /* we created its clsact qdisc */
	uint32_t tc_prog_id;          /* the program our filter runs */
};

struct ts_loader_state {
	char policy[TS_STATE_PATH_LEN];       /* absolute path */
	char state_dir[TS_STATE_PATH_LEN];    /* names cache lives here */
	char resolvers[TS_STATE_RESOLVERS_LEN]; /* "--resolver" list, comma separated; "" = policy's */
	char dns_listen[TS_STATE_LISTEN_LEN]; /* `run --dns-listen` (the names DNS proxy); "" = none */
	uint32_t dns_udp_max;                 /* `run --dns-udp-max`; 0 = the proxy's default */
	char metrics_listen[TS_STATE_LISTEN_LEN]; /* `run --metrics` (HTTP /metrics); "" = none */
	bool audit;                           /* --audit given */
	bool log_events;                      /* `run --log-events` */
	uint64_t generation;                  /* of the installed policy */
	int64_t started_unix;                 /* when the policy was last installed */
	int32_t daemon_pid;                   /* `run`'s pid, 0 = none */
	char version[TS_STATE_VERSION_LEN];   /* ts_version() of the turnstile that installed it */
	char policy_sha256[65];               /* hex SHA-256 of the installed policy's files, "" = unknown */
	/* the daemon's reloads: how many ended (any result), the last one's
	 * result, end time and, when it failed, why (one line) */
	uint64_t reloads;
	enum ts_reload_result reload_result;
	int64_t reload_unix;
	char reload_error[TS_STATE_REASON_LEN];
	/* `run --fleet`: the fleet, this gateway's name in it, and the etcd
	 * mod revision of the fleet policy it enforces (its generation in the
	 * fleet; 0 = none yet). "" = not in a fleet. */
	char fleet[64];
	char fleet_gateway[64];
	int64_t fleet_revision;
	bool fleet_connected;                 /* its watch on etcd is live */
	int64_t fleet_connected_unix;         /* since when it is (or is not) */
	struct ts_state_iface ifaces[TS_STATE_MAX_IFACES];
	size_t nifaces;
};

/* "ok", "invalid", "failed", "none". */
const char *ts_reload_result_name(enum ts_reload_result r);
/* Records a reload that just ended: count, result, time, and `why` as one
 * line (control characters become spaces; a longer text ends in "..."). */
void ts_state_record_reload(struct ts_loader_state *st, enum ts_reload_result r, const char *why);

/* Reads the record; -ENOENT when turnstile is not up. */
int ts_state_load(const char *pin_dir, struct ts_loader_state *st);
/* Writes it, creating and pinning the map when missing. */
int ts_state_save(const char *pin_dir, const struct ts_loader_state *st);
/* Unpins it; 0 if it was not there. */
int ts_state_remove(const char *pin_dir);

/* The entry for `name`, or NULL. */
struct ts_state_iface *ts_state_iface_find(struct ts_loader_state *st, const char *name);
/* The entry for `name`, added when missing; NULL when the table is full. */
struct ts_state_iface *ts_state_iface_get(struct ts_loader_state *st, const char *name);

#endif /* TS_LOADER_STATE_H */
