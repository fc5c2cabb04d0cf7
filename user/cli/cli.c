// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cli.c - helpers shared by the subcommands (see cli.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "names/proxy.h"
#include "commands.h"
#include "opts.h"
#include "common/log.h"
#include "dp/dp.h"
#include "fleet/fleet.h"
#include "loader/metrics_http.h"
#include "loader/resolvers.h"
#include "policy/net.h"
#include "policy/policy.h"

int ts_cli_exit_preflight(enum ts_preflight pf)
{
	switch (pf) {
	case TS_PF_OK:       return TS_EXIT_OK;
	case TS_PF_NOT_ROOT: return TS_EXIT_NOT_ROOT;
	case TS_PF_NO_BPFFS: return TS_EXIT_NO_BPFFS;
	case TS_PF_NO_BTF:   return TS_EXIT_NO_BTF;
	case TS_PF_NO_JIT:   return TS_EXIT_NO_JIT;
	}
	return TS_EXIT_FAILURE;
}

int ts_cli_exit_up(const struct ts_up_result *r)
{
	switch (r->fail) {
	case TS_UP_FAIL_NONE:      return TS_EXIT_OK;
	case TS_UP_FAIL_PREFLIGHT: return ts_cli_exit_preflight(r->preflight);
	case TS_UP_FAIL_LOCKED:    return TS_EXIT_LOCKED;
	case TS_UP_FAIL_POLICY:    return TS_EXIT_POLICY;
	case TS_UP_FAIL_POLICY_UNREADABLE: return TS_EXIT_NO_POLICY;
	case TS_UP_FAIL_NO_IFACE:  return TS_EXIT_NO_IFACE;
	case TS_UP_FAIL_XDP_MODE:  return TS_EXIT_XDP_MODE;
	case TS_UP_FAIL_FOREIGN:   return TS_EXIT_FOREIGN_XDP;
	case TS_UP_FAIL_MEMORY:    return TS_EXIT_MEMORY;
	case TS_UP_FAIL_SCHEMA:
	case TS_UP_FAIL_OTHER:     return TS_EXIT_FAILURE;
	}
	return TS_EXIT_FAILURE;
}

static int open_pinned(struct ts_dp **dp, struct ts_loader_state *st, bool writable);

int ts_cli_open_pinned(struct ts_dp **dp, struct ts_loader_state *st)
{
	return open_pinned(dp, st, false);
}

int ts_cli_open_pinned_rw(struct ts_dp **dp, struct ts_loader_state *st)
{
	return open_pinned(dp, st, true);
}

static int open_pinned(struct ts_dp **dp, struct ts_loader_state *st, bool writable)
{
	char path[256];
	enum ts_preflight pf = ts_preflight_readonly(TS_BPFFS_ROOT);
	int err;

	if (pf != TS_PF_OK)
		return ts_cli_exit_preflight(pf);
	snprintf(path, sizeof(path), "%s/ts_config", TS_PIN_DIR);
	if (access(path, F_OK)) {
		ts_err("turnstile is not up (nothing pinned at %s)", TS_PIN_DIR);
		return TS_EXIT_NOT_LOADED;
	}
	if (ts_state_load(TS_PIN_DIR, st)) {
		ts_err("turnstile is not up (no state record in %s: an `up` is running or failed)",
		       TS_PIN_DIR);
		return TS_EXIT_NOT_LOADED;
	}
	/* Maps only: a reader loads no program and rewrites no label. */
	err = writable ? ts_dp_open_pinned_rw(dp, TS_PIN_DIR) : ts_dp_open_pinned(dp, TS_PIN_DIR);
	if (err) {
		ts_err("%s: cannot open the pinned maps: %s", TS_PIN_DIR, strerror(-err));
		return TS_EXIT_FAILURE;
	}
	return TS_EXIT_OK;
}

void ts_cli_addr_str(uint8_t family, const uint8_t addr[16], char *buf, size_t len)
{
	if (!inet_ntop(family == TS_FAMILY_V6 ? AF_INET6 : AF_INET, addr, buf, len))
		snprintf(buf, len, "?");
}

void ts_cli_endpoint_str(uint8_t family, const uint8_t addr[16], uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	ts_cli_addr_str(family, addr, a, sizeof(a));
	snprintf(buf, len, family == TS_FAMILY_V6 ? "[%s]:%u" : "%s:%u", a, port);
}

int ts_cli_seconds_ms(const char *option, const char *s, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 86400) {
		ts_err("%s: '%s' is not a number of seconds (0 to 86400)", option, s);
		return -EINVAL;
	}
	*ms = (int)v * 1000;
	return 0;
}

int ts_cli_addr_parse(const char *s, struct ts_net *out)
{
	const char *why;

	if (ts_net_parse(s, out, &why) || !ts_net_is_host(out))
		return -EINVAL;
	return 0;
}

const struct ts_opt ts_cli_json_opt[] = {
	{ "json", 'j', TS_OPT_FLAG, NULL, "one JSON document", 'j' },
	{ 0 },
};

static int set_json(void *ctx, int id, const char *value)
{
	*(bool *)ctx = true;
	return 0;
}

int ts_cli_parse_simple(const struct ts_cmd_syntax *syn, int argc, char **argv, bool *json,
			int *noperands)
{
	return ts_opts_parse(syn, argc, argv, set_json, json, noperands);
}

/* ids from 0x100 up: never a letter of the tables they join */
enum { OPT_ETCD = 0x100, OPT_FLEET, OPT_GATEWAY, OPT_CACERT, OPT_CERT, OPT_KEY, OPT_USER, OPT_PASSWORD };

static const struct ts_opt up_opts[] = {
	{ "iface", 'i', TS_OPT_VALUE, "IFACE", "attach XDP (ingress) to IFACE; repeatable", 'i' },
	{ "egress", 'e', TS_OPT_VALUE, "IFACE", "attach tc egress to IFACE; repeatable", 'e' },
	{ "xdp-mode", 'm', TS_OPT_VALUE, "MODE", "auto (native, else generic), native or generic", 'm' },
	{ "audit", 'a', TS_OPT_FLAG, NULL, "pass would-drops, count and report them", 'a' },
	{ "resolver", 'r', TS_OPT_VALUE, "ADDR", "DNS server to use and let through; repeatable", 'r' },
	{ "state-dir", 's', TS_OPT_VALUE, "DIR", "names cache directory (default " TS_STATE_DIR_DEFAULT ")", 's' },
	{ "lock-wait", 'w', TS_OPT_VALUE, "SECS", "wait this long for another turnstile's lock (default 10)", 'w' },
	{ 0 },
};

static const struct ts_opt run_opts[] = {
	{ "dns-listen", 'd', TS_OPT_VALUE, "ADDR[:PORT]",
	  "serve DNS to clients here (UDP and TCP, port 53 by default)", 'd' },
	{ "dns-udp-max", 'u', TS_OPT_VALUE, "BYTES",
	  "the most a UDP answer to a client with EDNS0 carries (512-4096, default 1232)", 'u' },
	{ "metrics", 'M', TS_OPT_VALUE, "ADDR:PORT",
	  "serve Prometheus metrics at http://ADDR:PORT/metrics", 'M' },
	{ "log-events", 'L', TS_OPT_FLAG, NULL,
	  "drop and audit events to the journal (rate-limited)", 'L' },
	{ "fleet-gateway", 0, TS_OPT_VALUE, "NAME",
	  "this gateway's name in the fleet (default: the host name)", OPT_GATEWAY },
	{ 0 },
};

const struct ts_opt ts_cli_fleet_opts[] = {
	{ "etcd", 0, TS_OPT_VALUE, "URLS",
	  "the fleet's etcd endpoints, comma separated (https://HOST:2379,...)", OPT_ETCD },
	{ "fleet", 0, TS_OPT_VALUE, "NAME",
	  "the fleet: its policy is etcd's /turnstile/NAME/policy (docs/fleet.md)", OPT_FLEET },
	{ "etcd-cacert", 0, TS_OPT_VALUE, "FILE", "CA certificate(s) etcd's must chain to (PEM)", OPT_CACERT },
	{ "etcd-cert", 0, TS_OPT_VALUE, "FILE", "client certificate for etcd (PEM)", OPT_CERT },
	{ "etcd-key", 0, TS_OPT_VALUE, "FILE", "its private key (PEM)", OPT_KEY },
	{ "etcd-user", 0, TS_OPT_VALUE, "NAME", "etcd user (its role limits what it may write)", OPT_USER },
	{ "etcd-password-file", 0, TS_OPT_VALUE, "FILE", "the etcd user's password, first line", OPT_PASSWORD },
	{ 0 },
};

int ts_cli_fleet_option(struct ts_cli_fleet_args *f, int id, const char *val)
{
	switch (id) {
	case OPT_ETCD:     f->endpoints = val; return 0;
	case OPT_FLEET:
		if (ts_fleet_label_check(val)) {
			ts_err("--fleet %s: 1 to %u bytes of a-z, 0-9, '.', '_', '-'", val, TS_FLEET_LABEL_MAX);
			return TS_EXIT_USAGE;
		}
		f->fleet = val;
		return 0;
	case OPT_GATEWAY:
		if (ts_fleet_label_check(val)) {
			ts_err("--fleet-gateway %s: 1 to %u bytes of a-z, 0-9, '.', '_', '-'", val,
			       TS_FLEET_LABEL_MAX);
			return TS_EXIT_USAGE;
		}
		f->gateway = val;
		return 0;
	case OPT_CACERT:   f->cacert = val; return 0;
	case OPT_CERT:     f->cert = val; return 0;
	case OPT_KEY:      f->key = val; return 0;
	case OPT_USER:     f->user = val; return 0;
	case OPT_PASSWORD: f->password_file = val; return 0;
	}
	return TS_EXIT_USAGE;
}

void ts_cli_fleet_config(const struct ts_cli_fleet_args *f, struct ts_fleet_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->etcd = (struct ts_etcd_config){
		.endpoints = f->endpoints, .cacert = f->cacert, .cert = f->cert, .key = f->key,
		.user = f->user, .password_file = f->password_file,
	};
	cfg->fleet = f->fleet;
	cfg->gateway = f->gateway;
}

/* The gateway's name in its fleet when --fleet-gateway is not given: the
 * host name, lower case, if it is a valid label. */
static const char *default_gateway(struct ts_cli_fleet_args *f)
{
	if (gethostname(f->hostname, sizeof(f->hostname)))
		return NULL;
	f->hostname[sizeof(f->hostname) - 1] = '\0';
	for (char *c = f->hostname; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return ts_fleet_label_check(f->hostname) ? NULL : f->hostname;
}

_Static_assert(TS_LOCK_TIMEOUT_DEFAULT_MS == 10000, "the --lock-wait help says 10");

static int append_resolver(struct ts_cli_up_args *a, const char *r)
{
	size_t used = strlen(a->resolvers);
	int n = snprintf(a->resolvers + used, sizeof(a->resolvers) - used, "%s%s",
			 used ? "," : "", r);

	return n < 0 || (size_t)n >= sizeof(a->resolvers) - used ? -E2BIG : 0;
}

static int up_option(void *ctx, int id, const char *val)
{
	struct ts_cli_up_args *a = ctx;

	switch (id) {
	case 'i':
	case 'e': {
		size_t *n = id == 'i' ? &a->opts.n_xdp : &a->opts.n_tc;
		const char **v = id == 'i' ? a->xdp : a->tc;

		if (*n == TS_STATE_MAX_IFACES) {
			ts_err("too many interfaces (at most %u)", TS_STATE_MAX_IFACES);
			return TS_EXIT_USAGE;
		}
		v[(*n)++] = val;
		return 0;
	}
	case 'm':
		if (ts_xdp_req_parse(val, &a->opts.xdp_req)) {
			ts_err("--xdp-mode %s: expected auto, native or generic", val);
			return TS_EXIT_USAGE;
		}
		return 0;
	case 'a':
		a->opts.audit = true;
		return 0;
	case 'r':
		if (append_resolver(a, val)) {
			ts_err("--resolver: too many resolvers");
			return TS_EXIT_USAGE;
		}
		return 0;
	case 's':
		a->opts.state_dir = val;
		return 0;
	case 'w':
		return ts_cli_seconds_ms("--lock-wait", val, &a->opts.lock_timeout_ms) ? TS_EXIT_USAGE : 0;
	case 'd': {
		struct ts_net net;

		if (ts_resolver_parse(val, &net) ||
		    strlen(val) >= sizeof(((struct ts_loader_state *)0)->dns_listen)) {
			ts_err("--dns-listen %s: expected ADDR, ADDR:PORT or [V6]:PORT", val);
			return TS_EXIT_USAGE;
		}
		a->opts.dns_listen = val;
		return 0;
	}
	case 'u': {
		char *end;
		unsigned long v = strtoul(val, &end, 10);

		if (*end || v < TS_PROXY_UDP_MIN || v > TS_PROXY_UDP_MAX) {
			ts_err("--dns-udp-max %s: expected %u to %u bytes", val, TS_PROXY_UDP_MIN,
			       TS_PROXY_UDP_MAX);
			return TS_EXIT_USAGE;
		}
		a->opts.dns_udp_max = (uint32_t)v;
		return 0;
	}
	case 'M': {
		struct sockaddr_storage ss;
		socklen_t len;

		if (ts_metrics_listen_parse(val, &ss, &len) ||
		    strlen(val) >= sizeof(((struct ts_loader_state *)0)->metrics_listen)) {
			ts_err("--metrics %s: expected ADDR:PORT or [V6]:PORT", val);
			return TS_EXIT_USAGE;
		}
		a->opts.metrics_listen = val;
		return 0;
	}
	case 'L':
		a->opts.log_events = true;
		return 0;
	}
	return ts_cli_fleet_option(&a->fleet, id, val);
}

int ts_cli_parse_up(int argc, char **argv, struct ts_cli_up_args *a, bool daemon)
{
	const struct ts_cmd_syntax syn = {
		.name = daemon ? "run" : "up",
		.operands = daemon ? "[POLICY]" : "POLICY",
		.about = daemon ?
			"Does `up`, then stays in the foreground: refreshes names, removes\n"
			"expired flows, reloads the policy on SIGHUP, exits on SIGTERM leaving\n"
			"enforcement in place. Needs at least one -i or --egress interface.\n"
			"With --etcd and --fleet there is no POLICY: it comes from etcd, each\n"
			"new revision applied as it is written (docs/fleet.md)." :
			"Loads, attaches and installs the policy, resolves names once, and exits.\n"
			"Enforcement stays until `turnstile down`. Needs at least one -i or\n"
			"--egress interface (`up` serves no DNS: --dns-listen is `run`'s).",
		.opts = { up_opts, daemon ? run_opts : NULL, daemon ? ts_cli_fleet_opts : NULL },
		.min_operands = daemon ? 0 : 1,
		.max_operands = 1,
	};
	int rc, n;

	memset(a, 0, sizeof(*a));
	a->opts.lock_timeout_ms = TS_LOCK_TIMEOUT_DEFAULT_MS;
	rc = ts_opts_parse(&syn, argc, argv, up_option, a, &n);
	if (rc >= 0)
		return rc;
	if (!a->opts.n_xdp && !a->opts.n_tc) {
		ts_err("%s: need at least one -i or --egress interface", syn.name);
		fprintf(stderr, "`turnstile %s --help` lists its options.\n", syn.name);
		return TS_EXIT_USAGE;
	}
	if (!a->fleet.fleet != !a->fleet.endpoints) {
		ts_err("%s: --etcd and --fleet go together", syn.name);
		return TS_EXIT_USAGE;
	}
	if (a->fleet.fleet && n) {
		ts_err("%s: with --fleet the policy comes from etcd: no POLICY argument", syn.name);
		return TS_EXIT_USAGE;
	}
	if (!a->fleet.fleet && !n) {
		ts_err("%s: missing POLICY", syn.name);
		return TS_EXIT_USAGE;
	}
	if (a->fleet.fleet && !a->fleet.gateway && !(a->fleet.gateway = default_gateway(&a->fleet))) {
		ts_err("%s: the host name is no valid gateway name: give --fleet-gateway", syn.name);
		return TS_EXIT_USAGE;
	}
	a->opts.policy_path = n ? argv[1] : NULL;
	a->opts.xdp_ifaces = a->xdp;
	a->opts.tc_ifaces = a->tc;
	a->opts.resolvers = a->resolvers[0] ? a->resolvers : NULL;
	return -1;
}

struct ts_compiled *ts_cli_policy(const struct ts_loader_state *st)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;

	if (!st->policy[0] || ts_policy_build_file(st->policy, &d, &c))
		c = NULL;
	ts_diags_free(&d);
	return c;
}

void ts_cli_set_str(const struct ts_compiled *c, uint32_t set_id, char *buf, size_t len)
{
	size_t off = 0;

	if (!set_id) {
		snprintf(buf, len, "-");
		return;
	}
	if (!c || set_id >= c->nsets) {
		snprintf(buf, len, "set#%u", set_id);
		return;
	}
	buf[0] = '\0';
	for (uint32_t w = 0; w < c->sets[set_id].nwords; w++)
		for (int b = 0; b < 64; b++) {
			size_t comp = (size_t)w * 64 + b;

			if (!(c->sets[set_id].words[w] & (1ull << b)) || comp >= c->ncomps)
				continue;
			off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
					off ? "+" : "", c->comp_names[comp]);
		}
}
