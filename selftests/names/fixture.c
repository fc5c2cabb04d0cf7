// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fixture.c - see fixture.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ares.h>

#include "fixture.h"
#include "policy/net.h"

void fix_policy_init(struct fix_policy *p, const char *const *names, int n, uint32_t ttl_floor_s,
		     uint32_t ttl_ceiling_s, uint32_t grace_s, uint32_t max_addrs)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < n && i < FIX_MAX_NAMES; i++) {
		p->refs[i].name = (char *)names[i];
		p->refs[i].comp = (uint32_t)i;
		p->comp_names[i] = (char *)names[i];
	}
	p->c.names = p->refs;
	p->c.nnames = (size_t)n;
	p->c.comp_names = p->comp_names;
	p->c.ncomps = (size_t)n;
	p->c.settings.ttl_floor_s = ttl_floor_s;
	p->c.settings.ttl_ceiling_s = ttl_ceiling_s;
	p->c.settings.grace_s = grace_s;
	p->c.settings.max_addrs_per_name = max_addrs;
}

int64_t fix_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ts_net fix_net(const char *addr)
{
	struct ts_net net;
	const char *why;

	if (ts_net_parse(addr, &net, &why))
		memset(&net, 0, sizeof(net)); /* matches nothing */
	return net;
}

static bool same_net(const struct ts_net *a, const struct ts_net *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int fix_apply(void *ctx, const struct ts_net *addr, const struct ts_compset *comps)
{
	struct fix_map *m = ctx;
	uint64_t word = comps->nwords ? comps->words[0] : 0;
	int i;

	if (m->watching) {
		struct pollfd pfd = { .fd = m->client_fd, .events = POLLIN };

		m->applied_after_reply += poll(&pfd, 1, 0) > 0;
	}
	if (m->fail_next > 0) {
		m->fail_next--;
		return -EIO;
	}
	for (i = 0; i < m->n; i++)
		if (same_net(&m->e[i].net, addr))
			break;
	if (word) {
		if (i == m->n) {
			if (m->n == FIX_MAX_ADDRS)
				return -ENOSPC;
			m->e[m->n++] = (struct fix_map_entry){ *addr, word, fix_now_ms() };
		} else {
			m->e[i].comps = word;
		}
	} else if (i < m->n) {
		m->e[i] = m->e[--m->n];
	}
	if (m->nlog < FIX_MAX_LOG)
		m->log[m->nlog++] = (struct fix_log_entry){ *addr, !word, fix_now_ms() };
	return 0;
}

struct ts_names_sink fix_sink(struct fix_map *m)
{
	return (struct ts_names_sink){ .apply = fix_apply, .ctx = m };
}

const struct fix_map_entry *fix_map_find(const struct fix_map *m, const char *addr)
{
	struct ts_net net = fix_net(addr);

	for (int i = 0; i < m->n; i++)
		if (same_net(&m->e[i].net, &net))
			return &m->e[i];
	return NULL;
}

int fix_log_find(const struct fix_map *m, const char *addr, bool removed)
{
	struct ts_net net = fix_net(addr);

	for (int i = 0; i < m->nlog; i++)
		if (same_net(&m->log[i].net, &net) && m->log[i].removed == removed)
			return i;
	return -1;
}

bool fix_run_until(struct ts_names *n, bool (*cond)(void *ctx), void *ctx, int timeout_ms)
{
	int64_t deadline = fix_now_ms() + timeout_ms;

	while (!cond(ctx)) {
		int64_t left = deadline - fix_now_ms();

		if (left <= 0)
			return cond(ctx);
		ts_names_run_once(n, left > 100 ? 100 : (int)left);
	}
	return true;
}

void fix_run_for(struct ts_names *n, int ms)
{
	int64_t deadline = fix_now_ms() + ms;
	int64_t left;

	while ((left = deadline - fix_now_ms()) > 0)
		ts_names_run_once(n, left > 100 ? 100 : (int)left);
}

static struct fix_map *dns_watcher;

void fix_dns_watch(struct fix_map *m)
{
	dns_watcher = m;
}

int fix_dns_ask(struct ts_names *n, struct ts_proxy *p, int port, const char *name, int type, unsigned short id,
		unsigned char *buf, size_t cap, size_t *len, int timeout_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int64_t deadline = fix_now_ms() + timeout_ms;
	unsigned char *q = NULL;
	int qlen, fd, err = -ETIMEDOUT;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (ares_create_query(name, 1 /* C_IN */, type, id, 1, &q, &qlen, 0) != ARES_SUCCESS)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, q, (size_t)qlen, 0, (struct sockaddr *)&sa, sizeof(sa)) != qlen) {
		err = -errno;
		goto out;
	}
	if (dns_watcher) {
		dns_watcher->client_fd = fd;
		dns_watcher->watching = true;
	}
	while (fix_now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (p) {
			struct pollfd ppfd = { .fd = ts_proxy_fd(p), .events = POLLIN };

			poll(&ppfd, 1, 5);
			ts_proxy_process(p);
		}
		if (n)
			ts_names_run_once(n, 5);
		if (poll(&pfd, 1, n || p ? 0 : 10) <= 0)
			continue;
		r = recv(fd, buf, cap, 0);
		if (r > 0) {
			*len = (size_t)r;
			err = 0;
			break;
		}
	}
out:
	if (dns_watcher)
		dns_watcher->watching = false;
	if (fd >= 0)
		close(fd);
	ares_free_string(q);
	return err;
}

struct ts_names_name_info fix_name_info(const struct ts_names *n, size_t i)
{
	struct ts_names_name_info info = { 0 };

	ts_names_name_info(ts_names_state(n), i, &info);
	return info;
}
