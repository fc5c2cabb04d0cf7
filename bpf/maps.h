/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* maps.h - every map of the turnstile object (see docs/DESIGN.md). Sizes
 * marked "set by loader" are placeholders overridden before load. */
#ifndef TS_BPF_MAPS_H
#define TS_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "turnstile.h"
#include "parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ts_config);
} ts_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TS_SLOTS);
	__type(key, __u32);
	__type(value, struct ts_slot_cfg);
} ts_slot_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TS_SLOTS * TS_PORTS_PER_SLOT);
	__type(key, __u32);
	__type(value, struct ts_port_val);
} ts_ports SEC(".maps");

/* The exact-match tables (turnstile.h, "Exact-match tables without helper
 * calls"): buckets in mmapable ARRAYs, sized by the loader to a power of
 * two of at least twice the capacity in slots. */
#define TS_TABLE_MAP(name, bucket_type, default_cap)			\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY);			\
		__uint(max_entries, 2 * (default_cap) / TS_BUCKET_SLOTS);	\
		__uint(map_flags, BPF_F_MMAPABLE);			\
		__type(key, __u32);					\
		__type(value, bucket_type);				\
	} name SEC(".maps")

TS_TABLE_MAP(ts_hosts, struct ts_addr_bucket, TS_DEFAULT_HOSTS);
TS_TABLE_MAP(ts_prefixes, struct ts_addr_bucket, TS_DEFAULT_PREFIXES);
TS_TABLE_MAP(ts_rules, struct ts_rule_bucket, TS_DEFAULT_RULES);
TS_TABLE_MAP(ts_flows, struct ts_flow_bucket, TS_DEFAULT_FLOWS);
TS_TABLE_MAP(ts_halfopen, struct ts_flow_bucket, TS_DEFAULT_HALFOPEN);
/* read before ts_flows (turnstile.h); sized by the loader from ts_flows' */
TS_TABLE_MAP(ts_flows_small, struct ts_flow_bucket, TS_FLOWS_SMALL_BUCKETS * TS_BUCKET_SLOTS / 2);

/* The tags words of every table's buckets, table t's from
 * ts_config.tags_base[t]; sized by the loader to the buckets' sum. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * (TS_DEFAULT_HOSTS + TS_DEFAULT_PREFIXES + TS_DEFAULT_RULES +
				 TS_DEFAULT_FLOWS + TS_DEFAULT_HALFOPEN) / TS_BUCKET_SLOTS +
				 TS_FLOWS_SMALL_BUCKETS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} ts_tags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ts_table_fill);
} ts_table_fill SEC(".maps");

/* The pass cache (turnstile.h, ts_pass_line; bpf/pass.h): lines sized by
 * the loader to the flows' capacity, mmapable so that userspace can clear
 * it after cutting flows; the lines in use, in a map of their own so that
 * the counts' writes (ts_table_fill) do not take its line from readers. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TS_DEFAULT_FLOWS / 4);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ts_pass_line);
} ts_pass_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ts_pass_shape);
} ts_pass_shape SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TS_MAX_RULE_IDS);
	__type(key, __u32);
	__type(value, struct ts_rule_counter);
} ts_rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TS_R_MAX);
	__type(key, __u32);
	__type(value, struct ts_reason_counter);
} ts_reason_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TS_IFACE_SLOTS);
	__type(key, __u32);
	__type(value, struct ts_iface_counter);
} ts_iface_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TS_MAX_RULE_IDS);
	__type(key, __u32);
	__type(value, struct ts_rule_meta);
} ts_rule_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TS_EVENTS_BYTES);
} ts_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ts_ratelimit);
} ts_ratelimit SEC(".maps");

/* The packet record of the full path, per CPU and hook (enum ts_hook - 1).
 * Off the stack: the full path's frame is in the deepest call chain (512
 * bytes); and the verifier does not track constants in map values, so
 * the L4 stage is walked once, not once per combination of constants that
 * stage 1 left in a stack copy. A program runs to completion on its CPU
 * before another of the same hook starts there. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct ts_pkt);
} ts_scratch SEC(".maps");

/* Keys are built as whole little-endian words (flow.h, policy.h), as the
 * BPF target lays them out. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "keys are built as little-endian words");

/* Key 0 in .rodata: a lookup keyed by it needs no stack (the fast path's
 * frame is in the deepest call chain, which must fit 512 bytes). */
static const __u32 ts_key_zero = 0;

/* Per CPU: the coarse clock as last read and the jiffy it was read in
 * (run.h, ts_now). A cache, not state: not pinned, not in the ABI. And
 * the word pass.h's full barriers write (pass_fence), in this line that
 * every packet reads: a CPU's own, in its cache. */
struct ts_clock {
	__u64 jiffies;
	__u64 now_ns;
	__u64 fence;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ts_clock);
} ts_clock SEC(".maps");

#endif /* TS_BPF_MAPS_H */
