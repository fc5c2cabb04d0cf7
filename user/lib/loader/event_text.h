/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_text.h - a dataplane event (ts_event) as the words people read:
 * verdict, reason, hook, interface, addresses, ports, rule label. One
 * source for `turnstile monitor` and the daemon's journal (event_log.h).
 */
#ifndef TS_EVENT_TEXT_H
#define TS_EVENT_TEXT_H

#include <net/if.h>
#include <stdint.h>

#include "dp/dp.h"
#include "turnstile.h"

struct ts_event_text {
	const char *verdict;          /* "drop", "audit", "pass" */
	const char *reason;           /* ts_reason_name(), "?" if unknown */
	const char *hook;             /* "xdp", "tc-egress" */
	const char *proto;            /* ts_proto_name(): of the quoted packet for an ICMP error */
	char iface[IF_NAMESIZE];      /* "?" when the index has no name */
	char src[64], dst[64];
	uint16_t sport, dport;        /* host order */
	char src_ep[72], dst_ep[72];  /* "192.0.2.1:443", "[2001:db8::1]:443" */
	char when[64];                /* wall clock, UTC: "2026-12-02T18:06:34.123Z" */
	char rule_label[TS_LABEL_LEN]; /* "" when the event names no rule */
};

void ts_event_text(const struct ts_dp *dp, const struct ts_event *ev, struct ts_event_text *out);

#endif /* TS_EVENT_TEXT_H */
