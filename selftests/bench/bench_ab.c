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
 *     The established lines visit 8,192 flows in random order behind
 *     bench_flow_walk; the allowed SYN runs behind bench_moving_syn, from the
 *     bench_baseline.bpf.o of this build (next to the executable's
 *     directory: BUILD_DIR/bpf).
 *   TS_BENCH_REPEAT (default 2000000), TS_BENCH_ROUNDS (default 9),
 *   TS_BENCH_PREFIXES (default 10000).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* bench_moving_syn and bench_flow_walk (with its frames' map) of this
 * build's BUILD_DIR/bpf/bench_baseline.bpf.o (the executable is
 * BUILD_DIR/bench/bench_ab). */
static struct bpf_object *load_mover(struct bench_mover *m, struct bench_mover *walk, int *walk_map)
{
	char exe[4096], path[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct bpf_object *obj;
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(path, sizeof(path), "%s/../bpf/bench_baseline.bpf.o", exe);
	obj = bpf_object__open_file(path, NULL);
	if (!obj || libbpf_get_error(obj) || bpf_object__load(obj)) {
		fprintf(stderr, "bench_ab: cannot load %s\n", path);
		return NULL;
	}
	m->mover_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "bench_moving_syn"));
	m->jump_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "bench_next"));
	walk->mover_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "bench_flow_walk"));
	walk->jump_fd = m->jump_fd;
	*walk_map = bpf_map__fd(bpf_object__find_map_by_name(obj, "bench_walk"));
	return obj;
}

/* The allowed SYN, a fresh connection each time, in turns. */
static void ab_moving(struct ts_dp *dp, const struct bench_mover *m, int a_fd, int b_fd, unsigned rounds)
{
	double a = 1e18, b = 1e18, ns;
	uint32_t arv = 0, brv = 0;
	struct bench_frame f;

	bench_frame(&f, "10.0.0.1", SYN_FIRST_PORT, server4, 443, SYN);
	for (unsigned r = 0; r < rounds; r++) {
		ns = bench_run_moving(m, a_fd, &f, SYN_BATCH, bench_clear_halfopen, dp, &arv);
		a = ns < a ? ns : a;
		ns = bench_run_moving(m, b_fd, &f, SYN_BATCH, bench_clear_halfopen, dp, &brv);
		b = ns < b ? ns : b;
	}
	printf("| %-26s | %6.1f | %6.1f | %5.3f |%s\n", "allowed SYN (new flow)", a, b, b / a,
	       arv == brv ? "" : " VERDICTS DIFFER");
}

/* An established line: BENCH_WALK_FLOWS flows in random order (the
 * frames of `family` in bench_walk), A and B in turns. */
static void ab_walk(const char *name, const struct bench_mover *walk, int walk_map, int family,
		    int a_fd, int b_fd, unsigned rounds)
{
	double a = 1e18, b = 1e18, ns;
	uint32_t arv = 0, brv = 0;
	struct bench_frame f;

	if (bench_walk_fill(walk_map, family, &f))
		exit(1);
	for (unsigned r = 0; r < rounds; r++) {
		ns = bench_run_moving(walk, a_fd, &f, bench_repeat, NULL, NULL, &arv);
		a = ns < a ? ns : a;
		ns = bench_run_moving(walk, b_fd, &f, bench_repeat, NULL, NULL, &brv);
		b = ns < b ? ns : b;
	}
	printf("| %-26s | %6.1f | %6.1f | %5.3f |%s\n", name, a, b, b / a,
	       arv == brv ? "" : " VERDICTS DIFFER");
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

/* TS_BENCH_ONLY=TEXT: only the lines whose name holds TEXT (to profile one path). */
static bool wanted(const char *name)
{
	const char *only = getenv("TS_BENCH_ONLY");

	return !only || strstr(name, only);
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

	struct bpf_object *a_obj = NULL, *m_obj;
	struct bench_mover mover, walk;
	int walk_map;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: bench_ab OBJ_B [OBJ_A] (other builds' bpf/turnstile.bpf.o)\n");
		return 2;
	}
	bench_repeat_from_env();
	if (bench_stats_off())
		return 1;
	ts_log_route_libbpf();
	if (ts_dp_open(&dp, &oo) || bench_install(dp, nprefixes) || bench_fill_flows(dp))
		return 1;
	a_fd = ts_dp_xdp_prog_fd(dp);
	if (argc == 3 && !(a_obj = load_obj(argv[2], dp, &a_fd)))
		return 1;
	b_obj = load_obj(argv[1], dp, &b_fd);
	m_obj = load_mover(&mover, &walk, &walk_map);
	if (!b_obj || !m_obj)
		return 1;
	bench_v6_flows(a_fd);

	printf("# A: %s, B: %s; %u prefixes, %u flows; best of %u, in turns; repeat %u\n",
	       argc == 3 ? argv[2] : "this build", argv[1], nprefixes, NFLOWS, rounds, bench_repeat);
	printf("| scenario                   |   A ns |   B ns |   B/A |\n");
	printf("|----------------------------|-------:|-------:|------:|\n");
	if (wanted("established v4, 8k flows"))
		ab_walk("established v4, 8k flows", &walk, walk_map, 4, a_fd, b_fd, rounds);
	if (wanted("established v6, 8k flows"))
		ab_walk("established v6, 8k flows", &walk, walk_map, 6, a_fd, b_fd, rounds);
	for (size_t i = 0; i < BENCH_STATELESS; i++) {
		if (!wanted(bench_stateless[i].name))
			continue;
		bench_case_frame(&f, &bench_stateless[i]);
		ab_line(bench_stateless[i].name, a_fd, b_fd, &f, rounds);
	}
	/* last: its fresh connections leave the caches cold for what follows */
	if (wanted("allowed SYN (new flow)"))
		ab_moving(dp, &mover, a_fd, b_fd, rounds);
	bpf_object__close(b_obj);
	bpf_object__close(a_obj);
	bpf_object__close(m_obj);
	ts_dp_close(dp);
	return 0;
}
