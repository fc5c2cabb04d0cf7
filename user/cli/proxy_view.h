/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* proxy_view.h - the DNS proxy's counters as `status` and `stats` show them. */
#ifndef TS_CLI_PROXY_VIEW_H
#define TS_CLI_PROXY_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "loader/json.h"
#include "loader/state.h"
#include "names/proxy.h"

/* The counters the daemon last wrote; false when it runs no proxy (or has
 * not written them yet). */
bool ts_proxy_view_read(const struct ts_loader_state *st, struct ts_proxy_metrics *m);
/* "dns proxy: ..." lines of `status`. */
void ts_proxy_view_text(FILE *out, const struct ts_loader_state *st);
/* "proxy": {...} (null without a proxy). */
void ts_proxy_view_json(struct ts_json *j, const struct ts_loader_state *st);
/* Prometheus families turnstile_dns_proxy_* (nothing without a proxy). */
void ts_proxy_view_prometheus(FILE *out, const struct ts_loader_state *st);

#endif /* TS_CLI_PROXY_VIEW_H */
