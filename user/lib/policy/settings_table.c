// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* settings_table.c - every policy setting, once (see settings_table.h). */
#include <arpa/inet.h>
#include <stddef.h>

#include "policy/settings_table.h"

#define FIELD(f) offsetof(struct ts_compiled_settings, f)
#define DURATION(f, d, lo) .type = TS_SETTING_DURATION, .field = FIELD(f), .def = (d), .min = (lo), \
	.max = UINT32_MAX
#define COUNT(f, d, lo, hi) .type = TS_SETTING_COUNT, .field = FIELD(f), .def = (d), .min = (lo), \
	.max = (hi)
#define CHOICE(on, off, fl, f) .type = TS_SETTING_CHOICE, .choice = { on, off }, .flag = (fl), \
	.field = FIELD(f)

/* Largest table a map is sized for (entries). */
#define TS_TABLE_MAX (1u << 26)

static const struct ts_setting_def table[TS_SET_MAX] = {
	[TS_SET_SCOPE] = { "scope", .type = TS_SETTING_PORTS, .values_doc = "ports, e.g. `tcp/443,8443 udp/443 icmp/echo`",
		.default_doc = "ports named by rules", .doc = "TCP and UDP ports (and ICMP echo) governed by the allowlist" },
	[TS_SET_OUTSIDE_SCOPE] = { "outside-scope", CHOICE("drop", "pass", TS_CFG_SCOPE_DROP, flags),
		.doc = "traffic outside the scope" },
	[TS_SET_AUDIT] = { "audit", CHOICE("on", "off", TS_CFG_AUDIT, flags),
		.doc = "would-drops are counted, reported and passed (rollout)" },
	[TS_SET_LOOSE_PICKUP] = { "loose-pickup", CHOICE("on", "off", TS_CFG_LOOSE_PICKUP, flags),
		.doc = "accept mid-connection packets a rule allows, the side it lets open them as initiator (failover: docs/ha.md)" },
	[TS_SET_RESOLVERS] = { "resolvers", .type = TS_SETTING_ADDRESSES, .values_doc = "addresses",
		.default_doc = "none: `/etc/resolv.conf` (or `--resolver`)", .doc = "trusted DNS servers" },
	[TS_SET_TTL_FLOOR] = { "ttl-floor", DURATION(ttl_floor_s, 30, 0),
		.doc = "shortest TTL honoured" },
	[TS_SET_TTL_CEILING] = { "ttl-ceiling", DURATION(ttl_ceiling_s, 3600, 1),
		.doc = "longest TTL honoured (must be ≥ floor)" },
	[TS_SET_GRACE] = { "grace", DURATION(grace_s, 15 * 60, 0),
		.doc = "an address stays this long after DNS stops returning it" },
	[TS_SET_MAX_ADDRS] = { "max-addresses-per-name", COUNT(max_addrs_per_name, 64, 1, 65536),
		.doc = "addresses kept per name" },
	[TS_SET_TIMEOUT_SYN] = { "timeout syn", DURATION(timeout_syn_s, 30, 1),
		.doc = "half-open connection lifetime" },
	[TS_SET_TIMEOUT_ESTABLISHED] = { "timeout established", DURATION(timeout_established_s, 6 * 3600, 1),
		.doc = "idle lifetime of an established connection" },
	[TS_SET_TIMEOUT_CLOSING] = { "timeout closing", DURATION(timeout_closing_s, 10, 1),
		.doc = "after FIN both ways or RST" },
	[TS_SET_TIMEOUT_UNREPLIED] = { "timeout unreplied", DURATION(timeout_unreplied_s, 30, 1),
		.doc = "idle lifetime of a UDP or ICMP echo flow its responder has not answered" },
	[TS_SET_TIMEOUT_REPLIED] = { "timeout replied", DURATION(timeout_replied_s, 120, 1),
		.doc = "idle lifetime of a UDP or ICMP echo flow once answered" },
	[TS_SET_EVENTS_PER_SEC] = { "events-per-second", COUNT(events_per_sec, 100, 0, 1000000),
		.doc = "drop/audit events per CPU per second (0: no events)" },
	[TS_SET_TABLE_FLOWS] = { "table flows", COUNT(cap_flows, TS_DEFAULT_FLOWS, 1, TS_TABLE_MAX),
		.sized_from = "the host's memory",
		.doc = "established/closing connections" },
	[TS_SET_TABLE_HALFOPEN] = { "table half-open", COUNT(cap_halfopen, TS_DEFAULT_HALFOPEN, 1, TS_TABLE_MAX),
		.sized_from = "the host's memory",
		.doc = "connections in the handshake" },
	[TS_SET_TABLE_HOSTS] = { "table hosts", COUNT(cap_hosts, TS_DEFAULT_HOSTS, 1, TS_TABLE_MAX),
		.sized_from = "the policy",
		.doc = "exact addresses (literal and resolved)" },
	[TS_SET_TABLE_PREFIXES] = { "table prefixes", COUNT(cap_prefixes, TS_DEFAULT_PREFIXES, 1, TS_TABLE_MAX),
		.sized_from = "the policy",
		.doc = "CIDRs" },
	[TS_SET_TABLE_RULES] = { "table rules", COUNT(cap_rules, TS_DEFAULT_RULES, 1, TS_TABLE_MAX),
		.sized_from = "the policy",
		.doc = "(source set, destination set, port class) entries" },
	[TS_SET_ON_REVOKE] = { "on-revoke", CHOICE("cut", "keep", TS_REVOKE_CUT, revoke),
		.doc = "a reload keeps the flows the new policy no longer allows until they end, or cuts them" },
};

const struct ts_setting_def *ts_setting_def(enum ts_setting k)
{
	return k < TS_SET_MAX ? &table[k] : NULL;
}

/* 90 -> "90s", 900 -> "15m", 5400 -> "1h30m": the shortest exact spelling. */
static void duration_str(uint32_t s, char *buf, size_t len)
{
	static const struct { uint32_t secs; char unit; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	size_t off = 0;

	if (!s) {
		snprintf(buf, len, "0s");
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && off < len; i++) {
		if (s < units[i].secs)
			continue;
		off += snprintf(buf + off, len - off, "%u%c", s / units[i].secs, units[i].unit);
		s %= units[i].secs;
	}
}

void ts_setting_value_str(const struct ts_compiled *c, enum ts_setting k, char *buf, size_t len)
{
	const struct ts_setting_def *d = ts_setting_def(k);
	size_t off = 0;

	buf[0] = '\0';
	switch (d->type) {
	case TS_SETTING_PORTS:
		ts_scope_format(c, buf, len);
		return;
	case TS_SETTING_CHOICE:
		snprintf(buf, len, "%s",
			 d->choice[(*(const uint32_t *)((const char *)&c->settings + d->field) & d->flag) ? 0 : 1]);
		return;
	case TS_SETTING_ADDRESSES:
		for (size_t i = 0; i < c->settings.nresolvers && off < len; i++) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(c->settings.resolvers[i].family == TS_FAMILY_V6 ? AF_INET6 : AF_INET,
				  c->settings.resolvers[i].addr, a, sizeof(a));
			off += snprintf(buf + off, len - off, "%s%s", off ? " " : "", a);
		}
		return;
	case TS_SETTING_DURATION:
		duration_str(*(const uint32_t *)((const char *)&c->settings + d->field), buf, len);
		return;
	case TS_SETTING_COUNT:
		snprintf(buf, len, "%u", *(const uint32_t *)((const char *)&c->settings + d->field));
		return;
	}
}

/* The "values" and "default" columns of a setting. */
static void columns(const struct ts_setting_def *d, char *values, char *def, size_t len)
{
	switch (d->type) {
	case TS_SETTING_PORTS:
	case TS_SETTING_ADDRESSES:
		snprintf(values, len, "%s", d->values_doc);
		snprintf(def, len, "%s", d->default_doc);
		return;
	case TS_SETTING_CHOICE:
		snprintf(values, len, "`%s` \\| `%s`", d->choice[1], d->choice[0]);
		snprintf(def, len, "`%s`", d->choice[1]);
		return;
	case TS_SETTING_DURATION: {
		char t[32];

		snprintf(values, len, d->min ? "duration > 0" : "duration");
		duration_str(d->def, t, sizeof(t));
		snprintf(def, len, "`%s`", t);
		return;
	}
	case TS_SETTING_COUNT:
		snprintf(values, len, "%u..%u", d->min, d->max);
		if (d->sized_from)
			snprintf(def, len, "from %s, at most `%u`", d->sized_from, d->def);
		else
			snprintf(def, len, "`%u`", d->def);
		return;
	}
}

void ts_settings_doc_table(FILE *out)
{
	fprintf(out, "| setting | values | default | meaning |\n|---|---|---|---|\n");
	for (int k = 0; k < TS_SET_MAX; k++) {
		char values[128], def[128];

		columns(&table[k], values, def, sizeof(values));
		fprintf(out, "| `%s` | %s | %s | %s |\n", table[k].name, values, def, table[k].doc);
	}
}

/* Markdown to plain text: no code quotes, no escapes. */
static void plain(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (*s != '`' && *s != '\\')
			*w++ = *s;
	*w = '\0';
}

void ts_settings_help(FILE *out)
{
	for (int k = 0; k < TS_SET_MAX; k++) {
		char values[128], def[128];

		columns(&table[k], values, def, sizeof(values));
		plain(values);
		plain(def);
		fprintf(out, "  %-24s %s; default %s: %s\n", table[k].name, values, def, table[k].doc);
	}
}
