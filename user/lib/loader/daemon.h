/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * daemon.h - `turnstile run`'s foreground loop over an open session: one
 * epoll over a signalfd (SIGHUP reload, SIGTERM/SIGINT exit) and the name
 * resolver's fd, its timeout bounded by the next flow GC (a deadline the
 * loop keeps, every TS_DAEMON_GC_INTERVAL_S). Exiting leaves enforcement
 * in place; the session (and its lock) is the caller's to close.
 */
#ifndef TS_DAEMON_H
#define TS_DAEMON_H

#include "fleet/fleet.h"
#include "loader/session.h"

#define TS_DAEMON_GC_INTERVAL_S 5

/* Runs until SIGTERM/SIGINT (returns 0) or a fatal error (-errno). With
 * fleet (`run --fleet`, else NULL) the policy also comes from etcd
 * (loader/fleet_glue.h). */
int ts_daemon_run(struct ts_session *s, const struct ts_fleet_config *fleet);

/* Blocks the signals the loop takes through its signalfd; call before
 * anything that could receive them (right at start of `run`). */
int ts_daemon_block_signals(void);

#endif /* TS_DAEMON_H */
