/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cares.h - internal: A/AAAA queries over c-ares behind one epoll fd.
 *
 * One c-ares channel per DNS server, so every answer is attributed to the
 * server that gave it (c-ares does not say which server of a channel
 * answered). A query goes to the first server; a timeout, SERVFAIL,
 * REFUSED or unparsable answer fails over to the next one. NXDOMAIN and
 * NODATA are answers, not failures of the server.
 */
#ifndef TS_NAMES_CARES_H
#define TS_NAMES_CARES_H

#include <stddef.h>
#include <stdint.h>

#include "policy/compiled.h"

struct ts_answer {
	int status;              /* ARES_SUCCESS, ARES_ENODATA, ARES_ENOTFOUND, ... */
	int family;              /* TS_FAMILY_V4 (A) or TS_FAMILY_V6 (AAAA) */
	const struct ts_net *addrs;
	const uint32_t *ttls;    /* seconds, min over the CNAME chain (dnsmsg.h) */
	size_t n;
	const char *server;      /* "ip:port" of the last server asked */
	uint64_t received_ns;    /* CLOCK_MONOTONIC when the answer was handed to us */
};

typedef void (*ts_answer_cb)(void *arg, const struct ts_answer *ans);
/* A relayed answer as received (status ARES_SUCCESS: abuf holds it, any
 * rcode). ARES_EDESTRUCTION: the resolver is closing, only free arg. */
typedef void (*ts_raw_cb)(void *arg, int status, const unsigned char *abuf, int alen,
			  const char *server, uint64_t received_ns);

struct ts_cares;

/* servers: "ip[:port],..." (c-ares CSV syntax); NULL = /etc/resolv.conf. */
int ts_cares_open(struct ts_cares **out, const char *servers, uint32_t timeout_ms,
		     uint32_t tries);
void ts_cares_close(struct ts_cares *r);
int ts_cares_fd(const struct ts_cares *r);
/* Milliseconds until c-ares needs ts_cares_process for a timeout; -1 = none. */
int ts_cares_timeout_ms(const struct ts_cares *r);
/* Asks for `name` (A or AAAA); cb runs once, from ts_cares_process. */
int ts_cares_query(struct ts_cares *r, const char *name, int family, ts_answer_cb cb,
		      void *arg);
/* Relays a client's raw query (c-ares gives it its own id); cb runs once. */
int ts_cares_forward(struct ts_cares *r, const unsigned char *qbuf, size_t qlen, ts_raw_cb cb,
		     void *arg);
/* The A (TS_FAMILY_V4) or AAAA records of a raw answer into out (valid
 * until the next parse or answer); returns out->status. */
int ts_cares_parse(struct ts_cares *r, int family, const unsigned char *abuf, int alen,
		   struct ts_answer *out);
void ts_cares_process(struct ts_cares *r);
size_t ts_cares_nservers(const struct ts_cares *r);
const char *ts_cares_server(const struct ts_cares *r, size_t i);

/* "ip:port,..." for a list of resolver addresses (port 53); buf gets "" for none. */
int ts_cares_servers_csv(const struct ts_net *servers, size_t n, char *buf, size_t len);

#endif /* TS_NAMES_CARES_H */
