// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_dp - ns/packet of turnstile's XDP program through BPF_PROG_TEST_RUN,
 * with ratios to a bare baseline (bpf/bench_baseline.bpf.c) and to
 * xdp-filter's xdpfilt_alw_all, all measured in the same run.
 *
 *   bench_dp BUILD_DIR [XDP_FILTER_OBJ]
 *   TS_BENCH_REPEAT  repetitions per measurement (default 2000000)
 *   TS_BENCH_ROUNDS  measurements per line; the best is kept (default 3)
 *
 * Scenarios run with the flow table holding 1M flows, with the policy's
 * client component made of 10, 10k and 100k prefixes. The established
 * lines visit 8,192 flows in random order (bench_flow_walk rewrites the
 * frame before each repetition; the baseline runs behind the same walk). The allowed SYN
 * must insert a flow each time: bench_moving_syn (bpf/bench_baseline.bpf.c)
 * bumps the source port before each repetition and tail-calls turnstile;
 * its ratio is against the baseline run behind the same tail call.
 * The "block:" rows are the brief's building blocks (bpf/bench_blocks.bpf.c)
 * measured in the same run: what a hash flow lookup and two prefix lookups
 * cost on this host, against the same baseline; and, behind the same
 * tail call as the allowed SYN, what storing a new connection's 80-byte
 * slot costs by itself, in a table of the default half-open size.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench/benchlib.h"
#include "common/log.h"
#include "dp/dp.h"

#define DEFAULT_XDP_FILTER "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o"

static unsigned rounds = 3;

/* Best of `rounds` runs of `repeat` repetitions: ns per packet. */
static double run_repeat(int prog_fd, const struct bench_frame *f, uint32_t *retval)
{
	double best = 1e18;

	for (unsigned r = 0; r < rounds; r++) {
		double ns = bench_run_once(prog_fd, f, retval);

		if (ns < best)
			best = ns;
	}
	return best;
}

/* The baseline program and frame every line is compared with. */
static int base_fd;
static struct bench_frame base_frame;

/* Best of `rounds` runs of the program and of the baseline, taken in
 * turns: a line's ratio compares runs a few milliseconds apart, so the
 * machine's slower and faster moments fall on both sides. */
static double run_paired(int prog_fd, const struct bench_frame *f, uint32_t *retval, double *base_ns)
{
	double best = 1e18, base = 1e18;
	uint32_t brv;

	for (unsigned r = 0; r < rounds; r++) {
		double ns = bench_run_once(base_fd, &base_frame, &brv);

		if (ns < base)
			base = ns;
		ns = bench_run_once(prog_fd, f, retval);
		if (ns < best)
			best = ns;
	}
	*base_ns = base;
	return best;
}

/* ---- the baseline and xdp-filter -------------------------------------------- */

static struct bpf_object *load_obj(const char *path, const char *prog, int *fd)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;

	if (!obj || libbpf_get_error(obj) || bpf_object__load(obj)) {
		fprintf(stderr, "bench: cannot load %s\n", path);
		return NULL;
	}
	p = bpf_object__find_program_by_name(obj, prog);
	if (!p) {
		fprintf(stderr, "bench: %s has no program %s\n", path, prog);
		bpf_object__close(obj);
		return NULL;
	}
	*fd = bpf_program__fd(p);
	return obj;
}

/* xdp-filter in allow mode with the same addresses as exact entries (it has
 * no prefixes) and TCP/443 as an allowed destination port. Its maps are
 * per-CPU with a u64 flags+counter value. */
static int fill_xdp_filter(struct bpf_object *obj, uint32_t naddrs)
{
	struct bpf_map *ip4 = bpf_object__find_map_by_name(obj, "filter_ipv4");
	struct bpf_map *ports = bpf_object__find_map_by_name(obj, "filter_ports");

	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = calloc(ncpu, sizeof(uint64_t));
	const uint64_t src = 1, dst = 2, tcp = 4;
	uint32_t port = 443;

	if (!ip4 || !ports || !vals)
		return -ENOENT;
	for (int c = 0; c < ncpu; c++)
		vals[c] = dst | tcp;
	if (bpf_map_update_elem(bpf_map__fd(ports), &port, vals, BPF_ANY))
		return -errno;
	for (int c = 0; c < ncpu; c++)
		vals[c] = src | dst;
	for (uint32_t i = 0; i < naddrs; i++) {
		uint32_t a = htonl(0x0a000000u | i << 4 | 1);  /* 10.x.y.z1, like the prefixes */

		if (bpf_map_update_elem(bpf_map__fd(ip4), &a, vals, BPF_ANY))
			return -errno;
	}
	free(vals);
	return 0;
}

/* ---- turnstile ------------------------------------------------------------------- */

/* The HASH building block's table, in batches. */
static int fill_block_flows(int fd)
{
	const uint32_t chunk = 65536;
	struct ts_flow_key *keys = calloc(chunk, sizeof(*keys));
	struct ts_flow_val *vals = calloc(chunk, sizeof(*vals));
	uint64_t now = ts_dp_now_ns();
	int err = 0;

	if (!keys || !vals)
		return -ENOMEM;
	for (uint32_t done = 0; done < NFLOWS && !err; done += chunk) {
		uint32_t n = chunk;
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		for (uint32_t i = 0; i < chunk; i++)
			bench_flow(done + i, now, &keys[i], &vals[i]);
		if (bpf_map_update_batch(fd, keys, vals, &n, &o))
			err = -errno;
	}
	free(keys);
	free(vals);
	return err;
}

/* The building blocks' trie gets the policy's client prefixes [from, to). */
static int fill_block_prefixes(int fd, uint32_t from, uint32_t to)
{
	struct ts_addr_val v = { .set_id = 1 };

	for (uint32_t i = from; i < to; i++) {
		struct ts_addr_key k = { .prefixlen = TS_ADDR_HDR_BITS + 28, .family = TS_FAMILY_V4 };
		uint32_t a = htonl(0x0a000000u | i << 4);   /* 10.x.y.z0/28, as policy_text */

		memcpy(k.addr, &a, 4);
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int prog_fd;

/* xdp-filter's ratio to its own paired baseline, at the current size. */
static double xf_ratio;

/* Measure one line against the baseline run in turns with it, print it:
 * ns, ratio to the baseline, and that ratio over xdp-filter's (a ratio of
 * ratios, each taken against its own adjacent baseline). `want`: the
 * verdict the frame must get; ~0u = do not check. */
static void line(const char *name, const char *size, int fd, const struct bench_frame *f, uint32_t want)
{
	double base, ns;
	uint32_t rv;

	ns = run_paired(fd, f, &rv, &base);
	if (xf_ratio > 0)
		printf("| %-26s | %8s | %6.1f | %6.2fx | %12.2fx |%s\n", name, size, ns, ns / base,
		       ns / base / xf_ratio, want == ~0u || rv == want ? "" : " UNEXPECTED VERDICT");
	else
		printf("| %-26s | %8s | %6.1f | %6.2fx | %13s |%s\n", name, size, ns, ns / base, "",
		       want == ~0u || rv == want ? "" : " UNEXPECTED VERDICT");
}

/* A line of fresh connections: each repetition bumps the source port
 * (bench_moving_syn) and tail-calls `fd`; in turns with the baseline
 * behind the same tail call. `dp`: a ts_dp whose half-open table is
 * emptied before each run, or NULL. */
static void moving_line(const char *name, const char *size, const struct bench_mover *m, int fd,
			struct ts_dp *dp, uint32_t want)
{
	double ns = 1e18, b = 1e18, x;
	struct bench_frame f;
	uint32_t rv, brv;

	bench_frame(&f, "10.0.0.1", SYN_FIRST_PORT, server4, 443, SYN);
	for (unsigned r = 0; r < rounds; r++) {
		x = bench_run_moving(m, base_fd, &f, SYN_BATCH, NULL, NULL, &brv);
		b = x < b ? x : b;
		x = bench_run_moving(m, fd, &f, SYN_BATCH, dp ? bench_clear_halfopen : NULL, dp, &rv);
		ns = x < ns ? x : ns;
	}
	printf("| %-26s | %8s | %6.1f | %6.2fx | %12.2fx |%s\n", name, size, ns, ns / b,
	       ns / b / xf_ratio, rv == want ? "" : " UNEXPECTED VERDICT");
}

/* An established line over the working set (bench_walk_fill): each
 * repetition is the next of BENCH_WALK_FLOWS flows in random order; the
 * baseline runs behind the same walk over the IPv4 frames, in turns. */
static void walk_line(const char *name, const char *size, const struct bench_mover *walk, int walk_map,
		      int family, int fd, uint32_t want)
{
	double ns = 1e18, b = 1e18, x;
	struct bench_frame f4, f;
	uint32_t rv = 0, brv;

	for (unsigned r = 0; r < rounds; r++) {
		if (bench_walk_fill(walk_map, 4, &f4))
			exit(1);
		x = bench_run_moving(walk, base_fd, &f4, bench_repeat, NULL, NULL, &brv);
		b = x < b ? x : b;
		if (family != 4 && bench_walk_fill(walk_map, family, &f))   /* 6, BENCH_WALK_UDP4 */
			exit(1);
		x = bench_run_moving(walk, fd, family == 4 ? &f4 : &f, bench_repeat, NULL, NULL, &rv);
		ns = x < ns ? x : ns;
	}
	if (xf_ratio > 0)
		printf("| %-26s | %8s | %6.1f | %6.2fx | %12.2fx |%s\n", name, size, ns, ns / b,
		       ns / b / xf_ratio, rv == want ? "" : " UNEXPECTED VERDICT");
	else
		printf("| %-26s | %8s | %6.1f | %6.2fx | %13s |%s\n", name, size, ns, ns / b, "",
		       rv == want ? "" : " UNEXPECTED VERDICT");
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 10, 10000, 100000 };
	const char *xf_path = argc > 2 ? argv[2] : DEFAULT_XDP_FILTER;
	struct ts_dp_open_opts oo = { .cap_flows = NFLOWS + 65536, .cap_prefixes = 131072 };
	struct bpf_object *base_obj, *xf_obj, *blk_obj;
	int xf_fd, hash_fd[2], store_fd[2], lpm_fd, lpm_map_fd;
	struct bench_mover mover, walk;
	int walk_map;
	double base_ns, base_moving_ns;
	uint32_t have_prefixes = 0;
	struct ts_dp *dp;
	struct bench_frame f;
	uint32_t rv;
	char path[512], size[16];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_dp BUILD_DIR [XDP_FILTER_OBJ]\n");
		return 2;
	}
	bench_repeat_from_env();
	if (bench_stats_off())
		return 1;
	if (getenv("TS_BENCH_ROUNDS"))
		rounds = strtoul(getenv("TS_BENCH_ROUNDS"), NULL, 0);
	ts_log_route_libbpf();
	snprintf(path, sizeof(path), "%s/bpf/bench_baseline.bpf.o", argv[1]);
	base_obj = load_obj(path, "bench_baseline", &base_fd);
	xf_obj = load_obj(xf_path, "xdpfilt_alw_all", &xf_fd);
	snprintf(path, sizeof(path), "%s/bpf/bench_blocks.bpf.o", argv[1]);
	blk_obj = load_obj(path, "blk_hash", &hash_fd[0]);
	if (!base_obj || !xf_obj || !blk_obj)
		return 1;
	hash_fd[1] = bpf_program__fd(bpf_object__find_program_by_name(blk_obj, "blk_hash_noclock"));
	store_fd[0] = bpf_program__fd(bpf_object__find_program_by_name(blk_obj, "blk_store_hashed"));
	store_fd[1] = bpf_program__fd(bpf_object__find_program_by_name(blk_obj, "blk_store_seq"));
	lpm_fd = bpf_program__fd(bpf_object__find_program_by_name(blk_obj, "blk_lpm2"));
	lpm_map_fd = bpf_map__fd(bpf_object__find_map_by_name(blk_obj, "blk_prefixes"));
	mover.mover_fd = bpf_program__fd(bpf_object__find_program_by_name(base_obj, "bench_moving_syn"));
	mover.jump_fd = bpf_map__fd(bpf_object__find_map_by_name(base_obj, "bench_next"));
	walk.mover_fd = bpf_program__fd(bpf_object__find_program_by_name(base_obj, "bench_flow_walk"));
	walk.jump_fd = mover.jump_fd;
	walk_map = bpf_map__fd(bpf_object__find_map_by_name(base_obj, "bench_walk"));
	if (ts_dp_open(&dp, &oo))
		return 1;
	prog_fd = ts_dp_xdp_prog_fd(dp);
	if (bench_fill_flows(dp) ||
	    fill_block_flows(bpf_map__fd(bpf_object__find_map_by_name(blk_obj, "blk_flows")))) {
		fprintf(stderr, "bench: cannot fill the flow table\n");
		return 1;
	}

	bench_frame(&base_frame, "10.0.0.1", 1024, server4, 443, SYN);
	base_ns = run_repeat(base_fd, &base_frame, &rv);
	bench_frame(&f, "10.0.0.1", SYN_FIRST_PORT, server4, 443, SYN);
	base_moving_ns = bench_run_moving(&mover, base_fd, &f, SYN_BATCH, NULL, NULL, &rv);
	printf("# repeat %u, best of %u, each line in turns with the baseline; flow table: %u flows; "
	       "established: %u of them visited in random order\n", bench_repeat, rounds, NFLOWS,
	       BENCH_WALK_FLOWS);
	printf("# baseline (parse Eth/IPv4/TCP, per-CPU count, drop): %.1f ns/pkt; "
	       "behind the port-bumping tail call: %.1f ns/pkt\n", base_ns, base_moving_ns);

	printf("| scenario                   | prefixes | ns/pkt | vs base | vs xdp-filter |\n");
	printf("|----------------------------|---------:|-------:|--------:|--------------:|\n");
	/* the same working set as the established lines: 8k of the 1M flows */
	walk_line("block: HASH 1M + clock", "-", &walk, walk_map, 4, hash_fd[0], XDP_DROP);
	walk_line("block: HASH 1M, no clock", "-", &walk, walk_map, 4, hash_fd[1], XDP_DROP);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = sizes[i];
		double xf_base, xf_ns;

		if (bench_install(dp, n)) {
			fprintf(stderr, "bench: cannot install %u prefixes\n", n);
			return 1;
		}
		fill_xdp_filter(xf_obj, n);
		if (fill_block_prefixes(lpm_map_fd, have_prefixes, n)) {
			fprintf(stderr, "bench: cannot fill the blocks' trie\n");
			return 1;
		}
		have_prefixes = n;
		snprintf(size, sizeof(size), "%u", n);
		xf_ratio = 0;
		bench_frame(&f, "10.0.0.3", 7777, other4, 443, SYN);
		line("block: 2 LPM lookups", size, lpm_fd, &f, XDP_DROP);
		bench_frame(&f, "10.0.0.1", 1024, server4, 443, SYN);
		xf_ns = run_paired(xf_fd, &f, &rv, &xf_base);
		xf_ratio = xf_ns / xf_base;
		printf("| %-26s | %8u | %6.1f | %6.2fx | %12.2fx | verdict %s\n", "xdp-filter (alw_all)", n,
		       xf_ns, xf_ratio, 1.0, rv == XDP_PASS ? "pass" : rv == XDP_DROP ? "drop" : "other");

		if (i == 0)
			bench_v6_flows(prog_fd);
		walk_line("established v4, 8k flows", size, &walk, walk_map, 4, prog_fd, XDP_PASS);
		walk_line("established v6, 8k flows", size, &walk, walk_map, 6, prog_fd, XDP_PASS);
		walk_line("established UDP v4, 8k", size, &walk, walk_map, BENCH_WALK_UDP4, prog_fd,
			  XDP_PASS);

		for (size_t c = 0; c < BENCH_STATELESS; c++) {
			bench_case_frame(&f, &bench_stateless[c]);
			line(bench_stateless[c].name, size, prog_fd, &f, bench_stateless[c].verdict);
		}
		/* last: its runs and the half-open GC between them leave the
		 * caches cold for a while, which the lines after it would pay */
		moving_line("allowed SYN (new flow)", size, &mover, prog_fd, dp, XDP_PASS);
	}
	/* what storing a new connection costs by itself (xdp-filter's ratio
	 * is the last size's) */
	moving_line("block: store, hashed slot", "-", &mover, store_fd[0], NULL, XDP_DROP);
	moving_line("block: store, next slot", "-", &mover, store_fd[1], NULL, XDP_DROP);
	ts_dp_close(dp);
	bpf_object__close(base_obj);
	bpf_object__close(xf_obj);
	bpf_object__close(blk_obj);
	return 0;
}
