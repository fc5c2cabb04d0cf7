/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stats_baseline.h - `stats --reset` without touching the dataplane: the
 * counters as they were at the reset are saved in the state dir, and
 * `stats` shows the counts since then (the maps' counters, and
 * `--prometheus`, stay monotonic).
 */
#ifndef TS_CLI_STATS_BASELINE_H
#define TS_CLI_STATS_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "dp/dp.h"

#define TS_STATS_BASELINE "stats.baseline"

struct ts_stats_snapshot {
	struct ts_dp_rule_stat *rules;
	size_t nrules;
	struct ts_dp_reason_stat reasons[TS_R_MAX];
	struct ts_dp_iface_stat *ifaces;
	size_t nifaces;
};
/* Frees what ts_dp_*_stats allocated in s. */
void ts_stats_snapshot_free(struct ts_stats_snapshot *s);

/* Saves s as the baseline at `path` (through a rename), taken at `when`. */
int ts_stats_baseline_save(const char *path, const struct ts_stats_snapshot *s, int64_t when);
/* Subtracts the baseline at `path` from s, each counter from its own (a
 * counter below its baseline, as after the maps were made anew, counts
 * from 0). *since: the reset's time. -ENOENT: no baseline (s unchanged). */
int ts_stats_baseline_apply(const char *path, struct ts_stats_snapshot *s, int64_t *since);

#endif /* TS_CLI_STATS_BASELINE_H */
