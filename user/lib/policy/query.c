// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * query.c - questions asked of a compiled policy at runtime: the set of an
 * address, its host entry, explain (sets names bring in: registry.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/compile_internal.h"
#include "policy/dnsname.h"
#include "policy/net.h"

const struct ts_addr_entry *ts_compiled_host(const struct ts_compiled *c, const struct ts_net *net)
{
	const uint32_t *hit = ts_hmap_find(&c->index->hosts, net);

	return hit ? &c->hosts[*hit] : NULL;
}

uint32_t ts_compiled_static_set(const struct ts_compiled *c, const struct ts_net *addr)
{
	const struct ts_compiled_index *ix = c->index;
	int v6 = addr->family == TS_FAMILY_V6;
	struct ts_net key = *addr;
	const uint32_t *hit;

	if (addr->family != TS_FAMILY_V4 && addr->family != TS_FAMILY_V6)
		return 0;
	key.plen = (uint8_t)ts_net_full_len(addr);
	ts_net_mask(&key);
	hit = ts_hmap_find(&ix->hosts, &key);
	if (hit)
		return c->hosts[*hit].set_id;
	for (int plen = (int)ts_net_full_len(addr) - 1; plen >= 0; plen--) {
		if (!ix->plen_used[v6][plen])
			continue;
		key.plen = (uint8_t)plen;
		ts_net_mask(&key);
		hit = ts_hmap_find(&ix->prefixes, &key);
		if (hit)
			return c->prefixes[*hit].set_id;
	}
	return 0;
}

static int push(struct ts_membership **v, size_t *n, struct ts_membership m)
{
	struct ts_membership *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = m;
	return 0;
}

int ts_compiled_explain_addr(const struct ts_compiled *c, const struct ts_net *addr,
			     const char *const *names, size_t nnames,
			     struct ts_membership **out, size_t *nout)
{
	int err = 0;

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; !err && i < c->nmembers; i++) {
		const struct ts_member_ref *m = &c->members[i];

		if (ts_net_contains(&m->net, addr))
			err = push(out, nout, (struct ts_membership){ m->comp, m->kind, m->text,
				   m->file, m->line, m->col });
	}
	for (size_t i = 0; !err && i < c->nnames; i++) {
		const struct ts_name_ref *r = &c->names[i];

		for (size_t k = 0; k < nnames; k++) {
			if (names[k] && ts_dns_name_matches(r->name, names[k])) {
				err = push(out, nout, (struct ts_membership){ r->comp,
					   r->wildcard ? TS_MEMBER_WILDCARD : TS_MEMBER_NAME,
					   r->name, r->file, r->line, r->col });
				break;
			}
		}
	}
	if (err) {
		free(*out);
		*out = NULL;
		*nout = 0;
	}
	return err;
}

uint32_t ts_compiled_rule_for(const struct ts_compiled *c, const struct ts_compset *src,
			      const struct ts_compset *dst, uint32_t port)
{
	uint32_t cls = c->port_class[port];

	if (!cls)
		return 0;
	for (uint32_t id = 1; id <= c->nrule_ids; id++) {
		const struct ts_rule_info *r = &c->rule_info[id];

		if (!ts_compset_has(src, r->src_comp) || !ts_compset_has(dst, r->dst_comp))
			continue;
		for (uint32_t k = 0; k < c->index->rule_nclasses[id]; k++)
			if (c->index->rule_classes[id][k] == cls)
				return id;
	}
	return 0;
}
