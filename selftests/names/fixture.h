/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fixture.h - shared pieces of the names tests: a compiled policy holding
 * only names (one component per name), a recording sink that plays the
 * host map, and a loop that drives ts_names until a condition holds.
 */
#ifndef TS_TEST_NAMES_FIXTURE_H
#define TS_TEST_NAMES_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "names/names.h"

#define FIX_MAX_NAMES 8
#define FIX_MAX_ADDRS 512
#define FIX_MAX_LOG   2048

struct fix_policy {
	struct ts_compiled c;
	struct ts_name_ref refs[FIX_MAX_NAMES];
	char *comp_names[FIX_MAX_NAMES];
};

/* Names get components 0..n-1 in order. */
void fix_policy_init(struct fix_policy *p, const char *const *names, int n, uint32_t ttl_floor_s,
		     uint32_t ttl_ceiling_s, uint32_t grace_s, uint32_t max_addrs);

/* The "map" the sink writes, and the order of writes. */
struct fix_map_entry {
	struct ts_net net;
	uint64_t comps;            /* word 0 of the component set */
	int64_t added_ms;          /* wall clock, like the info accessors */
};
struct fix_log_entry {
	struct ts_net net;
	bool removed;
	int64_t at_ms;
};
struct fix_map {
	struct fix_map_entry e[FIX_MAX_ADDRS];
	int n;
	struct fix_log_entry log[FIX_MAX_LOG];
	int nlog;
	int fail_next;             /* fail this many applies with -EIO */
	/* While fix_dns_ask waits: its client socket, to count writes that
	 * came after the client already had its answer. */
	bool watching;
	int client_fd;
	int applied_after_reply;
};

struct ts_names_sink fix_sink(struct fix_map *m);
const struct fix_map_entry *fix_map_find(const struct fix_map *m, const char *addr);
/* Position in the log of the first add (removed=false) or removal of addr; -1 = none. */
int fix_log_find(const struct fix_map *m, const char *addr, bool removed);

struct ts_net fix_net(const char *addr);
/* Wall-clock unix ms: comparable with ts_names_*_info times. */
int64_t fix_now_ms(void);

/* Drives n until cond(ctx) holds or timeout_ms passes; returns cond's last value. */
bool fix_run_until(struct ts_names *n, bool (*cond)(void *ctx), void *ctx, int timeout_ms);
/* Drives n for ms milliseconds. */
void fix_run_for(struct ts_names *n, int ms);
/*
 * A client's DNS query for `name` (type ns_t_a/ns_t_aaaa, id `id`) sent over
 * UDP to 127.0.0.1:port; waits up to timeout_ms for the reply (driving n
 * and the proxy p meanwhile, each when not NULL). 0 and the reply in buf
 * (length in len), or -errno.
 */
int fix_dns_ask(struct ts_names *n, struct ts_proxy *p, int port, const char *name, int type, unsigned short id,
		unsigned char *buf, size_t cap, size_t *len, int timeout_ms);
/* Makes fix_dns_ask let m watch its client socket (NULL: none). */
void fix_dns_watch(struct fix_map *m);
/* The name's info (index i of the state). */
struct ts_names_name_info fix_name_info(const struct ts_names *n, size_t i);

#endif /* TS_TEST_NAMES_FIXTURE_H */
