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

int ts_ports_parse(const char *text, struct ts_loc loc, struct ts_ports *out, struct ts_diags *d)
{
	const char *slash = strchr(text, '/');
	size_t i, cap = 1;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!slash) {
		ts_diag_add(d, TS_SEV_ERROR, loc, "port",
			    "expected ports as PROTO/PORTS, e.g. tcp/443, found '%s'", text);
		return -EINVAL;
	}
	if (slash - text != 3 || strncmp(text, "tcp", 3)) {
		ts_diag_add(d, TS_SEV_ERROR, loc, "port",
			    "only tcp is supported, found '%.*s'", (int)(slash - text), text);
		return -EINVAL;
	}
	for (const char *c = slash; *c; c++)
		cap += *c == ',';
	out->v = calloc(cap, sizeof(out->v[0]));
	if (!out->v)
		return -ENOMEM;
	i = (size_t)(slash - text) + 1;
	for (;;) {
		struct ts_port_range r;
		size_t item = i;

		err = read_port(text, &i, loc, d, &r.lo);
		if (err)
			break;
		r.hi = r.lo;
		if (text[i] == '-') {
			i++;
			err = read_port(text, &i, loc, d, &r.hi);
			if (err)
				break;
			if (r.hi < r.lo) {
				ts_diag_add(d, TS_SEV_ERROR, at(loc, item), "port",
					    "empty port range %u-%u (the first port must not be "
					    "above the last)", r.lo, r.hi);
				err = -EINVAL;
				break;
			}
		}
		out->v[out->n++] = r;
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

bool ts_ports_has(const struct ts_ports *p, uint16_t port)
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

	off += (size_t)snprintf(buf, len, "tcp/");
	for (size_t i = 0; i < p->n && off < len; i++) {
		const char *sep = i ? "," : "";

		if (p->v[i].lo == p->v[i].hi)
			off += (size_t)snprintf(buf + off, len - off, "%s%u", sep, p->v[i].lo);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%u-%u", sep, p->v[i].lo,
						p->v[i].hi);
	}
}
