// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* session.c - `up`: compile, open/adopt, install, attach, record (see session.h). */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "common/log.h"
#include "common/version.h"
#include "loader/revoke.h"
#include "policy/digest.h"
#include "dp/dp.h"
#include "loader/lock.h"
#include "loader/memcheck.h"
#include "loader/names_glue.h"
#include "loader/pins.h"
#include "loader/readers.h"
#include "loader/resolvers.h"
#include "loader/session.h"
#include "policy/policy.h"

/* Interfaces this call attached anew (what a rollback takes off again). */
struct attached {
	const char *xdp[TS_STATE_MAX_IFACES];
	size_t nxdp;
	struct ts_state_iface tc[TS_STATE_MAX_IFACES];
	size_t ntc;
};

/* The first error line of the findings as ts_diags_print writes it, with
 * how many more there are, into why (for the state record). */
static void first_error(const struct ts_diags *d, char *why, size_t len)
{
	char *text = NULL, *line;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	if (!f)
		return;
	ts_diags_print(f, d);
	fclose(f);
	for (line = text; line && *line; line += strcspn(line, "\n") + 1) {
		size_t l = strcspn(line, "\n");

		line[l] = '\0';
		if (strstr(line, ": error: ") || !strncmp(line, "error: ", 7)) {
			if (d->nerrors > 1)
				snprintf(why, len, "%s (and %zu more errors)", line, d->nerrors - 1);
			else
				snprintf(why, len, "%s", line);
			break;
		}
		line[l] = '\n';
	}
	free(text);
}

/* -EINVAL: the policy is invalid; another -errno: it cannot be read
 * (either way its findings are printed, once). why (may be NULL) gets a
 * one-line reason when it fails. */
static int build_policy(const char *path, bool alone, bool audit, const char *resolvers,
			const char *dns_listen, const char *names_cache, struct ts_registry **out,
			char *why, size_t whylen)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = alone ? ts_policy_build_file_alone(path, &d, &c) : ts_policy_build_file(path, &d, &c);

	ts_diags_print(stderr, &d);
	if (err && why)
		first_error(&d, why, whylen);
	ts_diags_free(&d);
	if (err) {
		if (err != -EINVAL && why && !why[0])
			snprintf(why, whylen, "%s: cannot read policy: %s", path, strerror(-err));
		return err == -ENOMEM ? -EINVAL : err;
	}
	if (ts_registry_new(c, out))
		return -EINVAL;
	(*out)->audit = audit;
	err = ts_resolvers_add(*out, resolvers);
	if (!err)
		err = ts_resolvers_add_listen(*out, dns_listen);
	if (err) {
		if (why)
			snprintf(why, whylen, "%s: the resolvers or the DNS proxy address do not fit the policy",
				 path);
		ts_registry_free(*out);
		*out = NULL;
		return -EINVAL;
	}
	ts_names_prefill(*out, names_cache);
	return 0;
}

/* The session holds `r` (NULL: nothing); the one it held is freed. */
static void hold_registry(struct ts_session *s, struct ts_registry *r)
{
	ts_registry_free(s->registry);
	s->registry = r;
	s->policy = r ? r->policy : NULL;
}

/* Whether an earlier `up` left maps pinned (then a failure must not unpin). */
static bool already_pinned(const char *pin_dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/ts_config", pin_dir);
	return !access(path, F_OK);
}

static enum ts_up_fail attach_fail(int err)
{
	switch (err) {
	case -ENODEV:     return TS_UP_FAIL_NO_IFACE;
	case -EOPNOTSUPP: return TS_UP_FAIL_XDP_MODE;
	case -EBUSY:      return TS_UP_FAIL_FOREIGN;
	default:          return TS_UP_FAIL_OTHER;
	}
}

static bool listed(const char *name, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

static int attach_all(struct ts_session *s, const struct ts_up_opts *o,
		      const struct ts_loader_state *old, struct attached *done)
{
	int xdp_fd = ts_dp_xdp_prog_fd(s->dp), tc_fd = ts_dp_tc_prog_fd(s->dp);

	for (size_t i = 0; i < o->n_xdp; i++) {
		struct ts_state_iface *f = ts_state_iface_get(&s->state, o->xdp_ifaces[i]);
		enum ts_attach_action act;
		int err;

		if (!f)
			return -E2BIG;
		err = ts_xdp_attach(s->pin_dir, f->name, xdp_fd, o->xdp_req, &f->xdp_mode, &act);
		if (err)
			return err;
		f->xdp = true;
		if (act == TS_ATTACH_NEW)
			done->xdp[done->nxdp++] = o->xdp_ifaces[i];
		ts_info("%s: XDP %s (%s)", f->name, ts_xdp_mode_name(f->xdp_mode),
			act == TS_ATTACH_NEW ? "attached" : act == TS_ATTACH_KEPT ? "kept" : "replaced");
	}
	for (size_t i = 0; i < o->n_tc; i++) {
		const struct ts_state_iface *was = ts_state_iface_find((struct ts_loader_state *)old,
								      o->tc_ifaces[i]);
		struct ts_state_iface *f = ts_state_iface_get(&s->state, o->tc_ifaces[i]);
		enum ts_attach_action act;
		bool created;
		int err;

		if (!f)
			return -E2BIG;
		err = ts_tc_attach(f->name, tc_fd, was && was->tc ? was->tc_prog_id : 0, &created,
				   &f->tc_prog_id, &act);
		if (err)
			return err;
		f->tc = true;
		f->tc_created_qdisc = created || (was && was->tc_created_qdisc);
		if (act == TS_ATTACH_NEW)
			done->tc[done->ntc++] = *f;
		ts_info("%s: tc egress %s", f->name,
			act == TS_ATTACH_NEW ? "attached" : act == TS_ATTACH_KEPT ? "kept" : "replaced");
	}
	return 0;
}

static void rollback(struct ts_session *s, const struct attached *done, bool fresh)
{
	for (size_t i = 0; i < done->ntc; i++)
		ts_tc_detach(done->tc[i].name, done->tc[i].tc_prog_id, done->tc[i].tc_created_qdisc);
	for (size_t i = 0; i < done->nxdp; i++)
		ts_xdp_detach(s->pin_dir, done->xdp[i]);
	if (fresh)
		ts_unpin_all(s->pin_dir, true);
}

/* Hooks of the previous `up` that this one no longer lists come off. */
static void detach_unlisted(struct ts_session *s, const struct ts_up_opts *o,
			    const struct ts_loader_state *old)
{
	for (size_t i = 0; i < old->nifaces; i++) {
		const struct ts_state_iface *f = &old->ifaces[i];

		if (f->xdp && !listed(f->name, o->xdp_ifaces, o->n_xdp)) {
			ts_info("%s: no longer listed, XDP detached", f->name);
			ts_xdp_detach(s->pin_dir, f->name);
		}
		if (f->tc && !listed(f->name, o->tc_ifaces, o->n_tc)) {
			ts_info("%s: no longer listed, tc egress detached", f->name);
			ts_tc_detach(f->name, f->tc_prog_id, f->tc_created_qdisc);
		}
	}
	/* Keep only the listed hooks in the new record. */
	size_t n = 0;
	for (size_t i = 0; i < s->state.nifaces; i++) {
		struct ts_state_iface *f = &s->state.ifaces[i];

		f->xdp = f->xdp && listed(f->name, o->xdp_ifaces, o->n_xdp);
		f->tc = f->tc && listed(f->name, o->tc_ifaces, o->n_tc);
		if (f->xdp || f->tc)
			s->state.ifaces[n++] = *f;
	}
	s->state.nifaces = n;
}

static int check_ifaces(const struct ts_up_opts *o)
{
	const char *const *lists[2] = { o->xdp_ifaces, o->tc_ifaces };
	size_t counts[2] = { o->n_xdp, o->n_tc };

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (!if_nametoindex(lists[l][i])) {
				ts_err("%s: no such interface", lists[l][i]);
				return -ENODEV;
			}
	return 0;
}

static int open_dataplane(struct ts_session *s)
{
	const struct ts_compiled_settings *cs = &s->policy->settings;
	struct ts_dp_open_opts oo = {
		.pin_dir = s->pin_dir,
		.cap_flows = cs->cap_flows, .cap_halfopen = cs->cap_halfopen,
		.cap_hosts = cs->cap_hosts, .cap_prefixes = cs->cap_prefixes,
		.cap_rules = cs->cap_rules,
		.admit = ts_mem_admit_host,
	};

	return ts_dp_open(&s->dp, &oo);
}

/* What `show` and `diff` read: the installed policy's hash in the state
 * record, its digest beside the names cache. A digest that cannot be
 * written costs only those two commands their view: a warning. */
static void record_installed(struct ts_session *s)
{
	char file[TS_STATE_PATH_LEN + 32];
	int err;

	snprintf(s->state.policy_sha256, sizeof(s->state.policy_sha256), "%s", s->policy->text_sha256);
	snprintf(file, sizeof(file), "%s/" TS_INSTALLED_DIGEST, s->state.state_dir);
	/* the names glue makes it too, later (same mode) */
	if (mkdir(s->state.state_dir, 0700) && errno != EEXIST)
		ts_warn("%s: cannot create: %s", s->state.state_dir, strerror(errno));
	err = ts_digest_write(s->policy, s->state.policy, s->state.generation, file);
	if (err)
		ts_warn("%s: cannot record the installed policy (show, diff): %s", file, strerror(-err));
}

static void record_state(struct ts_session *s, const struct ts_up_opts *o, const char *abs_policy)
{
	struct ts_loader_state *st = &s->state;

	snprintf(st->policy, sizeof(st->policy), "%s", abs_policy);
	snprintf(st->state_dir, sizeof(st->state_dir), "%s",
		 o->state_dir ? o->state_dir : TS_STATE_DIR_DEFAULT);
	snprintf(st->resolvers, sizeof(st->resolvers), "%s", o->resolvers ? o->resolvers : "");
	snprintf(st->dns_listen, sizeof(st->dns_listen), "%s", o->dns_listen ? o->dns_listen : "");
	st->dns_udp_max = o->dns_udp_max;
	snprintf(st->metrics_listen, sizeof(st->metrics_listen), "%s",
		 o->metrics_listen ? o->metrics_listen : "");
	st->audit = o->audit;
	st->log_events = o->log_events;
	st->started_unix = time(NULL);
	st->daemon_pid = o->daemon_pid;
	snprintf(st->version, sizeof(st->version), "%s", ts_version());
}

int ts_session_up(struct ts_session *s, const struct ts_up_opts *o, struct ts_up_result *res)
{
	struct ts_loader_state old;
	struct attached done = { 0 };
	struct ts_registry *built = NULL;
	char abs_policy[PATH_MAX];
	bool pinned = false;
	int err;

	memset(s, 0, sizeof(*s));
	memset(res, 0, sizeof(*res));
	s->lock_fd = -1;
	s->pin_dir = o->pin_dir ? o->pin_dir : TS_PIN_DIR;

	res->preflight = ts_preflight_check(TS_BPFFS_ROOT);
	if (res->preflight != TS_PF_OK) {
		res->fail = TS_UP_FAIL_PREFLIGHT;
		return -EPERM;
	}
	if (check_ifaces(o)) {
		res->fail = TS_UP_FAIL_NO_IFACE;
		return -ENODEV;
	}
	/* a path that does not resolve cannot be read: the build says so */
	if (!realpath(o->policy_path, abs_policy))
		snprintf(abs_policy, sizeof(abs_policy), "%s", o->policy_path);
	snprintf(s->names_cache, sizeof(s->names_cache), "%s/names.cache",
		 o->state_dir ? o->state_dir : TS_STATE_DIR_DEFAULT);
	err = build_policy(abs_policy, o->fleet_policy, o->audit, o->resolvers, o->dns_listen, s->names_cache,
			   &built, NULL, 0);
	hold_registry(s, built);
	if (err) {
		res->fail = err == -EINVAL ? TS_UP_FAIL_POLICY : TS_UP_FAIL_POLICY_UNREADABLE;
		return err;
	}
	s->lock_fd = ts_lock_pin_dir(s->pin_dir, o->lock_timeout_ms);
	if (s->lock_fd < 0) {
		err = s->lock_fd;
		res->fail = err == -EWOULDBLOCK ? TS_UP_FAIL_LOCKED : TS_UP_FAIL_OTHER;
		goto fail;
	}
	pinned = already_pinned(s->pin_dir);
	if (ts_state_load(s->pin_dir, &old))
		memset(&old, 0, sizeof(old));
	s->state = old;
	/* ts_dp_open refuses pinned maps of another schema (-EPROTO). */
	err = open_dataplane(s);
	if (err == -EPROTO) {
		res->fail = TS_UP_FAIL_SCHEMA;
		goto fail;
	}
	if (err == -EDQUOT) {
		res->fail = TS_UP_FAIL_MEMORY;
		rollback(s, &done, !pinned);
		goto fail;
	}
	if (err)
		goto fail_other;
	res->adopted = ts_dp_adopted(s->dp);
	err = ts_dp_install(s->dp, s->registry, &res->generation);
	if (err)
		goto fail_other;
	err = attach_all(s, o, &old, &done);
	if (err) {
		res->fail = attach_fail(err);
		rollback(s, &done, !pinned);
		goto fail;
	}
	detach_unlisted(s, o, &old);
	if (s->state.nifaces)
		ts_dp_set_xdp_mode(s->dp, s->state.ifaces[0].xdp_mode);
	record_state(s, o, abs_policy);
	s->state.generation = res->generation;
	record_installed(s);
	err = ts_state_save(s->pin_dir, &s->state);
	if (err)
		goto fail_other;
	ts_readers_share(s->pin_dir);
	return 0;

fail_other:
	res->fail = TS_UP_FAIL_OTHER;
	rollback(s, &done, !pinned);
fail:
	ts_session_close(s);
	return err;
}

int ts_session_reload(struct ts_session *s, uint64_t *generation_out)
{
	return ts_session_reload_file(s, s->state.policy, generation_out, NULL, 0);
}

static void writers_stop(const struct ts_session *s)
{
	if (s->writers.stop)
		s->writers.stop(s->writers.ctx);
}

static void writers_start(const struct ts_session *s)
{
	if (s->writers.start)
		s->writers.start(s->writers.ctx);
}

/* The reload's steps 2-4 (session.h); the writers are stopped around it. */
static int build_switch_retire(struct ts_session *s, const char *path, uint64_t *generation_out,
			       char *why, size_t whylen)
{
	struct ts_registry *next = NULL;
	int err;

	/* 2. the next registry is complete before anything changes (a
	 * fleet's policy text comes from etcd: it stands alone) */
	err = build_policy(path, s->state.fleet[0] != '\0', s->state.audit,
			   s->state.resolvers[0] ? s->state.resolvers : s->default_resolvers,
			   s->state.dns_listen, s->names_cache, &next, why, whylen);
	if (err) {
		/* its findings (or why it cannot be read) are printed above */
		ts_err("%s: not applied, the running policy (generation %llu) stays",
		       path, (unsigned long long)s->state.generation);
		ts_state_record_reload(&s->state, TS_RELOAD_INVALID, why[0] ? why : "invalid policy");
		return -EINVAL;
	}
	/* 3. its slot written, then the switch (the old slot is cleared after) */
	err = ts_dp_install(s->dp, next, generation_out);
	if (err) {
		ts_err("%s: installing failed (%s), the running policy stays", path,
		       strerror(-err));
		ts_registry_free(next);
		snprintf(why, whylen, "%s: installing failed: %s", path, strerror(-err));
		ts_state_record_reload(&s->state, TS_RELOAD_FAILED, why);
		return err;
	}
	/* 4. the old registry retires: nothing points into it any more */
	hold_registry(s, next);
	return 0;
}

int ts_session_reload_file(struct ts_session *s, const char *path, uint64_t *generation_out,
			   char *why_out, size_t why_len)
{
	/* longer than the record's field: ts_state_record_reload marks a cut */
	char why[TS_STATE_PATH_LEN + TS_STATE_REASON_LEN] = "";
	int err;

	writers_stop(s);      /* 1. nothing writes the running registry or slot */
	err = build_switch_retire(s, path, generation_out, why, sizeof(why));
	writers_start(s);     /* 5. on whichever registry now runs */
	if (err) {
		ts_state_save(s->pin_dir, &s->state);
		if (why_out)
			snprintf(why_out, why_len, "%s", s->state.reload_error);
		return err;
	}
	if (s->policy->settings.revoke & TS_REVOKE_CUT) {
		uint32_t cut = 0;

		err = ts_revoke_cut(s->dp, &cut);
		if (err)
			ts_warn("on-revoke cut: %s; the flows stay", strerror(-err));
		else
			ts_info("on-revoke cut: %u flows the new policy refuses removed", cut);
	}
	s->state.generation = *generation_out;
	s->state.started_unix = time(NULL);
	record_installed(s);
	ts_state_record_reload(&s->state, TS_RELOAD_OK, NULL);
	return ts_state_save(s->pin_dir, &s->state);
}

void ts_session_close(struct ts_session *s)
{
	if (s->dp)
		ts_dp_close(s->dp);
	hold_registry(s, NULL);
	ts_unlock(s->lock_fd);
	s->dp = NULL;
	s->lock_fd = -1;
}
