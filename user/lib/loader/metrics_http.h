/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics_http.h - the daemon's Prometheus endpoint (`run --metrics
 * ADDR:PORT`): a minimal HTTP/1.1 server for GET /metrics, inside the
 * daemon's single-threaded loop. It owns an epoll set of its listening
 * socket and client connections and shows the loop one fd (that epoll
 * set); everything is non-blocking, so a slow or hostile client can stall
 * nothing. Bounds: 16 clients at once (a new one closes the oldest), a
 * request of at most 4 KiB, 5 s per client from accept to the last byte.
 */
#ifndef TS_METRICS_HTTP_H
#define TS_METRICS_HTTP_H

#include <stdio.h>
#include <sys/socket.h>

#define TS_METRICS_MAX_CLIENTS 16
#define TS_METRICS_REQUEST_MAX 4096
#define TS_METRICS_CLIENT_TIMEOUT_MS 5000

struct ts_metrics_http;

/* Writes the page body (the metrics) to out; non-zero = 500. */
typedef int (*ts_metrics_render_fn)(FILE *out, void *ctx);

/* Parses "ADDR:PORT" or "[V6]:PORT" (numeric address, port required). */
int ts_metrics_listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* Listens on ADDR:PORT; -errno (logged) when it cannot. */
int ts_metrics_http_open(struct ts_metrics_http **out, const char *listen,
			 ts_metrics_render_fn render, void *ctx);
/* The fd to watch for EPOLLIN; then call ts_metrics_http_process(). */
int ts_metrics_http_fd(const struct ts_metrics_http *m);
/* Accepts, reads, answers, writes and expires what is ready; never blocks. */
void ts_metrics_http_process(struct ts_metrics_http *m);
void ts_metrics_http_close(struct ts_metrics_http *m);

#endif /* TS_METRICS_HTTP_H */
