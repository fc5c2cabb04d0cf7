// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* events.c - the drop/audit event ring buffer and its rate-limit counter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "dp/dp_internal.h"

struct ts_dp_events {
	struct ring_buffer *rb;
	ts_dp_event_fn fn;
	void *ctx;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct ts_dp_events *ev = ctx;

	if (size < sizeof(struct ts_event))
		return 0;
	return ev->fn(data, ev->ctx);
}

int ts_dp_events_open(struct ts_dp *dp, ts_dp_event_fn fn, void *ctx, struct ts_dp_events **out)
{
	struct ts_dp_events *ev = calloc(1, sizeof(*ev));
	int err;

	if (!ev)
		return -ENOMEM;
	ev->fn = fn;
	ev->ctx = ctx;
	ev->rb = ring_buffer__new(dp->fds[TS_MAP_EVENTS], on_sample, ev, NULL);
	if (!ev->rb) {
		err = -errno;
		ts_err("dp: cannot open the ts_events ring buffer: %s", strerror(-err));
		free(ev);
		return err;
	}
	*out = ev;
	return 0;
}

int ts_dp_events_poll(struct ts_dp_events *ev, int timeout_ms)
{
	int n = ring_buffer__poll(ev->rb, timeout_ms);

	if (n < 0 && n != -EINTR)
		ts_err("dp: polling ts_events failed: %s", strerror(-n));
	return n == -EINTR ? 0 : n;
}

int ts_dp_events_fd(const struct ts_dp_events *ev)
{
	return ring_buffer__epoll_fd(ev->rb);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

uint64_t ts_dp_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t ts_dp_event_wall_ns(const struct ts_event *ev)
{
	uint64_t mono = clock_ns(CLOCK_MONOTONIC), wall = clock_ns(CLOCK_REALTIME);

	return wall - (mono > ev->ts_ns ? mono - ev->ts_ns : 0);
}

void ts_dp_events_close(struct ts_dp_events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	free(ev);
}

int ts_dp_events_suppressed(struct ts_dp *dp, uint64_t *out)
{
	struct ts_ratelimit *v = calloc(dp->ncpus, sizeof(*v));
	uint32_t zero = 0;
	int err = 0;

	if (!v)
		return -ENOMEM;
	*out = 0;
	if (bpf_map_lookup_elem(dp->fds[TS_MAP_RATELIMIT], &zero, v)) {
		err = -errno;
	} else {
		for (int c = 0; c < dp->ncpus; c++) {
			*out += v[c].suppressed;
			v[c].suppressed = 0;
		}
		if (bpf_map_update_elem(dp->fds[TS_MAP_RATELIMIT], &zero, v, BPF_ANY))
			err = -errno;
	}
	if (err)
		ts_err("dp: cannot read ts_ratelimit: %s", strerror(-err));
	free(v);
	return err;
}
