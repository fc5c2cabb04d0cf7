// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lint.c - findings that need only the parsed policy: component references,
 * rule redundancy and direction conflicts, suspicious members. Overlapping
 * CIDRs are found by the compiler's prefix sweep (compile_nets.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/dnsname.h"
#include "policy/policy.h"
#include "policy/net.h"
#include "policy/ports.h"

/* Edit distance, for "did you mean" on short component names. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la > 63 || lb > 63)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

static int find_comp(const struct ts_policy *p, const char *name)
{
	for (size_t i = 0; i < p->ncomps; i++)
		if (!strcmp(p->comps[i].name, name))
			return (int)i;
	return -1;
}

/* The component `name` refers to, or -1 after an error; *meant gets the
 * component a misspelt name most likely meant (-1: none close). */
static int resolve_ref(const struct ts_policy *p, const char *name, struct ts_loc loc,
		       struct ts_diags *d, int *meant)
{
	int idx = find_comp(p, name);
	size_t best = 3;
	const char *hint = NULL;

	*meant = idx;
	if (idx >= 0)
		return idx;
	for (size_t i = 0; i < p->ncomps; i++) {
		size_t dist = edit_distance(name, p->comps[i].name);

		if (dist < best) {
			best = dist;
			hint = p->comps[i].name;
			*meant = (int)i;
		}
	}
	if (hint)
		ts_diag_add(d, TS_SEV_ERROR, loc, "unknown-component",
			    "unknown component '%s'; did you mean '%s'?", name, hint);
	else
		ts_diag_add(d, TS_SEV_ERROR, loc, "unknown-component", "unknown component '%s'", name);
	return -1;
}

static void lint_components(struct ts_policy *p, struct ts_diags *d)
{
	for (size_t i = 0; i < p->ncomps; i++) {
		const struct ts_component *c = &p->comps[i];
		int first = find_comp(p, c->name);

		if (first != (int)i)
			ts_diag_add(d, TS_SEV_ERROR, c->loc, "duplicate-component",
				    "component '%s' is already defined at %s:%u:%u", c->name,
				    p->comps[first].loc.file, p->comps[first].loc.line,
				    p->comps[first].loc.col);
		else if (!c->nmembers && !c->broken)   /* its error said why */
			ts_diag_add(d, TS_SEV_WARNING, c->loc, "empty-component",
				    "component '%s' has no members: rules naming it match nothing",
				    c->name);
	}
}

static void lint_members(const struct ts_component *c, struct ts_diags *d)
{
	for (size_t j = 0; j < c->nmembers; j++) {
		const struct ts_member *m = &c->members[j];
		const char *why;
		bool never;

		switch (m->kind) {
		case TS_MEMBER_HOST:
		case TS_MEMBER_CIDR:
			why = ts_net_special(&m->net, &never);
			if (why && never)
				ts_diag_add(d, TS_SEV_WARNING, m->loc, "special-address",
					    "'%s' is %s space, which never reaches a gateway NIC as "
					    "a TCP peer", m->text, why);
			if (m->kind == TS_MEMBER_CIDR &&
			    m->net.plen < (m->net.family == TS_FAMILY_V4 ? 8 : 32))
				ts_diag_add(d, TS_SEV_WARNING, m->loc, "broad-cidr",
					    "'%s' is very broad (shorter than /%u): component '%s' "
					    "takes in much of the %s internet", m->text,
					    m->net.family == TS_FAMILY_V4 ? 8 : 32, c->name,
					    m->net.family == TS_FAMILY_V4 ? "IPv4" : "IPv6");
			break;
		case TS_MEMBER_NAME:
			why = ts_dns_name_unresolvable(m->text);
			if (why)
				ts_diag_add(d, TS_SEV_WARNING, m->loc, "unresolvable-name",
					    "'%s' may never resolve: %s", m->text, why);
			break;
		case TS_MEMBER_WILDCARD:
			ts_diag_add(d, TS_SEV_NOTE, m->loc, "wildcard-learned",
				    "'%s' cannot be resolved ahead of time: its addresses are "
				    "learned from DNS answers of the trusted resolvers", m->text);
			break;
		}
	}
}

static int cmp_member_text(const void *a, const void *b)
{
	const struct ts_member *x = *(const struct ts_member *const *)a;
	const struct ts_member *y = *(const struct ts_member *const *)b;
	int c = strcmp(x->text, y->text);

	/* equal names keep their order of declaration */
	return c ? c : (x < y ? -1 : x > y);
}

/* Names listed twice in one component (addresses: see the prefix sweep). */
static void lint_duplicate_names(const struct ts_component *c, struct ts_diags *d)
{
	const struct ts_member **v = calloc(c->nmembers + 1, sizeof(*v));
	size_t n = 0;

	if (!v) {
		d->oom = true;
		return;
	}
	for (size_t j = 0; j < c->nmembers; j++)
		if (c->members[j].kind >= TS_MEMBER_NAME)
			v[n++] = &c->members[j];
	qsort(v, n, sizeof(v[0]), cmp_member_text);
	for (size_t j = 1; j < n; j++)
		if (!strcmp(v[j]->text, v[j - 1]->text))
			ts_diag_add(d, TS_SEV_WARNING, v[j]->loc, "duplicate-member",
				    "'%s' is already listed in '%s' at line %u", v[j]->text, c->name,
				    v[j - 1]->loc.line);
	free(v);
}

/* Ports allowed so far from one component to another. */
struct edge {
	int src, dst;
	struct ts_ports ports;
};

struct edges {
	struct edge *v;
	size_t n;
};

static struct edge *edge_find(struct edges *e, int src, int dst)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].src == src && e->v[i].dst == dst)
			return &e->v[i];
	return NULL;
}

static bool edge_covers(struct edges *e, int src, int dst, const struct ts_ports *ports)
{
	struct edge *x = edge_find(e, src, dst);

	return x && ts_ports_subset(ports, &x->ports);
}

static void edge_add(struct edges *e, int src, int dst, const struct ts_ports *ports)
{
	struct edge *x = edge_find(e, src, dst);
	struct ts_ports merged;

	if (!x) {
		/* e->v has room for two edges per rule (sized by the caller) */
		x = &e->v[e->n++];
		x->src = src;
		x->dst = dst;
		x->ports.v = NULL;
		x->ports.n = 0;
	}
	if (ts_ports_union(&x->ports, ports, &merged))
		return; /* ENOMEM: redundancy findings may be missed, nothing else */
	ts_ports_free(&x->ports);
	x->ports = merged;
}

static void rule_name(const struct ts_rule_stmt *r, char *buf, size_t len)
{
	if (r->label[0])
		snprintf(buf, len, "rule \"%s\"", r->label);
	else
		snprintf(buf, len, "the rule");
}

/* The initiator and responder of a one-way statement. */
static void one_way(const struct ts_rule_stmt *r, int *from, int *to)
{
	*from = r->dir == TS_DIR_FORWARD ? r->left_comp : r->right_comp;
	*to = r->dir == TS_DIR_FORWARD ? r->right_comp : r->left_comp;
}

/* Does statement q let `from` open connections to `to` on a port of r? */
static bool allows_some(const struct ts_rule_stmt *q, int from, int to, const struct ts_rule_stmt *r)
{
	int f, t;

	if (q->left_comp < 0 || q->right_comp < 0 || !ts_ports_overlap(&q->ports, &r->ports))
		return false;
	if (q->dir == TS_DIR_BOTH)
		return (q->left_comp == from && q->right_comp == to) ||
		       (q->left_comp == to && q->right_comp == from);
	one_way(q, &f, &t);
	return f == from && t == to;
}

/* "rule "A" (file:1:1), rule "B" (file:2:1)": the earlier statements that
 * allow part of what statement i allows. */
static void covering_rules(const struct ts_policy *p, size_t i, char *buf, size_t len)
{
	const struct ts_rule_stmt *r = &p->rules[i];
	size_t off = 0;
	int from, to;

	buf[0] = '\0';
	if (r->dir == TS_DIR_BOTH) {
		from = r->left_comp;
		to = r->right_comp;
	} else {
		one_way(r, &from, &to);
	}
	for (size_t j = 0; j < i && off < len; j++) {
		const struct ts_rule_stmt *q = &p->rules[j];
		char name[64];

		if (!allows_some(q, from, to, r) && !(r->dir == TS_DIR_BOTH && allows_some(q, to, from, r)))
			continue;
		rule_name(q, name, sizeof(name));
		off += snprintf(buf + off, len - off, "%s%s (%s:%u:%u)", off ? ", " : "", name,
				q->loc.file, q->loc.line, q->loc.col);
	}
}

/* One statement says "both may open", another says "only X opens", for the
 * same pair and some common port: report it at the later one. */
static bool lint_conflict(const struct ts_policy *p, size_t i, struct ts_diags *d)
{
	const struct ts_rule_stmt *r = &p->rules[i];

	for (size_t j = 0; j < i; j++) {
		const struct ts_rule_stmt *q = &p->rules[j];
		const struct ts_rule_stmt *both, *single;
		char bname[64], sname[64];
		int from, to;

		if (q->left_comp < 0 || (r->dir == TS_DIR_BOTH) == (q->dir == TS_DIR_BOTH))
			continue;
		if (!((q->left_comp == r->left_comp && q->right_comp == r->right_comp) ||
		      (q->left_comp == r->right_comp && q->right_comp == r->left_comp)))
			continue;
		if (!ts_ports_overlap(&q->ports, &r->ports))
			continue;
		both = r->dir == TS_DIR_BOTH ? r : q;
		single = r->dir == TS_DIR_BOTH ? q : r;
		one_way(single, &from, &to);
		rule_name(both, bname, sizeof(bname));
		rule_name(single, sname, sizeof(sname));
		ts_diag_add(d, TS_SEV_WARNING, r->loc, "conflicting-direction",
			    "conflicting directions for %s and %s: %s (%s:%u:%u) lets only %s open "
			    "connections, %s (%s:%u:%u) lets either side open them; rules only add, "
			    "so %s may open connections to %s too",
			    p->comps[from].name, p->comps[to].name,
			    sname, single->loc.file, single->loc.line, single->loc.col,
			    p->comps[from].name,
			    bname, both->loc.file, both->loc.line, both->loc.col,
			    p->comps[to].name, p->comps[from].name);
		return true;
	}
	return false;
}

/* Is an earlier statement the same as r (same pair, direction, ports)? */
static const struct ts_rule_stmt *same_as_earlier(const struct ts_policy *p, size_t i)
{
	const struct ts_rule_stmt *r = &p->rules[i];

	for (size_t j = 0; j < i; j++) {
		const struct ts_rule_stmt *q = &p->rules[j];
		bool same_way = q->left_comp == r->left_comp && q->right_comp == r->right_comp &&
				q->dir == r->dir;
		bool mirrored = q->left_comp == r->right_comp && q->right_comp == r->left_comp &&
				(q->dir == TS_DIR_BOTH ? r->dir == TS_DIR_BOTH : q->dir != r->dir);

		if ((same_way || mirrored) && ts_ports_subset(&q->ports, &r->ports) &&
		    ts_ports_subset(&r->ports, &q->ports))
			return q;
	}
	return NULL;
}

static void lint_rules(struct ts_policy *p, struct ts_diags *d)
{
	struct edges e = { .v = calloc(2 * p->nrules + 1, sizeof(struct edge)) };
	bool *used = calloc(p->ncomps + 1, sizeof(bool));
	bool unused_unknown = p->broken_rule_unnamed;

	if (!e.v || !used)
		d->oom = true;

	/* A rule with an error still uses the components it names (or
	 * most likely meant): they are not reported unused because of it. */
	for (size_t i = 0; i < p->nrules; i++) {
		struct ts_rule_stmt *r = &p->rules[i];
		int meant[2];

		r->left_comp = resolve_ref(p, r->left, r->left_loc, d, &meant[0]);
		r->right_comp = resolve_ref(p, r->right, r->right_loc, d, &meant[1]);
		for (int s = 0; s < 2 && used; s++) {
			if (meant[s] >= 0)
				used[meant[s]] = true;
			else
				unused_unknown = true;   /* it may have meant any */
		}
	}
	for (size_t i = 0; i < p->nbroken_refs && used; i++) {
		int idx = find_comp(p, p->broken_refs[i]);

		if (idx >= 0)
			used[idx] = true;
		else
			unused_unknown = true;
	}
	for (size_t i = 0; i < p->nrules && e.v && used; i++) {
		struct ts_rule_stmt *r = &p->rules[i];
		const struct ts_rule_stmt *dup;
		bool conflict, redundant;
		int from, to;

		if (r->left_comp < 0 || r->right_comp < 0)
			continue;
		used[r->left_comp] = used[r->right_comp] = true;
		if (r->left_comp == r->right_comp)
			ts_diag_add(d, TS_SEV_WARNING, r->loc, "self-edge",
				    "rule connects '%s' to itself: its members may open connections "
				    "to each other", r->left);
		if (p->settings.set[TS_SET_SCOPE] && !ts_ports_subset(&r->ports, &p->settings.scope))
			ts_diag_add(d, TS_SEV_WARNING, r->ports_loc, "port-outside-scope",
				    "some of these ports are outside the scope (settings, line %u): "
				    "traffic to them is not governed by rules",
				    p->settings.loc[TS_SET_SCOPE].line);
		conflict = lint_conflict(p, i, d);
		if (r->dir == TS_DIR_BOTH) {
			redundant = edge_covers(&e, r->left_comp, r->right_comp, &r->ports) &&
				    edge_covers(&e, r->right_comp, r->left_comp, &r->ports);
			edge_add(&e, r->left_comp, r->right_comp, &r->ports);
			edge_add(&e, r->right_comp, r->left_comp, &r->ports);
		} else {
			one_way(r, &from, &to);
			redundant = edge_covers(&e, from, to, &r->ports);
			edge_add(&e, from, to, &r->ports);
		}
		dup = redundant ? same_as_earlier(p, i) : NULL;
		if (dup)
			ts_diag_add(d, TS_SEV_WARNING, r->loc, "duplicate-rule",
				    "duplicate of the rule at %s:%u:%u", dup->loc.file, dup->loc.line,
				    dup->loc.col);
		else if (redundant && !conflict) {
			char cover[512];

			covering_rules(p, i, cover, sizeof(cover));
			ts_diag_add(d, TS_SEV_WARNING, r->loc, "redundant-rule",
				    "redundant: %s already allow%s everything this rule allows", cover,
				    strchr(cover, ',') ? "" : "s");
		}
	}
	for (size_t i = 0; i < p->ncomps && used && !unused_unknown; i++)
		if (!used[i] && p->comps[i].nmembers && find_comp(p, p->comps[i].name) == (int)i)
			ts_diag_add(d, TS_SEV_WARNING, p->comps[i].loc, "unused-component",
				    "component '%s' is not used by any rule", p->comps[i].name);
	for (size_t i = 0; i < e.n; i++)
		ts_ports_free(&e.v[i].ports);
	free(e.v);
	free(used);
}

void ts_policy_lint(struct ts_policy *p, struct ts_diags *d)
{
	lint_components(p, d);
	for (size_t i = 0; i < p->ncomps; i++) {
		lint_members(&p->comps[i], d);
		lint_duplicate_names(&p->comps[i], d);
	}
	lint_rules(p, d);
	if (!p->nrules)
		ts_diag_add(d, TS_SEV_WARNING, (struct ts_loc){ p->nfiles ? p->files[0] : NULL, 0, 0 },
			    "no-rules", "the policy has no rules: every connection in scope is refused");
}
