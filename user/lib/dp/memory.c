// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memory.c - the kernel memory the maps take, from their shapes: what
 * `status` reports and what `up` weighs against the host's limits. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "dp/dp_internal.h"
#include "turnstile.skel.h"

/* A map's values as the kernel allocates them: 8-byte aligned elements
 * (per possible CPU for a per-CPU map), a ring buffer's data pages. The
 * kernel adds a page's rounding and its bookkeeping, which is small
 * beside the tables. */
static uint64_t map_bytes(enum bpf_map_type type, uint32_t max_entries, uint32_t value_size,
			  int ncpus)
{
	uint64_t elem = ((uint64_t)value_size + 7) / 8 * 8;

	switch (type) {
	case BPF_MAP_TYPE_RINGBUF:
		return max_entries;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
		return (uint64_t)max_entries * elem * (uint64_t)ncpus;
	default:
		return (uint64_t)max_entries * elem;
	}
}

/* The table of map m, or -1. */
static int table_of(enum ts_dp_map m)
{
	for (int t = 0; t < TS_TBL_COUNT; t++)
		if (ts_dp_table_map(t) == m)
			return t;
	return -1;
}

/* A table's share: its buckets and their tags words (one per bucket). */
static uint64_t table_bytes(uint32_t buckets, uint32_t bucket_size)
{
	return (uint64_t)buckets * bucket_size + (uint64_t)buckets * sizeof(__u64);
}

int ts_dp_memory(const struct ts_dp *dp, struct ts_dp_mem *out)
{
	uint64_t tables = 0;

	memset(out, 0, sizeof(*out));
	for (int m = 0; m < TS_MAP_COUNT; m++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int t = table_of(m);

		if (bpf_obj_get_info_by_fd(dp->fds[m], &info, &len)) {
			int err = -errno;

			ts_err("dp: cannot read %s's info: %s", ts_dp_map_name(m), strerror(-err));
			return err;
		}
		out->total += map_bytes(info.type, info.max_entries, info.value_size, dp->ncpus);
		if (t >= 0) {
			out->table[t] = table_bytes(info.max_entries, info.value_size);
			tables += out->table[t];
		}
	}
	out->other = out->total - tables;
	return 0;
}

void ts_dp_memory_planned(const struct ts_dp *dp, struct ts_dp_mem *out)
{
	struct bpf_map *map;
	uint64_t tables = 0;

	memset(out, 0, sizeof(*out));
	bpf_object__for_each_map(map, dp->skel->obj) {
		enum ts_dp_map m;
		int t = -1;

		for (m = 0; m < TS_MAP_COUNT; m++)
			if (!strcmp(bpf_map__name(map), ts_dp_map_name(m)))
				break;
		if (m < TS_MAP_COUNT && dp->adopted_maps & (1u << m))
			continue;   /* it exists: it takes nothing more */
		if (m < TS_MAP_COUNT)
			t = table_of(m);
		out->total += map_bytes(bpf_map__type(map), bpf_map__max_entries(map),
					bpf_map__value_size(map), dp->ncpus);
		if (t >= 0) {
			out->table[t] = table_bytes(bpf_map__max_entries(map), bpf_map__value_size(map));
			tables += out->table[t];
		}
	}
	out->other = out->total - tables;
}
