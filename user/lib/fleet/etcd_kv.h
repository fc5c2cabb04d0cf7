/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * etcd_kv.h - the key-value calls of etcd's v3 API over the JSON gateway:
 * /v3/kv/range (a key, or every key under a prefix), /v3/kv/put and
 * /v3/kv/txn (several puts at once, all or none).
 */
#ifndef TS_FLEET_ETCD_KV_H
#define TS_FLEET_ETCD_KV_H

#include <stddef.h>
#include <stdint.h>

#include "fleet/etcd_http.h"

/* One key (out->nkvs is 0 or 1), or with prefix set every key under it
 * (at most TS_ETCD_MAX_KVS: more is -E2BIG, never a silent cut). */
int ts_etcd_get(struct ts_etcd *e, const char *key, bool prefix, struct ts_etcd_result *out);

struct ts_etcd_put {
	const char *key;
	const void *value;
	size_t len;
	int64_t lease;    /* 0 = none */
};

/* Puts every one of puts in one transaction (one revision). */
int ts_etcd_put(struct ts_etcd *e, const struct ts_etcd_put *puts, size_t n);

#endif /* TS_FLEET_ETCD_KV_H */
