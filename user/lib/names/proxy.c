// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* proxy.c - DNS for clients that learns before it answers (see proxy.h):
 * the sockets, the UDP side, relaying and answering. TCP connections are
 * proxy_tcp.c's. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <ares.h>

#include "common/log.h"
#include "names/proxy_internal.h"

#define UDP_RECV_MAX     4096  /* a longer query is not one a resolver takes over UDP */
#define UDP_READS_A_TURN 256   /* then the other sockets get their turn */
/* Room for a burst: one client's flood must not make the kernel drop
 * another client's query before we read it (SO_RCVBUFFORCE: past rmem_max). */
#define UDP_RCVBUF       (4 << 20)
#define STATS_EVERY_MS   1000  /* counters file at most this often */

static const struct ts_proxy_limits default_limits = {
	.inflight = 1024, .inflight_per_client = 64, .tcp_conns = 128,
	.tcp_conns_per_client = 16, .tcp_idle_ms = 10000, .udp_max = 1232,
};

int64_t ts_proxy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t ts_proxy_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ts_proxy_client_key(const struct sockaddr_storage *from, struct ts_net *out)
{
	memset(out, 0, sizeof(*out));
	if (from->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)from)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) { /* [::] socket, IPv4 client */
			out->family = TS_FAMILY_V4;
			out->plen = 32;
			memcpy(out->addr, &a->s6_addr[12], 4);
			return;
		}
		out->family = TS_FAMILY_V6;
		out->plen = 64; /* one host's share: SLAAC gives it the whole /64 */
		memcpy(out->addr, a, 8);
	} else {
		out->family = TS_FAMILY_V4;
		out->plen = 32;
		memcpy(out->addr, &((const struct sockaddr_in *)from)->sin_addr, 4);
	}
}

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
		if ((size_t)(strchr(s, ':') - s) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(strchr(s, ':') - s), s);
		port = strchr(s, ':') + 1;
	} else {
		if (strlen(s) >= sizeof(host))
			return -EINVAL;
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

/* ---- replies ------------------------------------------------------------ */

static void udp_send(struct pending *q, const unsigned char *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
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
	if (sendmsg(q->p->udp_fd, &msg, 0) < 0)
		ts_debug("names proxy %s: reply not sent: %s", q->p->listen, strerror(errno));
}

/* Sends msg to q's client, over whatever q came on. */
static void send_reply(struct pending *q, const unsigned char *msg, size_t len)
{
	if (q->conn >= 0)
		ts_proxy_tcp_send(q->p, q, msg, len);
	else
		udp_send(q, msg, len);
}

/* Header and question of the client's own query, with an rcode (and RA, QR). */
void ts_proxy_reply_rcode(struct pending *q, unsigned rcode)
{
	unsigned char out[DNS_TCP_MAX];
	size_t len = q->q.question_end ? q->q.question_end : TS_DNS_HDR;

	memcpy(out, q->query, len);
	out[2] = (uint8_t)((out[2] & 0x79) | 0x80);         /* QR; keep opcode, RD */
	out[3] = (uint8_t)(0x80 | (rcode & 0x0f));           /* RA, rcode */
	memset(out + 6, 0, 6);                                /* no an/ns/ar */
	if (!q->q.question_end)
		memset(out + 4, 0, 2);                        /* question unreadable */
	send_reply(q, out, len);
}

/* The client's UDP limit: 512 without EDNS0, else its size within [512, cap]. */
static size_t udp_limit(const struct ts_proxy *p, const struct pending *q)
{
	size_t want = q->q.edns ? q->q.edns_udp : DNS_UDP_PLAIN;

	if (want < DNS_UDP_PLAIN)
		want = DNS_UDP_PLAIN;
	return want > p->lim.udp_max ? p->lim.udp_max : want;
}

/* An answer over the client's UDP limit: header and question, TC set, and
 * our OPT when the client spoke EDNS0, so it retries over TCP. */
static void send_truncated(struct ts_proxy *p, struct pending *q, const unsigned char *abuf)
{
	unsigned char out[DNS_TCP_MAX];
	size_t len = q->q.question_end;

	memcpy(out, q->query, len);
	out[2] = (uint8_t)(abuf[2] | 0x02);                   /* the answer's flags + TC */
	out[3] = abuf[3];
	memset(out + 4, 0, 8);
	out[5] = 1;                                           /* one question */
	if (q->q.edns && len + 11 <= sizeof(out)) {
		const unsigned char opt[11] = { 0, 0, 41, (uint8_t)(p->lim.udp_max >> 8),
						(uint8_t)p->lim.udp_max, 0, 0, 0, 0, 0, 0 };

		memcpy(out + len, opt, sizeof(opt));
		len += sizeof(opt);
		out[11] = 1;
	}
	p->m.truncated++;
	send_reply(q, out, len);
}

/* ---- answers ------------------------------------------------------------ */

/* Reads the answer and teaches it. false = refused (the caller sends SERVFAIL). */
static bool learn_answer(struct ts_proxy *p, struct pending *q, const unsigned char *abuf,
			 size_t alen, const char *server, uint64_t received_ns)
{
	struct ts_proxy_answer pa = { .client = &q->client, .server = server,
				      .received_ns = received_ns };
	int dns_err = 0;
	enum ts_proxy_refusal r = ts_proxy_read_answer(&q->q, abuf, alen, p->addrs, p->ttls,
						       PROXY_ADDRS_MAX, &pa, &dns_err);
	enum ts_learn_outcome o;

	if (r != TS_REFUSED_MAX) {
		p->m.refused[r]++;
		if (dns_err > 0 && dns_err < TS_DNS_E_MAX)
			p->m.answer_errors[dns_err]++;
		ts_debug("names proxy: answer for %s refused: %s", q->q.qname.text,
			 dns_err ? ts_dns_err_name(dns_err) : ts_proxy_refusal_name(r));
		return false;
	}
	if (!pa.qname)
		o = TS_LEARN_NOT_HOST;
	else if (!p->learn)
		o = TS_LEARN_NONE;
	else
		o = p->learn(p->learn_ctx, &pa);
	p->m.learn[o < TS_LEARN_MAX ? o : TS_LEARN_ERROR]++;
	return true;
}

static void release(struct ts_proxy *p, struct pending *q)
{
	p->inflight--;
	ts_clients_dec(&p->inflight_by_client, &q->client);
	if (q->conn >= 0)
		ts_proxy_tcp_done(p, q);
	free(q);
}

static void on_answer(void *arg, int status, const unsigned char *abuf, int alen,
		      const char *server, uint64_t received_ns)
{
	struct pending *q = arg;
	struct ts_proxy *p = q->p;

	if (status == ARES_EDESTRUCTION && !p->r) {
		/* The proxy is closing: nobody to answer. */
		release(p, q);
		return;
	}
	if (status != ARES_SUCCESS || alen < TS_DNS_HDR) {
		p->m.servfail++;
		ts_proxy_reply_rcode(q, 2);
	} else if (!learn_answer(p, q, abuf, (size_t)alen, server, received_ns)) {
		ts_proxy_reply_rcode(q, 2);
	} else {
		unsigned char out[DNS_TCP_MAX];
		size_t len = (size_t)alen;

		if (q->conn < 0 && len > udp_limit(p, q)) {
			send_truncated(p, q, abuf);
		} else if (len <= sizeof(out)) {
			memcpy(out, abuf, len);
			memcpy(out, q->query, 2);      /* the client's id, not c-ares' */
			send_reply(q, out, len);
		}
		p->m.answers++;
	}
	if (received_ns) /* 0: cancelled, never answered */
		ts_proxy_latency_record(&p->m, q->relay_us + (ts_proxy_now_ns() - received_ns) / 1000);
	p->stats_dirty = true;
	release(p, q);
}

/*
 * What one client may have in flight: its bound, and once half of all
 * slots are taken, no more than a fair share of them (at least 4), so a
 * few clients with queries that hang cannot hold every slot.
 */
static uint32_t client_share(const struct ts_proxy *p)
{
	uint32_t clients = (uint32_t)p->inflight_by_client.used + 1, fair;

	if (p->inflight < p->lim.inflight / 2)
		return p->lim.inflight_per_client;
	fair = p->lim.inflight / clients;
	if (fair < 4)
		fair = 4;
	return fair < p->lim.inflight_per_client ? fair : p->lim.inflight_per_client;
}

void ts_proxy_relay(struct ts_proxy *p, struct pending *q)
{
	int err;

	q->p = p;
	p->m.queries++;
	p->m.queries_tcp += q->conn >= 0;
	p->stats_dirty = true;
	err = ts_dns_query_parse(q->query, q->qlen, &ts_dns_limits_default, &q->q);
	/* Only a standard query goes upstream from our address: no UPDATE,
	 * NOTIFY or zone transfer, and no answer or authority records a
	 * resolver could take for data. */
	if (!err && !(q->q.flags & 0x8000) &&
	    ((q->q.flags & 0x7800) || q->q.ancount || q->q.nscount ||
		     q->q.qtype == 251 /* IXFR */ || q->q.qtype == 252 /* AXFR */)) {
		p->m.refused[TS_REFUSED_NOT_QUERY]++;
		ts_proxy_reply_rcode(q, 4); /* NOTIMP */
		goto drop;
	}
	if (err || (q->q.flags & 0x8000)) {
		/* A response, or no readable question: FORMERR when the header is. */
		p->m.refused[TS_REFUSED_MALFORMED]++;
		if (q->qlen >= TS_DNS_HDR && !(q->query[2] & 0x80)) {
			q->q.question_end = 0;
			ts_proxy_reply_rcode(q, 1);
		}
		goto drop;
	}
	if (p->inflight >= p->lim.inflight) {
		p->m.refused[TS_REFUSED_INFLIGHT]++;
		ts_proxy_reply_rcode(q, 5);
		goto drop;
	}
	if (ts_clients_get(&p->inflight_by_client, &q->client) >= client_share(p) ||
	    ts_clients_inc(&p->inflight_by_client, &q->client)) {
		p->m.refused[TS_REFUSED_CLIENT_INFLIGHT]++;
		ts_proxy_reply_rcode(q, 5);
		goto drop;
	}
	p->inflight++;
	q->relay_us = (ts_proxy_now_ns() - q->received_ns) / 1000;
	if (ts_cares_forward(p->r, q->query, q->qlen, on_answer, q)) {
		p->m.servfail++;
		ts_proxy_reply_rcode(q, 2);
		release(p, q);
	}
	return;
drop:
	if (q->conn >= 0) {
		/* Not in flight: tell the connection its reply is queued. */
		ts_proxy_tcp_done(p, q);
	}
	free(q);
}

/* ---- UDP ---------------------------------------------------------------- */

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

static void udp_readable(struct ts_proxy *p)
{
	for (int turn = 0; turn < UDP_READS_A_TURN; turn++) {
		static unsigned char buf[UDP_RECV_MAX];
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				 CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			.msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n = recvmsg(p->udp_fd, &msg, MSG_DONTWAIT);
		struct pending *q;

		if (n < 0)
			return;
		/* A cut datagram is a query we did not read whole: never guess. */
		if (msg.msg_flags & MSG_TRUNC)
			n = 0;
		q = calloc(1, sizeof(*q) + (size_t)n);
		if (!q)
			return;
		q->received_ns = ts_proxy_now_ns();
		memcpy(&q->from, &from, sizeof(from));
		q->fromlen = msg.msg_namelen;
		q->conn = -1;
		note_dst(q, &msg);
		ts_proxy_client_key(&q->from, &q->client);
		memcpy(q->query, buf, (size_t)n);
		q->qlen = (size_t)n;
		ts_proxy_relay(p, q);
	}
}

/* Replies leave from the address each query came to (pktinfo); "[::]"
 * serves both families, whatever net.ipv6.bindv6only says. */
static int udp_sockopts(int fd, const struct sockaddr_storage *ss)
{
	int on = 1, off = 0, rcvbuf = UDP_RCVBUF;

	/* best effort: without CAP_NET_ADMIN, rmem_max is the cap */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (ss->ss_family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	if (IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)))
		return -1;
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
}

/* ---- life --------------------------------------------------------------- */

static int watch(struct ts_proxy *p, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)tag << 32 };

	return epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int open_upstream(struct ts_proxy *p, const char *servers)
{
	struct ts_cares *r;
	int err;

	if (servers && strlen(servers) >= sizeof(p->servers))
		return -ENAMETOOLONG;
	err = ts_cares_open(&r, servers, p->query_timeout_ms, p->query_tries);
	if (err)
		return err;
	err = watch(p, ts_cares_fd(r), EP_CARES);
	if (err) {
		ts_cares_close(r);
		return err;
	}
	p->r = r;
	snprintf(p->servers, sizeof(p->servers), "%s", servers ? servers : "");
	return 0;
}

/* Closes the upstream. p->r is NULL while c-ares cancels what is in
 * flight, which tells on_answer "closing: nobody to answer". */
static void close_upstream(struct ts_proxy *p)
{
	struct ts_cares *r = p->r;

	if (!r)
		return;
	epoll_ctl(p->ep, EPOLL_CTL_DEL, ts_cares_fd(r), NULL);
	p->r = NULL;
	ts_cares_close(r);
}

static void limits_fill(struct ts_proxy_limits *l, const struct ts_proxy_limits *in)
{
	*l = *in;
#define DEFAULT(f) do { if (!l->f) l->f = default_limits.f; } while (0)
	DEFAULT(inflight);
	DEFAULT(inflight_per_client);
	DEFAULT(tcp_conns);
	DEFAULT(tcp_conns_per_client);
	DEFAULT(tcp_idle_ms);
	DEFAULT(udp_max);
#undef DEFAULT
	if (l->udp_max < TS_PROXY_UDP_MIN)
		l->udp_max = TS_PROXY_UDP_MIN;
	if (l->udp_max > TS_PROXY_UDP_MAX)
		l->udp_max = TS_PROXY_UDP_MAX;
}

int ts_proxy_open(struct ts_proxy **out, const struct ts_proxy_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct ts_proxy *p;
	int err;

	*out = NULL;
	if (!cfg->listen || parse_listen(cfg->listen, &ss, &len)) {
		ts_err("names proxy: \"%s\" is not ADDR, ADDR:PORT or [V6]:PORT",
		       cfg->listen ? cfg->listen : "");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ep = p->udp_fd = p->tcp_fd = -1;
	snprintf(p->listen, sizeof(p->listen), "%s", cfg->listen);
	limits_fill(&p->lim, &cfg->limits);
	p->query_timeout_ms = cfg->query_timeout_ms ? cfg->query_timeout_ms : 2000;
	p->query_tries = cfg->query_tries ? cfg->query_tries : 2;
	p->conns = calloc(p->lim.tcp_conns, sizeof(*p->conns));
	if (!p->conns || (cfg->stats_path && !(p->stats_path = strdup(cfg->stats_path))) ||
	    ts_clients_init(&p->inflight_by_client, p->lim.inflight) ||
	    ts_clients_init(&p->conns_by_client, p->lim.tcp_conns)) {
		err = -ENOMEM;
		goto fail;
	}
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	p->udp_fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->ep < 0 || p->udp_fd < 0 || udp_sockopts(p->udp_fd, &ss) ||
	    bind(p->udp_fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		ts_err("names proxy %s: cannot listen (UDP): %s", cfg->listen, strerror(errno));
		goto fail;
	}
	err = ts_proxy_tcp_listen(p, &ss, len);
	if (err)
		goto fail;
	err = watch(p, p->udp_fd, EP_UDP);
	if (!err)
		err = watch(p, p->tcp_fd, EP_LISTEN);
	if (!err)
		err = open_upstream(p, cfg->servers);
	if (err)
		goto fail;
	*out = p;
	return 0;
fail:
	ts_proxy_close(p);
	return err;
}

void ts_proxy_close(struct ts_proxy *p)
{
	if (!p)
		return;
	close_upstream(p);
	ts_proxy_tcp_close_all(p);
	if (p->stats_path && p->stats_dirty)
		ts_proxy_metrics_write(&p->m, p->listen, p->stats_path);
	if (p->udp_fd >= 0)
		close(p->udp_fd);
	if (p->tcp_fd >= 0)
		close(p->tcp_fd);
	if (p->ep >= 0)
		close(p->ep);
	ts_clients_free(&p->inflight_by_client);
	ts_clients_free(&p->conns_by_client);
	free(p->conns);
	free(p->stats_path);
	free(p);
}

void ts_proxy_set_learner(struct ts_proxy *p, ts_proxy_learn_fn learn, void *ctx)
{
	p->learn = learn;
	p->learn_ctx = ctx;
}

int ts_proxy_set_servers(struct ts_proxy *p, const char *servers)
{
	struct ts_cares *old = p->r;
	int err;

	if (!strcmp(p->servers, servers ? servers : ""))
		return 0;
	p->r = NULL;
	err = open_upstream(p, servers);
	if (err) {
		p->r = old;
		return err;
	}
	/* Queries relayed to the old servers: SERVFAIL now, the client asks again. */
	epoll_ctl(p->ep, EPOLL_CTL_DEL, ts_cares_fd(old), NULL);
	ts_cares_close(old);
	return 0;
}

int ts_proxy_fd(const struct ts_proxy *p)
{
	return p->ep;
}

int ts_proxy_timeout_ms(const struct ts_proxy *p)
{
	int64_t now = ts_proxy_now_ms(), next = ts_proxy_tcp_next_deadline_ms(p);
	int cares_ms = p->r ? ts_cares_timeout_ms(p->r) : -1;

	if (p->stats_path && p->stats_dirty && p->stats_saved_ms + STATS_EVERY_MS < next)
		next = p->stats_saved_ms + STATS_EVERY_MS;
	if (cares_ms >= 0 && now + cares_ms < next)
		next = now + cares_ms;
	if (next == INT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > INT32_MAX ? INT32_MAX : next - now);
}

void ts_proxy_process(struct ts_proxy *p)
{
	struct epoll_event evs[32];
	int n = epoll_wait(p->ep, evs, 32, 0);
	int64_t now;

	bool upstream = false;

	for (int i = 0; i < n; i++) {
		uint32_t tag = (uint32_t)(evs[i].data.u64 >> 32);

		if (tag == EP_UDP)
			udp_readable(p);
		else if (tag == EP_LISTEN)
			ts_proxy_tcp_accept(p);
		else if (tag == EP_CONN)
			ts_proxy_tcp_event(p, (uint32_t)evs[i].data.u64, evs[i].events);
		upstream |= tag == EP_CARES;
	}
	/* c-ares: answers, and its own timeouts when they are due */
	if (p->r && (upstream || !ts_cares_timeout_ms(p->r)))
		ts_cares_process(p->r);
	now = ts_proxy_now_ms();
	ts_proxy_tcp_expire(p, now);
	if (p->stats_path && p->stats_dirty && now >= p->stats_saved_ms + STATS_EVERY_MS) {
		ts_proxy_metrics_write(&p->m, p->listen, p->stats_path);
		p->stats_saved_ms = now;
		p->stats_dirty = false;
	}
}

const struct ts_proxy_metrics *ts_proxy_metrics(const struct ts_proxy *p)
{
	return &p->m;
}
