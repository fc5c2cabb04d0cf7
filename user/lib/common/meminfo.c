// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* meminfo.c - MemTotal and MemAvailable from /proc/meminfo. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/meminfo.h"

int ts_meminfo_read(const char *path, struct ts_meminfo *out)
{
	FILE *f = fopen(path ? path : "/proc/meminfo", "re");
	char line[256];
	int seen = 0;

	if (!f)
		return -errno;
	memset(out, 0, sizeof(*out));
	while (fgets(line, sizeof(line), f)) {
		uint64_t kib;

		if (sscanf(line, "%*[^:]: %" SCNu64, &kib) == 1 && kib > UINT64_MAX / 1024)
			continue;   /* no host has that much: not a number to trust */
		if (sscanf(line, "MemTotal: %" SCNu64 " kB", &kib) == 1) {
			out->total = kib * 1024;
			seen |= 1;
		} else if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kib) == 1) {
			out->available = kib * 1024;
			seen |= 2;
		}
	}
	fclose(f);
	return seen == 3 ? 0 : -EPROTO;
}
