// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cli.c - helpers shared by the subcommands (see cli.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "common/log.h"
#include "dp/dp.h"
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
	case TS_UP_FAIL_NO_IFACE:  return TS_EXIT_NO_IFACE;
	case TS_UP_FAIL_XDP_MODE:  return TS_EXIT_XDP_MODE;
	case TS_UP_FAIL_FOREIGN:   return TS_EXIT_FOREIGN_XDP;
	case TS_UP_FAIL_SCHEMA:
	case TS_UP_FAIL_OTHER:     return TS_EXIT_FAILURE;
	}
	return TS_EXIT_FAILURE;
}

int ts_cli_open_pinned(struct ts_dp **dp, struct ts_loader_state *st)
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
	err = ts_dp_open_pinned(dp, TS_PIN_DIR);
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

int ts_cli_parse_simple(int argc, char **argv, bool *json, void (*usage)(FILE *out),
			int min_args, int max_args)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		if (c == 'j') {
			*json = true;
		} else if (c == 'h') {
			usage(stdout);
			return TS_EXIT_OK;
		} else {
			usage(stderr);
			return TS_EXIT_USAGE;
		}
	}
	if (argc - optind < min_args || argc - optind > max_args) {
		usage(stderr);
		return TS_EXIT_USAGE;
	}
	return -1;
}

static void up_usage(FILE *out, const char *cmd, bool daemon)
{
	fprintf(out,
		"usage: turnstile %s POLICY -i IFACE [-i IFACE...] [--egress IFACE...]\n"
		"       [--xdp-mode auto|native|generic] [--audit] [--resolver ADDR...]\n"
		"       [--state-dir DIR] [--lock-wait SECONDS]%s\n\n"
		"%s\n\n"
		"  -i, --iface IFACE     attach XDP (ingress) to IFACE; repeatable\n"
		"  -e, --egress IFACE    attach tc egress to IFACE; repeatable\n"
		"  -m, --xdp-mode MODE   auto (native, else generic), native or generic\n"
		"  -a, --audit           pass would-drops, count and report them\n"
		"  -r, --resolver ADDR   DNS server to use and let through; repeatable\n"
		"  -s, --state-dir DIR   names cache directory (default %s)\n"
		"  -w, --lock-wait SECS  wait this long for another turnstile's lock (default %d)\n"
		"%s",
		cmd, daemon ? " [--dns-listen ADDR]\n       [--metrics ADDR:PORT] [--log-events]" : "",
		daemon ? "Does `up`, then stays in the foreground: refreshes names, removes\n"
			 "expired flows, reloads the policy on SIGHUP, exits on SIGTERM leaving\n"
			 "enforcement in place."
		       : "Loads, attaches and installs the policy, resolves names once, and exits.\n"
			 "Enforcement stays until `turnstile down`.",
		TS_STATE_DIR_DEFAULT, TS_LOCK_TIMEOUT_DEFAULT_MS / 1000,
		daemon ? "  -d, --dns-listen ADDR[:PORT]  serve DNS to clients here (UDP, default port 53),\n"
			 "                        relayed to the resolvers; answers for the policy's\n"
			 "                        wildcards reach the maps before the client has them\n"
			 "  -M, --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
			 "  -L, --log-events      drop and audit events to the journal (rate-limited)\n"
		       : "");
}

static int append_resolver(struct ts_cli_up_args *a, const char *r)
{
	size_t used = strlen(a->resolvers);
	int n = snprintf(a->resolvers + used, sizeof(a->resolvers) - used, "%s%s",
			 used ? "," : "", r);

	return n < 0 || (size_t)n >= sizeof(a->resolvers) - used ? -E2BIG : 0;
}

int ts_cli_parse_up(int argc, char **argv, struct ts_cli_up_args *a, bool daemon)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "egress", required_argument, NULL, 'e' },
		{ "xdp-mode", required_argument, NULL, 'm' },
		{ "audit", no_argument, NULL, 'a' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "lock-wait", required_argument, NULL, 'w' },
		{ "dns-listen", required_argument, NULL, 'd' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "log-events", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->opts.lock_timeout_ms = TS_LOCK_TIMEOUT_DEFAULT_MS;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:e:m:ar:s:w:d:M:Lh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'e': {
			size_t *n = c == 'i' ? &a->opts.n_xdp : &a->opts.n_tc;
			const char **v = c == 'i' ? a->xdp : a->tc;

			if (*n == TS_STATE_MAX_IFACES) {
				ts_err("too many interfaces (at most %u)", TS_STATE_MAX_IFACES);
				return TS_EXIT_USAGE;
			}
			v[(*n)++] = optarg;
			break;
		}
		case 'm':
			if (ts_xdp_req_parse(optarg, &a->opts.xdp_req)) {
				ts_err("--xdp-mode %s: expected auto, native or generic", optarg);
				return TS_EXIT_USAGE;
			}
			break;
		case 'a':
			a->opts.audit = true;
			break;
		case 'r':
			if (append_resolver(a, optarg)) {
				ts_err("--resolver: too many resolvers");
				return TS_EXIT_USAGE;
			}
			break;
		case 's':
			a->opts.state_dir = optarg;
			break;
		case 'w':
			if (ts_cli_seconds_ms("--lock-wait", optarg, &a->opts.lock_timeout_ms))
				return TS_EXIT_USAGE;
			break;
		case 'd': {
			struct ts_net net;

			/* `up` exits: a proxy needs the daemon. */
			if (!daemon) {
				ts_err("--dns-listen: only `run` serves DNS (`up` exits)");
				return TS_EXIT_USAGE;
			}
			if (ts_resolver_parse(optarg, &net) ||
			    strlen(optarg) >= sizeof(((struct ts_loader_state *)0)->dns_listen)) {
				ts_err("--dns-listen %s: expected ADDR, ADDR:PORT or [V6]:PORT", optarg);
				return TS_EXIT_USAGE;
			}
			a->opts.dns_listen = optarg;
			break;
		}
		case 'M': {
			struct sockaddr_storage ss;
			socklen_t len;

			if (!daemon) {
				ts_err("--metrics: only `run` serves metrics (`up` exits)");
				return TS_EXIT_USAGE;
			}
			if (ts_metrics_listen_parse(optarg, &ss, &len) ||
			    strlen(optarg) >= sizeof(((struct ts_loader_state *)0)->metrics_listen)) {
				ts_err("--metrics %s: expected ADDR:PORT or [V6]:PORT", optarg);
				return TS_EXIT_USAGE;
			}
			a->opts.metrics_listen = optarg;
			break;
		}
		case 'L':
			if (!daemon) {
				ts_err("--log-events: only `run` logs events (`up` exits)");
				return TS_EXIT_USAGE;
			}
			a->opts.log_events = true;
			break;
		case 'h':
			up_usage(stdout, argv[0], daemon);
			return TS_EXIT_OK;
		default:
			up_usage(stderr, argv[0], daemon);
			return TS_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (!a->opts.n_xdp && !a->opts.n_tc)) {
		ts_err("%s: need one POLICY file and at least one -i or --egress interface", argv[0]);
		up_usage(stderr, argv[0], daemon);
		return TS_EXIT_USAGE;
	}
	a->opts.policy_path = argv[optind];
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
