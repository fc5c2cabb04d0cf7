/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pin.h - opening turnstile's pins for reading. Root opens them read-write
 * as always; a member of the readers' group (loader/readers.h) may only
 * read them (mode 0640, group turnstile), so the open falls back to a
 * read-only fd: lookups work, every write fails in the kernel.
 *
 * The kernel maps a map's memory only through a writable fd (a shared
 * mapping of a read-only file loses VM_SHARED, which bpf_map_mmap
 * refuses). A reader gets a snapshot instead: private anonymous memory
 * with the same layout, filled by batched lookups, read-only.
 */
#ifndef TS_COMMON_PIN_H
#define TS_COMMON_PIN_H

#include <stdbool.h>
#include <stddef.h>

/* As bpf_obj_get(): an fd, or a negative value with errno set. */
int ts_pin_get(const char *path);

/* As mmap(NULL, bytes, PROT_READ [| PROT_WRITE], MAP_SHARED, fd, 0) of an
 * mmapable BPF array; for a read-only fd (and !writable) a snapshot of
 * the same bytes. MAP_FAILED with errno set on failure; munmap() either. */
void *ts_pin_mmap(int fd, size_t bytes, bool writable);

#endif /* TS_COMMON_PIN_H */
