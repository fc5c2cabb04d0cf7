// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_names_dp.c - names into the real maps: a real dnsmasq answers, the
 * name resolver applies answers through the loader's glue (runtime
 * registry's set API + dp installer), and SYNs run through the real XDP
 * program with BPF_PROG_TEST_RUN. An answer changes: the new address is
 * allowed, the old one still is during grace, then refused for new
 * connections while a connection opened to it keeps passing. Also prints
 * the answer-to-map latency line selftests/names/latency reports; that a
 * names run leaves the compiled policy as compiled; the reload order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/log.h"
#include "compiled_hash.h"
#include "dnsmasq.h"
#include "dp/dpt.h"
#include "fixture.h"
#include "loader/lookup.h"
#include "loader/names_glue.h"
#include "loader/resolvers.h"
#include "loader/session.h"
#include "names/names.h"
#include "policy/net.h"
#include "testlib.h"

#define PORT 5300
#define CLIENT "198.51.100.11"

static const char policy_text[] =
	"settings {\n"
	"    scope tcp/443\n"
	"    ttl-floor 1s\n"
	"    grace 2s\n"
	"}\n"
	"component clients { 198.51.100.0/26 }\n"
	"component blob { blob.test }\n"
	"rule \"E3\": clients -> blob tcp/443\n";

static struct {
	struct dpt t;
	struct dnsmasq dns;
	struct ts_session s;
	struct ts_names_glue g;
	char dir[64];
	uint16_t sport;            /* a fresh source port per probe: a new connection */
} T;

/* The reason the XDP program gives a new connection's SYN from CLIENT to addr:443. */
static int syn_reason(const char *addr)
{
	struct pkt p;

	dpt_tcp(&p, CLIENT, T.sport++, addr, 443, 0x02 /* SYN */, 0);
	return dpt_reason(&T.t, TS_HOOK_XDP, &p);
}

static bool syn_allowed(void *addr)
{
	return syn_reason(addr) == TS_R_PASS_NEW;
}

static bool syn_refused(void *addr)
{
	return syn_reason(addr) == TS_R_DROP_NO_RULE;
}

/* Drives the glue until cond(arg) holds; false after timeout_ms. */
static bool run_until(bool (*cond)(void *), const char *arg, int timeout_ms)
{
	int64_t deadline = fix_now_ms() + timeout_ms;

	while (!cond((void *)arg)) {
		if (fix_now_ms() >= deadline)
			return false;
		ts_names_run_once(T.g.names, 50);
	}
	return true;
}

/* dnsmasq with `hosts`, the policy installed in private maps, names glued to them. */
static bool setup(const char *policy, const char *hosts)
{
	int err;

	memset(&T, 0, sizeof(T));
	err = dnsmasq_start(&T.dns, PORT, hosts, "--local-ttl=1", NULL);
	TS_CHECK(!err, "dnsmasq: %s", strerror(-err));
	err = err ?: dpt_open(&T.t, 0, 0);
	TS_CHECK(!err, "dpt_open: %s", strerror(-err));
	err = err ?: dpt_install_text(&T.t, policy);
	TS_CHECK(!err, "install: %s", strerror(-err));
	snprintf(T.dir, sizeof(T.dir), "/tmp/ts-names-dp.XXXXXX");
	if (err || !mkdtemp(T.dir)) {
		T.dir[0] = '\0';
		return false;
	}
	T.s.dp = T.t.dp;
	T.s.policy = T.t.c;
	T.s.registry = T.t.reg;
	snprintf(T.s.state.state_dir, sizeof(T.s.state.state_dir), "%s", T.dir);
	snprintf(T.s.state.resolvers, sizeof(T.s.state.resolvers), "%s", dnsmasq_server(&T.dns));
	snprintf(T.s.names_cache, sizeof(T.s.names_cache), "%s/names.cache", T.dir);
	err = ts_names_glue_open(&T.g, &T.s);
	TS_CHECK(!err && T.g.names, "names glue: %s", strerror(-err));
	T.sport = 20000;
	return !err && T.g.names;
}

static void teardown(void)
{
	ts_names_glue_close(&T.g);
	dpt_close(&T.t);
	dnsmasq_stop(&T.dns);
	if (T.dir[0]) {
		unlink(T.s.names_cache);
		rmdir(T.dir);
	}
}

static void print_latency(const char *what)
{
	struct ts_names_metrics m;

	ts_names_metrics(ts_names_state(T.g.names), &m);
	printf("BENCH: names answer-to-map latency, %s: samples %llu, avg %llu us, max %llu us "
	       "(target 10000 us)\n",
	       what, (unsigned long long)m.lat_count,
	       (unsigned long long)(m.lat_count ? m.lat_sum_us / m.lat_count : 0),
	       (unsigned long long)m.lat_max_us);
}

static void test_answer_change_in_maps(void)
{
	struct pkt p;
	uint16_t live_port = 40000;
	struct ts_names_metrics m;
	struct ts_names_addr_info info = { 0 };
	struct ts_net old;

	if (!setup(policy_text, "192.0.2.65 blob.test\n"))
		goto out;

	TS_CHECK(syn_reason("192.0.2.67") == TS_R_DROP_NO_RULE, "192.0.2.67 allowed before DNS names it");
	TS_CHECK(run_until(syn_allowed, "192.0.2.65", 3000), "resolved address never allowed");

	/* A connection to the address that is about to leave. */
	dpt_tcp(&p, CLIENT, live_port, "192.0.2.65", 443, 0x02, 0);
	TS_CHECK(dpt_reason(&T.t, TS_HOOK_XDP, &p) == TS_R_PASS_NEW, "live SYN");
	dpt_tcp(&p, "192.0.2.65", 443, CLIENT, live_port, 0x12 /* SYN-ACK */, 0);
	TS_CHECK(dpt_reason(&T.t, TS_HOOK_XDP, &p) == TS_R_PASS_HANDSHAKE, "live SYN-ACK");
	dpt_tcp(&p, CLIENT, live_port, "192.0.2.65", 443, 0x10 /* ACK */, 0);
	TS_CHECK(dpt_reason(&T.t, TS_HOOK_XDP, &p) == TS_R_PASS_HANDSHAKE, "live ACK");

	TS_CHECK(!dnsmasq_set_hosts(&T.dns, "192.0.2.67 blob.test\n"), "SIGHUP");
	TS_CHECK(run_until(syn_allowed, "192.0.2.67", 2500), "new address not allowed within the TTL");
	TS_CHECK(syn_reason("192.0.2.65") == TS_R_PASS_NEW, "old address refused before its grace ran out");
	old = fix_net("192.0.2.65");
	TS_CHECK(ts_names_explain(ts_names_state(T.g.names), &old, &info, 1) == 1,
		 "old address no longer held by blob.test");
	/* ttl 1 s + grace 2 s after it was last seen, plus a refresh. */
	TS_CHECK(run_until(syn_refused, "192.0.2.65", 6000), "old address still allowed after grace");
	/* 5 ms: the state's monotonic times converted to wall clock. */
	TS_CHECK(fix_now_ms() >= info.last_seen_ms + 3000 - 5,
		 "old address refused %lld ms after DNS last returned it, before ttl + grace (3 s)",
		 (long long)(fix_now_ms() - info.last_seen_ms));
	dpt_tcp(&p, CLIENT, live_port, "192.0.2.65", 443, 0x18 /* PSH|ACK */, 0);
	TS_CHECK(dpt_reason(&T.t, TS_HOOK_XDP, &p) == TS_R_PASS_ESTABLISHED,
		 "established connection to the old address cut");
	dpt_tcp(&p, "192.0.2.65", 443, CLIENT, live_port, 0x18, 0);
	TS_CHECK(dpt_reason(&T.t, TS_HOOK_XDP, &p) == TS_R_PASS_ESTABLISHED,
		 "reply on the established connection cut");
	TS_CHECK(syn_reason("192.0.2.67") == TS_R_PASS_NEW, "new address lost");

	ts_names_metrics(ts_names_state(T.g.names), &m);
	TS_CHECK(m.lat_count >= 2, "%llu latency samples, want one per map change",
		 (unsigned long long)m.lat_count);
	TS_CHECK(m.map_errors == 0, "%llu map errors", (unsigned long long)m.map_errors);
	/* The target: answer to map within 10 ms. */
	TS_CHECK(m.lat_max_us <= 10000, "answer-to-map latency max %llu us > 10 ms",
		 (unsigned long long)m.lat_max_us);
	print_latency("one address per answer");
out:
	teardown();
}

static bool all_resolved(void *ctx)
{
	return ts_names_unresolved(T.g.names) == 0;
}

/* One answer of 100 addresses: 100 sets looked up or made, 100 upserts. */
static void test_bulk_latency(void)
{
	static const char policy[] =
		"settings {\n    scope tcp/443\n    max-addresses-per-name 128\n}\n"
		"component clients { 198.51.100.0/26 }\n"
		"component many { many.test }\n"
		"rule \"M\": clients -> many tcp/443\n";
	char hosts[100 * 32] = "", addr[32];
	struct ts_names_metrics m;
	int refused = 0;

	for (int i = 1; i <= 100; i++) {
		size_t used = strlen(hosts);

		snprintf(hosts + used, sizeof(hosts) - used, "192.0.2.%d many.test\n", i + 100);
	}
	if (!setup(policy, hosts))
		goto out;
	TS_CHECK(run_until(all_resolved, NULL, 4000), "many.test never resolved");
	for (int i = 1; i <= 100; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%d", i + 100);
		refused += syn_reason(addr) != TS_R_PASS_NEW;
	}
	TS_CHECK(!refused, "%d of 100 resolved addresses refused", refused);
	ts_names_metrics(ts_names_state(T.g.names), &m);
	TS_CHECK(m.lat_count >= 1 && m.lat_max_us <= 10000,
		 "100-address answer: %llu samples, max %llu us (target 10 ms)",
		 (unsigned long long)m.lat_count, (unsigned long long)m.lat_max_us);
	print_latency("100 addresses in one answer");
out:
	teardown();
}

/* dnsmasq's A answer for `name` (query id `id`), as a client got it
 * through the proxy, taught to the library: the addresses it learned. */
static int ask_and_learn(const char *name, uint16_t id)
{
	unsigned char answer[512];
	size_t len = 0;
	int err = fix_dns_ask(NULL, NULL, PORT, name, 1 /* A */, id, answer, sizeof(answer), &len,
			      3000);

	TS_CHECK(!err, "no answer from dnsmasq for %s: %s", name, strerror(-err));
	return err ? 0 : ts_names_learn(T.g.names, name, answer, len, dnsmasq_server(&T.dns));
}

/*
 * A wildcard: an answer a client got for acct1.blob.test is learned
 * through the loader's glue into the real maps, and the very next SYN to
 * the address passes (it was refused before the answer).
 */
static void test_learned_first_syn(void)
{
	static const char policy[] =
		"settings {\n    scope tcp/443\n}\n"
		"component clients { 198.51.100.0/26 }\n"
		"component blob { *.blob.test }\n"
		"rule \"B\": clients -> blob tcp/443\n";
	int added;

	if (!setup(policy, "192.0.2.65 acct1.blob.test\n"))
		goto out;
	TS_CHECK(syn_reason("192.0.2.65") == TS_R_DROP_NO_RULE, "allowed before any answer");
	added = ask_and_learn("acct1.blob.test", 42);
	TS_CHECK(added == 1, "learned %d addresses, want 1", added);
	TS_CHECK(syn_reason("192.0.2.65") == TS_R_PASS_NEW, "first SYN after the answer refused");
out:
	teardown();
}

/*
 * The compiled policy is read only at run time: a names run that resolves
 * an exact name inside a literal CIDR (a new set and new rule entries),
 * learns a wildcard's address, and flags the resolv.conf servers leaves
 * every byte of it as compiled; what it added is in the session's registry.
 */
static void test_policy_untouched(void)
{
	static const char policy[] =
		"settings {\n    scope tcp/443\n}\n"
		"component clients { 198.51.100.0/26 }\n"
		"component lab { 192.0.2.0/24 }\n"
		"component blob { blob.test *.cdn.test }\n"
		"rule \"B\": clients -> blob tcp/443\n"
		"rule \"L\": lab -> clients tcp/443\n";
	size_t sets;
	uint64_t before;
	int err, added;

	if (!setup(policy, "192.0.2.65 blob.test\n192.0.2.66 a.cdn.test\n"))
		goto out;
	before = compiled_hash(T.t.c);
	sets = ts_registry_nsets(T.t.reg);
	TS_CHECK(run_until(syn_allowed, "192.0.2.65", 4000), "blob.test never reached the maps");
	added = ask_and_learn("a.cdn.test", 43);
	TS_CHECK(added == 1, "learned %d addresses, want 1", added);
	TS_CHECK(syn_reason("192.0.2.66") == TS_R_PASS_NEW, "learned address refused");
	/* the resolv.conf servers: flagged through the registry */
	ts_names_glue_close(&T.g);
	T.s.state.resolvers[0] = '\0';
	err = ts_names_glue_open(&T.g, &T.s);
	TS_CHECK(!err, "glue without resolvers: %s", strerror(-err));
	TS_CHECK(ts_registry_nsets(T.t.reg) > sets && T.t.reg->nrules > 0,
		 "the run made no set of its own (%zu sets, %zu entries): nothing was tested",
		 ts_registry_nsets(T.t.reg), T.t.reg->nrules);
	TS_CHECK(compiled_hash(T.t.c) == before, "the names run changed the compiled policy");
out:
	teardown();
}

/* What the reload's writer hooks saw, each time they ran. */
static struct {
	int stops, starts;
	const struct ts_registry *at_stop, *at_start;
	uint64_t gen_at_stop, gen_at_start;
} O;

static uint64_t active_generation(void)
{
	struct ts_config cfg;

	return ts_dp_config_read(T.t.dp, &cfg) ? 0 : cfg.generation;
}

static void order_stop(void *ctx)
{
	O.stops++;
	O.at_stop = T.s.registry;
	O.gen_at_stop = active_generation();
	ts_names_glue_pause(&T.g);
}

static void order_start(void *ctx)
{
	O.starts++;
	O.at_start = T.s.registry;
	O.gen_at_start = active_generation();
	ts_names_glue_policy_changed(&T.g);
}

/*
 * The reload order is the session's code, not the caller's: the writers
 * stop while the old registry still runs and the old slot is active, and
 * start once the new slot is active and the session holds the new
 * registry (the old one retired); a refused file stops and starts them
 * around an unchanged session. A name resolved before the reload is in
 * the new slot from the start (the cache prefills the new registry).
 */
static void test_reload_order(void)
{
	static const char policy[] =
		"settings {\n    scope tcp/443\n}\n"
		"component clients { 198.51.100.0/26 }\n"
		"component lab { 192.0.2.0/24 }\n"
		"component blob { blob.test }\n"
		"rule \"B\": clients -> blob tcp/443\n";
	char path[128], pins[] = "/sys/fs/bpf/ts-reload-order";
	const struct ts_registry *old;
	uint64_t gen = 0, before;
	FILE *f;
	int err;

	memset(&O, 0, sizeof(O));
	if (!setup(policy, "192.0.2.65 blob.test\n"))
		goto out;
	TS_CHECK(run_until(syn_allowed, "192.0.2.65", 4000), "blob.test never reached the maps");
	snprintf(path, sizeof(path), "%s/reload.policy", T.dir);
	f = fopen(path, "w");
	TS_CHECK(f && fputs(policy, f) >= 0 && !fclose(f), "cannot write %s", path);
	TS_CHECK(!mkdir(pins, 0700), "%s: %s (needs the private bpffs of selftests/run)", pins,
		 strerror(errno));
	if (ts_failed())
		goto out;
	T.s.pin_dir = pins;
	T.s.writers = (struct ts_registry_writers){ order_stop, order_start, NULL };
	old = T.s.registry;
	before = active_generation();

	err = ts_session_reload_file(&T.s, path, &gen, NULL, 0);
	/* the session retired dpt's registry: dpt follows the session's */
	T.t.reg = T.s.registry;
	T.t.c = T.s.policy;
	TS_CHECK(!err, "reload: %s", strerror(-err));
	TS_CHECK(O.stops == 1 && O.starts == 1, "writers stopped %d, started %d times", O.stops,
		 O.starts);
	TS_CHECK(O.at_stop == old && O.gen_at_stop == before,
		 "writers stopped after the reload began (registry %s, generation %llu of %llu)",
		 O.at_stop == old ? "old" : "new", (unsigned long long)O.gen_at_stop,
		 (unsigned long long)before);
	TS_CHECK(O.at_start == T.s.registry && O.at_start != old && O.gen_at_start == gen &&
		 gen == before + 1, "writers started before the switch or the retirement");
	TS_CHECK(syn_reason("192.0.2.65") == TS_R_PASS_NEW, "the named host left the new slot");

	memset(&O, 0, sizeof(O));
	old = T.s.registry;
	f = fopen(path, "w");
	TS_CHECK(f && fputs("component {\n", f) >= 0 && !fclose(f), "cannot write %s", path);
	err = ts_session_reload_file(&T.s, path, &gen, NULL, 0);
	TS_CHECK(err == -EINVAL, "an invalid file: %d", err);
	TS_CHECK(O.stops == 1 && O.starts == 1 && O.at_stop == old && O.at_start == old &&
		 T.s.registry == old && active_generation() == before + 1,
		 "a refused reload changed the session or left the writers stopped");
	T.s.writers = (struct ts_registry_writers){ 0 };
	unlink(path);
	snprintf(path, sizeof(path), "%s/" TS_INSTALLED_DIGEST, T.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" TS_STATE_MAP_NAME, pins);
	unlink(path);
	rmdir(pins);
out:
	teardown();
}

/* The glue's sink: deleting an address the map does not hold is done (0),
 * not -ENOENT (the library would retry it forever); the resolv.conf
 * servers the library falls back to are flagged as resolvers. */
static void test_glue_delete_gone_and_default_servers(void)
{
	struct ts_addr_lookup a;
	struct ts_compset none;
	struct ts_config cfg;
	struct ts_net addr;
	const char *why;
	int err;

	if (!setup(policy_text, "192.0.2.65 blob.test\n"))
		goto out;
	TS_CHECK(ts_compset_init(&none, T.t.c->ncomps) == 0, "compset");
	TS_CHECK(ts_net_parse("192.0.2.99", &addr, &why) == 0, "address");
	err = ts_names_glue_apply(&T.g, &addr, &none);
	TS_CHECK(err == 0, "delete of an absent entry: %s", strerror(-err));
	ts_compset_free(&none);
	/* Again without a resolver: the library reads /etc/resolv.conf. */
	ts_names_glue_close(&T.g);
	T.s.state.resolvers[0] = '\0';
	err = ts_names_glue_open(&T.g, &T.s);
	TS_CHECK(!err && T.g.names, "glue without resolvers: %s", strerror(-err));
	err = err ?: ts_dp_config_read(T.t.dp, &cfg);
	TS_CHECK(!T.g.names || ts_names_nservers(T.g.names) > 0, "no server from /etc/resolv.conf");
	for (size_t i = 0; !err && T.g.names && i < ts_names_nservers(T.g.names); i++) {
		const char *srv = ts_names_server(T.g.names, i);

		TS_CHECK(ts_resolver_parse(srv, &addr) == 0, "server %s unparsable", srv);
		err = ts_lookup_addr(T.t.dp, cfg.active_slot & 1, &addr, &a);
		TS_CHECK(!err && a.exact && (a.flags & TS_ADDR_RESOLVER),
			 "resolv.conf server %s not flagged as a resolver", srv);
		TS_CHECK(strstr(T.s.default_resolvers, srv) != NULL, "%s not kept for reloads (%s)",
			 srv, T.s.default_resolvers);
	}
out:
	teardown();
}

int main(void)
{
	int err;

	if (!ts_is_root()) {
		ts_skip("names_dp", "needs root (BPF, network namespace, dnsmasq)");
		return 0;
	}
	err = dnsmasq_enter_netns();
	if (err) {
		printf("FAIL: names_dp: cannot enter a network namespace: %s\n", strerror(-err));
		return 1;
	}
	ts_log_set_level(TS_LOG_ERROR);
	ts_run("names_dp_answer_change", test_answer_change_in_maps);
	ts_run("names_dp_bulk_latency", test_bulk_latency);
	ts_run("names_dp_learned_first_syn", test_learned_first_syn);
	ts_run("names_dp_policy_untouched", test_policy_untouched);
	ts_run("names_dp_reload_order", test_reload_order);
	ts_run("names_dp_glue_delete_gone_and_default_servers",
	       test_glue_delete_gone_and_default_servers);
	return ts_done();
}
