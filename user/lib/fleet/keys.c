// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* keys.c - the fleet's key layout and its checks (see keys.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fleet/keys.h"
#include "policy/dnsname.h"

#define ROOT "/turnstile/"

int ts_fleet_label_check(const char *label)
{
	size_t n = strlen(label);

	if (!n || n > TS_FLEET_LABEL_MAX || !strcmp(label, ".") || !strcmp(label, ".."))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = label[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return -EINVAL;
	}
	return 0;
}

int ts_fleet_key(char *buf, size_t len, const char *fleet, const char *rest)
{
	int n = snprintf(buf, len, ROOT "%s/%s", fleet, rest);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ts_fleet_name_key(char *buf, size_t len, const char *fleet, const struct ts_fleet_name *n)
{
	char addr[64];
	int w;

	ts_net_format(&n->addr, addr, sizeof(addr));
	/* the /32 or /128 of a host is not written: ADDR is the address */
	addr[strcspn(addr, "/")] = '\0';
	w = snprintf(buf, len, ROOT "%s/names/%s/%s/%s", fleet, n->gateway, n->name, addr);
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

void ts_fleet_name_value(char *buf, size_t len, const struct ts_fleet_name *n)
{
	snprintf(buf, len, "%u", n->ttl_s);
}

/* The next '/'-free part of *p (at most max bytes) into out; moves *p past
 * it and its '/' (the last part has none). */
static int take_part(const char **p, char *out, size_t max, bool last)
{
	size_t n = strcspn(*p, "/");

	if (!n || n > max || (last ? (*p)[n] != '\0' : (*p)[n] != '/'))
		return -EINVAL;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n + !last;
	return 0;
}

static int check_name(const char *name, const char **why)
{
	char copy[256];
	bool wildcard;
	size_t off;

	snprintf(copy, sizeof(copy), "%s", name);
	if (ts_dns_name_normalize(copy, &wildcard, &off, why))
		return -EINVAL;
	if (wildcard) {
		*why = "a wildcard, not a host name";
		return -EINVAL;
	}
	/* canonical already: what normalizing would change was not learned so */
	if (strcmp(copy, name)) {
		*why = "not in canonical form (lower case, no trailing dot)";
		return -EINVAL;
	}
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' ||
		      *c == '_')) {
			*why = "a byte DNS host names do not carry";
			return -EINVAL;
		}
	return 0;
}

static int parse_ttl(const char *v, size_t len, uint32_t *out)
{
	uint32_t ttl = 0;

	if (!len || len > 6 || v[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		ttl = ttl * 10 + (uint32_t)(v[i] - '0');
	}
	if (ttl > TS_FLEET_TTL_MAX)
		return -EINVAL;
	*out = ttl;
	return 0;
}

int ts_fleet_name_parse(const char *fleet, const char *key, const char *value, size_t value_len,
			struct ts_fleet_name *out, const char **why)
{
	char prefix[TS_FLEET_KEY_LEN], addr[64];
	const char *p = key, *ignored;
	size_t plen;

	memset(out, 0, sizeof(*out));
	*why = "not a key of this fleet's names";
	if (ts_fleet_key(prefix, sizeof(prefix), fleet, "names/"))
		return -EINVAL;
	plen = strlen(prefix);
	if (strncmp(key, prefix, plen))
		return -EINVAL;
	p += plen;
	*why = "no gateway label";
	if (take_part(&p, out->gateway, TS_FLEET_LABEL_MAX, false) || ts_fleet_label_check(out->gateway))
		return -EINVAL;
	*why = "no host name";
	if (take_part(&p, out->name, TS_DNS_NAME_MAX, false) || check_name(out->name, why))
		return -EINVAL;
	*why = "no address";
	if (take_part(&p, addr, sizeof(addr) - 1, true) || ts_net_parse(addr, &out->addr, &ignored) ||
	    !ts_net_is_host(&out->addr) || strchr(addr, '/'))
		return -EINVAL;
	*why = "the TTL is not a number of seconds from 1 to 86400";
	if (parse_ttl(value, value_len, &out->ttl_s))
		return -EINVAL;
	*why = NULL;
	return 0;
}
