// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cache.c - the fleet's cached policy (see cache.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/replace_file.h"
#include "fleet/cache.h"

int ts_fleet_cache_path(char *buf, size_t len, const char *state_dir, const char *file)
{
	int n = snprintf(buf, len, "%s/%s", state_dir, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

struct text {
	const char *p;
	size_t len;
};

static int write_text(FILE *f, void *ctx)
{
	const struct text *t = ctx;

	return fwrite(t->p, 1, t->len, f) == t->len ? 0 : -EIO;
}

int ts_fleet_cache_stage(const char *state_dir, const char *text, size_t len)
{
	char path[4096 + 32];
	struct text t = { text, len };
	int err = ts_fleet_cache_path(path, sizeof(path), state_dir, TS_FLEET_CANDIDATE_FILE);

	if (err)
		return err;
	if (mkdir(state_dir, 0700) && errno != EEXIST)
		return -errno;
	return ts_replace_file(path, write_text, &t);
}

static int write_revision(FILE *f, void *ctx)
{
	return fprintf(f, "%" PRId64 "\n", *(int64_t *)ctx) < 0 ? -EIO : 0;
}

int ts_fleet_cache_promote(const char *state_dir, int64_t revision)
{
	char from[4096 + 32], to[4096 + 32], rev[4096 + 32];
	int err = ts_fleet_cache_path(from, sizeof(from), state_dir, TS_FLEET_CANDIDATE_FILE);

	if (!err)
		err = ts_fleet_cache_path(to, sizeof(to), state_dir, TS_FLEET_POLICY_FILE);
	if (!err)
		err = ts_fleet_cache_path(rev, sizeof(rev), state_dir, TS_FLEET_REVISION_FILE);
	if (err)
		return err;
	/* The text first: a crash between the two leaves the new text under
	 * the old number, which only makes the gateway apply that revision
	 * again once etcd answers; never a number the text does not have. */
	if (rename(from, to))
		return -errno;
	return ts_replace_file(rev, write_revision, &revision);
}

int ts_fleet_cache_revision(const char *state_dir, int64_t *revision)
{
	char path[4096 + 32], buf[32], *end;
	FILE *f;
	size_t n;
	int err = ts_fleet_cache_path(path, sizeof(path), state_dir, TS_FLEET_REVISION_FILE);

	if (err)
		return err;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	*revision = strtoll(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || *revision < 0)
		return -EINVAL;
	if (ts_fleet_cache_path(path, sizeof(path), state_dir, TS_FLEET_POLICY_FILE) || access(path, R_OK))
		return -ENOENT;
	return 0;
}
