/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * names_glue.h - the name resolver (user/lib/names) wired to a session:
 * its address changes become ts_hosts updates of the active slot. Inactive
 * (fd -1) when the policy names no host.
 */
#ifndef TS_NAMES_GLUE_H
#define TS_NAMES_GLUE_H

#include <stdbool.h>

#include "loader/session.h"
#include "loader/state.h"
#include "names/proxy.h"
#include "policy/compiled.h"
#include "policy/registry.h"

struct ts_names;
struct ts_proxy;
struct ts_proxy_answer;

struct ts_names_glue {
	struct ts_session *s;
	struct ts_names *names;     /* NULL = no names in the policy */
	struct ts_proxy *proxy;     /* `run --dns-listen`; lives across reloads */
	unsigned int unmatched;     /* addresses no set could be made for */
	/* `run --fleet`: told of every answer the proxy taught (the fleet
	 * glue publishes what it may); NULL = not in a fleet */
	void (*taught)(void *ctx, const struct ts_proxy_answer *a);
	void *taught_ctx;
};

/* Opens the resolver on the session's policy, and the DNS proxy when the
 * state says dns_listen (its sockets stay open until glue_close: a reload
 * only points it at the new resolver). With no resolver configured, the
 * servers of /etc/resolv.conf it uses are flagged TS_ADDR_RESOLVER in the
 * maps and kept in s->default_resolvers for reloads. */
int ts_names_glue_open(struct ts_names_glue *g, struct ts_session *s);
/* The sink the resolver gets (ctx = the glue): upsert with the set of
 * `comps`, or delete (an entry already gone counts as deleted: 0). */
int ts_names_glue_apply(void *ctx, const struct ts_net *addr, const struct ts_compset *comps);
void ts_names_glue_close(struct ts_names_glue *g);
/* Closes the resolver only (a reload's first step: it writes the registry
 * the reload retires); the proxy keeps serving, without learning, until
 * policy_changed. */
void ts_names_glue_pause(struct ts_names_glue *g);
int ts_names_glue_fd(const struct ts_names_glue *g);          /* -1 = none */
/* The DNS proxy's counters as the daemon last wrote them (at most a second
 * old); false when it runs no proxy or has not written them yet. */
struct ts_proxy_metrics;
bool ts_names_glue_proxy_metrics(const struct ts_loader_state *st, struct ts_proxy_metrics *m);
int ts_names_glue_proxy_fd(const struct ts_names_glue *g);    /* -1 = none */
int ts_names_glue_timeout_ms(const struct ts_names_glue *g);  /* resolver or proxy; -1 = none */
/* Runs the resolver and the proxy: each when its fd is ready (the caller's
 * epoll said so) or its timer is due. */
void ts_names_glue_process(struct ts_names_glue *g, bool names_ready, bool proxy_ready);
/* After a reload (or a failed one): restart the resolver on the session's
 * current policy; the cache carries the addresses over. */
void ts_names_glue_policy_changed(struct ts_names_glue *g);
/*
 * An address another gateway of the fleet learned for `name` (already
 * checked: fleet_glue.h), learned here through the same path as a DNS
 * answer the proxy read, with the same limits; the fleet counts as one
 * client group (the unspecified address ::), so it holds at most
 * TS_NAMES_LEARN_PER_CLIENT of the learned names. NONE when no resolver runs.
 */
enum ts_learn_outcome ts_names_glue_learn_shared(struct ts_names_glue *g, const char *name,
						 const struct ts_net *addr, uint32_t ttl_s);
/*
 * The addresses of the learned names this gateway's own clients taught
 * (neither a name nor an address from the fleet), each with the seconds
 * left of its TTL (at least 1), to fn: at most `room` of them, resuming
 * at *cur (zeroed: from the first). True while more remain. A name added
 * or removed between calls may be seen twice or not at all.
 */
struct ts_names_cursor {
	size_t name, addr;
};
typedef void (*ts_names_own_fn)(void *ctx, const char *name, const struct ts_net *addr,
				uint32_t ttl_left_s);
bool ts_names_glue_own_learned(struct ts_names_glue *g, struct ts_names_cursor *cur, size_t room,
			       ts_names_own_fn fn, void *ctx);
/* `up`: resolve every name once, waiting at most timeout_ms. */
int ts_names_glue_resolve_once(struct ts_names_glue *g, int timeout_ms);

/*
 * Before a policy is installed: put the addresses the names cache holds
 * (not yet expired) into r's hosts with their sets, so the new slot already
 * has them when it becomes active. Without this, a restart or a reload
 * would refuse new connections to named hosts until the resolver re-applies
 * them. A missing cache is fine (0).
 */
int ts_names_prefill(struct ts_registry *r, const char *cache_path);

#endif /* TS_NAMES_GLUE_H */
