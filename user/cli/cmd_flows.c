// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_flows.c - `turnstile flows`: tracked connections, filtered, and
 * `--kill` to remove the ones a filter matches (like conntrack -D). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
#include "loader/json.h"
#include "loader/lookup.h"

static const char *const state_names[] = {
	[TS_TCP_NONE] = "none", [TS_TCP_SYN_SENT] = "syn_sent",
	[TS_TCP_SYN_RECV] = "syn_recv", [TS_TCP_ESTABLISHED] = "established",
	[TS_TCP_FIN_WAIT] = "fin_wait", [TS_TCP_CLOSING] = "closing",
	[TS_DGRAM_UNREPLIED] = "unreplied", [TS_DGRAM_REPLIED] = "replied",
};
#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))

static const char *state_name(uint8_t s)
{
	return s < NSTATES ? state_names[s] : "?";
}

struct filter {
	bool json, kill;
	bool has_addr;
	struct ts_net addr;          /* either end */
	long port;                   /* either end, 0 = any */
	const char *rule;            /* id or label, NULL = any */
	int state;                   /* enum ts_tcp_state, -1 = any */
	const char *proto;           /* ts_proto_name(), NULL = any */
};

static const struct ts_opt flows_opts[] = {
	{ "json", 'j', TS_OPT_FLAG, NULL, "one JSON document", 'j' },
	{ "addr", 'a', TS_OPT_VALUE, "ADDR", "only flows with ADDR at either end", 'a' },
	{ "port", 'p', TS_OPT_VALUE, "PORT", "only flows with PORT at either end", 'p' },
	{ "rule", 'r', TS_OPT_VALUE, "ID|LABEL", "only flows a rule allowed (its id or label)", 'r' },
	{ "state", 's', TS_OPT_VALUE, "STATE", "only flows in STATE (syn_sent, syn_recv, established, fin_wait, closing, unreplied, replied)", 's' },
	{ "proto", 'P', TS_OPT_VALUE, "PROTO", "only flows of PROTO (tcp, udp, icmp, icmpv6)", 'P' },
	{ "kill", 'k', TS_OPT_FLAG, NULL, "remove the flows the filters match (at least one filter)", 'k' },
	{ 0 },
};

static const struct ts_cmd_syntax syntax = {
	.name = "flows",
	.about = "Tracked TCP connections, UDP flows and pings (an echo's identifier in\n"
		 "the port columns): protocol, initiator -> responder, state, age, idle time,\n"
		 "the interface that saw the opening packet and the rule that allowed\n"
		 "them (audit = passed in audit mode). Filters combine (all must match);\n"
		 "--kill removes the flows they match: their next packet is judged as\n"
		 "a packet without flow (dropped unless it opens a new connection).",
	.opts = { flows_opts },
};

static int flows_option(void *ctx, int id, const char *val)
{
	struct filter *f = ctx;

	switch (id) {
	case 'j': f->json = true; return 0;
	case 'k': f->kill = true; return 0;
	case 'a':
		if (ts_cli_addr_parse(val, &f->addr)) {
			ts_err("--addr %s: not an IPv4 or IPv6 address", val);
			return TS_EXIT_USAGE;
		}
		f->has_addr = true;
		return 0;
	case 'p':
		return ts_opts_number("--port", val, 1, 65535, &f->port);
	case 'r':
		f->rule = val;
		return 0;
	case 'P':
		if (strcmp(val, "tcp") && strcmp(val, "udp") && strcmp(val, "icmp") && strcmp(val, "icmpv6")) {
			ts_err("--proto %s: expected tcp, udp, icmp or icmpv6", val);
			return TS_EXIT_USAGE;
		}
		f->proto = val;
		return 0;
	case 's':
		for (size_t i = 1; i < NSTATES; i++)
			if (!strcmp(val, state_names[i])) {
				f->state = (int)i;
				return 0;
			}
		ts_err("--state %s: expected syn_sent, syn_recv, established, fin_wait, closing, "
		       "unreplied or replied", val);
		return TS_EXIT_USAGE;
	}
	return TS_EXIT_USAGE;
}

struct walk {
	const struct filter *f;
	struct ts_dp *dp;
	struct ts_json *j;            /* NULL = text */
	uint64_t now;
	size_t n;
};

static void label_of(struct ts_dp *dp, uint32_t id, char *buf, size_t len)
{
	struct ts_rule_meta meta;

	buf[0] = '\0';
	if (id && !ts_lookup_rule_meta(dp, id, &meta))
		snprintf(buf, len, "%s", meta.label);
}

static bool addr_is(const struct ts_net *n, uint8_t family, const uint8_t a[16])
{
	return n->family == family && !memcmp(n->addr, a, family == TS_FAMILY_V6 ? 16 : 4);
}

static bool matches(const struct ts_dp_flow *fl, void *ctx)
{
	const struct walk *w = ctx;
	const struct filter *f = w->f;
	const struct ts_flow_key *k = &fl->key;

	if (f->has_addr && !addr_is(&f->addr, k->family, k->lo_addr) && !addr_is(&f->addr, k->family, k->hi_addr))
		return false;
	if (f->port && ntohs(k->lo_port) != f->port && ntohs(k->hi_port) != f->port)
		return false;
	if (f->state >= 0 && fl->val.state != f->state)
		return false;
	if (f->proto && strcmp(f->proto, ts_proto_name(k->proto)))
		return false;
	if (f->rule) {
		char label[TS_LABEL_LEN], id[16];

		snprintf(id, sizeof(id), "%u", fl->val.rule_id);
		label_of(w->dp, fl->val.rule_id, label, sizeof(label));
		if (strcmp(f->rule, id) && strcmp(f->rule, label))
			return false;
	}
	return true;
}

static int print_flow(const struct ts_dp_flow *f, void *ctx)
{
	struct walk *w = ctx;
	const struct ts_flow_key *k = &f->key;
	bool hi_init = f->val.flags & TS_FLOW_INIT_HI;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], label[TS_LABEL_LEN], ifname[IF_NAMESIZE] = "?";
	uint16_t ap = ntohs(hi_init ? k->hi_port : k->lo_port);
	uint16_t bp = ntohs(hi_init ? k->lo_port : k->hi_port);
	double age = (double)(w->now - f->val.created_ns) / 1e9;
	double idle = (double)(w->now - f->val.last_seen_ns) / 1e9;

	if (!matches(f, w))
		return 0;
	ts_cli_addr_str(k->family, hi_init ? k->hi_addr : k->lo_addr, a, sizeof(a));
	ts_cli_addr_str(k->family, hi_init ? k->lo_addr : k->hi_addr, b, sizeof(b));
	label_of(w->dp, f->val.rule_id, label, sizeof(label));
	if (!if_indextoname(f->val.ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "#%u", f->val.ifindex);
	w->n++;
	if (!w->j) {
		char ae[TS_CLI_ENDPOINT_LEN], be[TS_CLI_ENDPOINT_LEN];

		ts_cli_endpoint_str(k->family, hi_init ? k->hi_addr : k->lo_addr, ap, ae, sizeof(ae));
		ts_cli_endpoint_str(k->family, hi_init ? k->lo_addr : k->hi_addr, bp, be, sizeof(be));
		printf("%-6s %-40s %-40s %-12s %8.0fs %8.0fs %-10s rule %u \"%s\"%s%s\n",
		       ts_proto_name(k->proto), ae, be, state_name(f->val.state), age, idle, ifname,
		       f->val.rule_id, label, f->val.flags & TS_FLOW_AUDIT ? " audit" : "",
		       f->val.flags & TS_FLOW_LOOSE ? " loose" : "");
		return 0;
	}
	ts_json_obj_open(w->j, NULL);
	ts_json_str(w->j, "proto", ts_proto_name(k->proto));
	ts_json_str(w->j, "src", a);
	ts_json_u64(w->j, "sport", ap);
	ts_json_str(w->j, "dst", b);
	ts_json_u64(w->j, "dport", bp);
	ts_json_str(w->j, "state", state_name(f->val.state));
	ts_json_bool(w->j, "halfopen", ts_dp_flow_halfopen(f));
	ts_json_double(w->j, "age_s", age);
	ts_json_double(w->j, "idle_s", idle);
	ts_json_u64(w->j, "rule_id", f->val.rule_id);
	ts_json_str(w->j, "rule_label", label);
	ts_json_bool(w->j, "audit", f->val.flags & TS_FLOW_AUDIT);
	ts_json_bool(w->j, "loose", f->val.flags & TS_FLOW_LOOSE);
	ts_json_u64(w->j, "ifindex", f->val.ifindex);
	ts_json_str(w->j, "iface", ifname);
	ts_json_obj_close(w->j);
	return 0;
}

static int kill_flows(struct walk *w)
{
	uint32_t removed = 0;
	int err = ts_dp_flows_remove(w->dp, matches, w, &removed);

	if (err) {
		ts_err("flows --kill: %s", strerror(-err));
		return TS_EXIT_FAILURE;
	}
	printf("%u flows removed\n", removed);
	return TS_EXIT_OK;
}

int ts_cmd_flows(int argc, char **argv)
{
	struct filter f = { .state = -1 };
	struct ts_loader_state st;
	struct ts_json j;
	struct walk w = { .f = &f };
	int rc, err, nops;

	rc = ts_opts_parse(&syntax, argc, argv, flows_option, &f, &nops);
	if (rc >= 0)
		return rc;
	if (f.kill && !f.has_addr && !f.port && !f.rule && f.state < 0 && !f.proto) {
		ts_err("flows --kill: give a filter (--addr, --port, --rule, --state or --proto): "
		       "it removes the flows it matches");
		return TS_EXIT_USAGE;
	}
	rc = f.kill ? ts_cli_open_pinned_rw(&w.dp, &st) : ts_cli_open_pinned(&w.dp, &st);
	if (rc)
		return rc;
	if (f.kill) {
		rc = kill_flows(&w);
		ts_dp_close(w.dp);
		return rc;
	}
	w.now = ts_dp_now_ns();
	if (f.json) {
		ts_json_init(&j, stdout);
		ts_json_obj_open(&j, NULL);
		ts_json_arr_open(&j, "flows");
		w.j = &j;
	} else {
		printf("%-6s %-40s %-40s %-12s %9s %9s %-10s %s\n", "proto", "initiator", "responder",
		       "state", "age", "idle", "iface", "rule");
	}
	err = ts_dp_flows_foreach(w.dp, print_flow, &w);
	if (f.json) {
		ts_json_arr_close(&j);
		ts_json_obj_close(&j);
		ts_json_end(&j);
	} else {
		printf("%zu flows\n", w.n);
	}
	ts_dp_close(w.dp);
	return err < 0 ? TS_EXIT_FAILURE : TS_EXIT_OK;
}
