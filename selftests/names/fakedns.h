/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fakedns.h - a broken DNS server for the names tests: answers every UDP
 * query on 127.0.0.1:<port> with SERVFAIL, REFUSED, a reply whose answer
 * section is cut short (garbage that matches the query), or A queries
 * with 192.0.2.77 and AAAA queries with REFUSED. */
#ifndef TS_TEST_FAKEDNS_H
#define TS_TEST_FAKEDNS_H

#include <sys/types.h>

enum fakedns_mode {
	FAKEDNS_SERVFAIL,
	FAKEDNS_GARBAGE,
	FAKEDNS_REFUSED,
	FAKEDNS_AAAA_REFUSED,
};

/* Forks the server; returns its pid (> 0) or -errno. */
pid_t fakedns_start(int port, enum fakedns_mode mode);
void fakedns_stop(pid_t pid);

#endif /* TS_TEST_FAKEDNS_H */
