// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "common/log.h"

static enum ts_log_level current_level = TS_LOG_WARN;
static int with_timestamps;

void ts_log_set_level(enum ts_log_level level)
{
	current_level = level;
}

enum ts_log_level ts_log_get_level(void)
{
	return current_level;
}

void ts_log_set_timestamps(int on)
{
	with_timestamps = on;
}

static void vlog(enum ts_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	size_t len = strlen(fmt);

	if (level > current_level)
		return;
	/* one line whole, whatever thread logs (the fleet's reader and writer) */
	flockfile(stderr);
	if (with_timestamps) {
		struct timespec ts;
		struct tm tm;
		char buf[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld ", buf, ts.tv_nsec / 1000000);
	}
	fprintf(stderr, "turnstile: %s", prefix[level]);
	vfprintf(stderr, fmt, ap);
	if (len == 0 || fmt[len - 1] != '\n')
		fputc('\n', stderr);
	funlockfile(stderr);
}

void ts_log(enum ts_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum ts_log_level ours = level == LIBBPF_WARN ? TS_LOG_WARN :
				 level == LIBBPF_INFO ? TS_LOG_DEBUG : TS_LOG_DEBUG;
	/* libbpf prefixes its lines with "libbpf: " already */
	vlog(ours, fmt, ap);
	return 0;
}

void ts_log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
