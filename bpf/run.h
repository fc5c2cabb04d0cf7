/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* run.h - what one run of the programs' core knows besides the packet. */
#ifndef TS_BPF_RUN_H
#define TS_BPF_RUN_H

#include "maps.h"

/* What one run of the core knows besides the packet. */
struct ts_run {
	const struct ts_config *cfg;
	const struct ts_slot_cfg *sc;
	__u64 now;          /* ts_now(): the coarse clock */
	__u32 slot;
	__u32 len;          /* bytes counted for this packet */
	__u32 ifindex;
	__u8 hook;          /* enum ts_hook */
};

#endif /* TS_BPF_RUN_H */
