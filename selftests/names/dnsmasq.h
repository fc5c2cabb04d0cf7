/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dnsmasq.h - a real dnsmasq for the names tests, inside a private network
 * namespace the test process moves into (unshare), answering for ".test"
 * on 127.0.0.1:<port> from a hosts file the test rewrites (SIGHUP reloads).
 * Names outside the hosts file get NXDOMAIN (--local=/test/).
 */
#ifndef TS_TEST_DNSMASQ_H
#define TS_TEST_DNSMASQ_H

#include <stdbool.h>
#include <sys/types.h>

struct dnsmasq {
	pid_t pid;                 /* 0 = not running */
	int port;
	char dir[64];              /* temp dir with the hosts file */
	char hosts[128];
	char extra[8][128];        /* extra command-line options */
	int nextra;
};

/* Moves this process into a new network namespace with loopback up. */
int dnsmasq_enter_netns(void);
/* hosts: hosts-file text ("192.0.2.1 a.test\n..."); extra options may follow (NULL-terminated). */
int dnsmasq_start(struct dnsmasq *d, int port, const char *hosts, ...);
/* Starts it again with the same files and options (after dnsmasq_kill). */
int dnsmasq_restart(struct dnsmasq *d);
/* Rewrites the hosts file and makes dnsmasq reread it. */
int dnsmasq_set_hosts(struct dnsmasq *d, const char *hosts);
/* SIGKILL: an outage (files kept). */
void dnsmasq_kill(struct dnsmasq *d);
/* Kills it and removes its files. */
void dnsmasq_stop(struct dnsmasq *d);
/* "127.0.0.1:<port>" */
const char *dnsmasq_server(const struct dnsmasq *d);

#endif /* TS_TEST_DNSMASQ_H */
