// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dnsmasq.c - see dnsmasq.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dnsmasq.h"

int dnsmasq_enter_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return system("ip link set lo up") == 0 ? 0 : -EIO;
}

static int write_hosts(const struct dnsmasq *d, const char *hosts)
{
	char tmp[160];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", d->hosts);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputs(hosts, f);
	if (fclose(f))
		return -errno;
	chmod(tmp, 0644);
	return rename(tmp, d->hosts) ? -errno : 0;
}

/* dnsmasq is up once its TCP listener accepts. */
static int wait_ready(const struct dnsmasq *d)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)d->port) };
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	for (int i = 0; i < 300; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));

		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid)
			return -ECHILD;
		nanosleep(&pause, NULL);
	}
	return -ETIMEDOUT;
}

int dnsmasq_restart(struct dnsmasq *d)
{
	char port[32], hosts[160];
	const char *argv[32];
	int argc = 0, err;

	snprintf(port, sizeof(port), "--port=%d", d->port);
	snprintf(hosts, sizeof(hosts), "--addn-hosts=%s", d->hosts);
	argv[argc++] = "dnsmasq";
	argv[argc++] = "--keep-in-foreground";
	argv[argc++] = "--conf-file=/dev/null";
	argv[argc++] = "--no-resolv";
	argv[argc++] = "--no-hosts";
	argv[argc++] = "--user=root";
	argv[argc++] = "--pid-file=";
	argv[argc++] = "--listen-address=127.0.0.1";
	argv[argc++] = "--bind-interfaces";
	argv[argc++] = "--local=/test/";
	argv[argc++] = port;
	argv[argc++] = hosts;
	for (int i = 0; i < d->nextra; i++)
		argv[argc++] = d->extra[i];
	argv[argc] = NULL;

	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp("dnsmasq", (char *const *)argv);
		_exit(127);
	}
	err = wait_ready(d);
	if (err)
		dnsmasq_kill(d);
	return err;
}

int dnsmasq_start(struct dnsmasq *d, int port, const char *hosts, ...)
{
	const char *opt;
	va_list ap;
	int err;

	memset(d, 0, sizeof(*d));
	d->port = port;
	snprintf(d->dir, sizeof(d->dir), "/tmp/ts-names-test.XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(d->hosts, sizeof(d->hosts), "%s/hosts", d->dir);
	va_start(ap, hosts);
	while ((opt = va_arg(ap, const char *)) && d->nextra < 8)
		snprintf(d->extra[d->nextra++], sizeof(d->extra[0]), "%s", opt);
	va_end(ap);
	err = write_hosts(d, hosts);
	if (!err)
		err = dnsmasq_restart(d);
	if (err)
		dnsmasq_stop(d);
	return err;
}

int dnsmasq_set_hosts(struct dnsmasq *d, const char *hosts)
{
	int err = write_hosts(d, hosts);

	if (err)
		return err;
	return d->pid > 0 && kill(d->pid, SIGHUP) ? -errno : 0;
}

void dnsmasq_kill(struct dnsmasq *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	d->pid = 0;
}

void dnsmasq_stop(struct dnsmasq *d)
{
	char path[160];

	dnsmasq_kill(d);
	if (!d->dir[0])
		return;
	unlink(d->hosts);
	snprintf(path, sizeof(path), "%s.new", d->hosts);
	unlink(path);
	rmdir(d->dir);
	d->dir[0] = '\0';
}

const char *dnsmasq_server(const struct dnsmasq *d)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "127.0.0.1:%d", d->port);
	return buf;
}
