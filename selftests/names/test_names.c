// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_names.c - the name resolver against a real dnsmasq in a private
 * network namespace: answers that change, outages, TTL 0, CNAME chains,
 * big answers, AAAA-only names, NXDOMAIN, the per-name cap, the cache
 * file, failed map writes and the latency metric. The "map" here is a
 * recording sink (fixture.c); test_names_dp.c runs the real BPF program.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ares.h>
#include <arpa/nameser.h>

#include "common/log.h"
#include "dnsmasq.h"
#include "fakedns.h"
#include "fixture.h"
#include "testlib.h"

#define PORT 5300

/* The running test's world. */
static struct {
	struct fix_policy pol;
	struct dnsmasq dns;
	struct fix_map map;
	struct ts_names *n;
	char cache[128];
	const char *want;          /* address a condition waits for */
	const char *dns_listen;    /* the DNS proxy's address, NULL = none */
	struct ts_proxy *proxy;    /* open while dns_listen is set */
} T;

static enum ts_learn_outcome learn(void *ctx, const struct ts_proxy_answer *a)
{
	return ts_names_learn_answer(ctx, a);
}

static int open_names(const char *servers)
{
	struct ts_names_config cfg = {
		.policy = &T.pol.c,
		/* NULL: the test's dnsmasq; "": no override (policy, resolv.conf) */
		.servers = servers ? servers : dnsmasq_server(&T.dns),
		.cache_path = T.cache, /* "": none */
		.sink = fix_sink(&T.map),
		.query_timeout_ms = 300,
		.query_tries = 1,
	};
	int err = ts_names_open(&T.n, &cfg);

	if (err || !T.dns_listen)
		return err;
	if (!T.proxy) {
		struct ts_proxy_config pc = {
			.listen = T.dns_listen, .servers = cfg.servers,
			.query_timeout_ms = 300, .query_tries = 1,
		};

		err = ts_proxy_open(&T.proxy, &pc);
	}
	if (!err)
		ts_proxy_set_learner(T.proxy, learn, T.n);
	return err;
}

/* A fresh instance on the same dnsmasq: no cache, an empty map that
 * fails its first `fail_first` writes. */
static int reopen_names(const char *servers, int fail_first)
{
	ts_names_close(T.n);
	T.n = NULL;
	unlink(T.cache);
	memset(&T.map, 0, sizeof(T.map));
	T.map.fail_next = fail_first;
	return open_names(servers);
}

/* Starts dnsmasq with `hosts` (and options) and a names instance on it. */
static bool setup(const char *const *names, int nnames, uint32_t floor_s, uint32_t grace_s,
		  uint32_t cap, const char *hosts, const char *opt1, const char *opt2,
		  const char *opt3)
{
	int err;

	memset(&T.map, 0, sizeof(T.map));
	T.n = NULL;
	snprintf(T.cache, sizeof(T.cache), "/tmp/ts-names-cache.%d", (int)getpid());
	unlink(T.cache);
	fix_policy_init(&T.pol, names, nnames, floor_s, 3600, grace_s, cap);
	err = dnsmasq_start(&T.dns, PORT, hosts, opt1, opt2, opt3, NULL);
	TS_CHECK(!err, "dnsmasq did not start: %s", strerror(-err));
	if (err)
		return false;
	err = open_names(NULL);
	TS_CHECK(!err, "ts_names_open: %s", strerror(-err));
	return !err;
}

static void teardown(void)
{
	ts_proxy_close(T.proxy);
	T.proxy = NULL;
	ts_names_close(T.n);
	T.n = NULL;
	dnsmasq_stop(&T.dns);
	unlink(T.cache);
}

static bool have_want(void *ctx)
{
	return fix_map_find(&T.map, T.want) != NULL;
}

static bool lost_want(void *ctx)
{
	return fix_map_find(&T.map, T.want) == NULL;
}

/* Two rounds of A+AAAA answered. */
static bool refreshed(void *ctx)
{
	return fix_name_info(T.n, (size_t)(intptr_t)ctx).resolutions >= 4;
}

static bool not_stale(void *ctx)
{
	struct ts_names_name_info i = fix_name_info(T.n, (size_t)(intptr_t)ctx);

	return !i.stale && i.last_success_ms > 0;
}

static bool all_done(void *ctx)
{
	return ts_names_unresolved(T.n) == 0;
}

static bool is_stale(void *ctx)
{
	return fix_name_info(T.n, (size_t)(intptr_t)ctx).stale;
}

static const struct ts_names_addr_info *addr_of(size_t name, const char *addr)
{
	static struct ts_names_addr_info info;
	struct ts_net net = fix_net(addr);
	const struct ts_names_state *st = ts_names_state(T.n);

	for (size_t j = 0; ts_names_addr_info(st, name, j, &info) == 0; j++)
		if (info.addr.family == net.family && !memcmp(info.addr.addr, net.addr, 16))
			return &info;
	return NULL;
}

static void test_a_and_aaaa(void)
{
	const char *names[] = { "dm.test" };
	const struct ts_names_addr_info *a;
	struct ts_names_name_info i;

	if (!setup(names, 1, 1, 10, 0, "203.0.113.10 dm.test\n2001:db8:200::10 dm.test\n",
		   "--local-ttl=30", NULL, NULL))
		goto out;
	T.want = "2001:db8:200::10";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "AAAA address never reached the map");
	T.want = "203.0.113.10";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "A address never reached the map");
	TS_CHECK(fix_map_find(&T.map, "203.0.113.10") &&
		 fix_map_find(&T.map, "203.0.113.10")->comps == 1,
		 "address not in component 0");
	a = addr_of(0, "203.0.113.10");
	TS_CHECK(a && a->ttl_s == 30, "ttl %u, want 30", a ? a->ttl_s : 0);
	TS_CHECK(a && !strcmp(a->resolver, "127.0.0.1:5300"), "resolver \"%s\"",
		 a ? a->resolver : "(none)");
	TS_CHECK(a && !strcmp(a->name, "dm.test"), "name \"%s\"", a ? a->name : "(none)");
	TS_CHECK(a && a->expires_ms - a->last_seen_ms == (30 + 10) * 1000,
		 "expiry is not last_seen + ttl + grace");
	/* Refresh at 80% of the TTL. */
	i = fix_name_info(T.n, 0);
	TS_CHECK(i.next_refresh_ms - i.last_success_ms >= 23500 &&
		 i.next_refresh_ms - i.last_success_ms <= 24500,
		 "next refresh %lld ms after success, want 24000",
		 (long long)(i.next_refresh_ms - i.last_success_ms));
out:
	teardown();
}

static void test_answer_change(void)
{
	const char *names[] = { "blob.test" };
	const struct fix_map_entry *old;
	int64_t new_seen, old_last_seen = 0;
	const struct ts_names_addr_info *a;

	/* TTL 1, grace 2: the old address must stay ~3 s after DNS drops it. */
	if (!setup(names, 1, 1, 2, 0, "192.0.2.65 blob.test\n", "--local-ttl=1", NULL, NULL))
		goto out;
	T.want = "192.0.2.65";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "first address never in the map");
	TS_CHECK(!dnsmasq_set_hosts(&T.dns, "192.0.2.67 blob.test\n"), "SIGHUP failed");
	T.want = "192.0.2.67";
	/* Within the TTL (1 s) plus one refresh: refresh is at 0.8 s. */
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 2500), "new address not allowed within the TTL");
	new_seen = fix_now_ms();
	old = fix_map_find(&T.map, "192.0.2.65");
	TS_CHECK(old != NULL, "old address removed as soon as DNS dropped it (no grace)");
	a = addr_of(0, "192.0.2.65");
	if (a)
		old_last_seen = a->last_seen_ms;
	T.want = "192.0.2.65";
	TS_CHECK(fix_run_until(T.n, lost_want, NULL, 6000), "old address never left after grace");
	{
		int at = fix_log_find(&T.map, "192.0.2.65", true);
		int64_t removed_ms = at >= 0 ? T.map.log[at].at_ms : 0;

		/* Not before last_seen + ttl (1 s) + grace (2 s); 5 ms for
		 * converting the monotonic clock to wall-clock time. */
		TS_CHECK(at >= 0 && removed_ms >= old_last_seen + 3000 - 5,
			 "old address removed %lld ms after it was last seen, before ttl+grace",
			 (long long)(removed_ms - old_last_seen));
		TS_CHECK(removed_ms - new_seen < 5000, "removal took too long");
		TS_CHECK(fix_log_find(&T.map, "192.0.2.67", false) < at,
			 "old address removed before the new one was added");
	}
	TS_CHECK(fix_map_find(&T.map, "192.0.2.67") != NULL, "new address lost");
out:
	teardown();
}

static void test_outage(void)
{
	const char *names[] = { "waf.test" };
	struct ts_names_name_info before, during;

	if (!setup(names, 1, 1, 1, 0, "192.0.2.33 waf.test\n2001:db8:300::33 waf.test\n",
		   "--local-ttl=1", NULL, NULL))
		goto out;
	TS_CHECK(fix_run_until(T.n, not_stale, (void *)0, 3000), "never resolved");
	T.want = "192.0.2.33";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "address never in the map");
	before = fix_name_info(T.n, 0);
	dnsmasq_kill(&T.dns);
	/* Far past ttl (1 s) + grace (1 s): a sick resolver must not empty the name. */
	TS_CHECK(fix_run_until(T.n, is_stale, (void *)0, 4000), "outage never marked stale");
	fix_run_for(T.n, 3000);
	during = fix_name_info(T.n, 0);
	TS_CHECK(during.stale, "not stale during the outage");
	TS_CHECK(during.failures > before.failures, "failures not counted");
	TS_CHECK(during.last_error[0], "no last error recorded");
	TS_CHECK(during.naddrs == 2, "%zu addresses left during the outage, want 2", during.naddrs);
	TS_CHECK(fix_map_find(&T.map, "192.0.2.33") && fix_map_find(&T.map, "2001:db8:300::33"),
		 "an address left the map during the outage");
	TS_CHECK(fix_log_find(&T.map, "192.0.2.33", true) < 0, "an address was deleted");
	TS_CHECK(!dnsmasq_restart(&T.dns), "dnsmasq restart failed");
	/* Retries back off to at most 4 s after ~6 failures in 7 s. */
	TS_CHECK(fix_run_until(T.n, not_stale, (void *)0, 9000), "refreshing did not resume");
	TS_CHECK(fix_name_info(T.n, 0).resolutions > during.resolutions, "no new resolution");
out:
	teardown();
}

static void test_ttl_zero(void)
{
	const char *names[] = { "zero.test" };
	const struct ts_names_addr_info *a;
	struct ts_names_name_info i;

	if (!setup(names, 1, 2, 10, 0, "192.0.2.97 zero.test\n", "--local-ttl=0", NULL, NULL))
		goto out;
	TS_CHECK(fix_run_until(T.n, not_stale, (void *)0, 3000), "never resolved");
	a = addr_of(0, "192.0.2.97");
	TS_CHECK(a && a->ttl_s == 2, "TTL 0 clamped to %u, want the floor 2", a ? a->ttl_s : 0);
	i = fix_name_info(T.n, 0);
	/* 80% of the 2 s floor: not a busy loop. */
	TS_CHECK(i.next_refresh_ms - i.last_success_ms >= 1500 &&
		 i.next_refresh_ms - i.last_success_ms <= 1700,
		 "refresh %lld ms after success, want 1600",
		 (long long)(i.next_refresh_ms - i.last_success_ms));
	TS_CHECK(fix_run_until(T.n, refreshed, (void *)0, 4000), "no refresh");
out:
	teardown();
}

static void test_cname_chain(void)
{
	const char *names[] = { "alias.test" };
	const struct ts_names_addr_info *a;

	/* alias -(TTL 7)-> mid -(TTL 60)-> target (A, TTL 30): the chain's TTL is 7. */
	if (!setup(names, 1, 1, 10, 0, "192.0.2.81 target.test\n", "--local-ttl=30",
		   "--cname=alias.test,mid.test,7", "--cname=mid.test,target.test,60"))
		goto out;
	T.want = "192.0.2.81";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 4000), "address behind the CNAME chain not in the map");
	a = addr_of(0, "192.0.2.81");
	TS_CHECK(a && a->ttl_s == 7, "TTL %u, want 7 (minimum over the chain)", a ? a->ttl_s : 0);
out:
	teardown();
}

static bool have_hundred(void *ctx)
{
	return T.map.n >= 100;
}

static void test_hundred_a_records(void)
{
	const char *names[] = { "many.test" };
	char hosts[100 * 32] = "";
	char addr[32];
	int missing = 0;

	for (int i = 1; i <= 100; i++) {
		size_t used = strlen(hosts);

		snprintf(hosts + used, sizeof(hosts) - used, "10.1.%d.%d many.test\n", i / 50, i);
	}
	if (!setup(names, 1, 1, 10, 128, hosts, "--local-ttl=30", NULL, NULL))
		goto out;
	TS_CHECK(fix_run_until(T.n, have_hundred, NULL, 4000), "%d of 100 addresses in the map", T.map.n);
	for (int i = 1; i <= 100; i++) {
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 50, i);
		missing += !fix_map_find(&T.map, addr);
	}
	TS_CHECK(!missing, "%d of the 100 addresses missing", missing);
	TS_CHECK(fix_name_info(T.n, 0).naddrs == 100, "name holds %zu addresses",
		 fix_name_info(T.n, 0).naddrs);
out:
	teardown();
}

static void test_aaaa_only(void)
{
	const char *names[] = { "six.test" };
	struct ts_names_name_info i;

	if (!setup(names, 1, 1, 10, 0, "2001:db8:500::65 six.test\n", "--local-ttl=30", NULL, NULL))
		goto out;
	TS_CHECK(fix_run_until(T.n, not_stale, (void *)0, 3000), "AAAA-only name counted as failing");
	i = fix_name_info(T.n, 0);
	TS_CHECK(i.naddrs == 1 && fix_map_find(&T.map, "2001:db8:500::65"),
		 "AAAA-only name holds %zu addresses", i.naddrs);
	TS_CHECK(i.failures == 0, "NODATA for A counted as %llu failures",
		 (unsigned long long)i.failures);
out:
	teardown();
}

static void test_nxdomain_one(void)
{
	const char *names[] = { "ok.test", "gone.test" };
	struct ts_names_name_info ok, gone;

	if (!setup(names, 2, 1, 10, 0, "192.0.2.49 ok.test\n", "--local-ttl=30", NULL, NULL))
		goto out;
	TS_CHECK(ts_names_unresolved(T.n) == 2, "%zu names unresolved at open, want 2",
		 ts_names_unresolved(T.n));
	TS_CHECK(fix_run_until(T.n, is_stale, (void *)1, 3000), "NXDOMAIN name not stale");
	TS_CHECK(fix_run_until(T.n, not_stale, (void *)0, 3000), "good name affected by NXDOMAIN");
	TS_CHECK(ts_names_unresolved(T.n) == 0, "%zu names still unresolved after both answered",
		 ts_names_unresolved(T.n));
	ok = fix_name_info(T.n, 0);
	gone = fix_name_info(T.n, 1);
	TS_CHECK(ok.naddrs == 1 && fix_map_find(&T.map, "192.0.2.49"), "good name not resolved");
	TS_CHECK(gone.failures > 0 && gone.naddrs == 0, "NXDOMAIN: %llu failures, %zu addresses",
		 (unsigned long long)gone.failures, gone.naddrs);
	TS_CHECK(strstr(gone.last_error, "not found"), "last error \"%s\" for NXDOMAIN",
		 gone.last_error);
out:
	teardown();
}

static void test_cap_evicts_least_recent(void)
{
	const char *names[] = { "capped.test" };
	struct ts_names_metrics m;
	int kept = 0, add_new, del_old;

	if (!setup(names, 1, 1, 60, 2, "192.0.2.1 capped.test\n192.0.2.2 capped.test\n192.0.2.3 capped.test\n",
		   "--local-ttl=1", NULL, NULL))
		goto out;
	TS_CHECK(fix_run_until(T.n, not_stale, (void *)0, 3000), "never resolved");
	ts_names_metrics(ts_names_state(T.n), &m);
	TS_CHECK(fix_name_info(T.n, 0).naddrs == 2 && T.map.n == 2, "cap 2: holds %zu, map %d",
		 fix_name_info(T.n, 0).naddrs, T.map.n);
	TS_CHECK(m.capped >= 1, "capped not counted");
	kept = !!fix_map_find(&T.map, "192.0.2.1") + !!fix_map_find(&T.map, "192.0.2.2") +
	       !!fix_map_find(&T.map, "192.0.2.3");
	TS_CHECK(kept == 2, "%d of the answer's addresses kept, want 2", kept);
	/* A new address with a 60 s grace: only the cap can make room for it. */
	TS_CHECK(!dnsmasq_set_hosts(&T.dns, "192.0.2.9 capped.test\n"), "SIGHUP failed");
	T.want = "192.0.2.9";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "new address not added at the cap");
	TS_CHECK(fix_name_info(T.n, 0).naddrs == 2 && T.map.n == 2, "cap not kept: %d in the map",
		 T.map.n);
	add_new = fix_log_find(&T.map, "192.0.2.9", false);
	del_old = -1;
	for (int i = 0; i < T.map.nlog; i++)
		if (T.map.log[i].removed) {
			del_old = i;
			break;
		}
	TS_CHECK(del_old >= 0 && add_new < del_old, "eviction (log %d) not after the add (log %d)",
		 del_old, add_new);
out:
	teardown();
}

static void test_cache_save_load(void)
{
	const char *names[] = { "share.test", "other.test" };
	struct ts_names_state *st = NULL;
	struct ts_names_addr_info info;
	struct stat sb;
	FILE *f;
	int err;

	if (!setup(names, 2, 1, 10, 0, "192.0.2.81 share.test\n2001:db8:600::81 share.test\n",
		   "--local-ttl=30", NULL, NULL))
		goto out;
	TS_CHECK(fix_run_until(T.n, all_done, NULL, 3000), "names never resolved");
	ts_names_close(T.n);
	T.n = NULL;
	TS_CHECK(stat(T.cache, &sb) == 0, "no cache file written");
	TS_CHECK((sb.st_mode & 0777) == 0600, "cache mode %o, want 600", sb.st_mode & 0777);

	/* status/explain read it without a daemon. */
	err = ts_names_state_read(&st, T.cache);
	TS_CHECK(!err, "reading the cache: %s", strerror(-err));
	if (st) {
		struct ts_net net = fix_net("192.0.2.81");
		struct ts_names_metrics m;

		ts_names_metrics(st, &m);
		TS_CHECK(m.names == 2 && m.addrs == 2 && m.resolutions >= 2 && m.lat_count >= 1 &&
			 m.stale_names == 1,
			 "metrics from the file: %llu names, %llu addrs, %llu resolutions, %llu latency "
			 "samples, %llu stale (want 2, 2, >=2, >=1, 1)",
			 (unsigned long long)m.names, (unsigned long long)m.addrs,
			 (unsigned long long)m.resolutions, (unsigned long long)m.lat_count,
			 (unsigned long long)m.stale_names);

		TS_CHECK(ts_names_explain(st, &net, &info, 1) == 1 && !strcmp(info.name, "share.test") &&
			 !strcmp(info.resolver, "127.0.0.1:5300"),
			 "explain does not name share.test via 127.0.0.1:5300");
		ts_names_state_free(st);
	}

	/* Cold start with DNS down: the cached addresses are applied at once. An
	 * entry seen an hour ago (ttl 1 + grace 10 long past) is dropped. */
	f = fopen(T.cache, "a");
	TS_CHECK(f != NULL, "cannot append to the cache");
	if (f) {
		fprintf(f, "name other.test 1 0 0 0 0 0 0 0 0\naddr 192.0.2.200 1 %lld %lld 127.0.0.1:5300\n",
			(long long)(time(NULL) - 3600) * 1000, (long long)(time(NULL) - 3600) * 1000);
		fclose(f);
	}
	dnsmasq_kill(&T.dns);
	memset(&T.map, 0, sizeof(T.map));
	err = open_names(NULL);
	TS_CHECK(!err, "reopen: %s", strerror(-err));
	if (err)
		goto out;
	TS_CHECK(fix_map_find(&T.map, "192.0.2.81") && fix_map_find(&T.map, "2001:db8:600::81"),
		 "cold start began without the cached addresses");
	TS_CHECK(!fix_map_find(&T.map, "192.0.2.200"), "an entry past its grace was loaded");
	TS_CHECK(fix_name_info(T.n, 0).resolutions >= 2, "per-name counters not restored");

	/* A cache others could have written, or garbage, is not trusted: start empty. */
	ts_names_close(T.n); /* saves it again */
	T.n = NULL;
	chmod(T.cache, 0666);
	memset(&T.map, 0, sizeof(T.map));
	TS_CHECK(!open_names(NULL) && T.map.n == 0, "world-writable cache loaded (%d addresses)",
		 T.map.n);
	ts_names_close(T.n);
	T.n = NULL;
	f = fopen(T.cache, "w");
	if (f) {
		fputs("turnstile-names 1\nname share.test x\naddr banana\n", f);
		fclose(f);
	}
	chmod(T.cache, 0600);
	memset(&T.map, 0, sizeof(T.map));
	TS_CHECK(!open_names(NULL) && T.map.n == 0, "garbage cache loaded (%d addresses)", T.map.n);
out:
	teardown();
}

static void test_failed_apply_retried(void)
{
	const char *names[] = { "retry.test" };
	struct ts_names_metrics m;

	if (!setup(names, 1, 1, 10, 0, "192.0.2.55 retry.test\n", "--local-ttl=30", NULL, NULL))
		goto out;
	TS_CHECK(!reopen_names(NULL, 1), "reopen failed");
	T.want = "192.0.2.55";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 4000), "failed map write never retried");
	ts_names_metrics(ts_names_state(T.n), &m);
	TS_CHECK(m.map_errors == 1, "map_errors %llu, want 1", (unsigned long long)m.map_errors);
out:
	teardown();
}

static void test_failover_and_latency(void)
{
	const char *names[] = { "agg.test" };
	struct ts_names_metrics m;
	const struct ts_names_addr_info *a;
	uint64_t hist = 0;

	if (!setup(names, 1, 1, 10, 0, "192.0.2.49 agg.test\n", "--local-ttl=30", NULL, NULL))
		goto out;
	/* Nobody listens on :5399: the answer must come from the second server. */
	TS_CHECK(!reopen_names("127.0.0.1:5399,127.0.0.1:5300", 0), "open with two servers failed");
	T.want = "192.0.2.49";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 4000), "no failover to the second server");
	a = addr_of(0, "192.0.2.49");
	TS_CHECK(a && !strcmp(a->resolver, "127.0.0.1:5300"), "attributed to \"%s\"",
		 a ? a->resolver : "(none)");
	ts_names_metrics(ts_names_state(T.n), &m);
	for (int b = 0; b < TS_NAMES_LAT_BUCKETS; b++)
		hist += m.lat_hist[b];
	TS_CHECK(m.lat_count >= 1 && hist == m.lat_count, "latency samples %llu, histogram %llu",
		 (unsigned long long)m.lat_count, (unsigned long long)hist);
	TS_CHECK(m.lat_last_us <= m.lat_max_us && m.lat_sum_us >= m.lat_max_us,
		 "latency last/max/sum inconsistent");
	TS_CHECK(m.names == 1 && m.addrs == 1, "metrics: %llu names, %llu addrs",
		 (unsigned long long)m.names, (unsigned long long)m.addrs);
out:
	teardown();
}

/* A resolver that answers SERVFAIL, or garbage, never empties a name: the
 * cached address stays past ttl + grace, the name is stale, the error named. */
static void test_servfail_and_garbage(void)
{
	static const struct {
		enum fakedns_mode mode;
		const char *error;     /* ares_strerror() text */
	} cases[] = {
		/* each rcode as what it is, not "could not contact" */
		{ FAKEDNS_SERVFAIL, "general failure" },
		{ FAKEDNS_REFUSED, "refused" },
		{ FAKEDNS_GARBAGE, "Misformatted" },
	};
	const char *names[] = { "sick.test" };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ts_names_name_info i;
		pid_t fake = -1;

		if (!setup(names, 1, 1, 1, 0, "192.0.2.77 sick.test\n", "--local-ttl=1", NULL, NULL))
			goto next;
		T.want = "192.0.2.77";
		TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "never resolved");
		ts_names_close(T.n); /* saves the cache the next instance starts from */
		T.n = NULL;
		fake = fakedns_start(PORT + 1, cases[c].mode);
		TS_CHECK(fake > 0, "fake DNS server: %s", strerror((int)-fake));
		memset(&T.map, 0, sizeof(T.map));
		if (fake <= 0 || open_names("127.0.0.1:5301"))
			goto next;
		TS_CHECK(fix_run_until(T.n, is_stale, (void *)0, 3000), "case %zu: never stale", c);
		fix_run_for(T.n, 3000); /* past ttl (1 s) + grace (1 s) */
		i = fix_name_info(T.n, 0);
		TS_CHECK(fix_map_find(&T.map, "192.0.2.77") && i.naddrs == 1,
			 "case %zu: address lost to a sick resolver", c);
		TS_CHECK(i.stale && i.failures > 0 && strstr(i.last_error, cases[c].error),
			 "case %zu: stale %d, %llu failures, last error \"%s\" (want \"%s\")", c,
			 i.stale, (unsigned long long)i.failures, i.last_error, cases[c].error);
next:
		fakedns_stop(fake);
		teardown();
	}
}

/* A and AAAA are judged apart: a resolver that refuses AAAA but answers A
 * leaves the name fresh (its A address current), with the refusal reported. */
static void test_aaaa_refused_a_fresh(void)
{
	const char *names[] = { "half.test" };
	struct ts_names_name_info i;
	pid_t fake;

	if (!setup(names, 1, 1, 1, 0, "", NULL, NULL, NULL))
		goto out;
	fake = fakedns_start(PORT + 1, FAKEDNS_AAAA_REFUSED);
	TS_CHECK(fake > 0, "fake DNS server: %s", strerror((int)-fake));
	if (fake <= 0 || reopen_names("127.0.0.1:5301", 0))
		goto stop;
	T.want = "192.0.2.77";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "A never resolved");
	fix_run_for(T.n, 2500); /* a few rounds */
	i = fix_name_info(T.n, 0);
	TS_CHECK(!i.stale && i.failures > 0 && strstr(i.last_error, "refused"),
		 "stale %d, %llu failures, last error \"%s\" (want fresh, AAAA refused)", i.stale,
		 (unsigned long long)i.failures, i.last_error);
stop:
	fakedns_stop(fake);
out:
	teardown();
}

/* The A records of a reply, and its id and rcode. */
static int reply_a(const unsigned char *buf, size_t len, struct ares_addrttl *a, int max,
		   unsigned *id, unsigned *rcode)
{
	int n = max;

	*id = len >= 2 ? (unsigned)(buf[0] << 8 | buf[1]) : 0;
	*rcode = len >= 4 ? buf[3] & 0x0f : 99;
	return ares_parse_a_reply(buf, (int)len, NULL, a, &n) == ARES_SUCCESS ? n : 0;
}

static bool names_has(const char *name)
{
	const struct ts_names_state *st = ts_names_state(T.n);
	struct ts_names_name_info i;

	for (size_t k = 0; k < ts_names_count(st); k++)
		if (!ts_names_name_info(st, k, &i) && !strcmp(i.name, name))
			return true;
	return false;
}

/*
 * Wildcards through the DNS proxy: a client's answer for a name matching
 * "*.blob.test" is in the map before the client gets it; a deeper name or
 * an unrelated one is answered but not learned; the learned name is then
 * refreshed on its own (DNS moves it, no client asks); it survives a
 * restart through the cache; a dead resolver is answered with SERVFAIL.
 */
static void test_proxy_learns_wildcard(void)
{
	const char *names[] = { "exact.test", "*.blob.test" };
	unsigned char buf[1024];
	struct ares_addrttl a[8];
	const struct fix_map_entry *e;
	struct ts_names_state *st = NULL;
	struct ts_names_name_info info = { 0 };
	unsigned id, rcode;
	size_t len;
	int n, err;

	T.dns_listen = "127.0.0.1:5353";
	if (!setup(names, 2, 1, 10, 0,
		   "192.0.2.10 exact.test\n192.0.2.65 acct1.blob.test\n"
		   "192.0.2.70 deep.acct1.blob.test\n192.0.2.80 other.test\n",
		   "--local-ttl=1", NULL, NULL))
		goto out;
	/* setup() opened before the wildcard was marked: open again with it. */
	T.pol.refs[1].wildcard = true;
	TS_CHECK(!reopen_names(NULL, 0), "reopen with the wildcard failed");
	/* exact.test first, so the only write while the client waits is the learned one. */
	TS_CHECK(fix_run_until(T.n, all_done, NULL, 3000), "exact.test never resolved");
	fix_dns_watch(&T.map);

	err = fix_dns_ask(T.n, T.proxy, 5353, "acct1.blob.test", ns_t_a, 0x1234, buf, sizeof(buf), &len, 3000);
	TS_CHECK(!err, "no answer from the proxy: %s", strerror(-err));
	e = fix_map_find(&T.map, "192.0.2.65");
	TS_CHECK(e && e->comps == 2, "learned address not in the map (component 1)");
	TS_CHECK(T.map.applied_after_reply == 0,
		 "%d map write(s) came after the client had its answer: its first SYN races them",
		 T.map.applied_after_reply);
	n = reply_a(buf, len, a, 8, &id, &rcode);
	TS_CHECK(n == 1 && id == 0x1234 && !memcmp(&a[0].ipaddr, fix_net("192.0.2.65").addr, 4),
		 "client got %d addresses, id %#x", n, id);
	TS_CHECK(names_has("acct1.blob.test"), "acct1.blob.test not a learned name");

	err = fix_dns_ask(T.n, T.proxy, 5353, "deep.acct1.blob.test", ns_t_a, 7, buf, sizeof(buf), &len, 3000);
	TS_CHECK(!err && reply_a(buf, len, a, 8, &id, &rcode) == 1, "deep name not answered");
	TS_CHECK(!fix_map_find(&T.map, "192.0.2.70") && !names_has("deep.acct1.blob.test"),
		 "two labels under *.blob.test learned (* is one label)");
	err = fix_dns_ask(T.n, T.proxy, 5353, "other.test", ns_t_a, 8, buf, sizeof(buf), &len, 3000);
	TS_CHECK(!err && reply_a(buf, len, a, 8, &id, &rcode) == 1, "other.test not answered");
	TS_CHECK(!fix_map_find(&T.map, "192.0.2.80"), "a name matching no wildcard learned");

	/* Learned names are refreshed like the policy's own. */
	TS_CHECK(!dnsmasq_set_hosts(&T.dns, "192.0.2.10 exact.test\n192.0.2.67 acct1.blob.test\n"),
		 "SIGHUP failed");
	T.want = "192.0.2.67";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 4000), "learned name not refreshed");

	/* Across a restart, through the cache. */
	ts_names_close(T.n);
	T.n = NULL;
	TS_CHECK(!ts_names_state_read(&st, T.cache), "cache unreadable");
	for (size_t i = 0; st && i < ts_names_count(st); i++)
		if (!ts_names_name_info(st, i, &info) && !strcmp(info.name, "acct1.blob.test"))
			break;
	TS_CHECK(info.wildcard && !strcmp(info.wildcard, "*.blob.test"),
		 "cache does not say acct1.blob.test was learned through *.blob.test");
	ts_names_state_free(st);
	memset(&T.map, 0, sizeof(T.map));
	TS_CHECK(!open_names(NULL) && fix_map_find(&T.map, "192.0.2.67"),
		 "learned address not restored from the cache");

	dnsmasq_kill(&T.dns);
	err = fix_dns_ask(T.n, T.proxy, 5353, "acct2.blob.test", ns_t_a, 9, buf, sizeof(buf), &len, 3000);
	reply_a(buf, len, a, 8, &id, &rcode);
	TS_CHECK(!err && rcode == 2 && id == 9, "dead resolver: rcode %u id %u, want SERVFAIL", rcode,
		 id);
out:
	fix_dns_watch(NULL);
	T.dns_listen = NULL;
	teardown();
}

static bool shared_split(void *ctx)
{
	const struct fix_map_entry *e = fix_map_find(&T.map, "192.0.2.5");

	return e && e->comps == 1;
}

/* One address, two names of two components: the map entry carries both;
 * when one name drops it (after grace) it keeps the other, never deleted. */
static void test_shared_address(void)
{
	const char *names[] = { "a.test", "b.test" };
	const struct fix_map_entry *e;

	if (!setup(names, 2, 1, 1, 0, "192.0.2.5 a.test b.test\n", "--local-ttl=1", NULL, NULL))
		goto out;
	T.want = "192.0.2.5";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "shared address never in the map");
	TS_CHECK(fix_run_until(T.n, not_stale, (void *)1, 3000), "b.test never resolved");
	e = fix_map_find(&T.map, "192.0.2.5");
	TS_CHECK(e && e->comps == 3, "shared address in components %#llx, want 0x3",
		 e ? (unsigned long long)e->comps : 0ull);
	TS_CHECK(!dnsmasq_set_hosts(&T.dns, "192.0.2.5 a.test\n192.0.2.6 b.test\n"), "SIGHUP failed");
	TS_CHECK(fix_run_until(T.n, shared_split, NULL, 6000),
		 "address not narrowed to a.test's component after b.test dropped it");
	TS_CHECK(fix_log_find(&T.map, "192.0.2.5", true) < 0, "shared address deleted on the way");
	e = fix_map_find(&T.map, "192.0.2.6");
	TS_CHECK(e && e->comps == 2, "b.test's new address in components %#llx, want 0x2",
		 e ? (unsigned long long)e->comps : 0ull);
out:
	teardown();
}

/* The policy's resolvers (port 53), an IPv6 one; wildcards are not resolved. */
static void test_policy_resolver_ipv6(void)
{
	const char *names[] = { "dm.test", "*.blob.test" };
	struct ts_net resolver = fix_net("::1");
	const struct ts_names_addr_info *a;
	int err;

	memset(&T.map, 0, sizeof(T.map));
	T.n = NULL;
	T.cache[0] = '\0';
	fix_policy_init(&T.pol, names, 2, 1, 3600, 10, 0);
	T.pol.refs[1].wildcard = true;
	T.pol.c.settings.resolvers = &resolver;
	T.pol.c.settings.nresolvers = 1;
	err = dnsmasq_start(&T.dns, 53, "203.0.113.10 dm.test\n", "--listen-address=::1", NULL);
	TS_CHECK(!err, "dnsmasq did not start: %s", strerror(-err));
	if (err)
		goto out;
	err = open_names("");
	TS_CHECK(!err, "ts_names_open: %s", strerror(-err));
	if (err)
		goto out;
	TS_CHECK(ts_names_count(ts_names_state(T.n)) == 1, "%zu names to resolve, want 1 (no wildcard)",
		 ts_names_count(ts_names_state(T.n)));
	T.want = "203.0.113.10";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "not resolved through the policy's resolver");
	a = addr_of(0, "203.0.113.10");
	TS_CHECK(a && !strcmp(a->resolver, "[::1]:53"), "resolver \"%s\", want [::1]:53",
		 a ? a->resolver : "(none)");
	/* --resolver as users write it: a bare IPv6 address, then a bracketed one with a port. */
	TS_CHECK(!reopen_names("::1", 0), "servers \"::1\" refused");
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000) && ts_names_nservers(T.n) == 1 &&
		 !strcmp(ts_names_server(T.n, 0), "[::1]:53"), "bare ::1 not used as [::1]:53");
	TS_CHECK(!reopen_names("[::1]:53,127.0.0.1:53", 0), "servers \"[::1]:53,127.0.0.1:53\" refused");
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000) && ts_names_nservers(T.n) == 2,
		 "two servers: %zu in use", ts_names_nservers(T.n));
out:
	teardown();
}

/* No --resolver and none in the policy: /etc/resolv.conf (bind-mounted in a
 * private mount namespace, so the host's file is never touched). */
static void test_resolv_conf_fallback(void)
{
	const char *names[] = { "dm.test" };
	char conf[] = "/tmp/ts-names-resolv.XXXXXX";
	const struct ts_names_addr_info *a;
	bool mounted = false;
	int fd, err;

	memset(&T.map, 0, sizeof(T.map));
	T.n = NULL;
	T.cache[0] = '\0';
	fix_policy_init(&T.pol, names, 1, 1, 3600, 10, 0);
	fd = mkstemp(conf);
	TS_CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		goto out;
	TS_CHECK(write(fd, "nameserver 127.0.0.1\n", 21) == 21, "write resolv.conf");
	close(fd);
	err = unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	      mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL);
	TS_CHECK(!err, "cannot bind-mount a private /etc/resolv.conf: %s", strerror(errno));
	if (err)
		goto out;
	mounted = true;
	err = dnsmasq_start(&T.dns, 53, "203.0.113.10 dm.test\n", NULL);
	TS_CHECK(!err, "dnsmasq did not start: %s", strerror(-err));
	if (err)
		goto out;
	err = open_names("");
	TS_CHECK(!err, "ts_names_open: %s", strerror(-err));
	if (err)
		goto out;
	T.want = "203.0.113.10";
	TS_CHECK(fix_run_until(T.n, have_want, NULL, 3000), "not resolved through /etc/resolv.conf");
	a = addr_of(0, "203.0.113.10");
	TS_CHECK(a && !strcmp(a->resolver, "127.0.0.1:53"), "resolver \"%s\"",
		 a ? a->resolver : "(none)");
	TS_CHECK(ts_names_nservers(T.n) == 1 && !strcmp(ts_names_server(T.n, 0), "127.0.0.1:53"),
		 "servers in use: %zu, first \"%s\"", ts_names_nservers(T.n), ts_names_server(T.n, 0));
out:
	teardown();
	if (mounted)
		umount2("/etc/resolv.conf", MNT_DETACH);
	unlink(conf);
}

int main(void)
{
	int err;

	if (!ts_is_root()) {
		ts_skip("names", "needs root (network namespace, dnsmasq)");
		return 0;
	}
	if (access("/usr/sbin/dnsmasq", X_OK)) {
		ts_skip("names", "dnsmasq not installed");
		return 0;
	}
	err = dnsmasq_enter_netns();
	if (err) {
		printf("FAIL: names: cannot enter a network namespace: %s\n", strerror(-err));
		return 1;
	}
	ts_log_set_level(TS_LOG_ERROR);
	ts_run("names_a_and_aaaa", test_a_and_aaaa);
	ts_run("names_answer_change_grace", test_answer_change);
	ts_run("names_outage_keeps_addresses", test_outage);
	ts_run("names_ttl_zero", test_ttl_zero);
	ts_run("names_cname_chain", test_cname_chain);
	ts_run("names_hundred_a_records", test_hundred_a_records);
	ts_run("names_aaaa_only", test_aaaa_only);
	ts_run("names_nxdomain_one_name", test_nxdomain_one);
	ts_run("names_cap_evicts_least_recent", test_cap_evicts_least_recent);
	ts_run("names_cache_save_load", test_cache_save_load);
	ts_run("names_failed_apply_retried", test_failed_apply_retried);
	ts_run("names_failover_and_latency", test_failover_and_latency);
	ts_run("names_servfail_and_garbage", test_servfail_and_garbage);
	ts_run("names_aaaa_refused_a_fresh", test_aaaa_refused_a_fresh);
	ts_run("names_shared_address", test_shared_address);
	ts_run("names_proxy_learns_wildcard", test_proxy_learns_wildcard);
	ts_run("names_policy_resolver_ipv6", test_policy_resolver_ipv6);
	ts_run("names_resolv_conf_fallback", test_resolv_conf_fallback);
	return ts_done();
}
