// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/ports.h"

static struct ts_loc at(struct ts_loc loc, size_t off)
{
	loc.col += (uint32_t)off;
	return loc;
}

static int cmp_range(const void *a, const void *b)
{
	const struct ts_port_range *x = a, *y = b;

	return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1) : (x->hi < y->hi ? -1 : x->hi > y->hi);
}

/* Sorts and merges overlapping or adjacent ranges in place. */
static void normalize(struct ts_ports *p)
{
	size_t out = 0;

	if (!p->n)
		return;
	qsort(p->v, p->n, sizeof(p->v[0]), cmp_range);
	for (size_t i = 1; i < p->n; i++) {
		if ((uint32_t)p->v[i].lo <= (uint32_t)p->v[out].hi + 1) {
			if (p->v[i].hi > p->v[out].hi)
				p->v[out].hi = p->v[i].hi;
		} else {
			p->v[++out] = p->v[i];
		}
	}
	p->n = out + 1;
}

/* Reads a decimal port at s+*i; reports and returns -EINVAL when invalid. */
static int read_port(const char *s, size_t *i, struct ts_loc loc, struct ts_diags *d, uint16_t *out)
{
	size_t start = *i;
	unsigned long v = 0;

	while (s[*i] >= '0' && s[*i] <= '9') {
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[*i] - '0');
		(*i)++;
	}
	if (*i == start) {
		if (s[*i])
			ts_diag_add(d, TS_SEV_ERROR, at(loc, start), "port",
				    "expected a port number, found '%c'", s[*i]);
		else
			ts_diag_add(d, TS_SEV_ERROR, at(loc, start), "port",
				    "expected a port number after '%c'", start ? s[start - 1] : '/');
		return -EINVAL;
	}
	if (v == 0 || v > 65535) {
		ts_diag_add(d, TS_SEV_ERROR, at(loc, start), "port",
			    "port %.*s is out of range (1..65535)", (int)(*i - start), s + start);
		return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

/* The protocols a spec may name, by plane (include/turnstile.h). */
static const char *const plane_names[TS_PLANES] = {
	[TS_PLANE_TCP] = "tcp", [TS_PLANE_UDP] = "udp", [TS_PLANE_ICMP] = "icmp",
};

static int plane_of(const char *text, size_t len)
{
	for (int k = 0; k < (int)TS_PLANES; k++)
		if (strlen(plane_names[k]) == len && !strncmp(text, plane_names[k], len))
			return k;
	return -1;
}

bool ts_ports_is_spec(const char *text)
{
	const char *slash = strchr(text, '/');

	return slash && plane_of(text, (size_t)(slash - text)) >= 0;
}

int ts_ports_parse(const char *text, struct ts_loc loc, struct ts_ports *out, struct ts_diags *d)
{
	const char *slash = strchr(text, '/');
	size_t i, cap = 1;
	int err = 0, plane;

	memset(out, 0, sizeof(*out));
	if (!slash) {
		ts_diag_add(d, TS_SEV_ERROR, loc, "port",
			    "expected ports as PROTO/PORTS, e.g. tcp/443, found '%s'", text);
		return -EINVAL;
	}
	plane = plane_of(text, (size_t)(slash - text));
	if (plane < 0) {
		ts_diag_add(d, TS_SEV_ERROR, loc, "port",
			    "unknown protocol '%.*s' (tcp, udp or icmp)", (int)(slash - text), text);
		return -EINVAL;
	}
	if (plane == TS_PLANE_ICMP) {
		if (strcmp(slash + 1, "echo")) {
			ts_diag_add(d, TS_SEV_ERROR, at(loc, (size_t)(slash - text) + 1), "port",
				    "icmp takes only 'echo' (icmp/echo: echo requests and their "
				    "replies, IPv4 and IPv6), found '%s'", slash + 1);
			return -EINVAL;
		}
		out->v = calloc(1, sizeof(out->v[0]));
		if (!out->v)
			return -ENOMEM;
		out->v[0].lo = out->v[0].hi = ts_port_index(TS_PLANE_ICMP, TS_ICMP_ECHO_PORT);
		out->n = 1;
		return 0;
	}
	for (const char *c = slash; *c; c++)
		cap += *c == ',';
	out->v = calloc(cap, sizeof(out->v[0]));
	if (!out->v)
		return -ENOMEM;
	i = (size_t)(slash - text) + 1;
	for (;;) {
		uint16_t lo, hi;
		size_t item = i;

		err = read_port(text, &i, loc, d, &lo);
		if (err)
			break;
		hi = lo;
		if (text[i] == '-') {
			i++;
			err = read_port(text, &i, loc, d, &hi);
			if (err)
				break;
			if (hi < lo) {
				ts_diag_add(d, TS_SEV_ERROR, at(loc, item), "port",
					    "empty port range %u-%u (the first port must not be "
					    "above the last)", lo, hi);
				err = -EINVAL;
				break;
			}
		}
		out->v[out->n].lo = ts_port_index((uint32_t)plane, lo);
		out->v[out->n++].hi = ts_port_index((uint32_t)plane, hi);
		if (text[i] == '\0')
			break;
		if (text[i] != ',') {
			ts_diag_add(d, TS_SEV_ERROR, at(loc, i), "port",
				    "unexpected '%c' in a port list (use ',' and '-')", text[i]);
			err = -EINVAL;
			break;
		}
		i++;
	}
	if (err) {
		ts_ports_free(out);
		return err;
	}
	normalize(out);
	return 0;
}

int ts_ports_add_spec(struct ts_ports *all, const char *text, struct ts_loc loc, struct ts_diags *d)
{
	struct ts_ports one, merged;
	int err = ts_ports_parse(text, loc, &one, d);
	uint32_t plane;

	if (err)
		return err;
	plane = one.v[0].lo / TS_PLANE_PORTS;
	for (size_t i = 0; i < all->n; i++) {
		if (all->v[i].lo / TS_PLANE_PORTS == plane) {
			ts_diag_add(d, TS_SEV_ERROR, loc, "port",
				    "%s named twice: one list per protocol (%s/443,8443)",
				    plane_names[plane], plane_names[plane]);
			ts_ports_free(&one);
			return -EINVAL;
		}
	}
	err = ts_ports_union(all, &one, &merged);
	ts_ports_free(&one);
	if (err)
		return err;
	ts_ports_free(all);
	*all = merged;
	return 0;
}

bool ts_ports_has(const struct ts_ports *p, uint32_t port)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (port < p->v[mid].lo)
			hi = mid;
		else if (port > p->v[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool ts_ports_subset(const struct ts_ports *a, const struct ts_ports *b)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && b->v[j].hi < a->v[i].lo)
			j++;
		/* b is merged, so one range of b must hold all of a's range */
		if (j == b->n || b->v[j].lo > a->v[i].lo || b->v[j].hi < a->v[i].hi)
			return false;
	}
	return true;
}

bool ts_ports_overlap(const struct ts_ports *a, const struct ts_ports *b)
{
	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		if (a->v[i].hi < b->v[j].lo)
			i++;
		else if (b->v[j].hi < a->v[i].lo)
			j++;
		else
			return true;
	}
	return false;
}

int ts_ports_union(const struct ts_ports *a, const struct ts_ports *b, struct ts_ports *out)
{
	size_t n = a->n + b->n;

	out->n = 0;
	out->v = malloc((n ? n : 1) * sizeof(out->v[0]));
	if (!out->v)
		return -ENOMEM;
	if (a->n)
		memcpy(out->v, a->v, a->n * sizeof(a->v[0]));
	if (b->n)
		memcpy(out->v + a->n, b->v, b->n * sizeof(b->v[0]));
	out->n = n;
	normalize(out);
	return 0;
}

void ts_ports_free(struct ts_ports *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

void ts_ports_format(const struct ts_ports *p, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t plane = TS_PLANES;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < p->n && off < len; i++) {
		uint32_t lo = p->v[i].lo % TS_PLANE_PORTS, hi = p->v[i].hi % TS_PLANE_PORTS;
		const char *sep = ",";

		/* a range never spans planes: plane bounds are never adjacent */
		if (p->v[i].lo / TS_PLANE_PORTS != plane) {
			plane = p->v[i].lo / TS_PLANE_PORTS;
			off += (size_t)snprintf(buf + off, len - off, "%s%s/", off ? " " : "",
						plane_names[plane]);
			sep = "";
		}
		if (off >= len)
			break;
		if (plane == TS_PLANE_ICMP)
			off += (size_t)snprintf(buf + off, len - off, "%secho", sep);
		else if (lo == hi)
			off += (size_t)snprintf(buf + off, len - off, "%s%u", sep, lo);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%u-%u", sep, lo, hi);
	}
}

/* The in-scope ranges of c's classes into p->v (NULL: only counted). */
static size_t scope_ranges(const struct ts_compiled *c, struct ts_port_range *v)
{
	size_t n = 0;

	for (uint32_t i = 1; i < TS_PORTS_PER_SLOT; i++) {
		uint32_t j = i;

		if (!c->port_class[i])
			continue;
		/* a range stays in its plane */
		while ((j + 1) % TS_PLANE_PORTS && c->port_class[j + 1])
			j++;
		if (v)
			v[n] = (struct ts_port_range){ i, j };
		n++;
		i = j;
	}
	return n;
}

void ts_scope_format(const struct ts_compiled *c, char *buf, size_t len)
{
	struct ts_ports p = { .n = scope_ranges(c, NULL) };

	if (len)
		buf[0] = '\0';
	p.v = calloc(p.n ? p.n : 1, sizeof(p.v[0]));
	if (!p.v) {
		snprintf(buf, len, "(out of memory)");
		return;
	}
	scope_ranges(c, p.v);
	ts_ports_format(&p, buf, len);
	free(p.v);
}
