/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bench_mem.h - the shape of bench_mem's walks, one definition for the
 * program (bench_mem.bpf.c) and the runner (selftests/bench/bench_mem.c). */
#ifndef TS_BPF_BENCH_MEM_H
#define TS_BPF_BENCH_MEM_H

#define MEM_READS 64             /* dependent reads per run */
#define MEM_LINES 655360u        /* 40 MiB of 64-byte lines */
#define MEM_INNER_LINES 480u     /* 30 KiB + the map's header: under 32 KiB, kmalloc'd */
#define MEM_INNERS ((MEM_LINES + MEM_INNER_LINES - 1) / MEM_INNER_LINES)

#endif /* TS_BPF_BENCH_MEM_H */
