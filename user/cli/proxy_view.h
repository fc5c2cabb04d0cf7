/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* proxy_view.h - the DNS proxy's counters as `status` shows them. */
#ifndef TS_CLI_PROXY_VIEW_H
#define TS_CLI_PROXY_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "loader/json.h"
#include "loader/state.h"
#include "names/proxy.h"

/* "dns proxy: ..." lines of `status`. */
void ts_proxy_view_text(FILE *out, const struct ts_loader_state *st);
/* "proxy": {...} (null without a proxy). */
void ts_proxy_view_json(struct ts_json *j, const struct ts_loader_state *st);

#endif /* TS_CLI_PROXY_VIEW_H */
