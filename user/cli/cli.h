/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cli.h - what the subcommands share: exit codes from library results,
 * opening the pinned dataplane for the read-only commands, address text. */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "opts.h"
#include "loader/preflight.h"
#include "loader/session.h"
#include "policy/compiled.h"

struct ts_dp;

int ts_cli_exit_preflight(enum ts_preflight pf);
int ts_cli_exit_up(const struct ts_up_result *r);

/* For status/stats/flows/monitor/explain: root, bpffs, and turnstile up.
 * Returns TS_EXIT_OK with *dp and *st filled, or the exit code. */
int ts_cli_open_pinned(struct ts_dp **dp, struct ts_loader_state *st);
/* The same with the flow tables writable (flows --kill). */
int ts_cli_open_pinned_rw(struct ts_dp **dp, struct ts_loader_state *st);

/* "192.0.2.1" / "2001:db8::1" from key bytes. */
void ts_cli_addr_str(uint8_t family, const uint8_t addr[16], char *buf, size_t len);
/* "192.0.2.1:443" / "[2001:db8::1]:443" (port in host order). */
#define TS_CLI_ENDPOINT_LEN (INET6_ADDRSTRLEN + 8)
void ts_cli_endpoint_str(uint8_t family, const uint8_t addr[16], uint16_t port, char *buf, size_t len);
/* Parses an address; -EINVAL if it is none. */
int ts_cli_addr_parse(const char *s, struct ts_net *out);
/* Parses a whole number of seconds for OPTION (0..86400) into
 * milliseconds; logs "OPTION: ..." and returns -EINVAL if it is not one. */
int ts_cli_seconds_ms(const char *option, const char *s, int *ms);

/* The --json option table, for commands that share it. */
extern const struct ts_opt ts_cli_json_opt[];
/* Options of a command whose only option is --json (syn->opts[0] =
 * ts_cli_json_opt); operands are at argv[1..*noperands]. Returns -1 to go
 * on, else the exit code. */
int ts_cli_parse_simple(const struct ts_cmd_syntax *syn, int argc, char **argv, bool *json,
			int *noperands);

/* The fleet options (`run --fleet`, `fleet status`): etcd and its TLS. */
struct ts_cli_fleet_args {
	const char *endpoints, *fleet, *gateway;
	const char *cacert, *cert, *key, *user, *password_file;
	char hostname[64];           /* the default gateway name */
};
extern const struct ts_opt ts_cli_fleet_opts[];
/* Takes one of ts_cli_fleet_opts (its id); 0 or an exit code. */
int ts_cli_fleet_option(struct ts_cli_fleet_args *f, int id, const char *val);
/* The fleet's config from the arguments (valid while they are). */
struct ts_fleet_config;
void ts_cli_fleet_config(const struct ts_cli_fleet_args *f, struct ts_fleet_config *cfg);

/* The common `up`/`run` options (same arguments for both). */
struct ts_cli_up_args {
	struct ts_up_opts opts;
	struct ts_cli_fleet_args fleet;  /* `run --fleet`: fleet.fleet != NULL */
	const char *xdp[TS_STATE_MAX_IFACES];
	const char *tc[TS_STATE_MAX_IFACES];
	char resolvers[TS_STATE_RESOLVERS_LEN];
};
/* Parses argv of `up`/`run`; returns -1 to go on, else an exit code
 * (--help: 0, usage errors: 2). */
int ts_cli_parse_up(int argc, char **argv, struct ts_cli_up_args *a, bool daemon);



/* The recorded policy compiled again, quietly, to name components; NULL
 * when it no longer compiles (names then show as set numbers). */
struct ts_compiled *ts_cli_policy(const struct ts_loader_state *st);
/* "endpoints+device-manager" for set_id, "-" for 0, "set#N" if unknown. */
void ts_cli_set_str(const struct ts_compiled *c, uint32_t set_id, char *buf, size_t len);
#endif /* TS_CLI_H */
