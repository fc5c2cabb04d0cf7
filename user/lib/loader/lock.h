/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lock.h - one turnstile at a time: an exclusive flock(2) on the pin
 * directory itself serializes `up`, `run`, `down` and reloads. The lock dies
 * with the process, so a killed daemon never leaves it stuck.
 */
#ifndef TS_LOCK_H
#define TS_LOCK_H

/* Creates `pin_dir` (0700) when missing, then takes the lock, waiting up
 * to timeout_ms (0 = try once). Returns the lock fd, -EWOULDBLOCK when
 * another process still holds it, or another -errno. */
int ts_lock_pin_dir(const char *pin_dir, int timeout_ms);
void ts_unlock(int lock_fd);

#endif /* TS_LOCK_H */
