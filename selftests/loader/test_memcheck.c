// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_memcheck.c - which limit refuses the maps `up` is about to make
 * (loader/memcheck.h), with limits given rather than read, so every
 * branch runs on any host: MemAvailable less its margin, the memory
 * cgroup's room, RLIMIT_MEMLOCK only where the kernel charges maps to it.
 * test_memory.sh runs the real limits of this host.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader/memcheck.h"
#include "testlib.h"

#define MIB (1024ull * 1024)

static const struct ts_mem_limits roomy = {
	.total = 16384 * MIB, .available = 12000 * MIB, .cgroup_room = TS_MEM_UNLIMITED,
	.memlock = 8 * MIB, .memlock_charged = false,
};

static struct ts_dp_mem need(uint64_t mib)
{
	struct ts_dp_mem m = { .other = 2 * MIB };

	m.table[TS_TBL_FLOWS] = mib * MIB - 2 * MIB;
	m.total = mib * MIB;
	return m;
}

static void test_fits(void)
{
	struct ts_dp_mem m = need(48);
	char why[2048] = "";

	/* an 8 MiB RLIMIT_MEMLOCK does not count where the kernel ignores it */
	TS_CHECK(ts_mem_admit(&m, &roomy, why, sizeof(why)) == 0, "48 MiB refused: %s", why);
}

static void test_memavailable(void)
{
	struct ts_mem_limits l = roomy;
	struct ts_dp_mem m;
	char why[2048] = "";

	/* margin: MemTotal / 16 = 1024 MiB */
	TS_CHECK(ts_mem_margin(&l) == 1024 * MIB, "margin %llu", (unsigned long long)ts_mem_margin(&l));
	m = need(12000 - 1024);
	TS_CHECK(ts_mem_admit(&m, &l, why, sizeof(why)) == 0, "exactly the room refused: %s", why);
	m = need(12000 - 1024 + 1);
	TS_CHECK(ts_mem_admit(&m, &l, why, sizeof(why)) == -EDQUOT && strstr(why, "MemAvailable") &&
		 strstr(why, "flows 10975.0 MiB") && strstr(why, "table flows N"), "1 MiB over: %s", why);
	l.total = 512 * MIB;   /* a small host keeps at least 64 MiB */
	TS_CHECK(ts_mem_margin(&l) == 64 * MIB, "small margin %llu", (unsigned long long)ts_mem_margin(&l));
}

static void test_cgroup(void)
{
	struct ts_mem_limits l = roomy;
	struct ts_dp_mem m = need(100);
	char why[2048] = "";

	l.cgroup_room = 64 * MIB;
	snprintf(l.cgroup, sizeof(l.cgroup), "/sys/fs/cgroup/system.slice/turnstile.service");
	TS_CHECK(ts_mem_admit(&m, &l, why, sizeof(why)) == -EDQUOT && strstr(why, "memory cgroup") &&
		 strstr(why, "turnstile.service") && strstr(why, "MemoryMax="), "100 MiB in 64: %s", why);
	m = need(64);
	TS_CHECK(ts_mem_admit(&m, &l, why, sizeof(why)) == 0, "64 MiB in 64 refused: %s", why);
}

static void test_memlock(void)
{
	struct ts_mem_limits l = roomy;
	struct ts_dp_mem m = need(48);
	char why[2048] = "";

	l.memlock_charged = true;
	TS_CHECK(ts_mem_admit(&m, &l, why, sizeof(why)) == -EDQUOT && strstr(why, "RLIMIT_MEMLOCK") &&
		 strstr(why, "LimitMEMLOCK="), "48 MiB under an 8 MiB memlock that counts: %s", why);
	l.memlock = TS_MEM_UNLIMITED;
	TS_CHECK(ts_mem_admit(&m, &l, why, sizeof(why)) == 0, "unlimited memlock refused: %s", why);
}

/* What cannot be read limits nothing: zeros and UNLIMITED. */
static void test_unknown(void)
{
	struct ts_mem_limits l = { .cgroup_room = TS_MEM_UNLIMITED, .memlock = TS_MEM_UNLIMITED };
	struct ts_dp_mem m = need(4096);
	char why[2048] = "";

	TS_CHECK(ts_mem_admit(&m, &l, why, sizeof(why)) == 0, "unknown limits refused: %s", why);
}

int main(void)
{
	ts_run("memcheck_fits", test_fits);
	ts_run("memcheck_memavailable", test_memavailable);
	ts_run("memcheck_cgroup", test_cgroup);
	ts_run("memcheck_memlock", test_memlock);
	ts_run("memcheck_unknown_limits", test_unknown);
	return ts_done();
}
