// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_json.c - the JSON writer: commas, nesting, escaping, numbers, and
 * an unbalanced document reported as an error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/json.h"
#include "testlib.h"

static char *render(void (*fill)(struct ts_json *), int *end_rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ts_json j;

	ts_json_init(&j, f);
	fill(&j);
	*end_rc = ts_json_end(&j);
	fclose(f);
	return buf;
}

static void fill_nested(struct ts_json *j)
{
	ts_json_obj_open(j, NULL);
	ts_json_str(j, "s", "a\"b\\c\nd\x01");
	ts_json_u64(j, "u", 18446744073709551615ull);
	ts_json_i64(j, "i", -5);
	ts_json_bool(j, "t", true);
	ts_json_null(j, "n");
	ts_json_str(j, "nul", NULL);
	ts_json_double(j, "nan", NAN);
	ts_json_arr_open(j, "a");
	ts_json_u64(j, NULL, 1);
	ts_json_obj_open(j, NULL);
	ts_json_obj_close(j);
	ts_json_arr_open(j, NULL);
	ts_json_arr_close(j);
	ts_json_arr_close(j);
	ts_json_obj_close(j);
}

static void test_nested(void)
{
	int rc;
	char *out = render(fill_nested, &rc);
	const char *want = "{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"u\":18446744073709551615,\"i\":-5,"
			   "\"t\":true,\"n\":null,\"nul\":null,\"nan\":null,\"a\":[1,{},[]]}\n";

	TS_CHECK(rc == 0, "balanced document: rc %d", rc);
	TS_CHECK(out && !strcmp(out, want), "got %s", out ? out : "(null)");
	free(out);
}

static void fill_unbalanced(struct ts_json *j)
{
	ts_json_obj_open(j, NULL);
	ts_json_arr_open(j, "x");
}

static void test_unbalanced(void)
{
	int rc;
	char *out = render(fill_unbalanced, &rc);

	TS_CHECK(rc == -EINVAL, "unclosed nesting must be reported: rc %d", rc);
	free(out);
}

int main(void)
{
	ts_run("json_nested_escaped", test_nested);
	ts_run("json_unbalanced", test_unbalanced);
	return ts_done();
}
