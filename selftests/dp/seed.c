// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "seed.h"

const char *const seed_name[SEED_N] = {
	"endpoints", "device-manager", "waf", "aggregator", "azure-blob", "sharefile",
	"redirect-server", "rogue",
};

const char *const seed_host[SEED_N][2] = {
	[SEED_ENDPOINTS] = { "198.51.100.11", "2001:db8:100::11" },
	[SEED_DM] = { "203.0.113.10", "2001:db8:200::10" },
	[SEED_WAF] = { "192.0.2.33", "2001:db8:300::33" },
	[SEED_AGG] = { "192.0.2.49", "2001:db8:400::49" },
	[SEED_BLOB] = { "192.0.2.65", "2001:db8:500::65" },
	[SEED_SHAREFILE] = { "192.0.2.81", "2001:db8:600::81" },
	[SEED_REDIRECT] = { "192.0.2.97", "2001:db8:700::97" },
	[SEED_ROGUE] = { "198.51.100.200", "2001:db8:666::200" },
};

/* The nine pairs of the seed README, by who may initiate. D3 (either) and
 * S1 (device manager only) conflict; rules only add, so either side may. */
bool seed_may_open(enum seed_comp a, enum seed_comp b)
{
	static const int pairs[][3] = {
		/* a, b, both directions? */
		{ SEED_ENDPOINTS, SEED_DM, 1 },
		{ SEED_ENDPOINTS, SEED_WAF, 0 },
		{ SEED_ENDPOINTS, SEED_BLOB, 1 },
		{ SEED_WAF, SEED_AGG, 1 },
		{ SEED_WAF, SEED_DM, 1 },
		{ SEED_DM, SEED_BLOB, 0 },
		{ SEED_DM, SEED_SHAREFILE, 1 },
		{ SEED_DM, SEED_REDIRECT, 0 },
		{ SEED_AGG, SEED_DM, 1 },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (pairs[i][0] == (int)a && pairs[i][1] == (int)b)
			return true;
		if (pairs[i][2] && pairs[i][0] == (int)b && pairs[i][1] == (int)a)
			return true;
	}
	return false;
}

const char *seed_policy_path(void)
{
	const char *path = getenv("TS_SEED_POLICY");

	if (!path)
		path = "policies/seed.policy";
	return access(path, R_OK) ? NULL : path;
}

int seed_open_installed(struct dpt *t)
{
	const char *path = seed_policy_path();

	/* the world's DNS server, as `turnstile up --resolver` gives it */
	t->resolvers = "192.0.2.2,2001:db8:53::2";
	return path ? dpt_install_file(t, path) : -ENOENT;
}

int seed_open(struct dpt *t)
{
	int err;

	if (!seed_policy_path())
		return -ENOENT;
	err = dpt_open(t, 1u << 16, 0);
	if (err)
		return err;
	err = seed_open_installed(t);
	if (!err)
		err = dpt_resolve_seed_names(t);
	if (err)
		dpt_close(t);
	return err;
}
