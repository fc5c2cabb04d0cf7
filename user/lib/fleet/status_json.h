/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * status_json.h - a gateway's status as it sits in etcd (the value of
 * /turnstile/FLEET/gateways/GW/status), written by the gateway and read
 * by `turnstile fleet status`. What is read is input from the network:
 * strings longer than their fields are refused, not cut.
 */
#ifndef TS_FLEET_STATUS_JSON_H
#define TS_FLEET_STATUS_JSON_H

#include <stddef.h>

#include "fleet/fleet.h"

/* The JSON text (malloc'd) or NULL when out of memory. */
char *ts_fleet_status_encode(const struct ts_fleet_status *st);
/* 0, -EPROTO (not a status) or -E2BIG (a field too long). */
int ts_fleet_status_decode(const char *text, size_t len, struct ts_fleet_status *out);

#endif /* TS_FLEET_STATUS_JSON_H */
