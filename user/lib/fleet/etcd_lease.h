/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * etcd_lease.h - leases: keys put under one vanish when it expires, so
 * what a gateway wrote disappears with the gateway (/v3/lease/grant,
 * /v3/lease/keepalive, /v3/lease/revoke).
 */
#ifndef TS_FLEET_ETCD_LEASE_H
#define TS_FLEET_ETCD_LEASE_H

#include <stdint.h>

#include "fleet/etcd_http.h"

#define TS_ETCD_LEASE_MAX_TTL (7 * 86400) /* what we ask at most */

/* A new lease of ttl_s seconds (1..TS_ETCD_LEASE_MAX_TTL) into *id. */
int ts_etcd_lease_grant(struct ts_etcd *e, int64_t ttl_s, int64_t *id);
/* Renews lease id for its TTL; -ENOENT when it has expired (or is unknown). */
int ts_etcd_lease_keepalive(struct ts_etcd *e, int64_t id);

/* Ends lease id now: its keys go at once. */
int ts_etcd_lease_revoke(struct ts_etcd *e, int64_t id);

#endif /* TS_FLEET_ETCD_LEASE_H */
