/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * turnstile.h - the one ABI shared by the BPF programs and userspace.
 *
 * Every struct here is a map key, map value or ring-buffer record. Fields
 * are fixed width, padding is explicit and every size is asserted, so the
 * BPF object, the loader and `bpftool map dump` agree byte for byte.
 * Byte order is stated on every address and port field: "net" means
 * network byte order, "host" means the CPU's.
 *
 * Bump TS_SCHEMA_VERSION whenever a layout or meaning below changes: a
 * loader refuses to adopt pinned maps of another schema.
 */
#ifndef TURNSTILE_H
#define TURNSTILE_H

#include <linux/types.h>

#define TS_SCHEMA_VERSION 1

/* Where the loader pins maps and links (bpffs). */
#define TS_PIN_DIR "/sys/fs/bpf/turnstile"

/* Default capacities; the policy's `table` settings override them. */
#define TS_DEFAULT_FLOWS      1048576u /* established/closing flows */
#define TS_DEFAULT_HALFOPEN     65536u /* SYN seen, handshake not done */
#define TS_DEFAULT_HOSTS       262144u /* exact addresses, both slots */
#define TS_DEFAULT_PREFIXES    262144u /* CIDRs, both slots */
#define TS_DEFAULT_RULES       262144u /* (src set, dst set, port class) */
#define TS_MAX_RULE_IDS          4096u /* stable rule ids 1..4095; 0 = none */
#define TS_PORTS_PER_SLOT       65536u
#define TS_SLOTS                    2u /* policy slots: active + shadow */
#define TS_EVENTS_BYTES    (256u * 1024u)
#define TS_LABEL_LEN               32u
#define TS_RULE_TEXT_LEN           96u

/* Address families as stored in keys (not AF_INET/AF_INET6: same on every OS). */
enum ts_family {
	TS_FAMILY_NONE = 0,
	TS_FAMILY_V4   = 4,
	TS_FAMILY_V6   = 6,
};

/*
 * Address -> component set. Used by the exact-match hash (ts_hosts: one
 * address, prefixlen covers the whole key) and the LPM trie (ts_prefixes:
 * real CIDRs only). The 32 header bits (slot, family, pad) are always part
 * of the prefix, so one trie serves both slots and both families:
 *   prefixlen = TS_ADDR_HDR_BITS + address prefix length.
 */
#define TS_ADDR_HDR_BITS 32u
struct ts_addr_key {
	__u32 prefixlen;   /* host; see above */
	__u8  slot;        /* policy slot, 0 or 1 */
	__u8  family;      /* enum ts_family */
	__u8  pad[2];      /* zero */
	__u8  addr[16];    /* net; IPv4 in addr[0..3], addr[4..15] zero */
};
_Static_assert(sizeof(struct ts_addr_key) == 24, "ts_addr_key size");

enum ts_addr_flags {
	TS_ADDR_RESOLVER = 1u << 0, /* a DNS resolver of the loader: UDP/TCP 53 passes */
};

struct ts_addr_val {
	__u32 set_id;      /* host; 0 = belongs to no component */
	__u32 flags;       /* host; enum ts_addr_flags */
};
_Static_assert(sizeof(struct ts_addr_val) == 8, "ts_addr_val size");

/*
 * TCP port -> port class (ts_ports, an ARRAY): key = slot * 65536 + port
 * (host order). Class 0 = outside the allowlist's scope (the policy's
 * default applies); classes 1.. are in scope.
 */
struct ts_port_val {
	__u32 port_class;  /* host */
};
_Static_assert(sizeof(struct ts_port_val) == 4, "ts_port_val size");

/* (initiator set, responder set, port class) -> the rule that allows it. */
struct ts_rule_key {
	__u8  slot;
	__u8  pad[3];      /* zero */
	__u32 src_set;     /* host; set of the side that sends the SYN */
	__u32 dst_set;     /* host; set of the side that receives it */
	__u32 port_class;  /* host */
};
_Static_assert(sizeof(struct ts_rule_key) == 16, "ts_rule_key size");

struct ts_rule_val {
	__u32 rule_id;     /* host; stable id, counters are keyed by it */
	__u32 pad;
};
_Static_assert(sizeof(struct ts_rule_val) == 8, "ts_rule_val size");

/*
 * Flow key, direction-free: the endpoint (addr, port) that compares lower
 * (memcmp of addr, then port, both in network order) is "lo", so both
 * directions of a connection find the same entry.
 */
struct ts_flow_key {
	__u8   lo_addr[16]; /* net; IPv4 in [0..3] */
	__u8   hi_addr[16]; /* net */
	__be16 lo_port;     /* net */
	__be16 hi_port;     /* net */
	__u8   family;      /* enum ts_family */
	__u8   proto;       /* IPPROTO_TCP */
	__u8   pad[2];      /* zero */
};
_Static_assert(sizeof(struct ts_flow_key) == 40, "ts_flow_key size");

enum ts_tcp_state {
	TS_TCP_NONE        = 0,
	TS_TCP_SYN_SENT    = 1, /* SYN seen (half-open table) */
	TS_TCP_SYN_RECV    = 2, /* SYN-ACK seen (half-open table) */
	TS_TCP_ESTABLISHED = 3, /* handshake done (flow table) */
	TS_TCP_FIN_WAIT    = 4, /* one side sent FIN */
	TS_TCP_CLOSING     = 5, /* both FINs, or a RST: short timeout */
};

enum ts_flow_flags {
	TS_FLOW_INIT_HI = 1u << 0, /* the hi endpoint sent the SYN */
	TS_FLOW_FIN_LO  = 1u << 1, /* lo sent FIN */
	TS_FLOW_FIN_HI  = 1u << 2, /* hi sent FIN */
	TS_FLOW_AUDIT   = 1u << 3, /* would have been refused; passed in audit mode */
	TS_FLOW_LOOSE   = 1u << 4, /* picked up mid-connection (loose pickup) */
};

struct ts_flow_val {
	__u64 created_ns;   /* host; bpf_ktime_get_coarse_ns() clock (CLOCK_MONOTONIC_COARSE) */
	__u64 last_seen_ns; /* host; same clock, written at most once a second */
	__u32 rule_id;      /* host; 0 for audit flows */
	__u32 ifindex;      /* host; interface that saw the opening packet */
	__u8  state;        /* enum ts_tcp_state */
	__u8  flags;        /* enum ts_flow_flags */
	__u16 vlan;         /* host; outer VLAN id of the opening packet, 0 = none */
	__u32 pad;
};
_Static_assert(sizeof(struct ts_flow_val) == 32, "ts_flow_val size");

/*
 * Verdict reasons. Every packet is counted under exactly one reason in
 * ts_reason_stats; TS_R_AUDIT_* mark would-drops passed in audit mode.
 */
enum ts_reason {
	TS_R_NONE = 0,
	/* pass */
	TS_R_PASS_ESTABLISHED,    /* belongs to a tracked flow */
	TS_R_PASS_NEW,            /* SYN allowed by a rule: flow created */
	TS_R_PASS_HANDSHAKE,      /* SYN-ACK/ACK/retransmitted SYN of a half-open flow */
	TS_R_PASS_OUT_OF_SCOPE,   /* outside the allowlist's scope, default pass */
	TS_R_PASS_ARP,            /* ARP always passes */
	TS_R_PASS_ND,             /* IPv6 neighbour/router discovery always passes */
	TS_R_PASS_ICMP_RELATED,   /* ICMP error quoting a tracked flow */
	TS_R_PASS_RESOLVER,       /* DNS to/from the loader's resolvers */
	TS_R_PASS_LOOSE,          /* mid-flow pickup allowed by a rule (opt-in) */
	TS_R_PASS_AUDIT,          /* would have been dropped; audit mode passed it */
	/* drop */
	TS_R_DROP_NO_RULE,        /* SYN that no rule allows */
	TS_R_DROP_NO_FLOW,        /* in-scope non-SYN without a flow */
	TS_R_DROP_FLOW_FULL,      /* flow table full: new connection fails closed */
	TS_R_DROP_HALFOPEN_FULL,  /* half-open table update failed */
	TS_R_DROP_BAD_FLAGS,      /* invalid TCP flag combination */
	TS_R_DROP_FRAGMENT,       /* TCP fragment (ports unknowable or unsafe) */
	TS_R_DROP_MALFORMED_L2,   /* truncated Ethernet/VLAN, too many tags */
	TS_R_DROP_MALFORMED_IP,   /* truncated IP, bad version/IHL/length */
	TS_R_DROP_IPV6_EXT,       /* extension chain too long or truncated */
	TS_R_DROP_MALFORMED_TCP,  /* truncated TCP, data offset < 5 or past the end */
	TS_R_DROP_ICMP_UNRELATED, /* ICMP error quoting in-scope TCP that is not tracked */
	TS_R_DROP_OUT_OF_SCOPE,   /* outside scope, default drop */
	TS_R_DROP_MALFORMED_L4,   /* truncated UDP/ICMP header or ICMP error quote */
	TS_R_MAX,
};

/* ts_reason_stats value (PERCPU_ARRAY indexed by enum ts_reason). The
 * loader fills `reason` once so `bpftool map dump` prints its name. */
struct ts_reason_counter {
	enum ts_reason reason; /* set by the installer; BPF never writes it. An enum
				* (4 bytes) so bpftool prints its name */
	__u32 pad;
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(enum ts_reason) == 4, "enum ts_reason size");
_Static_assert(sizeof(struct ts_reason_counter) == 24, "ts_reason_counter size");

/* ts_rule_stats value (PERCPU_ARRAY indexed by rule id). */
struct ts_rule_counter {
	__u64 packets;     /* every packet of the rule's flows, both directions */
	__u64 bytes;
	__u64 opened;      /* SYNs allowed (connections opened) */
};
_Static_assert(sizeof(struct ts_rule_counter) == 24, "ts_rule_counter size");

/* ts_rule_meta value (ARRAY indexed by rule id): what the rule says, for
 * bpftool and for readers that do not have the policy file. */
struct ts_rule_meta {
	char  label[TS_LABEL_LEN];    /* e.g. "E1 D1"; NUL-terminated */
	char  text[TS_RULE_TEXT_LEN]; /* e.g. "endpoints -> device-manager tcp/443" */
	__u32 in_use;                 /* 1 if some installed policy uses this id */
	__u32 pad;
};
_Static_assert(sizeof(struct ts_rule_meta) == 136, "ts_rule_meta size");

enum ts_config_flags {
	TS_CFG_AUDIT          = 1u << 0, /* pass would-drops, report them */
	TS_CFG_LOOSE_PICKUP   = 1u << 1, /* accept mid-flow packets a rule allows */
	TS_CFG_SCOPE_DROP     = 1u << 2, /* out-of-scope traffic is dropped */
};

/* Per-slot settings (ts_slot_cfg, ARRAY of TS_SLOTS): written with the
 * slot, before the switch, so a packet sees one policy's settings only. */
struct ts_slot_cfg {
	__u64 generation;           /* host */
	__u32 flags;                /* host; enum ts_config_flags */
	__u32 events_per_sec;       /* host; ring-buffer rate limit per CPU */
	__u32 timeout_syn_s;        /* host; half-open lifetime */
	__u32 timeout_established_s;/* host; idle lifetime of an established flow */
	__u32 timeout_closing_s;    /* host; after FIN both ways or RST */
	__u32 pad;
};
_Static_assert(sizeof(struct ts_slot_cfg) == 32, "ts_slot_cfg size");

enum ts_xdp_mode {
	TS_XDP_MODE_NONE    = 0,
	TS_XDP_MODE_NATIVE  = 1,
	TS_XDP_MODE_GENERIC = 2,
};

/*
 * ts_config, an ARRAY of one: the pinned metadata record. `active_slot`
 * is the single word whose write switches policies.
 */
struct ts_config {
	__u32 schema_version; /* host; TS_SCHEMA_VERSION of the writer */
	__u32 active_slot;    /* host; 0 or 1 */
	__u64 generation;     /* host; generation of the active slot */
	__u32 xdp_mode;       /* host; enum ts_xdp_mode the loader attached with */
	__u32 pad;
};
_Static_assert(sizeof(struct ts_config) == 24, "ts_config size");

/* Per-CPU token bucket for the event ring (ts_ratelimit, PERCPU_ARRAY of 1). */
struct ts_ratelimit {
	__u64 window_start_ns; /* host */
	__u32 sent;            /* events sent in this one-second window */
	__u32 suppressed;      /* events not sent since the loader last read */
};
_Static_assert(sizeof(struct ts_ratelimit) == 16, "ts_ratelimit size");

enum ts_hook {
	TS_HOOK_XDP = 1,
	TS_HOOK_TC_EGRESS = 2,
};

enum ts_verdict {
	TS_VERDICT_PASS  = 0,
	TS_VERDICT_DROP  = 1,
	TS_VERDICT_AUDIT = 2, /* would drop, passed */
};

/* Drop and audit events on ts_events (RINGBUF). */
struct ts_event {
	__u64  ts_ns;       /* host; bpf_ktime_get_ns() */
	__u8   saddr[16];   /* net */
	__u8   daddr[16];   /* net */
	__be16 sport;       /* net */
	__be16 dport;       /* net */
	__u8   family;      /* enum ts_family */
	__u8   proto;       /* IPPROTO_* */
	__u8   tcp_flags;   /* raw flags byte (FIN=0x01 ... CWR=0x80) */
	__u8   verdict;     /* enum ts_verdict */
	__u32  reason;      /* host; enum ts_reason */
	__u32  rule_id;     /* host; 0 = none */
	__u32  ifindex;     /* host */
	__u16  vlan;        /* host; outer VLAN id, 0 = none */
	__u8   hook;        /* enum ts_hook */
	__u8   pad;
};
_Static_assert(sizeof(struct ts_event) == 64, "ts_event size");

#endif /* TURNSTILE_H */
