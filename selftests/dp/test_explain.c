// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `explain` agrees with the programs: for every ordered pair of the seed
 * world and for a large random sample of (source, destination, port) over a
 * policy with overlapping CIDRs, host names, resolvers, a scope and each
 * outside-scope and audit setting, the verdict explain's engine
 * (ts_lookup_first) gives is the reason the real XDP program counts a SYN,
 * a first UDP datagram or an echo request under, and the rule it names is the one whose "opened" counter moved.
 * Explain also names each address's set whatever the port (never "no
 * component" for an address the maps hold).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader/lookup.h"
#include "seed.h"
#include "testlib.h"
#include "pkt.h"


static uint16_t next_port = 1024;
static struct ts_judge *J;     /* explain's program on the test's maps */

/* The test policies' rule ids are below this: only those are read. */
#define RULE_IDS 64

/* Connections opened per rule id, summed over CPUs. */
static int opened_per_rule(const struct dpt *t, uint64_t opened[RULE_IDS])
{
	int ncpus = libbpf_num_possible_cpus();
	struct ts_rule_counter v[ncpus > 0 ? ncpus : 1];

	for (uint32_t id = 0; id < RULE_IDS; id++) {
		if (bpf_map_lookup_elem(ts_dp_map_fd(t->dp, TS_MAP_RULE_STATS), &id, v))
			return -errno;
		opened[id] = 0;
		for (int c = 0; c < ncpus; c++)
			opened[id] += v[c].opened;
	}
	return 0;
}

/* The rule whose `opened` counter moved by one, 0 if none, -1 if several. */
static int64_t opened_rule(const uint64_t before[RULE_IDS], const uint64_t after[RULE_IDS])
{
	int64_t found = 0;

	for (uint32_t id = 0; id < RULE_IDS; id++) {
		if (after[id] == before[id])
			continue;
		if (found || after[id] != before[id] + 1)
			return -1;
		found = id;
	}
	return found;
}

static struct ts_net net_of(const char *s)
{
	struct pkt_addr a = pkt_ip(s);
	struct ts_net n = { .family = a.family, .plen = a.family == 4 ? 32 : 128 };

	memcpy(n.addr, a.a, 16);
	return n;
}

/* explain's verdict, and proof it wrote nothing: no flow, no counter. */
static int judged_without_state(struct dpt *t, const struct ts_net *s, const struct ts_net *d,
				uint32_t port, struct ts_syn_verdict *v)
{
	struct ts_dp_reason_stat rb[TS_R_MAX], ra[TS_R_MAX];
	struct ts_dp_fill fb, fa;
	int err;

	if ((err = ts_dp_reason_stats(t->dp, rb)) || (err = ts_dp_fill_levels(t->dp, &fb)) ||
	    (err = ts_lookup_first(J, t->dp, s, d, port, v)) || (err = ts_dp_reason_stats(t->dp, ra)) ||
	    (err = ts_dp_fill_levels(t->dp, &fa)))
		return err;
	TS_CHECK(!memcmp(rb, ra, sizeof(ra)) && fb.halfopen == fa.halfopen && fb.flows == fa.flows,
		 "explain changed the dataplane's counters or flows");
	return 0;
}

/* The first packet to port index `port` (ts_port_index): a SYN, a UDP
 * datagram or an echo request, from source port (identifier) sport. */
static void first_packet(struct pkt *p, const char *src, uint16_t sport, const char *dst, uint32_t port)
{
	struct pkt_spec s = { .src = pkt_ip(src), .dst = pkt_ip(dst), .sport = sport,
			      .dport = (uint16_t)(port % TS_PLANE_PORTS), .payload = 8 };

	if (port / TS_PLANE_PORTS == TS_PLANE_TCP) {
		dpt_tcp(p, src, sport, dst, (uint16_t)port, SYN, 0);
		return;
	}
	if (port / TS_PLANE_PORTS == TS_PLANE_UDP) {
		/* a UDP datagram from a governed port to an ungoverned one is an
		 * answer no flow explains: explain's source port is ungoverned,
		 * as this one (no flow, it never meets an earlier probe's) */
		s.proto = IPPROTO_UDP;
		s.sport = (uint16_t)(TS_LOOKUP_SPORT + sport % 1000);
	} else {
		s.proto = s.src.family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		s.icmp_type = s.src.family == 4 ? 8 : 128;
		s.dport = 1;
	}
	pkt_build(&s, p);
}

/* One first packet: explain's answer against the program's. False on a
 * mismatch (one failed check names the triple). */
static bool compare(struct dpt *t, const char *src, const char *dst, uint32_t port)
{
	uint64_t ob[RULE_IDS], oa[RULE_IDS];
	struct ts_net s = net_of(src), d = net_of(dst);
	struct ts_addr_lookup ls, ld;
	struct ts_syn_verdict v;
	int64_t rule;
	struct pkt p;
	int got, err;
	bool ok;

	err = judged_without_state(t, &s, &d, port, &v);
	if (!err)
		err = ts_lookup_addr(t->dp, v.slot, &s, &ls);
	if (!err)
		err = ts_lookup_addr(t->dp, v.slot, &d, &ld);
	TS_CHECK(!err, "%s -> %s port %#x: explain failed: %s", src, dst, port, strerror(-err));
	if (err)
		return false;
	first_packet(&p, src, next_port++, dst, port);
	if (next_port < 1024)
		next_port = 1024;
	err = opened_per_rule(t, ob);
	got = err ? err : dpt_reason(t, TS_HOOK_XDP, &p);
	if (!err)
		err = opened_per_rule(t, oa);
	rule = err ? -1 : opened_rule(ob, oa);
	ok = got >= 0 && !err && (uint32_t)got == v.reason && rule == v.rule_id;
	TS_CHECK(ok, "%s -> %s port %#x: explain says %s rule %u, the program %s rule %lld", src, dst,
		 port, ts_reason_name(v.reason), v.rule_id,
		 got >= 0 ? ts_reason_name(got) : strerror(-got), (long long)rule);
	if (ok) {
		ok = v.src.set_id == ls.set_id && v.dst.set_id == ld.set_id;
		TS_CHECK(ok, "%s -> %s port %#x: explain names sets %u -> %u, the maps hold %u -> %u",
			 src, dst, port, v.src.set_id, v.dst.set_id, ls.set_id, ld.set_id);
	}
	return ok;
}

static void test_seed_pairs(void)
{
	static const uint16_t ports[] = { 443, 53, 80, 8443 };
	static const char *const resolvers[2] = { "192.0.2.2", "2001:db8:53::2" };
	struct dpt t;
	int err = seed_open(&t);

	if (!err)
		err = ts_judge_open(&J, t.dp);
	TS_CHECK(!err, "seed world: %s", strerror(-err));
	if (err)
		return;
	for (int fam = 0; fam < 2; fam++) {
		for (int a = 0; a < SEED_N; a++) {
			for (int b = 0; b < SEED_N; b++) {
				if (a == b)
					continue;
				for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
					if (!compare(&t, seed_host[a][fam], seed_host[b][fam], ports[i]))
						goto out;
			}
			/* DNS over TCP to the resolver, and from it */
			if (!compare(&t, seed_host[a][fam], resolvers[fam], 53) ||
			    !compare(&t, resolvers[fam], seed_host[a][fam], 53) ||
			    !compare(&t, seed_host[a][fam], resolvers[fam], 443))
				goto out;
		}
	}
out:
	ts_judge_close(J);
	dpt_close(&t);
}

/* Overlapping CIDRs, a host inside another component's CIDR, names
 * resolved into CIDRs, a resolver inside a component, a scope with a range. */
static const char *const policy_fmt =
	"settings {\n"
	"    scope tcp/443, 53, 8000-8100 udp/443,53,8000-8100 icmp/echo\n"
	"%s"
	"}\n"
	"component sites { 198.51.100.0/24\n 2001:db8:100::/48 }\n"
	"component lab { 198.51.100.0/26\n 198.51.100.64/27\n 2001:db8:100:1::/64 }\n"
	"component phones { 198.51.100.70\n 2001:db8:100:1::70\n 198.51.100.128/25 }\n"
	"component dc { 203.0.113.0/24\n 2001:db8:200::/48\n api.example.net }\n"
	"component infra { 192.0.2.0/25\n 2001:db8:53::/64 }\n"
	"component cloud { store.example.net\n *.blob.example.net }\n"
	"rule \"R1\": sites -> dc tcp/443\n"
	"rule \"R2\": lab <-> dc tcp/8000-8050\n"
	"rule \"R3\": phones -> cloud tcp/443, 8100\n"
	"rule \"R4\": dc <- cloud tcp/8050-8100\n"
	"rule \"R5\": infra -> sites tcp/53\n"
	"rule \"R6\": lab -> phones tcp/443\n"
	"rule \"R7\": sites -> dc udp/443, 8000-8010 tcp/8090\n"
	"rule \"R8\": phones <- dc icmp/echo udp/53\n"
	"rule \"R9\": lab <-> infra icmp/echo\n";

static const char *const pool4[] = {
	"198.51.100.1", "198.51.100.63", "198.51.100.64", "198.51.100.70", "198.51.100.95",
	"198.51.100.96", "198.51.100.127", "198.51.100.128", "198.51.100.200", "198.51.100.255",
	"203.0.113.1", "203.0.113.7", "203.0.113.99", "192.0.2.2", "192.0.2.5", "192.0.2.126",
	"192.0.2.200", "192.0.2.77",
};
static const char *const pool6[] = {
	"2001:db8:100::1", "2001:db8:100:1::1", "2001:db8:100:1::70", "2001:db8:100:2::5",
	"2001:db8:200::1", "2001:db8:200::7", "2001:db8:53::2", "2001:db8:53::9",
	"2001:db8:999::1", "2001:db8:300::77",
};

static void random_sample(const char *settings, const char *what)
{
	static const uint16_t ports[] = { 443, 53, 8000, 8001, 8050, 8051, 8100, 7999, 8101, 22, 80 };
	char text[4096];
	struct dpt t;
	int err;

	snprintf(text, sizeof(text), policy_fmt, settings);
	err = dpt_open(&t, 1u << 16, 1u << 16);
	if (!err) {
		t.resolvers = "192.0.2.2,2001:db8:53::2";
		err = dpt_install_text(&t, text);
	}
	/* names: into a CIDR of another component, and apart */
	if (!err)
		err = dpt_resolve(&t, "dc", "198.51.100.70");
	if (!err)
		err = dpt_resolve(&t, "dc", "203.0.113.7");
	if (!err)
		err = dpt_resolve(&t, "cloud", "192.0.2.77");
	if (!err)
		err = dpt_resolve(&t, "cloud", "2001:db8:300::77");
	if (!err)
		err = dpt_resolve(&t, "cloud", "2001:db8:200::7");
	if (!err)
		err = ts_judge_open(&J, t.dp);
	TS_CHECK(!err, "%s: set up: %s", what, strerror(-err));
	if (!err) {
		srand(13);
		for (int i = 0; i < 3000; i++) {
			bool v6 = rand() % 3 == 0;
			const char *const *pool = v6 ? pool6 : pool4;
			size_t n = v6 ? sizeof(pool6) / sizeof(pool6[0]) : sizeof(pool4) / sizeof(pool4[0]);
			int pi = rand() % (int)(sizeof(ports) / sizeof(ports[0]) + 1);
			int plane = rand() % 3;
			uint32_t port = pi < (int)(sizeof(ports) / sizeof(ports[0])) ? ports[pi]
							       : (uint32_t)(1 + rand() % 65535);

			/* TCP, UDP, or icmp/echo */
			port = plane == 2 ? ts_port_index(TS_PLANE_ICMP, TS_ICMP_ECHO_PORT)
					  : ts_port_index((uint32_t)plane, port);

			if (!compare(&t, pool[rand() % n], pool[rand() % n], port))
				break;
		}
		ts_judge_close(J);
	}
	dpt_close(&t);
}

static void test_random_drop(void)
{
	random_sample("    outside-scope drop\n", "outside-scope drop");
}

static void test_random_pass_audit(void)
{
	random_sample("    outside-scope pass\n    audit on\n", "outside-scope pass, audit");
}

static void test_random_loose(void)
{
	random_sample("    outside-scope drop\n    loose-pickup on\n", "loose pickup");
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("explain_agrees", "needs root (BPF)");
		return ts_done();
	}
	ts_run("explain_seed_pairs", test_seed_pairs);
	ts_run("explain_random_outside_drop", test_random_drop);
	ts_run("explain_random_outside_pass_audit", test_random_pass_audit);
	ts_run("explain_random_loose_pickup", test_random_loose);
	return ts_done();
}
