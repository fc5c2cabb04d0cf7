/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * clients.h - a count per client prefix (queries in flight, connections),
 * for the proxy's per-client bounds. Open addressing with backward-shift
 * deletion: a client whose count drops to 0 leaves, so the table holds at
 * most as many clients as there are things counted.
 */
#ifndef TS_NAMES_CLIENTS_H
#define TS_NAMES_CLIENTS_H

#include <stddef.h>
#include <stdint.h>

#include "policy/compiled.h"

struct ts_client_count {
	struct ts_net key;      /* family 0 = a free slot */
	uint32_t count;
};

struct ts_clients {
	struct ts_client_count *slots;
	size_t nslots;          /* a power of two, at least 2x the most ever counted */
	size_t used;            /* clients counted now */
};

/* Room for `most` clients counted at once. 0 or -ENOMEM. */
int ts_clients_init(struct ts_clients *t, size_t most);
void ts_clients_free(struct ts_clients *t);
uint32_t ts_clients_get(const struct ts_clients *t, const struct ts_net *key);
/* +1; -ENOSPC when `most` clients are counted already. */
int ts_clients_inc(struct ts_clients *t, const struct ts_net *key);
void ts_clients_dec(struct ts_clients *t, const struct ts_net *key);

#endif /* TS_NAMES_CLIENTS_H */
