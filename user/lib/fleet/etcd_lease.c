// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* etcd_lease.c - lease grant and keepalive (see etcd_lease.h). */
#include <errno.h>

#include <json-c/json.h>

#include "fleet/etcd_lease.h"

int ts_etcd_lease_grant(struct ts_etcd *e, int64_t ttl_s, int64_t *id)
{
	json_object *o;
	struct ts_etcd_result r;
	int err;

	if (ttl_s < 1 || ttl_s > TS_ETCD_LEASE_MAX_TTL)
		return -EINVAL;
	o = json_object_new_object();
	if (!o || ts_etcd_add_int(o, "TTL", ttl_s)) {
		json_object_put(o);
		return -ENOMEM;
	}
	err = ts_etcd_call(e, "/v3/lease/grant", json_object_to_json_string(o), &r);
	json_object_put(o);
	if (!err && r.lease_id <= 0)
		err = -EPROTO;
	if (!err)
		*id = r.lease_id;
	ts_etcd_result_free(&r);
	return err;
}

/* The gateway answers a keepalive as a one-message stream. */
static int on_keepalive(void *ctx, const struct ts_etcd_result *msg)
{
	*(int64_t *)ctx = msg->lease_ttl;
	return 1;
}

int ts_etcd_lease_keepalive(struct ts_etcd *e, int64_t id)
{
	json_object *o = json_object_new_object();
	int64_t ttl = -1;
	int err;

	if (!o || ts_etcd_add_int(o, "ID", id)) {
		json_object_put(o);
		return -ENOMEM;
	}
	err = ts_etcd_stream(e, "/v3/lease/keepalive", json_object_to_json_string(o), on_keepalive,
			     &ttl, NULL);
	json_object_put(o);
	if (err == 1)
		err = ttl > 0 ? 0 : -ENOENT; /* an expired lease is renewed to TTL 0 */
	return err;
}

int ts_etcd_lease_revoke(struct ts_etcd *e, int64_t id)
{
	json_object *o = json_object_new_object();
	struct ts_etcd_result r;
	int err;

	if (!o || ts_etcd_add_int(o, "ID", id)) {
		json_object_put(o);
		return -ENOMEM;
	}
	err = ts_etcd_call(e, "/v3/lease/revoke", json_object_to_json_string(o), &r);
	json_object_put(o);
	ts_etcd_result_free(&r);
	return err;
}
