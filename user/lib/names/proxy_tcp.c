// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proxy_tcp.c - the DNS proxy's TCP side (RFC 7766): each message is
 * preceded by its 2-byte length; a client may send several queries on one
 * connection and gets the answers as they come. Bounded: connections (all,
 * per client), queries in flight per connection (reading pauses beyond),
 * bytes queued for a slow reader (the connection is closed beyond), and an
 * idle timeout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/log.h"
#include "names/proxy_internal.h"

#define CONN_INFLIGHT  16            /* queries in flight on one connection */
#define CONN_TURN_MSGS 16            /* messages read from one connection a turn */
#define CONN_OUT_MAX   (256 * 1024)  /* answers queued for a reader that does not read */
#define ACCEPTS_A_TURN 16

struct conn {
	int fd;
	uint32_t slot, serial;
	struct ts_net client;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint8_t hdr[2];
	size_t hdr_got;
	struct pending *rq;            /* the query being read */
	size_t rq_got;
	unsigned char *out;            /* answers not yet written */
	size_t out_len, out_off, out_cap;
	uint32_t inflight;
	int64_t idle_deadline_ms;
	bool peer_done;                /* the client closed its side */
	uint32_t events;               /* what epoll watches now */
};

int ts_proxy_tcp_listen(struct ts_proxy *p, const struct sockaddr_storage *ss, socklen_t len)
{
	int on = 1, off = 0;

	p->tcp_fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->tcp_fd < 0 || setsockopt(p->tcp_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    (ss->ss_family == AF_INET6 &&
	     IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr) &&
	     setsockopt(p->tcp_fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off))) ||
	    bind(p->tcp_fd, (const struct sockaddr *)ss, len) || listen(p->tcp_fd, 64)) {
		int err = -errno;

		ts_err("names proxy %s: cannot listen (TCP): %s", p->listen, strerror(errno));
		return err;
	}
	return 0;
}

static void set_events(struct ts_proxy *p, struct conn *c)
{
	bool out = c->out_len > c->out_off;
	bool in = !c->peer_done && c->inflight < CONN_INFLIGHT &&
		  c->out_len - c->out_off <= CONN_OUT_MAX;
	uint32_t want = (in ? EPOLLIN : 0) | (out ? EPOLLOUT : 0);
	struct epoll_event ev = {
		.events = want, .data.u64 = ((uint64_t)EP_CONN << 32) | c->slot,
	};

	if (want != c->events && !epoll_ctl(p->ep, EPOLL_CTL_MOD, c->fd, &ev))
		c->events = want;
}

static void conn_close(struct ts_proxy *p, struct conn *c)
{
	epoll_ctl(p->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	ts_clients_dec(&p->conns_by_client, &c->client);
	p->conns[c->slot] = NULL;
	p->nconns--;
	free(c->rq);
	free(c->out);
	free(c);
}

/* Closes c once nothing is left to do on it. true = closed. */
static bool close_if_done(struct ts_proxy *p, struct conn *c)
{
	if (!c->peer_done || c->inflight || c->out_len > c->out_off)
		return false;
	conn_close(p, c);
	return true;
}

static struct conn *conn_of(struct ts_proxy *p, const struct pending *q)
{
	struct conn *c;

	if (q->conn < 0 || (uint32_t)q->conn >= p->lim.tcp_conns)
		return NULL;
	c = p->conns[q->conn];
	return c && c->serial == q->conn_serial ? c : NULL;
}

/* Writes what is queued; false if the connection broke (and was closed). */
static bool flush(struct ts_proxy *p, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(p, c);
			return false;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	set_events(p, c);
	return true;
}

bool ts_proxy_tcp_send(struct ts_proxy *p, struct pending *q, const unsigned char *msg, size_t len)
{
	struct conn *c = conn_of(p, q);
	size_t need;

	if (!c || len > DNS_TCP_MAX)
		return false;
	if (c->out_len - c->out_off > CONN_OUT_MAX) {
		/* The client asks but does not read: it loses the connection. */
		conn_close(p, c);
		return false;
	}
	if (c->out_off) {
		/* what was written makes room: the buffer holds only what is unsent */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	need = c->out_len + 2 + len;
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 1024;
		unsigned char *out;

		while (cap < need)
			cap *= 2;
		out = realloc(c->out, cap);
		if (!out) {
			conn_close(p, c);
			return false;
		}
		c->out = out;
		c->out_cap = cap;
	}
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len = need;
	c->idle_deadline_ms = ts_proxy_now_ms() + p->lim.tcp_idle_ms;
	return flush(p, c);
}

void ts_proxy_tcp_done(struct ts_proxy *p, const struct pending *q)
{
	struct conn *c = conn_of(p, q);

	if (!c)
		return;
	c->inflight--;
	if (!close_if_done(p, c))
		set_events(p, c);
}

/* A whole query read: relay it (the proxy owns it from here). */
static void query_complete(struct ts_proxy *p, struct conn *c)
{
	struct pending *q = c->rq;

	c->rq = NULL;
	c->hdr_got = c->rq_got = 0;
	q->conn = (int)c->slot;
	q->conn_serial = c->serial;
	q->client = c->client;
	memcpy(&q->from, &c->peer, sizeof(q->from));
	q->fromlen = c->peerlen;
	c->inflight++;
	c->idle_deadline_ms = ts_proxy_now_ms() + p->lim.tcp_idle_ms;
	ts_proxy_relay(p, q);
}

/* Reads what is there; false if the connection was closed. */
static bool conn_read(struct ts_proxy *p, struct conn *c)
{
	uint32_t slot = c->slot, serial = c->serial, msgs = 0;

	/* A budget a turn: a client streaming messages that are answered at
	 * once (refusals) never raises inflight, and must not hold the loop;
	 * the level-triggered EPOLLIN brings the rest next turn. */
	while (c->inflight < CONN_INFLIGHT && !c->peer_done && msgs < CONN_TURN_MSGS) {
		ssize_t n;

		if (c->hdr_got < 2) {
			size_t len;

			n = read(c->fd, c->hdr + c->hdr_got, 2 - c->hdr_got);
			if (n <= 0)
				goto eof_or_error;
			c->hdr_got += (size_t)n;
			if (c->hdr_got < 2)
				continue;
			len = (size_t)c->hdr[0] << 8 | c->hdr[1];
			if (len < TS_DNS_HDR) {
				/* no DNS message is this short: not a DNS client (RFC 7766 6.2.3) */
				p->m.refused[TS_REFUSED_MALFORMED]++;
				conn_close(p, c);
				return false;
			}
			c->rq = calloc(1, sizeof(*c->rq) + len);
			if (!c->rq) {
				conn_close(p, c);
				return false;
			}
			c->rq->qlen = len;
			continue;
		} else {
			n = read(c->fd, c->rq->query + c->rq_got, c->rq->qlen - c->rq_got);
			if (n <= 0)
				goto eof_or_error;
			c->rq_got += (size_t)n;
			if (c->rq_got < c->rq->qlen)
				continue;
		}
		c->rq->received_ns = ts_proxy_now_ns();
		msgs++;
		query_complete(p, c);
		/* A refusal's reply may have found the connection broken. */
		if (!p->conns[slot] || p->conns[slot]->serial != serial)
			return false;
		continue;
eof_or_error:
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0) {
			conn_close(p, c);
			return false;
		}
		c->peer_done = true; /* answers still in flight are sent first */
	}
	if (close_if_done(p, c))
		return false;
	set_events(p, c);
	return true;
}

void ts_proxy_tcp_event(struct ts_proxy *p, uint32_t slot, uint32_t events)
{
	struct conn *c = slot < p->lim.tcp_conns ? p->conns[slot] : NULL;

	if (!c)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		conn_close(p, c);
		return;
	}
	if ((events & EPOLLOUT) && !flush(p, c))
		return;
	if (events & EPOLLIN)
		conn_read(p, c);
}

/* All connections taken: the one idle the longest (nothing in flight or
 * queued) makes room for a new client (RFC 7766 6.2.3), so clients that
 * merely hold connections cannot keep others from retrying over TCP. */
static void close_idlest(struct ts_proxy *p)
{
	struct conn *victim = NULL;

	for (uint32_t i = 0; i < p->lim.tcp_conns; i++) {
		struct conn *c = p->conns[i];

		if (!c || c->inflight || c->out_len > c->out_off)
			continue;
		if (!victim || c->idle_deadline_ms < victim->idle_deadline_ms)
			victim = c;
	}
	if (victim)
		conn_close(p, victim);
}

static void accept_one(struct ts_proxy *p, int fd, const struct sockaddr_storage *peer,
		       socklen_t peerlen)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ts_net client;
	struct conn *c;
	uint32_t slot = 0;

	ts_proxy_client_key(peer, &client);
	if (p->nconns >= p->lim.tcp_conns)
		close_idlest(p);
	if (p->nconns >= p->lim.tcp_conns ||
	    ts_clients_get(&p->conns_by_client, &client) >= p->lim.tcp_conns_per_client) {
		p->m.refused[TS_REFUSED_TCP_CONNS]++;
		p->stats_dirty = true;
		close(fd);
		return;
	}
	while (p->conns[slot])
		slot++;
	c = calloc(1, sizeof(*c));
	if (!c || ts_clients_inc(&p->conns_by_client, &client)) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->slot = slot;
	c->serial = ++p->conn_serial;
	c->client = client;
	memcpy(&c->peer, peer, sizeof(c->peer));
	c->peerlen = peerlen;
	c->events = EPOLLIN;
	c->idle_deadline_ms = ts_proxy_now_ms() + p->lim.tcp_idle_ms;
	ev.data.u64 = ((uint64_t)EP_CONN << 32) | slot;
	if (epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &ev)) {
		ts_clients_dec(&p->conns_by_client, &client);
		free(c);
		close(fd);
		return;
	}
	p->conns[slot] = c;
	p->nconns++;
	p->m.tcp_accepted++;
	p->stats_dirty = true;
}

void ts_proxy_tcp_accept(struct ts_proxy *p)
{
	for (int i = 0; i < ACCEPTS_A_TURN; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(p->tcp_fd, (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		accept_one(p, fd, &peer, len);
	}
}

int64_t ts_proxy_tcp_next_deadline_ms(const struct ts_proxy *p)
{
	int64_t next = INT64_MAX;

	for (uint32_t i = 0; p->nconns && i < p->lim.tcp_conns; i++) {
		const struct conn *c = p->conns[i];

		if (c && !c->inflight && c->idle_deadline_ms < next)
			next = c->idle_deadline_ms;
	}
	return next;
}

void ts_proxy_tcp_expire(struct ts_proxy *p, int64_t now_ms)
{
	for (uint32_t i = 0; p->nconns && i < p->lim.tcp_conns; i++) {
		struct conn *c = p->conns[i];

		if (c && !c->inflight && c->idle_deadline_ms <= now_ms)
			conn_close(p, c);
	}
}

void ts_proxy_tcp_close_all(struct ts_proxy *p)
{
	for (uint32_t i = 0; p->conns && i < p->lim.tcp_conns; i++)
		if (p->conns[i])
			conn_close(p, p->conns[i]);
}
