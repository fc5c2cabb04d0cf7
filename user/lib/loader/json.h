/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * json.h - a small streaming JSON writer for `--json` output.
 *
 *   struct ts_json j; ts_json_init(&j, stdout);
 *   ts_json_obj_open(&j, NULL);
 *   ts_json_str(&j, "iface", "eth0");
 *   ts_json_arr_open(&j, "rules"); ... ts_json_arr_close(&j);
 *   ts_json_obj_close(&j);
 *   ts_json_end(&j);   -> newline; returns -EINVAL if nesting is unbalanced
 *
 * Inside an object every value takes a key; inside an array pass NULL.
 * Commas and string escaping are handled here, nowhere else.
 */
#ifndef TS_JSON_H
#define TS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TS_JSON_MAX_DEPTH 32

struct ts_json {
	FILE *out;
	int depth;
	bool need_comma[TS_JSON_MAX_DEPTH + 1];
	bool overflow;
};

void ts_json_init(struct ts_json *j, FILE *out);
void ts_json_obj_open(struct ts_json *j, const char *key);
void ts_json_obj_close(struct ts_json *j);
void ts_json_arr_open(struct ts_json *j, const char *key);
void ts_json_arr_close(struct ts_json *j);
void ts_json_str(struct ts_json *j, const char *key, const char *val); /* NULL -> null */
void ts_json_u64(struct ts_json *j, const char *key, uint64_t val);
void ts_json_i64(struct ts_json *j, const char *key, int64_t val);
void ts_json_double(struct ts_json *j, const char *key, double val);
void ts_json_bool(struct ts_json *j, const char *key, bool val);
void ts_json_null(struct ts_json *j, const char *key);
/* Ends the document with a newline and flushes; -EINVAL if unbalanced. */
int ts_json_end(struct ts_json *j);

#endif /* TS_JSON_H */
