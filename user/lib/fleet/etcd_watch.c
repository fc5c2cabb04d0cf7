// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* etcd_watch.c - the watch stream (see etcd_watch.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "fleet/etcd_watch.h"

struct watch_ctx {
	ts_etcd_msg_fn fn;
	void *ctx;
	char reason[TS_ETCD_MAX_ERROR + 32];
};

static int on_message(void *ctx, const struct ts_etcd_result *msg)
{
	struct watch_ctx *w = ctx;

	if (msg->canceled) {
		snprintf(w->reason, sizeof(w->reason), "watch canceled by etcd: %s",
			 msg->cancel_reason[0] ? msg->cancel_reason : "no reason given");
		if (msg->compact_revision > 0)
			return -ESTALE;
		/* permission denied: a role without read on the whole range */
		return strstr(msg->cancel_reason, "permission denied") ? -EACCES : -EPIPE;
	}
	if (msg->created && !msg->nevents)
		return 0;
	return w->fn(w->ctx, msg);
}

int ts_etcd_watch(struct ts_etcd *e, const char *key, const char *range_end,
		  size_t range_end_len, int64_t start_revision, ts_etcd_msg_fn fn, void *ctx, const volatile bool *stop)
{
	json_object *o = json_object_new_object(), *create = json_object_new_object();
	struct watch_ctx w = { .fn = fn, .ctx = ctx };
	int err = o && create ? 0 : -ENOMEM;

	if (!err)
		err = ts_etcd_add_bytes(create, "key", key, strlen(key));
	if (!err && range_end)
		err = ts_etcd_add_bytes(create, "range_end", range_end, range_end_len);
	if (!err && start_revision > 0)
		err = ts_etcd_add_int(create, "start_revision", start_revision);
	if (!err && json_object_object_add(o, "create_request", create))
		err = -ENOMEM;
	else if (!err)
		create = NULL;
	if (!err)
		err = ts_etcd_stream(e, "/v3/watch", json_object_to_json_string(o), on_message, &w, stop);
	if (w.reason[0])
		ts_etcd_set_error(e, w.reason);
	json_object_put(create);
	json_object_put(o);
	return err;
}
