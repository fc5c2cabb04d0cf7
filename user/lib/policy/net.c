// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/net.h"

unsigned ts_net_full_len(const struct ts_net *n)
{
	return n->family == TS_FAMILY_V6 ? 128 : 32;
}

bool ts_net_is_host(const struct ts_net *n)
{
	return n->plen == ts_net_full_len(n);
}

static int parse_plen(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int ts_net_parse(const char *s, struct ts_net *out, const char **why)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	bool v6 = memchr(s, ':', alen) != NULL;
	unsigned plen;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(addr)) {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, out->addr) != 1) {
		*why = v6 ? "invalid IPv6 address" : "invalid IPv4 address";
		return -EINVAL;
	}
	out->family = v6 ? TS_FAMILY_V6 : TS_FAMILY_V4;
	plen = ts_net_full_len(out);
	if (slash && parse_plen(slash + 1, plen, &plen)) {
		*why = v6 ? "prefix length must be 0..128" : "prefix length must be 0..32";
		return -EINVAL;
	}
	out->plen = (uint8_t)plen;
	return 0;
}

static uint8_t byte_mask(unsigned plen, unsigned i)
{
	if (plen >= (i + 1) * 8)
		return 0xff;
	if (plen <= i * 8)
		return 0;
	return (uint8_t)(0xff << (8 - (plen - i * 8)));
}

bool ts_net_has_host_bits(const struct ts_net *n)
{
	for (unsigned i = 0; i < 16; i++)
		if (n->addr[i] & ~byte_mask(n->plen, i))
			return true;
	return false;
}

void ts_net_mask(struct ts_net *n)
{
	for (unsigned i = 0; i < 16; i++)
		n->addr[i] &= byte_mask(n->plen, i);
}

bool ts_net_contains(const struct ts_net *outer, const struct ts_net *inner)
{
	if (outer->family != inner->family || outer->plen > inner->plen)
		return false;
	for (unsigned i = 0; i < 16; i++)
		if ((outer->addr[i] ^ inner->addr[i]) & byte_mask(outer->plen, i))
			return false;
	return true;
}

int ts_net_cmp(const struct ts_net *a, const struct ts_net *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c)
		return c;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return 0;
}

void ts_net_format(const struct ts_net *n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(n->family == TS_FAMILY_V6 ? AF_INET6 : AF_INET, n->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (ts_net_is_host(n))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, n->plen);
}

struct special_range {
	uint8_t family, plen;
	uint8_t addr[16];
	const char *what;
	bool never_routed;
};

static const struct special_range special[] = {
	{ TS_FAMILY_V4, 8,  { 127 }, "loopback (127.0.0.0/8)", true },
	{ TS_FAMILY_V4, 8,  { 0 }, "\"this network\" (0.0.0.0/8)", true },
	{ TS_FAMILY_V4, 16, { 169, 254 }, "link-local (169.254.0.0/16)", true },
	{ TS_FAMILY_V4, 4,  { 224 }, "multicast (224.0.0.0/4)", true },
	{ TS_FAMILY_V4, 32, { 255, 255, 255, 255 }, "broadcast", true },
	{ TS_FAMILY_V4, 8,  { 10 }, "private (10.0.0.0/8)", false },
	{ TS_FAMILY_V4, 12, { 172, 16 }, "private (172.16.0.0/12)", false },
	{ TS_FAMILY_V4, 16, { 192, 168 }, "private (192.168.0.0/16)", false },
	{ TS_FAMILY_V4, 10, { 100, 64 }, "shared CGNAT (100.64.0.0/10)", false },
	{ TS_FAMILY_V6, 128, { 0 }, "unspecified (::)", true },
	{ TS_FAMILY_V6, 128, { [15] = 1 }, "loopback (::1)", true },
	{ TS_FAMILY_V6, 10, { 0xfe, 0x80 }, "link-local (fe80::/10)", true },
	{ TS_FAMILY_V6, 8,  { 0xff }, "multicast (ff00::/8)", true },
	{ TS_FAMILY_V6, 7,  { 0xfc }, "unique local (fc00::/7)", false },
};

const char *ts_net_special(const struct ts_net *n, bool *never_routed)
{
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		struct ts_net r = { .family = special[i].family, .plen = special[i].plen };

		memcpy(r.addr, special[i].addr, sizeof(r.addr));
		if (ts_net_contains(&r, n)) {
			*never_routed = special[i].never_routed;
			return special[i].what;
		}
	}
	*never_routed = false;
	return NULL;
}
