// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memcheck.c - the maps against the host's memory limits (memcheck.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "common/log.h"
#include "common/meminfo.h"
#include "loader/memcheck.h"

#define MIB (1024.0 * 1024.0)

/* Linux 5.11 moved BPF map accounting from RLIMIT_MEMLOCK to memcg. */
static bool kernel_charges_memlock(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major < 5 || (major == 5 && minor < 11);
}

/* A number from a cgroup file; "max" (v2) or absent: UNLIMITED. */
static uint64_t cg_value(const char *dir, const char *file)
{
	char path[512], buf[64];
	uint64_t v = TS_MEM_UNLIMITED;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return v;
	f = fopen(path, "re");
	if (!f)
		return v;
	if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%" SCNu64, &v) != 1)
		v = TS_MEM_UNLIMITED;
	fclose(f);
	return v;
}

/* A key's value in a cgroup's memory.stat, 0 when absent. */
static uint64_t cg_stat(const char *dir, const char *key)
{
	char path[512], line[256];
	size_t klen = strlen(key);
	uint64_t v = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/memory.stat", dir) >= (int)sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ' &&
		    sscanf(line + klen + 1, "%" SCNu64, &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The memory cgroup of this process: its path under the hierarchy that
 * has the memory controller, and that hierarchy's mount. */
static bool memory_cgroup(char *path, size_t len, const char **root, const char **limit,
			  const char **usage, const char **cache)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];
	bool v1 = false, v2 = false;
	char v2path[512] = "";

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *p;

		if (!ctl || !(p = strchr(ctl + 1, ':')))
			continue;
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		if (!strcmp(ctl + 1, "memory") || strstr(ctl + 1, ",memory") ||
		    !strncmp(ctl + 1, "memory,", 7)) {
			snprintf(path, len, "%s", p);
			v1 = true;
		} else if (!strcmp(line, "0") && !ctl[1]) {
			snprintf(v2path, sizeof(v2path), "%s", p);
			v2 = true;
		}
	}
	fclose(f);
	if (v1) {
		*root = "/sys/fs/cgroup/memory";
		*limit = "memory.limit_in_bytes";
		*usage = "memory.usage_in_bytes";
		*cache = "total_cache";
		return true;
	}
	if (v2) {
		snprintf(path, len, "%s", v2path);
		*root = "/sys/fs/cgroup";
		*limit = "memory.max";
		*usage = "memory.current";
		*cache = "file";
		return true;
	}
	return false;
}

/* The least room (limit - usage) from the process's memory cgroup up to
 * the root: a parent's limit holds for its children. Page cache counts as
 * room: the kernel reclaims it to charge a map. */
static void cgroup_room(struct ts_mem_limits *l)
{
	const char *root, *limit_file, *usage_file, *cache_key;
	char path[512], dir[1024];

	l->cgroup_room = TS_MEM_UNLIMITED;
	l->cgroup[0] = '\0';
	if (!memory_cgroup(path, sizeof(path), &root, &limit_file, &usage_file, &cache_key))
		return;
	for (;;) {
		uint64_t limit, usage;
		char *slash;

		if (snprintf(dir, sizeof(dir), "%s%s", root, path) >= (int)sizeof(dir))
			return;
		limit = cg_value(dir, limit_file);
		usage = cg_value(dir, usage_file);
		if (limit != TS_MEM_UNLIMITED && usage != TS_MEM_UNLIMITED) {
			uint64_t cache = cg_stat(dir, cache_key), room;

			usage = usage > cache ? usage - cache : 0;
			room = limit > usage ? limit - usage : 0;

			if (room < l->cgroup_room) {
				l->cgroup_room = room;
				snprintf(l->cgroup, sizeof(l->cgroup), "%s", dir);
			}
		}
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return;
		*slash = '\0';
	}
}

void ts_mem_limits_read(struct ts_mem_limits *l)
{
	struct ts_meminfo mi;
	struct rlimit rl;

	memset(l, 0, sizeof(*l));
	if (!ts_meminfo_read(NULL, &mi)) {
		l->total = mi.total;
		l->available = mi.available;
	}
	cgroup_room(l);
	l->memlock = !getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur != RLIM_INFINITY
			     ? (uint64_t)rl.rlim_cur : TS_MEM_UNLIMITED;
	l->memlock_charged = kernel_charges_memlock();
}

uint64_t ts_mem_margin(const struct ts_mem_limits *l)
{
	uint64_t m = l->total / 16;

	return m > 64ull << 20 ? m : 64ull << 20;
}

/* "flows 40.5 MiB, half-open 5.1 MiB, ..." */
static void breakdown(const struct ts_dp_mem *m, char *buf, size_t len)
{
	static const char *const names[TS_TBL_COUNT] = {
		[TS_TBL_FLOWS] = "flows", [TS_TBL_HALFOPEN] = "half-open", [TS_TBL_HOSTS] = "hosts",
		[TS_TBL_PREFIXES] = "prefixes", [TS_TBL_RULES] = "rules", [TS_TBL_FLOWS_SMALL] = "small flows",
	};
	size_t off = 0;

	buf[0] = '\0';
	for (int t = 0; t < TS_TBL_COUNT && off < len; t++)
		off += snprintf(buf + off, len - off, "%s %.1f MiB, ", names[t], m->table[t] / MIB);
	if (off < len)
		snprintf(buf + off, len - off, "other maps %.1f MiB", m->other / MIB);
}

int ts_mem_admit(const struct ts_dp_mem *m, const struct ts_mem_limits *l, char *why, size_t len)
{
	const char *fix = "set smaller tables in the policy's settings (`table flows N`, ...; "
			  "docs/policy.md, \"Table sizes\")";
	uint64_t margin = ts_mem_margin(l);
	char parts[256], limit[1536];

	if (l->available && m->total + margin > l->available)
		snprintf(limit, sizeof(limit), "the host has %.1f MiB available (MemAvailable) and keeps "
			 "%.1f MiB of it for everything else", l->available / MIB, margin / MIB);
	else if (l->cgroup_room != TS_MEM_UNLIMITED && m->total > l->cgroup_room)
		snprintf(limit, sizeof(limit), "the memory cgroup %s, which the kernel charges the maps "
			 "to, has room for %.1f MiB (raise its limit, e.g. MemoryMax=, or %s)",
			 l->cgroup, l->cgroup_room / MIB, fix);
	else if (l->memlock_charged && l->memlock != TS_MEM_UNLIMITED && m->total > l->memlock)
		snprintf(limit, sizeof(limit), "RLIMIT_MEMLOCK is %.1f MiB and this kernel charges BPF "
			 "maps to it (raise it: `ulimit -l`, LimitMEMLOCK=, or %s)", l->memlock / MIB, fix);
	else
		return 0;
	breakdown(m, parts, sizeof(parts));
	snprintf(why, len, "the maps need %.1f MiB of kernel memory (%s), but %s%s%s", m->total / MIB,
		 parts, limit, strstr(limit, fix) ? "" : ": ", strstr(limit, fix) ? "" : fix);
	return -EDQUOT;
}

int ts_mem_admit_host(const struct ts_dp_mem *m, void *ctx)
{
	struct ts_mem_limits l;
	char why[2048];
	int err;

	(void)ctx;
	ts_mem_limits_read(&l);
	err = ts_mem_admit(m, &l, why, sizeof(why));
	if (err)
		ts_err("%s; nothing was loaded", why);
	return err;
}
