/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * keys.h - where a fleet lives in etcd (docs/fleet.md "Key layout"):
 *
 *   /turnstile/FLEET/policy                         the policy text (admins write it)
 *   /turnstile/FLEET/gateways/GW/status             GW's health, revision, last reload (GW's lease)
 *   /turnstile/FLEET/names/GW/NAME/ADDR             ADDR learned by GW for NAME; value: TTL seconds
 *                                                   (a lease of TTL + grace)
 *
 * FLEET and GW are labels of [a-z0-9._-] (1..63 bytes, not "." or ".."),
 * so a key never has a path of its own inside them; NAME is a host name
 * as DNS answers carry it; ADDR an IPv4 or IPv6 host address.
 */
#ifndef TS_FLEET_KEYS_H
#define TS_FLEET_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/net.h"

#define TS_FLEET_LABEL_MAX 63u
#define TS_FLEET_KEY_LEN   512u     /* every key we make fits */
#define TS_FLEET_TTL_MAX   86400u   /* a published TTL at most (the names' ceiling is lower) */

/* A fleet or gateway name: 0 or -EINVAL. */
int ts_fleet_label_check(const char *label);

/* "/turnstile/FLEET/" + rest into buf; -ENAMETOOLONG when it does not fit. */
int ts_fleet_key(char *buf, size_t len, const char *fleet, const char *rest);

/* One learned address as it travels through etcd. */
struct ts_fleet_name {
	char gateway[TS_FLEET_LABEL_MAX + 1];
	char name[256];             /* a normalized host name */
	struct ts_net addr;         /* a host address */
	uint32_t ttl_s;             /* 1..TS_FLEET_TTL_MAX */
};

/* Its key (under names/) and value text. -ENAMETOOLONG when it does not fit. */
int ts_fleet_name_key(char *buf, size_t len, const char *fleet, const struct ts_fleet_name *n);
void ts_fleet_name_value(char *buf, size_t len, const struct ts_fleet_name *n);

/*
 * Reads a names/ key and its value (value_len bytes) as etcd gave them,
 * as strictly as a DNS answer: the fleet's prefix, a gateway label, a host
 * name of DNS's bytes in canonical form (lower case, no trailing dot,
 * labels 1..63, at most 253), an address that is one host, a decimal TTL
 * of 1..TS_FLEET_TTL_MAX. 0, or -EINVAL with *why.
 */
int ts_fleet_name_parse(const char *fleet, const char *key, const char *value, size_t value_len,
			struct ts_fleet_name *out, const char **why);

#endif /* TS_FLEET_KEYS_H */
