/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * preflight.h - what must hold before turnstile touches the kernel: root,
 * a mounted bpffs (mounted here when missing), kernel BTF, the BPF JIT, and
 * each interface named on the command line. Each failure is one clear
 * line in the log and one distinct result, which the CLI maps to its exit
 * code.
 */
#ifndef TS_PREFLIGHT_H
#define TS_PREFLIGHT_H

enum ts_preflight {
	TS_PF_OK = 0,
	TS_PF_NOT_ROOT,
	TS_PF_NO_BPFFS,
	TS_PF_NO_BTF,
	TS_PF_NO_JIT,
};

/* Where the BPF filesystem is expected (the parent of TS_PIN_DIR). */
#define TS_BPFFS_ROOT "/sys/fs/bpf"

/* Checks root, BTF and the JIT, then makes sure `bpffs_root` is a bpffs
 * (mounting one there if nothing is mounted). */
enum ts_preflight ts_preflight_check(const char *bpffs_root);

/* Same checks for read-only commands: root (or read access to the pins,
 * loader/readers.h) and bpffs only, never mounts. */
enum ts_preflight ts_preflight_readonly(const char *bpffs_root);

/* 0 if `path` is on a bpffs, -ENODEV if it is another filesystem. */
int ts_bpffs_is_mounted(const char *path);

#endif /* TS_PREFLIGHT_H */
