/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * etcd_http.h - the transport to etcd's HTTP/JSON gateway (v3 API) with
 * libcurl: POST a JSON body to /v3/..., read the bounded answer
 * (etcd_json.h), or read a stream of them (/v3/watch).
 *
 * Endpoints are tried in turn: a request that cannot reach one (refused,
 * timed out, TLS failed, no leader) goes to the next, and the one that
 * answered is tried first next time. Client TLS: a CA to trust, a client
 * certificate and key. With a user, the password (read from a file, never
 * a command line) buys a token from /v3/auth/authenticate that rides in
 * the Authorization header; an expired token is bought again once.
 *
 * One struct ts_etcd per thread (a curl handle is not shared).
 */
#ifndef TS_FLEET_ETCD_HTTP_H
#define TS_FLEET_ETCD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "fleet/etcd_json.h"

#define TS_ETCD_MAX_ENDPOINTS 8u
#define TS_ETCD_URL_LEN       256u
#define TS_ETCD_PASSWORD_LEN  256u
#define TS_ETCD_ENDPOINTS_LEN (TS_ETCD_MAX_ENDPOINTS * TS_ETCD_URL_LEN)

struct ts_etcd_config {
	const char *endpoints;     /* "https://192.0.2.1:2379,https://..." */
	const char *cacert;        /* PEM file; NULL = the system's CAs */
	const char *cert, *key;    /* client certificate and key (PEM); NULL = none */
	const char *user;          /* etcd user; NULL = no authentication */
	const char *password_file; /* its password, first line */
	int timeout_ms;            /* per request; 0 = 3000 */
};

struct ts_etcd;

/* Checks the endpoints and reads the password file; why gets the reason
 * of a failure. Connects nothing yet. */
int ts_etcd_open(struct ts_etcd **out, const struct ts_etcd_config *cfg, char *why, size_t whylen);
void ts_etcd_close(struct ts_etcd *e);

/*
 * POSTs body to path ("/v3/kv/range") and parses the answer into out
 * (free it with ts_etcd_result_free). Returns 0, an etcd error
 * (etcd_json.h: -EACCES, -EPERM, -ENOENT, -EREMOTEIO), -EHOSTUNREACH when
 * no endpoint answered, -E2BIG or -EPROTO for a bad answer.
 */
int ts_etcd_call(struct ts_etcd *e, const char *path, const char *body, struct ts_etcd_result *out);

/*
 * POSTs body to a streaming path (/v3/watch) and hands each message to fn
 * (which must not keep it: it is freed after). Returns when fn returns
 * nonzero (that value), *stop becomes true (0), or the stream ends or
 * fails (-errno as ts_etcd_call).
 */
typedef int (*ts_etcd_msg_fn)(void *ctx, const struct ts_etcd_result *msg);
int ts_etcd_stream(struct ts_etcd *e, const char *path, const char *body, ts_etcd_msg_fn fn,
		   void *ctx, const volatile bool *stop);

/* Every request (and stream) ends within about a second once *stop is
 * true, with -ECANCELED (a stream: 0): a stopping daemon does not wait
 * for connect timeouts. */
void ts_etcd_set_stop(struct ts_etcd *e, const volatile bool *stop);

/* The per-request timeout from now on (a last request at exit). */
void ts_etcd_set_timeout(struct ts_etcd *e, int timeout_ms);

/* Replaces the last failure's words (a caller that knows better). */
void ts_etcd_set_error(struct ts_etcd *e, const char *text);

/* The last failure in words ("https://...: Connection refused"). */
const char *ts_etcd_error(const struct ts_etcd *e);

#endif /* TS_FLEET_ETCD_HTTP_H */
