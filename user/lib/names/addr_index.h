/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * addr_index.h - internal: address -> how many names hold it (and which,
 * when only one does), so applying an address costs a hash lookup instead
 * of a scan of every name's addresses. Open addressing, linear probing,
 * backward-shift deletion.
 */
#ifndef TS_NAMES_ADDR_INDEX_H
#define TS_NAMES_ADDR_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "policy/compiled.h"

struct ts_addr_index_slot {
	struct ts_net net;
	uint32_t holders;       /* names holding net; 0 = empty slot */
	uint32_t one;           /* the holder's name index, valid when holders == 1 */
};

struct ts_addr_index {
	struct ts_addr_index_slot *slots;
	size_t nslots, n;       /* nslots: 0 or a power of two */
};

/* Name `name` now holds net. 0 or -ENOMEM. */
int ts_addr_index_hold(struct ts_addr_index *x, const struct ts_net *net, uint32_t name);
/* One holder let go of net; returns the holders left (its slot is gone at 0). */
uint32_t ts_addr_index_release(struct ts_addr_index *x, const struct ts_net *net);
/* The slot of net, or NULL. */
struct ts_addr_index_slot *ts_addr_index_find(const struct ts_addr_index *x,
					      const struct ts_net *net);
void ts_addr_index_free(struct ts_addr_index *x);

#endif /* TS_NAMES_ADDR_INDEX_H */
