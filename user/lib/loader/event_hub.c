// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* event_hub.c - the daemon reads the event ring for every reader (see event_hub.h). */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "loader/event_hub.h"

enum { HUB_RING = 1, HUB_LISTEN, HUB_READER = 0x100 }; /* + reader slot */

struct ts_event_hub {
	struct ts_dp *dp;
	struct ts_dp_events *ring;
	struct ts_event_log *log;
	int ep, listen_fd;
	int readers[TS_EVENT_HUB_READERS];  /* -1 = free */
	uint64_t lost;                      /* events a slow monitor had no room for */
	struct sockaddr_un addr;
};

static int socket_path(const char *state_dir, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", state_dir, TS_EVENT_SOCKET) >=
	    (int)sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static void drop_reader(struct ts_event_hub *h, uint32_t i)
{
	if (i >= TS_EVENT_HUB_READERS || h->readers[i] < 0)
		return;
	epoll_ctl(h->ep, EPOLL_CTL_DEL, h->readers[i], NULL);
	close(h->readers[i]);
	h->readers[i] = -1;
}

static int on_event(const struct ts_event *ev, void *ctx)
{
	struct ts_event_hub *h = ctx;

	if (h->log)
		ts_event_log_write(h->log, ev);
	for (int i = 0; i < TS_EVENT_HUB_READERS; i++) {
		if (h->readers[i] < 0)
			continue;
		if (send(h->readers[i], ev, sizeof(*ev), MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(*ev))
			continue;
		if (errno == EAGAIN) {
			h->lost++;
			continue;
		}
		drop_reader(h, (uint32_t)i); /* gone */
	}
	return 0;
}

/* Members of the group `turnstile` may read events, like the pins. */
static void share_with_readers(const char *path)
{
	struct group *g = getgrnam("turnstile");

	if (g && !chown(path, 0, g->gr_gid))
		chmod(path, 0660);
}

static int listen_at(struct ts_event_hub *h)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old;

	if (fd < 0)
		return -errno;
	unlink(h->addr.sun_path); /* a socket left by a daemon that was killed */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&h->addr, sizeof(h->addr)) || listen(fd, 8)) {
		int err = -errno;

		umask(old);
		close(fd);
		return err;
	}
	umask(old);
	share_with_readers(h->addr.sun_path);
	h->listen_fd = fd;
	return 0;
}

static int watch_ev(struct ts_event_hub *h, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int watch(struct ts_event_hub *h, int fd, uint32_t tag)
{
	return watch_ev(h, fd, tag, EPOLLIN);
}

int ts_event_hub_open(struct ts_event_hub **out, struct ts_dp *dp, const char *state_dir,
		      struct ts_event_log *log)
{
	struct ts_event_hub *h = calloc(1, sizeof(*h));
	int err;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->dp = dp;
	h->log = log;
	h->listen_fd = -1;
	for (int i = 0; i < TS_EVENT_HUB_READERS; i++)
		h->readers[i] = -1;
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	err = h->ep < 0 ? -errno : socket_path(state_dir, &h->addr);
	if (!err)
		err = ts_dp_events_open(dp, on_event, h, &h->ring);
	if (!err)
		err = watch(h, ts_dp_events_fd(h->ring), HUB_RING);
	if (!err && (mkdir(state_dir, 0700) && errno != EEXIST))
		err = -errno;
	if (!err)
		err = listen_at(h);
	if (!err)
		err = watch(h, h->listen_fd, HUB_LISTEN);
	if (err) {
		ts_err("events: cannot serve them at %s: %s", h->addr.sun_path, strerror(-err));
		ts_event_hub_close(h);
		return err;
	}
	*out = h;
	return 0;
}

int ts_event_hub_fd(const struct ts_event_hub *h)
{
	return h->ep;
}

static void accept_readers(struct ts_event_hub *h)
{
	int fd;

	while ((fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		int i = 0;

		while (i < TS_EVENT_HUB_READERS && h->readers[i] >= 0)
			i++;
		if (i == TS_EVENT_HUB_READERS) {
			ts_warn("events: %d monitors already; one more refused", TS_EVENT_HUB_READERS);
			close(fd);
			continue;
		}
		h->readers[i] = fd;
		/* a monitor that goes away frees its slot at once, not at the next event */
		if (watch_ev(h, fd, HUB_READER + (uint32_t)i, EPOLLRDHUP)) {
			close(fd);
			h->readers[i] = -1;
		}
	}
}


void ts_event_hub_process(struct ts_event_hub *h)
{
	struct epoll_event evs[TS_EVENT_HUB_READERS + 2];
	int n = epoll_wait(h->ep, evs, TS_EVENT_HUB_READERS + 2, 0);

	for (int i = 0; i < n; i++) {
		if (evs[i].data.u32 == HUB_LISTEN)
			accept_readers(h);
		else if (evs[i].data.u32 >= HUB_READER)
			drop_reader(h, evs[i].data.u32 - HUB_READER);
	}
	ts_dp_events_poll(h->ring, 0);
	if (h->log)
		ts_event_log_tick(h->log);
}

void ts_event_hub_close(struct ts_event_hub *h)
{
	if (!h)
		return;
	for (int i = 0; i < TS_EVENT_HUB_READERS; i++)
		if (h->readers[i] >= 0)
			close(h->readers[i]);
	if (h->listen_fd >= 0) {
		close(h->listen_fd);
		unlink(h->addr.sun_path);
	}
	ts_dp_events_close(h->ring);
	if (h->ep >= 0)
		close(h->ep);
	free(h);
}

int ts_event_hub_connect(const char *state_dir)
{
	struct sockaddr_un sa;
	int fd, err = socket_path(state_dir, &sa);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
