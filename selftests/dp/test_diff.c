// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Differential test: the BPF programs against the plain-C reference
 * evaluator (ref.c) over random and mutated frames. Every verdict must
 * agree; every 1024 frames all reason and rule counters must agree; at the
 * end both flow tables must hold the same entries.
 *
 *   TS_DIFF_PACKETS  frames in total (default 1000000, split over configs)
 *   TS_DIFF_SEED     RNG seed (default: time; printed for replay)
 * The last line sums every configuration: frames, mismatches, frames/s.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "common/log.h"
#include "dpt.h"
#include "ref.h"
#include "seed.h"
#include "testlib.h"

#define CHECK_EVERY 1024
#define TABLE_CAP (1u << 16)

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned pick(unsigned n)
{
	return rnd() % n;
}

/* Addresses: the seed hosts, more endpoints, resolvers, strangers. */
static const char *const pool[2][14] = {
	{ "198.51.100.11", "203.0.113.10", "192.0.2.33", "192.0.2.49", "192.0.2.65", "192.0.2.66",
	  "192.0.2.81", "192.0.2.97", "198.51.100.200", "198.51.100.12", "198.51.100.63",
	  "198.51.100.64", "192.0.2.2", "10.9.9.9" },
	{ "2001:db8:100::11", "2001:db8:200::10", "2001:db8:300::33", "2001:db8:400::49",
	  "2001:db8:500::65", "2001:db8:500::66", "2001:db8:600::81", "2001:db8:700::97",
	  "2001:db8:666::200", "2001:db8:100:ff::1", "2001:db8:100::12", "2001:db8:101::1",
	  "2001:db8:53::2", "fe80::1" },
};
static const uint16_t server_ports[] = { 443, 443, 443, 80, 53, 22, 123 };
static const uint8_t flag_mix[] = { 0x02, 0x02, 0x02, 0x12, 0x12, 0x10, 0x10, 0x10, 0x18, 0x18,
				    0x11, 0x11, 0x04, 0x14, 0xc2, 0x03, 0x06, 0x00, 0x01 };

static void random_frame(struct pkt *p)
{
	int fam = pick(2);
	struct pkt_addr a = pkt_ip(pool[fam][pick(14)]), b = pkt_ip(pool[fam][pick(14)]);
	/* now and then the client's port is in scope too: a SYN from the
	 * server's side is then judged, and can meet the client's half-open
	 * entry (the refusal before the half-open check) */
	uint16_t cport = pick(16) ? 40000 + pick(12) : 443, sport = server_ports[pick(7)];
	bool fwd = pick(2);
	struct pkt_spec s = {
		.src = fwd ? a : b, .dst = fwd ? b : a,
		.sport = fwd ? cport : sport, .dport = fwd ? sport : cport,
		.tcp_flags = pick(10) ? flag_mix[pick(sizeof(flag_mix))] : pick(256),
		.nvlan = pick(20) ? pick(3) : 3,
		.vlan_tpid = { pick(2) ? 0x8100 : 0x88a8, 0x8100, 0x8100 },
		.vlan_id = { pick(4096), pick(4096), 1 },
		.payload = pick(4) ? 0 : pick(100),
	};
	unsigned kind = pick(100);
	uint8_t quote[128];

	if (kind < 16) {
		s.proto = IPPROTO_UDP;
	} else if (kind < 24) {
		/* an ICMP error quoting a segment between two pool hosts */
		struct pkt_addr qa = pkt_ip(pool[fam][pick(14)]);

		s.proto = fam ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		/* errors, and echo requests and replies (their identifier:
		 * the ports' few values, so replies meet requests' flows) */
		s.icmp_type = fam ? (pick(2) ? 1 + pick(3) : 128 + pick(16))
				  : (pick(2) ? (pick(2) ? 3 : 11) : pick(2) ? 8 : pick(16));
		s.icmp_quote = quote;
		s.icmp_quote_len = pkt_quote_proto(pick(2) ? IPPROTO_UDP : IPPROTO_TCP,
						   pick(2) ? &qa : &a, pick(2) ? &b : &qa, cport, sport,
						   quote, sizeof(quote));
		if (!pick(8))
			s.icmp_quote_len = pick(s.icmp_quote_len);
	} else if (kind < 26) {
		s.proto = pick(2) ? 47 : 50; /* GRE, ESP */
	}
	if (!pick(8)) {
		if (fam) {
			s.ip6_next_n = pick(10) ? pick(4) : 8 + pick(3);
			for (int i = 0; i < s.ip6_next_n; i++) {
				static const int k[] = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
							 IPPROTO_AH, IPPROTO_FRAGMENT };
				s.ip6_next[i] = k[pick(5)];
			}
			s.ip6_frag_off = pick(3) ? 0 : pick(65536);
		} else {
			s.ip4_ihl = 5 + pick(11);
			s.ip4_frag = pick(3) ? 0 : pick(65536);
		}
	}
	if (!pick(16))
		s.tcp_doff = 5 + pick(11);
	pkt_build(&s, p);
	/* few sequence numbers, across the wrap: a SYN after a close is a
	 * late retransmit of the closed connection's SYN or a new connection
	 * on its ports, and a later segment may or may not follow an entry's
	 * SYN (seq, or a SYN-ACK's ack, just past its ISN); 0 is a loose
	 * flow's ISN */
	if (s.proto == 0 || s.proto == IPPROTO_TCP) {
		static const uint32_t seqs[] = { 0xfffffffe, 0xffffffff, 0, 1 };

		pkt_set_tcp_seq(p, seqs[pick(4)]);
		pkt_set_tcp_ack(p, seqs[pick(4)]);
	}

	/* mutations: cut short, or a random byte anywhere in the headers */
	switch (pick(12)) {
	case 0:
		p->len = 14 + pick(p->len - 14);
		break;
	case 1: {
		size_t at = pick(p->l4_end + 1 < p->len ? p->l4_end + 1 : p->len);

		p->b[at] = pick(256);
		break;
	}
	case 2:   /* a UDP length near the payload's, either side */
		if (s.proto == IPPROTO_UDP && p->l4 + 6 <= p->len) {
			unsigned ulen = 8 + s.payload + pick(5) - 2 - (pick(8) ? 0 : 8);

			p->b[p->l4 + 4] = (uint8_t)(ulen >> 8);
			p->b[p->l4 + 5] = (uint8_t)ulen;
		}
		break;
	default:
		break;
	}
}

struct diff {
	struct dpt t;
	struct ref r;
	uint64_t frames, mismatches, tc_refused;
};

static bool same_counters(struct diff *d)
{
	struct ts_dp_reason_stat rs[TS_R_MAX];
	struct ts_dp_rule_stat *rules = NULL;
	size_t n = 0;
	bool ok = true;

	if (ts_dp_reason_stats(d->t.dp, rs) || ts_dp_rule_stats(d->t.dp, &rules, &n)) {
		TS_CHECK(0, "cannot read counters");
		return false;
	}
	for (int r = 0; r < TS_R_MAX; r++) {
		if (rs[r].packets != d->r.reason_pkts[r] || rs[r].bytes != d->r.reason_bytes[r]) {
			TS_CHECK(0, "after %llu frames: reason %s: bpf %llu pkts/%llu bytes, ref %llu/%llu",
				 (unsigned long long)d->frames, ts_reason_name(r),
				 (unsigned long long)rs[r].packets, (unsigned long long)rs[r].bytes,
				 (unsigned long long)d->r.reason_pkts[r],
				 (unsigned long long)d->r.reason_bytes[r]);
			ok = false;
		}
	}
	for (size_t id = 1; id <= d->t.c->nrule_ids; id++) {
		uint32_t sid = ts_dp_stable_rule_id(d->t.dp, id);
		struct ts_dp_rule_stat *s = NULL;

		for (size_t i = 0; i < n; i++)
			if (rules[i].rule_id == sid)
				s = &rules[i];
		if (!s || s->packets != d->r.rule_pkts[id] || s->bytes != d->r.rule_bytes[id] ||
		    s->opened != d->r.rule_opened[id]) {
			TS_CHECK(0, "after %llu frames: rule %zu (%s): bpf %llu/%llu/%llu, ref %llu/%llu/%llu",
				 (unsigned long long)d->frames, id, d->t.c->rule_info[id].text,
				 (unsigned long long)(s ? s->packets : 0), (unsigned long long)(s ? s->bytes : 0),
				 (unsigned long long)(s ? s->opened : 0), (unsigned long long)d->r.rule_pkts[id],
				 (unsigned long long)d->r.rule_bytes[id], (unsigned long long)d->r.rule_opened[id]);
			ok = false;
		}
	}
	free(rules);
	return ok;
}

struct flow_cmp {
	struct diff *d;
	size_t seen[2], bad;
};

static int cmp_flow(const struct ts_dp_flow *f, void *ctx)
{
	struct flow_cmp *fc = ctx;
	struct ref_table *t = ts_dp_flow_halfopen(f) ? &fc->d->r.halfopen : &fc->d->r.flows;
	struct ref_flow *rf = NULL;

	for (size_t i = 0; i < t->cap && !rf; i++)
		if (t->v[i].used && !memcmp(t->v[i].key, &f->key, sizeof(f->key)))
			rf = &t->v[i];
	fc->seen[ts_dp_flow_halfopen(f)]++;
	if (!rf || rf->state != f->val.state || rf->flags != f->val.flags || rf->isn != f->val.isn ||
	    ts_dp_stable_rule_id(fc->d->t.dp, rf->rule_id) != f->val.rule_id) {
		if (fc->bad++ < 5)
			TS_CHECK(0, "%s entry differs: bpf state %u flags 0x%x rule %u isn %u; ref %s",
				 ts_dp_flow_halfopen(f) ? "half-open" : "flow", f->val.state, f->val.flags,
				 f->val.rule_id, f->val.isn, rf ? "has other values" : "has no entry");
	}
	return 0;
}

static void compare_tables(struct diff *d)
{
	struct flow_cmp fc = { .d = d };

	ts_dp_flows_foreach(d->t.dp, cmp_flow, &fc);
	TS_CHECK(fc.seen[0] == d->r.flows.n, "flows: bpf %zu entries, ref %zu", fc.seen[0], d->r.flows.n);
	TS_CHECK(fc.seen[1] == d->r.halfopen.n, "half-open: bpf %zu entries, ref %zu", fc.seen[1],
		 d->r.halfopen.n);
	printf("# tables agree: %zu flows, %zu half-open\n", fc.seen[0], fc.seen[1]);
}

static int setup(struct diff *d, const char *policy_text)
{
	int err;

	memset(d, 0, sizeof(*d));
	err = dpt_open(&d->t, TABLE_CAP, TABLE_CAP);
	if (err)
		return err;
	d->t.min_timeout_s = 86400;
	err = policy_text ? dpt_install_text(&d->t, policy_text) : seed_open_installed(&d->t);
	if (!err)
		err = dpt_resolve_seed_names(&d->t);
	if (!err)
		err = ref_init(&d->r, d->t.reg, 4 * TABLE_CAP);
	for (size_t i = 0; !err && i < d->t.nhosts; i++)
		err = ref_add_host(&d->r, d->t.hosts[i].net.family, d->t.hosts[i].net.addr,
				   d->t.hosts[i].set_id);
	return err;
}

static uint64_t all_frames, all_mismatches;   /* over every configuration */

static void run_diff(const char *name, const char *policy_text, uint64_t frames)
{
	struct diff d;
	int err = setup(&d, policy_text);
	struct pkt p;

	TS_CHECK(!err, "%s: setup failed: %s", name, strerror(-err));
	if (err)
		goto out;
	while (d.frames < frames && d.mismatches < 10) {
		enum ts_hook hook = pick(4) ? TS_HOOK_XDP : TS_HOOK_TC_EGRESS;
		bool bpf_drop, ref_drop;
		uint32_t reason;

		random_frame(&p);
		reason = ref_packet(&d.r, p.b, p.len, &ref_drop);
		err = dpt_run(&d.t, hook, &p, &bpf_drop);
		if (err == -EINVAL && hook == TS_HOOK_TC_EGRESS) {
			/* the kernel's skb test harness refuses some cut frames
			 * (it parses L3 itself); both hooks share the core */
			d.tc_refused++;
			hook = TS_HOOK_XDP;
			err = dpt_run(&d.t, hook, &p, &bpf_drop);
		}
		if (err) {
			TS_CHECK(0, "%s: PROG_TEST_RUN (hook %d) of a %zu-byte frame: %s", name, hook, p.len, strerror(-err));
			break;
		}
		d.frames++;
		if (bpf_drop != ref_drop) {
			d.mismatches++;
			TS_CHECK(0, "%s: frame %llu (%zu bytes, hook %d): bpf %s, ref %s (%s)", name,
				 (unsigned long long)d.frames, p.len, hook, bpf_drop ? "drop" : "pass",
				 ref_drop ? "drop" : "pass", ts_reason_name(reason));
			for (size_t i = 0; i < p.len && i < 96; i++)
				fprintf(stderr, "%02x%s", p.b[i], i % 16 == 15 ? "\n" : " ");
			fprintf(stderr, "\n");
		}
		if (d.frames % CHECK_EVERY == 0 && !same_counters(&d))
			break;
	}
	if (!ts_failed()) {
		same_counters(&d);
		compare_tables(&d);
	}
	printf("# %s: %llu frames, %llu verdict mismatches (%llu frames refused by tc test-run, run on XDP)\n",
	       name, (unsigned long long)d.frames, (unsigned long long)d.mismatches,
	       (unsigned long long)d.tc_refused);
	all_frames += d.frames;
	all_mismatches += d.mismatches;
out:
	ref_free(&d.r);
	dpt_close(&d.t);
}

static uint64_t total_frames;

static void test_diff_seed(void)
{
	run_diff("seed", NULL, total_frames / 2);
}

#define SEED_RULES \
	"component endpoints { 198.51.100.0/26 2001:db8:100::/56 }\n" \
	"component device-manager { 203.0.113.10 2001:db8:200::10 }\n" \
	"component waf { acme.x.incapdns.net }\n" \
	"component aggregator { acme-aggregator.azurewebsites.net }\n" \
	"component azure-blob { 192.0.2.64/30 2001:db8:500::/64 }\n" \
	"component sharefile { acme.sharefile.com }\n" \
	"component redirect-server { redirect.audiocodes.com }\n" \
	"rule \"E1 D1\": endpoints <-> device-manager tcp/443\n" \
	"rule \"E2 W1\": endpoints -> waf tcp/443\n" \
	"rule \"W2 A1\": waf <-> aggregator tcp/443,80\n" \
	"rule \"D2 B2\": device-manager -> azure-blob tcp/443\n" \
	"rule \"D4 R1\": device-manager -> redirect-server tcp/443\n" \
	"rule \"N1\": endpoints -> device-manager udp/123,443\n" \
	"rule \"Q1\": endpoints <-> waf udp/443 tcp/22\n" \
	"rule \"P1\": device-manager -> endpoints icmp/echo\n"

static void test_diff_drop_loose(void)
{
	run_diff("scope-drop+loose", "settings {\n scope tcp/443,80,22 udp/123,443 icmp/echo\n outside-scope drop\n"
		 " loose-pickup on\n resolvers 192.0.2.2 2001:db8:53::2\n}\n" SEED_RULES,
		 total_frames / 4);
}

static void test_diff_audit(void)
{
	run_diff("audit", "settings {\n scope tcp/443 udp/443 icmp/echo\n outside-scope drop\n audit on\n"
		 " resolvers 192.0.2.2\n}\n" SEED_RULES, total_frames - total_frames / 2 - total_frames / 4);
}

int main(void)
{
	const char *n = getenv("TS_DIFF_PACKETS"), *s = getenv("TS_DIFF_SEED");
	struct timespec t0, t1;
	double secs;

	if (!ts_is_root()) {
		ts_skip("dp_differential", "needs root");
		return 0;
	}
	total_frames = n ? strtoull(n, NULL, 0) : 1000000;
	rng_state = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + 1;
	printf("# TS_DIFF_SEED=%llu TS_DIFF_PACKETS=%llu\n", (unsigned long long)rng_state,
	       (unsigned long long)total_frames);
	ts_log_route_libbpf();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (seed_policy_path())
		ts_run("dp_differential_seed", test_diff_seed);
	else
		ts_skip("dp_differential_seed", "policies/seed.policy not found");
	ts_run("dp_differential_scope_drop_loose", test_diff_drop_loose);
	ts_run("dp_differential_audit", test_diff_audit);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* the summary `make soak` reports: wall time, so the rate includes
	 * the reference evaluator and the counter checks */
	printf("# differential: %llu frames, %llu mismatches, %.0f s, %.0f frames/s\n",
	       (unsigned long long)all_frames, (unsigned long long)all_mismatches, secs,
	       secs > 0 ? all_frames / secs : 0.0);
	return ts_done();
}
