/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* meminfo.h - the host's memory as /proc/meminfo states it. */
#ifndef TS_COMMON_MEMINFO_H
#define TS_COMMON_MEMINFO_H

#include <stdint.h>

struct ts_meminfo {
	uint64_t total;      /* MemTotal, bytes */
	uint64_t available;  /* MemAvailable, bytes: what can be allocated without swapping */
};

/* Reads `path` (NULL: /proc/meminfo). -errno when it cannot be read,
 * -EPROTO when a field is missing. */
int ts_meminfo_read(const char *path, struct ts_meminfo *out);

#endif /* TS_COMMON_MEMINFO_H */
