/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* log.h - the project's one logger; libbpf's output is routed through it. */
#ifndef TS_LOG_H
#define TS_LOG_H

enum ts_log_level {
	TS_LOG_ERROR = 0,
	TS_LOG_WARN  = 1,
	TS_LOG_INFO  = 2,
	TS_LOG_DEBUG = 3,
};

void ts_log_set_level(enum ts_log_level level);
enum ts_log_level ts_log_get_level(void);
/* Prefix every line with a timestamp (for the daemon under systemd: no). */
void ts_log_set_timestamps(int on);
void ts_log(enum ts_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Send libbpf's messages to ts_log (warnings as WARN, debug as DEBUG). */
void ts_log_route_libbpf(void);

#define ts_err(...)   ts_log(TS_LOG_ERROR, __VA_ARGS__)
#define ts_warn(...)  ts_log(TS_LOG_WARN, __VA_ARGS__)
#define ts_info(...)  ts_log(TS_LOG_INFO, __VA_ARGS__)
#define ts_debug(...) ts_log(TS_LOG_DEBUG, __VA_ARGS__)

#endif /* TS_LOG_H */
