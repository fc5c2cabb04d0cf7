/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ports.h - port specs: "tcp/443,8443,9000-9100". */
#ifndef TS_POLICY_PORTS_H
#define TS_POLICY_PORTS_H

#include "policy/policy.h"

/* Parses a port spec written at `loc`; findings point at the exact
 * character. Returns 0 (out sorted and merged), -EINVAL after reporting,
 * or -ENOMEM. */
int ts_ports_parse(const char *text, struct ts_loc loc, struct ts_ports *out, struct ts_diags *d);
bool ts_ports_has(const struct ts_ports *p, uint16_t port);
/* a's ports are all in b */
bool ts_ports_subset(const struct ts_ports *a, const struct ts_ports *b);
bool ts_ports_overlap(const struct ts_ports *a, const struct ts_ports *b);
/* out = a ∪ b (merged); 0 or -ENOMEM */
int ts_ports_union(const struct ts_ports *a, const struct ts_ports *b, struct ts_ports *out);
void ts_ports_free(struct ts_ports *p);

#endif /* TS_POLICY_PORTS_H */
