/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* resolvers.h - `--resolver` addresses: the dataplane must let the loader's
 * own DNS through, so each one becomes a ts_hosts entry flagged
 * TS_ADDR_RESOLVER in the session's registry (policy/registry.h) before
 * the policy is installed. */
#ifndef TS_LOADER_RESOLVERS_H
#define TS_LOADER_RESOLVERS_H

#include "policy/registry.h"

/* Parses "ADDR", "ADDR:PORT", "[V6]:PORT" into a host net; -EINVAL otherwise. */
int ts_resolver_parse(const char *s, struct ts_net *out);

/* Adds (or flags) every address of the comma separated `list` as a host of r.
 * -EINVAL names the bad entry. */
int ts_resolvers_add(struct ts_registry *r, const char *list);

/* The DNS proxy's listen address (ADDR[:PORT], NULL/"" = none) is a
 * resolver for clients: flagged like one, so their DNS to it passes when
 * outside-scope traffic is dropped. A wildcard address (0.0.0.0, ::) is
 * no address a packet carries: nothing to flag. */
int ts_resolvers_add_listen(struct ts_registry *r, const char *listen);

#endif /* TS_LOADER_RESOLVERS_H */
