/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cache.h - the fleet's last good policy on the gateway's own disk, next
 * to the names cache, so a gateway restarted while etcd is down starts
 * from it:
 *
 *   STATE_DIR/fleet.policy      the last policy text that passed check and was installed
 *   STATE_DIR/fleet.revision    its etcd mod revision (decimal)
 *   STATE_DIR/fleet.candidate   a revision being checked; promoted over
 *                               fleet.policy only once it is active
 */
#ifndef TS_FLEET_CACHE_H
#define TS_FLEET_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define TS_FLEET_POLICY_FILE    "fleet.policy"
#define TS_FLEET_REVISION_FILE  "fleet.revision"
#define TS_FLEET_CANDIDATE_FILE "fleet.candidate"

/* STATE_DIR/file into buf; -ENAMETOOLONG when it does not fit. */
int ts_fleet_cache_path(char *buf, size_t len, const char *state_dir, const char *file);
/* Writes text (len bytes) as the candidate, creating STATE_DIR (0700). */
int ts_fleet_cache_stage(const char *state_dir, const char *text, size_t len);
/* The candidate becomes the cached policy of `revision`. */
int ts_fleet_cache_promote(const char *state_dir, int64_t revision);
/* The cached policy's revision; -ENOENT when there is no cache. */
int ts_fleet_cache_revision(const char *state_dir, int64_t *revision);

#endif /* TS_FLEET_CACHE_H */
