/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_hub.h - the daemon as the event ring's one reader. Reading the
 * ring consumes it, so two readers would split the events between them;
 * instead the daemon reads every event and hands each one to the journal
 * (`run --log-events`, event_log.h) and to every `turnstile monitor`
 * connected to its socket, so every reader sees every event.
 *
 * The socket (SOCK_SEQPACKET, TS_EVENT_SOCKET in the state dir, mode 0600;
 * group `turnstile` 0660 when that group exists, which matters where the
 * state dir lets the group in) carries one struct
 * ts_event per message, live only: a monitor sees events from when it
 * connects. At most TS_EVENT_HUB_READERS monitors; one that does not read
 * loses the events its socket has no room for (counted, never waited for).
 */
#ifndef TS_EVENT_HUB_H
#define TS_EVENT_HUB_H

#include <stdint.h>

#include "dp/dp.h"
#include "loader/event_log.h"

#define TS_EVENT_SOCKET "events.sock"
#define TS_EVENT_HUB_READERS 16

struct ts_event_hub;

/* log: the journal writer, or NULL. */
int ts_event_hub_open(struct ts_event_hub **out, struct ts_dp *dp, const char *state_dir,
		      struct ts_event_log *log);
/* epoll-able: on EPOLLIN call ts_event_hub_process(). */
int ts_event_hub_fd(const struct ts_event_hub *h);
void ts_event_hub_process(struct ts_event_hub *h);
/* Unlinks the socket; the log is the caller's. */
void ts_event_hub_close(struct ts_event_hub *h);

/* `monitor`: a connection to the daemon's socket in state_dir; -errno if
 * no daemon listens there. */
int ts_event_hub_connect(const char *state_dir);

#endif /* TS_EVENT_HUB_H */
