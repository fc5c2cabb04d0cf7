// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tc_netlink.c - count clsact filters with an RTM_GETTFILTER dump. */
#include <errno.h>
#include <stdbool.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "loader/tc_netlink.h"

/* Filters dumped under `parent`; -errno on failure. */
static int dump_count(int sock, int ifindex, __u32 parent)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
			.nlmsg_type = RTM_GETTFILTER,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.tc = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent },
	};
	char buf[16384];
	int count = 0;

	if (send(sock, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(sock, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0)
			return -errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return count;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				/* No qdisc at that parent: no filters. */
				return e->error == -EINVAL || e->error == -ENOENT ? count : e->error;
			}
			if (nh->nlmsg_type != RTM_NEWTFILTER)
				continue;
			/* A classifier instance is dumped once with handle 0,
			 * then once per filter. */
			if (((struct tcmsg *)NLMSG_DATA(nh))->tcm_handle)
				count++;
		}
	}
}

int ts_tc_count_filters(int ifindex)
{
	static const __u32 parents[] = {
		TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
		TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
	};
	int sock, total = 0;

	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0) {
		ts_err("netlink socket: %s", strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
		int n = dump_count(sock, ifindex, parents[i]);

		if (n < 0) {
			ts_err("ifindex %d: listing tc filters failed: %s", ifindex, strerror(-n));
			total = n;
			break;
		}
		total += n;
	}
	close(sock);
	return total;
}

static bool is_clsact(struct nlmsghdr *nh, int ifindex)
{
	struct tcmsg *tc = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*tc));

	if (tc->tcm_ifindex != ifindex || tc->tcm_parent != TC_H_CLSACT)
		return false;
	for (struct rtattr *a = (struct rtattr *)((char *)tc + NLMSG_ALIGN(sizeof(*tc)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == TCA_KIND && !strcmp(RTA_DATA(a), "clsact"))
			return true;
	return false;
}

int ts_tc_has_clsact(int ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
			.nlmsg_type = RTM_GETQDISC,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.tc = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex },
	};
	char buf[16384];
	int sock, found = 0, err = 0;

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
				goto out;
			}
			if (nh->nlmsg_type == RTM_NEWQDISC && is_clsact(nh, ifindex))
				found = 1;
		}
	}
out:
	close(sock);
	return err ? err : found;
}
