/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ct.h - bench-live's conntrack entries, by ctnetlink. */
#ifndef TS_LIVE_CT_H
#define TS_LIVE_CT_H

#include <stdint.h>

/* The clients' flows 0..n-1 (flows.h) as ESTABLISHED, assured, liberal
 * conntrack entries of the current network namespace. 0 or -errno. */
int live_ct_insert(int family, uint32_t n);

#endif
