// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_attempts - a SYN with another ISN of a half-open connection (a new
 * attempt, judged afresh) takes the slot of the entry it supersedes
 * (bpf/flow.h, flow_replace): claimed from the state the find read, as
 * the next generation, its tag byte and the table's count left as they
 * are, then published again. A removal and an insert would have taken
 * seven locked operations for it and put the entry in its home slot,
 * which this test frees first (the entry started beside it): so the test
 * fails if the new attempt goes anywhere else, or leaves a trace in the
 * tags or the count. Shown to fail (2026-12-05) on the build before
 * flow_replace: the new attempt moved to its home slot.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "expect.h"
#include "testlib.h"
#include "ts_table.h"

#define POLICY \
	"settings {\n scope tcp/443\n outside-scope pass\n}\n" \
	"component clients { 10.1.0.0/16 }\ncomponent server { 10.2.0.1 }\n" \
	"rule \"C\": clients -> server tcp/443\n"
#define OLD_ISN 0x11000000u   /* pkt_build's */
#define NEW_ISN 0x22000000u

static const char *const client = "10.1.0.5", *const server = "10.2.0.1";

static __u64 hash_of(const struct ts_config *cfg, uint16_t cport)
{
	struct ts_flow_key k = dpt_flow_key(6, client, cport, server, 443);

	return ts_hash((const __u64 *)&k, sizeof(k) / 8, cfg->hash_seed);
}

/* The state word of the half-open entry of cport's connection (the word
 * before its key in the mapped table), or NULL. */
static ts_word *state_of(struct dpt *t, uint16_t cport)
{
	struct ts_flow_key k = dpt_flow_key(6, client, cport, server, 443);
	struct ts_flow_val *v = ts_dp_flow_find(t->dp, true, &k);

	return v ? (ts_word *)((char *)v - offsetof(struct ts_flow_slot, val)) : NULL;
}

static struct ts_flow_val *val_at(ts_word *state)
{
	return (struct ts_flow_val *)((char *)state + offsetof(struct ts_flow_slot, val));
}

static __u64 tags_of(struct dpt *t, const struct ts_config *cfg, __u32 bi)
{
	__u32 i = cfg->tags_base[TS_TBL_HALFOPEN] + bi;
	__u64 tags = 0;

	TS_CHECK(!bpf_map_lookup_elem(ts_dp_map_fd(t->dp, TS_MAP_TAGS), &i, &tags), "tags of bucket %u", bi);
	return tags;
}

static __u32 halfopen_live(struct dpt *t)
{
	struct ts_dp_fill fill = {};

	TS_CHECK(!ts_dp_fill_levels(t->dp, &fill), "fill levels");
	return fill.halfopen;
}

static void test_new_attempt_takes_the_slot(void)
{
	__u32 mask, bi[2];
	uint16_t f = 2000, g = 3000;
	ts_word *home, *fs, st, tags0, tags1;
	struct ts_config cfg;
	struct ts_flow_val *v;
	struct pkt p;
	struct dpt t;
	__u64 hf;
	int err;

	err = dpt_open(&t, 1024, 64);
	if (!err)
		err = dpt_install_text(&t, POLICY);
	TS_CHECK(!err, "setup: %s", strerror(-err));
	TS_CHECK(!err && !ts_dp_config_read(t.dp, &cfg), "config");
	if (ts_failed())
		goto out;
	/* g's entry in f's home slot: the same first bucket and home */
	mask = cfg.bucket_mask[TS_TBL_HALFOPEN];
	hf = hash_of(&cfg, f);
	while (g < 60000 && (ts_table_bucket(hash_of(&cfg, g), mask, 0) != ts_table_bucket(hf, mask, 0) ||
			     ts_home_slot(hash_of(&cfg, g)) != ts_home_slot(hf)))
		g++;
	TS_CHECK(g < 60000, "no port shares the first bucket and home slot of port %u", f);
	if (ts_failed())
		goto out;
	dpt_tcp(&p, client, g, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN taking the home slot");
	dpt_tcp(&p, client, f, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN whose home slot is taken");
	home = state_of(&t, g);
	fs = state_of(&t, f);
	TS_CHECK(home && fs && home != fs, "entries not in two slots");
	dpt_tcp(&p, client, g, server, 443, RST, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "RST frees the home slot");
	TS_CHECK(!state_of(&t, g) && halfopen_live(&t) == 1, "the RST left the home slot's entry");
	if (ts_failed())
		goto out;

	bi[0] = ts_table_bucket(hf, mask, 0);
	bi[1] = ts_table_bucket(hf, mask, 1);
	tags0 = tags_of(&t, &cfg, bi[0]);
	tags1 = tags_of(&t, &cfg, bi[1]);
	st = *fs;
	TS_CHECK(val_at(fs)->isn == OLD_ISN, "first attempt's ISN %#x", val_at(fs)->isn);
	dpt_tcp(&p, client, f, server, 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "SYN retransmit");
	TS_CHECK(*fs == st, "a retransmit (the same ISN) changed the entry's state");
	pkt_set_tcp_seq(&p, NEW_ISN);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "a new attempt, another ISN");
	TS_CHECK(state_of(&t, f) == fs, "the new attempt left its slot (%s)",
		 state_of(&t, f) == home ? "for its home slot" : state_of(&t, f) ? "for another" : "gone");
	v = val_at(fs);
	TS_CHECK(v->isn == NEW_ISN && v->state == TS_TCP_SYN_SENT, "slot holds ISN %#x state %u, want the new attempt's",
		 v->isn, v->state);
	TS_CHECK(*fs == ts_slot_live(hf, ts_slot_next_gen(st)),
		 "state %#llx, want LIVE in the next generation of %#llx", (unsigned long long)*fs,
		 (unsigned long long)st);
	TS_CHECK(tags_of(&t, &cfg, bi[0]) == tags0 && tags_of(&t, &cfg, bi[1]) == tags1 && halfopen_live(&t) == 1,
		 "tags or count moved: %#llx %#llx (were %#llx %#llx), %u live",
		 (unsigned long long)tags_of(&t, &cfg, bi[0]), (unsigned long long)tags_of(&t, &cfg, bi[1]),
		 (unsigned long long)tags0, (unsigned long long)tags1, halfopen_live(&t));

	/* the new attempt's handshake completes; the old one's does not */
	dpt_tcp(&p, client, f, server, 443, ACK, 0);
	pkt_set_tcp_seq(&p, OLD_ISN + 1);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_FLOW, "the old attempt's ACK");
	pkt_set_tcp_seq(&p, NEW_ISN + 1);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_HANDSHAKE, "the new attempt's ACK");
	TS_CHECK(!state_of(&t, f) && halfopen_live(&t) == 0, "half-open entry left after the handshake");
out:
	dpt_close(&t);
}

int main(void)
{
	ts_run("dp_new_attempt_takes_the_slot", test_new_attempt_takes_the_slot);
	return ts_done();
}
