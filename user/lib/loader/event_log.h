/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_log.h - `run --log-events`: the dataplane's drop and audit events
 * written to the journal, one entry each with structured fields
 * (TURNSTILE_VERDICT, _REASON, _SRC, _SPORT, _DST, _DPORT, _RULE,
 * _IFACE, _HOOK) beside a readable MESSAGE, over journald's native
 * protocol; without a journal, as lines on stderr.
 *
 * Rate-limited twice: the dataplane's per-CPU limit (the policy's
 * events-per-second) and here at most TS_EVENT_LOG_PER_SEC entries a
 * second; what is left out is counted and said once a second.
 *
 * The daemon's event hub (event_hub.h) reads the ring and hands each
 * event here, as it hands it to every `turnstile monitor`.
 */
#ifndef TS_EVENT_LOG_H
#define TS_EVENT_LOG_H

#include "dp/dp.h"

#define TS_EVENT_LOG_PER_SEC 200u
#define TS_JOURNAL_SOCKET "/run/systemd/journal/socket"

struct ts_event_log;

int ts_event_log_open(struct ts_event_log **out, struct ts_dp *dp);
/* One event (rate-limited here). */
void ts_event_log_write(struct ts_event_log *l, const struct ts_event *ev);
/* Once a second at least: says what the rate limits left out. */
void ts_event_log_tick(struct ts_event_log *l);
void ts_event_log_close(struct ts_event_log *l);

#endif /* TS_EVENT_LOG_H */
