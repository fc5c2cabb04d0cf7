/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ref.h - a plain-C reference evaluator of turnstile's per-packet
 * semantics (docs/dataplane.md), written apart from bpf/: it reads the
 * frame by byte offsets, looks the compiled policy up by scanning the
 * compiler's arrays, and keeps its own flow tables. The differential test
 * runs it beside the BPF program and compares every verdict and counter.
 * It does not model time (no expiry) nor table capacity.
 */
#ifndef TS_TEST_REF_H
#define TS_TEST_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/compiled.h"
#include "policy/registry.h"

struct ref_flow {
	uint8_t key[40];         /* struct ts_flow_key layout */
	uint32_t rule_id;        /* compiler's rule id */
	uint32_t isn;            /* the opening SYN's sequence number, 0 = not seen */
	uint8_t state, flags;    /* enum ts_tcp_state, ts_flow_flags */
	bool used;
};

struct ref_table {
	struct ref_flow *v;
	size_t cap, n;
};

struct ref_host {
	uint8_t family, addr[16];
	uint32_t set_id;
};

struct ref {
	const struct ts_compiled *c;      /* reg->policy */
	const struct ts_registry *reg;    /* its runtime hosts and rule entries */
	uint32_t flags;          /* enum ts_config_flags in effect */
	struct ref_host *extra;  /* resolved names, as given to ts_dp_host_upsert */
	size_t nextra;
	struct ref_table flows, halfopen;
	uint64_t reason_pkts[TS_R_MAX], reason_bytes[TS_R_MAX];
	uint64_t *rule_pkts, *rule_bytes, *rule_opened;   /* by compiler rule id */
};

int ref_init(struct ref *r, const struct ts_registry *reg, size_t table_cap);
void ref_free(struct ref *r);
int ref_add_host(struct ref *r, uint8_t family, const uint8_t addr[16], uint32_t set_id);

/* Judge one frame; returns the reason counted and sets *drop. */
uint32_t ref_packet(struct ref *r, const uint8_t *b, size_t len, bool *drop);

#endif /* TS_TEST_REF_H */
