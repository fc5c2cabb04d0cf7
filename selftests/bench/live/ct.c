// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ct.c - established conntrack entries by ctnetlink (ct.h): what the
 * `conntrack -I` tool does, for 100k flows in one process. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

#include "ct.h"
#include "flows.h"

struct msg {
	char b[512];
	size_t len;
};

static struct nlattr *put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (data)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(a->nla_len);
	return a;
}

static struct nlattr *nest(struct msg *m, uint16_t type)
{
	return put(m, type | NLA_F_NESTED, NULL, 0);
}

static void end(struct msg *m, struct nlattr *a)
{
	a->nla_len = m->b + m->len - (char *)a;
}

static void tuple(struct msg *m, uint16_t type, const struct live_tuple *t)
{
	struct nlattr *tu = nest(m, type), *ip = nest(m, CTA_TUPLE_IP), *pr;
	uint8_t proto = 6;
	uint16_t sp = htons(t->sport), dp = htons(t->dport);

	put(m, t->family == 4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, t->src, t->family == 4 ? 4 : 16);
	put(m, t->family == 4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, t->dst, t->family == 4 ? 4 : 16);
	end(m, ip);
	pr = nest(m, CTA_TUPLE_PROTO);
	put(m, CTA_PROTO_NUM, &proto, 1);
	put(m, CTA_PROTO_SRC_PORT, &sp, 2);
	put(m, CTA_PROTO_DST_PORT, &dp, 2);
	end(m, pr);
	end(m, tu);
}

static void build(struct msg *m, const struct live_tuple *t, uint32_t seq)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->b;
	struct nfgenmsg *g = (struct nfgenmsg *)(h + 1);
	struct live_tuple r;
	struct nlattr *pi, *tcp;
	struct nf_ct_tcp_flags liberal = { IP_CT_TCP_FLAG_BE_LIBERAL, IP_CT_TCP_FLAG_BE_LIBERAL };
	uint8_t state = 3;   /* TCP_CONNTRACK_ESTABLISHED */
	uint32_t timeout = htonl(3600), status = htonl(IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED);

	memset(m, 0, sizeof(*m));
	h->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	h->nlmsg_seq = seq;
	g->nfgen_family = t->family == 4 ? AF_INET : AF_INET6;
	g->version = NFNETLINK_V0;
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*g));
	live_reverse(t, &r);
	tuple(m, CTA_TUPLE_ORIG, t);
	tuple(m, CTA_TUPLE_REPLY, &r);
	pi = nest(m, CTA_PROTOINFO);
	tcp = nest(m, CTA_PROTOINFO_TCP);
	put(m, CTA_PROTOINFO_TCP_STATE, &state, 1);
	put(m, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, &liberal, sizeof(liberal));
	put(m, CTA_PROTOINFO_TCP_FLAGS_REPLY, &liberal, sizeof(liberal));
	end(m, tcp);
	end(m, pi);
	put(m, CTA_TIMEOUT, &timeout, 4);
	put(m, CTA_STATUS, &status, 4);
	h->nlmsg_len = m->len;
}

int live_ct_insert(int family, uint32_t n)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER), err = 0;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	for (uint32_t i = 0; i < n && !err; i++) {
		struct live_tuple t;
		struct msg m;
		char ack[1024];
		struct nlmsghdr *h = (struct nlmsghdr *)ack;
		ssize_t got;

		live_flow(i, family, LIVE_ESTABLISHED, &t);
		build(&m, &t, i + 1);
		if (send(fd, m.b, m.len, 0) != (ssize_t)m.len) {
			err = -errno;
			break;
		}
		got = recv(fd, ack, sizeof(ack), 0);
		if (got < (ssize_t)NLMSG_HDRLEN) {
			err = got < 0 ? -errno : -EIO;
			break;
		}
		if (h->nlmsg_type == NLMSG_ERROR)
			err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	close(fd);
	return err;
}
