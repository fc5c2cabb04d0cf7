// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_ab - two builds of ts_xdp on the same maps, measured in turns:
 * the A/B comparison for a change to the dataplane, where the full bench
 * (bench_dp) is too noisy to show a few nanoseconds on a shared machine.
 *
 *   bench_ab OBJ_B [OBJ_A]
 *     A: this build (the library's skeleton), or OBJ_A; B: another
 *     build's BUILD_DIR/bpf/turnstile.bpf.o, with the same ABI (its maps
 *     are this build's, by name). Prints each scenario's best of TS_BENCH_ROUNDS runs of A
 *     and of B (taken in turns) and B/A; a verdict that differs is flagged.
 *   TS_BENCH_REPEAT (default 2000000), TS_BENCH_ROUNDS (default 9),
 *   TS_BENCH_PREFIXES (default 10000).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench/benchlib.h"
#include "common/log.h"
#include "dp/dp.h"

/* A build's object with every map of the ABI taken from this build's dataplane. */
static struct bpf_object *load_obj(const char *path, struct ts_dp *dp, int *prog_fd)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	struct bpf_map *map;

	if (!obj || libbpf_get_error(obj)) {
		fprintf(stderr, "bench_ab: cannot open %s\n", path);
		return NULL;
	}
	bpf_object__for_each_map(map, obj) {
		for (int m = 0; m < TS_MAP_COUNT; m++) {
			if (strcmp(bpf_map__name(map), ts_dp_map_name(m)))
				continue;
			if (bpf_map__reuse_fd(map, ts_dp_map_fd(dp, m))) {
				fprintf(stderr, "bench_ab: %s of %s does not fit this build's\n", ts_dp_map_name(m), path);
				bpf_object__close(obj);
				return NULL;
			}
		}
	}
	prog = bpf_object__find_program_by_name(obj, "ts_xdp");
	if (!prog || bpf_object__load(obj)) {
		fprintf(stderr, "bench_ab: cannot load ts_xdp of %s\n", path);
		bpf_object__close(obj);
		return NULL;
	}
	*prog_fd = bpf_program__fd(prog);
	return obj;
}

static void ab_line(const char *name, int a_fd, int b_fd, const struct bench_frame *f, unsigned rounds)
{
	double a = 1e18, b = 1e18;
	uint32_t arv = 0, brv = 0;

	for (unsigned r = 0; r < rounds; r++) {
		double ns = bench_run_once(a_fd, f, &arv);

		a = ns < a ? ns : a;
		ns = bench_run_once(b_fd, f, &brv);
		b = ns < b ? ns : b;
	}
	printf("| %-26s | %6.1f | %6.1f | %5.3f |%s\n", name, a, b, b / a,
	       arv == brv ? "" : " VERDICTS DIFFER");
}

int main(int argc, char **argv)
{
	struct ts_dp_open_opts oo = { .cap_flows = NFLOWS + 65536, .cap_prefixes = 262144 };
	unsigned rounds = getenv("TS_BENCH_ROUNDS") ? strtoul(getenv("TS_BENCH_ROUNDS"), NULL, 0) : 9;
	uint32_t nprefixes = getenv("TS_BENCH_PREFIXES") ? strtoul(getenv("TS_BENCH_PREFIXES"), NULL, 0)
							 : 10000;
	struct bpf_object *b_obj;
	struct bench_frame f;
	struct ts_dp *dp;
	int a_fd, b_fd;

	struct bpf_object *a_obj = NULL;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: bench_ab OBJ_B [OBJ_A] (other builds' bpf/turnstile.bpf.o)\n");
		return 2;
	}
	bench_repeat_from_env();
	ts_log_route_libbpf();
	if (ts_dp_open(&dp, &oo) || bench_install(dp, nprefixes) || bench_fill_flows(dp))
		return 1;
	a_fd = ts_dp_xdp_prog_fd(dp);
	if (argc == 3 && !(a_obj = load_obj(argv[2], dp, &a_fd)))
		return 1;
	b_obj = load_obj(argv[1], dp, &b_fd);
	if (!b_obj)
		return 1;
	bench_v6_flow(a_fd);

	printf("# A: %s, B: %s; %u prefixes, %u flows; best of %u, in turns; repeat %u\n",
	       argc == 3 ? argv[2] : "this build", argv[1], nprefixes, NFLOWS, rounds, bench_repeat);
	printf("| scenario                   |   A ns |   B ns |   B/A |\n");
	printf("|----------------------------|-------:|-------:|------:|\n");
	for (size_t i = 0; i < 2; i++) {
		bench_case_frame(&f, &bench_established[i]);
		ab_line(bench_established[i].name, a_fd, b_fd, &f, rounds);
	}
	for (size_t i = 0; i < BENCH_STATELESS; i++) {
		bench_case_frame(&f, &bench_stateless[i]);
		ab_line(bench_stateless[i].name, a_fd, b_fd, &f, rounds);
	}
	bpf_object__close(b_obj);
	bpf_object__close(a_obj);
	ts_dp_close(dp);
	return 0;
}
