/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * names.h - keeps the addresses of a policy's host names current.
 *
 * Every exact (non-wildcard) name of the compiled policy is resolved with
 * c-ares (A and AAAA). Addresses accumulate: each keeps the name, resolver
 * and time that brought it, and stays until its clamped TTL plus the grace
 * period have passed *and* DNS has since answered without it. A failing
 * resolver never empties a name. Every change reaches the maps through a
 * sink the daemon provides (add before delete), and the whole state is
 * saved to a cache file that a cold start loads and `status`/`explain` read.
 *
 * The daemon drives it without threads:
 *   ts_names_open(&n, &cfg);
 *   epoll_ctl(ep, EPOLL_CTL_ADD, ts_names_fd(n), ...);
 *   loop: epoll_wait(ep, ..., ts_names_next_timeout_ms(n)); ts_names_process(n);
 *
 * See docs/names.md for the rules and their reasons.
 */
#ifndef TS_NAMES_H
#define TS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names/proxy.h"
#include "policy/compiled.h"

#define TS_NAMES_CACHE_DEFAULT "/var/lib/turnstile/names.cache"
#define TS_NAMES_DEFAULT_MAX_ADDRS 64u /* per name when the policy says 0 (the policy's default) */
#define TS_NAMES_RESOLVER_LEN 64u      /* "[v6addr]:port" fits */
#define TS_NAMES_MAX_LEARNED 16384u    /* learned names kept at most (memory bound) */
/* One client group's share of them: an IPv4 /24, an IPv6 /56. When the
 * table is full, idle names go first, then the least recently given name
 * of the group holding the most. */
#define TS_NAMES_LEARN_PER_CLIENT 4096u
#define TS_NAMES_GROUP_V4 24
#define TS_NAMES_GROUP_V6 56

/*
 * Where address changes go. `addr` (a host net: plen 32 or 128) is now
 * held by names of exactly the components in `comps`; an empty set means
 * no name holds it any more. The daemon turns that into a set id (the
 * policy's incremental API, adding any new rule entries first) and a
 * ts_hosts upsert, or a delete when the address has no other reason to be
 * in the map. Returns 0 or -errno; a failed apply is retried (1 s,
 * doubling to 60 s) with the components as they are then, so a delete of
 * an entry that is already gone should return 0, not -ENOENT.
 */
struct ts_names_sink {
	int (*apply)(void *ctx, const struct ts_net *addr, const struct ts_compset *comps);
	void *ctx;
};

struct ts_names_config {
	const struct ts_compiled *policy; /* names[], ttl clamps, grace, cap, resolvers */
	/* "ip[:port],[v6]:port,..." overrides the policy's resolvers; with
	 * neither, /etc/resolv.conf's name servers are used. */
	const char *servers;
	const char *cache_path;           /* NULL = TS_NAMES_CACHE_DEFAULT, "" = no cache */
	struct ts_names_sink sink;
	uint32_t query_timeout_ms;        /* per try; 0 = 2000 */
	uint32_t query_tries;             /* per server; 0 = 2 */
};

struct ts_names;       /* the live resolver (daemon side) */
struct ts_names_state; /* names and addresses: live, or read from a cache file */

/* Loads the cache (addresses of names still in the policy, not yet past
 * grace), applies them through the sink and schedules every name for
 * resolution now. */
int ts_names_open(struct ts_names **out, const struct ts_names_config *cfg);
/* Saves the cache and frees everything (map entries stay). */
void ts_names_close(struct ts_names *n);

/* One fd for the daemon's epoll: readable when a DNS answer is waiting. */
int ts_names_fd(const struct ts_names *n);
/* Milliseconds until ts_names_process() has timed work (refresh, expiry,
 * query timeout, retry); -1 = none. */
int ts_names_next_timeout_ms(const struct ts_names *n);
/* Reads answers, applies changes, starts due refreshes, expires addresses,
 * saves the cache when it changed. Returns 0 or the first -errno. */
int ts_names_process(struct ts_names *n);
/* Waits up to timeout_ms for work, then processes it (tests, simple loops). */
int ts_names_run_once(struct ts_names *n, int timeout_ms);
/*
 * An answer (raw DNS message) a client received for qname from a trusted
 * resolver, read on its wire form (dnsmsg.h): if qname is one of the
 * names, or matches a wildcard of the policy and the answer carries
 * addresses (it becomes a learned name, resolved and kept like the others
 * while clients ask for it), its A/AAAA addresses are merged and written to
 * the maps before this returns. Returns the number of addresses taken, 0
 * when nothing was learned, -EINVAL when the answer is not for qname or
 * breaks a bound, -ENOSPC when no learned slot is free, or -errno.
 */
int ts_names_learn(struct ts_names *n, const char *qname, const unsigned char *answer,
		   size_t len, const char *resolver);
/*
 * The same for an answer the DNS proxy read (proxy.h), counted against the
 * client group that asked (TS_NAMES_GROUP_V4/V6): each holds at most
 * TS_NAMES_LEARN_PER_CLIENT learned names, and when all
 * TS_NAMES_MAX_LEARNED are held, idle names (no client given them within
 * TTL + grace) make room, else the least recently given name of the group
 * holding the most. The proxy's learner.
 */
enum ts_learn_outcome ts_names_learn_answer(struct ts_names *n, const struct ts_proxy_answer *a);
/* A DNS TTL clamped to [floor, ceiling] (ceiling 0 = none), never 0: the
 * TTL a name's address is kept for (the policy's ttl-floor, ttl-ceiling). */
uint32_t ts_names_ttl_clamp(uint32_t floor_s, uint32_t ceiling_s, uint32_t ttl_s);
/* Names that have not finished a first round (A and AAAA each answered
 * or failed) since open: `up` can wait for 0. */
size_t ts_names_unresolved(const struct ts_names *n);
/* The DNS servers in use, "ip:port" each (also when they came from
 * /etc/resolv.conf): the loader lets their DNS through the dataplane. */
size_t ts_names_nservers(const struct ts_names *n);
const char *ts_names_server(const struct ts_names *n, size_t i);
/* The same as "ip:port,..." (c-ares CSV) in buf; returns how many fit. */
size_t ts_names_servers_csv(const struct ts_names *n, char *buf, size_t len);
/* Re-applies every held address through the sink (after a slot switch). */
int ts_names_replay(struct ts_names *n);
/* Writes the cache file now (atomically, mode 0600). */
int ts_names_save(struct ts_names *n);

/* ---- observation: live state, or a cache file read by the CLI ---------- */

#define TS_NAMES_LAT_BUCKETS 5 /* <=100 us, <=1 ms, <=10 ms, <=100 ms, more */
extern const uint32_t ts_names_lat_bucket_us[TS_NAMES_LAT_BUCKETS - 1];

struct ts_names_metrics {
	uint64_t names, addrs, stale_names;  /* current */
	uint64_t resolutions;                /* queries answered (NODATA included) */
	uint64_t failures;                   /* queries failed: timeout, SERVFAIL, NXDOMAIN, garbage */
	uint64_t map_updates, map_errors;    /* sink applies done / failed */
	uint64_t capped;                     /* answer addresses dropped by the per-name cap */
	uint64_t learned_names;              /* current names learned through wildcards */
	uint64_t learn_dropped;              /* wildcard matches not learned (limit, memory) */
	/* answer received -> last map write for it done */
	uint64_t lat_count, lat_last_us, lat_max_us, lat_sum_us;
	uint64_t lat_hist[TS_NAMES_LAT_BUCKETS];
};

struct ts_names_name_info {
	const char *name;
	const char *wildcard;       /* learned through this policy wildcard; NULL = the policy's own */
	struct ts_net learned_by;   /* learned names: the client group that taught it; family 0 = unknown */
	size_t naddrs;
	uint64_t resolutions, failures;
	uint32_t consecutive_failures;
	bool stale;                 /* the last refresh failed: addresses are last known good */
	const char *last_error;     /* c-ares message of the last failure, "" if none */
	int64_t last_success_ms;    /* wall clock, unix ms; 0 = never */
	int64_t last_attempt_ms;
	int64_t next_refresh_ms;
};

struct ts_names_addr_info {
	struct ts_net addr;
	const char *name;           /* the name that brought it */
	const char *resolver;       /* "ip:port" of the server that answered */
	uint32_t ttl_s;             /* clamped TTL of the last answer carrying it */
	int64_t first_seen_ms;      /* wall clock, unix ms */
	int64_t last_seen_ms;
	int64_t expires_ms;         /* last_seen + ttl + grace: removable after this */
};

const struct ts_names_state *ts_names_state(const struct ts_names *n);
/* Reads a cache file written by the daemon (for status/explain). */
int ts_names_state_read(struct ts_names_state **out, const char *path);
void ts_names_state_free(struct ts_names_state *st);

void ts_names_metrics(const struct ts_names_state *st, struct ts_names_metrics *out);
size_t ts_names_count(const struct ts_names_state *st);
int ts_names_name_info(const struct ts_names_state *st, size_t i, struct ts_names_name_info *out);
int ts_names_addr_info(const struct ts_names_state *st, size_t i, size_t j,
		       struct ts_names_addr_info *out);
/* Which names hold `addr` (explain): fills up to max, returns how many hold it. */
size_t ts_names_explain(const struct ts_names_state *st, const struct ts_net *addr,
			struct ts_names_addr_info *out, size_t max);

#endif /* TS_NAMES_H */
