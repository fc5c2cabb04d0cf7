/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fleet_glue.h - a fleet (user/lib/fleet) wired to the daemon: each new
 * revision of the fleet policy goes through the daemon's atomic reload
 * (refused with its file:line:col reason when it fails check, the running
 * policy staying); addresses other gateways learned are learned here as
 * from a DNS answer; what the proxy learns here is published; and the
 * gateway's status (revision, health, last result) is kept in etcd.
 */
#ifndef TS_FLEET_GLUE_H
#define TS_FLEET_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "fleet/fleet.h"
#include "loader/names_glue.h"
#include "loader/session.h"

/* The daemon's reload from a file (pausing and restarting the names
 * around it): 0, or -errno with the one-line reason in why. */
typedef int (*ts_fleet_reload_fn)(void *ctx, const char *path, char *why, size_t whylen);

struct ts_fleet_glue {
	struct ts_fleet *fleet;          /* NULL = not in a fleet */
	struct ts_session *s;
	struct ts_names_glue *names;
	ts_fleet_reload_fn reload;
	void *reload_ctx;
	int64_t refused_revision;        /* the last revision refused (not retried) */
	struct ts_fleet_status status;   /* as last reported */
	uint64_t names_bad;              /* the reader's count of malformed names, as reported */
	/* On each (re)connection to etcd, the names this gateway learned
	 * itself are published again, a queue's room at a time: what it
	 * learned while etcd was away reaches the fleet. */
	bool connected, catching_up;
	struct ts_names_cursor catch_up;
	uint64_t caught_up;              /* addresses queued by this catch-up */
};

/* Starts the fleet link when the session is in a fleet (state.fleet). */
int ts_fleet_glue_open(struct ts_fleet_glue *g, struct ts_session *s, struct ts_names_glue *names,
		       const struct ts_fleet_config *cfg, ts_fleet_reload_fn reload, void *ctx);
void ts_fleet_glue_close(struct ts_fleet_glue *g);
int ts_fleet_glue_fd(const struct ts_fleet_glue *g); /* -1 = none */
/* Takes every waiting message: policies, names. */
void ts_fleet_glue_process(struct ts_fleet_glue *g);

/*
 * Whether `name` travels in the fleet: it matches a wildcard of the policy
 * and is none of its exact names (those each gateway resolves itself).
 */
bool ts_fleet_name_shared(const struct ts_compiled *c, const char *name);

/*
 * `run --fleet` before `up`: reads the fleet policy from etcd; a revision
 * that passes check becomes the cached one (fleet/cache.h). Then the
 * cached policy is what `up` installs: its path and revision. Fails
 * (-ENOENT) only when there is neither a good policy in etcd nor a cache.
 */
int ts_fleet_bootstrap(const struct ts_fleet_config *cfg, const char *state_dir, char *policy_path,
		       size_t len, int64_t *revision);

#endif /* TS_FLEET_GLUE_H */
