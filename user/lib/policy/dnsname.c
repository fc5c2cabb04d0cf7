// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "policy/dnsname.h"

/* Registry-controlled suffixes under which one organisation cannot own
 * every name: a wildcard right under them would allow the world. Every
 * single-label suffix (a TLD) counts too. A short list, not the PSL. */
static const char *const public_suffixes[] = {
	"co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "net.uk", "ltd.uk", "plc.uk",
	"com.au", "net.au", "org.au", "edu.au", "gov.au", "co.nz", "org.nz",
	"co.jp", "ne.jp", "or.jp", "ac.jp", "co.kr", "com.br", "com.cn", "net.cn",
	"org.cn", "com.mx", "co.in", "co.za", "com.tw", "com.hk", "com.sg", "co.il",
	"com.tr", "com.ar", "co.id", "com.my",
};

static bool is_public_suffix(const char *base)
{
	if (!strchr(base, '.'))
		return true;
	for (size_t i = 0; i < sizeof(public_suffixes) / sizeof(public_suffixes[0]); i++)
		if (!strcmp(base, public_suffixes[i]))
			return true;
	return false;
}

static int fail(size_t off, const char *msg, size_t *bad_off, const char **why)
{
	*bad_off = off;
	*why = msg;
	return -EINVAL;
}

/* Checks the labels of an exact name starting at offset `start` of s. */
static int check_labels(const char *s, size_t start, size_t *bad_off, const char **why)
{
	size_t label = start, i;
	bool numeric = true;

	for (i = start;; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (i == label)
				return fail(i, "empty label", bad_off, why);
			if (i - label > TS_DNS_LABEL_MAX)
				return fail(label, "label longer than 63 characters", bad_off, why);
			if (s[label] == '-' || s[i - 1] == '-')
				return fail(s[label] == '-' ? label : i - 1,
					    "a label may not start or end with '-'", bad_off, why);
			if (c == '\0')
				break;
			label = i + 1;
			numeric = true;
			continue;
		}
		if (c == '*')
			return fail(i, "'*' may only be the whole leftmost label ('*.' or '**.')",
				    bad_off, why);
		if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			return fail(i, "invalid character in a host name", bad_off, why);
		if (!isdigit((unsigned char)c))
			numeric = false;
	}
	if (numeric)
		return fail(label, "the last label of a host name cannot be numeric", bad_off, why);
	return 0;
}

int ts_dns_name_normalize(char *name, bool *wildcard, size_t *bad_off, const char **why)
{
	size_t len = strlen(name), start = 0;
	int err;

	*wildcard = false;
	if (len > 1 && name[len - 1] == '.')
		name[--len] = '\0';
	if (len > TS_DNS_NAME_MAX)
		return fail(TS_DNS_NAME_MAX, "name longer than 253 characters", bad_off, why);
	for (size_t i = 0; i < len; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	if (name[0] == '*') {
		start = name[1] == '*' ? 2 : 1;
		if (name[start] != '.')
			return fail(0, "'*' may only be the whole leftmost label ('*.' or '**.')",
				    bad_off, why);
		start++;
		*wildcard = true;
	}
	err = check_labels(name, start, bad_off, why);
	if (err)
		return err;
	if (*wildcard && is_public_suffix(name + start))
		return fail(start, "wildcard directly under a public suffix would match "
			    "every organisation's names", bad_off, why);
	return 0;
}

static bool ends_with_label(const char *name, const char *tld)
{
	size_t n = strlen(name), t = strlen(tld);

	return n > t && name[n - t - 1] == '.' && !strcmp(name + n - t, tld);
}

const char *ts_dns_name_unresolvable(const char *name)
{
	if (!strchr(name, '.'))
		return "a single-label name is answered only through a resolver's search list";
	if (ends_with_label(name, "invalid") || ends_with_label(name, "test") ||
	    ends_with_label(name, "example"))
		return "a reserved top-level domain (RFC 2606) is never answered by public DNS";
	if (ends_with_label(name, "local"))
		return "'.local' names are multicast DNS, which unicast resolvers do not answer";
	if (ends_with_label(name, "localhost"))
		return "'localhost' names resolve to loopback only";
	return NULL;
}

bool ts_dns_name_matches(const char *pattern, const char *name)
{
	const char *base, *dot;
	size_t nlen = strlen(name), blen;
	bool deep;

	if (pattern[0] != '*')
		return !strcmp(pattern, name);
	deep = pattern[1] == '*';
	base = pattern + (deep ? 3 : 2);
	blen = strlen(base);
	/* name = PREFIX "." base, PREFIX not empty */
	if (nlen < blen + 2 || name[nlen - blen - 1] != '.' || strcmp(name + nlen - blen, base))
		return false;
	if (deep)
		return true;
	dot = memchr(name, '.', nlen - blen - 1);
	return dot == NULL;
}
