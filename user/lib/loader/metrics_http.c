// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* metrics_http.c - GET /metrics over HTTP/1.1 for the daemon (see metrics_http.h). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/log.h"
#include "loader/metrics_http.h"

struct client {
	int fd;                          /* -1 = free slot */
	int64_t deadline_ms;
	char req[TS_METRICS_REQUEST_MAX];
	size_t reqlen;
	char *resp;                      /* NULL while reading the request */
	size_t resplen, sent;
};

struct ts_metrics_http {
	int ep, listen_fd;
	ts_metrics_render_fn render;
	void *ctx;
	struct client clients[TS_METRICS_MAX_CLIENTS];
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ts_metrics_listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	const char *colon = strrchr(s, ':');
	char host[64];
	size_t hlen;
	char *end;
	long port;

	if (!colon)
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end || port < 1 || port > 65535)
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host) || memchr(s, '[', hlen) || memchr(s, ']', hlen))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) || !ai)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static void client_close(struct ts_metrics_http *m, struct client *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(m->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->resp);
	c->fd = -1;
	c->resp = NULL;
	c->reqlen = c->resplen = c->sent = 0;
}

int ts_metrics_http_open(struct ts_metrics_http **out, const char *listen_addr,
			 ts_metrics_render_fn render, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct ts_metrics_http *m;
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, err;

	if (ts_metrics_listen_parse(listen_addr, &ss, &len)) {
		ts_err("--metrics %s: expected ADDR:PORT or [V6]:PORT", listen_addr);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->render = render;
	m->ctx = ctx;
	for (int i = 0; i < TS_METRICS_MAX_CLIENTS; i++)
		m->clients[i].fd = -1;
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	m->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->ep < 0 || m->listen_fd < 0 ||
	    setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->listen_fd, (struct sockaddr *)&ss, len) || listen(m->listen_fd, 16) ||
	    epoll_ctl(m->ep, EPOLL_CTL_ADD, m->listen_fd, &ev)) {
		err = -errno;
		ts_err("--metrics %s: cannot listen: %s", listen_addr, strerror(-err));
		ts_metrics_http_close(m);
		return err;
	}
	ts_info("metrics: http://%s/metrics", listen_addr);
	*out = m;
	return 0;
}

int ts_metrics_http_fd(const struct ts_metrics_http *m)
{
	return m->ep;
}

static void respond(struct client *c, const char *status, const char *ctype, const char *body,
		    size_t blen)
{
	char head[256];
	int hlen = snprintf(head, sizeof(head),
			    "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			    "Connection: close\r\n\r\n", status, ctype, blen);

	c->resp = malloc((size_t)hlen + blen);
	if (!c->resp)
		return;
	memcpy(c->resp, head, (size_t)hlen);
	memcpy(c->resp + hlen, body, blen);
	c->resplen = (size_t)hlen + blen;
}

static void respond_text(struct client *c, const char *status)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%s\n", status);

	respond(c, status, "text/plain; charset=utf-8", body, (size_t)n);
}

/* The request line of a complete request: GET or HEAD of /metrics. */
static void answer(struct ts_metrics_http *m, struct client *c)
{
	char *line_end = strpbrk(c->req, "\r\n"), *sp1, *sp2, *body = NULL;
	size_t blen = 0;
	bool head;
	FILE *f;

	*line_end = '\0';
	sp1 = strchr(c->req, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || strncmp(sp2 + 1, "HTTP/1.", 7)) {
		respond_text(c, "400 Bad Request");
		return;
	}
	*sp1 = *sp2 = '\0';
	head = !strcmp(c->req, "HEAD");
	if (!head && strcmp(c->req, "GET")) {
		respond_text(c, "405 Method Not Allowed");
		return;
	}
	sp1[1 + strcspn(sp1 + 1, "?")] = '\0';  /* a query string changes nothing */
	if (strcmp(sp1 + 1, "/metrics")) {
		respond_text(c, "404 Not Found");
		return;
	}
	f = open_memstream(&body, &blen);
	if (!f) {
		respond_text(c, "500 Internal Server Error");
		return;
	}
	if (m->render(f, m->ctx)) {
		fclose(f);
		free(body);
		respond_text(c, "500 Internal Server Error");
		return;
	}
	fclose(f);
	respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, blen);
	if (head && c->resp)
		c->resplen -= blen;  /* the headers with the body's length, no body */
	free(body);
}

static void on_readable(struct ts_metrics_http *m, struct client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	ssize_t n = read(c->fd, c->req + c->reqlen, sizeof(c->req) - 1 - c->reqlen);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(m, c);
		return;
	}
	c->reqlen += (size_t)n;
	c->req[c->reqlen] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		answer(m, c);
	else if (c->reqlen == sizeof(c->req) - 1)
		respond_text(c, "431 Request Header Fields Too Large");
	else
		return;
	if (!c->resp || epoll_ctl(m->ep, EPOLL_CTL_MOD, c->fd, &ev))
		client_close(m, c);
}

static void on_writable(struct ts_metrics_http *m, struct client *c)
{
	ssize_t n = write(c->fd, c->resp + c->sent, c->resplen - c->sent);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(m, c);
		return;
	}
	c->sent += (size_t)n;
	if (c->sent == c->resplen)
		client_close(m, c);
}

/* A free slot, or the slot of the client closest to its deadline (closed). */
static struct client *slot(struct ts_metrics_http *m)
{
	struct client *oldest = &m->clients[0];

	for (int i = 0; i < TS_METRICS_MAX_CLIENTS; i++) {
		if (m->clients[i].fd < 0)
			return &m->clients[i];
		if (m->clients[i].deadline_ms < oldest->deadline_ms)
			oldest = &m->clients[i];
	}
	client_close(m, oldest);
	return oldest;
}

static void on_accept(struct ts_metrics_http *m)
{
	for (;;) {
		int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		struct client *c;

		if (fd < 0)
			return;  /* EAGAIN: all taken; other errors: the next event retries */
		c = slot(m);
		c->fd = fd;
		c->deadline_ms = mono_ms() + TS_METRICS_CLIENT_TIMEOUT_MS;
		ev.data.ptr = c;
		if (epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			c->fd = -1;
		}
	}
}

void ts_metrics_http_process(struct ts_metrics_http *m)
{
	struct epoll_event evs[TS_METRICS_MAX_CLIENTS + 1];
	int64_t now;
	int n = epoll_wait(m->ep, evs, TS_METRICS_MAX_CLIENTS + 1, 0);

	for (int i = 0; i < n; i++) {
		struct client *c = evs[i].data.ptr;

		if (!c)
			on_accept(m);
		else if (c->fd >= 0 && c->resp)
			on_writable(m, c);
		else if (c->fd >= 0)
			on_readable(m, c);
	}
	now = mono_ms();
	for (int i = 0; i < TS_METRICS_MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0 && now >= m->clients[i].deadline_ms)
			client_close(m, &m->clients[i]);
}

void ts_metrics_http_close(struct ts_metrics_http *m)
{
	if (!m)
		return;
	for (int i = 0; i < TS_METRICS_MAX_CLIENTS; i++)
		client_close(m, &m->clients[i]);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->ep >= 0)
		close(m->ep);
	free(m);
}
