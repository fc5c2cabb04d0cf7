// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fast path decides an opening SYN as the full path does: the same
 * frame untagged (the fast path's shape: a refusal decided there, an
 * allowed SYN's rule handed to the full path) and with a VLAN tag (which
 * only the full path parses) gets the same reason, the same counters
 * (reasons, interfaces, rules) and the same event, but for the tag's 4
 * bytes and its VLAN id; on both hooks, IPv4 and IPv6.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "testlib.h"
#include "pkt.h"

#define POLICY                                                        \
	"settings {\n scope tcp/443\n outside-scope pass\n}\n"         \
	"component clients { 10.1.0.0/16 2001:db8:1::/48 }\n"           \
	"component server { 10.2.0.1 2001:db8:2::1 }\n"                 \
	"rule \"C\": clients -> server tcp/443\n"

/* What one frame moved: the reason counters and the interface counters,
 * summed over interfaces. */
#define RULES_SEEN 16

struct moved {
	struct ts_dp_reason_stat reason[TS_R_MAX];
	struct ts_iface_counter iface;
	struct ts_rule_counter rule[RULES_SEEN];   /* by rule id */
};

static void snapshot(struct dpt *t, struct moved *m)
{
	struct ts_dp_iface_stat *is = NULL;
	struct ts_dp_rule_stat *rs = NULL;
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	TS_CHECK(!ts_dp_reason_stats(t->dp, m->reason), "read reason counters");
	TS_CHECK(!ts_dp_iface_stats(t->dp, &is, &n), "read interface counters");
	for (size_t i = 0; i < n; i++) {
		uint64_t *dst = (uint64_t *)&m->iface;
		const uint64_t *src = (const uint64_t *)&is[i].c;

		for (size_t w = 0; w < sizeof(m->iface) / 8; w++)
			dst[w] += src[w];
	}
	free(is);
	TS_CHECK(!ts_dp_rule_stats(t->dp, &rs, &n), "read rule counters");
	for (size_t i = 0; i < n; i++) {
		TS_CHECK(rs[i].rule_id < RULES_SEEN, "rule id %u", rs[i].rule_id);
		if (rs[i].rule_id < RULES_SEEN)
			m->rule[rs[i].rule_id] = (struct ts_rule_counter){ rs[i].packets, rs[i].bytes, rs[i].opened };
	}
	free(rs);
}

/* Runs p; *d: what it moved. Returns the verdict (true: dropped). */
static bool run_moved(struct dpt *t, enum ts_hook hook, const struct pkt *p, struct moved *d)
{
	struct moved before, after;
	bool drop = false;

	snapshot(t, &before);
	TS_CHECK(!dpt_run(t, hook, p, &drop), "run");
	snapshot(t, &after);
	for (int r = 0; r < TS_R_MAX; r++) {
		d->reason[r].packets = after.reason[r].packets - before.reason[r].packets;
		d->reason[r].bytes = after.reason[r].bytes - before.reason[r].bytes;
	}
	for (size_t w = 0; w < sizeof(d->iface) / 8; w++)
		((uint64_t *)&d->iface)[w] = ((uint64_t *)&after.iface)[w] - ((uint64_t *)&before.iface)[w];
	for (int i = 0; i < RULES_SEEN; i++) {
		d->rule[i].packets = after.rule[i].packets - before.rule[i].packets;
		d->rule[i].bytes = after.rule[i].bytes - before.rule[i].bytes;
		d->rule[i].opened = after.rule[i].opened - before.rule[i].opened;
	}
	return drop;
}

/* The same moves, but every byte count of the tagged frame is 4 more. */
static void expect_same_moves(const struct moved *fast, const struct moved *full, const char *what)
{
	for (int r = 0; r < TS_R_MAX; r++) {
		const struct ts_dp_reason_stat *a = &fast->reason[r], *b = &full->reason[r];

		TS_CHECK(a->packets == b->packets && a->bytes + 4 * a->packets == b->bytes,
			 "%s: %s moved %llu/%llu untagged, %llu/%llu tagged", what, ts_reason_name(r),
			 (unsigned long long)a->packets, (unsigned long long)a->bytes,
			 (unsigned long long)b->packets, (unsigned long long)b->bytes);
	}
	for (size_t w = 0; w < sizeof(fast->iface) / 8; w += 2) {
		const uint64_t *a = (const uint64_t *)&fast->iface + w, *b = (const uint64_t *)&full->iface + w;

		TS_CHECK(a[0] == b[0] && a[1] + 4 * a[0] == b[1],
			 "%s: interface counter %zu moved %llu/%llu untagged, %llu/%llu tagged", what, w / 2,
			 (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)b[0],
			 (unsigned long long)b[1]);
	}
	for (int i = 0; i < RULES_SEEN; i++) {
		const struct ts_rule_counter *a = &fast->rule[i], *b = &full->rule[i];

		TS_CHECK(a->packets == b->packets && a->bytes + 4 * a->packets == b->bytes &&
				 a->opened == b->opened,
			 "%s: rule %d moved %llu/%llu/%llu untagged, %llu/%llu/%llu tagged", what, i,
			 (unsigned long long)a->packets, (unsigned long long)a->bytes,
			 (unsigned long long)a->opened, (unsigned long long)b->packets,
			 (unsigned long long)b->bytes, (unsigned long long)b->opened);
	}
}

struct opening_case {
	const char *what, *src, *dst;
	uint16_t dport;
	int want;
};

static const struct opening_case cases[] = {
	{ "refused SYN, v4", "10.9.0.1", "10.2.0.1", 443, TS_R_DROP_NO_RULE },
	{ "refused SYN, v6", "2001:db8:9::1", "2001:db8:2::1", 443, TS_R_DROP_NO_RULE },
	{ "client to an unlisted host, v4", "10.1.0.5", "10.2.0.9", 443, TS_R_DROP_NO_RULE },
	{ "allowed SYN, v4", "10.1.0.5", "10.2.0.1", 443, TS_R_PASS_NEW },
	{ "allowed SYN, v6", "2001:db8:1::5", "2001:db8:2::1", 443, TS_R_PASS_NEW },
	{ "outside the scope, v4", "10.9.0.1", "10.2.0.1", 80, TS_R_PASS_OUT_OF_SCOPE },
};

static void test_opening_fast_as_full(void)
{
	struct ts_dp_events *evs = NULL;
	struct ev_log log = {};
	uint16_t sport = 40000;
	struct dpt t;

	if (dpt_open(&t, 1024, 1024) || dpt_install_text(&t, POLICY)) {
		TS_CHECK(0, "setup");
		return;
	}
	TS_CHECK(!ts_dp_events_open(t.dp, ev_log_add, &log, &evs) && evs, "events open");
	for (int hook = TS_HOOK_XDP; hook <= TS_HOOK_TC_EGRESS && evs; hook++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct opening_case *c = &cases[i];
			bool refused = c->want >= TS_R_DROP_NO_RULE;
			struct moved fast = {}, full = {};
			struct pkt untagged, tagged;
			char what[128];

			snprintf(what, sizeof(what), "%s, hook %d", c->what, hook);
			/* a refused SYN the same on both; an allowed one takes a
			 * half-open entry: its tagged copy comes from another port */
			dpt_tcp(&untagged, c->src, sport, c->dst, c->dport, 0x02, 0);
			dpt_tcp(&tagged, c->src, refused ? sport : sport + 1, c->dst, c->dport, 0x02, 1);
			sport += 2;
			log.n = 0;
			TS_CHECK(run_moved(&t, hook, &untagged, &fast) == refused, "%s: untagged verdict", what);
			TS_CHECK(run_moved(&t, hook, &tagged, &full) == refused, "%s: tagged verdict", what);
			TS_CHECK(fast.reason[c->want].packets == 1, "%s: untagged not counted as %s", what,
				 ts_reason_name(c->want));
			TS_CHECK(refused || c->want != TS_R_PASS_NEW || fast.rule[1].opened == 1,
				 "%s: rule 1 opened %llu", what, (unsigned long long)fast.rule[1].opened);
			expect_same_moves(&fast, &full, what);
			ts_dp_events_poll(evs, 100);
			TS_CHECK(log.n == (refused ? 2 : 0), "%s: %d events, want %d", what, log.n,
				 refused ? 2 : 0);
			if (log.n == 2) {
				struct ts_event a = log.ev[0], b = log.ev[1];

				TS_CHECK(a.vlan == 0 && b.vlan == 100, "%s: event vlans %u, %u", what, a.vlan,
					 b.vlan);
				TS_CHECK(a.reason == (uint32_t)c->want && a.verdict == TS_VERDICT_DROP && a.proto == 6 &&
					 a.tcp_flags == 0x02 && a.hook == hook && a.ts_ns,
					 "%s: event reason %u verdict %u proto %u flags %#x hook %u", what, a.reason,
					 a.verdict, a.proto, a.tcp_flags, a.hook);
				a.ts_ns = b.ts_ns = 0;
				a.vlan = b.vlan = 0;
				TS_CHECK(!memcmp(&a, &b, sizeof(a)), "%s: the two events differ", what);
			}
		}
	}
	ts_dp_events_close(evs);
	dpt_close(&t);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("dp_opening_fast_as_full", "needs root");
		return 0;
	}
	ts_run("dp_opening_fast_as_full", test_opening_fast_as_full);
	return ts_done();
}
