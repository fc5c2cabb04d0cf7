/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * prom.h - turnstile's metrics in the Prometheus text exposition format
 * (version 0.0.4), one formatter for `turnstile stats --prometheus` and
 * the daemon's HTTP /metrics (metrics_http.h).
 */
#ifndef TS_PROM_H
#define TS_PROM_H

#include <stddef.h>
#include <stdio.h>

#include "dp/dp.h"
#include "loader/state.h"

/* The dataplane's counters: per rule (packets, bytes, opened) and per
 * verdict reason (packets, bytes). What `stats --prometheus` prints. */
void ts_prom_counters(FILE *out, const struct ts_dp_rule_stat *rules, size_t nrules,
		      const struct ts_dp_reason_stat reasons[TS_R_MAX]);

/* Per interface: turnstile_iface_packets_total / _bytes_total with labels
 * iface, direction (in: XDP, out: tc egress) and verdict (pass, drop). */
void ts_prom_ifaces(FILE *out, const struct ts_dp_iface_stat *ifs, size_t n);

/* Everything the daemon serves: the counters above, table fill and
 * capacity, policy generation, the daemon's reloads, the names (from the
 * names cache the daemon writes; zeros before there is one) and build info.
 * Returns 0 or -errno when the dataplane could not be read. */
int ts_prom_all(FILE *out, const struct ts_dp *dp, const struct ts_loader_state *st);

/* The DNS proxy's families, turnstile_dns_proxy_* (nothing without a proxy):
 * part of ts_prom_all, and of `stats --prometheus`. */
void ts_prom_dns_proxy(FILE *out, const struct ts_loader_state *st);

#endif /* TS_PROM_H */
