// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_concurrency - the exact-match tables under contention: the real
 * programs on two CPUs at once while userspace writes too.
 *
 * Two worker threads, each pinned to its own CPU, run frames through
 * ts_xdp and ts_tc_egress (BPF_PROG_TEST_RUN runs a program on the
 * caller's CPU) over small, shared key sets (one client, one server, a
 * few dozen ports: the same buckets, the same slots):
 *   - steady: connections opened before the workers start; both send
 *     data on them both ways on both hooks. Every frame must pass (a
 *     drop is an established flow lost or not found).
 *   - handshake: each worker opens its own half of these connections
 *     (SYN, SYN-ACK, ACK, data) while the other sends retransmitted SYNs
 *     and SYN-ACKs of the same connections (the same ISN). The owner's
 *     every frame must pass (an insert that lost its compare-and-swap to
 *     the other CPU fails closed, as TCP's retransmission would, so a
 *     dropped frame is sent again, up to 3 times; counted).
 *   - churn: both workers send anything (SYNs of three ISNs, SYN-ACKs,
 *     ACKs, data, FINs, RSTs, either side, either hook): inserts, removals
 *     on RST and on a new attempt, closing flows superseded, expired
 *     entries reused (closing timeout 1 s). Nothing is asserted per frame.
 * Meanwhile GC runs in a loop, and a control thread writes the policy
 * tables: names resolved into a component and deleted again (ts_hosts,
 * ts_rules), a new policy installed now and then (every table of both
 * slots), and an adopting open of the pinned maps (ts_table_scrub of the
 * policy tables) after every second of writes, all in one thread as the pin-dir
 * lock serialises them in the product.
 *
 * Checked all the time (a checker thread reading the mapped tables back
 * to back; a finding counts only when the slots' state words read again
 * are unchanged, i.e. it held at one instant): a live slot's state
 * carries its key's hash, its tag byte is its key's, and no key is live
 * in two slots. Checked with every thread parked, every 250 ms and at the
 * end: no slot left claimed, each tags word exactly the bytes of its live
 * slots, ts_table_fill exactly the live slots, every live key found (by
 * the userspace find) at its own slot, every steady connection in the
 * flow tables as established, every handshake a worker completed in the
 * flow tables, every one still in flight in ts_halfopen, every name the
 * control thread resolved found and every one it deleted gone. Then the
 * handshake connections are removed, to be opened again.
 *
 * No key may stay live in two slots (ts_table.h, invariant 6). Two CPUs
 * inserting one key at once both miss it and both publish (the second
 * one's tag OR sees one entry of the tag; TS_TAG_DUPS allows two); each
 * then settles and the lower copy stays. The checker counts the copies
 * it meets live at one instant and fails when both are still there 2 ms
 * later, or at a pause. Without the settle (2026-12-02) 19-37 keys stayed
 * live twice in each 20 s run, in ts_flows (two CPUs completing one
 * handshake) and ts_halfopen (two SYNs of one connection).
 *
 * The established flows' two tables (turnstile.h) are one set of entries
 * here too: with a capacity of 256 flows the small table has 4 buckets
 * (32 slots), so the steady, handshake and churn connections fill it and
 * go on into ts_flows (the run fails if ts_flows held no flow at any
 * pause). The checker scans both as one (a key live in both is live
 * twice), a find at a pause starts at the small table, and each table's
 * count must be its live slots.
 *
 * TS_STRESS_SECONDS: how long (default 20: two thirds with room in the
 * tables, one third full; `make soak` runs it longer). Needs root, 2 CPUs.
 *
 * Mutations tried (each made once in include/ts_table.h, the protocol
 * both sides compile, never committed; the default 20 s run, 2026-12-02,
 * on a host shared with other work, load 8-11):
 *   - ts_slot_publish makes the slot LIVE before the tag OR: FAIL ("live,
 *     tag byte 00, its key's 3e") in 3 runs of 4 (the checker must be
 *     reading that slot in the nanoseconds between the two steps; before
 *     the protocol moved to ts_table.h, the same mutation in bpf/flow.h
 *     failed within a second on a quieter host).
 *   - ts_slot_claim takes the slot with a plain store instead of the CAS:
 *     FAIL (ts_table_fill one off the live slots: two writers claimed one
 *     slot), 3 of 3.
 *   - ts_slot_claim leaves a claimed live slot's tag byte (removal and
 *     replacement): FAIL at the first pause (a tags word with the byte of
 *     an empty slot), 3 of 3.
 *   - ts_slot_publish's TS_TAG_DUPS undo without the decrement of the
 *     count for a replaced entry: NOT caught (20 s runs, and 150 s before
 *     the move). With two CPUs, inserters into one bucket pick the same
 *     slot (the home slot, or the first free one) and meet at the claim's
 *     CAS before either ORs its tag; an undo needs tags snapshots that
 *     differ, and for this one a replaced entry besides. test_slots sets
 *     that undo up by hand, and test_table_tsan reaches it with threads
 *     (its replacing writers run the same ts_slot_claim and
 *     ts_slot_publish, picking slots at random): it fails on this
 *     mutation, and on the undo leaving its tag byte.
 *   - no settle (bpf/flow.h ts_flow_settle returning at once, 2026-12-03,
 *     a host busy with a benchmark, load 2-3): NOT caught in 3 runs (0-2
 *     keys met live twice, each gone again within 2 ms: an RST or the
 *     handshake's end removed a copy). Here two CPUs seldom insert one
 *     key at once; test_twins makes them, and fails on it every time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/log.h"
#include "dp/table.h"
#include "dpt.h"
#include "expect.h"
#include "pkt.h"
#include "testlib.h"

#define DIR "/sys/fs/bpf/ts-dp-concurrency"
#define NSTEADY 16
#define NHAND   16     /* worker w owns the odd or the even ones */
#define NCHURN  24
#define NCOLD   96     /* full tables: churn keys, a window of 24 at a time */
#define NNAMES  32
#define EPOCH_MS 250
#define RESENDS 3
#define NTHREADS 4     /* that park: two workers, GC, control */

#define POLICY_HEAD \
	"settings {\n scope tcp/443\n outside-scope pass\n timeout syn 20s\n timeout closing 1s\n}\n" \
	"component clients { 10.1.0.0/16 }\ncomponent server { 10.2.0.1 }\n" \
	"rule \"C\": clients -> server tcp/443\n"
static const char *const policies[2] = {
	POLICY_HEAD "component extra { 10.3.0.0/24 }\nrule \"X\": extra -> server tcp/443\n",
	POLICY_HEAD "component extra { 10.3.0.0/25 10.4.0.0/16 2001:db8:3::/48 }\n"
		    "rule \"X\": extra -> server tcp/443\nrule \"Y\": clients -> extra tcp/443\n",
};

enum kset { STEADY, HAND, CHURN, COLD };
static const char *const kset_client[] = { "10.1.0.1", "10.1.0.2", "10.1.0.3" };
static const uint16_t kset_port0[] = { 1000, 2000, 3000 };
static const char *const server = "10.2.0.1";
static struct pkt_addr server_ip;

/* ---- shared state ---------------------------------------------------------- */

static struct dpt T;                 /* the dataplane; its policy is the control thread's */
static struct ts_dp_table tbl[TS_TBL_COUNT];   /* the tables mapped read-only, for the checks */
static struct ts_table_fill *fill;
static uint64_t *tags_mem;
static size_t tags_len;

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cv = PTHREAD_COND_INITIALIZER;
static int pause_req, parked, stop;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long violations;

struct worker {
	int cpu, id;
	uint64_t rng;
	uint8_t step[NHAND];        /* owned handshakes: 0 SYN next, 1 SYN-ACK, 2 ACK, 3 data, 4 done */
	unsigned long frames, resends;
};
static struct worker workers[2];

static struct {
	bool present[NNAMES];
	unsigned long writes, installs, adopts;
} names;
static unsigned long gc_removed, checker_scans;
/* the full-tables run: small capacities, cold keys, no handshakes */
static bool full;
static unsigned cold_window;   /* which 24 of the NCOLD keys the workers use now */
/* keys seen live in two slots at one instant: between two inserts'
 * publish and settle (ts_table.h, invariant 6), and settled after */
static unsigned long dups;

/* A finding from any thread (testlib is not thread-safe). */
static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&fail_lock);
	if (violations++ < 20)
		TS_CHECK(0, "%s", msg);
	pthread_mutex_unlock(&fail_lock);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_ACQUIRE);
}

/* Between two operations: wait here while the main thread checks. */
static void checkpoint(void)
{
	if (!__atomic_load_n(&pause_req, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&park_lock);
	parked++;
	pthread_cond_broadcast(&park_cv);
	while (pause_req)
		pthread_cond_wait(&park_cv, &park_lock);
	parked--;
	pthread_mutex_unlock(&park_lock);
}

static void park_all(void)
{
	pthread_mutex_lock(&park_lock);
	__atomic_store_n(&pause_req, 1, __ATOMIC_RELEASE);
	while (parked < NTHREADS)
		pthread_cond_wait(&park_cv, &park_lock);
	pthread_mutex_unlock(&park_lock);
}

static void release_all(void)
{
	pthread_mutex_lock(&park_lock);
	__atomic_store_n(&pause_req, 0, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&park_cv);
	pthread_mutex_unlock(&park_lock);
}

/* ---- frames ------------------------------------------------------------------ */

/* Each connection's client address (net order, 10.1.0.0/16) and port. */
static struct conn {
	uint8_t client[4];
	uint16_t port;
} conns[4][NCOLD];

static uint16_t kport(enum kset s, unsigned i)
{
	return conns[s][i].port;
}

/* The direction-free key of connection i of set s (the client's address
 * is the lower one: it is "lo"). */
static void kkey(enum kset s, unsigned i, struct ts_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->lo_addr, conns[s][i].client, 4);
	memcpy(k->hi_addr, server_ip.a, 4);
	k->lo_port = htons(kport(s, i));
	k->hi_port = htons(443);
	k->family = TS_FAMILY_V4;
	k->proto = IPPROTO_TCP;
}

/* A segment of connection i of set s, from the client (fwd) or the server;
 * isn: the connection's ISN (seq and ack follow from it). */
static void frame(struct pkt *p, enum kset s, unsigned i, bool fwd, uint8_t flags, uint32_t isn,
		  size_t payload)
{
	struct pkt_addr c = { .family = TS_FAMILY_V4 }, v = server_ip;
	struct pkt_spec sp = {
		.src = fwd ? c : v, .dst = fwd ? v : c, .sport = fwd ? kport(s, i) : 443,
		.dport = fwd ? 443 : kport(s, i), .tcp_flags = flags, .payload = payload,
	};

	memcpy(c.a, conns[s][i].client, 4);
	sp.src = fwd ? c : v, sp.dst = fwd ? v : c;
	pkt_build(&sp, p);
	if (fwd) {
		pkt_set_tcp_seq(p, flags & SYN ? isn : isn + 1);
	} else {
		pkt_set_tcp_seq(p, 0x77000000);
		pkt_set_tcp_ack(p, isn + 1);
	}
}

static bool run(struct worker *w, enum ts_hook hook, const struct pkt *p)
{
	bool drop = true;
	int err = dpt_run(&T, hook, p, &drop);

	w->frames++;
	if (err)
		violation("cpu %d: PROG_TEST_RUN: %s", w->cpu, strerror(-err));
	return !err && !drop;
}

static enum ts_hook any_hook(struct worker *w)
{
	return rnd(&w->rng) % 3 ? TS_HOOK_XDP : TS_HOOK_TC_EGRESS;
}

#define HAND_ISN 0x11000000u

/* A steady connection's data, either way, either hook: must pass. */
static void act_steady(struct worker *w)
{
	unsigned i = rnd(&w->rng) % NSTEADY;
	bool fwd = rnd(&w->rng) & 1;
	enum ts_hook hook = any_hook(w);
	struct pkt p;

	frame(&p, STEADY, i, fwd, ACK | PSH, HAND_ISN, 20);
	if (!run(w, hook, &p))
		violation("cpu %d: data of steady connection :%u (%s, hook %d) dropped", w->cpu,
			  kport(STEADY, i), fwd ? "client" : "server", hook);
}

/* The next step of one of this worker's handshakes: must pass (sent
 * again up to RESENDS times, as TCP would, when it lost a race). */
static void act_own_handshake(struct worker *w)
{
	static const uint8_t flags[] = { SYN, SYN | ACK, ACK, ACK | PSH };
	unsigned i = 2 * (rnd(&w->rng) % (NHAND / 2)) + w->id;
	uint8_t st = w->step[i];
	enum ts_hook hook = any_hook(w);
	struct pkt p;
	int tries;

	if (st >= 4)
		return;
	frame(&p, HAND, i, st != 1, flags[st], HAND_ISN, st == 3 ? 20 : 0);
	for (tries = 0; tries <= RESENDS && !run(w, hook, &p); tries++)
		w->resends++;
	if (tries > RESENDS) {
		static const char *const what[] = { "SYN", "SYN-ACK", "ACK", "data" };

		violation("cpu %d: %s of handshake :%u dropped %d times (hook %d)", w->cpu, what[st],
			  kport(HAND, i), RESENDS + 1, hook);
		w->step[i] = 4;   /* no more of it */
		return;
	}
	w->step[i] = st + 1;
}

/* A retransmitted SYN or SYN-ACK of the other worker's handshakes. */
static void act_other_handshake(struct worker *w)
{
	unsigned i = 2 * (rnd(&w->rng) % (NHAND / 2)) + !w->id;
	bool syn = rnd(&w->rng) & 1;
	struct pkt p;

	frame(&p, HAND, i, syn, syn ? SYN : SYN | ACK, HAND_ISN, 0);
	run(w, any_hook(w), &p);
}

static void act_churn(struct worker *w)
{
	static const uint8_t mix[] = { SYN, SYN, SYN | ACK, SYN | ACK, ACK, ACK, ACK | PSH, ACK | PSH,
				       FIN | ACK, RST, RST | ACK };
	enum kset set = full ? COLD : CHURN;
	unsigned i = rnd(&w->rng) % NCHURN;
	uint8_t f = mix[rnd(&w->rng) % sizeof(mix)];
	uint32_t isn = 0x20000000u + 0x1000u * (rnd(&w->rng) % 3);
	bool fwd = f == SYN || f == ACK ? true : rnd(&w->rng) & 1;
	struct pkt p;

	if (f == (SYN | ACK))
		fwd = false;
	if (full)
		i = (__atomic_load_n(&cold_window, __ATOMIC_RELAXED) * NCHURN + i) % NCOLD;
	frame(&p, set, i, fwd, f, isn, f & PSH ? 20 : 0);
	run(w, any_hook(w), &p);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(w->cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		violation("cannot pin a worker to CPU %d: %s", w->cpu, strerror(errno));
	while (!stopping()) {
		unsigned a = rnd(&w->rng) % 16;

		checkpoint();
		if (a < 5)
			act_steady(w);
		else if (full)
			act_churn(w);
		else if (a < 9)
			act_own_handshake(w);
		else if (a < 11)
			act_other_handshake(w);
		else
			act_churn(w);
	}
	checkpoint();
	return NULL;
}

/* ---- userspace writers --------------------------------------------------------- */

/* GC's clock runs GC_AHEAD_NS ahead when the tables are not full: the
 * workers keep every churn connection busy, so only that way does GC
 * remove closed ones (closing timeout 1 s) while they still send on them
 * (the half-open and established timeouts are far longer). With full
 * tables the cold keys expire on their own, and GC runs less often, so
 * the datapath's inserts reuse some of them first. */
#define GC_AHEAD_NS 5000000000ull

static void *gc_main(void *arg)
{
	while (!stopping()) {
		struct ts_dp_gc_result r;

		checkpoint();
		if (!ts_dp_gc(T.dp, ts_dp_now_ns() + (full ? 0 : GC_AHEAD_NS), &r))
			gc_removed += r.flows_removed + r.halfopen_removed;
		usleep(full ? 50000 : 500);
	}
	checkpoint();
	return NULL;
}

static struct ts_net name_net(unsigned i)
{
	struct ts_net n = { .family = TS_FAMILY_V4, .plen = 32, .addr = { 10, 5, 0, (uint8_t)(1 + i) } };

	return n;
}

static int adopt(void)
{
	struct ts_dp_open_opts o = { .pin_dir = DIR };
	struct ts_dp *again = NULL;
	int err = ts_dp_open(&again, &o);

	if (!err && !ts_dp_adopted(again))
		err = -EPROTO;
	ts_dp_close(again);
	return err;
}

static void *control_main(void *arg)
{
	uint64_t rng = 0x5eedull;
	struct timespec last, now;
	int cur = 0;

	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!stopping()) {
		unsigned i = rnd(&rng) % NNAMES, op = rnd(&rng) % 100;
		char addr[32];
		int err;

		checkpoint();
		if (op < 60) {
			snprintf(addr, sizeof(addr), "10.5.0.%u", 1 + i);
			err = dpt_resolve(&T, "extra", addr);
			T.nhosts = 0;   /* the reference evaluator's list: not used here */
			if (err)
				violation("resolve %s: %s", addr, strerror(-err));
			else
				names.present[i] = true;
		} else if (op < 98) {
			struct ts_net n = name_net(i);

			err = ts_dp_host_delete(T.dp, &n);
			if (err && err != -ENOENT)
				violation("delete 10.5.0.%u: %s", 1 + i, strerror(-err));
			names.present[i] = false;
		} else {
			cur = !cur;
			err = dpt_install_text(&T, policies[cur]);
			if (err)
				violation("install: %s", strerror(-err));
			memset(names.present, 0, sizeof(names.present));   /* a new policy: no names yet */
			names.installs++;
		}
		names.writes++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - last.tv_sec >= 1) {
			err = adopt();
			if (err)
				violation("adopting open: %s", strerror(-err));
			names.adopts++;
			clock_gettime(CLOCK_MONOTONIC, &last);   /* a second of writes before the next */
		}
		usleep(200);
	}
	checkpoint();
	return NULL;
}

/* ---- checks ------------------------------------------------------------------- */

static uint64_t *slot_at(const struct ts_dp_table *t, uint32_t b, uint32_t j)
{
	return (uint64_t *)(t->mem + (size_t)b * t->bucket_size + (size_t)j * t->slot_size);
}

static uint64_t hash_of(const struct ts_dp_table *t, const uint64_t *key)
{
	return ts_hash((const __u64 *)key, t->key_words, t->seed);
}

static const char *const tbl_name[TS_TBL_COUNT] = { "ts_flows", "ts_halfopen", "ts_hosts",
						    "ts_prefixes", "ts_rules", "ts_flows_small" };

struct live_slot {
	uint64_t *slot, st;
	uint64_t key[5];
};

static int cmp_live(const void *a, const void *b)
{
	return memcmp(((const struct live_slot *)a)->key, ((const struct live_slot *)b)->key,
		      sizeof(((const struct live_slot *)a)->key));
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* A key live in two slots (the port says which set it is of): a
 * violation with every writer parked, or when both copies outlive
 * SETTLE_US (an insert settles its key within microseconds: the
 * programs run without preemption). */
#define SETTLE_US 2000
static void duplicate(enum ts_table ti, const uint64_t *key, const char *when)
{
	const uint8_t *k = (const uint8_t *)key;
	unsigned port = ti <= TS_TBL_HALFOPEN ? ntohs(((const struct ts_flow_key *)key)->lo_port) : 0;

	violation("%s: one key live in two slots %s (port %u; key %02x%02x%02x%02x...)", tbl_name[ti], when,
		  port, k[0], k[1], k[2], k[3]);
}

/* One pass over table t while everything runs: findings only when the
 * slot's state read again is unchanged (one instant's truth). Its live
 * slots go on after the n already in seen. */
static size_t scan_table(enum ts_table ti, struct live_slot *seen, size_t n, size_t cap)
{
	const struct ts_dp_table *t = &tbl[ti];

	for (uint32_t b = 0; b < t->nbuckets; b++) {
		for (uint32_t j = 0; j < TS_BUCKET_SLOTS; j++) {
			uint64_t *s = slot_at(t, b, j), st = load(s), tags, h;
			struct live_slot ls = { .slot = s, .st = st };

			if ((st & TS_SLOT_KIND_MASK) != TS_SLOT_LIVE)
				continue;
			tags = load(&t->tags[b]);
			for (uint32_t w = 0; w < t->key_words; w++)
				ls.key[w] = __atomic_load_n(s + 1 + w, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(s, __ATOMIC_RELAXED) != st)
				continue;   /* rewritten meanwhile */
			h = hash_of(t, ls.key);
			if ((st & TS_SLOT_TAG_MASK) != (h & TS_SLOT_TAG_MASK))
				violation("%s bucket %u slot %u: live state %016llx, its key's hash %016llx",
					  tbl_name[ti], b, j, (unsigned long long)st, (unsigned long long)h);
			if ((uint8_t)(tags >> (8 * j)) != TS_TAG_BYTE(h))
				violation("%s bucket %u slot %u: live, tag byte %02x, its key's %02x", tbl_name[ti],
					  b, j, (uint8_t)(tags >> (8 * j)), TS_TAG_BYTE(h));
			if (n < cap)
				seen[n++] = ls;
		}
	}
	return n;
}

/* One pass over table ti (and the table behind it: the established
 * flows' two are one set of entries), then the keys met live twice. */
static void scan_live(enum ts_table ti, struct live_slot *seen, size_t cap)
{
	size_t n = scan_table(ti, seen, 0, cap);

	if (tbl[ti].behind)
		n = scan_table(TS_TBL_FLOWS, seen, n, cap);
	qsort(seen, n, sizeof(*seen), cmp_live);
	for (size_t i = 1; i < n; i++) {
		if (memcmp(seen[i - 1].key, seen[i].key, sizeof(seen[i].key)))
			continue;
		/* both unchanged since their first read: live at once; and
		 * still, after the settle had time (a state word that reads
		 * the same again is the same entry: ts_table.h, invariant 2) */
		if (load(seen[i - 1].slot) != seen[i - 1].st || load(seen[i].slot) != seen[i].st)
			continue;
		__atomic_fetch_add(&dups, 1, __ATOMIC_RELAXED);
		usleep(SETTLE_US);
		if (load(seen[i - 1].slot) == seen[i - 1].st && load(seen[i].slot) == seen[i].st)
			duplicate(ti, seen[i].key, "for 2 ms: not settled");
	}
}

static void *checker_main(void *arg)
{
	size_t cap = 0;
	struct live_slot *seen;

	for (int t = 0; t < TS_TBL_COUNT; t++)
		cap += tbl[t].nbuckets * TS_BUCKET_SLOTS;
	seen = calloc(cap, sizeof(*seen));
	/* back to back over the flow tables, where both CPUs write (a slot
	 * caught between two steps of an insert is seen only by a scan that
	 * is running at that instant); the policy tables one time in 16 */
	while (seen && !stopping()) {
		scan_live(TS_TBL_FLOWS_SMALL, seen, cap);   /* and ts_flows behind it */
		scan_live(TS_TBL_HALFOPEN, seen, cap);
		for (int t = TS_TBL_HOSTS; checker_scans % 16 == 0 && t <= TS_TBL_RULES; t++)
			scan_live(t, seen, cap);
		checker_scans++;
	}
	free(seen);
	return NULL;
}

/* With every writer parked: the table is exactly whole. A key is found
 * from the table a find starts at (for ts_flows, the small table ahead of
 * it), so a key live in both flow tables is live twice. */
static void check_table_whole(enum ts_table ti)
{
	const struct ts_dp_table *t = &tbl[ti], *from = t->ahead ? t->ahead : t;
	uint64_t nlive = 0;

	for (uint32_t b = 0; b < t->nbuckets; b++) {
		uint64_t want = 0;

		for (uint32_t j = 0; j < TS_BUCKET_SLOTS; j++) {
			uint64_t *s = slot_at(t, b, j), st = load(s), h;

			if ((st & TS_SLOT_KIND_MASK) == TS_SLOT_BUSY)
				violation("%s bucket %u slot %u left claimed", tbl_name[ti], b, j);
			if ((st & TS_SLOT_KIND_MASK) != TS_SLOT_LIVE)
				continue;
			nlive++;
			h = hash_of(t, s + 1);
			want |= (uint64_t)TS_TAG_BYTE(h) << (8 * j);
			if (!ts_table_find(from, s + 1))
				violation("%s bucket %u slot %u: its key is found nowhere", tbl_name[ti], b, j);
			else if (ts_table_find(from, s + 1) != s)
				duplicate(ti, s + 1, "with every writer parked");
		}
		if (load(&t->tags[b]) != want)
			violation("%s bucket %u: tags %016llx, its live slots' bytes %016llx", tbl_name[ti], b,
				  (unsigned long long)load(&t->tags[b]), (unsigned long long)want);
	}
	if (__atomic_load_n(&fill->live[ti], __ATOMIC_RELAXED) != nlive)
		violation("%s: ts_table_fill says %llu live, %llu slots are", tbl_name[ti],
			  (unsigned long long)fill->live[ti], (unsigned long long)nlive);
}

static struct ts_flow_val *flow_of(enum kset s, unsigned i, bool half)
{
	struct ts_flow_key k;

	kkey(s, i, &k);
	return ts_dp_flow_find(T.dp, half, &k);
}

static bool hand_range(const struct ts_dp_flow *f, void *ctx)
{
	uint16_t p = ntohs(f->key.lo_port);

	return !memcmp(f->key.lo_addr, conns[HAND][0].client, 4) && p >= kport(HAND, 0) &&
	       p < kport(HAND, NHAND);
}

static unsigned long epochs_done;
static bool behind_used;   /* ts_flows held a flow at some pause */

/* Every thread parked: the whole truth, then the handshakes start over
 * (with full tables: the next window of cold keys, every other time). */
static void check_quiet(void)
{
	struct ts_config cfg;
	uint32_t removed;

	for (int t = 0; t < TS_TBL_COUNT; t++)
		check_table_whole(t);
	behind_used |= __atomic_load_n(&fill->live[TS_TBL_FLOWS], __ATOMIC_RELAXED) > 0;
	for (unsigned i = 0; i < NSTEADY; i++) {
		struct ts_flow_val *v = flow_of(STEADY, i, false);

		if (!v || v->state != TS_TCP_ESTABLISHED)
			violation("steady connection :%u %s", kport(STEADY, i),
				  v ? "is no longer established" : "is gone from the flow tables");
	}
	for (int w = 0; w < 2; w++) {
		for (unsigned i = w; i < NHAND; i += 2) {
			uint8_t st = workers[w].step[i];

			if (st >= 3 && !flow_of(HAND, i, false))
				violation("handshake :%u completed by cpu %d is not in the flow tables", kport(HAND, i),
					  workers[w].cpu);
			if ((st == 1 || st == 2) && !flow_of(HAND, i, true))
				violation("handshake :%u in flight on cpu %d lost its half-open entry",
					  kport(HAND, i), workers[w].cpu);
		}
	}
	if (!ts_dp_config_read(T.dp, &cfg)) {
		for (unsigned i = 0; i < NNAMES; i++) {
			struct ts_net n = name_net(i);
			struct ts_addr_val v;
			uint32_t plen;
			bool exact = false;
			int err = ts_dp_addr_find(T.dp, cfg.active_slot, &n, &v, &plen, &exact);

			if (names.present[i] && (err || !exact))
				violation("name 10.5.0.%u resolved but not found", 1 + i);
			if (!names.present[i] && !err && exact)
				violation("name 10.5.0.%u deleted but still found", 1 + i);
		}
	}
	if (full)
		cold_window = (cold_window + (epochs_done++ % 2)) % (NCOLD / NCHURN);
	/* the handshakes start over */
	ts_dp_flows_remove(T.dp, hand_range, NULL, &removed);
	memset(workers[0].step, 0, sizeof(workers[0].step));
	memset(workers[1].step, 0, sizeof(workers[1].step));
}

/*
 * The connections. The cold ones (full tables) are crowded on purpose,
 * from the table's own seed: both buckets of every one are among the
 * first 4 and its tag byte is one of two, so inserts of different keys
 * meet on the same tags words and find the tag taken twice (the undo
 * paths).
 */
static void make_conns(const struct ts_config *cfg)
{
	int tag0 = -1;
	unsigned n = 0;

	server_ip = pkt_ip(server);
	for (int s = STEADY; s <= CHURN; s++) {
		struct pkt_addr c = pkt_ip(kset_client[s]);

		for (unsigned i = 0; i < NCOLD; i++) {
			memcpy(conns[s][i].client, c.a, 4);
			conns[s][i].port = kset_port0[s] + i;
		}
	}
	for (uint32_t x = 0; n < NCOLD; x++) {
		struct conn cn = { .client = { 10, 1, (uint8_t)(4 + x / 15000000), (uint8_t)(1 + x / 60000 % 250) },
				   .port = 4000 + x % 60000 };
		struct ts_flow_key k;
		uint64_t h;

		conns[COLD][n] = cn;
		kkey(COLD, n, &k);
		h = ts_hash((const __u64 *)&k, sizeof(k) / 8, cfg->hash_seed);
		if (ts_table_bucket(h, cfg->bucket_mask[TS_TBL_FLOWS], 0) >= 4 ||
		    ts_table_bucket(h, cfg->bucket_mask[TS_TBL_FLOWS], 1) >= 4)
			continue;
		if (tag0 < 0)
			tag0 = TS_TAG_BYTE(h);
		if ((TS_TAG_BYTE(h) | 1) == (tag0 | 1))
			n++;
	}
}

/* ---- set-up ------------------------------------------------------------------- */

static const struct {
	enum ts_dp_map map;
	uint32_t key, val;
} shape[TS_TBL_COUNT] = {
	{ TS_MAP_FLOWS, sizeof(struct ts_flow_key), sizeof(struct ts_flow_val) },
	{ TS_MAP_HALFOPEN, sizeof(struct ts_flow_key), sizeof(struct ts_flow_val) },
	{ TS_MAP_HOSTS, sizeof(struct ts_addr_key), sizeof(struct ts_addr_val) },
	{ TS_MAP_PREFIXES, sizeof(struct ts_addr_key), sizeof(struct ts_addr_val) },
	{ TS_MAP_RULES, sizeof(struct ts_rule_key), sizeof(struct ts_rule_val) },
	{ TS_MAP_FLOWS_SMALL, sizeof(struct ts_flow_key), sizeof(struct ts_flow_val) },
};

/* The tables, ts_tags and ts_table_fill mapped read-only. */
static int map_for_checks(void)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct ts_config cfg;
	int err = ts_dp_config_read(T.dp, &cfg), fd = ts_dp_map_fd(T.dp, TS_MAP_TAGS);

	if (err || bpf_obj_get_info_by_fd(fd, &info, &len))
		return err ? err : -errno;
	tags_len = (size_t)info.max_entries * 8;
	tags_mem = mmap(NULL, tags_len, PROT_READ, MAP_SHARED, fd, 0);
	fill = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, ts_dp_map_fd(T.dp, TS_MAP_TABLE_FILL), 0);
	if (tags_mem == MAP_FAILED || fill == MAP_FAILED)
		return -errno;
	for (int t = 0; t < TS_TBL_COUNT && !err; t++)
		err = ts_table_map(&tbl[t], ts_dp_map_fd(T.dp, shape[t].map), tags_mem + cfg.tags_base[t],
				   shape[t].key, shape[t].val, cfg.hash_seed, cfg.capacity[t], &fill->live[t],
				   false);
	if (!err)
		ts_table_link(&tbl[TS_TBL_FLOWS_SMALL], &tbl[TS_TBL_FLOWS]);
	return err;
}

static void unmap_for_checks(void)
{
	for (int t = 0; t < TS_TBL_COUNT; t++)
		ts_table_unmap(&tbl[t]);
	if (tags_mem && tags_mem != MAP_FAILED)
		munmap(tags_mem, tags_len);
	if (fill && fill != MAP_FAILED)
		munmap(fill, sysconf(_SC_PAGESIZE));
	tags_mem = NULL, fill = NULL;
}

static double secs_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}


static void run_stress(uint32_t cap_flows, uint32_t cap_halfopen, double secs)
{
	struct ts_dp_open_opts o = { .pin_dir = DIR, .cap_flows = cap_flows, .cap_halfopen = cap_halfopen };
	struct ts_dp_reason_stat rs[TS_R_MAX];
	pthread_t th[5];
	struct ts_config cfg;
	struct timespec t0;
	unsigned long epochs = 0;
	int err;

	stop = 0, violations = 0, dups = 0, gc_removed = 0, checker_scans = 0;
	epochs_done = 0, cold_window = 0, behind_used = false;
	memset(&names, 0, sizeof(names));
	mkdir(DIR, 0700);
	ts_log_route_libbpf();
	err = ts_dp_open(&T.dp, &o);
	if (!err)
		err = dpt_install_text(&T, policies[0]);
	if (!err)
		err = map_for_checks();
	if (!err)
		err = ts_dp_config_read(T.dp, &cfg);
	TS_CHECK(!err, "setup: %s", strerror(-err));
	if (err)
		goto out;
	make_conns(&cfg);
	for (unsigned i = 0; i < NSTEADY; i++)
		expect_handshake(&T, kset_client[STEADY], kport(STEADY, i), server, 443, TS_R_PASS_HANDSHAKE);
	if (ts_failed())
		goto out;
	for (int w = 0; w < 2; w++)
		workers[w] = (struct worker){ .cpu = w, .id = w, .rng = 0x9e3779b97f4a7c15ull * (w + 1) };
	pthread_create(&th[0], NULL, worker_main, &workers[0]);
	pthread_create(&th[1], NULL, worker_main, &workers[1]);
	pthread_create(&th[2], NULL, gc_main, NULL);
	pthread_create(&th[3], NULL, control_main, NULL);
	pthread_create(&th[4], NULL, checker_main, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (secs_since(&t0) < secs && !__atomic_load_n(&violations, __ATOMIC_RELAXED)) {
		usleep(EPOCH_MS * 1000);
		park_all();
		check_quiet();
		epochs++;
		release_all();
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_lock(&park_lock);   /* every thread is gone: nothing runs */
	check_quiet();
	pthread_mutex_unlock(&park_lock);
	TS_CHECK(behind_used, "ts_flows held no flow at any pause: the two tables were not tested together");
	if (!ts_dp_reason_stats(T.dp, rs))
		printf("# reasons: %llu new, %llu handshake, %llu established, %llu half-open full, "
		       "%llu flows full, %llu no flow\n",
		       (unsigned long long)rs[TS_R_PASS_NEW].packets, (unsigned long long)rs[TS_R_PASS_HANDSHAKE].packets,
		       (unsigned long long)rs[TS_R_PASS_ESTABLISHED].packets,
		       (unsigned long long)rs[TS_R_DROP_HALFOPEN_FULL].packets,
		       (unsigned long long)rs[TS_R_DROP_FLOW_FULL].packets, (unsigned long long)rs[TS_R_DROP_NO_FLOW].packets);
	printf("# concurrency%s: %.0f s, %lu frames (cpu0 %lu, cpu1 %lu), %lu resent, %lu epochs checked, "
	       "%lu checker scans, %lu removed by GC, %lu policy writes (%lu installs), %lu adopting opens, "
	       "%lu keys live twice for an instant (each settled), %lu violations\n",
	       full ? " (full tables)" : "", secs_since(&t0), workers[0].frames + workers[1].frames, workers[0].frames, workers[1].frames,
	       workers[0].resends + workers[1].resends, epochs, checker_scans, gc_removed, names.writes,
	       names.installs, names.adopts, dups, violations);
out:
	unmap_for_checks();
	dpt_close(&T);
	dpt_unpin(DIR, TS_MAP_COUNT);
}

static double duration_s;

/* Two thirds of the time with room in the tables and every assertion. */
static void test_concurrency(void)
{
	full = false;
	run_stress(256, 256, duration_s * 2 / 3);
}

/* A third with ts_flows at its capacity (48: 16 steady, the rest churn)
 * and ts_halfopen at its (32): inserts reuse expired entries and evict
 * half-open ones, on the !grow paths (claim of a live slot, tag AND,
 * undo of the count). The steady connections' data must still pass. */
static void test_concurrency_full(void)
{
	full = true;
	run_stress(48, 32, duration_s / 3);
}

int main(void)
{
	const char *d = getenv("TS_STRESS_SECONDS");

	if (!ts_need_root_cpus("dp_concurrency", 2))
		return 0;
	duration_s = d ? strtod(d, NULL) : 20;
	ts_run("dp_concurrency", test_concurrency);
	ts_run("dp_concurrency_full_tables", test_concurrency_full);
	return ts_done();
}
