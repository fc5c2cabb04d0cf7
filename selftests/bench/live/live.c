// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live - make bench-live's tool (selftests/bench/live/run drives it):
 *
 *   live gen OBJ IFACE DSTMAC FAMILY KIND NFLOWS SECONDS [K/N]
 *       send KIND frames (unlisted|established|allowed|connections) of
 *       NFLOWS flows in random order into IFACE for SECONDS (connections:
 *       each flow's SYN, SYN-ACK, ACK and RST), by BPF_PROG_RUN with live
 *       frames; prints "sent N ns T flows M sum S" (M flows sent, S the
 *       sum of their numbers). K/N: only share K of N, the flows i with
 *       i % N == K (one generator per CPU, each flow on one CPU as a
 *       NIC's RSS keeps it on one queue)
 *   live attach OBJ IFACE PROG [FLOWS]
 *       attach program PROG of OBJ (native XDP): a bare receiver
 *       (live_drop, live_pass) or a candidate flow table
 *       (bpf/bench_live_cand.bpf.c); prints its id. FLOWS: the
 *       candidates' index sized for that many flows (at half load), not
 *       for their capacity
 *   live sink OBJ IFACE PROG
 *       attach tc program PROG of OBJ (live_sink) to IFACE's egress;
 *       prints its id
 *   live handshake PROG_ID FAMILY NFLOWS
 *       open the clients' NFLOWS flows through an XDP program by real
 *       handshakes (SYN, SYN-ACK, ACK by PROG_TEST_RUN; each must pass)
 *   live ct FAMILY NFLOWS       the same flows as established conntrack entries
 *   live xdp-filter MAPDIR FAMILY NFILLERS
 *       xdp-filter (deny mode) passes the clients: their addresses, plus
 *       NFILLERS other exact addresses (it has no prefixes)
 *   live prog-stats PROG_ID     "run_cnt N run_time_ns T" (kernel BPF stats)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "flows.h"
#include "ct.h"

static int die(const char *what)
{
	fprintf(stderr, "live: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static enum live_kind kind_of(const char *s)
{
	if (!strcmp(s, "unlisted"))
		return LIVE_SYN_UNLISTED;
	if (!strcmp(s, "established"))
		return LIVE_ESTABLISHED;
	if (!strcmp(s, "allowed"))
		return LIVE_SYN_ALLOWED;
	if (!strcmp(s, "connections"))
		return LIVE_CONNECTIONS;
	fprintf(stderr, "live: unknown kind %s\n", s);
	exit(2);
}

static uint32_t flows_arg(const char *s)
{
	unsigned long n = strtoul(s, NULL, 0);

	if (n == 0 || n > LIVE_MAX_FLOWS) {
		fprintf(stderr, "live: flows must be 1..%u\n", LIVE_MAX_FLOWS);
		exit(2);
	}
	return n;
}

static int family_arg(const char *s)
{
	int f = atoi(s);

	if (f != 4 && f != 6) {
		fprintf(stderr, "live: family must be 4 or 6\n");
		exit(2);
	}
	return f;
}

/* Flows a block of whole connections (LIVE_CONNECTIONS) holds: the
 * table sends each block's SYNs, then their SYN-ACKs, their ACKs and their
 * RSTs, so a connection's segments come in order with others' between
 * them, as on a gateway, and a whole table pass leaves none half done. */
#define LIVE_CONN_BLOCK 64u

/* Frames in the table of m flows of `kind`. */
static uint32_t table_frames(enum live_kind kind, uint32_t m)
{
	return kind == LIVE_CONNECTIONS ? m * LIVE_CONN_SEGMENTS : m;
}

/* Frame k of the table of m flows, order[0..m), as the generator sends it. */
static void table_frame(uint8_t *b, size_t len, const uint8_t dmac[6], const uint32_t *order, uint32_t m,
			uint32_t k, int family, enum live_kind kind)
{
	struct live_tuple t;
	uint32_t first, n, seq, ack;
	uint8_t flags;

	if (kind == LIVE_CONNECTIONS) {
		first = k / (LIVE_CONN_BLOCK * LIVE_CONN_SEGMENTS) * LIVE_CONN_BLOCK;   /* k's block */
		n = m - first < LIVE_CONN_BLOCK ? m - first : LIVE_CONN_BLOCK;        /* its flows */
		k -= first * LIVE_CONN_SEGMENTS;
		live_conn_segment(order[first + k % n], family, k / n, &t, &flags, &seq, &ack);
		live_frame(b, len, dmac, &t, flags, seq, ack);
		return;
	}
	live_flow(order[k], family, kind, &t);
	if (kind == LIVE_ESTABLISHED)
		live_frame(b, len, dmac, &t, LIVE_ACK | LIVE_PSH, LIVE_CLIENT_ISN + order[k] + 1,
			   LIVE_SERVER_ISN + 1);
	else
		live_frame(b, len, dmac, &t, LIVE_SYN, LIVE_CLIENT_ISN + order[k], 0);
}

/* The generator's pass counter on every CPU from `base`: another each
 * window, so that a window's first pass does not repeat the ISNs of the
 * last window's. */
static void set_pass_base(struct bpf_object *obj, uint32_t base)
{
	struct bpf_map *pass = bpf_object__find_map_by_name(obj, "live_pass");
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v));   /* per-CPU values, 8 bytes apart */
	uint32_t zero = 0;

	if (!pass || ncpu <= 0 || !v)
		die("the generator's live_pass");
	for (int c = 0; c < ncpu; c++)
		v[c] = base;
	if (bpf_map_update_elem(bpf_map__fd(pass), &zero, v, BPF_ANY))
		die("the generator's live_pass");
	free(v);
}

static int cmd_gen(char **a)
{
	const char *obj_path = a[0], *iface = a[1];
	int family = family_arg(a[3]);
	enum live_kind kind = kind_of(a[4]);
	uint32_t n = flows_arg(a[5]), share = 0, parts = 1, m, nframes, repeat;
	double seconds = atof(a[6]);
	char tail;
	unsigned mac[6];
	uint8_t dmac[6];
	size_t len = live_frame_len(family);
	uint32_t *order, ifindex = if_nametoindex(iface), x = 0x2545f491;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *frames;
	uint8_t *frame;
	uint64_t sent = 0, t0, t1, sum = 0;

	if (!ifindex)
		die(iface);
	if (sscanf(a[2], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6) {
		fprintf(stderr, "live: bad MAC %s\n", a[2]);
		return 2;
	}
	for (int k = 0; k < 6; k++)
		dmac[k] = mac[k];
	if (a[7] && (sscanf(a[7], "%u/%u%c", &share, &parts, &tail) != 2 || share >= parts || parts > n)) {
		fprintf(stderr, "live gen: bad share %s (K/N, K < N <= NFLOWS)\n", a[7]);
		return 2;
	}
	m = (n - share + parts - 1) / parts;   /* flows share, share + parts, ... below n */
	nframes = table_frames(kind, m);
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj)
		die(obj_path);
	frames = bpf_object__find_map_by_name(obj, "live_frames");
	prog = bpf_object__find_program_by_name(obj, "live_gen");
	if (!frames || !prog || bpf_map__set_max_entries(frames, nframes))
		die("generator object");
	{
		struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata");
		/* live_cfg: nframes, ifindex, tcp_off (new ISN every pass: new connections) */
		bool fresh = kind == LIVE_SYN_ALLOWED || kind == LIVE_CONNECTIONS;
		uint32_t cfg[4] = { nframes, ifindex, fresh ? (family == 4 ? 34 : 54) : 0, 0 };

		if (!ro || bpf_map__set_initial_value(ro, cfg, sizeof(cfg)))
			die("generator .rodata");
	}
	if (bpf_object__load(obj))
		die("loading the generator");
	set_pass_base(obj, (uint32_t)(now_ns() / 1000));

	/* the flows in random order (Fisher-Yates, a fixed xorshift) */
	order = malloc(m * sizeof(*order));
	frame = calloc(1, 80);
	if (!order || !frame)
		die("malloc");
	for (uint32_t i = 0; i < m; i++) {
		order[i] = share + i * parts;
		sum += order[i];
	}
	for (uint32_t i = m - 1; i > 0; i--) {
		uint32_t j, tmp;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		j = x % (i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	for (uint32_t k = 0; k < nframes; k++) {
		table_frame(frame, 80, dmac, order, m, k, family, kind);
		if (bpf_map_update_elem(bpf_map__fd(frames), &k, frame, BPF_ANY))
			die("frame table");
	}
	table_frame(frame, 80, dmac, order, m, 0, family, kind);

	/* whole passes over the table in each run (about 2^18 frames), so a
	 * window ends with every connection of conn-* whole */
	repeat = nframes < (1u << 18) ? (1u << 18) / nframes * nframes : nframes;
	t0 = now_ns();
	do {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
			    .repeat = repeat, .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o))
			die("BPF_PROG_RUN (live frames)");
		sent += o.repeat;
		t1 = now_ns();
	} while (t1 - t0 < seconds * 1e9);
	printf("sent %llu ns %llu flows %u sum %llu\n", (unsigned long long)sent, (unsigned long long)(t1 - t0), m,
	       (unsigned long long)sum);
	free(order);
	free(frame);
	bpf_object__close(obj);
	return 0;
}

/* The candidates' index (cand_index, lines of 16 entries) sized for
 * `flows` at half load: the lines, a power of two, and their mask in the
 * object's .rodata (cand_line_mask, its only variable). */
static void size_cand_index(struct bpf_object *obj, uint32_t flows)
{
	struct bpf_map *index = bpf_object__find_map_by_name(obj, "cand_index");
	struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata");
	uint32_t lines = 1, mask;
	size_t ro_size = 0;

	while (lines * 16 < 2 * flows)
		lines <<= 1;
	mask = lines - 1;
	if (!index || !ro || !bpf_map__initial_value(ro, &ro_size) || ro_size != sizeof(mask)) {
		fprintf(stderr, "live: the object has no cand_index, or its .rodata holds more than cand_line_mask\n");
		exit(1);
	}
	if (bpf_map__set_max_entries(index, lines) || bpf_map__set_initial_value(ro, &mask, sizeof(mask)))
		die("sizing the candidates' index");
}

/* Program `want` of obj, loaded alone: the object's other programs are
 * not verified for nothing. */
static struct bpf_program *load_one(struct bpf_object *obj, const char *path, const char *want)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, want), *other;

	if (!p) {
		fprintf(stderr, "live: no program %s in %s\n", want, path);
		exit(1);
	}
	bpf_object__for_each_program(other, obj)
		if (other != p)
			bpf_program__set_autoload(other, false);
	if (bpf_object__load(obj))
		die(path);
	return p;
}

/* Print the id of loaded program p: the run script's handle on it. */
static int print_prog_id(const struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	uint32_t ilen = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &ilen))
		die("prog info");
	printf("%u\n", info.id);
	return 0;
}

static int cmd_attach(char **a)
{
	uint32_t ifindex = if_nametoindex(a[1]);
	struct bpf_object *obj = bpf_object__open_file(a[0], NULL);
	struct bpf_program *p;

	if (!ifindex || !obj)
		die("attach");
	if (a[3])   /* argv ends with NULL */
		size_cand_index(obj, flows_arg(a[3]));
	p = load_one(obj, a[0], a[2]);
	if (bpf_xdp_attach(ifindex, bpf_program__fd(p), XDP_FLAGS_DRV_MODE, NULL))
		die("attaching the receiver");
	return print_prog_id(p);
}

static int cmd_sink(char **a)
{
	uint32_t ifindex = if_nametoindex(a[1]);
	struct bpf_object *obj = bpf_object__open_file(a[0], NULL);
	struct bpf_program *p;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	int err;

	if (!ifindex || !obj)
		die("sink");
	p = load_one(obj, a[0], a[2]);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		errno = -err;
		die("the sink's clsact");
	}
	opts.prog_fd = bpf_program__fd(p);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		errno = -err;
		die("attaching the sink");
	}
	return print_prog_id(p);
}

/* One PROG_TEST_RUN of one frame: the verdict. */
static uint32_t run_frame(int fd, const struct live_tuple *t, uint8_t flags, uint32_t seq, uint32_t ack)
{
	static const uint8_t dmac[6] = { 2, 0, 0, 0, 0, 2 };
	uint8_t b[80];
	size_t len = live_frame(b, live_frame_len(t->family), dmac, t, flags, seq, ack);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b, .data_size_in = len, .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &o))
		die("PROG_TEST_RUN");
	return o.retval;
}

static int cmd_handshake(char **a)
{
	int fd = bpf_prog_get_fd_by_id(strtoul(a[0], NULL, 0)), family = family_arg(a[1]);
	uint32_t n = flows_arg(a[2]), bad = 0;

	if (fd < 0)
		die("program id");
	for (uint32_t i = 0; i < n; i++)
		for (enum live_segment seg = LIVE_SEG_SYN; seg <= LIVE_SEG_ACK; seg++) {
			struct live_tuple t;
			uint32_t seq, ack;
			uint8_t flags;

			live_conn_segment(i, family, seg, &t, &flags, &seq, &ack);
			bad += run_frame(fd, &t, flags, seq, ack) != XDP_PASS;
		}
	if (bad) {
		fprintf(stderr, "live: %u handshake segments not passed\n", bad);
		return 1;
	}
	return 0;
}

static int cmd_ct(char **a)
{
	int family = family_arg(a[0]);
	uint32_t n = flows_arg(a[1]);
	int err = live_ct_insert(family, n);

	if (err) {
		errno = -err;
		die("conntrack entries");
	}
	return 0;
}

/* xdp-filter's maps: per-CPU u64 flags; in deny mode an entry is a match
 * that passes. */
static int cmd_xdp_filter(char **a)
{
	char path[256];
	int family = family_arg(a[1]), fd, ncpu = libbpf_num_possible_cpus();
	uint32_t nfill = strtoul(a[2], NULL, 0);
	uint64_t *vals = calloc(ncpu, sizeof(uint64_t));
	const uint64_t src = 1;

	snprintf(path, sizeof(path), "%s/filter_ipv%d", a[0], family);
	fd = bpf_obj_get(path);
	if (fd < 0 || !vals)
		die(path);
	{
		struct bpf_map_info mi = {};
		uint32_t ml = sizeof(mi);

		/* xdp-filter's tables hold at most max_entries addresses */
		if (bpf_obj_get_info_by_fd(fd, &mi, &ml))
			die("xdp-filter map info");
		if (nfill > mi.max_entries - LIVE_HOSTS) {
			nfill = mi.max_entries - LIVE_HOSTS;
			fprintf(stderr, "live: xdp-filter's %s holds %u addresses: %u fillers\n", path,
				mi.max_entries, nfill);
		}
	}
	for (int c = 0; c < ncpu; c++)
		vals[c] = src;
	for (uint32_t h = 0; h < LIVE_HOSTS; h++) {
		struct live_tuple t;

		live_flow(h, family, LIVE_ESTABLISHED, &t);
		if (bpf_map_update_elem(fd, t.src, vals, BPF_ANY))
			die("xdp-filter entry");
	}
	for (uint32_t i = 0; i < nfill; i++) {
		uint8_t addr[16] = {};

		if (family == 4) {
			uint32_t v = htonl(0x0a000000u | i << 4 | 1);   /* as the policy's filler /28s */

			memcpy(addr, &v, 4);
		} else {
			addr[0] = 0x20;
			addr[1] = 0x01;
			addr[2] = 0x0d;
			addr[3] = 0xb8;
			addr[4] = 0x80 | (i >> 24);
			addr[5] = i >> 16;
			addr[6] = i >> 8;
			addr[7] = i;
			addr[15] = 1;
		}
		if (bpf_map_update_elem(fd, addr, vals, BPF_ANY))
			die("xdp-filter filler");
	}
	free(vals);
	return 0;
}

static int cmd_prog_stats(char **a)
{
	int fd = bpf_prog_get_fd_by_id(strtoul(a[0], NULL, 0));
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		die("program info");
	printf("run_cnt %llu run_time_ns %llu\n", (unsigned long long)info.run_cnt,
	       (unsigned long long)info.run_time_ns);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs, optional;   /* arguments, of which the last `optional` may be left out */
		int (*fn)(char **a);
	} cmds[] = {
		{ "gen", 8, 1, cmd_gen },
		{ "attach", 4, 1, cmd_attach },
		{ "sink", 3, 0, cmd_sink },
		{ "handshake", 3, 0, cmd_handshake },
		{ "ct", 2, 0, cmd_ct },
		{ "xdp-filter", 3, 0, cmd_xdp_filter },
		{ "prog-stats", 1, 0, cmd_prog_stats },
	};

	for (size_t i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			if (argc - 2 > cmds[i].nargs || argc - 2 < cmds[i].nargs - cmds[i].optional) {
				fprintf(stderr, "live %s: %d arguments", cmds[i].name, cmds[i].nargs);
				if (cmds[i].optional)
					fprintf(stderr, ", the last %d optional", cmds[i].optional);
				fputc('\n', stderr);
				return 2;
			}
			return cmds[i].fn(argv + 2);
		}
	fprintf(stderr, "usage: see selftests/bench/live/live.c\n");
	return 2;
}
