// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_etcd.c - libFuzzer target: any bytes as an answer of etcd's JSON
 * gateway (user/lib/fleet/etcd_json.c) under ASan and UBSan.
 *
 * The first byte picks what is read: a plain answer, a watch message,
 * the base64 codec (decode, and encode-decode round trip), a names key
 * and its value (user/lib/fleet/keys.c: key, a NUL, value), or a
 * gateway's status (status_json.c). Whatever is accepted must keep its
 * bounds: keys non-empty, without NUL, at most TS_ETCD_MAX_KEY bytes;
 * values NUL-terminated at value_len, at most TS_ETCD_MAX_VALUE; no more
 * than TS_ETCD_MAX_KVS kvs or events; a token without control characters
 * or spaces (it becomes a header); a name that is a canonical host name
 * of DNS's bytes, a host address, a TTL of 1..TS_FLEET_TTL_MAX; a status
 * whose strings hold no control character.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/b64.h"
#include "fleet/etcd_json.h"
#include "fleet/keys.h"
#include "fleet/status_json.h"
#include "policy/dnsname.h"

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz_etcd: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                       \
		}                                                                      \
	} while (0)

static void check_kv(const struct ts_etcd_kv *kv)
{
	size_t klen;

	CHECK(kv->key && kv->value);
	klen = strlen(kv->key);
	CHECK(klen > 0 && klen <= TS_ETCD_MAX_KEY);
	CHECK(kv->value_len <= TS_ETCD_MAX_VALUE);
	CHECK(kv->value[kv->value_len] == '\0');
}

static void parse(const uint8_t *data, size_t size, bool watch)
{
	struct ts_etcd_result r;
	char err[TS_ETCD_MAX_ERROR];
	int rc = ts_etcd_parse((const char *)data, size, watch, &r, err, sizeof(err));

	CHECK(strlen(err) < sizeof(err));
	for (const char *c = err; *c; c++)
		CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
	if (!rc) {
		CHECK(r.nkvs <= TS_ETCD_MAX_KVS && r.nevents <= TS_ETCD_MAX_KVS);
		for (size_t i = 0; i < r.nkvs; i++)
			check_kv(&r.kvs[i]);
		for (size_t i = 0; i < r.nevents; i++) {
			CHECK(r.events[i].type == TS_ETCD_PUT || r.events[i].type == TS_ETCD_DELETE);
			check_kv(&r.events[i].kv);
		}
		for (const char *c = r.token; *c; c++)
			CHECK((unsigned char)*c > 0x20 && *c != 0x7f);
		CHECK(strlen(r.cancel_reason) < sizeof(r.cancel_reason));
		for (const char *c = r.cancel_reason; *c; c++)
			CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
	}
	ts_etcd_result_free(&r);
}

static void b64(const uint8_t *data, size_t size)
{
	char *out = malloc(size + 1), *text = malloc(TS_B64_LEN(size)), *back = malloc(size + 1);
	long n = ts_b64_decode((const char *)data, size, out, size + 1);

	CHECK(out && text && back);
	CHECK(n == -EINVAL || n == -E2BIG || (n >= 0 && (size_t)n <= size / 4 * 3));
	ts_b64_encode(data, size, text);
	CHECK(strlen(text) == TS_B64_LEN(size) - 1);
	n = ts_b64_decode(text, strlen(text), back, size + 1);
	CHECK(n == (long)size && !memcmp(back, data, size));
	free(out);
	free(text);
	free(back);
}

static void name_key(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	struct ts_fleet_name n;
	const char *why;
	char copy[256];
	bool wildcard;
	size_t off;

	if (!nul)
		return;
	if (ts_fleet_name_parse("f", (const char *)data, (const char *)nul + 1,
				size - (size_t)(nul + 1 - data), &n, &why)) {
		CHECK(why);
		return;
	}
	CHECK(!ts_fleet_label_check(n.gateway));
	CHECK(strlen(n.name) <= TS_DNS_NAME_MAX);
	snprintf(copy, sizeof(copy), "%s", n.name);
	CHECK(!ts_dns_name_normalize(copy, &wildcard, &off, &why) && !wildcard && !strcmp(copy, n.name));
	for (const char *c = n.name; *c; c++)
		CHECK((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_');
	CHECK(ts_net_is_host(&n.addr));
	CHECK(n.ttl_s >= 1 && n.ttl_s <= TS_FLEET_TTL_MAX);
}

static void check_text(const char *s)
{
	for (; *s; s++)
		CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
}

static void status(const uint8_t *data, size_t size)
{
	struct ts_fleet_status st;

	if (ts_fleet_status_decode((const char *)data, size, &st))
		return;
	check_text(st.gateway);
	check_text(st.health);
	check_text(st.reload_result);
	check_text(st.reload_error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (!size)
		return 0;
	/* the rest at the very end of a buffer of its own: reads past it are caught */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 5) {
	case 0: parse(copy, size - 1, false); break;
	case 1: parse(copy, size - 1, true); break;
	case 2: b64(copy, size - 1); break;
	case 3: name_key(copy, size - 1); break;
	case 4: status(copy, size - 1); break;
	}
	free(copy);
	return 0;
}
