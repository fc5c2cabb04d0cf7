// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_attach.c - the attach layer on its own, in a private network
 * namespace: an unchanged program is kept, a changed one is swapped in
 * place (same XDP link, same tc handle), a filter at our handle that is
 * not ours is refused, detach removes exactly what was added; the pin-dir
 * lock excludes a second holder and survives `down` removing the dir.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader/attach.h"
#include "loader/lock.h"
#include "loader/tc_netlink.h"
#include "testlib.h"

#define PIN_DIR "/sys/fs/bpf/ts_attach_test"
#define IFACE   "tsat0"

/* r0 = ret; [r1 = 0;] exit: `variant` changes the instructions (and tag). */
static int load_prog(enum bpf_prog_type type, int ret, int variant)
{
	struct bpf_insn insns[3];
	int n = 0;

	if (variant)
		insns[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1 };
	insns[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret };
	insns[n++] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	return bpf_prog_load(type, "ts_test", "GPL", insns, n, NULL);
}

static uint32_t prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static uint32_t xdp_attached(void)
{
	uint32_t id = 0;

	bpf_xdp_query_id((int)if_nametoindex(IFACE), 0, &id);
	return id;
}

static uint32_t link_id(void)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(PIN_DIR "/links/xdp-" IFACE);
	uint32_t id = 0;

	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		id = info.id;
	if (fd >= 0)
		close(fd);
	return id;
}

static void test_xdp_keep_replace_detach(void)
{
	int a = load_prog(BPF_PROG_TYPE_XDP, XDP_PASS, 0);
	int a2 = load_prog(BPF_PROG_TYPE_XDP, XDP_PASS, 0);
	int b = load_prog(BPF_PROG_TYPE_XDP, XDP_PASS, 1);
	enum ts_xdp_mode mode;
	enum ts_attach_action act;
	uint32_t link;
	int err;

	TS_CHECK(a >= 0 && a2 >= 0 && b >= 0, "loading test programs failed");
	err = ts_xdp_attach(PIN_DIR, IFACE, a, TS_XDP_REQ_AUTO, &mode, &act);
	TS_CHECK(!err && act == TS_ATTACH_NEW, "first attach: err %d action %d", err, act);
	TS_CHECK(xdp_attached() == prog_id(a), "attached %u, want %u", xdp_attached(), prog_id(a));
	TS_CHECK(mode == TS_XDP_MODE_NATIVE, "veth has native XDP; got mode %d", mode);
	link = link_id();
	TS_CHECK(link != 0, "no pinned link");

	err = ts_xdp_attach(PIN_DIR, IFACE, a2, TS_XDP_REQ_AUTO, &mode, &act);
	TS_CHECK(!err && act == TS_ATTACH_KEPT, "same program: err %d action %d", err, act);
	TS_CHECK(xdp_attached() == prog_id(a), "same program must stay (%u)", xdp_attached());

	err = ts_xdp_attach(PIN_DIR, IFACE, b, TS_XDP_REQ_AUTO, &mode, &act);
	TS_CHECK(!err && act == TS_ATTACH_REPLACED, "changed program: err %d action %d", err, act);
	TS_CHECK(xdp_attached() == prog_id(b), "attached %u, want the new %u", xdp_attached(), prog_id(b));
	TS_CHECK(link_id() == link, "the link must be updated in place (%u -> %u)", link, link_id());

	TS_CHECK(!ts_xdp_detach(PIN_DIR, IFACE), "detach failed");
	TS_CHECK(xdp_attached() == 0, "program %u still attached", xdp_attached());
	TS_CHECK(access(PIN_DIR "/links/xdp-" IFACE, F_OK), "link pin left behind");
	TS_CHECK(!ts_xdp_detach(PIN_DIR, IFACE), "second detach must be a no-op");
	close(a);
	close(a2);
	close(b);
}

static void test_xdp_refuses_foreign(void)
{
	int f = load_prog(BPF_PROG_TYPE_XDP, XDP_PASS, 1);
	int ours = load_prog(BPF_PROG_TYPE_XDP, XDP_PASS, 0);
	enum ts_xdp_mode mode;
	enum ts_attach_action act;
	int err;

	TS_CHECK(!bpf_xdp_attach((int)if_nametoindex(IFACE), f, XDP_FLAGS_SKB_MODE, NULL),
		 "attaching the foreign program failed");
	err = ts_xdp_attach(PIN_DIR, IFACE, ours, TS_XDP_REQ_AUTO, &mode, &act);
	TS_CHECK(err == -EBUSY, "foreign XDP program: got %d, want -EBUSY", err);
	TS_CHECK(xdp_attached() == prog_id(f), "the foreign program must stay");
	TS_CHECK(!ts_xdp_detach(PIN_DIR, IFACE) && xdp_attached() == prog_id(f),
		 "detach must not touch a foreign program");
	bpf_xdp_detach((int)if_nametoindex(IFACE), XDP_FLAGS_SKB_MODE, NULL);
	close(f);
	close(ours);
}

static uint32_t tc_attached(void)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(IFACE),
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = TS_TC_HANDLE, .priority = TS_TC_PRIO);

	if (ts_tc_has_clsact(hook.ifindex) != 1 || bpf_tc_query(&hook, &q))
		return 0;
	return q.prog_id;
}

static void test_tc_keep_replace_detach(void)
{
	int a = load_prog(BPF_PROG_TYPE_SCHED_CLS, 0, 0);
	int a2 = load_prog(BPF_PROG_TYPE_SCHED_CLS, 0, 0);
	int b = load_prog(BPF_PROG_TYPE_SCHED_CLS, 0, 1);
	enum ts_attach_action act;
	uint32_t id = 0;
	bool created = false;
	int err;

	err = ts_tc_attach(IFACE, a, 0, &created, &id, &act);
	TS_CHECK(!err && act == TS_ATTACH_NEW && created, "first: err %d action %d created %d", err, act, created);
	TS_CHECK(tc_attached() == prog_id(a) && id == prog_id(a), "filter runs %u, want %u", tc_attached(), prog_id(a));

	err = ts_tc_attach(IFACE, a2, 0, &created, &id, &act);
	TS_CHECK(err == -EBUSY, "a filter at our handle we did not record is foreign: got %d", err);

	err = ts_tc_attach(IFACE, a2, prog_id(a), &created, &id, &act);
	TS_CHECK(!err && act == TS_ATTACH_KEPT && !created, "same program: err %d action %d", err, act);
	TS_CHECK(tc_attached() == prog_id(a), "same program must stay");

	err = ts_tc_attach(IFACE, b, prog_id(a), &created, &id, &act);
	TS_CHECK(!err && act == TS_ATTACH_REPLACED, "changed: err %d action %d", err, act);
	TS_CHECK(tc_attached() == prog_id(b) && id == prog_id(b), "filter runs %u, want %u", tc_attached(), prog_id(b));

	TS_CHECK(!ts_tc_detach(IFACE, prog_id(a), true) && tc_attached() == prog_id(b),
		 "detach with a stale id must leave the filter");
	TS_CHECK(!ts_tc_detach(IFACE, prog_id(b), true), "detach failed");
	TS_CHECK(ts_tc_has_clsact((int)if_nametoindex(IFACE)) == 0, "the clsact qdisc we created is left");
	close(a);
	close(a2);
	close(b);
}

/* A clsact qdisc we created but someone else now uses is kept, with their filter. */
static void test_tc_keeps_shared_qdisc(void)
{
	LIBBPF_OPTS(bpf_tc_hook, ingress, .ifindex = (int)if_nametoindex(IFACE),
		    .attach_point = BPF_TC_INGRESS);
	int ours = load_prog(BPF_PROG_TYPE_SCHED_CLS, 0, 0);
	int theirs = load_prog(BPF_PROG_TYPE_SCHED_CLS, 0, 1);
	LIBBPF_OPTS(bpf_tc_opts, other, .handle = 1, .priority = 1, .prog_fd = theirs);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = 1, .priority = 1);
	enum ts_attach_action act;
	uint32_t id = 0;
	bool created = false;

	TS_CHECK(!ts_tc_attach(IFACE, ours, 0, &created, &id, &act) && created, "attach failed");
	TS_CHECK(!bpf_tc_attach(&ingress, &other), "foreign ingress filter not attached");
	TS_CHECK(ts_tc_count_filters(ingress.ifindex) == 2, "count %d, want 2",
		 ts_tc_count_filters(ingress.ifindex));
	TS_CHECK(!ts_tc_detach(IFACE, id, true), "detach failed");
	TS_CHECK(tc_attached() == 0, "our filter is still there");
	TS_CHECK(!bpf_tc_query(&ingress, &q) && q.prog_id == prog_id(theirs),
		 "the foreign filter (and its qdisc) must survive our detach");
	ingress.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&ingress);
	close(ours);
	close(theirs);
}

static void test_lock(void)
{
	int fd = ts_lock_pin_dir(PIN_DIR, 0), status = 0;
	pid_t child;

	TS_CHECK(fd >= 0, "lock: %d", fd);
	child = fork();
	if (child == 0)
		_exit(ts_lock_pin_dir(PIN_DIR, 200) == -EWOULDBLOCK ? 0 : 1);
	waitpid(child, &status, 0);
	TS_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a second holder must wait, then fail");
	/* `down` removes the directory under the lock; the next taker must
	 * lock the new directory, not the removed one. */
	rmdir(PIN_DIR "/links");
	TS_CHECK(!rmdir(PIN_DIR), "rmdir: %s", strerror(errno));
	ts_unlock(fd);
	fd = ts_lock_pin_dir(PIN_DIR, 0);
	TS_CHECK(fd >= 0 && !access(PIN_DIR, F_OK), "relock after removal: %d", fd);
	ts_unlock(fd);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("attach", "needs root");
		return ts_done();
	}
	if (unshare(CLONE_NEWNET) ||
	    system("ip link add " IFACE " type veth peer name tsat1 && ip link set " IFACE " up && "
		   "ip link set tsat1 up") != 0 || mkdir(PIN_DIR, 0700)) {
		ts_skip("attach", "cannot make a private network namespace with a veth");
		return ts_done();
	}
	ts_run("xdp_keep_replace_detach", test_xdp_keep_replace_detach);
	ts_run("xdp_refuses_foreign", test_xdp_refuses_foreign);
	ts_run("tc_keep_replace_detach", test_tc_keep_replace_detach);
	ts_run("tc_keeps_shared_qdisc", test_tc_keeps_shared_qdisc);
	ts_run("lock", test_lock);
	rmdir(PIN_DIR "/links");
	rmdir(PIN_DIR);
	return ts_done();
}
