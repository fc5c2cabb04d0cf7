/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * memcheck.h - whether the maps `up` is about to create fit what the host
 * allows, asked before anything is loaded (docs/dataplane.md, "Memory"):
 *  - MemAvailable less a margin (max(64 MiB, MemTotal / 16)): the maps are
 *    kernel memory that is never swapped or reclaimed;
 *  - the memory cgroup's limit less its usage (page cache, which the
 *    kernel reclaims, not counted), over every ancestor: since
 *    Linux 5.11 a map is charged to the memory cgroup of its creator, and
 *    that limit (a unit's MemoryMax=) is what refuses or OOM-kills;
 *  - RLIMIT_MEMLOCK when it is finite and the kernel charges maps to it
 *    (before 5.11). A newer kernel ignores it for BPF, and its usual
 *    value (8 MiB) would refuse any dataplane: it is reported, not applied.
 */
#ifndef TS_MEMCHECK_H
#define TS_MEMCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp/dp.h"

#define TS_MEM_UNLIMITED UINT64_MAX

struct ts_mem_limits {
	uint64_t total;            /* MemTotal; 0 unknown */
	uint64_t available;        /* MemAvailable; 0 unknown */
	uint64_t cgroup_room;      /* least (limit - usage) of the memory cgroups, or UNLIMITED */
	char cgroup[1024];         /* the cgroup whose room that is */
	uint64_t memlock;          /* RLIMIT_MEMLOCK, or UNLIMITED */
	bool memlock_charged;      /* the kernel charges BPF maps to RLIMIT_MEMLOCK */
};

/* The host's limits for this process (what cannot be read is unlimited). */
void ts_mem_limits_read(struct ts_mem_limits *l);

/* The margin MemAvailable keeps for the rest of the host. */
uint64_t ts_mem_margin(const struct ts_mem_limits *l);

/* 0 when maps of `m` fit the limits; else -EDQUOT and `why` says which
 * limit, how much it allows and what to change. */
int ts_mem_admit(const struct ts_dp_mem *m, const struct ts_mem_limits *l, char *why, size_t len);

/* ts_dp_open_opts.admit for `up`: the host's limits read now, a refusal
 * logged. ctx unused. */
int ts_mem_admit_host(const struct ts_dp_mem *m, void *ctx);

#endif /* TS_MEMCHECK_H */
