// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fakedns.c - see fakedns.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakedns.h"

#define DNS_HDR 12

/* Where the query's one question ends (its OPT, if any, follows). */
static size_t question_end(const unsigned char *q, size_t qlen)
{
	size_t o = DNS_HDR;

	while (o < qlen && q[o])
		o += (size_t)q[o] + 1;
	o += 5; /* the root label, type, class */
	return o <= qlen ? o : qlen;
}

/* The reply to one query: its header and question, then per mode. */
static size_t reply(const unsigned char *q, size_t qlen, enum fakedns_mode mode,
		    unsigned char *out, size_t cap)
{
	size_t len = question_end(q, qlen);
	bool aaaa = len >= 4 && q[len - 4] == 0 && q[len - 3] == 28;

	if (len > cap)
		len = cap;
	memcpy(out, q, len);
	out[10] = out[11] = 0;                         /* the query's OPT is not echoed */
	out[2] = 0x81;                                 /* QR, RD */
	if (mode == FAKEDNS_SERVFAIL) {
		out[3] = 0x82;                         /* RA, rcode 2 = SERVFAIL */
		return len;
	}
	if (mode == FAKEDNS_REFUSED || (mode == FAKEDNS_AAAA_REFUSED && aaaa)) {
		out[3] = 0x85;                         /* RA, rcode 5 = REFUSED */
		return len;
	}
	if (mode == FAKEDNS_AAAA_REFUSED) {            /* A: 192.0.2.77, TTL 1 */
		static const unsigned char rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4,
						    192, 0, 2, 77 };

		out[3] = 0x80;
		out[7] = 1;
		if (len + sizeof(rr) <= cap) {
			memcpy(out + len, rr, sizeof(rr));
			len += sizeof(rr);
		}
		return len;
	}
	out[3] = 0x80;                                 /* RA, NOERROR */
	out[7] = 1;                                    /* ANCOUNT = 1 ... */
	if (len + 4 <= cap) {                          /* ... but only half a record */
		memcpy(out + len, "\xc0\x0c\x00\x01", 4);
		len += 4;
	}
	return len;
}

static void serve(int fd, enum fakedns_mode mode)
{
	unsigned char q[512], r[600];

	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);

		if (n < DNS_HDR)
			continue;
		sendto(fd, r, reply(q, (size_t)n, mode, r, sizeof(r)), 0,
		       (struct sockaddr *)&from, flen);
	}
}

pid_t fakedns_start(int port, enum fakedns_mode mode)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		serve(fd, mode);
		_exit(0);
	}
	close(fd);
	return pid < 0 ? -errno : pid;
}

void fakedns_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}
