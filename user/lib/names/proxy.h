/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proxy.h - DNS for clients (UDP and TCP on one address) that learns before
 * it answers. Each query is relayed as is to the resolvers; the answer is
 * read on its wire form (dnsmsg.h), handed to the learner (which writes any
 * learned address to the maps) and only then sent to the client, so the
 * client's first SYN cannot race the map update (BRIEF lesson 6).
 *
 * The proxy lives as long as the daemon: its sockets and the queries in
 * flight survive a policy reload, which only points it at a new learner.
 * Every piece of work is bounded (queries in flight, globally and per
 * client; TCP connections; answer records, CNAME chain, compression
 * pointers); over a bound the client gets REFUSED or SERVFAIL and a counter
 * moves. docs/names.md "Trust" is the model.
 */
#ifndef TS_NAMES_PROXY_H
#define TS_NAMES_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "names/dnsmsg.h"
#include "policy/compiled.h"

/* What one answer taught (names.h's ts_names_learn_answer gives it). */
enum ts_learn_outcome {
	TS_LEARN_NONE,          /* the name is none of ours */
	TS_LEARN_UPDATED,       /* one of ours (exact or learned): addresses merged */
	TS_LEARN_NEW,           /* a new learned name */
	TS_LEARN_NOT_HOST,      /* not a host name: never learned */
	TS_LEARN_NO_ADDR,       /* under a wildcard, but the answer has no address */
	TS_LEARN_CLIENT_BUDGET, /* the client holds its share of learned names */
	TS_LEARN_FULL,          /* every learned slot is held by a name still in use */
	TS_LEARN_ERROR,         /* out of memory */
	TS_LEARN_MAX
};
const char *ts_learn_outcome_name(enum ts_learn_outcome o);

/* One answer, as the learner gets it. */
struct ts_proxy_answer {
	const struct ts_net *client;  /* the asking client's prefix: /32 (IPv4), /64 (IPv6) */
	const char *qname;            /* a host name (dnsmsg.h): lower case, no trailing dot */
	const struct ts_net *addrs;   /* A/AAAA of the name (through its CNAME chain) */
	const uint32_t *ttls;         /* seconds, min over the chain */
	size_t n;
	const char *server;           /* "ip:port" that answered */
	uint64_t received_ns;         /* CLOCK_MONOTONIC when the answer arrived */
};
typedef enum ts_learn_outcome (*ts_proxy_learn_fn)(void *ctx, const struct ts_proxy_answer *a);

/* Bounds; 0 in a field of ts_proxy_config.limits means the default. */
struct ts_proxy_limits {
	uint32_t inflight;             /* queries relayed at once: 1024 */
	uint32_t inflight_per_client;  /* by one client prefix: 64 */
	uint32_t tcp_conns;            /* open TCP connections: 128 */
	uint32_t tcp_conns_per_client; /* 16 */
	uint32_t tcp_idle_ms;          /* a connection with nothing in flight closes: 10000 */
	uint32_t udp_max;              /* cap on a client's EDNS0 size: 1232 (512..4096) */
#define TS_PROXY_UDP_MIN 512u
#define TS_PROXY_UDP_MAX 4096u
};

struct ts_proxy_config {
	const char *listen;            /* "ip", "ip:port" or "[v6]:port" (port 53 by default) */
	const char *servers;           /* "ip[:port],..."; NULL = /etc/resolv.conf */
	uint32_t query_timeout_ms, query_tries;
	struct ts_proxy_limits limits;
	const char *stats_path;        /* counters for `status`; NULL = not written */
};

/* ---- counters --------------------------------------------------------------- */

/* A client was answered REFUSED (a bound), SERVFAIL (an answer we do not
 * relay) or FORMERR (its query), or not at all (garbage). */
enum ts_proxy_refusal {
	TS_REFUSED_MALFORMED,       /* the query: not one question, bad name, truncated */
	TS_REFUSED_INFLIGHT,        /* all clients: too many queries in flight */
	TS_REFUSED_CLIENT_INFLIGHT, /* this client: too many queries in flight */
	TS_REFUSED_TCP_CONNS,       /* too many TCP connections (all, or this client's) */
	TS_REFUSED_ANSWER,          /* the resolver's answer broke a bound (see answer_errors) */
	TS_REFUSED_MISMATCH,        /* the answer's question is not the client's */
	TS_REFUSED_NOT_QUERY,       /* not a standard query (UPDATE, NOTIFY, AXFR, records): NOTIMP */
	TS_REFUSED_MAX
};
const char *ts_proxy_refusal_name(enum ts_proxy_refusal r);

#define TS_PROXY_LAT_BUCKETS 160 /* ~10% wide each, 1 us .. ~30 min */

struct ts_proxy_metrics {
	uint64_t queries, queries_tcp;  /* received (all / over TCP) */
	uint64_t answers;               /* relayed to the client (truncated ones included) */
	uint64_t servfail;              /* resolver failures answered SERVFAIL */
	uint64_t truncated;             /* over the client's UDP size: TC set */
	uint64_t tcp_accepted;
	uint64_t refused[TS_REFUSED_MAX];
	uint64_t answer_errors[TS_DNS_E_MAX]; /* why TS_REFUSED_ANSWER, per dnsmsg error */
	uint64_t learn[TS_LEARN_MAX];   /* what each relayed answer taught */
	/* latency the proxy adds: receive -> relay, plus answer -> reply sent */
	uint64_t lat_hist[TS_PROXY_LAT_BUCKETS];
	uint64_t lat_sum_us;
};
uint64_t ts_proxy_rate_limited(const struct ts_proxy_metrics *m);
/* Upper bound (us) of the bucket holding the q-quantile (0 < q <= 1); 0 = no samples. */
uint64_t ts_proxy_latency_quantile_us(const struct ts_proxy_metrics *m, double q);
uint64_t ts_proxy_latency_samples(const struct ts_proxy_metrics *m);
/* Samples in the buckets whose upper bound is at most us (a histogram's le). */
uint64_t ts_proxy_latency_count_le(const struct ts_proxy_metrics *m, uint64_t us);
void ts_proxy_latency_record(struct ts_proxy_metrics *m, uint64_t us);

/* The counters file (proxy_stats.c): written atomically, read by `status`. */
#define TS_PROXY_STATS_FILE "dns-proxy.stats" /* the daemon's, in its state dir */
int ts_proxy_metrics_write(const struct ts_proxy_metrics *m, const char *listen,
			   const char *path);
int ts_proxy_metrics_read(struct ts_proxy_metrics *m, char *listen, size_t listen_len,
			  const char *path);

/*
 * What the proxy takes from the resolver's answer to query q (proxy_answer.c):
 * the answer read on its wire form within the default limits, its question
 * the query's own (name on the wire form, type). Fills a->qname (NULL when
 * the name is not a host name: nothing to learn), a->addrs/ttls/n (none
 * unless NOERROR). Returns TS_REFUSED_MAX when the answer may be relayed,
 * else why not (*dns_err: the dnsmsg error behind TS_REFUSED_ANSWER).
 */
struct ts_dns_query;
enum ts_proxy_refusal ts_proxy_read_answer(const struct ts_dns_query *q, const uint8_t *abuf,
					   size_t alen, struct ts_net *addrs, uint32_t *ttls,
					   size_t cap, struct ts_proxy_answer *a, int *dns_err);

/* ---- the proxy ------------------------------------------------------------- */

struct ts_proxy;

int ts_proxy_open(struct ts_proxy **out, const struct ts_proxy_config *cfg);
/* Saves the counters; relayed queries still pending are dropped. */
void ts_proxy_close(struct ts_proxy *p);
/* Where answers are taught (NULL = nobody: answers are relayed only). */
void ts_proxy_set_learner(struct ts_proxy *p, ts_proxy_learn_fn learn, void *ctx);
/* New upstream servers (a reload changed them): queries already relayed to
 * the old ones are answered SERVFAIL; the sockets stay. 0 or -errno. */
int ts_proxy_set_servers(struct ts_proxy *p, const char *servers);
/* One fd for the daemon's epoll, and the next timed work (-1 = none). */
int ts_proxy_fd(const struct ts_proxy *p);
int ts_proxy_timeout_ms(const struct ts_proxy *p);
void ts_proxy_process(struct ts_proxy *p);
const struct ts_proxy_metrics *ts_proxy_metrics(const struct ts_proxy *p);
/* The client prefix a source address counts under (/32, /64). */
void ts_proxy_client_key(const struct sockaddr_storage *from, struct ts_net *out);

#endif /* TS_NAMES_PROXY_H */
