/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * benchlib.h - what the benchmarks share: test frames, one timed
 * PROG_TEST_RUN, the bench policy (clients made of N /28 prefixes, one
 * server, one other host) and the 1M established flows.
 */
#ifndef TS_BENCHLIB_H
#define TS_BENCHLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "dp/dp.h"

#define NFLOWS (1u << 20)

/* TCP flags by their short names, the ABI header's values. */
enum { FIN = TS_TCP_FIN, SYN = TS_TCP_SYN, RST = TS_TCP_RST, PSH = TS_TCP_PSH, ACK = TS_TCP_ACK };

extern const char *const server4, *const server6, *const other4;

/* Repetitions per PROG_TEST_RUN: TS_BENCH_REPEAT, else 2000000. */
extern unsigned bench_repeat;
void bench_repeat_from_env(void);
/* Kernel BPF stats off for the run (kernel.bpf_stats_enabled), put back
 * at exit: with them on, every program run reads the clock twice (40-45
 * ns on this KVM host), which PROG_TEST_RUN's time would count as the
 * program's. Says so when it turned them off; 0 or -errno. */
int bench_stats_off(void);

struct bench_frame {
	uint8_t b[128];
	uint32_t len;
};

/* Ethernet + IPv4/IPv6 (by the address) + TCP (20 bytes). */
void bench_frame(struct bench_frame *f, const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, uint8_t flags);
/* Ethernet + IPv4/IPv6 + UDP with 14 bytes of payload (an IPv4 frame as
 * long as a TCP one: 56 bytes, the walk's length). */
void bench_udp_frame(struct bench_frame *f, const char *src, uint16_t sport, const char *dst,
		     uint16_t dport);
/* One run of bench_repeat repetitions: ns per packet (exits on failure). */
double bench_run_once(int prog_fd, const struct bench_frame *f, uint32_t *retval);

/* The scenarios that repeat one frame: `frame` is built by bench_case_frame. */
struct bench_case {
	const char *name;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t verdict;      /* XDP_PASS or XDP_DROP */
	bool udp;              /* a UDP datagram (flags unused), else a TCP segment */
};
/* a segment of an established flow: v4 (one of the 1M), v6 (its source
 * port and server are those of bench_v6_flows' flows) */
extern const struct bench_case bench_established[2];
/* refused SYN (to a component no rule leads to; to one some rule leads
 * to, with the pair's filter bit set and with it shared; from an address
 * in no component; to one), non-SYN without flow, out of scope, refused
 * first UDP datagram (as the first refused SYN) */
#define BENCH_STATELESS 8
#define BENCH_FILLERS 16   /* components no rule names, for the shared bit */
extern const struct bench_case bench_stateless[BENCH_STATELESS];
void bench_case_frame(struct bench_frame *f, const struct bench_case *c);

/* The established lines' working set: BENCH_WALK_FLOWS flows visited in
 * random order, one frame each in bench_walk (bpf/bench_baseline.bpf.c),
 * which bench_flow_walk writes over the frame before each repetition and
 * then tail-calls the program under test (struct bench_mover). IPv4: flows
 * of the 1M; IPv6: flows bench_v6_flows opens by real handshakes. *f gets
 * a frame of the family's padded length, for data_in. BENCH_WALK_UDP4:
 * IPv4 UDP datagrams of the same clients and ports, flows that
 * bench_fill_flows puts in the table beside their TCP twins. */
#define BENCH_WALK_FLOWS 8192u
#define BENCH_WALK_UDP4 17
int bench_walk_fill(int walk_map_fd, int family, struct bench_frame *f);
void bench_v6_flows(int prog_fd);

/* Compile the bench policy with `nprefixes` client prefixes and install it. */
int bench_install(struct ts_dp *dp, uint32_t nprefixes);
/* Flow `id` of the 1M, as the dataplane makes them (the client is "lo"). */
void bench_flow(uint32_t id, uint64_t now, struct ts_flow_key *k, struct ts_flow_val *v);
/* The 1M flows into ts_flows through the product's own insert, and a
 * replied UDP twin of each the established walk visits. */
int bench_fill_flows(struct ts_dp *dp);

/* The allowed SYN: a fresh connection per repetition. bench_moving_syn
 * (bpf/bench_baseline.bpf.c) bumps the source port in place and
 * tail-calls the program under test through bench_next. */
#define SYN_BATCH 50000u    /* below the half-open capacity: no eviction */
#define SYN_FIRST_PORT 2048 /* clients' ports in the 1M flows are 1024-1039 */
struct bench_mover {
	int mover_fd;   /* bench_moving_syn */
	int jump_fd;    /* bench_next */
};
/* One run of `n` fresh SYNs from frame f through target_fd (after
 * `reset(ctx)`, if given): ns per packet (exits on failure). */
double bench_run_moving(const struct bench_mover *m, int target_fd, const struct bench_frame *f,
			uint32_t n, void (*reset)(void *ctx), void *ctx, uint32_t *retval);
/* Empty ts_halfopen of a struct ts_dp (a GC two minutes ahead: half-open
 * entries expire after 60 s, established flows after hours). */
void bench_clear_halfopen(void *dp);

#endif /* TS_BENCHLIB_H */
