// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* build.c - the whole pipeline: read, parse, lint, compile, check capacity;
 * every stage runs on what parsed, an error anywhere leaves nothing to apply. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sha256.h"
#include "policy/policy.h"

static int read_file(void *ctx, const char *path, char **data, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *buf = NULL;
	int fd, err = 0;

	(void)ctx;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -ENOTSUP;   /* a device, a FIFO */
		goto out;
	}
	if ((uint64_t)st.st_size > TS_POLICY_MAX_FILE_BYTES) {
		err = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

const struct ts_policy_reader ts_policy_file_reader = { .read = read_file };

/* Reads files as read_file does, hashing each one's text as it is read. */
static int read_hashed(void *ctx, const char *path, char **data, size_t *len)
{
	int err = read_file(NULL, path, data, len);

	if (!err)
		ts_sha256_update(ctx, *data, *len);
	return err;
}

int ts_policy_build(const char *name, const char *buf, size_t len,
		    const struct ts_policy_reader *rd, struct ts_diags *d,
		    struct ts_compiled **out)
{
	struct ts_policy *p = NULL;
	struct ts_compiled *c = NULL;
	int err;

	*out = NULL;
	err = ts_policy_parse(name, buf, len, rd, &p, d);
	if (err)
		goto out;
	ts_policy_lint(p, d);
	/* with errors too: the compiler's lints (overlaps, redundant members,
	 * capacity) run on the parts that parsed (rules with an unknown
	 * component are skipped); nothing is applied */
	err = ts_policy_compile(p, &c, d);
	if (err)
		goto out;
	if (ts_diags_has_errors(d)) {
		err = -EINVAL;
		goto out;
	}
	*out = c;
	c = NULL;
out:
	ts_diags_sort(d);
	ts_compiled_free(c);
	ts_policy_free(p);
	return err;
}

/* A policy that may not include (ts_policy_build_file_alone): every
 * include is refused before any file is opened. */
static int refuse_include(void *ctx, const char *path, char **data, size_t *len)
{
	return -EPERM;
}

static int build_file(const char *path, bool alone, struct ts_diags *d, struct ts_compiled **out)
{
	struct ts_sha256 sha;
	const struct ts_policy_reader hashed = { .read = read_hashed, .ctx = &sha };
	const struct ts_policy_reader refuse = { .read = refuse_include };
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	err = read_file(NULL, path, &buf, &len);
	if (err) {
		/* a finding like any other: --json carries it, one message */
		ts_diag_add(d, TS_SEV_ERROR, (struct ts_loc){ path, 0, 0 }, "unreadable",
			    "cannot read the policy: %s",
			    err == -ENOTSUP ? "not a regular file" : strerror(-err));
		return err;
	}
	ts_sha256_init(&sha);
	ts_sha256_update(&sha, buf, len);
	err = ts_policy_build(path, buf, len, alone ? &refuse : &hashed, d, out);
	free(buf);
	if (!err)
		ts_sha256_hex(&sha, (*out)->text_sha256);
	return err;
}

int ts_policy_build_file(const char *path, struct ts_diags *d, struct ts_compiled **out)
{
	return build_file(path, false, d, out);
}

int ts_policy_build_file_alone(const char *path, struct ts_diags *d, struct ts_compiled **out)
{
	return build_file(path, true, d, out);
}
