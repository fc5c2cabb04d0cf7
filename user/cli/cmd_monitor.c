// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_monitor.c - `turnstile monitor`: drop and audit events, live. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
#include "loader/event_hub.h"
#include "loader/event_text.h"
#include "loader/json.h"
#include "loader/lookup.h"

struct mon {
	struct ts_dp *dp;
	struct ts_compiled *policy;
	bool json;
	uint32_t slot;
	uint64_t start_ns;   /* CLOCK_MONOTONIC when monitor started: older events waited in the ring */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static const struct ts_cmd_syntax syntax = {
	.name = "monitor",
	.about = "Prints drop and audit events as they happen (rate-limited in the\n"
		 "dataplane; suppressed events are counted), naming the components of\n"
		 "each address and the rule involved. Ctrl-C stops.",
	.opts = { ts_cli_json_opt },
};

static void components(struct mon *m, uint8_t family, const uint8_t addr[16], char *buf, size_t len)
{
	struct ts_net n = { .family = family, .plen = family == TS_FAMILY_V6 ? 128 : 32 };
	struct ts_addr_lookup l;

	memcpy(n.addr, addr, 16);
	if (ts_lookup_addr(m->dp, m->slot, &n, &l))
		l.set_id = 0;
	ts_cli_set_str(m->policy, l.set_id, buf, len);
}

static int on_event(const struct ts_event *ev, void *ctx)
{
	struct mon *m = ctx;
	struct ts_event_text t;
	char sc[256], dc[256];
	bool backlog = ev->ts_ns < m->start_ns;

	ts_event_text(m->dp, ev, &t);
	components(m, ev->family, ev->saddr, sc, sizeof(sc));
	components(m, ev->family, ev->daddr, dc, sizeof(dc));
	if (m->json) {
		struct ts_json j;

		ts_json_init(&j, stdout);
		ts_json_obj_open(&j, NULL);
		ts_json_u64(&j, "ts_ns", ev->ts_ns);
		ts_json_str(&j, "time", t.when);
		ts_json_bool(&j, "backlog", backlog);
		ts_json_str(&j, "verdict", t.verdict);
		ts_json_str(&j, "reason", t.reason);
		ts_json_str(&j, "hook", t.hook);
		ts_json_str(&j, "iface", t.iface);
		ts_json_u64(&j, "vlan", ev->vlan);
		ts_json_u64(&j, "proto", ev->proto);
		ts_json_str(&j, "protocol", t.proto);
		ts_json_str(&j, "src", t.src);
		ts_json_u64(&j, "sport", t.sport);
		ts_json_str(&j, "src_components", sc);
		ts_json_str(&j, "dst", t.dst);
		ts_json_u64(&j, "dport", t.dport);
		ts_json_str(&j, "dst_components", dc);
		ts_json_u64(&j, "tcp_flags", ev->tcp_flags);
		ts_json_u64(&j, "rule_id", ev->rule_id);
		ts_json_str(&j, "rule_label", t.rule_label);
		ts_json_obj_close(&j);
		ts_json_end(&j);
		return 0;
	}
	printf("%s %-5s %-18s %s %s %s %s (%s) -> %s (%s)", t.when, t.verdict, t.reason,
	       t.iface, ev->hook == TS_HOOK_TC_EGRESS ? "tc" : "xdp", t.proto, t.src_ep, sc, t.dst_ep, dc);
	if (ev->proto == IPPROTO_TCP)
		printf(" flags 0x%02x", ev->tcp_flags);
	if (ev->rule_id)
		printf(" rule %u \"%s\"", ev->rule_id, t.rule_label);
	printf("%s\n", backlog ? " (backlog: before monitor started)" : "");
	fflush(stdout);
	return 0;
}

/* Events as the daemon hands them out, one struct ts_event a message,
 * until stopped or the daemon goes. */
static int from_daemon(struct mon *m, int fd)
{
	struct ts_config cfg;

	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct ts_event ev;
		ssize_t n;

		if (!ts_dp_config_read(m->dp, &cfg))
			m->slot = cfg.active_slot;
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		n = recv(fd, &ev, sizeof(ev), 0);
		if (n == 0) {
			fprintf(stderr, "monitor: the daemon closed the event stream\n");
			return 0;
		}
		if (n == (ssize_t)sizeof(ev))
			on_event(&ev, m);
		else if (n < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

int ts_cmd_monitor(int argc, char **argv)
{
	struct mon m = { 0 };
	struct ts_loader_state st;
	struct ts_dp_events *evs = NULL;
	struct ts_config cfg;
	int rc, err = 0, nops, hub;

	rc = ts_cli_parse_simple(&syntax, argc, argv, &m.json, &nops);
	if (rc >= 0)
		return rc;
	rc = ts_cli_open_pinned(&m.dp, &st);
	if (rc)
		return rc;
	m.policy = ts_cli_policy(&st);
	m.start_ns = ts_dp_mono_ns();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	hub = st.daemon_pid > 0 && !kill(st.daemon_pid, 0) ? ts_event_hub_connect(st.state_dir) : -1;
	if (hub >= 0) {
		/* the daemon reads the ring and gives every monitor every event */
		if (!m.json)
			fprintf(stderr, "monitor: live events from the daemon (pid %d)\n", st.daemon_pid);
		err = from_daemon(&m, hub);
		close(hub);
	} else {
		/* nobody else reads the ring: one reader's worth of events */
		if (!m.json)
			fprintf(stderr, "monitor: no daemon; reading the dataplane's event ring itself (another "
				"reader at the same time gets a share of the events, not all); events from "
				"before now are marked backlog\n");
		err = ts_dp_events_open(m.dp, on_event, &m, &evs);
	}
	while (hub < 0 && !err && !stop) {
		uint64_t suppressed = 0;

		if (!ts_dp_config_read(m.dp, &cfg))
			m.slot = cfg.active_slot;
		err = ts_dp_events_poll(evs, 500);
		if (err == -EINTR)
			err = 0;
		else if (err > 0)
			err = 0;
		if (!ts_dp_events_suppressed(m.dp, &suppressed) && suppressed && !m.json)
			printf("(%llu events suppressed by the rate limit)\n", (unsigned long long)suppressed);
	}
	if (evs)
		ts_dp_events_close(evs);
	if (m.policy)
		ts_compiled_free(m.policy);
	ts_dp_close(m.dp);
	return err ? TS_EXIT_FAILURE : TS_EXIT_OK;
}
