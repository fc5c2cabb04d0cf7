// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A policy's settings are installed exactly as written, and a policy that
 * sets nothing gets the documented defaults (docs/policy.md): each value
 * of each slot setting read back from ts_slot_cfg after the product's
 * compiler and installer wrote it. `events-per-second 0` means no events.
 */
#include <stdio.h>
#include <string.h>

#include "dpt.h"
#include "testlib.h"

struct want {
	const char *settings;   /* lines inside settings { } */
	uint32_t syn, established, closing, events, flags;
};

#define POLICY "component a { 192.0.2.1 }\ncomponent b { 198.51.100.1 }\nrule a -> b tcp/443\n"

static const struct want cases[] = {
	{ "", 30, 6 * 3600, 10, 100, 0 },
	{ "timeout syn 30s", 30, 6 * 3600, 10, 100, 0 },
	{ "timeout syn 1s", 1, 6 * 3600, 10, 100, 0 },
	{ "timeout syn 2m", 120, 6 * 3600, 10, 100, 0 },
	{ "timeout established 1h30m", 30, 5400, 10, 100, 0 },
	{ "timeout established 7d", 30, 7 * 86400, 10, 100, 0 },
	{ "timeout closing 1s", 30, 6 * 3600, 1, 100, 0 },
	{ "events-per-second 0", 30, 6 * 3600, 10, 0, 0 },
	{ "events-per-second 1", 30, 6 * 3600, 10, 1, 0 },
	{ "events-per-second 1000000", 30, 6 * 3600, 10, 1000000, 0 },
	{ "outside-scope drop", 30, 6 * 3600, 10, 100, TS_CFG_SCOPE_DROP },
	{ "outside-scope pass", 30, 6 * 3600, 10, 100, 0 },
	{ "audit on", 30, 6 * 3600, 10, 100, TS_CFG_AUDIT },
	{ "loose-pickup on", 30, 6 * 3600, 10, 100, TS_CFG_LOOSE_PICKUP },
	{ "audit on\nloose-pickup on\noutside-scope drop\nevents-per-second 0\ntimeout syn 5s",
	  5, 6 * 3600, 10, 0, TS_CFG_AUDIT | TS_CFG_LOOSE_PICKUP | TS_CFG_SCOPE_DROP },
};

static void test_installed_exactly(void)
{
	struct dpt t;
	int err = dpt_open(&t, 1024, 1024);

	TS_CHECK(!err, "open: %s", strerror(-err));
	for (size_t i = 0; !err && i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct want *w = &cases[i];
		struct ts_slot_cfg sc;
		char text[1024];

		snprintf(text, sizeof(text), "settings {\n%s\n}\n" POLICY, w->settings);
		err = dpt_install_text(&t, text);
		if (!err)
			err = ts_dp_slot_cfg_read(t.dp, &sc);
		TS_CHECK(!err, "'%s': install: %s", w->settings, strerror(-err));
		if (err)
			break;
		TS_CHECK(sc.timeout_syn_s == w->syn && sc.timeout_established_s == w->established &&
			 sc.timeout_closing_s == w->closing && sc.events_per_sec == w->events &&
			 sc.flags == w->flags,
			 "'%s': installed syn %u established %u closing %u events %u flags %#x, "
			 "want %u %u %u %u %#x", w->settings, sc.timeout_syn_s, sc.timeout_established_s,
			 sc.timeout_closing_s, sc.events_per_sec, sc.flags, w->syn, w->established,
			 w->closing, w->events, w->flags);
	}
	dpt_close(&t);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("settings_installed_exactly", "needs root (BPF)");
		return ts_done();
	}
	ts_run("settings_installed_exactly", test_installed_exactly);
	return ts_done();
}
