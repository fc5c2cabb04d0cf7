// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_flows.c - `turnstile flows`: tracked connections. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dp/dp.h"
#include "loader/json.h"

struct walk {
	struct ts_json *j;    /* NULL = text */
	uint64_t now;
	size_t n;
};

static const char *state_name(uint8_t s)
{
	static const char *const names[] = {
		[TS_TCP_NONE] = "none", [TS_TCP_SYN_SENT] = "syn_sent",
		[TS_TCP_SYN_RECV] = "syn_recv", [TS_TCP_ESTABLISHED] = "established",
		[TS_TCP_FIN_WAIT] = "fin_wait", [TS_TCP_CLOSING] = "closing",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static const struct ts_cmd_syntax syntax = {
	.name = "flows",
	.about = "Tracked TCP connections: initiator -> responder, state, age, idle time\n"
		 "and the rule that allowed them (audit = passed in audit mode).",
	.opts = { ts_cli_json_opt },
};

static int print_flow(const struct ts_dp_flow *f, void *ctx)
{
	struct walk *w = ctx;
	const struct ts_flow_key *k = &f->key;
	bool hi_init = f->val.flags & TS_FLOW_INIT_HI;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint16_t ap = ntohs(hi_init ? k->hi_port : k->lo_port);
	uint16_t bp = ntohs(hi_init ? k->lo_port : k->hi_port);
	double age = (double)(w->now - f->val.created_ns) / 1e9;
	double idle = (double)(w->now - f->val.last_seen_ns) / 1e9;

	ts_cli_addr_str(k->family, hi_init ? k->hi_addr : k->lo_addr, a, sizeof(a));
	ts_cli_addr_str(k->family, hi_init ? k->lo_addr : k->hi_addr, b, sizeof(b));
	w->n++;
	if (!w->j) {
		char ae[TS_CLI_ENDPOINT_LEN], be[TS_CLI_ENDPOINT_LEN];

		ts_cli_endpoint_str(k->family, hi_init ? k->hi_addr : k->lo_addr, ap, ae, sizeof(ae));
		ts_cli_endpoint_str(k->family, hi_init ? k->lo_addr : k->hi_addr, bp, be, sizeof(be));
		printf("%-40s %-40s %-12s %8.0fs %8.0fs rule %u%s\n", ae, be,
		       state_name(f->val.state), age, idle, f->val.rule_id,
		       f->val.flags & TS_FLOW_AUDIT ? " audit" : "");
		return 0;
	}
	ts_json_obj_open(w->j, NULL);
	ts_json_str(w->j, "src", a);
	ts_json_u64(w->j, "sport", ap);
	ts_json_str(w->j, "dst", b);
	ts_json_u64(w->j, "dport", bp);
	ts_json_str(w->j, "state", state_name(f->val.state));
	ts_json_bool(w->j, "halfopen", f->halfopen);
	ts_json_double(w->j, "age_s", age);
	ts_json_double(w->j, "idle_s", idle);
	ts_json_u64(w->j, "rule_id", f->val.rule_id);
	ts_json_bool(w->j, "audit", f->val.flags & TS_FLOW_AUDIT);
	ts_json_u64(w->j, "ifindex", f->val.ifindex);
	ts_json_obj_close(w->j);
	return 0;
}

int ts_cmd_flows(int argc, char **argv)
{
	struct ts_loader_state st;
	struct ts_json j;
	struct walk w = { 0 };
	struct ts_dp *dp;
	bool json = false;
	int rc, err, nops;

	rc = ts_cli_parse_simple(&syntax, argc, argv, &json, &nops);
	if (rc >= 0)
		return rc;
	rc = ts_cli_open_pinned(&dp, &st);
	if (rc)
		return rc;
	w.now = ts_dp_now_ns();
	if (json) {
		ts_json_init(&j, stdout);
		ts_json_obj_open(&j, NULL);
		ts_json_arr_open(&j, "flows");
		w.j = &j;
	} else {
		printf("%-40s %-40s %-12s %9s %9s\n", "initiator", "responder", "state", "age", "idle");
	}
	err = ts_dp_flows_foreach(dp, print_flow, &w);
	if (json) {
		ts_json_arr_close(&j);
		ts_json_obj_close(&j);
		ts_json_end(&j);
	} else {
		printf("%zu flows\n", w.n);
	}
	ts_dp_close(dp);
	return err < 0 ? TS_EXIT_FAILURE : TS_EXIT_OK;
}
