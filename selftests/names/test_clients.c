// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_clients.c - the per-client-group counts (names/clients.h): a table
 * set up over memory that held anything (a stack variable) counts from
 * zero, and a client whose count drops to 0 leaves it.
 */
#include <string.h>

#include "names/clients.h"
#include "testlib.h"

static struct ts_net group(unsigned i)
{
	struct ts_net g = { .family = TS_FAMILY_V4, .plen = 24, .addr = { 198, 18, 0, 0 } };

	g.addr[2] = (uint8_t)i;
	return g;
}

/* What heaviest_oldest (names.c) does: init a table on the stack. */
static void test_init_over_garbage(void)
{
	struct ts_clients t;
	int failed = 0;

	memset(&t, 0xa5, sizeof(t));
	if (ts_clients_init(&t, 4)) {
		TS_CHECK(false, "ts_clients_init: out of memory");
		return;
	}
	for (unsigned i = 0; i < 4; i++) {
		struct ts_net g = group(i);

		for (unsigned k = 0; k <= i; k++)
			failed += ts_clients_inc(&t, &g) != 0;
	}
	TS_CHECK(!failed && t.used == 4, "%d increments refused, %zu clients counted, want 4",
		 failed, t.used);
	for (unsigned i = 0; i < 4; i++) {
		struct ts_net g = group(i);

		TS_CHECK(ts_clients_get(&t, &g) == i + 1, "client %u counted %u, want %u", i,
			 ts_clients_get(&t, &g), i + 1);
	}
	ts_clients_free(&t);
}

/* Counts to 0 free the slot: the table holds only clients with a count. */
static void test_leave_at_zero(void)
{
	struct ts_clients t;
	struct ts_net a = group(1), b = group(2);

	memset(&t, 0xa5, sizeof(t));
	if (ts_clients_init(&t, 2)) {
		TS_CHECK(false, "ts_clients_init: out of memory");
		return;
	}
	TS_CHECK(!ts_clients_inc(&t, &a) && !ts_clients_inc(&t, &a) && !ts_clients_inc(&t, &b),
		 "increments refused");
	ts_clients_dec(&t, &a);
	ts_clients_dec(&t, &b);
	TS_CHECK(t.used == 1 && ts_clients_get(&t, &a) == 1 && ts_clients_get(&t, &b) == 0,
		 "after leaving: %zu clients, a %u, b %u", t.used, ts_clients_get(&t, &a),
		 ts_clients_get(&t, &b));
	ts_clients_dec(&t, &a);
	TS_CHECK(t.used == 0 && ts_clients_get(&t, &a) == 0, "a still counted after its last");
	ts_clients_free(&t);
}

int main(void)
{
	ts_run("clients_init_over_garbage", test_init_over_garbage);
	ts_run("clients_leave_at_zero", test_leave_at_zero);
	return ts_done();
}
