// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_tables - the exact-match tables across a crash: a policy writer
 * that died mid-write leaves a claimed slot or a tag byte that does not
 * match its slot; the next open that adopts the pinned maps repairs both
 * (ts_table_scrub), so an entry that had become unfindable is found again
 * and the live count is right. Pinned maps that lack ts_tags (or a table)
 * are refused, not half adopted. And the hash: keys one bit apart hash
 * apart for every seed the loader may draw, and it draws no other.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "dp/dp.h"
#include "dpt.h"
#include "expect.h"
#include "testlib.h"
#include "pkt.h"

#define DIR "/sys/fs/bpf/ts-dp-tables"


static const char policy[] =
	"settings {\n scope tcp/443\n outside-scope pass\n}\n"
	"component clients { 10.1.0.0/16 }\n"
	"component server { 10.2.0.1 }\n"
	"rule \"C\": clients -> server tcp/443\n";

/* The pinned ts_hosts buckets and their tags words (in ts_tags), mmapped. */
struct mapped {
	struct ts_addr_bucket *b;
	size_t len, n;
	uint64_t *all_tags, *tags;
	size_t tags_len;
};

static void *map_pinned(const char *name, size_t elem, size_t *n, size_t *len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	char path[128];
	void *mem;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return MAP_FAILED;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		close(fd);
		return MAP_FAILED;
	}
	*n = info.max_entries;
	*len = (*n * elem + 4095) & ~4095ul;
	mem = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return mem;
}

static int map_hosts(struct mapped *m)
{
	struct ts_config cfg;
	uint32_t zero = 0;
	size_t ntags;
	int fd = bpf_obj_get(DIR "/ts_config");

	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, &cfg)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	m->b = map_pinned("ts_hosts", sizeof(*m->b), &m->n, &m->len);
	m->all_tags = map_pinned("ts_tags", sizeof(*m->all_tags), &ntags, &m->tags_len);
	if (m->b == MAP_FAILED || m->all_tags == MAP_FAILED || cfg.tags_base[TS_TBL_HOSTS] + m->n > ntags)
		return -EINVAL;
	m->tags = m->all_tags + cfg.tags_base[TS_TBL_HOSTS];
	return 0;
}

/* Break the table as a writer killed mid-write would: the server's live
 * entry loses its tag byte (finds skip it), and a free slot elsewhere is
 * left claimed with a tag and counted. */
static bool tear(struct mapped *m, uint32_t *server_bucket, uint32_t *server_j,
		 uint32_t *busy_bucket, uint32_t *busy_j)
{
	struct in_addr sa;
	bool broke = false, claimed = false;

	inet_pton(AF_INET, "10.2.0.1", &sa);
	for (uint32_t b = 0; b < m->n && !(broke && claimed); b++) {
		for (uint32_t j = 0; j < TS_BUCKET_SLOTS; j++) {
			struct ts_addr_slot *s = &m->b[b].slot[j];

			if (!broke && (s->state & TS_SLOT_KIND_MASK) == TS_SLOT_LIVE &&
			    !memcmp(s->key.addr, &sa, 4) && s->key.family == TS_FAMILY_V4) {
				m->tags[b] &= ~(0xffull << (8 * j));
				*server_bucket = b, *server_j = j, broke = true;
			} else if (!claimed && b > 0 && s->state == 0 && !(m->tags[b] >> (8 * j) & 0xff)) {
				s->state = TS_SLOT_GEN_ONE | TS_SLOT_BUSY;
				m->tags[b] |= 0x5aull << (8 * j);
				*busy_bucket = b, *busy_j = j, claimed = true;
			}
		}
	}
	return broke && claimed;
}

static void test_adopt_repairs_torn_writes(void)
{
	struct ts_dp_open_opts o = { .pin_dir = DIR, .cap_flows = 1024, .cap_halfopen = 1024 };
	uint32_t sb = 0, sj = 0, bb = 0, bj = 0;
	struct ts_dp *again = NULL;
	struct ts_dp_fill before, after;
	struct mapped m = {};
	struct dpt t = {};
	struct pkt p;
	int fd;

	mkdir(DIR, 0700);
	TS_CHECK(!ts_dp_open(&t.dp, &o), "open pinned");
	if (!t.dp)
		return;
	TS_CHECK(!dpt_install_text(&t, policy), "install");
	dpt_tcp(&p, "10.1.0.5", 1000, "10.2.0.1", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "SYN to the server");
	TS_CHECK(!ts_dp_fill_levels(t.dp, &before), "fill levels");

	TS_CHECK(!map_hosts(&m), "mmap the pinned ts_hosts and ts_tags");
	if (!m.tags)
		goto out;
	TS_CHECK(tear(&m, &sb, &sj, &bb, &bj), "found the server's entry and a free slot");
	fd = bpf_obj_get(DIR "/ts_table_fill");
	if (fd >= 0) {   /* the dead writer had counted its slot */
		struct ts_table_fill f;
		uint32_t zero = 0;

		bpf_map_lookup_elem(fd, &zero, &f);
		f.live[TS_TBL_HOSTS]++;
		bpf_map_update_elem(fd, &zero, &f, BPF_ANY);
		close(fd);
	}
	dpt_tcp(&p, "10.1.0.5", 1001, "10.2.0.1", 443, SYN, 0);
	expect_reason(&t, TS_HOOK_XDP, &p, TS_R_DROP_NO_RULE, "torn: the server's entry is not found");

	TS_CHECK(!ts_dp_open(&again, &o), "reopen (adopt)");
	if (again) {
		ts_dp_close(t.dp);
		t.dp = again;
		dpt_tcp(&p, "10.1.0.5", 1002, "10.2.0.1", 443, SYN, 0);
		expect_reason(&t, TS_HOOK_XDP, &p, TS_R_PASS_NEW, "repaired: the server's entry is found");
		TS_CHECK(!ts_dp_fill_levels(t.dp, &after) && after.hosts == before.hosts,
			 "hosts live count %u, want %u", after.hosts, before.hosts);
		TS_CHECK((m.tags[sb] >> (8 * sj) & 0xff) != 0, "the live slot has its tag byte again");
		TS_CHECK(m.b[bb].slot[bj].state == TS_SLOT_GEN_ONE && !(m.tags[bb] >> (8 * bj) & 0xff),
			 "the claimed slot is free again, without a tag");
	}
out:
	if (m.b && m.b != MAP_FAILED)
		munmap(m.b, m.len);
	if (m.all_tags && m.all_tags != MAP_FAILED)
		munmap(m.all_tags, m.tags_len);
	dpt_close(&t);
	dpt_unpin(DIR, TS_MAP_COUNT);
}

/* A pin directory whose ts_tags is gone (a tool of another version
 * cleaned up what it knew) is refused, and so is one whose ts_tags is the
 * only map left; a whole one is adopted. */
static void test_adopt_refuses_partial_pins(void)
{
	struct ts_dp_open_opts o = { .pin_dir = DIR, .cap_flows = 1024, .cap_halfopen = 1024 };
	struct ts_dp *dp = NULL;
	int err;

	mkdir(DIR, 0700);
	TS_CHECK(!ts_dp_open(&dp, &o), "open pinned");
	if (dp) {   /* the seed drawn passes the loader's check */
		struct ts_config cfg;

		TS_CHECK(!ts_dp_config_read(dp, &cfg) && ts_hash_seed_ok(cfg.hash_seed),
			 "the drawn hash seed fails ts_hash_seed_ok");
	}
	ts_dp_close(dp);
	dp = NULL;
	TS_CHECK(!ts_dp_open(&dp, &o) && ts_dp_adopted(dp), "reopen adopts the whole set");
	ts_dp_close(dp);
	dp = NULL;
	unlink(DIR "/ts_tags");
	err = ts_dp_open(&dp, &o);
	TS_CHECK(err == -EPROTO && !dp, "without ts_tags: %d, want -EPROTO", err);
	ts_dp_close(dp);
	dp = NULL;
	dpt_unpin(DIR, TS_MAP_COUNT);
	mkdir(DIR, 0700);
	TS_CHECK(!ts_dp_open(&dp, &o), "open pinned again");
	ts_dp_close(dp);
	dp = NULL;
	dpt_unpin(DIR, TS_MAP_TAGS);
	err = ts_dp_open(&dp, &o);
	TS_CHECK(err == -EPROTO && !dp, "only ts_tags left: %d, want -EPROTO", err);
	ts_dp_close(dp);
	dpt_unpin(DIR, TS_MAP_COUNT);
}

/* What `fn` writes to stderr, in buf (NUL-terminated); fn's result. */
static int stderr_of(int (*fn)(void), char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(2), ret;
	size_t n = 0;

	fflush(stderr);
	if (f)
		dup2(fileno(f), 2);
	ret = fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (f) {
		rewind(f);
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return ret;
}

static int open_rw(void)
{
	struct ts_dp_open_opts o = { .pin_dir = DIR, .cap_flows = 1024, .cap_halfopen = 1024 };
	struct ts_dp *dp = NULL;
	int err = ts_dp_open(&dp, &o);

	ts_dp_close(dp);
	return err;
}

static int open_ro(void)
{
	struct ts_dp *dp = NULL;
	int err = ts_dp_open_pinned(&dp, DIR);

	ts_dp_close(dp);
	return err;
}

/* Maps pinned by a build of the schema before (no ts_flows_small, which
 * schema 9 added) are named as maps of another schema, by `up` and by
 * the readers (`status`), not as pins left incomplete or a map missing. */
static void test_adopt_names_another_schema(void)
{
	char msg[2048];
	uint32_t zero = 0;
	int fd, err;

	mkdir(DIR, 0700);
	TS_CHECK(!open_rw(), "open pinned");
	fd = bpf_obj_get(DIR "/ts_config");
	if (fd >= 0) {
		struct ts_config cfg;

		if (!bpf_map_lookup_elem(fd, &zero, &cfg)) {
			cfg.schema_version = TS_SCHEMA_VERSION - 1;
			bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY);
		}
		close(fd);
	}
	unlink(DIR "/ts_flows_small");
	err = stderr_of(open_rw, msg, sizeof(msg));
	TS_CHECK(err == -EPROTO && strstr(msg, "have schema"), "up: %d, %s", err, msg);
	err = stderr_of(open_ro, msg, sizeof(msg));
	TS_CHECK(err == -EPROTO && strstr(msg, "have schema"), "a reader: %d, %s", err, msg);
	dpt_unpin(DIR, TS_MAP_COUNT);
}

/* ts_hash of a key, copied into words of the type ts_hash reads (an
 * array of another 64-bit type would break strict aliasing: gcc -O2 then
 * hashes stale words). */
static uint64_t hash_of(const void *key, size_t size, uint64_t seed)
{
	__u64 w[TS_HASH_SEED_WORDS] = {};

	memcpy(w, key, size);
	return ts_hash(w, size / 8, seed);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Keys that differ in one bit hash apart, for every seed the loader may
 * draw (ts_hash_seed_ok): an address entry of policy slot 0 and its twin
 * of slot 1 (what a reload holds for every entry both policies share),
 * rule keys of source sets 2k and 2k+1, and one-bit flips (bits 0, 31, 32,
 * 63) of every word of an IPv4 and an IPv6 address key and a flow key.
 * Twins that hash alike share buckets and tag bytes, and a reload of a
 * large policy runs out of room for a tag. */
static void test_hash_separates_twins(void)
{
	static const unsigned bits[] = { 0, 31, 32, 63 };
	unsigned collisions = 0, keys = 0, seeds = 0;
	uint64_t seed = 0x0123456789abcdefull, h[2048];

	while (seeds < 64) {
		size_t n = 0;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		if (!ts_hash_seed_ok(seed))
			continue;
		seeds++;
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t ip = htonl(0x0a000000u | i << 4);

			for (int k = 0; k < 2; k++) {
				struct ts_addr_key a = { .prefixlen = TS_ADDR_HDR_BITS + 28, .slot = k,
							 .family = TS_FAMILY_V4 };
				struct ts_rule_key r = { .src_set = 2 * i + k, .dst_set = 7, .port_class = 1 };

				memcpy(a.addr, &ip, 4);
				h[n++] = hash_of(&a, sizeof(a), seed);
				h[n++] = hash_of(&r, sizeof(r), seed);
			}
		}
		{
			struct ts_addr_key a4 = { .prefixlen = TS_ADDR_HDR_BITS + 32, .family = TS_FAMILY_V4,
						  .addr = { 10, 1, 2, 3 } };
			struct ts_addr_key a6 = { .prefixlen = TS_ADDR_HDR_BITS + 128, .family = TS_FAMILY_V6,
						  .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 } };
			struct ts_flow_key f = { .lo_addr = { 10, 1, 2, 3 }, .hi_addr = { 10, 2, 0, 1 },
						 .lo_port = htons(40000), .hi_port = htons(443),
						 .family = TS_FAMILY_V4, .proto = 6 };
			const struct { const void *key; size_t size; } base[] = {
				{ &a4, sizeof(a4) }, { &a6, sizeof(a6) }, { &f, sizeof(f) },
			};

			for (size_t b = 0; b < 3; b++) {
				h[n++] = hash_of(base[b].key, base[b].size, seed);
				for (size_t w = 0; w < base[b].size / 8; w++) {
					for (size_t j = 0; j < 4; j++) {
						__u64 words[TS_HASH_SEED_WORDS] = {};

						memcpy(words, base[b].key, base[b].size);
						words[w] ^= 1ull << bits[j];
						h[n++] = ts_hash(words, base[b].size / 8, seed);
					}
				}
			}
		}
		/* every key of the seed hashes apart from every other */
		qsort(h, n, sizeof(h[0]), cmp_u64);
		for (size_t i = 1; i < n; i++)
			collisions += h[i] == h[i - 1];
		keys += n;
	}
	TS_CHECK(!collisions, "%u of %u keys hash alike with another of their seed", collisions, keys);
}

/* The loader draws again a seed that brings a word's offset near 0 in
 * either half: such a seed makes every IPv4 host key hash alike. */
static void test_hash_seed_check(void)
{
	const uint64_t phi = 0x9e3779b97f4a7c15ull;
	uint64_t bad[] = {
		0 - 2 * phi,                      /* address word 1: offset 0 */
		(0 - 2 * phi) + (5ull << 32),     /* its high half 5 */
		(0 - 5 * phi) - 0x60400000000ull, /* flow word 4: family|proto cancel */
		(0 - 1 * phi) + 3,                /* a low half of 3 */
	};
	uint32_t zero = 0, ip;
	uint64_t h0 = 0;
	bool alike = true;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		TS_CHECK(!ts_hash_seed_ok(bad[i]), "seed %#llx accepted", (unsigned long long)bad[i]);
	/* why: with the first, the address's word counts for nothing */
	for (ip = 1; ip < 64; ip++) {
		struct ts_addr_key a = { .prefixlen = TS_ADDR_HDR_BITS + 32, .family = TS_FAMILY_V4 };
		uint64_t x;

		memcpy(a.addr, &ip, 4);
		x = hash_of(&a, sizeof(a), bad[0]);
		alike &= ip == 1 || x == h0;
		h0 = x;
	}
	TS_CHECK(alike, "the degenerate seed was expected to make host keys hash alike");
	TS_CHECK(ts_hash_seed_ok(0x0123456789abcdefull), "an ordinary seed refused");
	(void)zero;
}

int main(void)
{
	ts_run("dp_hash_separates_twins", test_hash_separates_twins);
	ts_run("dp_hash_seed_check", test_hash_seed_check);
	if (!ts_is_root()) {
		ts_skip("dp_tables", "needs root");
		return ts_done();
	}
	ts_run("dp_adopt_repairs_torn_writes", test_adopt_repairs_torn_writes);
	ts_run("dp_adopt_refuses_partial_pins", test_adopt_refuses_partial_pins);
	ts_run("dp_adopt_names_another_schema", test_adopt_names_another_schema);
	return ts_done();
}
