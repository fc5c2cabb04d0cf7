// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* benchlib.c - what the benchmarks share (benchlib.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "benchlib.h"
#include "policy/compiled.h"
#include "policy/policy.h"

unsigned bench_repeat = 2000000;

void bench_repeat_from_env(void)
{
	if (getenv("TS_BENCH_REPEAT"))
		bench_repeat = strtoul(getenv("TS_BENCH_REPEAT"), NULL, 0);
}

#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

static int stats_write(const char *v)
{
	FILE *f = fopen(STATS_SYSCTL, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(v, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static void stats_back_on(void)
{
	stats_write("1");
}

/* Interrupted: the sysctl as it was, then the signal's own end. */
static void stats_back_on_signal(int sig)
{
	int fd = open(STATS_SYSCTL, O_WRONLY);

	if (fd >= 0) {   /* write(2) only: async-signal-safe */
		if (write(fd, "1", 1) < 0) {
			/* nothing more can be done here */
		}
		close(fd);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int bench_stats_off(void)
{
	FILE *f = fopen(STATS_SYSCTL, "r");
	int on = 0, err;

	if (!f) {
		err = -errno;
		fprintf(stderr, "bench: cannot read %s: %s\n", STATS_SYSCTL, strerror(-err));
		return err;
	}
	if (fscanf(f, "%d", &on) != 1)
		on = 0;
	fclose(f);
	if (!on)
		return 0;
	err = stats_write("0");
	if (err) {
		fprintf(stderr, "bench: cannot turn kernel BPF stats off: %s\n", strerror(-err));
		return err;
	}
	atexit(stats_back_on);
	signal(SIGINT, stats_back_on_signal);
	signal(SIGTERM, stats_back_on_signal);
	signal(SIGHUP, stats_back_on_signal);
	printf("# kernel.bpf_stats_enabled was 1: 0 for this run (each program run would read the clock "
	       "twice), 1 again at exit\n");
	return 0;
}

/* Ethernet + IPv4/IPv6 + TCP (20 bytes), as every scenario uses. */
void bench_frame(struct bench_frame *f, const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, uint8_t flags)
{
	bool v6 = strchr(src, ':') != NULL;
	uint8_t *b = f->b, *l4;

	memset(f, 0, sizeof(*f));
	memcpy(b, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	if (!v6) {
		b[12] = 0x08;
		b[14] = 0x45;
		b[17] = 40;
		b[22] = 64;
		b[23] = 6;
		inet_pton(AF_INET, src, b + 26);
		inet_pton(AF_INET, dst, b + 30);
		l4 = b + 34;
	} else {
		b[12] = 0x86;
		b[13] = 0xdd;
		b[14] = 0x60;
		b[19] = 20;
		b[20] = 6;
		b[21] = 64;
		inet_pton(AF_INET6, src, b + 22);
		inet_pton(AF_INET6, dst, b + 38);
		l4 = b + 54;
	}
	l4[0] = sport >> 8;
	l4[1] = sport & 0xff;
	l4[2] = dport >> 8;
	l4[3] = dport & 0xff;
	l4[7] = !(flags & SYN);   /* seq: 0 on a SYN, then ISN + 1 */
	l4[12] = 5 << 4;
	l4[13] = flags;
	f->len = l4 + 20 - b;
}

void bench_udp_frame(struct bench_frame *f, const char *src, uint16_t sport, const char *dst,
		     uint16_t dport)
{
	bool v6 = strchr(src, ':') != NULL;
	uint8_t *l4;

	bench_frame(f, src, sport, dst, dport, 0);
	l4 = f->b + (v6 ? 54 : 34);
	f->b[v6 ? 20 : 23] = IPPROTO_UDP;
	if (v6)
		f->b[19] = 8 + 14;   /* payload length */
	else
		f->b[17] = 20 + 8 + 14;
	memset(l4 + 4, 0, 16);
	l4[5] = 8 + 14;          /* UDP length */
	f->len = (uint32_t)(l4 + 8 + 14 - f->b);
}

/* One run of `repeat` repetitions: ns per packet. */
double bench_run_once(int prog_fd, const struct bench_frame *f, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len, .repeat = bench_repeat);

	if (bpf_prog_test_run_opts(prog_fd, &o)) {
		fprintf(stderr, "bench: PROG_TEST_RUN failed: %s\n", strerror(errno));
		exit(1);
	}
	*retval = o.retval;
	return o.duration;
}

#define SERVER4 "172.16.0.1"
#define SERVER6 "2001:db8:2::1"
#define OTHER4 "172.16.0.2"

const char *const server4 = SERVER4, *const server6 = SERVER6, *const other4 = OTHER4;

static char *policy_text(uint32_t nprefixes)
{
	size_t cap = 64 + (size_t)nprefixes * 24 + 512 + BENCH_FILLERS * 48, len = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	len += snprintf(t + len, cap - len,
			"settings {\n scope tcp/443 udp/443\n outside-scope pass\n table prefixes %u\n"
			" table flows %u\n}\ncomponent clients {\n 2001:db8:1::/48\n",
			2 * nprefixes + 2048, NFLOWS + 65536);
	for (uint32_t i = 0; i < nprefixes; i++)
		len += snprintf(t + len, cap - len, " 10.%u.%u.%u/28\n", (i >> 12) & 255, (i >> 4) & 255,
				(i & 15) << 4);
	len += snprintf(t + len, cap - len,
			"}\ncomponent server { %s %s }\ncomponent other { %s }\n"
			"rule \"bench\": clients -> server tcp/443 udp/443\n", server4, server6, other4);
	/* sets no rule names: one of them shares the clients' filter bit */
	for (uint32_t i = 1; i <= BENCH_FILLERS; i++)
		len += snprintf(t + len, cap - len, "component filler%u { 172.16.2.%u }\n", i, i);
	return t;
}

/* The filler whose (set, tcp/443) filter bit is the clients': the
 * server's entries have that bit clear (a rule from clients leads there),
 * so a SYN from it to the server pays the rule lookup. */
static char collider4[INET_ADDRSTRLEN];

static uint32_t set_of4(const struct ts_compiled *c, const char *addr)
{
	struct ts_net n = { .family = TS_FAMILY_V4, .plen = 32 };

	inet_pton(AF_INET, addr, n.addr);
	return ts_compiled_static_set(c, &n);
}

static int find_collider(const struct ts_compiled *c)
{
	uint32_t cls = c->port_class[443], want = ts_inbound_bit(set_of4(c, "10.0.0.3"), cls);

	/* "dst has rules" measures a pair the filter rules out */
	if (ts_inbound_bit(set_of4(c, OTHER4), cls) == want) {
		fprintf(stderr, "bench: other's filter bit is the clients'\n");
		return -EINVAL;
	}

	for (uint32_t i = 1; i <= BENCH_FILLERS; i++) {
		char a[INET_ADDRSTRLEN];

		snprintf(a, sizeof(a), "172.16.2.%u", i);
		if (ts_inbound_bit(set_of4(c, a), cls) == want) {
			memcpy(collider4, a, sizeof(a));
			return 0;
		}
	}
	fprintf(stderr, "bench: no filler shares the clients' filter bit\n");
	return -ENOENT;
}

int bench_install(struct ts_dp *dp, uint32_t nprefixes)
{
	struct ts_diags d = {};
	struct ts_compiled *c = NULL;
	char *text = policy_text(nprefixes);
	int err;

	if (!text)
		return -ENOMEM;
	err = ts_policy_build("bench.policy", text, strlen(text), &ts_policy_file_reader, &d, &c);
	free(text);
	if (err) {
		ts_diags_print(stderr, &d);
	} else {
		struct ts_registry *r = NULL;

		err = find_collider(c);
		if (!err)
			err = ts_registry_new(c, &r);
		else
			ts_compiled_free(c);
		if (!err)
			err = ts_dp_install(dp, r, NULL);
		ts_registry_free(r);
	}
	ts_diags_free(&d);
	return err;
}

/* Flow i of the 1M established flows between the clients and the server,
 * as the dataplane would have made it (the key's lo side compares lower). */
void bench_flow(uint32_t id, uint64_t now, struct ts_flow_key *k, struct ts_flow_val *v)
{
	uint32_t client = htonl(0x0a000000u | (id >> 4));

	memset(k, 0, sizeof(*k));
	memcpy(k->lo_addr, &client, 4);        /* 10.x < 172.16 */
	inet_pton(AF_INET, server4, k->hi_addr);
	k->lo_port = htons(1024 + (id & 15));
	k->hi_port = htons(443);
	k->family = TS_FAMILY_V4;
	k->proto = 6;
	*v = (struct ts_flow_val){ .created_ns = now, .last_seen_ns = now, .rule_id = 1,
				   .state = TS_TCP_ESTABLISHED };
}

static uint32_t walk_flow(uint32_t k, uint32_t n);

/* turnstile's table, through the product's own insert. Each flow the
 * established walk visits gets a replied UDP twin (same addresses and
 * ports) inserted right after it, so both find the table equally full. */
int bench_fill_flows(struct ts_dp *dp)
{
	static uint8_t walked[NFLOWS / 8];
	uint64_t now = ts_dp_now_ns();

	for (uint32_t k = 0; k < BENCH_WALK_FLOWS; k++)
		walked[walk_flow(k, NFLOWS) / 8] |= 1u << (walk_flow(k, NFLOWS) % 8);
	for (uint32_t id = 0; id < NFLOWS; id++) {
		bool udp = walked[id / 8] >> (id % 8) & 1;

		for (int twin = 0; twin <= udp; twin++) {
			struct ts_flow_key k;
			struct ts_flow_val v;
			int err;

			bench_flow(id, now, &k, &v);
			if (twin) {
				k.proto = IPPROTO_UDP;
				v.state = TS_DGRAM_REPLIED;
			}
			err = ts_dp_flow_insert(dp, false, &k, &v);
			if (err) {
				fprintf(stderr, "bench: flow %u not inserted: %s\n", id, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

/* flow id 0x1234 of the 1M: 10.0.1.35:1028 <-> server:443 */
const struct bench_case bench_established[2] = {
	{ "established v4", "10.0.1.35", SERVER4, 1028, 443, PSH | ACK, XDP_PASS, false },
	{ "established v6", "2001:db8:1::5", SERVER6, 5000, 443, PSH | ACK, XDP_PASS, false },
};

const struct bench_case bench_stateless[BENCH_STATELESS] = {
	/* from a client to a component no rule leads to (every filter bit:
	 * no rule lookup) */
	{ "refused SYN", "10.0.0.3", OTHER4, 7777, 443, SYN, XDP_DROP, false },
	/* to a component a rule leads to, from one it does not come from
	 * (the pair's filter bit is set: no rule lookup) */
	{ "refused SYN, dst has rules", OTHER4, SERVER4, 7777, 443, SYN, XDP_DROP, false },
	/* the same, from a set whose filter bit is the clients' (clear):
	 * the rule lookup is made and misses (bench_install finds it) */
	{ "refused SYN, bit shared", collider4, SERVER4, 7777, 443, SYN, XDP_DROP, false },
	/* the flood: from a source in no component to the server (decided
	 * without the destination's lookup) */
	{ "refused SYN, unlisted src", "203.0.113.7", SERVER4, 7777, 443, SYN, XDP_DROP, false },
	/* from a client to an address in no component: both looked up */
	{ "refused SYN, unknown dst", "10.0.0.3", "198.18.0.1", 7777, 443, SYN, XDP_DROP, false },
	{ "non-SYN without flow", "10.0.0.3", SERVER4, 7777, 443, ACK, XDP_DROP, false },
	{ "out of scope (tcp/80)", "10.0.0.3", SERVER4, 7777, 80, SYN, XDP_PASS, false },
	/* as the first refused SYN: to a component no rule leads to */
	{ "refused UDP (first)", "10.0.0.3", OTHER4, 7777, 443, 0, XDP_DROP, true },
};

void bench_case_frame(struct bench_frame *f, const struct bench_case *c)
{
	if (c->udp)
		bench_udp_frame(f, c->src, c->sport, c->dst, c->dport);
	else
		bench_frame(f, c->src, c->sport, c->dst, c->dport, c->flags);
}

/* One repetition of f through prog_fd (handshake segments). */
static void bench_run_single(int prog_fd, const struct bench_frame *f, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len, .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &o)) {
		fprintf(stderr, "bench: PROG_TEST_RUN failed: %s\n", strerror(errno));
		exit(1);
	}
	*retval = o.retval;
}

/* Walk index k -> flow: an odd multiplier is a permutation of 2^n. */
static uint32_t walk_flow(uint32_t k, uint32_t n)
{
	return (k * 2654435761u) & (n - 1);
}

static void v6_walk_client(uint32_t i, char *a, size_t len)
{
	snprintf(a, len, "2001:db8:1::1:%x", i);
}

void bench_v6_flows(int prog_fd)
{
	const struct bench_case *c = &bench_established[1];
	struct bench_frame f;
	char a[INET6_ADDRSTRLEN];
	uint32_t rv, bad = 0;

	for (uint32_t i = 0; i < BENCH_WALK_FLOWS; i++) {
		v6_walk_client(i, a, sizeof(a));
		bench_frame(&f, a, c->sport, c->dst, c->dport, SYN);
		bench_run_single(prog_fd, &f, &rv);
		bad += rv != XDP_PASS;
		bench_frame(&f, c->dst, c->dport, a, c->sport, SYN | ACK);
		bench_run_single(prog_fd, &f, &rv);
		bad += rv != XDP_PASS;
		bench_frame(&f, a, c->sport, c->dst, c->dport, ACK);
		bench_run_single(prog_fd, &f, &rv);
		bad += rv != XDP_PASS;
	}
	if (bad) {
		fprintf(stderr, "bench: %u IPv6 handshake segments not passed\n", bad);
		exit(1);
	}
}

int bench_walk_fill(int walk_map_fd, int family, struct bench_frame *f)
{
	for (uint32_t k = 0; k < BENCH_WALK_FLOWS; k++) {
		uint8_t w[80] = {};

		if (family == 4 || family == BENCH_WALK_UDP4) {
			uint32_t id = walk_flow(k, NFLOWS), client = htonl(0x0a000000u | (id >> 4));
			char a[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &client, a, sizeof(a));   /* as bench_flow makes flow id */
			if (family == 4)
				bench_frame(f, a, 1024 + (id & 15), server4, 443, PSH | ACK);
			else
				bench_udp_frame(f, a, 1024 + (id & 15), server4, 443);
		} else {
			char a[INET6_ADDRSTRLEN];

			v6_walk_client(walk_flow(k, BENCH_WALK_FLOWS), a, sizeof(a));
			bench_frame(f, a, bench_established[1].sport, server6, 443, PSH | ACK);
		}
		memcpy(w, f->b, f->len);
		if (bpf_map_update_elem(walk_map_fd, &k, w, BPF_ANY))
			return -errno;
	}
	f->len = family == 6 ? 80 : 56;   /* whole words: bench_flow_walk copies 8 bytes at a time */
	return 0;
}

double bench_run_moving(const struct bench_mover *m, int target_fd, const struct bench_frame *f,
			uint32_t n, void (*reset)(void *ctx), void *ctx, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len, .repeat = n);
	uint32_t zero = 0;

	if (bpf_map_update_elem(m->jump_fd, &zero, &target_fd, BPF_ANY)) {
		fprintf(stderr, "bench: cannot set the tail call: %s\n", strerror(errno));
		exit(1);
	}
	if (reset)
		reset(ctx);
	if (bpf_prog_test_run_opts(m->mover_fd, &o)) {
		fprintf(stderr, "bench: PROG_TEST_RUN failed: %s\n", strerror(errno));
		exit(1);
	}
	*retval = o.retval;
	return o.duration;
}

void bench_clear_halfopen(void *dp)
{
	ts_dp_gc(dp, ts_dp_now_ns() + 120 * 1000000000ull, NULL);
}
