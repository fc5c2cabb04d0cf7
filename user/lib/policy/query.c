// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * query.c - questions asked of a compiled policy at runtime: the set of an
 * address (creating sets for addresses names bring in), and explain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/compile_internal.h"
#include "policy/dnsname.h"
#include "policy/net.h"

struct ts_addr_entry *ts_compiled_host(const struct ts_compiled *c, const struct ts_net *net)
{
	/* a scan, not the index: appended hosts are not in it */
	for (size_t i = 0; i < c->nhosts; i++)
		if (!ts_net_cmp(&c->hosts[i].net, net))
			return &c->hosts[i];
	return NULL;
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

/* Upper bound of the entries a new set with `words` needs. */
static size_t entries_needed(const struct ts_compiled *c, const uint64_t *words)
{
	struct ts_compset x = { c->index->nwords, (uint64_t *)words };
	size_t n = 0;

	for (size_t id = 1; id <= c->nrule_ids; id++) {
		const struct ts_rule_info *r = &c->rule_info[id];
		size_t pairs = 0;

		for (size_t s = 1; s < c->nsets; s++) {
			pairs += ts_compset_has(&x, r->src_comp) && ts_compset_has(&c->sets[s], r->dst_comp);
			pairs += ts_compset_has(&x, r->dst_comp) && ts_compset_has(&c->sets[s], r->src_comp);
		}
		pairs += ts_compset_has(&x, r->src_comp) && ts_compset_has(&x, r->dst_comp);
		n += pairs * c->index->rule_nclasses[id];
	}
	return n;
}

int ts_compiled_set_for_addr(struct ts_compiled *c, const struct ts_net *addr,
			     const struct ts_compset *name_comps, struct ts_set_update *out)
{
	uint32_t nwords = c->index->nwords, base;
	const uint32_t *existing;
	uint64_t *words;
	int err;

	memset(out, 0, sizeof(*out));
	if ((addr->family != TS_FAMILY_V4 && addr->family != TS_FAMILY_V6) || !ts_net_is_host(addr))
		return -EINVAL;
	base = ts_compiled_static_set(c, addr);
	words = malloc(nwords * sizeof(uint64_t));
	if (!words)
		return -ENOMEM;
	memcpy(words, c->sets[base].words, nwords * sizeof(uint64_t));
	for (uint32_t i = 0; name_comps && i < name_comps->nwords && i < nwords; i++)
		words[i] |= name_comps->words[i];
	existing = ts_hmap_find(&c->index->sets, words);
	if (existing) {
		out->set_id = *existing;
		free(words);
		return 0;
	}
	if (c->nrules_entries + entries_needed(c, words) > c->settings.cap_rules / 2) {
		free(words);
		return -E2BIG;
	}
	out->first_rule = c->nrules_entries;
	err = ts_sets_intern(c, words, &out->set_id, &out->created);
	if (!err)
		err = ts_rules_expand(c, out->set_id);
	out->nrules = c->nrules_entries - out->first_rule;
	free(words);
	return err;
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
