// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cares.c - A/AAAA over c-ares, one channel per server, one epoll fd (see cares.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <ares.h>
#include <arpa/nameser.h>

#include "common/log.h"
#include "names/cares.h"
#include "names/dnsmsg.h"
#include "names/state.h"

#define MAX_ANSWER 1024 /* addresses taken from one answer */

struct server_chan {
	ares_channel ch;
	struct ts_cares *r;
	uint32_t idx;
	char name[TS_NAMES_RESOLVER_LEN];
};


struct ts_cares {
	int epfd;
	struct server_chan *chans;
	size_t nchans;
	/* scratch for one answer at a time (callbacks run one by one) */
	struct ts_net nets[MAX_ANSWER];
	uint32_t ttls[MAX_ANSWER];
};

struct query {
	struct ts_cares *r;
	char *name;
	int family;
	size_t server;
	ts_answer_cb cb;
	void *arg;
};

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct server_chan *sc = data;
	struct epoll_event ev = {
		.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0),
		.data.u64 = ((uint64_t)sc->idx << 32) | (uint32_t)fd,
	};

	if (!readable && !writable) {
		epoll_ctl(sc->r->epfd, EPOLL_CTL_DEL, fd, NULL);
		return;
	}
	if (epoll_ctl(sc->r->epfd, EPOLL_CTL_MOD, fd, &ev) && errno == ENOENT &&
	    epoll_ctl(sc->r->epfd, EPOLL_CTL_ADD, fd, &ev))
		ts_err("names: resolver %s: cannot watch socket %d: %s", sc->name, fd,
		       strerror(errno));
}

static void format_server(const struct ares_addr_port_node *s, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN] = "?";
	int port = s->udp_port ? s->udp_port : NS_DEFAULTPORT;

	inet_ntop(s->family, &s->addr, text, sizeof(text));
	if (s->family == AF_INET6)
		snprintf(buf, len, "[%s]:%d", text, port);
	else
		snprintf(buf, len, "%s:%d", text, port);
}

/* The servers c-ares would use: the CSV given, else /etc/resolv.conf. */
static int list_servers(const char *csv, struct ares_addr_port_node **out)
{
	struct ares_options opts = { 0 };
	ares_channel probe;
	int st;

	st = ares_init_options(&probe, &opts, 0);
	if (st != ARES_SUCCESS) {
		ts_err("names: c-ares init: %s", ares_strerror(st));
		return -EIO;
	}
	if (csv)
		st = ares_set_servers_ports_csv(probe, csv);
	if (st == ARES_SUCCESS)
		st = ares_get_servers_ports(probe, out);
	ares_destroy(probe);
	if (st != ARES_SUCCESS) {
		ts_err("names: resolvers \"%s\": %s", csv ? csv : "/etc/resolv.conf",
		       ares_strerror(st));
		return -EINVAL;
	}
	if (!*out) {
		ts_err("names: no DNS server configured");
		return -ENOENT;
	}
	return 0;
}

static int open_chan(struct ts_cares *r, struct server_chan *sc, struct ares_addr_port_node *s,
		     uint32_t timeout_ms, uint32_t tries)
{
	struct ares_addr_port_node *next = s->next;
	struct ares_options opts = {
		/* NOCHECKRESP: SERVFAIL, REFUSED and NOTIMP answers reach us, so
		 * each is reported as what it is (c-ares alone would call a server
		 * that only refuses "could not contact") and fails over here. */
		/* EDNS: answers up to 4096 bytes come over UDP, not redone over TCP */
		.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP |
			 ARES_FLAG_EDNS,
		.ednspsz = 4096,
		.timeout = (int)timeout_ms,
		.tries = (int)tries,
		.sock_state_cb = sock_state,
		.sock_state_cb_data = sc,
	};
	int st;

	sc->r = r;
	sc->idx = (uint32_t)(sc - r->chans);
	format_server(s, sc->name, sizeof(sc->name));
	st = ares_init_options(&sc->ch, &opts,
			       ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_EDNSPSZ);
	if (st != ARES_SUCCESS) {
		ts_err("names: resolver %s: c-ares init: %s", sc->name, ares_strerror(st));
		sc->ch = NULL;
		return -EIO;
	}
	s->next = NULL; /* this channel asks this one server only */
	st = ares_set_servers_ports(sc->ch, s);
	s->next = next;
	if (st != ARES_SUCCESS) {
		ts_err("names: resolver %s: %s", sc->name, ares_strerror(st));
		return -EINVAL;
	}
	return 0;
}

int ts_cares_open(struct ts_cares **out, const char *servers, uint32_t timeout_ms,
		     uint32_t tries)
{
	struct ares_addr_port_node *list = NULL, *s;
	struct ts_cares *r;
	size_t n = 0;
	int err;

	*out = NULL;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return -EIO;
	r = calloc(1, sizeof(*r));
	if (!r) {
		ares_library_cleanup();
		return -ENOMEM;
	}
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		err = -errno;
		goto fail;
	}
	err = list_servers(servers, &list);
	if (err)
		goto fail;
	for (s = list; s; s = s->next)
		n++;
	r->chans = calloc(n, sizeof(*r->chans));
	if (!r->chans) {
		err = -ENOMEM;
		goto fail;
	}
	for (s = list; s; s = s->next) {
		err = open_chan(r, &r->chans[r->nchans++], s, timeout_ms, tries);
		if (err)
			goto fail;
	}
	ares_free_data(list);
	*out = r;
	return 0;
fail:
	if (list)
		ares_free_data(list);
	ts_cares_close(r);
	return err;
}

void ts_cares_close(struct ts_cares *r)
{
	if (!r)
		return;
	/* ares_destroy completes pending queries with ARES_EDESTRUCTION. */
	for (size_t i = 0; i < r->nchans; i++)
		if (r->chans[i].ch)
			ares_destroy(r->chans[i].ch);
	free(r->chans);
	if (r->epfd >= 0)
		close(r->epfd);
	free(r);
	ares_library_cleanup();
}

int ts_cares_fd(const struct ts_cares *r)
{
	return r->epfd;
}

size_t ts_cares_nservers(const struct ts_cares *r)
{
	return r->nchans;
}

const char *ts_cares_server(const struct ts_cares *r, size_t i)
{
	return i < r->nchans ? r->chans[i].name : "";
}

int ts_cares_timeout_ms(const struct ts_cares *r)
{
	int best = -1;

	for (size_t i = 0; i < r->nchans; i++) {
		struct timeval tv, *t = ares_timeout(r->chans[i].ch, NULL, &tv);
		int ms;

		if (!t)
			continue;
		ms = (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
		if (best < 0 || ms < best)
			best = ms;
	}
	return best;
}

/* The ARES_* status c-ares gives an answer's rcode (ares_query). */
static int rcode_status(uint8_t rcode)
{
	switch (rcode) {
	case TS_DNS_RCODE_NOERROR:
		return ARES_SUCCESS;
	case TS_DNS_RCODE_FORMERR:
		return ARES_EFORMERR;
	case TS_DNS_RCODE_SERVFAIL:
		return ARES_ESERVFAIL;
	case TS_DNS_RCODE_NXDOMAIN:
		return ARES_ENOTFOUND;
	case TS_DNS_RCODE_NOTIMP:
		return ARES_ENOTIMP;
	case TS_DNS_RCODE_REFUSED:
		return ARES_EREFUSED;
	default:
		return ARES_EBADRESP;
	}
}

/* Fills r->nets/ttls with the addresses of `family` an answer gives its
 * question name (ts_dns_answer_parse); returns an ARES_* status. */
static int parse_answer(struct ts_cares *r, int family, const unsigned char *abuf, int alen,
			size_t *n)
{
	/* The default limits, with room for every record of the answers
	 * whose addresses we keep. */
	struct ts_dns_limits lim = ts_dns_limits_default;
	struct ts_dns_answer a;
	size_t kept = 0;
	int err, st;

	*n = 0;
	if (alen < 0)
		return ARES_EBADRESP;
	lim.max_records = MAX_ANSWER;
	err = ts_dns_answer_parse(abuf, (size_t)alen, &lim, r->nets, r->ttls, MAX_ANSWER, &a);
	if (err) {
		ts_debug("names: answer for %s not taken: %s", a.q.qname.host ? a.q.qname.text : "?",
			 ts_dns_err_name(err));
		return ARES_EBADRESP;
	}
	st = rcode_status(a.rcode);
	if (st != ARES_SUCCESS)
		return st;
	for (size_t i = 0; i < a.n4 + a.n6; i++) {
		if (r->nets[i].family != family)
			continue;
		r->nets[kept] = r->nets[i];
		r->ttls[kept] = r->ttls[i];
		kept++;
	}
	*n = kept;
	return kept ? ARES_SUCCESS : ARES_ENODATA;
}

int ts_cares_parse(struct ts_cares *r, int family, const unsigned char *abuf, int alen,
		   struct ts_answer *out)
{
	*out = (struct ts_answer){ .family = family, .addrs = r->nets, .ttls = r->ttls };
	out->status = parse_answer(r, family, abuf, alen, &out->n);
	return out->status;
}

/* A server problem, worth asking the next server; NXDOMAIN/NODATA are answers. */
static bool should_fail_over(int status)
{
	return status != ARES_SUCCESS && status != ARES_ENODATA && status != ARES_ENOTFOUND;
}

static void on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen);

static void start_query(struct query *q)
{
	int type = q->family == TS_FAMILY_V4 ? ns_t_a : ns_t_aaaa;

	ares_query(q->r->chans[q->server].ch, q->name, ns_c_in, type, on_reply, q);
}

static void on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct ts_cares *r = q->r;
	struct ts_answer ans = { .family = q->family };

	if (status == ARES_EDESTRUCTION) /* resolver closing: nobody to tell */
		goto out;
	ans.received_ns = ts_names_mono_ns();
	if (status == ARES_SUCCESS)
		status = parse_answer(r, q->family, abuf, alen, &ans.n);
	if (should_fail_over(status) && q->server + 1 < r->nchans) {
		ts_debug("names: %s %s via %s: %s, asking the next server", q->name,
			 q->family == TS_FAMILY_V4 ? "A" : "AAAA", r->chans[q->server].name,
			 ares_strerror(status));
		q->server++;
		start_query(q);
		return;
	}
	ans.status = status;
	ans.addrs = r->nets;
	ans.ttls = r->ttls;
	ans.server = r->chans[q->server].name;
	q->cb(q->arg, &ans);
out:
	free(q->name);
	free(q);
}

int ts_cares_query(struct ts_cares *r, const char *name, int family, ts_answer_cb cb,
		      void *arg)
{
	struct query *q = calloc(1, sizeof(*q));

	if (!q || !(q->name = strdup(name))) {
		free(q);
		return -ENOMEM;
	}
	q->r = r;
	q->family = family;
	q->cb = cb;
	q->arg = arg;
	start_query(q);
	return 0;
}

/* A client's query relayed as is (ares_send), with the same failover. */
struct forward {
	struct ts_cares *r;
	unsigned char *qbuf;
	int qlen;
	size_t server;
	ts_raw_cb cb;
	void *arg;
};

static void on_forward_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct forward *f = arg;
	struct ts_cares *r = f->r;

	if (status == ARES_EDESTRUCTION) { /* closing: the owner frees its arg */
		f->cb(f->arg, status, NULL, 0, "", 0);
		goto out;
	}
	/* A relayed answer is the client's to read, but a server that fails
	 * (SERVFAIL, REFUSED, NOTIMP) gives way to the next one first. */
	if (status == ARES_SUCCESS && alen >= TS_DNS_HDR)
		status = rcode_status(abuf[3] & 0x0f);
	if (should_fail_over(status) && status != ARES_EFORMERR && f->server + 1 < r->nchans) {
		f->server++;
		ares_send(r->chans[f->server].ch, f->qbuf, f->qlen, on_forward_reply, f);
		return;
	}
	if (abuf && alen >= TS_DNS_HDR)
		status = ARES_SUCCESS;
	f->cb(f->arg, status, abuf, alen, r->chans[f->server].name, ts_names_mono_ns());
out:
	free(f->qbuf);
	free(f);
}

int ts_cares_forward(struct ts_cares *r, const unsigned char *qbuf, size_t qlen, ts_raw_cb cb,
		     void *arg)
{
	struct forward *f = calloc(1, sizeof(*f));

	if (!f || !(f->qbuf = malloc(qlen))) {
		free(f);
		return -ENOMEM;
	}
	memcpy(f->qbuf, qbuf, qlen);
	f->qlen = (int)qlen;
	f->r = r;
	f->cb = cb;
	f->arg = arg;
	ares_send(r->chans[0].ch, f->qbuf, f->qlen, on_forward_reply, f);
	return 0;
}

void ts_cares_process(struct ts_cares *r)
{
	struct epoll_event evs[16];
	int n;

	while ((n = epoll_wait(r->epfd, evs, 16, 0)) > 0) {
		for (int i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)(evs[i].data.u64 >> 32);
			ares_socket_t fd = (ares_socket_t)(uint32_t)evs[i].data.u64;
			bool rd = evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP);
			bool wr = evs[i].events & EPOLLOUT;

			if (idx < r->nchans)
				ares_process_fd(r->chans[idx].ch, rd ? fd : ARES_SOCKET_BAD,
						wr ? fd : ARES_SOCKET_BAD);
		}
		if (n < 16)
			break;
	}
	/* Lets c-ares retry or fail queries whose time is up. */
	for (size_t i = 0; i < r->nchans; i++)
		ares_process_fd(r->chans[i].ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

int ts_cares_servers_csv(const struct ts_net *servers, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char text[INET6_ADDRSTRLEN];
		int af = servers[i].family == TS_FAMILY_V6 ? AF_INET6 : AF_INET;
		int w;

		if (!inet_ntop(af, servers[i].addr, text, sizeof(text)))
			return -EINVAL;
		w = snprintf(buf + used, len - used, af == AF_INET6 ? "%s[%s]:53" : "%s%s:53",
			     used ? "," : "", text);
		if (w < 0 || (size_t)w >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)w;
	}
	return 0;
}
