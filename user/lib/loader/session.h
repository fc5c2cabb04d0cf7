/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * session.h - `up` as a library call: preflight, lock, compile the policy,
 * open the dataplane (adopting pinned maps), install the policy, attach
 * every hook, record the state. `turnstile up` opens a session and closes
 * it; `turnstile run` keeps it open for the daemon loop (daemon.h).
 *
 * A failed ts_session_up() leaves nothing half-attached: hooks attached by
 * this call are detached again and, when nothing was pinned before, every
 * pin it made is removed.
 */
#ifndef TS_SESSION_H
#define TS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/attach.h"
#include "loader/preflight.h"
#include "loader/state.h"

struct ts_dp;
struct ts_compiled;

/* Why ts_session_up() failed; the CLI turns it into an exit code. */
enum ts_up_fail {
	TS_UP_FAIL_NONE = 0,
	TS_UP_FAIL_OTHER,
	TS_UP_FAIL_PREFLIGHT,   /* see ts_up_result.preflight */
	TS_UP_FAIL_LOCKED,
	TS_UP_FAIL_POLICY,
	TS_UP_FAIL_POLICY_UNREADABLE,
	TS_UP_FAIL_NO_IFACE,
	TS_UP_FAIL_XDP_MODE,
	TS_UP_FAIL_FOREIGN,
	TS_UP_FAIL_SCHEMA,      /* pinned state of another schema version */
	TS_UP_FAIL_MEMORY,      /* the maps exceed the host's memory limits (loader/memcheck.h) */
};

struct ts_up_opts {
	const char *policy_path;
	bool fleet_policy;                /* policy_path is a fleet's: no include (ts_policy_build_file_alone) */
	const char *pin_dir;              /* NULL = TS_PIN_DIR */
	const char *const *xdp_ifaces;    /* -i */
	size_t n_xdp;
	const char *const *tc_ifaces;     /* --egress */
	size_t n_tc;
	enum ts_xdp_req xdp_req;
	bool audit;
	const char *resolvers;            /* comma separated ADDR[:PORT], NULL = the policy's */
	/* the names library's DNS proxy for clients (`run` only), ADDR[:PORT];
	 * a specific ADDR is let through like a resolver. NULL = none */
	const char *dns_listen;
	uint32_t dns_udp_max;             /* the proxy's cap on an EDNS0 UDP answer; 0 = default */
	const char *metrics_listen;       /* `run --metrics` ADDR:PORT, NULL = none */
	bool log_events;                  /* `run --log-events`: drops to the journal */
	const char *state_dir;            /* NULL = TS_STATE_DIR_DEFAULT */
	int lock_timeout_ms;
	int32_t daemon_pid;               /* recorded in the state; 0 for `up` */
};

#define TS_STATE_DIR_DEFAULT "/var/lib/turnstile"
#define TS_LOCK_TIMEOUT_DEFAULT_MS 10000

struct ts_up_result {
	enum ts_up_fail fail;
	enum ts_preflight preflight;
	bool adopted;                     /* pinned state was there and was reused */
	uint64_t generation;
};

/* The installed policy's digest (policy/digest.h), in the state dir. */
#define TS_INSTALLED_DIGEST "installed.policy"

struct ts_session {
	const char *pin_dir;
	int lock_fd;
	struct ts_dp *dp;
	struct ts_compiled *policy;       /* the installed policy */
	struct ts_loader_state state;
	char names_cache[TS_STATE_PATH_LEN + 32];
	/* /etc/resolv.conf's servers when no resolver is configured (the names
	 * glue fills it): a reload flags them like --resolver. */
	char default_resolvers[TS_STATE_RESOLVERS_LEN];
};

int ts_session_up(struct ts_session *s, const struct ts_up_opts *o, struct ts_up_result *res);

/*
 * Rebuild the policy from the recorded file and install it atomically.
 * An invalid file is reported (file:line:col) and the running policy
 * stays: returns -EINVAL. On success the session holds the new policy.
 */
int ts_session_reload(struct ts_session *s, uint64_t *generation_out);
/*
 * The same from another file (a fleet's candidate revision): the recorded
 * policy path stays. why (may be NULL) gets the one-line reason of a
 * refusal ("file:line:col: error: ...").
 */
int ts_session_reload_file(struct ts_session *s, const char *path, uint64_t *generation_out,
			   char *why, size_t whylen);

/* Releases memory, fds and the lock; enforcement stays as it is. */
void ts_session_close(struct ts_session *s);

/* Detach every hook recorded in the state and unpin turnstile's own
 * objects (maps, links, state), then the pin directory when empty.
 * Idempotent: 0 with *was_up = false when nothing was pinned. */
int ts_down(const char *pin_dir, int lock_timeout_ms, bool *was_up);

#endif /* TS_SESSION_H */
