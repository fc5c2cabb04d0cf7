// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* event_text.c - a ts_event in words (see event_text.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "loader/event_text.h"
#include "loader/lookup.h"

static void addr(uint8_t family, const uint8_t a[16], char *buf, size_t len)
{
	if (!inet_ntop(family == TS_FAMILY_V6 ? AF_INET6 : AF_INET, a, buf, len))
		snprintf(buf, len, "?");
}

void ts_event_text(const struct ts_dp *dp, const struct ts_event *ev, struct ts_event_text *out)
{
	struct ts_rule_meta meta = { 0 };
	const char *reason = ts_reason_name(ev->reason);

	memset(out, 0, sizeof(*out));
	out->verdict = ev->verdict == TS_VERDICT_DROP ? "drop" : ev->verdict == TS_VERDICT_AUDIT ? "audit" : "pass";
	out->reason = reason ? reason : "?";
	out->hook = ev->hook == TS_HOOK_TC_EGRESS ? "tc-egress" : "xdp";
	if (!if_indextoname(ev->ifindex, out->iface))
		snprintf(out->iface, sizeof(out->iface), "?");
	addr(ev->family, ev->saddr, out->src, sizeof(out->src));
	addr(ev->family, ev->daddr, out->dst, sizeof(out->dst));
	out->sport = ntohs(ev->sport);
	out->dport = ntohs(ev->dport);
	if (ev->rule_id && !ts_lookup_rule_meta(dp, ev->rule_id, &meta))
		memcpy(out->rule_label, meta.label, sizeof(out->rule_label) - 1);
}
