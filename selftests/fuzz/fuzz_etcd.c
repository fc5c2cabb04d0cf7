// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_etcd.c - libFuzzer target: any bytes as an answer of etcd's JSON
 * gateway (user/lib/fleet/etcd_json.c) under ASan and UBSan.
 *
 * The first byte picks what is read: a plain answer, a watch message, or
 * the base64 codec (decode, and encode-decode round trip). Whatever the
 * parser accepts must keep its bounds: keys non-empty, without NUL, at
 * most TS_ETCD_MAX_KEY bytes; values NUL-terminated at value_len, at
 * most TS_ETCD_MAX_VALUE; no more than TS_ETCD_MAX_KVS kvs or events; a
 * token without control characters or spaces (it becomes a header).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/b64.h"
#include "fleet/etcd_json.h"

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
	switch (data[0] % 3) {
	case 0: parse(copy, size - 1, false); break;
	case 1: parse(copy, size - 1, true); break;
	case 2: b64(copy, size - 1); break;
	}
	free(copy);
	return 0;
}
