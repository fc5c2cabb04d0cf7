// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lock.c - flock on the pin directory (see lock.h). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "loader/lock.h"

#define LOCK_POLL_MS 50

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int err = -errno;

		ts_err("%s: cannot create pin directory: %s", dir, strerror(-err));
		return err;
	}
	return 0;
}

/* `down` removes the directory: a lock taken on a directory that is no
 * longer at `dir` protects nothing, so the caller retries. */
static bool still_there(int fd, const char *dir)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(dir, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int ts_lock_pin_dir(const char *pin_dir, int timeout_ms)
{
	int waited = 0;

	for (;;) {
		int err = make_dir(pin_dir);
		int fd;

		if (err)
			return err;
		fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			ts_err("%s: cannot open pin directory: %s", pin_dir, strerror(-err));
			return err;
		}
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			if (still_there(fd, pin_dir))
				return fd;
			close(fd);
			continue;
		}
		err = -errno;
		close(fd);
		if (err != -EWOULDBLOCK) {
			ts_err("%s: cannot lock: %s", pin_dir, strerror(-err));
			return err;
		}
		if (waited >= timeout_ms) {
			ts_err("%s: another turnstile holds the lock (waited %d ms)", pin_dir, waited);
			return -EWOULDBLOCK;
		}
		nanosleep(&(struct timespec){ .tv_nsec = LOCK_POLL_MS * 1000000L }, NULL);
		waited += LOCK_POLL_MS;
	}
}

void ts_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);
}
