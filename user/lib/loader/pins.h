/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* pins.h - removing turnstile's pins (maps, links, state) and nothing else. */
#ifndef TS_PINS_H
#define TS_PINS_H

#include <stdbool.h>

/* Detach every pinned XDP link, unpin every turnstile map and the state
 * record, remove links/ and (remove_dir) the pin dir when they are empty. */
int ts_unpin_all(const char *pin_dir, bool remove_dir);

#endif /* TS_PINS_H */
