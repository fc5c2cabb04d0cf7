// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* replace_file.c - see replace_file.h. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "common/replace_file.h"

int ts_replace_file(const char *path, int (*write)(FILE *f, void *ctx), void *ctx)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	err = write(f, ctx);
	if (!err && (fflush(f) || ferror(f) || fsync(fileno(f))))
		err = -EIO;
	if (fclose(f) && !err)
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
