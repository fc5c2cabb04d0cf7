/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * attach.h - putting turnstile's programs on interfaces and taking them
 * off again, through libbpf and netlink only.
 *
 * XDP: one bpf_link per interface, pinned at PIN_DIR/links/xdp-IFNAME; an
 * interface is ours when its attached program is the one our pinned link
 * holds. Anything else attached there is foreign and never replaced.
 * tc egress: a cls_bpf filter on the clsact qdisc at a fixed handle and
 * priority (TS_TC_HANDLE/TS_TC_PRIO), ours when its program id is the one
 * recorded in the loader state.
 *
 * Re-attaching over our own program replaces it only when the new program
 * differs (prog tag), with bpf_link_update / BPF_TC_F_REPLACE: there is
 * never a moment without a program.
 */
#ifndef TS_ATTACH_H
#define TS_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnstile.h"

#define TS_TC_HANDLE 0x7473u /* "ts" */
#define TS_TC_PRIO   0x7473u

enum ts_xdp_req {
	TS_XDP_REQ_AUTO = 0,  /* native if the driver has it, else generic */
	TS_XDP_REQ_NATIVE,
	TS_XDP_REQ_GENERIC,
};

/* "auto" | "native" | "generic" -> request; -EINVAL otherwise. */
int ts_xdp_req_parse(const char *s, enum ts_xdp_req *out);
const char *ts_xdp_mode_name(enum ts_xdp_mode mode); /* "native", "generic", "none" */

/* What ts_xdp_attach / ts_tc_attach did. */
enum ts_attach_action {
	TS_ATTACH_NEW = 0,    /* nothing of ours was there */
	TS_ATTACH_KEPT,       /* ours, same program: untouched */
	TS_ATTACH_REPLACED,   /* ours, program changed: swapped atomically */
};

/*
 * Attach `prog_fd` as XDP on `ifname`. Errors: -ENODEV no such interface,
 * -EBUSY a foreign XDP program is attached, -EOPNOTSUPP native mode asked
 * for but the driver has none.
 */
int ts_xdp_attach(const char *pin_dir, const char *ifname, int prog_fd, enum ts_xdp_req req,
		  enum ts_xdp_mode *mode_out, enum ts_attach_action *action_out);
/* Detach and unpin our link on `ifname`; 0 if there was none. */
int ts_xdp_detach(const char *pin_dir, const char *ifname);
/* Program id behind our pinned link on `ifname` (0 = none) and its mode. */
int ts_xdp_query(const char *pin_dir, const char *ifname, uint32_t *prog_id,
		 enum ts_xdp_mode *mode);

/* Attach `prog_fd` as the tc egress filter on `ifname`. `our_prog_id` is
 * the filter program we installed before (0 = none); a filter at our
 * handle/priority with another program is foreign (-EBUSY). */
int ts_tc_attach(const char *ifname, int prog_fd, uint32_t our_prog_id,
		 bool *created_qdisc, uint32_t *prog_id_out, enum ts_attach_action *action_out);
/* Remove our filter (only when it still runs `our_prog_id`), and the
 * clsact qdisc when we created it and nothing else uses it. */
int ts_tc_detach(const char *ifname, uint32_t our_prog_id, bool remove_qdisc);

/* Link pins directory: PIN_DIR/links. */
int ts_links_dir(char *buf, size_t len, const char *pin_dir);

#endif /* TS_ATTACH_H */
