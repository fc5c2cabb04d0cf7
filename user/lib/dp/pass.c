// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pass.c - the pass cache from userspace (include/turnstile.h,
 * ts_pass_line; bpf/pass.h): its size, its shape and seed, and clearing it
 * after live flows are cut. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "dp/dp.h"
#include "dp/dp_internal.h"

/* Lines for the capacity as the datapath wants them for that many live
 * flows (ts_pass_want_lines), rounded up to a power of two: the cache
 * keeps its load with the tables full. */
uint32_t ts_dp_pass_lines(uint32_t cap_flows)
{
	uint32_t lines = TS_PASS_MIN_LINES;

	while (lines < ts_pass_want_lines(cap_flows) && lines < (1u << 30))
		lines <<= 1;
	return lines;
}

int ts_dp_pass_init(struct ts_dp *dp)
{
	struct bpf_map_info info = {};
	struct ts_pass_shape sh;
	__u32 len = sizeof(info), zero = 0;

	if (bpf_obj_get_info_by_fd(dp->fds[TS_MAP_PASS_CACHE], &info, &len) ||
	    info.value_size != sizeof(struct ts_pass_line) || info.max_entries < TS_PASS_MIN_LINES ||
	    bpf_map_lookup_elem(dp->fds[TS_MAP_PASS_SHAPE], &zero, &sh)) {
		ts_err("dp: ts_pass_cache has an unexpected shape");
		return -EPROTO;
	}
	if (sh.max_lines)   /* set when the maps were made: adopted */
		return sh.max_lines == info.max_entries ? 0 : -EPROTO;
	sh.lines = TS_PASS_MIN_LINES;   /* ts_dp_pass_lines: never fewer */
	sh.version = 0;
	sh.max_lines = info.max_entries;
	/* the hashes' strong universality needs every seed word uniform */
	if (getrandom(sh.seed, sizeof(sh.seed), 0) != sizeof(sh.seed))
		return errno ? -errno : -EIO;   /* a short read sets none */
	return bpf_map_update_elem(dp->fds[TS_MAP_PASS_SHAPE], &zero, &sh, BPF_ANY) ? -errno : 0;
}

int ts_dp_pass_clear(struct ts_dp *dp)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t bytes;
	void *mem;
	int err = 0;

	if (bpf_obj_get_info_by_fd(dp->fds[TS_MAP_PASS_CACHE], &info, &len))
		return -errno;
	bytes = (size_t)info.max_entries * sizeof(struct ts_pass_line);
	mem = ts_dp_map_shared(dp->fds[TS_MAP_PASS_CACHE], &bytes, true, ts_dp_map_name(TS_MAP_PASS_CACHE), &err);
	if (!mem)
		return err;
	/* a way the programs fill meanwhile is of a flow they found live
	 * after the cut, or is taken back by its writer (bpf/pass.h) */
	memset(mem, 0, bytes);
	munmap(mem, bytes);
	return 0;
}
