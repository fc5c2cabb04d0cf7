// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* event_text.c - a ts_event in words (see event_text.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "loader/event_text.h"
#include "loader/lookup.h"

static void addr(uint8_t family, const uint8_t a[16], char *buf, size_t len)
{
	if (!inet_ntop(family == TS_FAMILY_V6 ? AF_INET6 : AF_INET, a, buf, len))
		snprintf(buf, len, "?");
}

/* "ADDR:PORT", with brackets around an IPv6 address. */
static void endpoint(uint8_t family, const char *a, uint16_t port, char *buf, size_t len)
{
	snprintf(buf, len, family == TS_FAMILY_V6 ? "[%s]:%u" : "%s:%u", a, port);
}

static void wall_str(uint64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ns / 1000000ull % 1000));
}

void ts_event_text(const struct ts_dp *dp, const struct ts_event *ev, struct ts_event_text *out)
{
	struct ts_rule_meta meta = { 0 };
	const char *reason = ts_reason_name(ev->reason);

	memset(out, 0, sizeof(*out));
	out->verdict = ev->verdict == TS_VERDICT_DROP ? "drop" : ev->verdict == TS_VERDICT_AUDIT ? "audit" : "pass";
	out->reason = reason ? reason : "?";
	out->proto = ts_proto_name(ev->proto);
	out->hook = ev->hook == TS_HOOK_TC_EGRESS ? "tc-egress" : "xdp";
	if (!if_indextoname(ev->ifindex, out->iface))
		snprintf(out->iface, sizeof(out->iface), "?");
	addr(ev->family, ev->saddr, out->src, sizeof(out->src));
	addr(ev->family, ev->daddr, out->dst, sizeof(out->dst));
	out->sport = ntohs(ev->sport);
	out->dport = ntohs(ev->dport);
	endpoint(ev->family, out->src, out->sport, out->src_ep, sizeof(out->src_ep));
	endpoint(ev->family, out->dst, out->dport, out->dst_ep, sizeof(out->dst_ep));
	wall_str(ts_dp_event_wall_ns(ev), out->when, sizeof(out->when));
	if (ev->rule_id && !ts_lookup_rule_meta(dp, ev->rule_id, &meta))
		memcpy(out->rule_label, meta.label, sizeof(out->rule_label) - 1);
}
