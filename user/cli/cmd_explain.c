// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_explain.c - `turnstile explain SRC DST [tcp/PORT|udp/PORT|icmp/echo]`:
 * which components each address belongs to and through which member (from
 * the policy and the names cache), and the verdict the first packet from
 * SRC to DST (a SYN, a UDP datagram, an echo request) gets from the
 * dataplane's own judging program on the installed maps (loader/lookup.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
#include "loader/json.h"
#include "loader/lookup.h"
#include "names/names.h"
#include "policy/ports.h"

#define MAX_NAMES_PER_ADDR 16

struct side {
	const char *role;               /* "src" / "dst" */
	const char *text;
	struct ts_net net;
	struct ts_membership *why;      /* from the policy */
	size_t nwhy;
	struct ts_names_addr_info from_dns[MAX_NAMES_PER_ADDR];
	size_t ndns;
	const struct ts_addr_lookup *map;
};

static const struct ts_cmd_syntax syntax = {
	.name = "explain",
	.operands = "SRC DST [tcp/PORT|udp/PORT|icmp/echo]",
	.about = "Why a TCP connection, UDP flow or ping from SRC (the initiator) to\n"
		 "DST is allowed or refused: each address's components and the member\n"
		 "that puts it there (CIDR, address, host name, learned wildcard), then\n"
		 "the rule that allows it or the reason it is refused. The verdict comes\n"
		 "from the dataplane's own code, run on a synthesized SYN, datagram or\n"
		 "echo request against the installed maps (nothing is written). The\n"
		 "default is tcp/443; a bare PORT is TCP's.",
	.opts = { ts_cli_json_opt },
	.min_operands = 2,
	.max_operands = 3,
};

static const char *kind_name(enum ts_member_kind k)
{
	switch (k) {
	case TS_MEMBER_HOST:     return "address";
	case TS_MEMBER_CIDR:     return "cidr";
	case TS_MEMBER_NAME:     return "name";
	case TS_MEMBER_WILDCARD: return "wildcard";
	}
	return "?";
}

/* One protocol and port, as a rule writes it (a bare number is TCP's):
 * its port index (ts_port_index). */
static int parse_port(const char *s, uint32_t *port)
{
	char spec[32];
	struct ts_diags d = { 0 };
	struct ts_ports p;
	int err;

	snprintf(spec, sizeof(spec), "%s%s", strchr(s, '/') ? "" : "tcp/", s);
	if (strlen(s) > 20)
		return -EINVAL;
	err = ts_ports_parse(spec, (struct ts_loc){ 0 }, &p, &d);
	ts_diags_free(&d);
	if (err)
		return err;
	err = p.n == 1 && p.v[0].lo == p.v[0].hi ? 0 : -EINVAL;
	*port = p.v[0].lo;
	ts_ports_free(&p);
	return err;
}

static void resolve_side(struct side *sd, const struct ts_compiled *c,
			 const struct ts_names_state *names)
{
	const char *nm[MAX_NAMES_PER_ADDR];

	sd->ndns = names ? ts_names_explain(names, &sd->net, sd->from_dns, MAX_NAMES_PER_ADDR) : 0;
	if (sd->ndns > MAX_NAMES_PER_ADDR)
		sd->ndns = MAX_NAMES_PER_ADDR;
	for (size_t i = 0; i < sd->ndns; i++)
		nm[i] = sd->from_dns[i].name;
	if (!c || ts_compiled_explain_addr(c, &sd->net, nm, sd->ndns, &sd->why, &sd->nwhy)) {
		sd->why = NULL;
		sd->nwhy = 0;
	}
}

static void print_side_text(const struct side *sd, const struct ts_compiled *c)
{
	char set[512];

	ts_cli_set_str(c, sd->map->set_id, set, sizeof(set));
	printf("%s %s: %s (dataplane: set %u, %s)\n", sd->role, sd->text,
	       sd->map->set_id ? set : "no component", sd->map->set_id,
	       sd->map->exact ? "exact host entry" : sd->map->set_id ? "prefix entry" : "no entry");
	for (size_t i = 0; i < sd->nwhy; i++) {
		const struct ts_membership *w = &sd->why[i];

		printf("  %s via %s %s (%s:%u:%u)\n", c->comp_names[w->comp], kind_name(w->kind),
		       w->via, w->file ? w->file : "?", w->line, w->col);
	}
	for (size_t i = 0; i < sd->ndns; i++)
		printf("  resolved from %s by %s (ttl %us)\n", sd->from_dns[i].name,
		       sd->from_dns[i].resolver, sd->from_dns[i].ttl_s);
}

static void print_side_json(struct ts_json *j, const struct side *sd, const struct ts_compiled *c)
{
	char set[512];

	ts_cli_set_str(c, sd->map->set_id, set, sizeof(set));
	ts_json_obj_open(j, sd->role);
	ts_json_str(j, "address", sd->text);
	ts_json_u64(j, "set_id", sd->map->set_id);
	ts_json_bool(j, "exact_entry", sd->map->exact);
	ts_json_arr_open(j, "components");
	for (size_t i = 0; i < sd->nwhy; i++) {
		const struct ts_membership *w = &sd->why[i];

		ts_json_obj_open(j, NULL);
		ts_json_str(j, "component", c->comp_names[w->comp]);
		ts_json_str(j, "kind", kind_name(w->kind));
		ts_json_str(j, "via", w->via);
		ts_json_str(j, "file", w->file);
		ts_json_u64(j, "line", w->line);
		ts_json_u64(j, "col", w->col);
		ts_json_obj_close(j);
	}
	ts_json_arr_close(j);
	ts_json_arr_open(j, "resolved_from");
	for (size_t i = 0; i < sd->ndns; i++) {
		ts_json_obj_open(j, NULL);
		ts_json_str(j, "name", sd->from_dns[i].name);
		ts_json_str(j, "resolver", sd->from_dns[i].resolver);
		ts_json_u64(j, "ttl_s", sd->from_dns[i].ttl_s);
		ts_json_obj_close(j);
	}
	ts_json_arr_close(j);
	ts_json_obj_close(j);
}

static void print_verdict_text(const struct ts_syn_verdict *v, const char *port)
{
	printf("%s: port class %u%s\n", port, v->port_class, v->port_class ? "" : " (outside the scope)");
	if (v->rule_id)
		printf("verdict: allow by rule %u \"%s\": %s", v->rule_id, v->meta.label, v->meta.text);
	else if (v->verdict != v->reason)
		printf("verdict: pass (%s: audit mode passes what %s would drop)", ts_reason_name(v->reason),
		       ts_reason_name(v->verdict));
	else
		printf("verdict: %s (%s)", v->pass ? "pass" : "refuse", ts_reason_name(v->reason));
	printf(" (generation %" PRIu64 ")\n", v->generation);
}

int ts_cmd_explain(int argc, char **argv)
{
	struct side sides[2] = { { .role = "src" }, { .role = "dst" } };
	struct ts_names_state *names = NULL;
	struct ts_compiled *c = NULL;
	struct ts_loader_state st;
	struct ts_syn_verdict v;
	struct ts_judge *judge;
	char cache[TS_STATE_PATH_LEN + 32];
	struct ts_dp *dp;
	uint32_t port = 443;
	char port_text[32];
	struct ts_ports one;
	bool json = false;
	int rc, nops;

	rc = ts_cli_parse_simple(&syntax, argc, argv, &json, &nops);
	if (rc >= 0)
		return rc;
	if (nops == 3 && parse_port(argv[3], &port)) {
		ts_err("%s: expected tcp/PORT or udp/PORT with PORT 1..65535, or icmp/echo", argv[3]);
		return TS_EXIT_USAGE;
	}
	one = (struct ts_ports){ .v = &(struct ts_port_range){ port, port }, .n = 1 };
	ts_ports_format(&one, port_text, sizeof(port_text));
	for (int i = 0; i < 2; i++) {
		sides[i].text = argv[1 + i];
		if (ts_cli_addr_parse(sides[i].text, &sides[i].net)) {
			ts_err("%s: not an IPv4 or IPv6 address", sides[i].text);
			return TS_EXIT_USAGE;
		}
	}
	if (sides[0].net.family != sides[1].net.family) {
		ts_err("%s and %s are of different address families", sides[0].text, sides[1].text);
		return TS_EXIT_USAGE;
	}
	rc = ts_cli_open_pinned(&dp, &st);
	if (rc)
		return rc;
	if (ts_judge_open(&judge, dp)) {
		ts_dp_close(dp);
		return TS_EXIT_FAILURE;
	}
	rc = ts_lookup_first(judge, dp, &sides[0].net, &sides[1].net, port, &v);
	ts_judge_close(judge);
	if (rc) {
		ts_err("explain: the judging program failed: %s", strerror(-rc));
		ts_dp_close(dp);
		return TS_EXIT_FAILURE;
	}
	sides[0].map = &v.src;
	sides[1].map = &v.dst;
	c = ts_cli_policy(&st);
	snprintf(cache, sizeof(cache), "%s/names.cache", st.state_dir);
	if (ts_names_state_read(&names, cache))
		names = NULL;
	for (int i = 0; i < 2; i++)
		resolve_side(&sides[i], c, names);

	if (json) {
		struct ts_json j;

		ts_json_init(&j, stdout);
		ts_json_obj_open(&j, NULL);
		for (int i = 0; i < 2; i++)
			print_side_json(&j, &sides[i], c);
		ts_json_str(&j, "ports", port_text);   /* "udp/443", "icmp/echo" */
		ts_json_u64(&j, "port", port % TS_PLANE_PORTS);
		ts_json_u64(&j, "port_class", v.port_class);
		ts_json_str(&j, "verdict", v.pass ? (v.rule_id ? "allow" : "pass") : "refuse");
		ts_json_str(&j, "reason", ts_reason_name(v.reason));
		ts_json_str(&j, "decision", ts_reason_name(v.verdict));
		ts_json_u64(&j, "rule_id", v.rule_id);
		ts_json_str(&j, "rule_label", v.rule_id ? v.meta.label : NULL);
		ts_json_str(&j, "rule", v.rule_id ? v.meta.text : NULL);
		ts_json_u64(&j, "generation", v.generation);
		ts_json_obj_close(&j);
		ts_json_end(&j);
	} else {
		for (int i = 0; i < 2; i++)
			print_side_text(&sides[i], c);
		print_verdict_text(&v, port_text);
	}
	for (int i = 0; i < 2; i++)
		free(sides[i].why);
	if (names)
		ts_names_state_free(names);
	if (c)
		ts_compiled_free(c);
	ts_dp_close(dp);
	return TS_EXIT_OK;
}
