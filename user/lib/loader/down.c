// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* down.c - detach and unpin turnstile's own objects (see session.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "dp/dp.h"
#include "loader/lock.h"
#include "loader/pins.h"
#include "loader/session.h"

static void unpin_one(const char *pin_dir, const char *name, int *err)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	if (unlink(path) && errno != ENOENT) {
		ts_err("%s: cannot unpin: %s", path, strerror(errno));
		*err = -errno;
	}
}

/* Every links/xdp-* pin, also of interfaces the state does not list. */
static int detach_all_links(const char *pin_dir)
{
	char dir[512];
	struct dirent *e;
	DIR *d;
	int err = 0;

	if (ts_links_dir(dir, sizeof(dir), pin_dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		int r;

		if (strncmp(e->d_name, "xdp-", 4))
			continue;
		r = ts_xdp_detach(pin_dir, e->d_name + 4);
		if (r)
			err = r;
	}
	closedir(d);
	return err;
}

int ts_unpin_all(const char *pin_dir, bool remove_dir)
{
	char dir[512];
	int err = detach_all_links(pin_dir);

	for (int m = 0; m < TS_MAP_COUNT; m++)
		unpin_one(pin_dir, ts_dp_map_name(m), &err);
	if (ts_state_remove(pin_dir))
		err = -EIO;
	if (!ts_links_dir(dir, sizeof(dir), pin_dir) && rmdir(dir) && errno != ENOENT) {
		ts_warn("%s: not removed (%s): it holds something that is not turnstile's", dir,
			strerror(errno));
	}
	if (remove_dir && rmdir(pin_dir) && errno != ENOENT)
		ts_warn("%s: not removed (%s): it holds something that is not turnstile's", pin_dir,
			strerror(errno));
	return err;
}

int ts_down(const char *pin_dir, int lock_timeout_ms, bool *was_up)
{
	struct ts_loader_state st;
	int lock_fd, err, r;

	*was_up = false;
	if (access(pin_dir, F_OK))
		return 0;
	lock_fd = ts_lock_pin_dir(pin_dir, lock_timeout_ms);
	if (lock_fd < 0)
		return lock_fd;
	err = ts_state_load(pin_dir, &st);
	if (err && err != -ENOENT)
		ts_warn("%s: state unreadable, detaching by pins only", pin_dir);
	for (size_t i = 0; !err && i < st.nifaces; i++) {
		const struct ts_state_iface *f = &st.ifaces[i];

		*was_up = true;
		if (f->tc && (r = ts_tc_detach(f->name, f->tc_prog_id, f->tc_created_qdisc)))
			err = r;
	}
	*was_up = *was_up || !access(pin_dir, F_OK);
	r = ts_unpin_all(pin_dir, true);
	ts_unlock(lock_fd);
	return err == -ENOENT ? r : (err ? err : r);
}
