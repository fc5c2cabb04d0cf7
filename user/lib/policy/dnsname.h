/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dnsname.h - host names and wildcard names of components.
 *
 * A wildcard's first label is `*` (exactly one label) or `**` (one or
 * more labels); neither matches the base name itself (the apex).
 */
#ifndef TS_POLICY_DNSNAME_H
#define TS_POLICY_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>

#define TS_DNS_NAME_MAX  253
#define TS_DNS_LABEL_MAX 63

/*
 * Validates `name` and normalizes it in place (lower case, no trailing
 * dot). Returns 0, or -EINVAL with *why and *bad_off, the byte offset in
 * the original text where the problem is (for the column of a finding).
 */
int ts_dns_name_normalize(char *name, bool *wildcard, size_t *bad_off, const char **why);

/* Why a valid exact name can never be answered by a site's resolvers
 * (single label, reserved top-level domain), or NULL. */
const char *ts_dns_name_unresolvable(const char *name);

/* `name` (normalized, exact) matches `pattern` (normalized; exact or wildcard). */
bool ts_dns_name_matches(const char *pattern, const char *name);

#endif /* TS_POLICY_DNSNAME_H */
