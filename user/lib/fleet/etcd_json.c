// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* etcd_json.c - etcd's JSON answers, bounded (see etcd_json.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fleet/b64.h"
#include "fleet/etcd_json.h"

static json_object *field(json_object *o, const char *name)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, name, &v))
		return NULL;
	return v;
}

/* An int64 field: etcd writes them as strings, some as numbers; absent = 0. */
static int int64_field(json_object *o, const char *name, int64_t *out)
{
	json_object *v = field(o, name);
	const char *s;
	char *end;

	*out = 0;
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -EPROTO;
	s = json_object_get_string(v);
	if (!*s || strlen(s) > 20 || (*s != '-' && (*s < '0' || *s > '9')))
		return -EPROTO;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -EPROTO : 0;
}

static bool bool_field(json_object *o, const char *name)
{
	json_object *v = field(o, name);

	return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* A base64 field decoded into a new buffer of at most max bytes. */
static int bytes_field(json_object *o, const char *name, size_t max, char **out, size_t *len)
{
	json_object *v = field(o, name);
	size_t tlen;
	long n;

	*out = NULL;
	*len = 0;
	if (!v) {
		*out = strdup(""); /* etcd leaves empty values out */
		return *out ? 0 : -ENOMEM;
	}
	if (!json_object_is_type(v, json_type_string))
		return -EPROTO;
	tlen = (size_t)json_object_get_string_len(v);
	if (tlen / 4 * 3 > max + 2)
		return -E2BIG;
	*out = malloc(tlen / 4 * 3 + 1);
	if (!*out)
		return -ENOMEM;
	n = ts_b64_decode(json_object_get_string(v), tlen, *out, max + 1);
	if (n < 0) {
		free(*out);
		*out = NULL;
		return n == -E2BIG ? -E2BIG : -EPROTO;
	}
	*len = (size_t)n;
	return 0;
}

static int parse_kv(json_object *o, struct ts_etcd_kv *kv)
{
	size_t klen;
	int err;

	if (!o || !json_object_is_type(o, json_type_object))
		return -EPROTO;
	err = bytes_field(o, "key", TS_ETCD_MAX_KEY, &kv->key, &klen);
	if (!err && (!klen || strlen(kv->key) != klen))
		err = -EPROTO; /* an empty key, or a NUL inside */
	if (!err)
		err = bytes_field(o, "value", TS_ETCD_MAX_VALUE, &kv->value, &kv->value_len);
	if (!err)
		err = int64_field(o, "mod_revision", &kv->mod_revision);
	if (!err)
		err = int64_field(o, "lease", &kv->lease);
	return err;
}

static void free_kv(struct ts_etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	kv->key = kv->value = NULL;
}

/* An array field of at most TS_ETCD_MAX_KVS entries; absent = empty. */
static int array_field(json_object *o, const char *name, json_object **arr, size_t *n)
{
	*arr = field(o, name);
	*n = 0;
	if (!*arr)
		return 0;
	if (!json_object_is_type(*arr, json_type_array))
		return -EPROTO;
	*n = json_object_array_length(*arr);
	return *n > TS_ETCD_MAX_KVS ? -E2BIG : 0;
}

static int parse_kvs(json_object *o, struct ts_etcd_result *r)
{
	json_object *arr;
	size_t n;
	int err = array_field(o, "kvs", &arr, &n);

	if (err || !n)
		return err;
	r->kvs = calloc(n, sizeof(*r->kvs));
	if (!r->kvs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r->nkvs = i + 1;
		err = parse_kv(json_object_array_get_idx(arr, i), &r->kvs[i]);
		if (err)
			return err;
	}
	return 0;
}

static int parse_events(json_object *o, struct ts_etcd_result *r)
{
	json_object *arr;
	size_t n;
	int err = array_field(o, "events", &arr, &n);

	if (err || !n)
		return err;
	r->events = calloc(n, sizeof(*r->events));
	if (!r->events)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(arr, i), *type = field(ev, "type");

		r->nevents = i + 1;
		if (!type)
			r->events[i].type = TS_ETCD_PUT; /* the default (0) is left out */
		else if (json_object_is_type(type, json_type_string) &&
			 !strcmp(json_object_get_string(type), "DELETE"))
			r->events[i].type = TS_ETCD_DELETE;
		else if (json_object_is_type(type, json_type_string) &&
			 !strcmp(json_object_get_string(type), "PUT"))
			r->events[i].type = TS_ETCD_PUT;
		else
			return -EPROTO;
		err = parse_kv(field(ev, "kv"), &r->events[i].kv);
		if (err)
			return err;
	}
	return 0;
}

/* {"error": "...", "code": N}: the message and an errno for the code. */
static int parse_error(json_object *root, char *err, size_t errlen)
{
	json_object *msg = field(root, "error");
	int64_t code = 0;

	if (!msg)
		return 0;
	/* a stream's error is an object: {"grpc_code":N,"message":"..."} */
	if (json_object_is_type(msg, json_type_object)) {
		root = msg;
		msg = field(msg, "message");
		if (!msg)
			msg = root;
		if (!field(root, "code"))
			int64_field(root, "grpc_code", &code);
	}
	if (err && errlen)
		snprintf(err, errlen, "%s",
			 json_object_is_type(msg, json_type_string) ? json_object_get_string(msg) : "?");
	/* control characters from the network never reach a log line */
	for (size_t i = 0; err && i < errlen && err[i]; i++)
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
			err[i] = ' ';
	if (!code)
		int64_field(root, "code", &code);
	switch (code) {
	case 7:  return -EACCES;   /* PermissionDenied */
	case 16: return -EPERM;    /* Unauthenticated: invalid auth token */
	case 3:  return -EPERM;    /* InvalidArgument: authentication failed, no user */
	case 5:  return -ENOENT;   /* NotFound: lease */
	default: return -EREMOTEIO;
	}
}

/* A string field into out, refused when longer; absent = "". Control
 * characters become spaces: it ends up in a log line. */
static int bounded_text(json_object *v, char *out, size_t len)
{
	out[0] = '\0';
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EPROTO;
	if ((size_t)json_object_get_string_len(v) >= len)
		return -E2BIG;
	snprintf(out, len, "%s", json_object_get_string(v));
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return 0;
}

static int parse_body(json_object *o, struct ts_etcd_result *r)
{
	json_object *tok = field(o, "token");
	int err;

	err = int64_field(field(o, "header"), "revision", &r->revision);
	if (!err)
		err = parse_kvs(o, r);
	if (!err)
		err = parse_events(o, r);
	if (!err)
		err = int64_field(o, "compact_revision", &r->compact_revision);
	if (!err)
		err = int64_field(o, "ID", &r->lease_id);
	if (!err)
		err = int64_field(o, "TTL", &r->lease_ttl);
	if (err)
		return err;
	err = bounded_text(field(o, "cancel_reason"), r->cancel_reason, sizeof(r->cancel_reason));
	if (err)
		return err;
	r->more = bool_field(o, "more");
	r->created = bool_field(o, "created");
	r->canceled = bool_field(o, "canceled");
	if (tok) {
		if (!json_object_is_type(tok, json_type_string))
			return -EPROTO;
		if ((size_t)json_object_get_string_len(tok) >= sizeof(r->token))
			return -E2BIG;
		snprintf(r->token, sizeof(r->token), "%s", json_object_get_string(tok));
		for (char *c = r->token; *c; c++)
			if ((unsigned char)*c <= 0x20 || *c == 0x7f)
				return -EPROTO; /* it goes into an HTTP header */
	}
	return 0;
}

int ts_etcd_json_object(const char *buf, size_t len, int depth, struct json_object **out)
{
	struct json_tokener *tok;
	json_object *root;
	int rc;

	*out = NULL;
	if (len > INT32_MAX || memchr(buf, '\0', len))
		return -EPROTO;
	tok = json_tokener_new_ex(depth);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	/* one whole document, nothing after it but white space */
	rc = !root || json_tokener_get_error(tok) != json_tokener_success ? -EPROTO : 0;
	for (size_t i = json_tokener_get_parse_end(tok); !rc && i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t')
			rc = -EPROTO;
	json_tokener_free(tok);
	if (!rc && !json_object_is_type(root, json_type_object))
		rc = -EPROTO;
	if (rc)
		json_object_put(root);
	else
		*out = root;
	return rc;
}

int ts_etcd_parse(const char *buf, size_t len, bool watch, struct ts_etcd_result *out,
		  char *err, size_t errlen)
{
	json_object *root, *body;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (len > TS_ETCD_MAX_RESPONSE)
		return -E2BIG;
	rc = ts_etcd_json_object(buf, len, TS_ETCD_JSON_DEPTH, &root);
	if (rc)
		return rc;
	rc = parse_error(root, err, errlen);
	body = root;
	if (!rc && watch) {
		body = field(root, "result");
		if (!body || !json_object_is_type(body, json_type_object))
			rc = -EPROTO;
	}
	if (!rc)
		rc = parse_body(body, out);
	json_object_put(root);
	return rc;
}

void ts_etcd_result_free(struct ts_etcd_result *r)
{
	for (size_t i = 0; i < r->nkvs; i++)
		free_kv(&r->kvs[i]);
	for (size_t i = 0; i < r->nevents; i++)
		free_kv(&r->events[i].kv);
	free(r->kvs);
	free(r->events);
	r->kvs = NULL;
	r->events = NULL;
	r->nkvs = r->nevents = 0;
}

int ts_etcd_add_bytes(struct json_object *o, const char *name, const void *p, size_t n)
{
	char *text = malloc(TS_B64_LEN(n));
	json_object *v;

	if (!text)
		return -ENOMEM;
	ts_b64_encode(p, n, text);
	v = json_object_new_string(text);
	free(text);
	if (!v || json_object_object_add(o, name, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int ts_etcd_add_int(struct json_object *o, const char *name, int64_t v)
{
	char text[24];
	json_object *s;

	snprintf(text, sizeof(text), "%" PRId64, v);
	s = json_object_new_string(text);
	if (!s || json_object_object_add(o, name, s)) {
		json_object_put(s);
		return -ENOMEM;
	}
	return 0;
}

size_t ts_etcd_prefix_end(const char *prefix, char *out, size_t cap)
{
	size_t n = strlen(prefix);

	/* every prefix here ends in '/', never 0xff: raising it cannot carry */
	if (!n || n >= cap || (unsigned char)prefix[n - 1] == 0xff)
		return 0;
	memcpy(out, prefix, n + 1);
	out[n - 1]++;
	return n;
}
