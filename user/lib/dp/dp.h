/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dp.h - the dataplane as a library: the turnstile_bpf skeleton opened and
 * loaded (optionally reusing maps pinned in a bpffs dir), and everything
 * about map contents: installing a compiled policy into a slot with one
 * switching write, incremental host/rule updates for the name resolver,
 * counters, flows, garbage collection, events and fill levels.
 *
 * Attaching programs, pinning links, locks and the daemon are the loader's
 * (user/lib/loader/); it gets the program and map fds from here.
 * Every function returns 0 (or a count) or -errno and logs why it failed.
 */
#ifndef TS_DP_H
#define TS_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnstile.h"
#include "policy/compiled.h"
#include "policy/registry.h"

struct ts_dp;
struct bpf_object;

/* Kernel memory of the maps, in bytes, from their shapes (entries x
 * value size, per CPU for the per-CPU maps; docs/dataplane.md). */
struct ts_dp_mem {
	uint64_t table[TS_TBL_COUNT];  /* a table's buckets and its tags words in ts_tags */
	uint64_t other;                /* every other map (counters, rule text, ports, ring) */
	uint64_t total;
};

struct ts_dp_open_opts {
	/* bpffs dir to pin maps in and reuse maps from (e.g. TS_PIN_DIR);
	 * NULL = private, unpinned maps (tests, bench, `check`). A pinned
	 * map that exists is reused with its own capacity. */
	const char *pin_dir;
	/* capacities for maps created now; 0 = TS_DEFAULT_* */
	uint32_t cap_flows, cap_halfopen, cap_hosts, cap_prefixes, cap_rules;
	/* Asked before anything is loaded with the memory of the maps this
	 * open will create (adopted ones take nothing more); a nonzero
	 * return is ts_dp_open's, with nothing created. NULL: no check. */
	int (*admit)(const struct ts_dp_mem *planned, void *ctx);
	void *admit_ctx;
};

int ts_dp_open(struct ts_dp **out, const struct ts_dp_open_opts *opts);
/*
 * For readers (status, stats, flows, monitor, explain): only the maps
 * pinned under pin_dir, opened with bpf_obj_get. Loads no program and
 * writes nothing (no schema stamp, no counter labels), so it cannot
 * disturb the running dataplane. -ENOENT when a map is not pinned, -EPROTO
 * when the pinned maps speak another schema. The program fds and the
 * object of such a ts_dp are -EINVAL/NULL.
 */
int ts_dp_open_pinned(struct ts_dp **out, const char *pin_dir);
/* The same with the tables mapped writable, for one who removes flows
 * (`flows --kill`): it still loads no program. */
int ts_dp_open_pinned_rw(struct ts_dp **out, const char *pin_dir);
void ts_dp_close(struct ts_dp *dp);

/* True when ts_dp_open() reused pinned maps (state was adopted). */
bool ts_dp_adopted(const struct ts_dp *dp);

int ts_dp_xdp_prog_fd(const struct ts_dp *dp);
int ts_dp_tc_prog_fd(const struct ts_dp *dp);
struct bpf_object *ts_dp_object(const struct ts_dp *dp);

enum ts_dp_map {
	TS_MAP_CONFIG,
	TS_MAP_SLOT_CFG,
	TS_MAP_PORTS,
	TS_MAP_HOSTS,
	TS_MAP_PREFIXES,
	TS_MAP_RULES,
	TS_MAP_FLOWS,
	TS_MAP_HALFOPEN,
	TS_MAP_RULE_STATS,
	TS_MAP_REASON_STATS,
	TS_MAP_RULE_META,
	TS_MAP_EVENTS,
	TS_MAP_RATELIMIT,
	TS_MAP_TABLE_FILL,
	TS_MAP_TAGS,
	TS_MAP_IFACE_STATS,
	TS_MAP_FLOWS_SMALL,
	TS_MAP_PASS_CACHE,
	TS_MAP_PASS_SHAPE,
	TS_MAP_COUNT,
};
int ts_dp_map_fd(const struct ts_dp *dp, enum ts_dp_map map);
const char *ts_dp_map_name(enum ts_dp_map map); /* e.g. "ts_flows" */

/* ---- policy --------------------------------------------------------------- */

/*
 * Install a policy with its runtime additions (the registry's hosts, sets
 * and rule entries): write the inactive slot completely (ports,
 * hosts, prefixes, rules, slot settings), assign stable rule ids (a rule
 * whose label+text is already in ts_rule_meta keeps its id), then switch
 * with one write of ts_config.active_slot, then delete the old slot's
 * entries. Live flows are untouched. *generation_out (may be NULL) gets
 * the new generation. On failure before the switch the active policy stays.
 */
int ts_dp_install(struct ts_dp *dp, const struct ts_registry *r, uint64_t *generation_out);

/* Stable rule id the last install gave the compiler's rule id `compiled_id`
 * (0 if unknown). */
uint32_t ts_dp_stable_rule_id(const struct ts_dp *dp, uint32_t compiled_id);

/* Incremental updates of the active slot (name resolver). `set_id` is a
 * compiled set id; host_upsert with a full-length net only. */
int ts_dp_host_upsert(struct ts_dp *dp, const struct ts_net *addr, uint32_t set_id);
int ts_dp_host_delete(struct ts_dp *dp, const struct ts_net *addr);
/* ORs `flags` (enum ts_addr_flags) into addr's host entry of the active
 * slot, creating the entry with set_id when there is none. */
int ts_dp_host_flags_add(struct ts_dp *dp, const struct ts_net *addr, uint32_t set_id,
			 uint32_t flags);
/* rule_id fields are compiler ids of the policy this ts_dp installed last
 * (the mapping to stable ids is kept per ts_dp: an ts_dp that has not
 * installed gets -EINVAL). */
int ts_dp_rules_add(struct ts_dp *dp, const struct ts_rule_entry *rules, size_t n);

/* An address's entry as the datapath finds it in `slot`: the exact host
 * entry, else the longest prefix (*plen gets the matched length).
 * -ENOENT: in no component. */
int ts_dp_addr_find(const struct ts_dp *dp, uint32_t slot, const struct ts_net *addr,
		    struct ts_addr_val *val, uint32_t *plen, bool *exact);
/* The rule id of a rule-table key; -ENOENT if none. */
int ts_dp_rule_find(const struct ts_dp *dp, const struct ts_rule_key *k, uint32_t *rule_id);

int ts_dp_config_read(const struct ts_dp *dp, struct ts_config *out);
int ts_dp_slot_cfg_read(const struct ts_dp *dp, struct ts_slot_cfg *out); /* active slot */
int ts_dp_set_xdp_mode(struct ts_dp *dp, enum ts_xdp_mode mode);

/* ---- counters ------------------------------------------------------------- */

struct ts_dp_rule_stat {
	uint32_t rule_id;
	char label[TS_LABEL_LEN];
	char text[TS_RULE_TEXT_LEN];
	bool in_use;
	uint64_t packets, bytes, opened;   /* summed over CPUs */
};
/* Every rule id with metadata or nonzero counters; *out is malloc'ed. */
int ts_dp_rule_stats(const struct ts_dp *dp, struct ts_dp_rule_stat **out, size_t *n);

struct ts_dp_reason_stat {
	uint64_t packets, bytes;           /* summed over CPUs */
};
int ts_dp_reason_stats(const struct ts_dp *dp, struct ts_dp_reason_stat out[TS_R_MAX]);
/* Per interface (ts_iface_stats), summed over CPUs: the slots that counted
 * anything, in ifindex order (ifindex 0: every interface past
 * TS_IFACE_SLOTS). *out is malloc'ed. */
struct ts_dp_iface_stat {
	uint32_t ifindex;
	struct ts_iface_counter c;
};
int ts_dp_iface_stats(const struct ts_dp *dp, struct ts_dp_iface_stat **out, size_t *n);
/* TS_R_DROP_NO_RULE -> "drop_no_rule"; NULL if out of range. */
const char *ts_reason_name(uint32_t reason);
/* "tcp", "udp", "icmp", "icmpv6" for the protocols flows and events
 * carry; "other" for the rest. */
const char *ts_proto_name(uint8_t proto);
bool ts_reason_is_drop(uint32_t reason);

/* ---- flows ---------------------------------------------------------------- */

struct ts_dp_flow {
	struct ts_flow_key key;
	struct ts_flow_val val;
	uint8_t table;                     /* enum ts_table it was read from */
};
/* From ts_halfopen, else an established flow. */
static inline bool ts_dp_flow_halfopen(const struct ts_dp_flow *f)
{
	return f->table == TS_TBL_HALFOPEN;
}
/* Calls fn for every entry of the flow tables (the established flows'
 * two, then ts_halfopen); fn returning nonzero stops the walk and is
 * returned. */
int ts_dp_flows_foreach(const struct ts_dp *dp,
			int (*fn)(const struct ts_dp_flow *f, void *ctx), void *ctx);

/* Empties the pass cache (bpf/pass.h): done after live flows are cut, so
 * that none of them passes on a way filled before. */
int ts_dp_pass_clear(struct ts_dp *dp);

/* Removes every flow (both tables) that match() accepts, as the
 * programs remove one (a claim of the slot as it was read: an entry
 * changed meanwhile stays), then empties the pass cache if any went.
 * *removed gets the count. -EROFS on a ts_dp opened read-only. */
int ts_dp_flows_remove(struct ts_dp *dp, bool (*match)(const struct ts_dp_flow *f, void *ctx),
		       void *ctx, uint32_t *removed);

/* The live entry of k in ts_halfopen or the established flows' tables (a pointer into the
 * mapped table: tests age entries through it), or NULL. */
struct ts_flow_val *ts_dp_flow_find(const struct ts_dp *dp, bool halfopen, const struct ts_flow_key *k);
/* Insert as the datapath does: -EEXIST, -ENOSPC (bench, tests). */
int ts_dp_flow_insert(struct ts_dp *dp, bool halfopen, const struct ts_flow_key *k,
		      const struct ts_flow_val *v);

/* The clock the BPF programs stamp flows with (CLOCK_MONOTONIC_COARSE). */
uint64_t ts_dp_now_ns(void);

struct ts_dp_gc_result {
	uint32_t flows_removed, halfopen_removed;
};
/* Remove entries expired at now_ns under the active slot's timeouts. */
int ts_dp_gc(struct ts_dp *dp, uint64_t now_ns, struct ts_dp_gc_result *res);

/* ---- fill levels and memory ----------------------------------------------- */

/* The memory of the maps as the kernel reports their shapes
 * (bpf_map_info), for `status`. */
int ts_dp_memory(const struct ts_dp *dp, struct ts_dp_mem *out);

struct ts_dp_fill {
	uint32_t flows, flows_max;         /* established flows, in both their tables */
	/* of them in the small table read first (turnstile.h), of its slots:
	 * while flows_small is all of flows, no packet reads ts_flows */
	uint32_t flows_small, flows_small_slots;
	uint32_t halfopen, halfopen_max;
	uint32_t hosts, hosts_max;
	uint32_t prefixes, prefixes_max;
	uint32_t rules, rules_max;
	/* the active slot's address summary (include/turnstile.h): bits set
	 * of its bits; the more are set, the more unlisted addresses cost the
	 * table probes it saves */
	uint64_t summary_set, summary_bits;
};
int ts_dp_fill_levels(const struct ts_dp *dp, struct ts_dp_fill *out);

/* A table as `status` and the metrics show it: the established flows'
 * two tables are one row, "flows" (their entries, their one capacity,
 * their memory together). */
#define TS_DP_TABLE_ROWS 5
#define TS_DP_ROW_FLOWS  0   /* the established flows' row */
struct ts_dp_table_row {
	const char *name;
	uint32_t used, max;
	uint64_t memory_bytes;
};
void ts_dp_table_rows(const struct ts_dp_fill *f, const struct ts_dp_mem *mem,
		      struct ts_dp_table_row rows[TS_DP_TABLE_ROWS]);

/* The address summary of a slot (include/turnstile.h): may the slot's
 * tables hold an entry for addr (a host), as the datapath judges it (sc:
 * the slot's settings)? Bits set in the slot's summary, of
 * ts_dp_summary_bits(). */
bool ts_dp_summary_may_hold(const struct ts_dp *dp, uint32_t slot, const struct ts_slot_cfg *sc,
			    const struct ts_net *addr);
uint64_t ts_dp_summary_set_bits(const struct ts_dp *dp, uint32_t slot);
uint64_t ts_dp_summary_bits(const struct ts_dp *dp);

/* ---- events --------------------------------------------------------------- */

struct ts_dp_events;
typedef int (*ts_dp_event_fn)(const struct ts_event *ev, void *ctx);
int ts_dp_events_open(struct ts_dp *dp, ts_dp_event_fn fn, void *ctx,
		      struct ts_dp_events **out);
/* Poll up to timeout_ms; returns events handled or -errno. */
int ts_dp_events_poll(struct ts_dp_events *ev, int timeout_ms);
int ts_dp_events_fd(const struct ts_dp_events *ev); /* epoll-able */
/* Events suppressed by the rate limit since the last call (summed over CPUs, reset). */
int ts_dp_events_suppressed(struct ts_dp *dp, uint64_t *out);
void ts_dp_events_close(struct ts_dp_events *ev);
/* An event's time (bpf_ktime_get_ns, CLOCK_MONOTONIC) on the wall clock
 * (CLOCK_REALTIME, ns), and the monotonic clock now (to tell events that
 * waited in the ring from new ones). */
uint64_t ts_dp_event_wall_ns(const struct ts_event *ev);
uint64_t ts_dp_mono_ns(void);

#endif /* TS_DP_H */
