/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proxy_internal.h - what proxy.c (queries, answers, UDP) and proxy_tcp.c
 * (connections) share. Not a public header.
 */
#ifndef TS_NAMES_PROXY_INTERNAL_H
#define TS_NAMES_PROXY_INTERNAL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "names/cares.h"
#include "names/clients.h"
#include "names/proxy.h"
#include "policy/net.h"

#define DNS_UDP_PLAIN   512      /* a client without EDNS0 takes no more */
#define DNS_TCP_MAX     65535    /* the 2-byte length prefix */
#define PROXY_ADDRS_MAX 1024     /* addresses taken from one answer */

/* epoll data: tag in the high 32 bits, a TCP connection's slot in the low. */
enum { EP_UDP = 1, EP_LISTEN, EP_CARES, EP_CONN };

struct conn;

struct ts_proxy {
	int ep, udp_fd, tcp_fd;
	struct ts_cares *r;
	char servers[2048];              /* as given; "" = /etc/resolv.conf */
	uint32_t query_timeout_ms, query_tries;
	struct ts_proxy_limits lim;
	ts_proxy_learn_fn learn;
	void *learn_ctx;
	char listen[TS_NET_STRLEN + 8];
	char *stats_path;
	struct ts_proxy_metrics m;
	bool stats_dirty;
	int64_t stats_saved_ms;
	uint32_t inflight;
	struct ts_clients inflight_by_client;
	/* TCP */
	struct conn **conns;             /* lim.tcp_conns slots; NULL = free */
	uint32_t nconns;
	uint32_t conn_serial;
	struct ts_clients conns_by_client;
	/* one answer's addresses at a time (answers are handled one by one) */
	struct ts_net addrs[PROXY_ADDRS_MAX];
	uint32_t ttls[PROXY_ADDRS_MAX];
};

/* One relayed query: who gets the answer, and the query itself. */
struct pending {
	struct ts_proxy *p;
	struct ts_net client;
	int conn;                        /* TCP slot, -1 = UDP */
	uint32_t conn_serial;            /* the connection it came on (a slot is reused) */
	struct sockaddr_storage from;
	socklen_t fromlen;
	/* The address the client sent to: the reply leaves from it. On a
	 * wildcard socket the kernel would pick a source by route, which a
	 * client (or a DNAT/redirect to the proxy) does not accept. */
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} dst;
	int dst_type;                    /* IP_PKTINFO, IPV6_PKTINFO, 0 = unknown */
	struct ts_dns_query q;
	uint64_t received_ns, relay_us;  /* relay_us: time spent before relaying */
	size_t qlen;
	unsigned char query[];
};

int64_t ts_proxy_now_ms(void);
uint64_t ts_proxy_now_ns(void);
/*
 * A parsed client query (UDP or TCP) relayed upstream, or refused at a
 * bound. `q` is allocated with room for qlen bytes of query; the proxy owns
 * it from here (frees it, or hands it to c-ares).
 */
void ts_proxy_relay(struct ts_proxy *p, struct pending *q);
/* Answers q with rcode (REFUSED, SERVFAIL, FORMERR) from its own query. */
void ts_proxy_reply_rcode(struct pending *q, unsigned rcode);

/* proxy_tcp.c */
int ts_proxy_tcp_listen(struct ts_proxy *p, const struct sockaddr_storage *ss, socklen_t len);
void ts_proxy_tcp_accept(struct ts_proxy *p);
void ts_proxy_tcp_event(struct ts_proxy *p, uint32_t slot, uint32_t events);
/* Queues one message for q's connection; false if the connection is gone. */
bool ts_proxy_tcp_send(struct ts_proxy *p, struct pending *q, const unsigned char *msg,
		       size_t len);
/* q's answer was sent (or dropped): the connection may read again or close. */
void ts_proxy_tcp_done(struct ts_proxy *p, const struct pending *q);
int64_t ts_proxy_tcp_next_deadline_ms(const struct ts_proxy *p);
void ts_proxy_tcp_expire(struct ts_proxy *p, int64_t now_ms);
void ts_proxy_tcp_close_all(struct ts_proxy *p);

#endif /* TS_NAMES_PROXY_INTERNAL_H */
