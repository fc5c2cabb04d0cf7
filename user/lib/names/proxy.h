/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proxy.h - internal: a DNS forwarder for clients (UDP). Each query is
 * relayed to the resolvers as is; the answer goes to `learn` first (which
 * writes any learned address to the maps) and only then back to the
 * client, so the client's first SYN cannot race the map update (BRIEF
 * lesson 6). A resolver failure is answered with SERVFAIL.
 */
#ifndef TS_NAMES_PROXY_H
#define TS_NAMES_PROXY_H

#include <stdint.h>

#include "names/cares.h"

typedef void (*ts_proxy_learn_fn)(void *ctx, const char *qname, const unsigned char *abuf,
				  int alen, const char *server, uint64_t received_ns);

struct ts_proxy;

/* listen: "ip", "ip:port" or "[v6]:port" (port 53 by default). */
int ts_proxy_open(struct ts_proxy **out, struct ts_cares *r, const char *listen,
		  ts_proxy_learn_fn learn, void *ctx);
/* Before ts_cares_close(): relayed queries still pending are dropped. */
void ts_proxy_close(struct ts_proxy *p);

#endif /* TS_NAMES_PROXY_H */
