/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* maps.h - every map of the turnstile object (see docs/DESIGN.md). Sizes
 * marked "set by loader" are placeholders overridden before load. */
#ifndef TS_BPF_MAPS_H
#define TS_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "turnstile.h"

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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TS_DEFAULT_HOSTS); /* set by loader */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ts_addr_key);
	__type(value, struct ts_addr_val);
} ts_hosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TS_DEFAULT_PREFIXES); /* set by loader */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ts_addr_key);
	__type(value, struct ts_addr_val);
} ts_prefixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TS_DEFAULT_RULES); /* set by loader */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ts_rule_key);
	__type(value, struct ts_rule_val);
} ts_rules SEC(".maps");

/* Preallocated: inserting from the datapath never allocates. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TS_DEFAULT_FLOWS); /* set by loader */
	__type(key, struct ts_flow_key);
	__type(value, struct ts_flow_val);
} ts_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TS_DEFAULT_HALFOPEN); /* set by loader */
	__type(key, struct ts_flow_key);
	__type(value, struct ts_flow_val);
} ts_halfopen SEC(".maps");

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

/* Per CPU: the coarse clock as last read and the jiffy it was read in
 * (flow.h, ts_now). A cache, not state: not pinned, not in the ABI. */
struct ts_clock {
	__u64 jiffies;
	__u64 now_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ts_clock);
} ts_clock SEC(".maps");

#endif /* TS_BPF_MAPS_H */
