// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_addr_index.c - the names' address index against a plain array
 * model: random holds and releases over a small pool (so probe runs
 * collide, wrap and shift back), then every address's holder count.
 */
#include <stdlib.h>
#include <string.h>

#include "names/addr_index.h"
#include "testlib.h"

#define POOL 700
#define OPS  200000

static struct ts_net pool_net(int i)
{
	struct ts_net net = { .family = i % 3 ? TS_FAMILY_V4 : TS_FAMILY_V6 };

	net.plen = net.family == TS_FAMILY_V4 ? 32 : 128;
	net.addr[0] = 192;
	net.addr[2] = (uint8_t)(i >> 8);
	net.addr[3] = (uint8_t)i;
	return net;
}

static void test_model(void)
{
	static uint32_t model[POOL];
	struct ts_addr_index x = { 0 };
	size_t live = 0;
	int bad = 0;

	memset(model, 0, sizeof(model));
	srand(7);
	for (int op = 0; op < OPS && !ts_failed(); op++) {
		int i = rand() % POOL;
		struct ts_net net = pool_net(i);

		/* Grow while the first half of the run, shrink in the second. */
		if (rand() % 100 < (op < OPS / 2 ? 60 : 35)) {
			TS_CHECK(!ts_addr_index_hold(&x, &net, (uint32_t)i), "hold failed");
			live += !model[i]++;
		} else if (model[i]) {
			uint32_t left = ts_addr_index_release(&x, &net);

			live -= !--model[i];
			TS_CHECK(left == model[i], "release of %d left %u, model %u", i, left, model[i]);
		}
		TS_CHECK(x.n == live, "index holds %zu addresses, model %zu", x.n, live);
	}
	for (int i = 0; i < POOL; i++) {
		struct ts_net net = pool_net(i);
		const struct ts_addr_index_slot *s = ts_addr_index_find(&x, &net);
		uint32_t got = s ? s->holders : 0;

		bad += got != model[i];
		if (s && s->holders == 1 && model[i] == 1)
			bad += s->one != (uint32_t)i; /* first holder is remembered */
	}
	TS_CHECK(!bad, "%d addresses disagree with the model", bad);
	ts_addr_index_free(&x);
}

int main(void)
{
	ts_run("names_addr_index_model", test_model);
	return ts_done();
}
