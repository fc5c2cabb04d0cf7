// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* event_log.c - drop and audit events to the journal (see event_log.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "loader/event_log.h"
#include "loader/event_text.h"

struct ts_event_log {
	struct ts_dp *dp;
	int journal;                  /* datagram socket to journald, -1 = stderr */
	int64_t second;               /* the current rate-limit second (monotonic) */
	uint32_t logged;              /* entries in that second */
	uint64_t left_out;            /* events over the limit, not said yet */
};

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int journal_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = TS_JOURNAL_SOCKET };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One journal entry: "FIELD=value\n" lines (no value holds a newline:
 * every one is a name, a number or an address). */
static void journal_send(struct ts_event_log *l, const char *entry, size_t len, const char *message)
{
	if (l->journal >= 0 && send(l->journal, entry, len, MSG_NOSIGNAL) == (ssize_t)len)
		return;
	fprintf(stderr, "turnstile: %s\n", message);
}

static void say(struct ts_event_log *l, int priority, const char *message)
{
	char entry[512];
	int n = snprintf(entry, sizeof(entry), "MESSAGE=%s\nPRIORITY=%d\nSYSLOG_IDENTIFIER=turnstile\n",
			 message, priority);

	journal_send(l, entry, n > 0 && (size_t)n < sizeof(entry) ? (size_t)n : 0, message);
}

/* Once a second: what the two rate limits left out. */
static void flush_left_out(struct ts_event_log *l)
{
	uint64_t dp_suppressed = 0;
	char msg[160];

	ts_dp_events_suppressed(l->dp, &dp_suppressed);
	if (!l->left_out && !dp_suppressed)
		return;
	snprintf(msg, sizeof(msg), "%" PRIu64 " drop/audit events not logged (rate limits: %" PRIu64
		 " here, %" PRIu64 " in the dataplane)", l->left_out + dp_suppressed, l->left_out,
		 dp_suppressed);
	say(l, 4, msg);
	l->left_out = 0;
}

void ts_event_log_write(struct ts_event_log *l, const struct ts_event *ev)
{
	struct ts_event_text t;
	char msg[256], entry[1024];
	int n;

	if (l->logged >= TS_EVENT_LOG_PER_SEC) {
		l->left_out++;
		return;
	}
	l->logged++;
	ts_event_text(l->dp, ev, &t);
	snprintf(msg, sizeof(msg), "%s %s %s/%s %s:%u -> %s:%u flags 0x%02x%s%s%s", t.verdict, t.reason,
		 t.iface, t.hook, t.src, t.sport, t.dst, t.dport, ev->tcp_flags,
		 t.rule_label[0] ? " rule \"" : "", t.rule_label, t.rule_label[0] ? "\"" : "");
	n = snprintf(entry, sizeof(entry),
		     "MESSAGE=%s\nPRIORITY=%d\nSYSLOG_IDENTIFIER=turnstile\n"
		     "TURNSTILE_VERDICT=%s\nTURNSTILE_REASON=%s\nTURNSTILE_HOOK=%s\nTURNSTILE_IFACE=%s\n"
		     "TURNSTILE_SRC=%s\nTURNSTILE_SPORT=%u\nTURNSTILE_DST=%s\nTURNSTILE_DPORT=%u\n"
		     "TURNSTILE_TCP_FLAGS=%u\nTURNSTILE_RULE_ID=%u\nTURNSTILE_RULE=%s\n",
		     msg, ev->verdict == TS_VERDICT_DROP ? 4 : 5, t.verdict, t.reason, t.hook, t.iface,
		     t.src, t.sport, t.dst, t.dport, ev->tcp_flags, ev->rule_id, t.rule_label);
	journal_send(l, entry, n > 0 && (size_t)n < sizeof(entry) ? (size_t)n : 0, msg);
}

int ts_event_log_open(struct ts_event_log **out, struct ts_dp *dp)
{
	struct ts_event_log *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->dp = dp;
	l->second = mono_s();
	l->journal = journal_connect();
	ts_info("logging drop and audit events to %s (at most %u a second)",
		l->journal >= 0 ? "the journal" : "stderr", TS_EVENT_LOG_PER_SEC);
	*out = l;
	return 0;
}

void ts_event_log_tick(struct ts_event_log *l)
{
	int64_t now = mono_s();

	if (now != l->second) {
		flush_left_out(l);
		l->second = now;
		l->logged = 0;
	}
}

void ts_event_log_close(struct ts_event_log *l)
{
	if (!l)
		return;
	flush_left_out(l);
	if (l->journal >= 0)
		close(l->journal);
	free(l);
}
