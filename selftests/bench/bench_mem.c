// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_mem - what one dependent read of a 64-byte line costs on this
 * host, by how the lines are laid out (bpf/bench_mem.bpf.c): packed or
 * one per 4 KiB page, in a vmalloc'd ARRAY or in kmalloc'd inner ARRAYs
 * (the kernel's direct map; their column includes the outer map's read). The floor under a flow table's lookup, and
 * whether larger pages would lower it (docs/bench.md, "The floor under
 * every flow table"). PROG_TEST_RUN, kernel BPF stats off; each figure
 * the best of TS_BENCH_ROUNDS (5) runs of TS_BENCH_REPEAT (20000)
 * repetitions, less the address arithmetic alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench/benchlib.h"
#include "../../bpf/bench_mem.h"

struct layout {
	const char *name;
	unsigned span, stride;   /* lines walked, lines apart */
};

static const struct layout layouts[] = {
	{ "8,192 lines packed (0.5 MiB, 128 pages)", 8192, 1 },
	/* 65 lines apart: one per page, each at another offset in it, so that
	 * they do not all fall in the same cache sets */
	{ "8,192 lines, one per page (8,192 pages)", 8192, 65 },
	{ "131,072 lines packed (8 MiB)", 131072, 1 },
	{ "100,000 lines, 6 apart (37 MiB, 9,375 pages)", 100000, 6 },
	{ "655,360 lines packed (40 MiB)", 655360, 1 },
};

/* ns per read of prog over `repeat` runs, best of `rounds`. */
static double per_read(int prog_fd, unsigned repeat, unsigned rounds)
{
	char frame[64] = { 0 };
	double best = 1e18;

	for (unsigned r = 0; r < rounds; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
			    .repeat = repeat);
		if (bpf_prog_test_run_opts(prog_fd, &o)) {
			perror("bench_mem: BPF_PROG_TEST_RUN");
			exit(1);
		}
		if (o.duration / (double)MEM_READS < best)
			best = o.duration / (double)MEM_READS;
	}
	return best;
}

/* BUILD_DIR/bpf/bench_mem.bpf.o, the executable being BUILD_DIR/bench/bench_mem. */
static void obj_path(char *path, size_t size)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	exe[n > 0 ? n : 0] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(path, size, "%s/../bpf/bench_mem.bpf.o", exe);
}

static int fd_of(struct bpf_object *obj, const char *prog)
{
	return bpf_program__fd(bpf_object__find_program_by_name(obj, prog));
}

int main(void)
{
	unsigned repeat = getenv("TS_BENCH_REPEAT") ? strtoul(getenv("TS_BENCH_REPEAT"), NULL, 0) : 20000;
	unsigned rounds = getenv("TS_BENCH_ROUNDS") ? strtoul(getenv("TS_BENCH_ROUNDS"), NULL, 0) : 5;
	char path[4200];

	obj_path(path, sizeof(path));
	if (bench_stats_off())
		return 1;
	printf("# bench_mem: ns per dependent read of a 64-byte line (%d per run, %u runs, best of %u)\n",
	       MEM_READS, repeat, rounds);
	printf("%-50s %10s %12s\n", "layout", "ARRAY", "inner ARRAYs");
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];
		struct bpf_object *obj = bpf_object__open_file(path, NULL);
		struct bpf_map *ro;
		double none, array, inner;
		const void *init;
		size_t size = 0;
		int outer;

		if (!obj || libbpf_get_error(obj)) {
			fprintf(stderr, "bench_mem: cannot open %s\n", path);
			return 1;
		}
		ro = bpf_object__find_map_by_name(obj, ".rodata");
		init = ro ? bpf_map__initial_value(ro, &size) : NULL;
		if (!init || size != sizeof(unsigned[2]) || l->span * l->stride > MEM_LINES ||
		    bpf_map__set_initial_value(ro, (unsigned[2]){ l->span, l->stride }, size)) {
			fprintf(stderr, "bench_mem: %s: .rodata is not mem_span and mem_stride, or the layout "
				"is larger than the map\n", path);
			return 1;
		}
		if (bpf_object__load(obj)) {
			fprintf(stderr, "bench_mem: cannot load %s\n", path);
			return 1;
		}
		outer = bpf_map__fd(bpf_object__find_map_by_name(obj, "mem_inners"));
		for (unsigned o = 0; o < MEM_INNERS; o++) {
			int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 64, MEM_INNER_LINES, NULL);

			if (fd < 0 || bpf_map_update_elem(outer, &o, &fd, 0)) {
				perror("bench_mem: inner map");
				return 1;
			}
			close(fd);   /* held by the outer map */
		}
		none = per_read(fd_of(obj, "mem_none"), repeat, rounds);
		array = per_read(fd_of(obj, "mem_array"), repeat, rounds);
		inner = per_read(fd_of(obj, "mem_inner"), repeat, rounds);
		printf("%-50s %10.1f %12.1f\n", l->name, array - none, inner - none);
		bpf_object__close(obj);
	}
	return 0;
}
