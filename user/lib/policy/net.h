/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* net.h - struct ts_net (compiled.h): parse, format, compare, classify. */
#ifndef TS_POLICY_NET_H
#define TS_POLICY_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/compiled.h"

/* "198.51.100.0/26", "2001:db8::10", ...; no surrounding text. On error
 * returns -EINVAL and *why says what is wrong. Host bits beyond the prefix
 * are kept so the caller can report them (ts_net_has_host_bits). */
int ts_net_parse(const char *s, struct ts_net *out, const char **why);
bool ts_net_has_host_bits(const struct ts_net *n);
void ts_net_mask(struct ts_net *n);
/* Full length: 32 or 128. */
unsigned ts_net_full_len(const struct ts_net *n);
bool ts_net_is_host(const struct ts_net *n);
/* `outer` covers `inner` (same family, shorter or equal prefix). */
bool ts_net_contains(const struct ts_net *outer, const struct ts_net *inner);
/* Orders by family, address, then prefix length: a covering prefix sorts
 * before everything it covers. */
int ts_net_cmp(const struct ts_net *a, const struct ts_net *b);

#define TS_NET_STRLEN 64 /* "ffff:...:ffff/128" fits */
/* Address, with "/plen" unless it is a host. */
void ts_net_format(const struct ts_net *n, char *buf, size_t len);

/* Special-purpose space a net lies entirely within, or NULL for ordinary
 * (public) space. `*never_routed` is set for space that cannot appear on
 * a gateway NIC as a TCP peer (loopback, unspecified, multicast,
 * link-local, broadcast); private space (RFC 1918, ULA) is ordinary on a
 * site and only named. */
const char *ts_net_special(const struct ts_net *n, bool *never_routed);

#endif /* TS_POLICY_NET_H */
