// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_mem.bpf.c - bench_mem's memory walks, not part of the product:
 * MEM_READS dependent reads of 64-byte lines per run (each address made
 * from the line read before, so the reads wait for each other as a
 * packet's lookups do), over `span` lines `stride` lines apart.
 *  - mem_none: the same address arithmetic, no read (subtracted);
 *  - mem_array: the lines in one ARRAY (vmalloc'd: 4 KiB pages);
 *  - mem_inner: the lines in inner ARRAYs of MEM_INNER_LINES (under 32
 *    KiB each, so kmalloc'd when the allocator has the pages, else
 *    vmalloc'd: the kernel's direct map, whose pages may be larger),
 *    through an ARRAY_OF_MAPS (whose read is part of what it measures).
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_mem.h"

struct mem_line {
	__u64 w[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MEM_LINES);
	__type(key, __u32);
	__type(value, struct mem_line);
} mem_lines SEC(".maps");

struct mem_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MEM_INNER_LINES);
	__type(key, __u32);
	__type(value, struct mem_line);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, MEM_INNERS);
	__type(key, __u32);
	__array(values, struct mem_inner);
} mem_inners SEC(".maps");

/* Set before load: the lines walked and their distance (span * stride <= MEM_LINES). */
const volatile __u32 mem_span = 1;
const volatile __u32 mem_stride = 1;

/* Carried from run to run, so each run walks new addresses. */
__u64 mem_carry;

static __always_inline __u32 mem_next(__u64 v, __u32 i)
{
	v += i;
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (__u32)(((__u64)(__u32)v * mem_span) >> 32) * mem_stride;
}

SEC("xdp")
int mem_none(struct xdp_md *ctx)
{
	__u64 v = mem_carry;

	for (__u32 i = 0; i < MEM_READS; i++)
		v = v * 0x9e3779b97f4a7c15ull + mem_next(v, i) + i;
	mem_carry = v;
	return XDP_PASS;
}

/* Line k: in mem_lines, or in the inner ARRAY that holds it. */
static __always_inline struct mem_line *mem_find(bool inner, __u32 k)
{
	__u32 o = k / MEM_INNER_LINES, j = k % MEM_INNER_LINES;
	void *m;

	if (!inner)
		return bpf_map_lookup_elem(&mem_lines, &k);
	m = bpf_map_lookup_elem(&mem_inners, &o);
	return m ? bpf_map_lookup_elem(m, &j) : NULL;
}

static __always_inline int mem_walk(bool inner)
{
	__u64 v = mem_carry;

	for (__u32 i = 0; i < MEM_READS; i++) {
		struct mem_line *l = mem_find(inner, mem_next(v, i));

		if (!l)
			return XDP_ABORTED;
		v = v * 0x9e3779b97f4a7c15ull + l->w[0] + i;
	}
	mem_carry = v;
	return XDP_PASS;
}

SEC("xdp")
int mem_array(struct xdp_md *ctx)
{
	return mem_walk(false);
}

SEC("xdp")
int mem_inner(struct xdp_md *ctx)
{
	return mem_walk(true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
