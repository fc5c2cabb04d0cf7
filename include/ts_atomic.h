/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ts_atomic.h - the few atomic operations and memory orders the table
 * protocol (ts_table.h) is written over, one definition per side: the
 * BPF programs (clang --target=bpf) and userspace (the host compiler).
 * Every operation is on an aligned 8-byte word.
 *
 * BPF (-mcpu=v3) has atomic read-modify-writes (BPF_ATOMIC) and plain
 * loads and stores, nothing else: no load-acquire, store-release or fence
 * instruction (those need -mcpu=v4 and a newer clang than Debian 12's).
 * Its RMWs with a fetch (cmpxchg, xchg, fetch-or/and/add) are fully
 * ordered; one whose result is unused compiles without the fetch
 * (ts_clear_bits, ts_count_add), which the kernel does not order (relaxed
 * on arm64): the protocol follows each such clear with a fully ordered
 * RMW. On x86-64 every BPF RMW is a locked instruction (a full barrier)
 * and every load is an acquire (TSO), which is what the protocol needs.
 * So on BPF: an acquire load is a volatile load, a release store is an
 * xchg, a fence only keeps the compiler from moving accesses across it. On a weakly ordered JIT (arm64) the datapath's reads are
 * therefore not ordered against each other: a find could read a key as
 * it is being rewritten (the state re-read then mostly, not always,
 * catches it); the writers' ordering holds everywhere.
 *
 * Userspace: the C11 orders the protocol states, through GCC's __atomic
 * builtins.
 */
#ifndef TS_ATOMIC_H
#define TS_ATOMIC_H

#include <linux/types.h>

#ifdef __bpf__

#define TS_INLINE static __always_inline
/* a word of a table (state word, tags word, key word), as the side's
 * code types it */
typedef __u64 ts_word;

/* a load the compiler makes exactly once, where it is written */
#define ts_load_acquire(p)      (*(const volatile __u64 *)(p))
/* a key word compared while a writer may rewrite it: validated afterwards
 * by the state word, so a plain load */
#define ts_load_word(p)         (*(p))
#define ts_load_relaxed(p)      (*(const volatile __u64 *)(p))
/* xchg: fully ordered, so every store before it is visible first */
#define ts_store_release(p, v)  ((void)__sync_lock_test_and_set((p), (v)))
/* a store no later load may pass: the same xchg */
#define ts_store_fenced(p, v)   ts_store_release((p), (v))
/* the word's previous value; the swap happened iff it equals `old` */
#define ts_cas(p, old, new)     __sync_val_compare_and_swap((p), (old), (new))
#define ts_fetch_or(p, v)       __sync_fetch_and_or((p), (v))
#define ts_clear_bits(p, v)     ((void)__sync_fetch_and_and((p), ~(__u64)(v)))
/* counters: ordered by nothing, only exact in sum */
#define ts_count_add(p, v)      ((void)__sync_fetch_and_add((p), (v)))
#define ts_fence_acquire()      __asm__ __volatile__("" ::: "memory")
#define ts_fence_release()      __asm__ __volatile__("" ::: "memory")

#else /* userspace */

#include <stdint.h>

#define TS_INLINE static inline
typedef uint64_t ts_word;

static inline __u64 ts_load_acquire(const ts_word *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline __u64 ts_load_word(const ts_word *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline __u64 ts_load_relaxed(const ts_word *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void ts_store_release(ts_word *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* a store no later load may pass (store-load order: a full fence) */
static inline void ts_store_fenced(ts_word *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline __u64 ts_cas(ts_word *p, ts_word old, __u64 new_)
{
	__atomic_compare_exchange_n(p, &old, new_, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return old;
}

static inline __u64 ts_fetch_or(ts_word *p, __u64 v)
{
	return __atomic_fetch_or(p, v, __ATOMIC_ACQ_REL);
}

static inline void ts_clear_bits(ts_word *p, __u64 v)
{
	__atomic_fetch_and(p, ~v, __ATOMIC_ACQ_REL);
}

static inline void ts_count_add(__u64 *p, __s64 v)
{
	__atomic_fetch_add(p, (__u64)v, __ATOMIC_RELAXED);
}

static inline void ts_fence_acquire(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void ts_fence_release(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

#endif /* __bpf__ */

#endif /* TS_ATOMIC_H */
