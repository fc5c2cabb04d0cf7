// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_learning.c - who may teach the names library what (docs/names.md
 * "Trust"): only answers with addresses create a learned name; one client
 * holds at most its share; a full table makes room only from names no
 * client has a use for; such names are forgotten; a damaged cache record
 * costs that record alone. No DNS server: answers are handed in as the
 * proxy hands them (ts_names_learn_answer), and the resolver points at a
 * port nobody answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "names/proxy.h"
#include "testlib.h"

static struct {
	struct fix_policy pol;
	struct fix_map map;
	struct ts_names *n;
	char cache[128];
} T;

/* The library asking `servers`, giving up on a query after timeout_ms. */
static bool open_names_at(uint32_t grace_s, bool record, const char *servers, int timeout_ms)
{
	const char *names[] = { "exact.test", "*.blob.test" };
	struct ts_names_config cfg = {
		.policy = &T.pol.c, .servers = servers, .cache_path = T.cache,
		.query_timeout_ms = timeout_ms, .query_tries = 1,
	};
	int err;

	memset(&T.map, 0, sizeof(T.map));
	snprintf(T.cache, sizeof(T.cache), "/tmp/ts-learning-cache.%d", (int)getpid());
	unlink(T.cache);
	fix_policy_init(&T.pol, names, 2, 0, 3600, grace_s, 0);
	T.pol.refs[1].wildcard = true;
	if (record)
		cfg.sink = fix_sink(&T.map);
	err = ts_names_open(&T.n, &cfg);
	TS_CHECK(!err, "ts_names_open: %s", strerror(-err));
	return !err;
}

static bool open_names(uint32_t grace_s, bool record)
{
	return open_names_at(grace_s, record, "127.0.0.1:9", 100);
}

static void close_names(void)
{
	ts_names_close(T.n);
	T.n = NULL;
	unlink(T.cache);
}

/* Client i, in a /24 of its own (names count per /24). */
static struct ts_net client(unsigned i)
{
	struct ts_net c = { .family = TS_FAMILY_V4, .plen = 32, .addr = { 198, 18, 0, 7 } };

	c.addr[2] = (uint8_t)i;
	return c;
}

/* What the proxy hands the library for one answer: n addresses (0 = NXDOMAIN/NODATA). */
static enum ts_learn_outcome teach(const char *qname, const struct ts_net *from, const char *addr,
				   uint32_t ttl)
{
	struct ts_net a = addr ? fix_net(addr) : (struct ts_net){ 0 };
	struct ts_proxy_answer pa = {
		.client = from, .qname = qname, .addrs = &a, .ttls = &ttl, .n = addr ? 1 : 0,
		.server = "192.0.2.2:53", .received_ns = 0,
	};
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pa.received_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return ts_names_learn_answer(T.n, &pa);
}

static bool names_has(const char *name)
{
	const struct ts_names_state *st = ts_names_state(T.n);

	for (size_t i = 0; i < ts_names_count(st); i++) {
		struct ts_names_name_info ni;

		if (!ts_names_name_info(st, i, &ni) && !strcmp(ni.name, name))
			return true;
	}
	return false;
}

static size_t learned(void)
{
	struct ts_names_metrics m;

	ts_names_metrics(ts_names_state(T.n), &m);
	return m.learned_names;
}

/* NXDOMAIN / NODATA floods create nothing; a real answer still learns. */
static void test_needs_addresses(void)
{
	struct ts_net c = client(1);
	char name[64];
	int refused = 0;

	if (!open_names(10, false))
		return;
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "nx%d.blob.test", i);
		refused += teach(name, &c, NULL, 60) == TS_LEARN_NO_ADDR;
	}
	TS_CHECK(refused == 5000, "%d of 5000 answers without address refused", refused);
	TS_CHECK(learned() == 0, "%zu names learned from answers without an address", learned());
	TS_CHECK(teach("acct.blob.test", &c, "192.0.2.65", 60) == TS_LEARN_NEW,
		 "a real answer was not learned after the flood");
	TS_CHECK(teach("other.test", &c, "192.0.2.80", 60) == TS_LEARN_NONE,
		 "a name under no wildcard was learned");
	close_names();
}

/* Answers client `from` names c<from>-<i>.blob.test; how many had outcome `want`. */
static unsigned teach_many(unsigned from, unsigned first, unsigned count, uint32_t ttl,
			   enum ts_learn_outcome want)
{
	struct ts_net c = client(from);
	unsigned ok = 0;
	char name[64];

	for (unsigned i = first; i < first + count; i++) {
		snprintf(name, sizeof(name), "c%u-%u.blob.test", from, i);
		ok += teach(name, &c, "192.0.2.65", ttl) == want;
	}
	return ok;
}

/* A client group holds at most its share; another still learns; hosts
 * of one /24 count together. */
static void test_client_budget(void)
{
	unsigned share = TS_NAMES_LEARN_PER_CLIENT, ok;
	struct ts_net a = client(1), b = client(200), neighbour = client(1);

	if (!open_names(10, false))
		return;
	ok = teach_many(1, 0, share, 60, TS_LEARN_NEW);
	TS_CHECK(ok == share, "client 1 learned %u of its %u", ok, share);
	TS_CHECK(teach("over.blob.test", &a, "192.0.2.65", 60) == TS_LEARN_CLIENT_BUDGET,
		 "client 1 learned past its share");
	neighbour.addr[3] = 99;
	TS_CHECK(teach("next.blob.test", &neighbour, "192.0.2.65", 60) == TS_LEARN_CLIENT_BUDGET,
		 "another host of client 1's /24 learned past the group's share");
	TS_CHECK(teach("b.blob.test", &b, "192.0.2.66", 60) == TS_LEARN_NEW,
		 "another client could not learn while client 1 is at its share");
	TS_CHECK(teach("c1-1.blob.test", &a, "192.0.2.67", 60) == TS_LEARN_UPDATED,
		 "client 1's own names no longer update");
	close_names();
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fills the learned table: client 1 its whole share, told ttl1_s, then
 * groups 2, 3, ... half a share each, told 60 s. How long it took (ms). */
static int64_t fill_table(uint32_t ttl1_s)
{
	unsigned share = TS_NAMES_LEARN_PER_CLIENT;
	int64_t start = mono_ms();

	for (unsigned c = 1; learned() < TS_NAMES_MAX_LEARNED; c++)
		teach_many(c, 0, c == 1 ? share : share / 2, c == 1 ? ttl1_s : 60, TS_LEARN_NEW);
	TS_CHECK(learned() == TS_NAMES_MAX_LEARNED, "%zu learned, want the cap %u", learned(),
		 TS_NAMES_MAX_LEARNED);
	return mono_ms() - start;
}

/* Full: a new client still learns, at the cost of the least recently given
 * name of the group holding the most; names no client was given within
 * TTL + grace are forgotten on their own, and not before. */
static void test_full_then_idle(void)
{
	unsigned share = TS_NAMES_LEARN_PER_CLIENT, retold;
	struct ts_net fresh = client(250);
	int64_t fill_ms, told_ms, idle_ms;
	size_t before;

	if (!open_names(0, false))
		return;
	/* Told 60 s, grace 0: no name may be idle yet, or the room would come
	 * from idle names instead (filling takes seconds on a busy machine). */
	fill_ms = fill_table(60);
	TS_CHECK(fill_ms < 60000, "filling took %lld ms, past the 60 s TTL: names went idle",
		 (long long)fill_ms);
	TS_CHECK(teach("late.blob.test", &fresh, "192.0.2.66", 60) == TS_LEARN_NEW,
		 "a full table refused a new client");
	TS_CHECK(!names_has("c1-0.blob.test") && names_has("c1-1.blob.test") &&
		 names_has("c2-0.blob.test"),
		 "the room was not made from the heaviest group's least recently given name");
	/* Client 1 is given its other names again, now for 1 s: the last
	 * answer's TTL is what counts; idle 1 s on (grace 0). */
	told_ms = mono_ms();
	retold = teach_many(1, 1, share - 1, 1, TS_LEARN_UPDATED);
	TS_CHECK(retold == share - 1, "%u of client 1's %u names updated", retold, share - 1);
	before = learned();
	for (int64_t end = fix_now_ms() + 10000; fix_now_ms() < end && learned() > before - retold;)
		ts_names_run_once(T.n, 100);
	idle_ms = mono_ms() - told_ms;
	TS_CHECK(learned() == before - retold && names_has("late.blob.test") &&
		 names_has("c2-0.blob.test"),
		 "idle learned names not forgotten (%zu of %zu left)", learned(), before);
	TS_CHECK(idle_ms >= 1000, "names told for 1 s forgotten after %lld ms",
		 (long long)idle_ms);
	close_names();
}

/* Client 1's names whose refresh is out and unanswered (none answered yet). */
static bool client1_all_in_flight(void *ctx)
{
	const struct ts_names_state *st = ts_names_state(T.n);
	unsigned *in_flight = ctx;

	*in_flight = 0;
	for (size_t i = 0; i < ts_names_count(st); i++) {
		struct ts_names_name_info ni;

		if (!ts_names_name_info(st, i, &ni) && !strncmp(ni.name, "c1-", 3) &&
		    ni.last_attempt_ms && !ni.resolutions && !ni.failures)
			(*in_flight)++;
	}
	return *in_flight == TS_NAMES_LEARN_PER_CLIENT;
}

/* Full while every name of the heaviest group has a refresh in flight (a
 * group whose names all resolve slowly, e.g. through its own server that
 * never answers): those names cannot go, but the table must not close to
 * new clients: the room comes from the next heaviest group. */
static void test_full_while_refreshing(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int silent = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ts_net fresh = client(250);
	socklen_t len = sizeof(sa);
	unsigned in_flight = 0;
	char servers[32];

	/* A resolver that takes queries and never answers: rounds stay out. */
	if (silent < 0 || bind(silent, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(silent, (struct sockaddr *)&sa, &len)) {
		TS_CHECK(false, "silent resolver: %s", strerror(errno));
		goto out;
	}
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", ntohs(sa.sin_port));
	/* grace 60: nothing idle; queries time out after 60 s: none in this test */
	if (!open_names_at(60, false, servers, 60000))
		goto out;
	fill_table(1);
	/* Client 1's refreshes fall due 0.8 s after its answers. */
	TS_CHECK(fix_run_until(T.n, client1_all_in_flight, &in_flight, 10000),
		 "%u of client 1's %u names have a refresh in flight", in_flight,
		 TS_NAMES_LEARN_PER_CLIENT);
	TS_CHECK(teach("late.blob.test", &fresh, "192.0.2.66", 60) == TS_LEARN_NEW,
		 "a full table refused a new client while the heaviest group's names were "
		 "all being refreshed");
	TS_CHECK(!names_has("c2-0.blob.test") && names_has("c2-1.blob.test") &&
		 names_has("c1-0.blob.test") && learned() == TS_NAMES_MAX_LEARNED,
		 "the room was not made from the next heaviest group's least recently given name");
	close_names();
out:
	if (silent >= 0)
		close(silent);
}

/* A forgotten name's address leaves the map (after its grace). */
static void test_forgotten_leaves_map(void)
{
	struct ts_net c = client(1);

	if (!open_names(1, true))
		return;
	TS_CHECK(teach("acct.blob.test", &c, "192.0.2.65", 1) == TS_LEARN_NEW, "not learned");
	TS_CHECK(fix_map_find(&T.map, "192.0.2.65"), "learned address not in the map");
	for (int64_t end = fix_now_ms() + 4000; fix_now_ms() < end &&
						fix_map_find(&T.map, "192.0.2.65");)
		ts_names_run_once(T.n, 100);
	TS_CHECK(!fix_map_find(&T.map, "192.0.2.65") && learned() == 0,
		 "a name no client asked for in TTL + grace is still held");
	close_names();
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool has_name(const struct ts_names_state *st, const char *name, size_t *naddrs)
{
	for (size_t i = 0; i < ts_names_count(st); i++) {
		struct ts_names_name_info ni;

		if (!ts_names_name_info(st, i, &ni) && !strcmp(ni.name, name)) {
			*naddrs = ni.naddrs;
			return true;
		}
	}
	return false;
}

/* A damaged record (a name no daemon could hold, garbage) costs that record. */
static void test_cache_damaged_record(void)
{
	char path[128];
	struct ts_names_state *st = NULL;
	size_t n1 = 0, n2 = 0, bad = 0;
	int err;

	snprintf(path, sizeof(path), "/tmp/ts-learning-damaged.%d", (int)getpid());
	write_file(path,
		   "turnstile-names 1\n"
		   "settings 0 3600 10 64\n"
		   "name good1.blob.test 1 0 0 0 0 0 0 0 0 *.blob.test 0 60 198.51.100.1/32\n"
		   "addr 192.0.2.65 60 0 0 192.0.2.2:53\n"
		   "name a b.blob.test 1 0 0 0 0 0 0 0 0 *.blob.test\n"
		   "addr 192.0.2.66 60 0 0 192.0.2.2:53\n"
		   "name x\x01y.blob.test 1 0 0 0 0 0 0 0 0 *.blob.test\n"
		   "addr 192.0.2.68 60 0 0 192.0.2.2:53\n"
		   "\x7f garbage line\n"
		   "name good2.blob.test 1 0 0 0 0 0 0 0 0 *.blob.test 0 60 -\n"
		   "addr 192.0.2.67 60 0 0 192.0.2.2:53\n");
	err = ts_names_state_read(&st, path);
	TS_CHECK(!err && st, "cache with one damaged record unreadable: %s", strerror(-err));
	if (st) {
		TS_CHECK(has_name(st, "good1.blob.test", &n1) && n1 == 1,
			 "the record before the damage lost (%zu addresses)", n1);
		TS_CHECK(has_name(st, "good2.blob.test", &n2) && n2 == 1,
			 "the record after the damage lost (%zu addresses)", n2);
		TS_CHECK(!has_name(st, "a", &bad) && !has_name(st, "b.blob.test", &bad) &&
			 ts_names_count(st) == 2,
			 "a damaged name was read as a name (%zu names)", ts_names_count(st));
	}
	ts_names_state_free(st);
	unlink(path);
}

/* A learned name's client and last answer survive the cache. */
static void test_cache_keeps_learned(void)
{
	struct ts_net c = client(7);
	struct ts_names_state *st = NULL;
	size_t n = 0;

	if (!open_names(10, false))
		return;
	teach("acct.blob.test", &c, "192.0.2.65", 60);
	ts_names_close(T.n); /* saves */
	T.n = NULL;
	TS_CHECK(!ts_names_state_read(&st, T.cache) && st && has_name(st, "acct.blob.test", &n) &&
		 n == 1, "learned name not in the cache");
	ts_names_state_free(st);
	unlink(T.cache);
}

int main(void)
{
	ts_run("learning_needs_addresses", test_needs_addresses);
	ts_run("learning_client_budget", test_client_budget);
	ts_run("learning_full_then_idle", test_full_then_idle);
	ts_run("learning_full_while_refreshing", test_full_while_refreshing);
	ts_run("learning_forgotten_leaves_map", test_forgotten_leaves_map);
	ts_run("learning_cache_damaged_record", test_cache_damaged_record);
	ts_run("learning_cache_keeps_learned", test_cache_keeps_learned);
	return ts_done();
}
