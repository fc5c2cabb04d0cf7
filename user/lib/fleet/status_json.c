// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* status_json.c - a gateway's status in etcd (see status_json.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fleet/etcd_json.h"
#include "fleet/status_json.h"

char *ts_fleet_status_encode(const struct ts_fleet_status *st)
{
	json_object *o = json_object_new_object();
	char *text = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "gateway", json_object_new_string(st->gateway));
	json_object_object_add(o, "revision", json_object_new_int64(st->revision));
	json_object_object_add(o, "health", json_object_new_string(st->health));
	json_object_object_add(o, "reload_result", json_object_new_string(st->reload_result));
	json_object_object_add(o, "reload_revision", json_object_new_int64(st->reload_revision));
	json_object_object_add(o, "reload_error", json_object_new_string(st->reload_error));
	json_object_object_add(o, "names_published", json_object_new_int64((int64_t)st->names_published));
	json_object_object_add(o, "names_installed", json_object_new_int64((int64_t)st->names_installed));
	json_object_object_add(o, "names_refused", json_object_new_int64((int64_t)st->names_refused));
	json_object_object_add(o, "updated_unix", json_object_new_int64(st->updated_unix));
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

static int str_field(json_object *o, const char *name, char *out, size_t len)
{
	json_object *v;

	out[0] = '\0';
	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EPROTO;
	if ((size_t)json_object_get_string_len(v) >= len)
		return -E2BIG;
	memcpy(out, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
	/* it is printed on a terminal: no control characters */
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return 0;
}

static int int_field(json_object *o, const char *name, int64_t *out)
{
	json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EPROTO;
	*out = json_object_get_int64(v);
	return *out < 0 ? -EPROTO : 0;
}

int ts_fleet_status_decode(const char *text, size_t len, struct ts_fleet_status *out)
{
	json_object *o;
	int64_t pub = 0, inst = 0, ref = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (len > TS_ETCD_MAX_VALUE)
		return -EPROTO;
	err = ts_etcd_json_object(text, len, 4, &o);
	if (err)
		return err;
	if (!err)
		err = str_field(o, "gateway", out->gateway, sizeof(out->gateway));
	if (!err)
		err = str_field(o, "health", out->health, sizeof(out->health));
	if (!err)
		err = str_field(o, "reload_result", out->reload_result, sizeof(out->reload_result));
	if (!err)
		err = str_field(o, "reload_error", out->reload_error, sizeof(out->reload_error));
	if (!err)
		err = int_field(o, "revision", &out->revision);
	if (!err)
		err = int_field(o, "reload_revision", &out->reload_revision);
	if (!err)
		err = int_field(o, "updated_unix", &out->updated_unix);
	if (!err)
		err = int_field(o, "names_published", &pub);
	if (!err)
		err = int_field(o, "names_installed", &inst);
	if (!err)
		err = int_field(o, "names_refused", &ref);
	out->names_published = (uint64_t)pub;
	out->names_installed = (uint64_t)inst;
	out->names_refused = (uint64_t)ref;
	json_object_put(o);
	return err;
}
