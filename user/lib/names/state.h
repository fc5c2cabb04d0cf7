/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * state.h - internal: the names and their accumulated addresses, with the
 * accumulation, cap and expiry rules. No DNS and no maps here, so the
 * rules can be tested alone. Times are CLOCK_MONOTONIC milliseconds; only
 * the cache file and the info accessors speak wall-clock time.
 */
#ifndef TS_NAMES_STATE_H
#define TS_NAMES_STATE_H

#include <sys/types.h>

#include "names/addr_index.h"
#include "policy/hmap.h"
#include "names/names.h"

struct ts_name_addr {
	struct ts_net net;
	uint32_t ttl_s;                 /* clamped */
	int64_t first_seen_ms;
	int64_t last_seen_ms;
	char resolver[TS_NAMES_RESOLVER_LEN];
};

/* Index 0 = IPv4 (A), 1 = IPv6 (AAAA). */
enum { TS_NAMES_V4, TS_NAMES_V6, TS_NAMES_NFAM };

struct ts_name_entry {
	char *name;
	struct ts_compset comps;        /* components that list this name (or its wildcards) */
	char *wildcard;                 /* learned names: the policy wildcard it matched; else NULL */
	struct ts_name_addr *addrs;
	size_t naddrs, addrs_alloc;

	uint64_t resolutions, failures;
	uint32_t consecutive_failures;
	int last_status;                /* ARES_* of the last failed query; 0 = none */
	int64_t last_ok_ms[TS_NAMES_NFAM]; /* answer time of the last good round, per family */
	int64_t last_success_ms;
	int64_t last_attempt_ms;
	int64_t next_refresh_ms;
	/* Learned names only: who taught it, and when a client was last given
	 * its addresses. No client has a use for it past told + TTL + grace. */
	struct ts_net learned_by;       /* the client's prefix; family 0 = unknown */
	int64_t told_ms;
	uint32_t told_ttl_s;            /* longest clamped TTL of that answer */
};

/* A wildcard of the policy: names matching it are learned, not resolved ahead. */
struct ts_name_wild {
	char *pattern;                  /* "*.x" or "**.x" */
	struct ts_compset comps;
};


struct ts_names_state {
	struct ts_name_entry *names;
	size_t nnames, names_alloc;
	struct ts_hmap by_name;         /* name -> position in names */
	struct ts_name_wild *wild;
	size_t nwild, nlearned;
	uint32_t ncomp_words;
	uint32_t ttl_floor_s, ttl_ceiling_s, grace_s, max_addrs;
	struct ts_names_metrics m;      /* counters; names/addrs/stale filled on read */
	struct ts_addr_index index;     /* address -> names holding it */
};

/* A growable list of addresses to apply. */
struct ts_net_list {
	struct ts_net *v;
	size_t n, alloc;
};
int ts_net_list_push(struct ts_net_list *l, const struct ts_net *net);
void ts_net_list_free(struct ts_net_list *l);

int64_t ts_names_mono_ms(void);
uint64_t ts_names_mono_ns(void);
/* Wall-clock unix ms for a monotonic ms (0 stays 0 = never), and back. */
int64_t ts_names_mono_to_wall(int64_t mono_ms);
int64_t ts_names_wall_to_mono(int64_t wall_ms);

/* Exact names of the policy, one entry per distinct name. */
int ts_names_state_from_policy(struct ts_names_state *st, const struct ts_compiled *c);
void ts_names_state_clear(struct ts_names_state *st);
/* A new empty entry (cache reading); returns NULL on ENOMEM. */
struct ts_name_entry *ts_names_state_add_name(struct ts_names_state *st, const char *name);
struct ts_name_entry *ts_names_state_find(const struct ts_names_state *st, const char *name);
/*
 * The entry for `name` (a host name, normalized), creating a learned one
 * when it matches wildcards of the policy (their components united) for
 * `client` (NULL or family 0: not counted against a client). 0, -ENOENT
 * (no wildcard matches), -EDQUOT (the client holds
 * TS_NAMES_LEARN_PER_CLIENT learned names), -ENOSPC (TS_NAMES_MAX_LEARNED
 * reached) or -ENOMEM. Entries may move: use the returned pointer before
 * adding or removing names.
 */
int ts_names_state_learn(struct ts_names_state *st, const char *name,
			 const struct ts_net *client, struct ts_name_entry **out);
/* client (a group; NULL or family 0: none) holds its share of learned names. */
bool ts_names_state_over_share(const struct ts_names_state *st, const struct ts_net *client);
/* When no client has a use for learned name e any more (INT64_MAX: not learned). */
int64_t ts_name_idle_at_ms(const struct ts_names_state *st, const struct ts_name_entry *e);
/* Removes the names whose drop[i] is set, with their addresses (to
 * `removed`, for the sink); the others keep their order, at new positions.
 * O(names + addresses). 0 or -ENOMEM. */
int ts_names_state_remove(struct ts_names_state *st, const bool *drop, struct ts_net_list *removed);

/* Adds a to e (an entry of st), keeping the address index. 0 or -ENOMEM. */
int ts_name_append_addr(struct ts_names_state *st, struct ts_name_entry *e,
			const struct ts_name_addr *a);
uint32_t ts_names_clamp_ttl(const struct ts_names_state *st, uint32_t ttl_s);
int64_t ts_name_addr_expires_ms(const struct ts_names_state *st, const struct ts_name_addr *a);
int ts_net_family_index(const struct ts_net *net);

/*
 * Merges one answer: known addresses get last_seen = now, the new TTL and
 * resolver; new ones are appended to `added`. At the cap, the least
 * recently seen address not in this answer is evicted (to `evicted`);
 * when every held address is in this answer, the new one is dropped and
 * counted in m.capped. ttls are raw; they are clamped here.
 */
int ts_name_merge_answer(struct ts_names_state *st, struct ts_name_entry *e,
			 const struct ts_net *addrs, const uint32_t *ttls, size_t n,
			 const char *resolver, int64_t now_ms,
			 struct ts_net_list *added, struct ts_net_list *evicted);

/*
 * Removes addresses past last_seen + ttl + grace whose family has had a
 * good answer since they were last seen, to `removed`; never the last
 * address of a name. Returns the earliest future expiry still pending
 * (INT64_MAX = none) through next_ms.
 */
int ts_name_expire(struct ts_names_state *st, struct ts_name_entry *e, int64_t now_ms,
		   struct ts_net_list *removed, int64_t *next_ms);

/* Union of the components of every name holding `net` (into out, sized
 * st->ncomp_words). */
void ts_names_addr_comps(const struct ts_names_state *st, const struct ts_net *net,
			 struct ts_compset *out);

/* Cache file (cache.c). */
int ts_names_cache_write(const struct ts_names_state *st, const char *path);
int ts_names_cache_read(struct ts_names_state *st, const char *path);
/* Copies addresses (not past grace) and counters of names present in both. */
void ts_names_state_adopt(struct ts_names_state *dst, const struct ts_names_state *src,
			  int64_t now_ms);

#endif /* TS_NAMES_STATE_H */
