// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* daemon.c - the `run` loop (see daemon.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/log.h"
#include "dp/dp.h"
#include "loader/daemon.h"
#include "loader/names_glue.h"

enum { EV_SIGNAL = 1, EV_GC, EV_NAMES };

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

static int watch(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static void run_gc(struct ts_session *s, int timer_fd)
{
	struct ts_dp_gc_result r = { 0 };
	uint64_t ticks;
	int err;

	if (read(timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	err = ts_dp_gc(s->dp, ts_dp_now_ns(), &r);
	if (err)
		ts_warn("flow GC failed: %s", strerror(-err));
	else if (r.flows_removed || r.halfopen_removed)
		ts_debug("flow GC: %u flows, %u half-open removed", r.flows_removed, r.halfopen_removed);
}

static void reload(struct ts_session *s, struct ts_names_glue *names)
{
	uint64_t gen = 0;

	ts_info("SIGHUP: reloading %s", s->state.policy);
	/* The resolver points into the compiled policy a reload frees: stop
	 * it first (map entries stay), restart it on whichever policy runs. */
	ts_names_glue_close(names);
	if (!ts_session_reload(s, &gen))
		ts_info("policy generation %llu active", (unsigned long long)gen);
	ts_names_glue_policy_changed(names);
}

/* Returns 1 to stop, 0 to go on. */
static int on_signal(struct ts_session *s, int sig_fd, struct ts_names_glue *names)
{
	struct signalfd_siginfo si;

	if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		reload(s, names);
		return 0;
	}
	ts_info("signal %u: exiting, enforcement stays (`turnstile down` removes it)", si.ssi_signo);
	return 1;
}

int ts_daemon_run(struct ts_session *s)
{
	struct itimerspec every = {
		.it_interval = { .tv_sec = TS_DAEMON_GC_INTERVAL_S },
		.it_value = { .tv_sec = TS_DAEMON_GC_INTERVAL_S },
	};
	struct ts_names_glue names;
	sigset_t set = daemon_signals();
	int ep = -1, sig_fd = -1, timer_fd = -1, err, stop = 0;

	err = ts_names_glue_open(&names, s);
	if (err)
		return err;
	ep = epoll_create1(EPOLL_CLOEXEC);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || sig_fd < 0 || timer_fd < 0 || timerfd_settime(timer_fd, 0, &every, NULL)) {
		err = -errno;
		ts_err("daemon setup (epoll/signalfd/timerfd): %s", strerror(-err));
		goto out;
	}
	if ((err = watch(ep, sig_fd, EV_SIGNAL)) || (err = watch(ep, timer_fd, EV_GC)))
		goto out;
	ts_info("running: policy %s generation %llu", s->state.policy,
		(unsigned long long)s->state.generation);

	while (!stop) {
		struct epoll_event evs[8];
		int names_fd = ts_names_glue_fd(&names);
		int n;

		/* The resolver's socket may change between rounds: re-arm it. */
		if (names_fd >= 0) {
			epoll_ctl(ep, EPOLL_CTL_DEL, names_fd, NULL);
			watch(ep, names_fd, EV_NAMES);
		}
		n = epoll_wait(ep, evs, 8, ts_names_glue_timeout_ms(&names));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			ts_err("epoll_wait: %s", strerror(-err));
			break;
		}
		for (int i = 0; i < n && !stop; i++) {
			if (evs[i].data.u32 == EV_SIGNAL)
				stop = on_signal(s, sig_fd, &names);
			else if (evs[i].data.u32 == EV_GC)
				run_gc(s, timer_fd);
		}
		ts_names_glue_process(&names);
	}
out:
	ts_names_glue_close(&names);
	if (timer_fd >= 0)
		close(timer_fd);
	if (sig_fd >= 0)
		close(sig_fd);
	if (ep >= 0)
		close(ep);
	return err;
}
