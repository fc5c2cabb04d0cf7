// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* daemon.c - the `run` loop (see daemon.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/log.h"
#include "dp/dp.h"
#include "loader/daemon.h"
#include "loader/event_hub.h"
#include "loader/event_log.h"
#include "loader/fleet_glue.h"
#include "loader/metrics_http.h"
#include "loader/prom.h"
#include "loader/names_glue.h"

enum { EV_SIGNAL = 1, EV_NAMES, EV_PROXY, EV_METRICS, EV_EVENTS, EV_FLEET };

static sigset_t daemon_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	return set;
}

int ts_daemon_block_signals(void)
{
	sigset_t set = daemon_signals();

	return sigprocmask(SIG_BLOCK, &set, NULL) ? -errno : 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The loop's state: the resolver's fd as registered in `ep` (-1 = none),
 * and when the next flow GC is due. */
struct loop {
	struct ts_session *s;
	struct ts_names_glue names;
	int ep, sig_fd, names_fd;
	int64_t gc_due_ms;
	struct ts_metrics_http *metrics;  /* `run --metrics`; NULL = none */
	struct ts_event_log *log;         /* `run --log-events`; NULL = none */
	struct ts_event_hub *events;      /* the event ring's one reader; NULL = none */
	struct ts_fleet_glue fleet;       /* `run --fleet`; inactive otherwise */
};

/* Registers the resolver's fd (after an open or a restart). */
static void watch_names(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_NAMES };

	l->names_fd = ts_names_glue_fd(&l->names);
	if (l->names_fd >= 0 && epoll_ctl(l->ep, EPOLL_CTL_ADD, l->names_fd, &ev)) {
		ts_warn("name resolver fd %d not watched (%s): answers wait for its timers",
			l->names_fd, strerror(errno));
		l->names_fd = -1;
	}
}

/* Before the resolver closes its fd: a number that is later reused must
 * not still carry our registration (or lose another fd's by a late DEL). */
static void unwatch_names(struct loop *l)
{
	if (l->names_fd >= 0)
		epoll_ctl(l->ep, EPOLL_CTL_DEL, l->names_fd, NULL);
	l->names_fd = -1;
}

/*
 * Flow GC runs on a deadline the loop itself keeps (every epoll_wait is
 * bounded by it), not on the readiness of another fd: nothing a reload or
 * the resolver does to fds can stop it, only the loop stopping can.
 */
static void run_gc_if_due(struct loop *l)
{
	struct ts_dp_gc_result r = { 0 };
	int64_t now = mono_ms();
	int err;

	if (now < l->gc_due_ms)
		return;
	l->gc_due_ms = now + TS_DAEMON_GC_INTERVAL_S * 1000;
	err = ts_dp_gc(l->s->dp, ts_dp_now_ns(), &r);
	if (err)
		ts_warn("flow GC failed: %s", strerror(-err));
	else if (r.flows_removed || r.halfopen_removed)
		ts_debug("flow GC: %u flows, %u half-open removed", r.flows_removed, r.halfopen_removed);
}

/* epoll_wait's timeout: the resolver's next timed work or the GC, first. */
static int wait_ms(const struct loop *l)
{
	int names_ms = ts_names_glue_timeout_ms(&l->names);
	int64_t gc_ms = l->gc_due_ms - mono_ms();

	if (gc_ms < 0)
		gc_ms = 0;
	return names_ms >= 0 && names_ms < gc_ms ? names_ms : (int)gc_ms;
}

/* The name resolver writes the session's registry: a reload stops it
 * before building the next one (map entries stay; the DNS proxy's sockets
 * stay open) and starts it on whichever registry then runs. */
static void names_stop(void *ctx)
{
	struct loop *l = ctx;

	unwatch_names(l);
	ts_names_glue_pause(&l->names);
}

static void names_start(void *ctx)
{
	struct loop *l = ctx;

	ts_names_glue_policy_changed(&l->names);
	watch_names(l);
}

/* A reload from path (SIGHUP: the recorded one; a fleet: its candidate). */
static int reload_from(void *ctx, const char *path, char *why, size_t whylen)
{
	struct loop *l = ctx;
	uint64_t gen = 0;
	int err = ts_session_reload_file(l->s, path, &gen, why, whylen);

	if (!err)
		ts_info("policy generation %llu active", (unsigned long long)gen);
	return err;
}

static void reload(struct loop *l)
{
	ts_info("SIGHUP: reloading %s", l->s->state.policy);
	reload_from(l, l->s->state.policy, NULL, 0);
}

/* `run --fleet`: the fleet link's fd joins the loop. */
static int open_fleet(struct loop *l, const struct ts_fleet_config *cfg)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_FLEET };
	int err = ts_fleet_glue_open(&l->fleet, l->s, &l->names, cfg, reload_from, l);

	if (!err && ts_fleet_glue_fd(&l->fleet) >= 0 &&
	    epoll_ctl(l->ep, EPOLL_CTL_ADD, ts_fleet_glue_fd(&l->fleet), &ev))
		err = -errno;
	return err;
}

/* Returns 1 to stop, 0 to go on. */
static int on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	if (read(l->sig_fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		reload(l);
		return 0;
	}
	ts_info("signal %u: exiting, enforcement stays (`turnstile down` removes it)", si.ssi_signo);
	return 1;
}

/* GET /metrics: the session's maps and state as Prometheus text. */
static int render_metrics(FILE *out, void *ctx)
{
	struct ts_session *s = ctx;

	return ts_prom_all(out, s->dp, &s->state);
}

/* `run --metrics`: the HTTP endpoint's fd joins the loop. */
static int open_metrics(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_METRICS };
	int err;

	if (!l->s->state.metrics_listen[0])
		return 0;
	err = ts_metrics_http_open(&l->metrics, l->s->state.metrics_listen, render_metrics, l->s);
	if (!err && epoll_ctl(l->ep, EPOLL_CTL_ADD, ts_metrics_http_fd(l->metrics), &ev))
		err = -errno;
	return err;
}

/* The daemon reads the event ring for every reader: the journal (`run
 * --log-events`) and each `monitor`. Without it (the state dir cannot hold
 * the socket) monitors read the ring themselves, as without a daemon. */
static int open_events(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_EVENTS };
	int err;

	if (l->s->state.log_events) {
		err = ts_event_log_open(&l->log, l->s->dp);
		if (err)
			return err;
	}
	err = ts_event_hub_open(&l->events, l->s->dp, l->s->state.state_dir, l->log);
	if (err) {
		ts_warn("events: not served to monitors (%s)", strerror(-err));
		return l->log ? err : 0;
	}
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, ts_event_hub_fd(l->events), &ev))
		return -errno;
	return 0;
}

int ts_daemon_run(struct ts_session *s, const struct ts_fleet_config *fleet)
{
	struct loop l = { .s = s, .ep = -1, .sig_fd = -1, .names_fd = -1 };
	struct epoll_event sig_ev = { .events = EPOLLIN, .data.u32 = EV_SIGNAL };
	sigset_t set = daemon_signals();
	int err, stop = 0;

	err = ts_names_glue_open(&l.names, s);
	if (err)
		return err;
	l.ep = epoll_create1(EPOLL_CLOEXEC);
	l.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l.ep < 0 || l.sig_fd < 0 || epoll_ctl(l.ep, EPOLL_CTL_ADD, l.sig_fd, &sig_ev)) {
		err = -errno;
		ts_err("daemon setup (epoll/signalfd): %s", strerror(-err));
		goto out;
	}
	watch_names(&l);
	s->writers = (struct ts_registry_writers){ names_stop, names_start, &l };
	if (ts_names_glue_proxy_fd(&l.names) >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_PROXY };

		if (epoll_ctl(l.ep, EPOLL_CTL_ADD, ts_names_glue_proxy_fd(&l.names), &ev)) {
			err = -errno;
			ts_err("dns proxy: cannot watch its sockets: %s", strerror(-err));
			goto out;
		}
	}
	err = open_metrics(&l);
	if (!err)
		err = open_events(&l);
	if (!err)
		err = open_fleet(&l, fleet);
	if (err)
		goto out;
	l.gc_due_ms = mono_ms() + TS_DAEMON_GC_INTERVAL_S * 1000;
	ts_info("running: policy %s generation %llu", s->state.policy,
		(unsigned long long)s->state.generation);

	while (!stop) {
		struct epoll_event evs[8];
		int n = epoll_wait(l.ep, evs, 8, wait_ms(&l));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			ts_err("epoll_wait: %s", strerror(-err));
			break;
		}
		bool names_ready = false, proxy_ready = false, events_ready = false, fleet_ready = false;

		for (int i = 0; i < n && !stop; i++) {
			uint32_t tag = evs[i].data.u32;

			if (tag == EV_SIGNAL)
				stop = on_signal(&l);
			names_ready |= tag == EV_NAMES;
			proxy_ready |= tag == EV_PROXY;
			events_ready |= tag == EV_EVENTS;
			fleet_ready |= tag == EV_FLEET;
		}
		if (stop)
			break;
		/* the fleet first: a new policy, then the names read against it */
		if (fleet_ready)
			ts_fleet_glue_process(&l.fleet);
		ts_names_glue_process(&l.names, names_ready, proxy_ready);
		/* on events, and on every timed wake-up: the journal's once-a-second
		 * word on what the rate limit left out */
		if (l.events && (events_ready || !n))
			ts_event_hub_process(l.events);
		/* every wake-up, not only on its fd: the metrics endpoint drops
		 * clients past their deadline */
		if (l.metrics)
			ts_metrics_http_process(l.metrics);
		run_gc_if_due(&l);
	}
out:
	s->writers = (struct ts_registry_writers){ 0 };
	ts_fleet_glue_close(&l.fleet);
	ts_metrics_http_close(l.metrics);
	ts_event_hub_close(l.events);
	ts_event_log_close(l.log);
	unwatch_names(&l);
	ts_names_glue_close(&l.names);
	if (l.sig_fd >= 0)
		close(l.sig_fd);
	if (l.ep >= 0)
		close(l.ep);
	return err;
}
