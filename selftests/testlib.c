// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "testlib.h"

static int n_failed_tests;
static int n_checks_failed;   /* in the running test */
static char first_failure[512];

void ts_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "  check failed at %s:%d: %s\n", file, line, msg);
	if (n_checks_failed++ == 0)
		snprintf(first_failure, sizeof(first_failure), "%s:%d: %s", file, line, msg);
}

bool ts_failed(void)
{
	return n_checks_failed > 0;
}

void ts_run(const char *name, void (*fn)(void))
{
	n_checks_failed = 0;
	first_failure[0] = '\0';
	fn();
	fflush(stderr);
	if (n_checks_failed) {
		n_failed_tests++;
		printf("FAIL: %s: %s\n", name, first_failure);
	} else {
		printf("PASS: %s\n", name);
	}
	fflush(stdout);
}

void ts_skip(const char *name, const char *why)
{
	printf("SKIP: %s: %s\n", name, why);
	fflush(stdout);
}

bool ts_is_root(void)
{
	return geteuid() == 0;
}

bool ts_need_root_cpus(const char *name, long cpus)
{
	char why[32];

	if (!ts_is_root()) {
		ts_skip(name, "needs root");
		return false;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < cpus) {
		snprintf(why, sizeof(why), "needs %ld CPUs", cpus);
		ts_skip(name, why);
		return false;
	}
	return true;
}

int ts_done(void)
{
	return n_failed_tests ? 1 : 0;
}
