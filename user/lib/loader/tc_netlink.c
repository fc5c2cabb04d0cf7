// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tc_netlink.c - clsact and filter queries libbpf lacks, by rtnetlink dumps. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "loader/tc_netlink.h"

/* Called for each message of the dump's type; returns what to add to the count. */
typedef int (*dump_fn)(const struct nlmsghdr *nh, int ifindex);

/*
 * Dumps `type` (RTM_GETQDISC, RTM_GETTFILTER) for ifindex under `parent`
 * and sums fn over the answers. A missing parent (no clsact qdisc) is an
 * empty dump. Returns the sum or -errno.
 */
static int dump(int type, int ifindex, __u32 parent, dump_fn fn)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
			.nlmsg_type = (__u16)type,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.tc = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent },
	};
	int answer = type == RTM_GETQDISC ? RTM_NEWQDISC : RTM_NEWTFILTER;
	char buf[16384];
	int sock, sum = 0, err = 0;

	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		return -errno;
	if (send(sock, &req, req.nh.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		ssize_t len = recv(sock, buf, sizeof(buf), 0);

		if (len < 0) {
			err = -errno;
			goto out;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
				if (err == -EINVAL || err == -ENOENT)
					err = 0; /* no qdisc at that parent */
				goto out;
			}
			if (nh->nlmsg_type == answer)
				sum += fn(nh, ifindex);
		}
	}
out:
	close(sock);
	return err ? err : sum;
}

/* A classifier instance is dumped once with handle 0, then once per filter. */
static int count_filter(const struct nlmsghdr *nh, int ifindex)
{
	return ((const struct tcmsg *)NLMSG_DATA(nh))->tcm_handle != 0;
}

static int is_clsact(const struct nlmsghdr *nh, int ifindex)
{
	const struct tcmsg *tc = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*tc));

	if (tc->tcm_ifindex != ifindex || tc->tcm_parent != TC_H_CLSACT)
		return 0;
	for (const struct rtattr *a = (const struct rtattr *)((const char *)tc + NLMSG_ALIGN(sizeof(*tc)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == TCA_KIND && !strcmp(RTA_DATA(a), "clsact"))
			return 1;
	return 0;
}

int ts_tc_count_filters(int ifindex)
{
	int in = dump(RTM_GETTFILTER, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), count_filter);
	int eg = in < 0 ? 0 : dump(RTM_GETTFILTER, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
				   count_filter);

	if (in < 0 || eg < 0) {
		ts_err("ifindex %d: listing tc filters failed: %s", ifindex, strerror(-(in < 0 ? in : eg)));
		return in < 0 ? in : eg;
	}
	return in + eg;
}

int ts_tc_has_clsact(int ifindex)
{
	int n = dump(RTM_GETQDISC, ifindex, 0, is_clsact);

	return n < 0 ? n : n > 0;
}
