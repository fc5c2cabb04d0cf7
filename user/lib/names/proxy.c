// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* proxy.c - DNS for clients that learns before it answers (see proxy.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ares.h>

#include "common/log.h"
#include "names/proxy.h"
#include "policy/net.h"

#define DNS_HDR     12
#define UDP_MAX    512    /* a client without EDNS takes no more */
#define QUERY_MAX  512

struct ts_proxy {
	int fd;
	struct ts_cares *r;
	ts_proxy_learn_fn learn;
	void *ctx;
	char listen[TS_NET_STRLEN + 8];
};

/* One relayed query: where the answer goes, and the query for a SERVFAIL. */
struct pending {
	struct ts_proxy *p;
	struct sockaddr_storage from;
	socklen_t fromlen;
	/* The address the client sent to: the reply leaves from it. On a
	 * wildcard socket the kernel would pick a source by route, which a
	 * client (or a DNAT/redirect to the proxy) does not accept. */
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} dst;
	int dst_type;                     /* IP_PKTINFO, IPV6_PKTINFO, 0 = unknown */
	unsigned char query[QUERY_MAX];
	size_t qlen;
};

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[TS_NET_STRLEN];
	const char *port = NULL, *why;
	struct ts_net net;
	long portnum = 53;

	if (s[0] == '[') {                              /* [v6]:port */
		const char *end = strchr(s, ']');

		if (!end || (size_t)(end - s - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(end - s - 1), s + 1);
		port = end[1] == ':' ? end + 2 : NULL;
	} else if (strchr(s, '.') && strchr(s, ':')) {  /* v4:port */
		snprintf(host, sizeof(host), "%.*s", (int)(strchr(s, ':') - s), s);
		port = strchr(s, ':') + 1;
	} else {
		snprintf(host, sizeof(host), "%s", s);
	}
	if (port) {
		char *end;

		portnum = strtol(port, &end, 10);
		if (*end || portnum <= 0 || portnum > 65535)
			return -EINVAL;
	}
	if (ts_net_parse(host, &net, &why) || !ts_net_is_host(&net))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (net.family == TS_FAMILY_V4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)portnum);
		memcpy(&sin->sin_addr, net.addr, 4);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)portnum);
		memcpy(&sin6->sin6_addr, net.addr, 16);
		*len = sizeof(*sin6);
	}
	return 0;
}

/* The question's name, lower case, no trailing dot; false if unreadable. */
static bool question_name(const unsigned char *abuf, int alen, char *out, size_t len)
{
	char *name = NULL;
	long enclen;

	if (alen < DNS_HDR || ares_expand_name(abuf + DNS_HDR, abuf, alen, &name, &enclen))
		return false;
	snprintf(out, len, "%s", name);
	ares_free_string(name);
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return true;
}

static void reply(struct pending *q, unsigned char *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &q->from, .msg_namelen = q->fromlen, .msg_iov = &iov, .msg_iovlen = 1,
	};

	if (q->dst_type) {
		size_t dlen = q->dst_type == IP_PKTINFO ? sizeof(q->dst.v4) : sizeof(q->dst.v6);
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(dlen);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = q->dst_type == IP_PKTINFO ? IPPROTO_IP : IPPROTO_IPV6;
		c->cmsg_type = q->dst_type;
		c->cmsg_len = CMSG_LEN(dlen);
		memcpy(CMSG_DATA(c), &q->dst, dlen);
	}
	if (sendmsg(q->p->fd, &msg, 0) < 0)
		ts_debug("names proxy %s: reply not sent: %s", q->p->listen, strerror(errno));
}

/* Where the query was sent to, from its IP_PKTINFO/IPV6_PKTINFO. */
static void note_dst(struct pending *q, struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&q->dst.v4, CMSG_DATA(c), sizeof(q->dst.v4));
			q->dst.v4.ipi_ifindex = 0; /* from ipi_spec_dst, any route out */
			q->dst_type = IP_PKTINFO;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&q->dst.v6, CMSG_DATA(c), sizeof(q->dst.v6));
			/* the interface matters only for a link-local source */
			if (!IN6_IS_ADDR_LINKLOCAL(&q->dst.v6.ipi6_addr))
				q->dst.v6.ipi6_ifindex = 0;
			q->dst_type = IPV6_PKTINFO;
		}
	}
}

/* The client's query answered with SERVFAIL. */
static void reply_servfail(struct pending *q)
{
	q->query[2] |= 0x80;                       /* QR */
	q->query[3] = (uint8_t)((q->query[3] & 0x70) | 0x80 | 2); /* RA, rcode SERVFAIL */
	reply(q, q->query, q->qlen);
}

static void on_answer(void *arg, int status, const unsigned char *abuf, int alen,
		      const char *server, uint64_t received_ns)
{
	struct pending *q = arg;
	unsigned char out[UDP_MAX];
	char qname[256];
	size_t len;

	if (status == ARES_EDESTRUCTION)
		goto out;
	if (status != ARES_SUCCESS || alen < DNS_HDR) {
		reply_servfail(q);
		goto out;
	}
	/* Learn (and write the maps) before the client can see the answer. */
	if (question_name(abuf, alen, qname, sizeof(qname)))
		q->p->learn(q->p->ctx, qname, abuf, alen, server, received_ns);
	if ((size_t)alen <= sizeof(out)) {
		len = (size_t)alen;
		memcpy(out, abuf, len);
	} else {
		/* Too big for a plain UDP client: the header and question, TC set. */
		len = q->qlen;
		memcpy(out, q->query, len);
		out[2] = (uint8_t)(abuf[2] | 0x02);
		out[3] = abuf[3];
	}
	memcpy(out, q->query, 2);                  /* the client's id, not c-ares' */
	reply(q, out, len);
out:
	free(q);
}

static void on_readable(void *ctx)
{
	struct ts_proxy *p = ctx;

	for (;;) {
		struct pending *q = calloc(1, sizeof(*q));
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				 CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov;
		struct msghdr msg = { 0 };
		ssize_t n;

		if (!q)
			return;
		q->p = p;
		iov = (struct iovec){ .iov_base = q->query, .iov_len = sizeof(q->query) };
		msg = (struct msghdr){
			.msg_name = &q->from, .msg_namelen = sizeof(q->from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		n = recvmsg(p->fd, &msg, MSG_DONTWAIT);
		q->fromlen = msg.msg_namelen;
		if (n >= 0)
			note_dst(q, &msg);
		/* Only queries (QR clear) with a header are relayed. */
		if (n < DNS_HDR || (q->query[2] & 0x80)) {
			free(q);
			if (n < 0)
				return;
			continue;
		}
		q->qlen = (size_t)n;
		if (ts_cares_forward(p->r, q->query, q->qlen, on_answer, q)) {
			reply_servfail(q);
			free(q);
		}
	}
}

/* Replies leave from the address each query came to (pktinfo); "[::]"
 * serves both families, whatever net.ipv6.bindv6only says. */
static int set_sockopts(int fd, const struct sockaddr_storage *ss)
{
	int on = 1, off = 0;

	if (ss->ss_family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	if (IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)))
		return -1;
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
}

int ts_proxy_open(struct ts_proxy **out, struct ts_cares *r, const char *listen,
		  ts_proxy_learn_fn learn, void *ctx)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct ts_proxy *p;
	int err;

	*out = NULL;
	if (parse_listen(listen, &ss, &len)) {
		ts_err("names proxy: \"%s\" is not ADDR, ADDR:PORT or [V6]:PORT", listen);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->listen, sizeof(p->listen), "%s", listen);
	p->r = r;
	p->learn = learn;
	p->ctx = ctx;
	p->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0 || set_sockopts(p->fd, &ss) || bind(p->fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		ts_err("names proxy %s: cannot listen: %s", listen, strerror(errno));
		goto fail;
	}
	err = ts_cares_watch(r, p->fd, on_readable, p);
	if (err)
		goto fail;
	*out = p;
	return 0;
fail:
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	return err;
}

void ts_proxy_close(struct ts_proxy *p)
{
	if (!p)
		return;
	ts_cares_unwatch(p->r);
	close(p->fd);
	free(p);
}
