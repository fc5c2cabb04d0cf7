// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* readers.c - the pins readable by the `turnstile` group (see readers.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "loader/readers.h"

static int share(int dirfd, const char *name, gid_t gid, mode_t mode)
{
	if (fchownat(dirfd, name, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) ||
	    fchmodat(dirfd, name, mode, 0)) {
		int err = -errno;

		ts_warn("%s: not shared with group %s: %s", name, TS_READERS_GROUP, strerror(-err));
		return err;
	}
	return 0;
}

/* The directory at `path` 0750 and every regular pin in it 0640; its
 * subdirectory links/ likewise (depth is one level: that is the layout). */
static int share_dir(const char *path, gid_t gid, int depth)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	err = share(AT_FDCWD, path, gid, 0750);
	while (!err && (e = readdir(d))) {
		char sub[512];

		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_DIR) {
			if (depth > 0 && snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < (int)sizeof(sub))
				err = share_dir(sub, gid, depth - 1);
		} else if (e->d_type == DT_REG) {
			err = share(dirfd(d), e->d_name, gid, 0640);
		}
	}
	closedir(d);
	return err;
}

/* systemd mounts bpffs with mode 0700: without search permission on it
 * the group never reaches its pins. Search only (x), no listing (r): every
 * other pin keeps its own mode. */
static int searchable_parent(const char *pin_dir)
{
	char parent[512];
	struct stat st;
	char *slash;

	if (snprintf(parent, sizeof(parent), "%s", pin_dir) >= (int)sizeof(parent) ||
	    !(slash = strrchr(parent, '/')) || slash == parent)
		return -EINVAL;
	*slash = '\0';
	if (stat(parent, &st))
		return -errno;
	if ((st.st_mode & 0011) == 0011)
		return 0;
	if (chmod(parent, (st.st_mode & 07777) | 0011)) {
		int err = -errno;

		ts_warn("%s: not made searchable for group %s: %s", parent, TS_READERS_GROUP,
			strerror(-err));
		return err;
	}
	ts_info("%s: mode %04o -> %04o (search only), so group %s reaches %s", parent,
		st.st_mode & 07777, (st.st_mode & 07777) | 0011, TS_READERS_GROUP, pin_dir);
	return 0;
}

int ts_readers_share(const char *pin_dir)
{
	struct group *g = getgrnam(TS_READERS_GROUP);
	int err;

	if (!g)
		return 0;
	err = share_dir(pin_dir, g->gr_gid, 1);
	return err ? err : searchable_parent(pin_dir);
}
