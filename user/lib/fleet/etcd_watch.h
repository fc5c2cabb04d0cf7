/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * etcd_watch.h - /v3/watch: every change to the keys in [key, range_end)
 * from start_revision on, as a stream of messages.
 */
#ifndef TS_FLEET_ETCD_WATCH_H
#define TS_FLEET_ETCD_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "fleet/etcd_http.h"

/*
 * Watches [key, range_end) (range_end_len bytes: it may end in a NUL, the
 * way to include one last key; NULL = key alone) until fn returns nonzero (returned), *stop turns true (0), or
 * the stream fails (-errno; -EPIPE when it just ended). A watch etcd
 * cancels because start_revision was compacted away returns -ESTALE: the
 * caller reads the keys again and watches from there; one it cancels for
 * want of read permission on the whole range, -EACCES (ts_etcd_error()
 * gives etcd's reason).
 */
int ts_etcd_watch(struct ts_etcd *e, const char *key, const char *range_end,
		  size_t range_end_len, int64_t start_revision, ts_etcd_msg_fn fn, void *ctx, const volatile bool *stop);

#endif /* TS_FLEET_ETCD_WATCH_H */
