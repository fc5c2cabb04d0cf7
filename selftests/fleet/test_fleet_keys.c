// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_fleet_keys.c - what a gateway accepts from etcd, without etcd: the
 * names keys other gateways publish (keys.c) are taken only in the exact
 * form a gateway writes them, answers of the JSON gateway only within their
 * bounds (etcd_json.c), base64 only when well formed (b64.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/b64.h"
#include "fleet/etcd_json.h"
#include "fleet/keys.h"
#include "testlib.h"

static int name_parse(const char *key, const char *value, struct ts_fleet_name *n)
{
	const char *why;

	return ts_fleet_name_parse("f", key, value, strlen(value), n, &why);
}

static void test_name_round_trip(void)
{
	struct ts_fleet_name n = { .gateway = "gw1", .name = "acct.blob.test", .ttl_s = 60 }, back;
	char key[TS_FLEET_KEY_LEN], value[16];
	const char *why;

	TS_CHECK(!ts_net_parse("2001:db8::7", &n.addr, &why), "address");
	TS_CHECK(!ts_fleet_name_key(key, sizeof(key), "f", &n), "key");
	TS_CHECK(!strcmp(key, "/turnstile/f/names/gw1/acct.blob.test/2001:db8::7"), "%s", key);
	ts_fleet_name_value(value, sizeof(value), &n);
	TS_CHECK(!name_parse(key, value, &back), "its own key parses");
	TS_CHECK(!strcmp(back.gateway, "gw1") && !strcmp(back.name, n.name) && back.ttl_s == 60 &&
		 !memcmp(&back.addr, &n.addr, sizeof(n.addr)), "same name back");
}

static void test_name_refused(void)
{
	static const struct { const char *key, *value, *what; } bad[] = {
		{ "/turnstile/g/names/gw1/a.blob.test/198.51.100.1", "60", "another fleet" },
		{ "/turnstile/f/names/GW1/a.blob.test/198.51.100.1", "60", "an upper-case gateway" },
		{ "/turnstile/f/names/../a.blob.test/198.51.100.1", "60", "gateway '..'" },
		{ "/turnstile/f/names/gw1/A.blob.test/198.51.100.1", "60", "upper case name" },
		{ "/turnstile/f/names/gw1/a.blob.test./198.51.100.1", "60", "trailing dot" },
		{ "/turnstile/f/names/gw1/*.blob.test/198.51.100.1", "60", "a wildcard" },
		{ "/turnstile/f/names/gw1/a b.blob.test/198.51.100.1", "60", "a space" },
		{ "/turnstile/f/names/gw1/a..blob.test/198.51.100.1", "60", "an empty label" },
		{ "/turnstile/f/names/gw1/a.blob.test/198.51.100.0/24", "60", "a prefix" },
		{ "/turnstile/f/names/gw1/a.blob.test/198.51.100.1/extra", "60", "a part too many" },
		{ "/turnstile/f/names/gw1/a.blob.test/not-an-address", "60", "no address" },
		{ "/turnstile/f/names/gw1/a.blob.test/198.51.100.1", "0", "TTL 0" },
		{ "/turnstile/f/names/gw1/a.blob.test/198.51.100.1", "86401", "TTL over a day" },
		{ "/turnstile/f/names/gw1/a.blob.test/198.51.100.1", "060", "a leading zero" },
		{ "/turnstile/f/names/gw1/a.blob.test/198.51.100.1", "6O", "not a number" },
		{ "/turnstile/f/names/gw1/a.blob.test/198.51.100.1", "", "no TTL" },
		{ "/turnstile/f/names/gw1//198.51.100.1", "60", "no name" },
	};
	struct ts_fleet_name n;
	char label[80], key[400];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		TS_CHECK(name_parse(bad[i].key, bad[i].value, &n) == -EINVAL, "%s accepted", bad[i].what);
	/* a label of 64 bytes, a name label of 64 */
	memset(label, 'a', 64);
	label[64] = '\0';
	snprintf(key, sizeof(key), "/turnstile/f/names/%s/a.blob.test/198.51.100.1", label);
	TS_CHECK(name_parse(key, "60", &n) == -EINVAL, "64-byte gateway label accepted");
	snprintf(key, sizeof(key), "/turnstile/f/names/gw1/%s.blob.test/198.51.100.1", label);
	TS_CHECK(name_parse(key, "60", &n) == -EINVAL, "64-byte DNS label accepted");
	label[63] = '\0';
	snprintf(key, sizeof(key), "/turnstile/f/names/gw1/%s.blob.test/198.51.100.1", label);
	TS_CHECK(!name_parse(key, "60", &n), "63-byte DNS label refused");
}

static void test_b64(void)
{
	char out[16];

	TS_CHECK(ts_b64_decode("aGVsbG8=", 8, out, sizeof(out)) == 5 && !strcmp(out, "hello"), "hello");
	TS_CHECK(ts_b64_decode("aGVsbG8", 7, out, sizeof(out)) == -EINVAL, "no padding");
	TS_CHECK(ts_b64_decode("aG=sbG8=", 8, out, sizeof(out)) == -EINVAL, "padding inside");
	TS_CHECK(ts_b64_decode("aGVs bG8", 8, out, sizeof(out)) == -EINVAL, "a space");
	TS_CHECK(ts_b64_decode("aGVsbG8=", 8, out, 5) == -E2BIG, "no room for the NUL");
}

static int parse(const char *json, bool watch, struct ts_etcd_result *r)
{
	char err[TS_ETCD_MAX_ERROR];
	int rc = ts_etcd_parse(json, strlen(json), watch, r, err, sizeof(err));

	return rc;
}

static void test_answers(void)
{
	static const struct { const char *json; bool watch; int rc; const char *what; } bad[] = {
		{ "{\"error\":\"etcdserver: permission denied\",\"code\":7}", false, -EACCES, "permission denied" },
		{ "{\"kvs\":[{\"key\":\"eABi\"}]}", false, -EPROTO, "a NUL in a key" },
		{ "{\"kvs\":[{\"key\":\"\"}]}", false, -EPROTO, "an empty key" },
		{ "{\"header\":{\"revision\":\"9x\"}}", false, -EPROTO, "a number with junk" },
		{ "{} {}", false, -EPROTO, "two documents" },
		{ "{\"token\":\"a b\"}", false, -EPROTO, "a token with a space" },
		{ "{\"header\":{}}", true, -EPROTO, "a watch message without result" },
	};
	struct ts_etcd_result r;

	TS_CHECK(!parse("{\"header\":{\"revision\":\"9\"},\"kvs\":[{\"key\":\"eA==\",\"value\":\"aGVsbG8=\","
			"\"mod_revision\":\"7\"}]}", false, &r) && r.revision == 9 && r.nkvs == 1 &&
		 !strcmp(r.kvs[0].key, "x") && r.kvs[0].value_len == 5 && r.kvs[0].mod_revision == 7, "a range");
	ts_etcd_result_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TS_CHECK(parse(bad[i].json, bad[i].watch, &r) == bad[i].rc, "%s", bad[i].what);
		ts_etcd_result_free(&r);
	}
	TS_CHECK(!parse("{\"result\":{\"canceled\":true,\"compact_revision\":\"5\"}}", true, &r) &&
		 r.canceled && r.compact_revision == 5, "a compacted watch");
	ts_etcd_result_free(&r);
}

static void test_value_bound(void)
{
	/* a value one byte over TS_ETCD_MAX_VALUE is refused, not cut */
	size_t n = TS_ETCD_MAX_VALUE + 1, tlen = TS_B64_LEN(n);
	char *raw = calloc(1, n), *json = malloc(tlen + 64);
	struct ts_etcd_result r;
	int len;

	TS_CHECK(raw && json, "memory");
	if (!raw || !json)
		goto out;
	memset(raw, 'p', n);
	len = snprintf(json, tlen + 64, "{\"kvs\":[{\"key\":\"eA==\",\"value\":\"");
	ts_b64_encode(raw, n, json + len);
	strcat(json, "\"}]}");
	TS_CHECK(ts_etcd_parse(json, strlen(json), false, &r, NULL, 0) == -E2BIG, "an oversized value");
	ts_etcd_result_free(&r);
out:
	free(raw);
	free(json);
}

int main(void)
{
	ts_run("fleet_name_round_trip", test_name_round_trip);
	ts_run("fleet_name_refused", test_name_refused);
	ts_run("fleet_b64", test_b64);
	ts_run("etcd_answers", test_answers);
	ts_run("etcd_value_bound", test_value_bound);
	return ts_done();
}
