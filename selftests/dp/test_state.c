// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow state under pressure and over time: SYN flood vs established
 * flows, a full flow table, expiry and GC, loose pickup, audit mode,
 * events and their rate limit, atomic policy switch with stable rule ids,
 * opening SYNs beside live and closing flows,
 * pinned maps (bpftool shows names; a second open adopts them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "expect.h"
#include "testlib.h"
#include "pkt.h"


#define POLICY_HEAD "settings {\n scope tcp/443\n outside-scope pass\n"
#define PAIR \
	"component clients { 10.1.0.0/16 2001:db8:1::/48 }\n" \
	"component server { 10.2.0.1 2001:db8:2::1 }\n" \
	"rule \"C\": clients -> server tcp/443\n"

static const char *const client = "10.1.0.5", *const server = "10.2.0.1";

static int open_with(struct dpt *t, uint32_t flows, uint32_t halfopen, const char *policy)
{
	int err = dpt_open(t, flows, halfopen);

	if (!err)
		err = dpt_install_text(t, policy);
	TS_CHECK(!err, "setup: %s", strerror(-err));
	return err;
}

static bool handshake(struct dpt *t, const char *c, uint16_t cport, const char *s, int want_last)
{
	return expect_handshake(t, c, cport, s, 443, want_last);
}

static void test_syn_flood(void)
{
	const uint32_t halfopen = 1024, nflows = 32;
	struct ts_dp_fill fill;
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 4096, halfopen, POLICY_HEAD "}\n" PAIR))
		return;
	for (uint16_t i = 0; i < nflows; i++)
		handshake(&t, client, 1000 + i, server, TS_R_PASS_HANDSHAKE);
	/* allowed SYNs (the worst case: each one takes a half-open entry),
	 * ten times what the half-open table holds, from many sources */
	for (uint32_t i = 0; i < 10 * halfopen && !ts_failed(); i++) {
		char src[32];

		snprintf(src, sizeof(src), "10.1.%u.%u", 1 + i / 250, 1 + i % 250);
		dpt_tcp(&p, src, 2000 + i % 50000, server, 443, SYN, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "flood SYN");
	}
	TS_CHECK(!ts_dp_fill_levels(t.dp, &fill), "fill levels");
	printf("# after the flood: %u/%u flows, %u/%u half-open\n", fill.flows, fill.flows_max,
	       fill.halfopen, fill.halfopen_max);
	TS_CHECK(fill.halfopen <= halfopen, "half-open holds %u > %u", fill.halfopen, halfopen);
	TS_CHECK(fill.flows == nflows, "flows: %u, want %u", fill.flows, nflows);
	for (uint16_t i = 0; i < nflows; i++) {
		dpt_tcp(&p, server, 443, client, 1000 + i, PSH | ACK, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "established flow after the flood");
	}
	dpt_close(&t);
}

static void test_full_flow_table(void)
{
	const uint32_t cap = 64;
	struct dpt t;
	struct pkt p;

	if (open_with(&t, cap, 1024, POLICY_HEAD "}\n" PAIR))
		return;
	for (uint16_t i = 0; i < cap; i++)
		handshake(&t, client, 1000 + i, server, TS_R_PASS_HANDSHAKE);
	/* the next connection fails closed at the ACK */
	handshake(&t, client, 5000, server, TS_R_DROP_FLOW_FULL);
	dpt_tcp(&p, client, 5000, server, 443, PSH | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_FLOW_FULL, "its data: still no room");
	for (uint16_t i = 0; i < cap; i++) {
		dpt_tcp(&p, client, 1000 + i, server, 443, PSH | ACK, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "established flows keep working");
	}
	dpt_close(&t);
}

/* The flow key of a connection from client address c, port cport, to
 * the server's 443. */
static struct ts_flow_key key_of(const char *c, uint16_t cport)
{
	return dpt_flow_key(6, c, cport, server, 443);
}

/* Its entry in ts_flows or ts_halfopen (table m), or NULL. */
static struct ts_flow_val *entry_of(struct dpt *t, enum ts_dp_map m, const char *c, uint16_t cport)
{
	struct ts_flow_key k = key_of(c, cport);

	return ts_dp_flow_find(t->dp, m == TS_MAP_HALFOPEN, &k);
}

/* Move an entry's clock back by `secs` (tests control time this way). */
static bool age_entry(struct dpt *t, enum ts_dp_map m, const char *c, uint16_t cport, uint64_t secs)
{
	struct ts_flow_val *v = entry_of(t, m, c, cport);

	if (!v)
		return false;
	v->last_seen_ns -= secs * 1000000000ull;
	/* the clock moved on by secs, past the pass cache's epoch: its ways
	 * with it (bpf/pass.h) */
	return !ts_dp_pass_clear(t->dp);
}

/* Whether half-open bucket bi holds an entry (its tags word). */
static bool halfopen_bucket_used(struct dpt *t, const struct ts_config *cfg, uint32_t bi)
{
	uint32_t i = cfg->tags_base[TS_TBL_HALFOPEN] + bi;
	uint64_t tags = 0;

	TS_CHECK(!bpf_map_lookup_elem(ts_dp_map_fd(t->dp, TS_MAP_TAGS), &i, &tags), "tags of bucket %u", bi);
	return tags != 0;
}

/* The half-open buckets of client c's connection from port cport. */
static void halfopen_buckets(const struct ts_config *cfg, const char *c, uint16_t cport, uint32_t bi[2])
{
	struct ts_flow_key k = key_of(c, cport);
	uint64_t h = ts_hash((const __u64 *)&k, sizeof(k) / 8, cfg->hash_seed);

	bi[0] = ts_table_bucket(h, cfg->bucket_mask[TS_TBL_HALFOPEN], 0);
	bi[1] = ts_table_bucket(h, cfg->bucket_mask[TS_TBL_HALFOPEN], 1);
}

/* The SYN of client c from port cport has both half-open buckets
 * empty, and the bucket after its first, and one of the next
 * TS_HALFOPEN_EVICT_REACH after its first is used. */
static bool empty_then_used(struct dpt *t, const struct ts_config *cfg, const char *c, uint16_t cport,
			    uint32_t bi[2])
{
	uint32_t mask = cfg->bucket_mask[TS_TBL_HALFOPEN];

	halfopen_buckets(cfg, c, cport, bi);
	if (halfopen_bucket_used(t, cfg, bi[0]) || halfopen_bucket_used(t, cfg, bi[1]) ||
	    halfopen_bucket_used(t, cfg, (bi[0] + 1) & mask))
		return false;
	for (uint32_t d = 2; d <= TS_HALFOPEN_EVICT_REACH; d++)
		if (halfopen_bucket_used(t, cfg, (bi[0] + d) & mask))
			return true;
	return false;
}

/*
 * A full half-open table and a SYN whose two buckets are empty, and the
 * bucket after its first too: an entry of a bucket further on gives way,
 * the SYN passes and the count stays at the capacity. The table is filled
 * from its own seed (every entry's buckets in the first half); a SYN
 * flood meets this case now and then at a random seed.
 */
static void test_halfopen_full_empty_buckets(void)
{
	const uint32_t cap = 64;
	const char *src = "10.1.9.9";
	struct ts_dp_fill fill = {};
	struct ts_config cfg;
	uint32_t half, bi[2];
	uint16_t port = 1024;
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 4096, cap, POLICY_HEAD "}\n" PAIR))
		return;
	TS_CHECK(!ts_dp_config_read(t.dp, &cfg), "config");
	if (ts_failed())
		goto out;
	half = (cfg.bucket_mask[TS_TBL_HALFOPEN] + 1) / 2;
	while (fill.halfopen < cap && !ts_failed()) {
		halfopen_buckets(&cfg, src, ++port, bi);
		if (bi[0] >= half || bi[1] >= half)
			continue;
		dpt_tcp(&p, src, port, server, 443, SYN, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN filling the table");
		TS_CHECK(!ts_dp_fill_levels(t.dp, &fill), "fill levels");
	}
	/* a SYN whose buckets and the next are empty, with an occupied one
	 * within the reach of the eviction */
	while (!ts_failed() && port < UINT16_MAX && !empty_then_used(&t, &cfg, src, ++port, bi))
		;
	TS_CHECK(port < UINT16_MAX, "no SYN with empty buckets near a used one");
	if (ts_failed())
		goto out;
	printf("# SYN with buckets %u and %u, %u buckets, %u/%u half-open\n", bi[0], bi[1], 2 * half,
	       fill.halfopen, cap);
	dpt_tcp(&p, src, port, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN with empty buckets in a full table");
	TS_CHECK(entry_of(&t, TS_MAP_HALFOPEN, src, port), "its half-open entry is missing");
	TS_CHECK(!ts_dp_fill_levels(t.dp, &fill) && fill.halfopen == cap, "half-open holds %u, want %u",
		 fill.halfopen, cap);
out:
	dpt_close(&t);
}

static void test_expiry_and_gc(void)
{
	struct ts_dp_gc_result gc;
	struct ts_slot_cfg sc;
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 1024, 1024, POLICY_HEAD " timeout syn 20s\n timeout established 1h\n"
		      " timeout closing 5s\n}\n" PAIR))
		return;
	TS_CHECK(!ts_dp_slot_cfg_read(t.dp, &sc) && sc.timeout_syn_s == 20 &&
		 sc.timeout_established_s == 3600 && sc.timeout_closing_s == 5,
		 "slot timeouts not installed");
	/* an idle established flow past its timeout counts as absent */
	handshake(&t, client, 1000, server, TS_R_PASS_HANDSHAKE);
	TS_CHECK(age_entry(&t, TS_MAP_FLOWS, client, 1000, 3599), "age flow");
	dpt_tcp(&p, client, 1000, server, 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "idle just under the timeout");
	TS_CHECK(age_entry(&t, TS_MAP_FLOWS, client, 1000, 3602), "age flow");
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "idle past the timeout");

	/* a half-open entry past the SYN timeout */
	dpt_tcp(&p, client, 1001, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN");
	TS_CHECK(age_entry(&t, TS_MAP_HALFOPEN, client, 1001, 21), "age half-open");
	dpt_tcp(&p, server, 443, client, 1001, SYN | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "SYN-ACK after the SYN timeout");

	/* a closing flow lives for the closing timeout only */
	handshake(&t, client, 1002, server, TS_R_PASS_HANDSHAKE);
	dpt_tcp(&p, client, 1002, server, 443, RST, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "RST");
	TS_CHECK(age_entry(&t, TS_MAP_FLOWS, client, 1002, 6), "age closing flow");
	dpt_tcp(&p, client, 1002, server, 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "closing flow after its timeout");

	/* GC removes what expired and nothing else */
	handshake(&t, client, 1003, server, TS_R_PASS_HANDSHAKE);
	handshake(&t, client, 1004, server, TS_R_PASS_HANDSHAKE);
	dpt_tcp(&p, client, 1005, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN");
	TS_CHECK(age_entry(&t, TS_MAP_FLOWS, client, 1003, 4000), "age flow");
	TS_CHECK(age_entry(&t, TS_MAP_HALFOPEN, client, 1005, 40), "age half-open");
	TS_CHECK(!ts_dp_gc(t.dp, ts_dp_now_ns(), &gc), "gc");
	TS_CHECK(gc.flows_removed == 1 && gc.halfopen_removed == 1, "gc removed %u flows, %u half-open",
		 gc.flows_removed, gc.halfopen_removed);
	dpt_tcp(&p, client, 1004, server, 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "live flow survives GC");

	/* a connection closed by FINs both ways leaves the table after the
	 * closing timeout, by GC alone (no packet meets it) */
	handshake(&t, client, 1006, server, TS_R_PASS_HANDSHAKE);
	dpt_tcp(&p, client, 1006, server, 443, FIN | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "FIN");
	dpt_tcp(&p, server, 443, client, 1006, FIN | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "FIN back");
	TS_CHECK(!ts_dp_gc(t.dp, ts_dp_now_ns(), &gc) && gc.flows_removed == 0, "GC removed a fresh closing flow");
	TS_CHECK(age_entry(&t, TS_MAP_FLOWS, client, 1006, 6), "age closing flow");
	TS_CHECK(!ts_dp_gc(t.dp, ts_dp_now_ns(), &gc) && gc.flows_removed == 1,
		 "GC removed %u closing flows, want 1", gc.flows_removed);
	dpt_close(&t);
}

static void test_loose_pickup(void)
{
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 1024, 1024, POLICY_HEAD " loose-pickup on\n}\n" PAIR))
		return;
	dpt_tcp(&p, client, 1000, server, 443, PSH | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_LOOSE, "mid-flow packet of an allowed pair");
	dpt_tcp(&p, server, 443, client, 1000, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "its reply");
	dpt_tcp(&p, server, 443, client, 1001, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_LOOSE, "picked up from the responder's side");
	dpt_tcp(&p, client, 1002, server, 443, RST, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "a RST opens nothing");
	dpt_tcp(&p, server, 1003, client, 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "pair not allowed this way");
	dpt_tcp(&p, "10.9.0.1", 1004, server, 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "stranger");
	dpt_close(&t);
}

static void test_audit_and_events(void)
{
	struct ts_dp_events *evs = NULL;
	struct ev_log log = {};
	struct dpt t;
	struct pkt p;
	bool drop;

	if (open_with(&t, 1024, 1024, POLICY_HEAD " audit on\n}\n" PAIR))
		return;
	TS_CHECK(!ts_dp_events_open(t.dp, ev_log_add, &log, &evs), "events open");
	if (!evs)
		goto out;
	/* a refused connection passes, reported once */
	dpt_tcp(&p, server, 2000, client, 443, SYN, 1);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_AUDIT, "refused SYN in audit mode");
	dpt_tcp(&p, client, 443, server, 2000, SYN | ACK, 1);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_AUDIT, "its SYN-ACK");
	dpt_tcp(&p, server, 2000, client, 443, ACK, 1);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_AUDIT, "its ACK");
	dpt_tcp(&p, server, 2000, client, 443, PSH | ACK, 1);
	TS_CHECK(!dpt_run(&t, TS_HOOK_XDP, &p, &drop) && !drop, "audit data passes");
	ts_dp_events_poll(evs, 100);
	TS_CHECK(log.n == 1, "%d events for one refused connection, want 1", log.n);
	if (log.n >= 1) {
		struct ts_event *e = &log.ev[0];
		struct pkt_addr s = pkt_ip(server);

		TS_CHECK(e->verdict == TS_VERDICT_AUDIT && e->reason == TS_R_DROP_NO_RULE,
			 "event verdict %u reason %u", e->verdict, e->reason);
		TS_CHECK(!memcmp(e->saddr, s.a, 4) && ntohs(e->sport) == 2000 && ntohs(e->dport) == 443 &&
			 e->family == TS_FAMILY_V4 && e->proto == 6 && e->tcp_flags == SYN &&
			 e->vlan == 100 && e->hook == TS_HOOK_XDP && e->ts_ns,
			 "event fields wrong");
	}
	/* the flow is flagged as an audit flow */
	{
		struct ts_flow_key k = {};
		struct pkt_addr c = pkt_ip(client), s = pkt_ip(server);

		memcpy(k.lo_addr, c.a, 16);
		memcpy(k.hi_addr, s.a, 16);
		k.lo_port = htons(443);
		k.hi_port = htons(2000);
		k.family = TS_FAMILY_V4;
		k.proto = 6;
		const struct ts_flow_val *fv = ts_dp_flow_find(t.dp, false, &k);

		TS_CHECK(fv && (fv->flags & TS_FLOW_AUDIT) && (fv->flags & TS_FLOW_INIT_HI) && fv->rule_id == 0,
			 "audit flow not in ts_flows as expected");
	}
	/* malformed input passes too in audit mode, and is reported */
	dpt_tcp(&p, client, 1, server, 443, SYN, 0);
	p.b[p.l3] = 0x42;
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_AUDIT, "bad IHL in audit mode");
	ts_dp_events_poll(evs, 100);
	TS_CHECK(log.n == 2 && log.ev[1].reason == TS_R_DROP_MALFORMED_IP, "malformed audit event");
out:
	ts_dp_events_close(evs);
	dpt_close(&t);
}

static void test_event_rate_limit(void)
{
	struct ts_dp_events *evs = NULL;
	struct ev_log log = {};
	uint64_t suppressed = 0;
	cpu_set_t one;
	struct dpt t;
	struct pkt p;

	/* the limit is per CPU: stay on one */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	if (open_with(&t, 1024, 1024, POLICY_HEAD " events-per-second 5\n}\n" PAIR))
		return;
	TS_CHECK(!ts_dp_events_open(t.dp, ev_log_add, &log, &evs), "events open");
	if (!evs)
		goto out;
	for (int i = 0; i < 20; i++) {
		dpt_tcp(&p, server, 3000 + i, client, 443, SYN, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "refused SYN");
	}
	ts_dp_events_poll(evs, 100);
	TS_CHECK(!ts_dp_events_suppressed(t.dp, &suppressed), "read suppressed");
	/* a window boundary may fall inside the loop: then up to twice the rate */
	TS_CHECK(log.n >= 5 && log.n <= 10 && log.n + suppressed == 20,
		 "%d events, %llu suppressed for 20 drops at 5/s", log.n, (unsigned long long)suppressed);
	TS_CHECK(log.ev[0].verdict == TS_VERDICT_DROP && log.ev[0].reason == TS_R_DROP_NO_RULE,
		 "drop event");
out:
	ts_dp_events_close(evs);
	dpt_close(&t);
}

/* Two policies that each allow 10.0.0.1 -> 10.0.0.2, with component sets
 * numbered the other way round: a packet that saw one policy's addresses
 * and the other's rules would be refused. */
static const char swap_a[] = POLICY_HEAD "}\n"
	"component x { 10.0.0.1 }\ncomponent y { 10.0.0.2 }\nrule \"R\": x -> y tcp/443\n";
static const char swap_b[] = POLICY_HEAD "}\n"
	"component q { 10.0.0.2 }\ncomponent p { 10.0.0.1 }\nrule \"R2\": p -> q tcp/443\n";

struct switcher {
	struct dpt *t;
	int rounds, errors;
	volatile bool done;
};

static void *switch_loop(void *arg)
{
	struct switcher *s = arg;

	for (int i = 0; i < s->rounds; i++)
		if (dpt_install_text(s->t, i % 2 ? swap_a : swap_b))
			s->errors++;
	s->done = true;
	return NULL;
}

static void test_atomic_switch(void)
{
	struct switcher sw = { .rounds = 20 };
	uint64_t sent = 0, bad = 0;
	struct ts_config cfg;
	pthread_t th;
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 1u << 16, 1u << 16, swap_a))
		return;
	sw.t = &t;
	pthread_create(&th, NULL, switch_loop, &sw);
	while (!sw.done) {
		bool drop;

		dpt_tcp(&p, "10.0.0.1", 1024 + sent % 60000, "10.0.0.2", 443, SYN, 0);
		if (dpt_run(&t, TS_HOOK_XDP, &p, &drop) || drop)
			bad++;
		sent++;
	}
	pthread_join(th, NULL);
	printf("# %llu SYNs during %d installs, %llu refused\n", (unsigned long long)sent, sw.rounds,
	       (unsigned long long)bad);
	TS_CHECK(!sw.errors, "%d installs failed", sw.errors);
	TS_CHECK(sent > 100, "only %llu packets ran during the switches", (unsigned long long)sent);
	TS_CHECK(!bad, "%llu SYNs saw a mix of two policies", (unsigned long long)bad);
	TS_CHECK(!ts_dp_config_read(t.dp, &cfg) && cfg.generation == 21 && cfg.schema_version ==
		 TS_SCHEMA_VERSION, "generation %llu after 21 installs", (unsigned long long)cfg.generation);
	dpt_close(&t);
}

static uint64_t rule_opened(struct dpt *t, const char *label, uint32_t *id)
{
	struct ts_dp_rule_stat *rs = NULL;
	uint64_t opened = 0;
	size_t n = 0;

	*id = 0;
	if (ts_dp_rule_stats(t->dp, &rs, &n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rs[i].label, label) && rs[i].in_use) {
			opened = rs[i].opened;
			*id = rs[i].rule_id;
		}
	free(rs);
	return opened;
}

static void test_stable_rule_ids(void)
{
	uint32_t id1, id2, id3;
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 1024, 1024, POLICY_HEAD "}\n" PAIR))
		return;
	for (int i = 0; i < 3; i++) {
		dpt_tcp(&p, client, 1000 + i, server, 443, SYN, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN");
	}
	TS_CHECK(rule_opened(&t, "C", &id1) == 3, "rule C opened count");
	/* a reload with another rule in front: C keeps its id and counts */
	TS_CHECK(!dpt_install_text(&t, POLICY_HEAD "}\n"
				   "component other { 10.3.0.0/16 }\n"
				   "rule \"O\": other -> server tcp/443\n" PAIR), "reload");
	dpt_tcp(&p, client, 2000, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN after reload");
	TS_CHECK(rule_opened(&t, "C", &id2) == 4 && id2 == id1, "rule C: id %u -> %u, counts lost",
		 id1, id2);
	dpt_tcp(&p, "10.3.0.1", 2001, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN by the new rule");
	TS_CHECK(rule_opened(&t, "O", &id3) == 1 && id3 && id3 != id1, "rule O id %u", id3);
	dpt_close(&t);
}

/* An opening SYN is judged before the half-open table is read: once the
 * policy refuses the pair, a SYN retransmit of a connection opened before
 * is dropped (not passed by its half-open entry), while the responder's
 * SYN-ACK, which opens nothing, still finds the entry. */
static void test_refused_syn_before_halfopen(void)
{
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 1024, 1024, POLICY_HEAD "}\n" PAIR))
		return;
	dpt_tcp(&p, client, 3000, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN");
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "SYN retransmit while allowed");
	TS_CHECK(!dpt_install_text(&t, POLICY_HEAD "}\n"
				   "component clients { 10.1.0.0/16 }\n"
				   "component server { 10.2.0.1 }\n"), "reload without the rule");
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "SYN retransmit once refused");
	dpt_tcp(&p, server, 443, client, 3000, SYN | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "SYN-ACK of the half-open entry");
	dpt_close(&t);
}

/* An opening SYN is judged whatever ts_flows holds (it never reads that
 * table): a late retransmit of a live connection's SYN passes as a new
 * half-open entry, and one the policy now refuses is dropped while the
 * connection goes on. A closing flow gives way only to a handshake with
 * another ISN, at that handshake's own segments: not to the retransmit's
 * entry, not at a late segment of the old connection; a new connection on
 * the same ports does replace it, even when its SYN-ACK is not seen here
 * (egress not attached). A SYN with another ISN replaces a half-open
 * entry: a new attempt, judged afresh. */
static void test_opening_syn_skips_flows(void)
{
	const uint32_t isn = 0x11000000, new_isn = 0x22000000;   /* pkt_build's, another */
	struct ts_flow_val *v;
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 1024, 1024, POLICY_HEAD "}\n" PAIR))
		return;
	handshake(&t, client, 4000, server, TS_R_PASS_HANDSHAKE);
	v = entry_of(&t, TS_MAP_FLOWS, client, 4000);
	TS_CHECK(v && v->isn == isn, "flow's ISN %u, want %u", v ? v->isn : 0, isn);
	dpt_tcp(&p, client, 4000, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "late SYN retransmit, judged");
	TS_CHECK(entry_of(&t, TS_MAP_HALFOPEN, client, 4000), "the retransmit has no half-open entry");
	dpt_tcp(&p, client, 4000, server, 443, FIN | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "FIN");
	dpt_tcp(&p, server, 443, client, 4000, FIN | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "FIN back");
	dpt_tcp(&p, client, 4000, server, 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "last ACK: the retransmit supersedes nothing");
	v = entry_of(&t, TS_MAP_FLOWS, client, 4000);
	TS_CHECK(v && v->state == TS_TCP_CLOSING, "closing flow gone or moved (state %d)", v ? v->state : -1);

	/* a new connection on the closed one's ports; the SYN-ACK goes another way */
	dpt_tcp(&p, client, 4000, server, 443, SYN, 0);
	pkt_set_tcp_seq(&p, new_isn);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "new SYN replaces the retransmit's entry");
	v = entry_of(&t, TS_MAP_HALFOPEN, client, 4000);
	TS_CHECK(v && v->isn == new_isn, "half-open ISN %u, want the new attempt's", v ? v->isn : 0);
	dpt_tcp(&p, client, 4000, server, 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "a late ACK of the old connection");
	v = entry_of(&t, TS_MAP_FLOWS, client, 4000);
	TS_CHECK(v && v->state == TS_TCP_CLOSING, "a late old segment superseded the closing flow");
	dpt_tcp(&p, client, 4000, server, 443, ACK, 0);
	pkt_set_tcp_seq(&p, new_isn + 1);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "ACK completes the new connection");
	v = entry_of(&t, TS_MAP_FLOWS, client, 4000);
	TS_CHECK(v && v->state == TS_TCP_ESTABLISHED && v->isn == new_isn,
		 "new flow not established (state %d)", v ? v->state : -1);
	TS_CHECK(!entry_of(&t, TS_MAP_HALFOPEN, client, 4000), "half-open entry left");

	/* a late SYN with another ISN beside a closing flow that then expires:
	 * the old connection's late ACK does not complete its entry */
	handshake(&t, client, 4001, server, TS_R_PASS_HANDSHAKE);
	dpt_tcp(&p, client, 4001, server, 443, RST, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "RST: closing");
	dpt_tcp(&p, client, 4001, server, 443, SYN, 0);
	pkt_set_tcp_seq(&p, new_isn);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "a late SYN with another ISN");
	TS_CHECK(age_entry(&t, TS_MAP_FLOWS, client, 4001, 11), "age the closing flow");
	dpt_tcp(&p, client, 4001, server, 443, ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "the old connection's ACK completes nothing");
	TS_CHECK(!entry_of(&t, TS_MAP_FLOWS, client, 4001), "a stale entry became a flow");
	pkt_set_tcp_seq(&p, new_isn + 1);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "the ACK that follows the SYN completes it");

	/* the pair refused: a SYN on the live flow is dropped, its data passes */
	TS_CHECK(!dpt_install_text(&t, POLICY_HEAD "}\n"
				   "component clients { 10.1.0.0/16 }\n"
				   "component server { 10.2.0.1 }\n"), "reload without the rule");
	dpt_tcp(&p, client, 4000, server, 443, SYN, 0);
	pkt_set_tcp_seq(&p, new_isn);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "SYN on a live flow, refused");
	dpt_tcp(&p, client, 4000, server, 443, PSH | ACK, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "the live flow's data");
	dpt_close(&t);
}

/* DNS moves an address away from a component: new connections to the old
 * address are refused, the live one keeps going (lesson 5: names never cut
 * a live connection). */
static void test_name_moves(void)
{
	struct ts_net old = { .family = TS_FAMILY_V4, .plen = 32 };
	struct pkt_addr a = pkt_ip("10.2.0.9");
	struct dpt t;
	struct pkt p;

	if (open_with(&t, 1024, 1024, POLICY_HEAD "}\n"
		      "component clients { 10.1.0.0/16 }\n"
		      "component api { api.example.net }\n"
		      "rule \"A\": clients -> api tcp/443\n"))
		return;
	dpt_tcp(&p, client, 1000, "10.2.0.9", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "before the name resolves");
	TS_CHECK(!dpt_resolve(&t, "api", "10.2.0.9"), "resolve");
	handshake(&t, client, 1001, "10.2.0.9", TS_R_PASS_HANDSHAKE);
	memcpy(old.addr, a.a, 4);
	TS_CHECK(!ts_dp_host_delete(t.dp, &old), "host delete");
	dpt_tcp(&p, client, 1002, "10.2.0.9", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "new connection after the address left");
	dpt_tcp(&p, "10.2.0.9", 443, client, 1001, PSH | ACK, 0);
	expect_reason(&t, TS_HOOK_TC_EGRESS, &p, TS_R_PASS_ESTABLISHED, "the live connection goes on");
	TS_CHECK(ts_dp_host_delete(t.dp, &old) == -ENOENT, "deleting twice says ENOENT");
	dpt_close(&t);
}

static bool file_has(const char *path, const char *needle)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && (n = getline(&buf, &cap, f)) > 0)
		found = strstr(buf, needle) != NULL;
	free(buf);
	fclose(f);
	return found;
}

static void test_pinned_bpftool(void)
{
	const char *dir = "/sys/fs/bpf/ts-dp-test";
	struct ts_dp_open_opts o = { .pin_dir = dir, .cap_flows = 1024, .cap_halfopen = 1024 };
	char cmd[256], out[] = "/tmp/ts-dp-bpftool.XXXXXX";
	struct ts_dp *again = NULL;
	struct ts_config cfg;
	struct dpt t = {};
	struct pkt p;
	int fd;

	mkdir(dir, 0700);
	TS_CHECK(!ts_dp_open(&t.dp, &o), "open pinned");
	if (!t.dp)
		return;
	TS_CHECK(!ts_dp_adopted(t.dp), "a fresh pin dir must not count as adopted");
	TS_CHECK(!dpt_install_text(&t, POLICY_HEAD "}\n" PAIR), "install");
	handshake(&t, client, 1000, server, TS_R_PASS_HANDSHAKE);
	dpt_tcp(&p, server, 1001, client, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "refused SYN");

	fd = mkstemp(out);
	TS_CHECK(fd >= 0, "mkstemp");
	if (fd >= 0)
		close(fd);
	snprintf(cmd, sizeof(cmd), "bpftool -j map dump pinned %s/ts_reason_stats > %s 2>&1", dir, out);
	TS_CHECK(!system(cmd), "%s failed", cmd);
	TS_CHECK(file_has(out, "\"TS_R_DROP_NO_RULE\""), "bpftool shows no reason names");
	TS_CHECK(file_has(out, "\"packets\""), "bpftool shows no field names");
	snprintf(cmd, sizeof(cmd), "bpftool map dump pinned %s/ts_rule_stats > %s 2>&1", dir, out);
	TS_CHECK(!system(cmd) && file_has(out, "\"opened\": 1"), "rule counters in bpftool");
	snprintf(cmd, sizeof(cmd), "bpftool map dump pinned %s/ts_rule_meta > %s 2>&1", dir, out);
	TS_CHECK(!system(cmd) && file_has(out, "clients -> server tcp/443"), "rule text in bpftool");
	unlink(out);

	/* a second open adopts the pinned state: policy and flows intact */
	TS_CHECK(!ts_dp_open(&again, &o), "reopen pinned");
	if (again) {
		TS_CHECK(ts_dp_adopted(again), "reopen did not adopt");
		TS_CHECK(!ts_dp_config_read(again, &cfg) && cfg.generation == 1, "generation");
		ts_dp_close(t.dp);
		t.dp = again;
		dpt_tcp(&p, client, 1000, server, 443, PSH | ACK, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_ESTABLISHED, "flow survives reopen");
		dpt_tcp(&p, client, 1002, server, 443, SYN, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "policy survives reopen");
	}
	dpt_close(&t);
	dpt_unpin(dir, TS_MAP_COUNT);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("dp_state", "needs root");
		return 0;
	}
	ts_run("dp_syn_flood_keeps_established", test_syn_flood);
	ts_run("dp_halfopen_full_empty_buckets", test_halfopen_full_empty_buckets);
	ts_run("dp_full_flow_table_fails_closed", test_full_flow_table);
	ts_run("dp_expiry_and_gc", test_expiry_and_gc);
	ts_run("dp_loose_pickup", test_loose_pickup);
	ts_run("dp_audit_and_events", test_audit_and_events);
	ts_run("dp_event_rate_limit", test_event_rate_limit);
	ts_run("dp_atomic_switch", test_atomic_switch);
	ts_run("dp_stable_rule_ids", test_stable_rule_ids);
	ts_run("dp_refused_syn_before_halfopen", test_refused_syn_before_halfopen);
	ts_run("dp_opening_syn_skips_flows", test_opening_syn_skips_flows);
	ts_run("dp_name_moves_keeps_live_flow", test_name_moves);
	ts_run("dp_pinned_bpftool_adopt", test_pinned_bpftool);
	return ts_done();
}
