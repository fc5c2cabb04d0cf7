// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* json.c - streaming JSON writer (see json.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "loader/json.h"

void ts_json_init(struct ts_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
	j->overflow = false;
}

static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Comma and key before any value. */
static void begin_value(struct ts_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j->out, key);
		fputc(':', j->out);
	}
}

static void open_nested(struct ts_json *j, const char *key, char bracket)
{
	begin_value(j, key);
	fputc(bracket, j->out);
	if (j->depth == TS_JSON_MAX_DEPTH) {
		j->overflow = true;
		return;
	}
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_nested(struct ts_json *j, char bracket)
{
	fputc(bracket, j->out);
	if (j->depth == 0) {
		j->overflow = true;
		return;
	}
	j->depth--;
}

void ts_json_obj_open(struct ts_json *j, const char *key) { open_nested(j, key, '{'); }
void ts_json_obj_close(struct ts_json *j) { close_nested(j, '}'); }
void ts_json_arr_open(struct ts_json *j, const char *key) { open_nested(j, key, '['); }
void ts_json_arr_close(struct ts_json *j) { close_nested(j, ']'); }

void ts_json_str(struct ts_json *j, const char *key, const char *val)
{
	begin_value(j, key);
	if (val)
		put_string(j->out, val);
	else
		fputs("null", j->out);
}

void ts_json_u64(struct ts_json *j, const char *key, uint64_t val)
{
	begin_value(j, key);
	fprintf(j->out, "%" PRIu64, val);
}

void ts_json_i64(struct ts_json *j, const char *key, int64_t val)
{
	begin_value(j, key);
	fprintf(j->out, "%" PRId64, val);
}

void ts_json_double(struct ts_json *j, const char *key, double val)
{
	begin_value(j, key);
	if (isfinite(val))
		fprintf(j->out, "%.17g", val);
	else
		fputs("null", j->out); /* JSON has no NaN or infinity */
}

void ts_json_bool(struct ts_json *j, const char *key, bool val)
{
	begin_value(j, key);
	fputs(val ? "true" : "false", j->out);
}

void ts_json_null(struct ts_json *j, const char *key)
{
	begin_value(j, key);
	fputs("null", j->out);
}

int ts_json_end(struct ts_json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
	return (j->depth != 0 || j->overflow) ? -EINVAL : 0;
}
