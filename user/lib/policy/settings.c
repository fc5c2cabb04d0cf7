// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/net.h"
#include "policy/ports.h"
#include "policy/settings.h"
#include "policy/settings_table.h"

/* Defaults: the settings table's. */
void ts_policy_default_settings(struct ts_policy_settings *s)
{
	memset(s, 0, sizeof(*s));
	for (int k = 0; k < TS_SET_MAX; k++) {
		const struct ts_setting_def *d = ts_setting_def(k);

		if (d->type == TS_SETTING_DURATION || d->type == TS_SETTING_COUNT)
			*(uint32_t *)((char *)&s->v + d->field) = d->def;
	}
}

const char *ts_setting_name(enum ts_setting k)
{
	return k < TS_SET_MAX ? ts_setting_def(k)->name : "?";
}

/* Finds the setting a key (and for two-word keys, its first value) names. */
static int lookup(const struct ts_token *key, const struct ts_token *vals, size_t nvals,
		  enum ts_setting *out, size_t *consumed)
{
	for (int k = 0; k < TS_SET_MAX; k++) {
		const char *name = ts_setting_def(k)->name, *sp = strchr(name, ' ');

		if (!sp && !strcmp(key->text, name)) {
			*out = k;
			*consumed = 0;
			return 0;
		}
		if (sp && (size_t)(sp - name) == key->len && !strncmp(key->text, name, key->len) &&
		    nvals && !strcmp(vals[0].text, sp + 1)) {
			*out = k;
			*consumed = 1;
			return 0;
		}
	}
	return -ENOENT;
}

static int parse_onoff(const struct ts_token *v, const char *on, const char *off, bool *out,
		       struct ts_diags *d)
{
	if (!strcmp(v->text, on)) {
		*out = true;
		return 0;
	}
	if (!strcmp(v->text, off)) {
		*out = false;
		return 0;
	}
	ts_diag_add(d, TS_SEV_ERROR, v->loc, "setting-value", "expected '%s' or '%s', found '%s'",
		    on, off, v->text);
	return -EINVAL;
}

/* Durations: one or more NUMBER UNIT groups, units s, m, h, d ("1h30m"). */
static int parse_duration(const struct ts_token *v, uint32_t *out, struct ts_diags *d)
{
	uint64_t total = 0;
	const char *s = v->text;
	size_t i = 0;

	do {
		uint64_t n = 0, unit;
		size_t start = i;

		while (s[i] >= '0' && s[i] <= '9') {
			n = n * 10 + (uint64_t)(s[i] - '0');
			if (n > UINT32_MAX)
				goto too_big;
			i++;
		}
		if (i == start) {
			ts_diag_add(d, TS_SEV_ERROR, (struct ts_loc){ v->loc.file, v->loc.line,
				    v->loc.col + (uint32_t)i }, "setting-value",
				    "expected a duration like 30s, 15m, 1h or 1d");
			return -EINVAL;
		}
		switch (s[i]) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default:
			ts_diag_add(d, TS_SEV_ERROR, (struct ts_loc){ v->loc.file, v->loc.line,
				    v->loc.col + (uint32_t)i }, "setting-value",
				    "a duration needs a unit: s, m, h or d");
			return -EINVAL;
		}
		i++;
		total += n * unit;
		if (total > UINT32_MAX)
			goto too_big;
	} while (s[i]);
	*out = (uint32_t)total;
	return 0;
too_big:
	ts_diag_add(d, TS_SEV_ERROR, v->loc, "setting-value", "duration '%s' is too long", s);
	return -EINVAL;
}

static int parse_count(const struct ts_token *v, uint32_t min, uint32_t max, uint32_t *out,
		       struct ts_diags *d)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; v->text[i] >= '0' && v->text[i] <= '9' && n <= max; i++)
		n = n * 10 + (uint64_t)(v->text[i] - '0');
	if (i == 0 || v->text[i] || n < min || n > max) {
		ts_diag_add(d, TS_SEV_ERROR, v->loc, "setting-value",
			    "expected a whole number from %u to %u, found '%s'", min, max, v->text);
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

static void set_flag(uint32_t *flags, uint32_t flag, bool on)
{
	*flags = on ? (*flags | flag) : (*flags & ~flag);
}

static int set_resolvers(struct ts_policy_settings *s, const struct ts_token *vals, size_t n,
			 struct ts_diags *d)
{
	struct ts_net *v = calloc(n, sizeof(*v));
	size_t ok = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *why;

		if (ts_net_parse(vals[i].text, &v[ok], &why)) {
			ts_diag_add(d, TS_SEV_ERROR, vals[i].loc, "setting-value",
				    "resolver '%s': %s", vals[i].text, why);
		} else if (!ts_net_is_host(&v[ok])) {
			ts_diag_add(d, TS_SEV_ERROR, vals[i].loc, "setting-value",
				    "resolver '%s' must be one address, not a prefix", vals[i].text);
		} else {
			ok++;
		}
	}
	free(s->v.resolvers);
	s->v.resolvers = v;
	s->v.nresolvers = ok;
	return 0;
}

int ts_settings_entry(struct ts_policy_settings *s, const struct ts_token *key,
		      const struct ts_token *vals, size_t nvals, struct ts_diags *d)
{
	const struct ts_setting_def *def;
	enum ts_setting k;
	size_t used;
	bool on;

	if (lookup(key, vals, nvals, &k, &used)) {
		if (!strcmp(key->text, "timeout") || !strcmp(key->text, "table"))
			ts_diag_add(d, TS_SEV_ERROR, nvals ? vals[0].loc : key->loc, "unknown-setting",
				    "unknown %s '%s' (%s)", key->text, nvals ? vals[0].text : "",
				    !strcmp(key->text, "timeout") ? "syn, established or closing" :
				    "flows, half-open, hosts, prefixes or rules");
		else
			ts_diag_add(d, TS_SEV_ERROR, key->loc, "unknown-setting",
				    "unknown setting '%s'", key->text);
		return 0;
	}
	def = ts_setting_def(k);
	vals += used;
	nvals -= used;
	if (s->set[k])
		ts_diag_add(d, TS_SEV_WARNING, key->loc, "setting-repeated",
			    "'%s' was already set at line %u; this value replaces it",
			    def->name, s->loc[k].line);
	s->set[k] = true;
	s->loc[k] = key->loc;
	if (nvals == 0) {
		ts_diag_add(d, TS_SEV_ERROR, key->loc, "setting-value", "'%s' needs a value",
			    def->name);
		return 0;
	}
	if (def->type == TS_SETTING_ADDRESSES)
		return set_resolvers(s, vals, nvals, d);
	if (nvals > 1 && def->type != TS_SETTING_PORTS) {
		ts_diag_add(d, TS_SEV_ERROR, vals[1].loc, "setting-value",
			    "'%s' takes one value", def->name);
		return 0;
	}
	switch (def->type) {
	case TS_SETTING_PORTS: {
		struct ts_ports all = { 0 };
		int err = 0;

		/* "tcp/443, 8443 udp/443": a list may go on after a comma and a
		 * space; a spec per protocol */
		for (size_t i = 0; i < nvals && !err;) {
			char spec[TS_TOK_TEXT_MAX + 1];
			size_t len = 0, first = i;

			do {
				if (len + vals[i].len > TS_TOK_TEXT_MAX) {
					ts_diag_add(d, TS_SEV_ERROR, vals[i].loc, "setting-value",
						    "port list too long");
					err = -EINVAL;
					break;
				}
				memcpy(spec + len, vals[i].text, vals[i].len + 1);
				len += vals[i].len;
				i++;
			} while (i < nvals && spec[len - 1] == ',');
			if (err)
				break;
			err = ts_ports_add_spec(&all, spec, vals[first].loc, d);
		}
		if (err) {
			ts_ports_free(&all);
			return err == -ENOMEM ? err : 0;
		}
		ts_ports_free(&s->scope);
		s->scope = all;
		return 0;
	}
	case TS_SETTING_CHOICE:
		if (!parse_onoff(&vals[0], def->choice[0], def->choice[1], &on, d))
			set_flag((uint32_t *)((char *)&s->v + def->field), def->flag, on);
		return 0;
	case TS_SETTING_ADDRESSES:
		return 0;   /* above: any number of values */
	case TS_SETTING_DURATION:
	case TS_SETTING_COUNT: {
		uint32_t v, *field = (uint32_t *)((char *)&s->v + def->field);

		if (def->type == TS_SETTING_COUNT) {
			parse_count(&vals[0], def->min, def->max, field, d);
			return 0;
		}
		if (parse_duration(&vals[0], &v, d))
			return 0;
		if (v < def->min)
			ts_diag_add(d, TS_SEV_ERROR, vals[0].loc, "setting-value",
				    "'%s' must be longer than 0s", def->name);
		else
			*field = v;
		return 0;
	}
	}
	return 0;
}

void ts_settings_check(const struct ts_policy_settings *s, struct ts_diags *d)
{
	if (s->v.ttl_floor_s > s->v.ttl_ceiling_s)
		ts_diag_add(d, TS_SEV_ERROR,
			    s->set[TS_SET_TTL_FLOOR] ? s->loc[TS_SET_TTL_FLOOR] : s->loc[TS_SET_TTL_CEILING],
			    "setting-value", "ttl-floor (%us) is above ttl-ceiling (%us)",
			    s->v.ttl_floor_s, s->v.ttl_ceiling_s);
}

void ts_settings_free(struct ts_policy_settings *s)
{
	free(s->v.resolvers);
	s->v.resolvers = NULL;
	s->v.nresolvers = 0;
	ts_ports_free(&s->scope);
}
