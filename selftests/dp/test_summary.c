// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_summary - the address summary (include/turnstile.h), which refuses
 * an address in no component with one load instead of the table probes:
 * every entry's address has its bit, whether the install wrote it or a
 * name resolved at run time, at the length the slot's shortest prefix
 * gives; the datapath trusts a clear bit (a listed client is refused once
 * its bit is gone); a reload makes the new slot's summary from its own
 * entries and clears the old one; and at 10,000 prefixes most unlisted
 * addresses find their bit clear.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "dp/dp.h"
#include "policy/compiled.h"
#include "dpt.h"
#include "expect.h"
#include "testlib.h"
#include "pkt.h"

static const char policy[] =
	"settings {\n scope tcp/443\n outside-scope pass\n}\n"
	"component clients { 10.1.0.0/16 2001:db8:1::/48 }\n"
	"component wide { 198.18.0.0/15 }\n"
	"component server { 10.2.0.1 2001:db8:2::1 }\n"
	"component api { api.example }\n"
	"rule \"C\": clients -> server tcp/443\n"
	"rule \"W\": wide -> server tcp/443\n"
	"rule \"A\": clients -> api tcp/443\n";

/* the same without the /15: the shortest v4 length is /16 again */
static const char narrower[] =
	"settings {\n scope tcp/443\n outside-scope pass\n}\n"
	"component clients { 10.1.0.0/16 2001:db8:1::/48 }\n"
	"component server { 10.2.0.1 2001:db8:2::1 }\n"
	"rule \"C\": clients -> server tcp/443\n";

static struct ts_net host(const char *s)
{
	struct ts_net n = {};

	if (inet_pton(AF_INET, s, n.addr) == 1) {
		n.family = TS_FAMILY_V4;
		n.plen = 32;
	} else {
		inet_pton(AF_INET6, s, n.addr);
		n.family = TS_FAMILY_V6;
		n.plen = 128;
	}
	return n;
}

/* Does the active slot's summary have the bit of this address? */
static bool may_hold(struct dpt *t, const char *addr)
{
	struct ts_net n = host(addr);
	struct ts_config cfg;
	struct ts_slot_cfg sc;

	if (ts_dp_config_read(t->dp, &cfg) || ts_dp_slot_cfg_read(t->dp, &sc))
		return false;
	return ts_dp_summary_may_hold(t->dp, cfg.active_slot & 1, &sc, &n);
}

/* A SYN from src to dst's port 443 through XDP gets reason `want`. */
static void expect_syn(struct dpt *t, const char *src, uint16_t sport, const char *dst, int want,
		       const char *what)
{
	struct pkt p;

	dpt_tcp(&p, src, sport, dst, 443, SYN, 0);
	expect_reason(t, TS_HOOK_XDP, &p, want, what);
}

/* Clear the active slot's summary through the map, as nothing in the
 * product ever does while the slot is live. */
static int clear_active_summary(struct dpt *t)
{
	int fd = ts_dp_map_fd(t->dp, TS_MAP_TAGS);
	struct ts_config cfg;
	uint64_t zero = 0;

	if (fd < 0 || ts_dp_config_read(t->dp, &cfg))
		return -1;
	for (uint32_t i = 0; i <= cfg.summary_mask; i++) {
		uint32_t k = ts_summary_slot_base(cfg.summary_base, cfg.summary_mask, cfg.active_slot) + i;

		if (bpf_map_update_elem(fd, &k, &zero, BPF_ANY))
			return -1;
	}
	return 0;
}

static void test_entries_have_their_bits(void)
{
	struct ts_slot_cfg sc;
	struct dpt t = {};
	static const char *const unlisted[] = { "203.0.113.7", "198.51.100.7", "100.64.0.7",
						"100.66.0.7", "100.68.0.7", "100.70.0.7" };
	const char *api = NULL;

	if (dpt_open(&t, 1024, 1024) || dpt_install_text(&t, policy)) {
		TS_CHECK(0, "setup");
		dpt_close(&t);
		return;
	}
	TS_CHECK(!ts_dp_slot_cfg_read(t.dp, &sc) && sc.summary_len_v4 == 15 && sc.summary_len_v6 == 48,
		 "summary lengths %u / %u, want the shortest prefixes, 15 / 48", sc.summary_len_v4,
		 sc.summary_len_v6);
	/* compiled entries: prefixes (any address in them), hosts */
	TS_CHECK(may_hold(&t, "10.1.0.5") && may_hold(&t, "10.1.255.255"), "clients' /16");
	TS_CHECK(may_hold(&t, "198.19.200.1"), "wide's /15, its second half");
	TS_CHECK(may_hold(&t, "10.2.0.1") && may_hold(&t, "2001:db8:2::1"), "the server");
	TS_CHECK(may_hold(&t, "2001:db8:1:ffff::9"), "clients' /48");
	/* a name resolved at run time: its bit before its entry. The bit is
	 * the address's /15's, and at a random seed an entry may share it:
	 * the first of these /15s whose bit is clear */
	for (unsigned i = 0; i < sizeof(unlisted) / sizeof(unlisted[0]) && !api; i++)
		if (!may_hold(&t, unlisted[i]))
			api = unlisted[i];
	TS_CHECK(api, "every candidate address has its bit before it is listed");
	if (!api)
		goto out;
	TS_CHECK(!dpt_resolve(&t, "api", api), "resolve api.example");
	TS_CHECK(may_hold(&t, api), "the resolved address %s has its bit", api);
	expect_syn(&t, "10.1.0.5", 1000, api, TS_R_PASS_NEW, "clients -> api once resolved");
	expect_syn(&t, "198.19.200.1", 1000, "10.2.0.1", TS_R_PASS_NEW, "wide -> server");
	expect_syn(&t, "192.0.2.1", 1000, "10.2.0.1", TS_R_DROP_NO_RULE, "an unlisted source");

	/* the datapath trusts a clear bit: with the summary gone, the
	 * listed client is in no component */
	TS_CHECK(!clear_active_summary(&t), "clear the active summary");
	expect_syn(&t, "10.1.0.5", 1001, "10.2.0.1", TS_R_DROP_NO_RULE, "a listed client without its bit");
	TS_CHECK(!may_hold(&t, "10.1.0.5"), "userspace reads the same summary");
out:
	dpt_close(&t);
}

static void test_reload_makes_its_own(void)
{
	struct ts_slot_cfg sc;
	struct ts_config cfg;
	struct dpt t = {};
	uint64_t before;

	if (dpt_open(&t, 1024, 1024) || dpt_install_text(&t, policy)) {
		TS_CHECK(0, "setup");
		dpt_close(&t);
		return;
	}
	TS_CHECK(!ts_dp_config_read(t.dp, &cfg), "config");
	before = ts_dp_summary_set_bits(t.dp, cfg.active_slot);
	TS_CHECK(before >= 3 && ts_dp_summary_set_bits(t.dp, cfg.active_slot ^ 1) == 0,
		 "bits set: active %llu (want >= 3), inactive %llu (want 0)", (unsigned long long)before,
		 (unsigned long long)ts_dp_summary_set_bits(t.dp, cfg.active_slot ^ 1));
	TS_CHECK(!dpt_install_text(&t, narrower), "reload without the /15");
	TS_CHECK(!ts_dp_slot_cfg_read(t.dp, &sc) && sc.summary_len_v4 == 16, "v4 summary length %u, want 16",
		 sc.summary_len_v4);
	TS_CHECK(ts_dp_summary_set_bits(t.dp, cfg.active_slot) == 0, "the old slot's summary is cleared: %llu bits",
		 (unsigned long long)ts_dp_summary_set_bits(t.dp, cfg.active_slot));
	TS_CHECK(may_hold(&t, "10.1.0.5") && may_hold(&t, "10.2.0.1"), "the new slot's entries have bits");
	expect_syn(&t, "10.1.0.5", 1000, "10.2.0.1", TS_R_PASS_NEW, "clients -> server after the reload");
	expect_syn(&t, "2001:db8:1::5", 1000, "2001:db8:2::1", TS_R_PASS_NEW, "clients -> server over IPv6");
	expect_syn(&t, "198.19.200.1", 1000, "10.2.0.1", TS_R_DROP_NO_RULE, "wide is gone");
	dpt_close(&t);
}

/* At 10,000 prefixes (and the summary sized to the tables' capacity) an
 * unlisted address finds its bit set rarely: at 8 bits per entry the
 * tables can hold, a full summary says "maybe" for 12%; these tables are
 * far from full. */
static void test_unlisted_mostly_ruled_out(void)
{
	const unsigned nprefixes = 10000, tries = 100000;
	size_t cap = 256 + nprefixes * 40, len = 0;
	char *text = malloc(cap);
	unsigned maybe = 0;
	struct dpt t = {};

	if (!text) {
		TS_CHECK(0, "malloc");
		return;
	}
	len += snprintf(text + len, cap - len, "component many {\n");
	for (unsigned i = 0; i < nprefixes; i++)   /* 10.x.y.0/24 */
		len += snprintf(text + len, cap - len, " 10.%u.%u.0/24\n", i / 256, i % 256);
	snprintf(text + len, cap - len, "}\ncomponent server { 10.200.0.1 }\n"
		 "rule \"M\": many -> server tcp/443\n");
	if (dpt_open(&t, 1024, 1024) || dpt_install_text(&t, text)) {
		TS_CHECK(0, "setup");
		goto out;
	}
	srand(7);
	for (unsigned i = 0; i < tries; i++) {
		char a[INET_ADDRSTRLEN];

		/* 100.64.0.0/10 and up: never in 10/8 */
		snprintf(a, sizeof(a), "%u.%u.%u.%u", 100 + rand() % 100, rand() % 256, rand() % 256,
			 rand() % 256);
		maybe += may_hold(&t, a);
	}
	printf("# %u prefixes: %u of %u unlisted addresses have their summary bit set\n", nprefixes,
	       maybe, tries);
	TS_CHECK(maybe < tries / 20, "%u of %u unlisted addresses not ruled out (want < 5%%)", maybe, tries);
	TS_CHECK(may_hold(&t, "10.39.15.200"), "a listed one is");
out:
	dpt_close(&t);
	free(text);
}

/* The datapath and the installer cut an address alike at every length:
 * a client component of one prefix of length L (the slot's summary
 * length) is allowed from the prefix's last address and refused from the
 * address after it, IPv4 at every length, IPv6 at each side of every byte
 * and word boundary. */
static void one_length(struct dpt *t, bool v6, unsigned plen)
{
	uint8_t base[16] = { 0x20, 0x01, 0x0d, 0xb8 }, last[16], next[16];
	char net[INET6_ADDRSTRLEN], in[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN], text[512];
	unsigned bits = v6 ? 128 : 32, nbytes = bits / 8;
	int af = v6 ? AF_INET6 : AF_INET, carry = 1, r;
	struct pkt p;

	if (!v6) {   /* 198.51.100.0 */
		base[0] = 198, base[1] = 51, base[2] = 100, base[3] = 0;
	}
	for (unsigned b = 0; b < nbytes; b++) {   /* the prefix, then all host bits set */
		unsigned keep = plen >= (b + 1) * 8 ? 8 : plen > b * 8 ? plen - b * 8 : 0;
		uint8_t m = keep ? (uint8_t)(0xff00 >> keep) : 0;

		base[b] &= m;
		last[b] = base[b] | (uint8_t)~m;
	}
	memcpy(next, last, sizeof(next));
	for (int b = nbytes - 1; b >= 0 && carry; b--)   /* last + 1 */
		carry = ++next[b] == 0;
	inet_ntop(af, base, net, sizeof(net));
	inet_ntop(af, last, in, sizeof(in));
	inet_ntop(af, next, out, sizeof(out));
	snprintf(text, sizeof(text),
		 "settings {\n scope tcp/443\n outside-scope pass\n}\n"
		 "component clients { %s/%u }\ncomponent server { %s }\n"
		 "rule \"C\": clients -> server tcp/443\n", net, plen, v6 ? "2001:db8:2::1" : "10.2.0.1");
	if (dpt_install_text(t, text)) {
		TS_CHECK(0, "install %s/%u", net, plen);
		return;
	}
	/* a port per length: an address can repeat, and its earlier SYN
	 * left a half-open entry */
	dpt_tcp(&p, in, 1000 + plen, v6 ? "2001:db8:2::1" : "10.2.0.1", 443, SYN, 0);
	r = dpt_reason(t, TS_HOOK_XDP, &p);
	TS_CHECK(r == TS_R_PASS_NEW, "%s/%u: its last address %s: reason %d", net, plen, in, r);
	if (plen && !carry) {   /* a /0 has no outside; nor has a prefix ending at the top */
		dpt_tcp(&p, out, 1000 + plen, v6 ? "2001:db8:2::1" : "10.2.0.1", 443, SYN, 0);
		TS_CHECK(dpt_reason(t, TS_HOOK_XDP, &p) == TS_R_DROP_NO_RULE, "%s/%u: the next address %s passed",
			 net, plen, out);
	}
}

static void test_every_length(void)
{
	static const unsigned v6_lens[] = { 0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65,
					    95, 96, 97, 111, 127, 128 };
	struct dpt t = {};

	if (dpt_open(&t, 1024, 1024)) {
		TS_CHECK(0, "setup");
		return;
	}
	for (unsigned l = 0; l <= 32; l++)
		one_length(&t, false, l);
	for (unsigned i = 0; i < sizeof(v6_lens) / sizeof(v6_lens[0]); i++)
		one_length(&t, true, v6_lens[i]);
	dpt_close(&t);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("dp_summary", "needs root");
		return 0;
	}
	ts_run("dp_summary_entries_have_their_bits", test_entries_have_their_bits);
	ts_run("dp_summary_reload_makes_its_own", test_reload_makes_its_own);
	ts_run("dp_summary_unlisted_mostly_ruled_out", test_unlisted_mostly_ruled_out);
	ts_run("dp_summary_every_length", test_every_length);
	return ts_done();
}
