/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * testlib.h - the smallest harness that speaks selftests/run's protocol.
 *
 *   static void test_parse_ports(void) { TS_CHECK(x == 1, "x is %d", x); }
 *   int main(void) { ts_run("parse_ports", test_parse_ports); return ts_done(); }
 *
 * Each ts_run() prints "PASS: name" or "FAIL: name: first failed check".
 * ts_skip() prints "SKIP: name: why". ts_done() returns the exit status.
 */
#ifndef TS_TESTLIB_H
#define TS_TESTLIB_H

#include <stdbool.h>

/* Record a failed check in the running test; the test goes on. */
void ts_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TS_CHECK(cond, ...)                                          \
	do {                                                         \
		if (!(cond))                                         \
			ts_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

/* True once any check of the running test has failed. */
bool ts_failed(void);

void ts_run(const char *name, void (*fn)(void));
void ts_skip(const char *name, const char *why);
bool ts_is_root(void);
/* Root and at least `cpus` CPUs online; otherwise "SKIP: name: ..." and false. */
bool ts_need_root_cpus(const char *name, long cpus);
int ts_done(void);

#endif /* TS_TESTLIB_H */
