/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * numbering.h - how bench-live numbers its flows, with no includes: the
 * traffic (flows.c) and cand-direct (bpf/bench_live_cand.bpf.c), which
 * finds a flow's slot from its number, both read it. Flow i's client is
 * host 1 + i % LIVE_HOSTS of its range, on port LIVE_FIRST_PORT +
 * i / LIVE_HOSTS; the server listens on LIVE_SERVER_PORT.
 */
#ifndef TS_LIVE_NUMBERING_H
#define TS_LIVE_NUMBERING_H

#define LIVE_HOSTS       250u     /* client (or unlisted) hosts; ports vary above them */
#define LIVE_FIRST_PORT  10000u
#define LIVE_SERVER_PORT 443u

#endif /* TS_LIVE_NUMBERING_H */
