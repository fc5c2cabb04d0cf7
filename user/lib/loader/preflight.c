// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* preflight.c - root, bpffs, BTF and JIT checks (see preflight.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "common/log.h"
#include "loader/preflight.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"
#define JIT_SYSCTL  "/proc/sys/net/core/bpf_jit_enable"

int ts_bpffs_is_mounted(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC ? 0 : -ENODEV;
}

static enum ts_preflight check_root(void)
{
	if (geteuid() != 0) {
		ts_err("turnstile needs root (CAP_BPF and CAP_NET_ADMIN): run it as root");
		return TS_PF_NOT_ROOT;
	}
	return TS_PF_OK;
}

static enum ts_preflight ensure_bpffs(const char *root, int may_mount)
{
	int err = ts_bpffs_is_mounted(root);

	if (!err)
		return TS_PF_OK;
	if (!may_mount || err != -ENODEV) {
		ts_err("%s: no BPF filesystem mounted there (%s)", root,
		       err == -ENODEV ? "other filesystem" : strerror(-err));
		return TS_PF_NO_BPFFS;
	}
	if (mount("bpf", root, "bpf", 0, "mode=0700")) {
		ts_err("%s: bpffs not mounted and mounting it failed: %s", root, strerror(errno));
		return TS_PF_NO_BPFFS;
	}
	ts_info("mounted bpffs on %s", root);
	return TS_PF_OK;
}

static enum ts_preflight check_btf(void)
{
	if (access(BTF_VMLINUX, R_OK)) {
		ts_err("%s: kernel BTF missing (%s): a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed",
		       BTF_VMLINUX, strerror(errno));
		return TS_PF_NO_BTF;
	}
	return TS_PF_OK;
}

/* The sysctl exists only in the initial network namespace: elsewhere,
 * load the smallest program and ask the kernel whether it was JITed. */
static int probe_jit(void)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, jited;

	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "ts_jit_probe", "GPL", prog, 2, NULL);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	jited = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.jited_prog_len > 0;
	close(fd);
	return jited;
}

static enum ts_preflight check_jit(void)
{
	FILE *f = fopen(JIT_SYSCTL, "r");
	int on = -1;

	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = -1;
		fclose(f);
	} else if (errno == ENOENT) {
		on = probe_jit();
		if (on < 0) {
			ts_err("BPF JIT probe: cannot load a program: %s", strerror(-on));
			return TS_PF_NO_JIT;
		}
	}
	if (on <= 0) {
		ts_err("BPF JIT disabled (%s is %d): enable it with sysctl net.core.bpf_jit_enable=1",
		       JIT_SYSCTL, on);
		return TS_PF_NO_JIT;
	}
	return TS_PF_OK;
}

enum ts_preflight ts_preflight_check(const char *bpffs_root)
{
	enum ts_preflight r;

	if ((r = check_root()) != TS_PF_OK)
		return r;
	if ((r = check_btf()) != TS_PF_OK)
		return r;
	if ((r = check_jit()) != TS_PF_OK)
		return r;
	return ensure_bpffs(bpffs_root, 1);
}

enum ts_preflight ts_preflight_readonly(const char *bpffs_root)
{
	char pin[256];
	enum ts_preflight r;

	/* a member of the readers' group (loader/readers.h) reads the pins
	 * without root; the kernel lets it do nothing else */
	snprintf(pin, sizeof(pin), "%s/turnstile/ts_config", bpffs_root);
	if (geteuid() != 0 && !access(pin, R_OK))
		return ensure_bpffs(bpffs_root, 0);
	r = check_root();

	if (r != TS_PF_OK)
		return r;
	return ensure_bpffs(bpffs_root, 0);
}
