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

#define TS_SCHEMA_VERSION 11

/* Where the loader pins maps and links (bpffs). */
#define TS_PIN_DIR "/sys/fs/bpf/turnstile"

/* Default capacities; the policy's `table` settings override them. */
#define TS_DEFAULT_FLOWS       262144u /* established/closing flows */
#define TS_DEFAULT_HALFOPEN     65536u /* SYN seen, handshake not done */
/* The small flow table read before ts_flows: at most this many buckets
 * (2.5 MiB of slots, where the default ts_flows has 40: about the L2 of
 * this kind of host, 2 MB a core, and within its TLB's reach), and at
 * most 1/16 of ts_flows' (TS_FLOWS_SMALL_SHARE). */
#define TS_FLOWS_SMALL_BUCKETS   4096u
#define TS_FLOWS_SMALL_SHARE       16u
#define TS_DEFAULT_HOSTS       262144u /* exact addresses, both slots */
#define TS_DEFAULT_PREFIXES    262144u /* CIDRs, both slots */
#define TS_DEFAULT_RULES       262144u /* (src set, dst set, port class) */
#define TS_MAX_RULE_IDS          4096u /* stable rule ids 1..4095; 0 = none */
#define TS_IFACE_SLOTS           1024u /* ts_iface_stats: ifindex 1..1023; 0 = any higher one */
/* ts_ports has one plane of 65536 entries per protocol a rule may name
 * (enum ts_plane); a slot holds every plane. */
#define TS_PLANE_PORTS          65536u
#define TS_PLANES                   3u
#define TS_PORTS_PER_SLOT       (TS_PLANES * TS_PLANE_PORTS)
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
 * Address -> component set. Used by two exact-match tables: ts_hosts (one
 * address, prefixlen covers the whole key) and ts_prefixes (real CIDRs,
 * the address masked to its length; the datapath probes each length the
 * slot uses, longest first: ts_slot_cfg.prefix_lens). The 32 header bits
 * (slot, family, pad) count in prefixlen, so one table serves both slots
 * and both families:
 *   prefixlen = TS_ADDR_HDR_BITS + address prefix length.
 */
#define TS_ADDR_HDR_BITS 32u
struct ts_addr_key {
	__u32 prefixlen;   /* host; see above */
	__u8  slot;        /* policy slot, 0 or 1 */
	__u8  family;      /* enum ts_family */
	__u8  pad[2];      /* zero */
	__u8  addr[16];    /* net; IPv4 in addr[0..3], addr[4..15] zero */
} __attribute__((aligned(8)));
_Static_assert(sizeof(struct ts_addr_key) == 24, "ts_addr_key size");
/* addr_key (bpf/policy.h) writes the key as whole 8-byte words: word 0
 * prefixlen | slot << 32 | family << 40, then the address from word 1. */
_Static_assert(__builtin_offsetof(struct ts_addr_key, slot) == 4 &&
	       __builtin_offsetof(struct ts_addr_key, family) == 5 &&
	       __builtin_offsetof(struct ts_addr_key, addr) == 8, "ts_addr_key words");

enum ts_addr_flags {
	TS_ADDR_RESOLVER = 1u << 0, /* a DNS resolver of the loader: UDP/TCP 53 passes */
	/* Bits 16-31: the entry's "no inbound" filter. Bit ts_inbound_bit(S, C)
	 * set: no rule entry of the slot lets set S open connections to this
	 * entry's set in port class C, so a SYN it would judge is refused
	 * without the rule lookup; all 16 set: no rule entry leads to the set
	 * at all, and the SYN is refused without a rule lookup whatever its
	 * source. A clear bit promises nothing (0: the filter is unknown). */
	TS_ADDR_NO_INBOUND = 0xffffu << 16,
};

/* The filter bit of rule entries (src_set -> the entry's set, port_class). */
static inline __u32 ts_inbound_bit(__u32 src_set, __u32 port_class)
{
	return 1u << (16 + ((src_set * 0x9e3779b1u + port_class * 0x85ebca6bu) >> 28));
}

struct ts_addr_val {
	__u32 set_id;      /* host; 0 = belongs to no component */
	__u32 flags;       /* host; enum ts_addr_flags */
};
_Static_assert(sizeof(struct ts_addr_val) == 8, "ts_addr_val size");
/* read and written as one word: set id in the low half, flags high */
_Static_assert(__builtin_offsetof(struct ts_addr_val, flags) == 4, "ts_addr_val word");

/*
 * Protocol and port -> port class (ts_ports, an ARRAY): key =
 * slot * TS_PORTS_PER_SLOT + ts_port_index(plane, port) (host order).
 * Class 0 = outside the allowlist's scope (the policy's default applies);
 * classes 1.. are in scope. A class may hold ports of several planes
 * (`tcp/443 udp/443` in one rule: every rule treats them alike). The ICMP
 * plane has one entry in use, TS_ICMP_ECHO_PORT (`icmp/echo`: ICMP echo
 * and ICMPv6 echo alike).
 */
enum ts_plane {
	TS_PLANE_TCP  = 0,
	TS_PLANE_UDP  = 1,
	TS_PLANE_ICMP = 2,
};
#define TS_ICMP_ECHO_PORT 8u /* icmp/echo: the ICMP echo request type */
static inline __u32 ts_port_index(__u32 plane, __u32 port)
{
	return plane * TS_PLANE_PORTS + port;
}

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
} __attribute__((aligned(8)));
_Static_assert(sizeof(struct ts_rule_key) == 16, "ts_rule_key size");
/* rule_lookup (bpf/policy.h) builds it as two words: slot | src << 32,
 * dst | class << 32 */
_Static_assert(__builtin_offsetof(struct ts_rule_key, src_set) == 4 &&
	       __builtin_offsetof(struct ts_rule_key, dst_set) == 8 &&
	       __builtin_offsetof(struct ts_rule_key, port_class) == 12, "ts_rule_key words");

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
	__u8   proto;       /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or
			     * IPPROTO_ICMPV6 (echo: both ports hold the
			     * identifier, so request and reply share the key) */
	__u8   pad[2];      /* zero */
} __attribute__((aligned(8)));
_Static_assert(sizeof(struct ts_flow_key) == 40, "ts_flow_key size");
/* flow_key_build (bpf/flow_key.h) writes whole words: the addresses as
 * words 0-3, then lo_port | hi_port << 16 | family << 32 | proto << 40 */
_Static_assert(__builtin_offsetof(struct ts_flow_key, hi_addr) == 16 &&
	       __builtin_offsetof(struct ts_flow_key, lo_port) == 32 &&
	       __builtin_offsetof(struct ts_flow_key, hi_port) == 34 &&
	       __builtin_offsetof(struct ts_flow_key, family) == 36 &&
	       __builtin_offsetof(struct ts_flow_key, proto) == 37, "ts_flow_key words");

enum ts_tcp_state {
	TS_TCP_NONE        = 0,
	TS_TCP_SYN_SENT    = 1, /* SYN seen (half-open table) */
	TS_TCP_SYN_RECV    = 2, /* SYN-ACK seen (half-open table) */
	TS_TCP_ESTABLISHED = 3, /* handshake done (flow table) */
	TS_TCP_FIN_WAIT    = 4, /* one side sent FIN */
	TS_TCP_CLOSING     = 5, /* both FINs, or a RST: short timeout */
	/* datagram flows (UDP, ICMP echo), in the flow tables from their first packet */
	TS_DGRAM_UNREPLIED = 6, /* only the opener has sent: the unreplied timeout */
	TS_DGRAM_REPLIED   = 7, /* the other side answered: the replied timeout */
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
	__u32 isn;          /* host; the opening SYN's sequence number, 0 = not seen
			     * (loose pickup): tells a new connection on a closing
			     * flow's ports from the flow's own retransmits */
};
_Static_assert(sizeof(struct ts_flow_val) == 32, "ts_flow_val size");

/*
 * Exact-match tables without helper calls. ts_flows, ts_halfopen,
 * ts_hosts, ts_prefixes and ts_rules are ARRAY maps (mmapable) of
 * buckets; an ARRAY lookup is inlined by the verifier, a HASH lookup is a
 * call, and calls are what a packet pays most for (return thunks). A key
 * hashes (ts_hash, keyed by ts_config.hash_seed) to two buckets of
 * TS_BUCKET_SLOTS slots; it lives in one of them.
 *
 * Each bucket has a tags word, one byte per slot (0 = free, else
 * TS_TAG_BYTE of the key's hash), kept apart from the buckets in ts_tags
 * (one ARRAY of words for all tables; table t's start at
 * ts_config.tags_base[t]): a miss costs one load and a few ALU operations
 * per bucket, and the loads stay in a region a few MB long even for
 * millions of flows (in cache, and within the TLB's reach), where the
 * buckets are hundreds. No bucket holds more than TS_TAG_DUPS slots of one
 * tag, so a find checks at most that many slots per bucket. The slot's state word is the truth: empty /
 * claimed by a writer / live, 32 bits of the hash, and a generation bumped
 * by every claim, so a reader that sees the same state before and after
 * reading the key read one entry, not two.
 *
 * The protocol over these words (claim, publish, remove, scrub; the
 * memory order of each step; what a reader may rely on) is
 * include/ts_table.h, compiled by both sides: BPF and userspace (through
 * mmap) write the tables at once. The flow tables also give a key a
 * home slot (ts_home_slot) that inserts take first and finds read first;
 * any slot of its buckets stays valid. ts_table_fill counts live slots per
 * table; a table's capacity (ts_config.capacity) bounds that count
 * (CPUs inserting at the same instant may pass it by one each).
 *
 * Established flows live in two tables, one set of entries: the small
 * ts_flows_small (TS_FLOWS_SMALL_BUCKETS) first, ts_flows behind it. An
 * insert takes the small table when one of the key's buckets there has
 * room, else ts_flows; a find reads the small table, and ts_flows only
 * while it holds an entry (its count). So while the flows are few they all
 * sit in a few MB, and a packet does not wait for a page walk and a miss
 * in a table of hundreds. The two share one capacity (both record the
 * flows' in ts_config.capacity; their counts' sum is bounded), and a key
 * is live in one slot of the two (ts_table.h, invariant 6).
 */
#define TS_BUCKET_SLOTS 8u

enum ts_table {
	TS_TBL_FLOWS    = 0,
	TS_TBL_HALFOPEN = 1,
	TS_TBL_HOSTS    = 2,
	TS_TBL_PREFIXES = 3,
	TS_TBL_RULES    = 4,
	TS_TBL_FLOWS_SMALL = 5, /* read before ts_flows; one capacity with it */
	TS_TBL_COUNT    = 6,
};

/* The flow table a flow table shares its capacity and its entries with,
 * or TS_TBL_COUNT. */
static inline __u32 ts_table_partner(__u32 t)
{
	return t == TS_TBL_FLOWS ? TS_TBL_FLOWS_SMALL : t == TS_TBL_FLOWS_SMALL ? TS_TBL_FLOWS : TS_TBL_COUNT;
}

enum ts_slot_kind {
	TS_SLOT_EMPTY = 0,
	TS_SLOT_BUSY  = 1, /* claimed: a writer owns it */
	TS_SLOT_LIVE  = 2,
};
#define TS_SLOT_KIND_MASK 3ull
#define TS_SLOT_GEN_MASK  0xfffffffcull       /* bits 2-31: generation */
#define TS_SLOT_GEN_ONE   4ull
#define TS_SLOT_TAG_MASK  0xffffffff00000000ull /* bits 32-63: hash bits */

/* Tag byte of a hash: its top byte, 1 for 0 (0 marks a free slot).
 * Without a branch: in BPF a branch here doubles the verifier's states at
 * every find and insert (24k of ~200k instructions per program,
 * 2026-12-02). */
#define TS_TAG_BYTE(h) ((__u8)(((__u64)(h) >> 56) | ((((__u64)(h) >> 56) - 1) >> 63)))
_Static_assert(TS_TAG_BYTE(0ull) == 1 && TS_TAG_BYTE(0x00ffffffffffffffull) == 1 &&
	       TS_TAG_BYTE(0x01ffffffffffffffull) == 1 && TS_TAG_BYTE(0x8000000000000000ull) == 0x80 &&
	       TS_TAG_BYTE(0xff00000000000000ull) == 0xff, "TS_TAG_BYTE: the top byte, 1 for 0");
#define TS_BYTES_01 0x0101010101010101ull
#define TS_BYTES_7F 0x7f7f7f7f7f7f7f7full
#define TS_BYTES_80 0x8080808080808080ull
/* Most slots of one bucket that may carry the same tag byte: a find
 * checks that many candidates per bucket, an insert keeps to it. */
#define TS_TAG_DUPS 2u
/* Buckets after a key's first that a SYN into a full half-open table
 * looks through for an entry to replace when both of its own buckets are
 * empty (bpf/flow.h, evict_near). */
#define TS_HALFOPEN_EVICT_REACH 8u

/* murmur3's fmix64: a full avalanche, and a bijection of 64-bit words. */
static inline __u64 ts_fmix64(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* Words of a key (every key is 8-byte aligned, a multiple of 8 long),
 * keyed by the seed. Each word is mixed on its own, NH-style (the product
 * of its two halves, each offset by a secret), so the products run in
 * parallel; the sum gets one final avalanche, a full one (murmur3's
 * fmix64). The product takes the high half as it is: forcing it odd
 * (an earlier `| 1`) made keys that differ only in bit 32 of a word (an
 * address entry's policy slot, a rule's source set 2k or 2k+1) hash alike
 * for half of all seeds, so a reload's twin entries filled their buckets'
 * room for a tag and inserts failed at 15% load. */
static inline __u64 ts_hash(const __u64 *w, const unsigned int nwords, __u64 seed)
{
	__u64 h = seed;
	unsigned int i;

	/* in BPF unrolled outright: a plain hint left the loop rolled (5-8%
	 * of every refused SYN, two bench_ab runs) */
#ifdef __bpf__
#pragma clang loop unroll(full)
#endif
	for (i = 0; i < nwords; i++) {
		__u64 x = w[i] + seed + (i + 1) * 0x9e3779b97f4a7c15ull;

		h += (__u64)(__u32)x * (__u32)(x >> 32);
	}
	return ts_fmix64(h);
}

/* Words hashed with a seed the loader keeps (ts_config.hash_seed). Each
 * word's offset (seed + (i+1)·φ) must keep both 32-bit halves at least
 * 2^17 from 0: key words carry small values in one half (an IPv4
 * address's zero high half, a family, a prefix length, a port class), and
 * an offset that brought such a half to 0 would zero the word's term and
 * make the other half count for nothing, for every key. The loader draws
 * again (about 1 draw in 800). */
#define TS_HASH_SEED_WORDS 5   /* the longest key's (ts_flow_key) */
_Static_assert(sizeof(struct ts_flow_key) == TS_HASH_SEED_WORDS * 8, "the longest key");
static inline int ts_hash_seed_ok(__u64 seed)
{
	unsigned int i;

	for (i = 0; i < TS_HASH_SEED_WORDS; i++) {
		__u64 o = seed + (i + 1) * 0x9e3779b97f4a7c15ull;
		__u32 lo = (__u32)o, hi = (__u32)(o >> 32);

		if (lo + (1u << 17) < (1u << 18) || hi + (1u << 17) < (1u << 18))
			return 0;
	}
	return 1;
}

/* Bucket `which` (0 or 1) of a hash: from its low half, then its high half. */
static inline __u32 ts_table_bucket(__u64 h, __u32 bucket_mask, __u32 which)
{
	return (which ? (__u32)(h >> 32) : (__u32)h) & bucket_mask;
}

/* A flow key's home slot: the slot of its first bucket that an insert
 * takes when it is free, and that a find reads at once, beside the tags
 * words instead of after them (hash bits 28-30: above any bucket index of
 * a table below 2^28 buckets, below the tag bits). */
static inline __u32 ts_home_slot(__u64 h)
{
	return (__u32)(h >> 28) & (TS_BUCKET_SLOTS - 1);
}

/* The top bit of each byte of `tags` equal to `byte` (exact, no false
 * candidates). */
static inline __u64 ts_tags_match(__u64 tags, __u8 byte)
{
	__u64 x = tags ^ (byte * TS_BYTES_01);

	return ~(((x & TS_BYTES_7F) + TS_BYTES_7F) | x | TS_BYTES_7F);
}

/* Slot index of the lowest flag of a ts_tags_match() result (nonzero). */
static inline __u32 ts_tags_first(__u64 m)
{
	return (__u32)((((m & -m) >> 7) * 0x0001020304050607ull) >> 56) & (TS_BUCKET_SLOTS - 1);
}

/* How many flags a ts_tags_match() result has. */
static inline __u32 ts_tags_count(__u64 m)
{
	return (__u32)(((m >> 7) * TS_BYTES_01) >> 56);
}

/* Slots: state word, key, value. */
struct ts_flow_slot {
	__u64 state;
	struct ts_flow_key key;
	struct ts_flow_val val;
};
_Static_assert(sizeof(struct ts_flow_slot) == 80, "ts_flow_slot size");

struct ts_addr_slot {
	__u64 state;
	struct ts_addr_key key;
	struct ts_addr_val val;
};
_Static_assert(sizeof(struct ts_addr_slot) == 40, "ts_addr_slot size");

struct ts_rule_slot {
	__u64 state;
	struct ts_rule_key key;
	struct ts_rule_val val;
};
_Static_assert(sizeof(struct ts_rule_slot) == 32, "ts_rule_slot size");

/* Buckets: the map values (their tags words are in ts_tags). */
struct ts_flow_bucket {
	struct ts_flow_slot slot[TS_BUCKET_SLOTS];
};
_Static_assert(sizeof(struct ts_flow_bucket) == 640, "ts_flow_bucket size");

struct ts_addr_bucket {
	struct ts_addr_slot slot[TS_BUCKET_SLOTS];
};
_Static_assert(sizeof(struct ts_addr_bucket) == 320, "ts_addr_bucket size");

struct ts_rule_bucket {
	struct ts_rule_slot slot[TS_BUCKET_SLOTS];
};
_Static_assert(sizeof(struct ts_rule_bucket) == 256, "ts_rule_bucket size");

/* ts_table_fill (mmapable ARRAY of one): live slots per enum ts_table. */
struct ts_table_fill {
	__u64 live[TS_TBL_COUNT];
};
_Static_assert(sizeof(struct ts_table_fill) == 48, "ts_table_fill size");

/*
 * The pass cache (bpf/pass.h; docs/dataplane.md, "The pass cache"): what
 * the fast path reads first for a TCP segment without SYN, FIN or RST, so
 * that a live flow's packet reads 8 bytes of one 64-byte line (of two,
 * when the first was full), not the flow tables' tags words and 80-byte
 * slot. A way holds a flow the fast path passed in this epoch
 * (2^TS_PASS_EPOCH_SHIFT ns of the coarse clock) under the active policy
 * generation: 49 bits of two strongly universal hashes of its key, the
 * epoch, the generation and the shape version (ts_pass_hash), whether it
 * lies in the flow's second line (TS_PASS_SECOND), 2 bits of the epoch
 * and version, and the rule it counts under. A hit passes the
 * segment as the fast path's find would; anything else is the tables' to
 * decide. The lines in use (ts_pass_shape.lines) follow the live flows,
 * so the cache stays as compact as they are.
 * Userspace clears it after it cuts live flows.
 */
#define TS_PASS_WAYS 8u
#define TS_PASS_EPOCH_SHIFT 33u      /* 8.6 s */
/* A flow whose timeout is shorter is not cached. A way lives at most one
 * epoch after its flow was last found live and touched (flow_touch), so
 * the tables may see a cached flow's last segment up to an epoch late (and
 * flow_touch's second), and expire it that much early: 16% of a 60 s
 * timeout, and nothing beside the 6 h default. */
#define TS_PASS_MIN_TIMEOUT_S 60u
#define TS_PASS_MIN_LINES 64u
/* Live flows a line (ts_pass_want_lines; pass_reshape lets the load run
 * an eighth over it before it grows the lines). A flow whose first line
 * is full takes its second (ts_pass_line2), or a way of its first that
 * moves to its own second (pass_move). With 7 of 8 ways taken on average
 * 11.3% of the flows are in their second line and 0.29% find no room on
 * their first segment, and miss until they do or the epoch ends; at 8,
 * 3.3%; at 6 or fewer, under 0.01% (selftests/bench/pass_lines.py;
 * without moves 3.3% and 7.6% at 7 and 8, 0.02% at 4). So four a line
 * while the lines fit TS_PASS_SPARSE_LINES (512 KiB, half a 1 MiB L2,
 * where the bytes cost little and a miss in the tables costs more), and
 * beyond that seven to eight: 100k flows take 0.8 to 0.9 MB, not 1.3 to
 * 1.6. */
#define TS_PASS_LOAD_SPARSE 4u
#define TS_PASS_LOAD_DENSE 7u
#define TS_PASS_SPARSE_LINES 8192u
#define TS_PASS_RULE_MASK 0xfffu
#define TS_PASS_EPOCH_BITS 2u        /* a way's epoch and version, as its writer saw them */
#define TS_PASS_TAG_SHIFT 12u        /* the rule id is below it */
#define TS_PASS_FP_SHIFT 14u         /* the fingerprint's 49 bits are above it */
#define TS_PASS_EPOCH_MASK (((1ull << TS_PASS_EPOCH_BITS) - 1) << TS_PASS_TAG_SHIFT)
/* the fingerprint's bits of the epoch-free half (ts_pass_hash) */
#define TS_PASS_LINE_FP_BITS 18u
#define TS_PASS_LINE_FP (((1ull << TS_PASS_LINE_FP_BITS) - 1) << TS_PASS_FP_SHIFT)
/* Set in a way in its flow's second line, clear in every tag (the
 * fingerprint is the 49 bits below it): a fill that finds both lines
 * full can tell which ways of its first line lie in their own first and
 * may move to their second (pass_move), and a forged key meets a way only
 * from the first line of the way's flow (docs/dataplane.md). */
#define TS_PASS_SECOND (1ull << 63)
_Static_assert(TS_MAX_RULE_IDS - 1 <= TS_PASS_RULE_MASK, "a rule id fits a way");
_Static_assert(TS_PASS_TAG_SHIFT + TS_PASS_EPOCH_BITS == TS_PASS_FP_SHIFT, "a way's fields");
_Static_assert(TS_PASS_RULE_MASK == (1u << TS_PASS_TAG_SHIFT) - 1, "the rule id: every bit below the tag");

/* A way: fingerprint << TS_PASS_FP_SHIFT | ts_pass_epoch_bits (at
 * TS_PASS_TAG_SHIFT) | rule id; 0 is empty (no way is written with rule
 * 0). One word, written and cleared whole. */
struct ts_pass_line {
	__u64 way[TS_PASS_WAYS];
};
_Static_assert(sizeof(struct ts_pass_line) == 64, "a pass line is a cache line");

/* The lines the cache wants for `live` flows: TS_PASS_LOAD_SPARSE a line
 * up to TS_PASS_SPARSE_LINES lines, then that many lines up to
 * TS_PASS_LOAD_DENSE a line, then TS_PASS_LOAD_DENSE a line; at least
 * TS_PASS_MIN_LINES. The datapath resizes to it (pass_reshape) and the
 * loader sizes the map for the capacity by it (ts_dp_pass_lines). */
static inline __u64 ts_pass_want_lines(__u64 live)
{
	__u64 want = live / TS_PASS_LOAD_SPARSE;

	if (want > TS_PASS_SPARSE_LINES) {
		want = live / TS_PASS_LOAD_DENSE;
		if (want < TS_PASS_SPARSE_LINES)
			want = TS_PASS_SPARSE_LINES;
	}
	return want < TS_PASS_MIN_LINES ? TS_PASS_MIN_LINES : want;
}

/* The hash's 32-bit input words (ts_pass_hash): the key's ten, then the
 * generation, the epoch, the shape version and a zero. */
#define TS_PASS_HASH_WORDS 14u
_Static_assert(sizeof(struct ts_flow_key) == 10 * 4, "the key's words");

/* The lines in use (at least TS_PASS_MIN_LINES; the datapath moves it
 * with the live flows, from TS_PASS_MIN_LINES when the loader makes the
 * map) and the count of its moves (version: only ever up, so a way written
 * before a move never matches again, even if the count comes back); the
 * most the map holds (max_lines; 0: the cache is off) and the two hashes'
 * seeds (a_0..a_13, then b), drawn by the loader when it makes the map,
 * apart from the tables' seed. */
struct ts_pass_shape {
	__u32 lines;
	__u32 max_lines;
	__u64 version;
	__u64 seed[2][TS_PASS_HASH_WORDS + 1];
};
_Static_assert(sizeof(struct ts_pass_shape) == 256, "ts_pass_shape size");

/* Where a flow goes in the cache and the way it would hold there, rule
 * id aside (ts_pass_hash): its first line (the second, when the first is
 * full: ts_pass_line2). */
struct ts_pass_spot {
	__u32 line;
	__u64 tag;   /* fingerprint and epoch bits: a way's bits from TS_PASS_TAG_SHIFT up */
};

/* Thorup's pair-multiply-shift over the 32-bit words x (the key's, then
 * gen, epoch, version, 0) with 64-bit seeds a: strongly universal on the
 * 32 bits returned, so two distinct inputs agree with probability 2^-32
 * over the seeds, whatever inputs a sender picks. */
static inline __u32 ts_pass_half(const __u32 *kw, __u32 gen, __u32 epoch, __u32 version, const __u64 *a)
{
	__u64 s = a[TS_PASS_HASH_WORDS];
	unsigned int i;

#ifdef __bpf__
#pragma clang loop unroll(full)
#endif
	for (i = 0; i < 10; i += 2)
		s += (a[i] + kw[i + 1]) * (a[i + 1] + kw[i]);
	s += (a[10] + epoch) * (a[11] + gen);
	s += a[12] * (a[13] + version);
	return s >> 32;
}

/* A way's epoch bits: the low bits of the epoch and the shape version
 * together, so that a fill takes a way of the version before a resize,
 * which no find looks for again, as it takes an older epoch's. */
static inline __u64 ts_pass_epoch_bits(__u64 epoch, __u64 version)
{
	return ((epoch + version) << TS_PASS_TAG_SHIFT) & TS_PASS_EPOCH_MASK;
}

/* A bijection of 32-bit words that breaks arithmetic progressions: an
 * xor-shift, then an odd multiplier (the first round of Wellons'
 * lowbias32). Pair-multiply-shift is linear in each word, so keys a step
 * apart in one word hash to a progression; its lines bunched under about
 * one seed in ten. One round is enough for that (murmur3's two-round
 * fmix32 did no better, at twice the latency before the line's read). */
static inline __u32 ts_pass_unstep(__u32 h)
{
	h ^= h >> 16;
	return h * 0x7feb352du;
}

/* ts_pass_hash's two halves (below): the first, of the key, generation
 * and shape version, through ts_pass_unstep; the second, of those and the
 * epoch. A find in the datapath takes them one at a time (pass_probe). */
static inline __u32 ts_pass_first_half(const struct ts_flow_key *k, const struct ts_pass_shape *sh,
					__u64 version, __u64 gen)
{
	return ts_pass_unstep(ts_pass_half((const __u32 *)k, (__u32)gen, 0, (__u32)version, sh->seed[0]));
}

static inline __u32 ts_pass_second_half(const struct ts_flow_key *k, const struct ts_pass_shape *sh,
					 __u64 version, __u64 epoch, __u64 gen)
{
	return ts_pass_half((const __u32 *)k, (__u32)gen, (__u32)epoch, (__u32)version, sh->seed[1]);
}

/* The first line of a flow whose first half is a, of `lines` in use. */
static inline __u32 ts_pass_line_of(__u32 a, __u32 lines)
{
	return (__u32)(((__u64)a * lines) >> 32);
}

/* A flow's way bits but the rule's, from its two halves. */
static inline __u64 ts_pass_tag_of(__u32 a, __u32 b, __u64 version, __u64 epoch)
{
	return (((__u64)b << TS_PASS_LINE_FP_BITS | (a & ((1u << TS_PASS_LINE_FP_BITS) - 1))) << TS_PASS_FP_SHIFT &
		~TS_PASS_SECOND) | ts_pass_epoch_bits(epoch, version);
}

/* Where flow key k goes under shape sh in an epoch under policy
 * generation gen, and its way's bits but the rule's. Two independently
 * seeded halves: the first, of the key, generation and shape version,
 * picks the line (its high bits, scaled to the lines in use) and gives
 * its low 18 bits to the fingerprint (TS_PASS_LINE_FP: the same in every
 * epoch, so a FIN or RST clears the flow's ways of all epochs); the
 * second, of those and the epoch, gives its low 31 (the top bit is
 * TS_PASS_SECOND's). The first half goes through
 * a fixed bijection before it is used (ts_pass_unstep): that keeps it
 * strongly universal, and keys that differ by a step in one word (a
 * client's ports, one after another) would otherwise take lines in a
 * progression of their own, bunched under some seeds. */
static inline struct ts_pass_spot ts_pass_hash(const struct ts_flow_key *k, const struct ts_pass_shape *sh,
					       __u32 lines, __u64 version, __u64 epoch, __u64 gen)
{
	__u32 a = ts_pass_first_half(k, sh, version, gen);
	__u32 b = ts_pass_second_half(k, sh, version, epoch, gen);
	struct ts_pass_spot sp;

	sp.line = ts_pass_line_of(a, lines);
	sp.tag = ts_pass_tag_of(a, b, version, epoch);
	return sp;
}

/* A flow's second line, where it goes when its first (line, of `lines`
 * in use) is full: the first moved on by 1 to lines - 1 lines, scaled
 * from the epoch-free 18 bits of its tag (ts_pass_hash); never the
 * first, and like it the same in every epoch. Apart from ts_pass_hash:
 * a hit needs only the first. */
_Static_assert(TS_PASS_MIN_LINES >= 2, "a second line apart from the first");
static inline __u32 ts_pass_line2(__u32 line, __u32 lines, __u64 tag)
{
	__u32 fp = (__u32)((tag & TS_PASS_LINE_FP) >> TS_PASS_FP_SHIFT);
	__u32 l2 = line + 1 + (__u32)(((__u64)fp * (lines - 1)) >> TS_PASS_LINE_FP_BITS);

	return l2 >= lines ? l2 - lines : l2;
}

/*
 * Verdict reasons. Every packet is counted under exactly one reason in
 * ts_reason_stats; TS_R_AUDIT_* mark would-drops passed in audit mode.
 */
/* TCP flags byte (offset 13 of the TCP header; ts_event.tcp_flags). */
#define TS_TCP_FIN 0x01
#define TS_TCP_SYN 0x02
#define TS_TCP_RST 0x04
#define TS_TCP_PSH 0x08
#define TS_TCP_ACK 0x10

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
	TS_R_PASS_NEW_UDP,        /* first UDP datagram allowed by a rule: flow created */
	TS_R_PASS_UDP,            /* UDP datagram of a tracked flow, either way */
	TS_R_PASS_NEW_ICMP,       /* ICMP/ICMPv6 echo request allowed by a rule: flow created */
	TS_R_PASS_ICMP_ECHO,      /* echo request or reply of a tracked echo flow */
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
	TS_R_DROP_MALFORMED_L4,   /* truncated UDP/ICMP header or ICMP error quote, bad UDP length */
	TS_R_DROP_NO_RULE_UDP,    /* in-scope UDP datagram of no flow that no rule allows */
	TS_R_DROP_NO_RULE_ICMP,   /* echo request no rule allows, or an echo reply of no flow */
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
/* ts_end and the readers tell a drop by `reason >= TS_R_DROP_NO_RULE`:
 * every pass reason lies below the first drop reason. */
_Static_assert(TS_R_PASS_ESTABLISHED == 1 && TS_R_PASS_ICMP_ECHO + 1 == TS_R_DROP_NO_RULE,
	       "pass reasons first, then drop reasons");
_Static_assert(TS_R_DROP_NO_RULE_ICMP + 1 == TS_R_MAX, "TS_R_MAX follows the last reason");
_Static_assert(sizeof(struct ts_reason_counter) == 24, "ts_reason_counter size");

/* ts_iface_stats value (PERCPU_ARRAY indexed by ifindex, TS_IFACE_SLOTS;
 * an ifindex past the array counts in slot 0): every packet judged on the
 * interface, by hook (in: XDP ingress, out: tc egress) and by what became
 * of it (a would-drop passed in audit mode counts as passed). */
struct ts_iface_counter {
	__u64 in_pass_packets;
	__u64 in_pass_bytes;
	__u64 in_drop_packets;
	__u64 in_drop_bytes;
	__u64 out_pass_packets;
	__u64 out_pass_bytes;
	__u64 out_drop_packets;
	__u64 out_drop_bytes;
};
_Static_assert(sizeof(struct ts_iface_counter) == 64, "ts_iface_counter size");
_Static_assert(__builtin_offsetof(struct ts_iface_counter, out_pass_packets) == 32,
	       "ts_iface_counter: the out half follows the in half (count_iface indexes them)");

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

#define TS_V4_LENS  33u /* prefix lengths 0..32 */
#define TS_V6_LENS 129u /* 0..128 */

/* Per-slot settings (ts_slot_cfg, ARRAY of TS_SLOTS): written with the
 * slot, before the switch, so a packet sees one policy's settings only. */
struct ts_slot_cfg {
	__u64 generation;           /* host */
	__u32 flags;                /* host; enum ts_config_flags */
	__u32 events_per_sec;       /* host; ring-buffer rate limit per CPU */
	__u32 timeout_syn_s;        /* host; half-open lifetime */
	__u32 timeout_established_s;/* host; idle lifetime of an established flow */
	__u32 timeout_closing_s;    /* host; after FIN both ways or RST */
	__u32 timeout_unreplied_s;  /* host; UDP / ICMP echo flow the responder never answered */
	__u32 timeout_replied_s;    /* host; UDP / ICMP echo flow, idle, once answered */
	__u32 pad;
	/* Address prefix lengths with entries in ts_prefixes, longest first. */
	__u8  n_prefix_lens_v4;
	__u8  n_prefix_lens_v6;
	__u8  prefix_lens_v4[TS_V4_LENS];
	__u8  prefix_lens_v6[TS_V6_LENS];
	/* The address summary's lengths: the shortest prefix length, else 32
	 * or 128 (see ts_summary_len); 0 (a /0 entry): no summary, since
	 * every address has an entry. */
	__u8  summary_len_v4;
	__u8  summary_len_v6;
	__u8  pad2;                 /* zero */
};
_Static_assert(sizeof(struct ts_slot_cfg) == 208, "ts_slot_cfg size");

/*
 * The address summary: a bit per address of a slot's tables, so that an
 * address in no component (most of a flood from forged sources) is
 * refused by one load instead of a probe per table and prefix length.
 * Each slot has summary_mask + 1 words in ts_tags from summary_base
 * (ts_config). An entry of ts_hosts or ts_prefixes, address A in slot S,
 * sets the bit of A cut to the slot's summary length (ts_slot_cfg's
 * summary_len_*: its shortest prefix length, else the full one) before it
 * is published; a clear bit says no entry of the slot holds the address.
 * Bits are cleared only with the whole slot (an install), so a removed
 * entry leaves a bit that costs a probe, never a wrong answer. The bit of a cut address is
 * chosen by ts_summary_hash of its two address words (ts_addr_key.addr
 * as two host-order words), keyed by the loader's seed: a forged source
 * cannot aim at set bits, and one that hits one anyway costs the probes a
 * summary saves, never a wrong answer.
 */
static inline __u32 ts_summary_len(const struct ts_slot_cfg *sc, __u8 family)
{
	return family == TS_FAMILY_V4 ? sc->summary_len_v4 : sc->summary_len_v6;
}

/* Two multiplications, not ts_hash: this runs for every address judged,
 * listed or not, and a filter needs spread, not a key's full mixing. */
static inline __u64 ts_summary_hash(__u64 w0, __u64 w1, __u64 seed)
{
	__u64 h = (w0 ^ seed) * 0x9e3779b97f4a7c15ull + (w1 ^ (seed >> 7)) * 0xc2b2ae3d27d4eb4full;

	return h ^ (h >> 32);
}

/* Index in ts_tags of the first summary word of `slot`, and of the word
 * holding the bit of a cut address's hash h: bits 0-5 pick the bit
 * (ts_summary_bit), the bits above the word. */
static inline __u32 ts_summary_slot_base(__u32 summary_base, __u32 summary_mask, __u32 slot)
{
	return summary_base + (slot & 1) * (summary_mask + 1);
}

static inline __u32 ts_summary_index(__u32 summary_base, __u32 summary_mask, __u32 slot, __u64 h)
{
	return ts_summary_slot_base(summary_base, summary_mask, slot) + ((__u32)(h >> 6) & summary_mask);
}

static inline __u64 ts_summary_bit(__u64 h)
{
	return 1ull << (h & 63);
}

/* A flow entry's idle lifetime in its state (enum ts_tcp_state): an entry
 * idle longer counts as absent (BPF) and is removed (GC). Without a
 * branch (the programs inline it at every expiry check, and each branch
 * is walked again by the verifier): the state picks one of the five
 * consecutive timeouts by a nibble of a constant, 0 syn, 1 established,
 * 2 closing, 3 unreplied, 4 replied. */
_Static_assert(__builtin_offsetof(struct ts_slot_cfg, timeout_established_s) ==
	       __builtin_offsetof(struct ts_slot_cfg, timeout_syn_s) + 4 &&
	       __builtin_offsetof(struct ts_slot_cfg, timeout_closing_s) ==
	       __builtin_offsetof(struct ts_slot_cfg, timeout_syn_s) + 8 &&
	       __builtin_offsetof(struct ts_slot_cfg, timeout_unreplied_s) ==
	       __builtin_offsetof(struct ts_slot_cfg, timeout_syn_s) + 12 &&
	       __builtin_offsetof(struct ts_slot_cfg, timeout_replied_s) ==
	       __builtin_offsetof(struct ts_slot_cfg, timeout_syn_s) + 16, "timeouts in a row");
_Static_assert(TS_TCP_SYN_RECV == 2 && TS_TCP_ESTABLISHED == 3 && TS_TCP_FIN_WAIT == 4 &&
	       TS_TCP_CLOSING == 5 && TS_DGRAM_UNREPLIED == 6 && TS_DGRAM_REPLIED == 7,
	       "the nibbles of ts_flow_timeout_s");
static inline __u32 ts_flow_timeout_s(__u8 state, const struct ts_slot_cfg *sc)
{
	__u32 i = (0x43211000u >> ((state & 7) * 4)) & 7;

	return *(const __u32 *)((const char *)sc + __builtin_offsetof(struct ts_slot_cfg, timeout_syn_s) +
				i * 4);
}

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
	/* host; words per slot of the address summary - 1: the shape, like
	 * what follows, written once */
	__u32 summary_mask;
	/* The tables' shape, written once when the maps are created. */
	__u64 hash_seed;                  /* host; random, keys ts_hash */
	__u32 bucket_mask[TS_TBL_COUNT];  /* host; buckets - 1 (buckets: a power of two) */
	__u32 capacity[TS_TBL_COUNT];     /* host; most live slots allowed */
	__u32 tags_base[TS_TBL_COUNT];    /* host; index in ts_tags of the table's bucket 0 */
	__u32 summary_base;               /* host; index in ts_tags of slot 0's summary */
	__u32 pad;
};
_Static_assert(sizeof(struct ts_config) == 112, "ts_config size");

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

/* explain's answer: what ts_judge writes over the last bytes of the frame
 * it is run on (BPF_PROG_TEST_RUN), a frame of at most TS_JUDGE_FRAME_MAX
 * bytes (a power of two minus one: a mask). */
#define TS_JUDGE_FRAME_MAX 511u
#define TS_JUDGE_MAGIC 0x6a756467u /* "judg" */
struct ts_judge_out {
	__u32 magic;        /* host; TS_JUDGE_MAGIC */
	__u32 reason;       /* host; enum ts_reason: the verdict (a drop stays a drop in audit mode) */
	__u32 counted;      /* host; enum ts_reason the SYN is counted under (audit: pass_audit) */
	__u32 rule_id;      /* host; the rule that allows it, 0 = none */
	__u32 port_class;   /* host; 0 = outside the scope */
	__u32 slot;         /* host; the policy slot judged */
	__u64 generation;   /* host; that slot's generation */
};
_Static_assert(sizeof(struct ts_judge_out) == 32, "ts_judge_out size");

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
