/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tc_netlink.h - the one netlink query libbpf lacks: are there filters on
 * an interface's clsact qdisc (so we never delete a qdisc others use)? */
#ifndef TS_TC_NETLINK_H
#define TS_TC_NETLINK_H

/* Number of filters on the clsact ingress and egress hooks of ifindex,
 * or -errno. */
int ts_tc_count_filters(int ifindex);

/* 1 if ifindex has a clsact qdisc, 0 if not, or -errno. */
int ts_tc_has_clsact(int ifindex);

#endif /* TS_TC_NETLINK_H */
