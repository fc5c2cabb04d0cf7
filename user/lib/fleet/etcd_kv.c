// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* etcd_kv.c - range, put, txn (see etcd_kv.h). */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "fleet/etcd_kv.h"

int ts_etcd_get(struct ts_etcd *e, const char *key, bool prefix, struct ts_etcd_result *out)
{
	json_object *o = json_object_new_object();
	char end[TS_ETCD_MAX_KEY];
	size_t n = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -ENOMEM;
	if (prefix && !(n = ts_etcd_prefix_end(key, end, sizeof(end)))) {
		json_object_put(o);
		return -EINVAL;
	}
	err = ts_etcd_add_bytes(o, "key", key, strlen(key));
	if (!err && prefix)
		err = ts_etcd_add_bytes(o, "range_end", end, n);
	if (!err && prefix)
		err = ts_etcd_add_int(o, "limit", TS_ETCD_MAX_KVS);
	if (!err)
		err = ts_etcd_call(e, "/v3/kv/range", json_object_to_json_string(o), out);
	json_object_put(o);
	if (!err && out->more)
		err = -E2BIG;
	return err;
}

static json_object *put_request(const struct ts_etcd_put *p)
{
	json_object *o = json_object_new_object();

	if (!o || ts_etcd_add_bytes(o, "key", p->key, strlen(p->key)) ||
	    ts_etcd_add_bytes(o, "value", p->value, p->len) ||
	    (p->lease && ts_etcd_add_int(o, "lease", p->lease))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int ts_etcd_put(struct ts_etcd *e, const struct ts_etcd_put *puts, size_t n)
{
	json_object *txn = json_object_new_object(), *ops = json_object_new_array();
	struct ts_etcd_result r;
	int err = txn && ops ? 0 : -ENOMEM;

	if (!err && n == 1) {
		json_object *put = put_request(&puts[0]);

		err = put ? ts_etcd_call(e, "/v3/kv/put", json_object_to_json_string(put), &r) : -ENOMEM;
		if (!err)
			ts_etcd_result_free(&r);
		json_object_put(put);
		n = 0;
		goto out;
	}
	for (size_t i = 0; !err && i < n; i++) {
		json_object *op = json_object_new_object(), *put = put_request(&puts[i]);

		if (!op || !put || json_object_object_add(op, "request_put", put) ||
		    json_object_array_add(ops, op)) {
			json_object_put(op);
			json_object_put(put);
			err = -ENOMEM;
		}
	}
	if (!err && json_object_object_add(txn, "success", ops))
		err = -ENOMEM;
	else if (!err)
		ops = NULL; /* txn owns it */
	if (!err)
		err = ts_etcd_call(e, "/v3/kv/txn", json_object_to_json_string(txn), &r);
	if (!err)
		ts_etcd_result_free(&r);
out:
	json_object_put(ops);
	json_object_put(txn);
	return err;
}
