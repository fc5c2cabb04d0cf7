// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* resolvers.c - resolver addresses into the runtime registry's hosts (see resolvers.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "loader/resolvers.h"
#include "policy/net.h"

int ts_resolver_parse(const char *s, struct ts_net *out)
{
	char buf[64];
	const char *host = buf, *why;
	char *end;
	size_t len = strlen(s);

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	memset(out, 0, sizeof(*out));
	if (buf[0] == '[') {                       /* [v6]:port */
		end = strchr(buf, ']');
		if (!end)
			return -EINVAL;
		*end = '\0';
		host = buf + 1;
	} else if (strchr(buf, '.') && (end = strchr(buf, ':'))) {
		*end = '\0';                       /* v4:port */
	}
	if (ts_net_parse(host, out, &why) || !ts_net_is_host(out))
		return -EINVAL;
	return 0;
}

/* An exact entry shadows the prefix trie, so it must carry the set of the
 * CIDRs that cover the address: the longest one's set (each prefix entry
 * already includes every shorter CIDR covering it). */
static uint32_t covering_set(const struct ts_compiled *c, const struct ts_net *net)
{
	uint32_t set = 0;
	int best = -1;

	for (size_t i = 0; i < c->nprefixes; i++) {
		const struct ts_net *p = &c->prefixes[i].net;

		if (ts_net_contains(p, net) && (int)p->plen > best) {
			best = p->plen;
			set = c->prefixes[i].set_id;
		}
	}
	return set;
}

/* A known host keeps its set and gains the flag (the runtime entry
 * shadows the compiled one); a new one gets its covering CIDRs' set. */
static int add_one(struct ts_registry *r, const struct ts_net *net)
{
	const struct ts_addr_entry *known = ts_registry_host(r, net);
	struct ts_addr_entry e = known ? *known : (struct ts_addr_entry){
		.net = *net, .set_id = covering_set(r->policy, net),
	};

	e.flags |= TS_ADDR_RESOLVER;
	return ts_registry_host_put(r, &e);
}

static bool unspecified(const struct ts_net *net)
{
	static const uint8_t zero[16];

	return !memcmp(net->addr, zero, sizeof(zero));
}

int ts_resolvers_add_listen(struct ts_registry *r, const char *listen)
{
	struct ts_net net;

	if (!listen || !*listen)
		return 0;
	if (ts_resolver_parse(listen, &net)) {
		ts_err("--dns-listen %s: not ADDR, ADDR:PORT or [V6]:PORT", listen);
		return -EINVAL;
	}
	return unspecified(&net) ? 0 : add_one(r, &net);
}

int ts_resolvers_add(struct ts_registry *r, const char *list)
{
	char *copy, *tok, *save = NULL;
	int err = 0;

	if (!list || !*list)
		return 0;
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		struct ts_net net;

		if (ts_resolver_parse(tok, &net)) {
			ts_err("--resolver %s: not an IPv4/IPv6 address (ADDR, ADDR:PORT or [V6]:PORT)", tok);
			err = -EINVAL;
			break;
		}
		err = add_one(r, &net);
	}
	free(copy);
	return err;
}
