// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* attach.c - XDP links and tc egress filters (see attach.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "common/pin.h"
#include "loader/attach.h"
#include "loader/tc_netlink.h"

int ts_xdp_req_parse(const char *s, enum ts_xdp_req *out)
{
	if (!strcmp(s, "auto"))
		*out = TS_XDP_REQ_AUTO;
	else if (!strcmp(s, "native"))
		*out = TS_XDP_REQ_NATIVE;
	else if (!strcmp(s, "generic"))
		*out = TS_XDP_REQ_GENERIC;
	else
		return -EINVAL;
	return 0;
}

const char *ts_xdp_mode_name(enum ts_xdp_mode mode)
{
	switch (mode) {
	case TS_XDP_MODE_NATIVE:  return "native";
	case TS_XDP_MODE_GENERIC: return "generic";
	default:                  return "none";
	}
}

int ts_links_dir(char *buf, size_t len, const char *pin_dir)
{
	int n = snprintf(buf, len, "%s/links", pin_dir);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int link_pin_path(char *buf, size_t len, const char *pin_dir, const char *ifname)
{
	int n = snprintf(buf, len, "%s/links/xdp-%s", pin_dir, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int iface_index(const char *ifname)
{
	unsigned int idx = if_nametoindex(ifname);

	if (!idx) {
		ts_err("%s: no such interface", ifname);
		return -ENODEV;
	}
	return (int)idx;
}

static int prog_info_by_fd(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static int prog_info_by_id(uint32_t id, struct bpf_prog_info *info)
{
	int fd = bpf_prog_get_fd_by_id(id);
	int err;

	if (fd < 0)
		return -errno;
	err = prog_info_by_fd(fd, info);
	close(fd);
	return err;
}

/* Same instructions (map references zeroed by the kernel) -> same tag. */
static bool same_program(uint32_t attached_id, int new_prog_fd)
{
	struct bpf_prog_info a, b;

	if (prog_info_by_id(attached_id, &a) || prog_info_by_fd(new_prog_fd, &b))
		return false;
	return !memcmp(a.tag, b.tag, sizeof(a.tag)) && a.type == b.type;
}

static void describe_foreign(const char *ifname, const char *hook, uint32_t prog_id)
{
	struct bpf_prog_info info;
	const char *name = "?";

	if (!prog_info_by_id(prog_id, &info) && info.name[0])
		name = info.name;
	ts_err("%s: %s already runs another program (id %u, name %s): not replacing it; "
	       "remove it first or pick another interface", ifname, hook, prog_id, name);
}

/* Attach mode of whatever XDP program runs on ifindex. */
static enum ts_xdp_mode xdp_attached_mode(int ifindex, uint32_t *prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	*prog_id = 0;
	if (bpf_xdp_query(ifindex, 0, &q))
		return TS_XDP_MODE_NONE;
	*prog_id = q.prog_id ? q.prog_id : (q.drv_prog_id ? q.drv_prog_id :
		   (q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id));
	if (q.attach_mode == XDP_ATTACHED_DRV)
		return TS_XDP_MODE_NATIVE;
	if (q.attach_mode == XDP_ATTACHED_SKB)
		return TS_XDP_MODE_GENERIC;
	if (q.attach_mode == XDP_ATTACHED_MULTI)
		return q.drv_prog_id ? TS_XDP_MODE_NATIVE : TS_XDP_MODE_GENERIC;
	return TS_XDP_MODE_NONE;
}

/* Our pinned link for ifindex: fd (caller closes) and its program id;
 * -ENOENT if there is none, -ESTALE if its device went away or it was
 * detached (the pin then describes nothing). */
static int open_our_link(const char *path, int ifindex, uint32_t *prog_id)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int fd = ts_pin_get(path);

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		close(fd);
		ts_err("%s: cannot read link info: %s", path, strerror(-err));
		return err;
	}
	if (info.type != BPF_LINK_TYPE_XDP || (int)info.xdp.ifindex != ifindex) {
		close(fd);
		return -ESTALE;
	}
	*prog_id = info.prog_id;
	return fd;
}

static int create_link(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

static int new_xdp_link(const char *ifname, int ifindex, int prog_fd, enum ts_xdp_req req)
{
	int fd;

	if (req == TS_XDP_REQ_GENERIC)
		return create_link(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	fd = create_link(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
	if (fd >= 0 || req == TS_XDP_REQ_NATIVE) {
		if (fd < 0) {
			ts_err("%s: native XDP not available (%s): the driver lacks it; "
			       "use --xdp-mode generic or auto", ifname, strerror(-fd));
			return -EOPNOTSUPP;
		}
		return fd;
	}
	ts_info("%s: native XDP unavailable (%s), using generic", ifname, strerror(-fd));
	return create_link(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
}

static int make_links_dir(const char *pin_dir)
{
	char dir[256];
	int err = ts_links_dir(dir, sizeof(dir), pin_dir);

	if (err)
		return err;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		ts_err("%s: cannot create: %s", dir, strerror(-err));
		return err;
	}
	return 0;
}

int ts_xdp_attach(const char *pin_dir, const char *ifname, int prog_fd, enum ts_xdp_req req,
		  enum ts_xdp_mode *mode_out, enum ts_attach_action *action_out)
{
	char path[256];
	uint32_t ours = 0, attached = 0;
	int ifindex, link_fd, err;

	ifindex = iface_index(ifname);
	if (ifindex < 0)
		return ifindex;
	err = link_pin_path(path, sizeof(path), pin_dir, ifname);
	if (err)
		return err;

	link_fd = open_our_link(path, ifindex, &ours);
	if (link_fd == -ESTALE) {
		ts_warn("%s: stale link (device gone, renamed or detached), replacing it", path);
		unlink(path);
		link_fd = -ENOENT;
	}
	if (link_fd >= 0) {
		*action_out = TS_ATTACH_KEPT;
		if (!same_program(ours, prog_fd)) {
			if (bpf_link_update(link_fd, prog_fd, NULL)) {
				err = -errno;
				ts_err("%s: replacing our XDP program failed: %s", ifname, strerror(-err));
				close(link_fd);
				return err;
			}
			*action_out = TS_ATTACH_REPLACED;
		}
		close(link_fd);
		*mode_out = xdp_attached_mode(ifindex, &attached);
		if ((req == TS_XDP_REQ_NATIVE && *mode_out != TS_XDP_MODE_NATIVE) ||
		    (req == TS_XDP_REQ_GENERIC && *mode_out != TS_XDP_MODE_GENERIC))
			ts_warn("%s: keeping the running %s XDP link; run `turnstile down` first to change the mode",
				ifname, ts_xdp_mode_name(*mode_out));
		return 0;
	}
	if (link_fd != -ENOENT)
		return link_fd;

	xdp_attached_mode(ifindex, &attached);
	if (attached) {
		describe_foreign(ifname, "XDP", attached);
		return -EBUSY;
	}
	err = make_links_dir(pin_dir);
	if (err)
		return err;
	link_fd = new_xdp_link(ifname, ifindex, prog_fd, req);
	if (link_fd < 0) {
		if (link_fd != -EOPNOTSUPP)
			ts_err("%s: attaching XDP failed: %s", ifname, strerror(-link_fd));
		return link_fd;
	}
	if (bpf_obj_pin(link_fd, path)) {
		err = -errno;
		ts_err("%s: cannot pin XDP link: %s", path, strerror(-err));
		close(link_fd); /* last reference: detaches */
		return err;
	}
	close(link_fd);
	*mode_out = xdp_attached_mode(ifindex, &attached);
	*action_out = TS_ATTACH_NEW;
	return 0;
}

int ts_xdp_detach(const char *pin_dir, const char *ifname)
{
	char path[256];
	int fd, err = link_pin_path(path, sizeof(path), pin_dir, ifname);

	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* Detach explicitly: another process may still hold a link fd. */
	if (bpf_link_detach(fd) && errno != EINVAL && errno != ENOLINK)
		ts_warn("%s: detaching XDP link: %s", ifname, strerror(errno));
	close(fd);
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		ts_err("%s: cannot unpin: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

int ts_xdp_query(const char *pin_dir, const char *ifname, uint32_t *prog_id, enum ts_xdp_mode *mode)
{
	char path[256];
	uint32_t attached;
	int ifindex, fd, err = link_pin_path(path, sizeof(path), pin_dir, ifname);

	*prog_id = 0;
	*mode = TS_XDP_MODE_NONE;
	if (err)
		return err;
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	fd = open_our_link(path, ifindex, prog_id);
	if (fd < 0) {
		*prog_id = 0;
		return fd == -ENOENT || fd == -ESTALE ? 0 : fd;
	}
	close(fd);
	*mode = xdp_attached_mode(ifindex, &attached);
	return 0;
}

/* ---- tc egress --------------------------------------------------------------- */

int ts_tc_attach(const char *ifname, int prog_fd, uint32_t our_prog_id,
		 bool *created_qdisc, uint32_t *prog_id_out, enum ts_attach_action *action_out)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = TS_TC_HANDLE, .priority = TS_TC_PRIO);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TS_TC_HANDLE, .priority = TS_TC_PRIO,
		    .prog_fd = prog_fd);
	struct bpf_prog_info info;
	int ifindex, err;

	ifindex = iface_index(ifname);
	if (ifindex < 0)
		return ifindex;
	hook.ifindex = ifindex;
	*created_qdisc = false;
	*action_out = TS_ATTACH_NEW;

	/* Create clsact only when missing: libbpf's create and query both
	 * make the kernel complain otherwise. */
	err = ts_tc_has_clsact(ifindex);
	if (err < 0) {
		ts_err("%s: cannot list qdiscs: %s", ifname, strerror(-err));
		return err;
	}
	err = err ? -EEXIST : bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		ts_err("%s: cannot create clsact qdisc: %s", ifname, strerror(-err));
		return err;
	}
	*created_qdisc = !err;
	if (!*created_qdisc && !bpf_tc_query(&hook, &q)) {
		if (!our_prog_id || q.prog_id != our_prog_id) {
			describe_foreign(ifname, "tc egress filter at turnstile's handle", q.prog_id);
			return -EBUSY;
		}
		*prog_id_out = q.prog_id;
		*action_out = TS_ATTACH_KEPT;
		if (same_program(q.prog_id, prog_fd))
			return 0;
		opts.flags = BPF_TC_F_REPLACE;
		*action_out = TS_ATTACH_REPLACED;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		ts_err("%s: attaching tc egress failed: %s", ifname, strerror(-err));
		if (*created_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
			*created_qdisc = false;
		}
		return err;
	}
	if (prog_info_by_fd(prog_fd, &info) == 0)
		*prog_id_out = info.id;
	return 0;
}

int ts_tc_detach(const char *ifname, uint32_t our_prog_id, bool remove_qdisc)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = TS_TC_HANDLE, .priority = TS_TC_PRIO);
	int ifindex = (int)if_nametoindex(ifname);
	int err, others;

	if (!ifindex)
		return 0; /* interface gone: its filters went with it */
	hook.ifindex = ifindex;
	if (ts_tc_has_clsact(ifindex) == 1 && !bpf_tc_query(&hook, &q)) {
		if (q.prog_id != our_prog_id) {
			ts_warn("%s: tc egress filter at our handle runs program %u, not ours (%u): left alone",
				ifname, q.prog_id, our_prog_id);
			return 0;
		}
		LIBBPF_OPTS(bpf_tc_opts, del, .handle = TS_TC_HANDLE, .priority = TS_TC_PRIO);
		err = bpf_tc_detach(&hook, &del);
		if (err && err != -ENOENT) {
			ts_err("%s: removing tc egress filter failed: %s", ifname, strerror(-err));
			return err;
		}
	}
	if (!remove_qdisc)
		return 0;
	others = ts_tc_count_filters(ifindex);
	if (others != 0) {
		if (others > 0)
			ts_info("%s: clsact qdisc still carries %d other filter(s): kept", ifname, others);
		return 0;
	}
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT && err != -EINVAL) {
		ts_err("%s: removing clsact qdisc failed: %s", ifname, strerror(-err));
		return err;
	}
	return 0;
}
