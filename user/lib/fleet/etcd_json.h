/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * etcd_json.h - reading what etcd's HTTP/JSON gateway (v3 API, etcd 3.4)
 * answers: errors, ranges, watch messages, leases, auth tokens.
 *
 * All of it is input from the network: every length is bounded (the
 * TS_ETCD_MAX_* below), base64 keys and values are decoded and checked,
 * numbers (int64 as JSON strings) are parsed whole or refused. A bound
 * broken is -E2BIG, anything malformed -EPROTO; nothing is cut silently.
 */
#ifndef TS_FLEET_ETCD_JSON_H
#define TS_FLEET_ETCD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TS_ETCD_MAX_RESPONSE (16u << 20) /* one answer or watch message */
#define TS_ETCD_MAX_KEY      1024u       /* decoded key bytes */
#define TS_ETCD_MAX_VALUE    (1u << 20)  /* decoded value bytes (a fleet policy) */
#define TS_ETCD_MAX_KVS      65536u      /* kvs of one range, events of one message */
#define TS_ETCD_MAX_ERROR    256u        /* an error message kept */
#define TS_ETCD_JSON_DEPTH   16

struct ts_etcd_kv {
	char *key;            /* decoded, NUL-terminated (no NUL inside) */
	char *value;          /* decoded, NUL-terminated; value_len bytes */
	size_t value_len;
	int64_t mod_revision;
	int64_t lease;
};

enum ts_etcd_event_type { TS_ETCD_PUT, TS_ETCD_DELETE };

struct ts_etcd_event {
	enum ts_etcd_event_type type;
	struct ts_etcd_kv kv;
};

/* A range answer, or one message of a watch stream. */
struct ts_etcd_result {
	int64_t revision;          /* header.revision */
	struct ts_etcd_kv *kvs;    /* range */
	size_t nkvs;
	bool more;
	struct ts_etcd_event *events; /* watch */
	size_t nevents;
	bool created, canceled;    /* watch */
	char cancel_reason[TS_ETCD_MAX_ERROR]; /* watch canceled: why (control characters blanked) */
	int64_t compact_revision;  /* watch canceled for compaction: > 0 */
	int64_t lease_id, lease_ttl; /* lease grant / keepalive */
	char token[128];           /* auth/authenticate */
};

/*
 * Parses one answer of len bytes. An etcd error answer ({"error":...,
 * "code":N}) returns -EACCES (permission denied, code 7), -EPERM (bad auth
 * token, code 16, or a failed authentication), -ENOENT (lease not found),
 * or -EREMOTEIO, with the message in err (NUL-terminated, bounded).
 * A watch message comes as {"result":{...}}: with watch set, that wrapper
 * is required. Free with ts_etcd_result_free() whatever it returns.
 */
int ts_etcd_parse(const char *buf, size_t len, bool watch, struct ts_etcd_result *out,
		  char *err, size_t errlen);
void ts_etcd_result_free(struct ts_etcd_result *r);

struct json_object;
/* One JSON object of len bytes, nothing but white space after it, no NUL,
 * nesting at most depth: 0 with *out (json_object_put it) or -EPROTO. */
int ts_etcd_json_object(const char *buf, size_t len, int depth, struct json_object **out);

/* ---- requests ---------------------------------------------------------------- */

/* Adds `name`: the base64 of n bytes (a key or value) to object o.
 * 0 or -ENOMEM. */
int ts_etcd_add_bytes(struct json_object *o, const char *name, const void *p, size_t n);
/* Adds `name`: an int64 as etcd takes it (a decimal string). */
int ts_etcd_add_int(struct json_object *o, const char *name, int64_t v);
/* The key just after every key starting with prefix (range_end of a
 * prefix): prefix with its last byte raised, NUL-terminated, into out; returns its
 * length, 0 when it does not fit cap. */
size_t ts_etcd_prefix_end(const char *prefix, char *out, size_t cap);

#endif /* TS_FLEET_ETCD_JSON_H */
