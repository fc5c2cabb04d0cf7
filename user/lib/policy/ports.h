/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ports.h - port specs: "tcp/443,8443,9000-9100", "udp/123", "icmp/echo";
 * a rule or the scope may name several ("tcp/443 udp/443"). */
#ifndef TS_POLICY_PORTS_H
#define TS_POLICY_PORTS_H

#include "policy/policy.h"

/* Parses a port spec written at `loc`; findings point at the exact
 * character. Returns 0 (out sorted and merged), -EINVAL after reporting,
 * or -ENOMEM. */
int ts_ports_parse(const char *text, struct ts_loc loc, struct ts_ports *out, struct ts_diags *d);
/* Parses one spec into `all`, which must not name its protocol yet
 * ("tcp/443 tcp/80" is an error: one list per protocol). 0, -EINVAL
 * after reporting, or -ENOMEM; `all` is unchanged on error. */
int ts_ports_add_spec(struct ts_ports *all, const char *text, struct ts_loc loc, struct ts_diags *d);
/* Whether the word is a port spec (PROTO/...), to tell where a list of
 * specs ends. */
bool ts_ports_is_spec(const char *text);
/* p holds port index `ix` (ts_port_index) */
bool ts_ports_has(const struct ts_ports *p, uint32_t ix);
/* a's ports are all in b */
bool ts_ports_subset(const struct ts_ports *a, const struct ts_ports *b);
bool ts_ports_overlap(const struct ts_ports *a, const struct ts_ports *b);
/* out = a ∪ b (merged); 0 or -ENOMEM */
int ts_ports_union(const struct ts_ports *a, const struct ts_ports *b, struct ts_ports *out);
void ts_ports_free(struct ts_ports *p);

#endif /* TS_POLICY_PORTS_H */
