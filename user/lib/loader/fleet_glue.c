// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fleet_glue.c - the fleet and the daemon (see fleet_glue.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "fleet/cache.h"
#include "loader/fleet_glue.h"
#include "names/names.h"
#include "policy/dnsname.h"
#include "policy/policy.h"

#define BOOT_TIMEOUT_MS 3000

bool ts_fleet_name_shared(const struct ts_compiled *c, const char *name)
{
	bool wild = false;

	for (size_t i = 0; i < c->nnames; i++) {
		if (!c->names[i].wildcard && !strcmp(c->names[i].name, name))
			return false;
		wild |= c->names[i].wildcard && ts_dns_name_matches(c->names[i].name, name);
	}
	return wild;
}

static void report(struct ts_fleet_glue *g)
{
	struct ts_fleet_counters fc;
	struct ts_fleet_status st;

	ts_fleet_counters(g->fleet, &fc);
	g->status.revision = g->s->state.fleet_revision;
	snprintf(g->status.health, sizeof(g->status.health), "%s",
		 g->refused_revision > g->status.revision ? "refusing" : "ok");
	/* names refused: by the policy here, or malformed (the reader's count) */
	st = g->status;
	st.names_refused += fc.names_bad;
	ts_fleet_report(g->fleet, &st);
}

/* The proxy taught this gateway an answer: publish what the fleet shares. */
static void on_taught(void *ctx, const struct ts_proxy_answer *a)
{
	struct ts_fleet_glue *g = ctx;
	const struct ts_compiled_settings *cs = &g->s->policy->settings;
	struct ts_fleet_name n = { 0 };

	if (!ts_fleet_name_shared(g->s->policy, a->qname) || strlen(a->qname) >= sizeof(n.name))
		return;
	snprintf(n.name, sizeof(n.name), "%s", a->qname);
	for (size_t i = 0; i < a->n; i++) {
		n.addr = a->addrs[i];
		n.ttl_s = ts_names_ttl_clamp(cs->ttl_floor_s, cs->ttl_ceiling_s, a->ttls[i]);
		if (n.ttl_s > TS_FLEET_TTL_MAX)
			n.ttl_s = TS_FLEET_TTL_MAX;
		ts_fleet_publish(g->fleet, &n, cs->grace_s);
	}
}

int ts_fleet_glue_open(struct ts_fleet_glue *g, struct ts_session *s, struct ts_names_glue *names,
		       const struct ts_fleet_config *cfg, ts_fleet_reload_fn reload, void *ctx)
{
	char why[512] = "";
	int err;

	memset(g, 0, sizeof(*g));
	g->s = s;
	g->names = names;
	g->reload = reload;
	g->reload_ctx = ctx;
	if (!cfg)
		return 0;
	err = ts_fleet_start(&g->fleet, cfg, why, sizeof(why));
	if (err) {
		ts_err("fleet %s: %s", cfg->fleet, why);
		return err;
	}
	names->taught = on_taught;
	names->taught_ctx = g;
	snprintf(g->status.reload_result, sizeof(g->status.reload_result), "none");
	report(g);
	return 0;
}

void ts_fleet_glue_close(struct ts_fleet_glue *g)
{
	if (g->names) {
		g->names->taught = NULL;
		g->names->taught_ctx = NULL;
	}
	ts_fleet_stop(g->fleet);
	g->fleet = NULL;
}

int ts_fleet_glue_fd(const struct ts_fleet_glue *g)
{
	return g->fleet ? ts_fleet_fd(g->fleet) : -1;
}

static void apply_policy(struct ts_fleet_glue *g, struct ts_fleet_msg *m)
{
	struct ts_session *s = g->s;
	char path[TS_STATE_PATH_LEN + 32], why[sizeof(g->status.reload_error)] = "";
	int err;

	/* the same revision again (a re-read after a reconnect) */
	if (m->revision == s->state.fleet_revision || m->revision == g->refused_revision)
		return;
	ts_info("fleet %s: policy revision %lld (%zu bytes)", s->state.fleet, (long long)m->revision,
		m->len);
	err = ts_fleet_cache_path(path, sizeof(path), s->state.state_dir, TS_FLEET_CANDIDATE_FILE);
	if (!err)
		err = ts_fleet_cache_stage(s->state.state_dir, m->text, m->len);
	if (err)
		snprintf(why, sizeof(why), "%.300s: cannot write the candidate: %s", path, strerror(-err));
	else if (!m->len) {
		/* an emptied key is a mistake far more often than a wish to
		 * refuse everything everywhere at once */
		snprintf(why, sizeof(why), "the policy key is empty");
		err = -EINVAL;
	} else
		err = g->reload(g->reload_ctx, path, why, sizeof(why));
	snprintf(g->status.reload_result, sizeof(g->status.reload_result), "%s",
		 !err ? "ok" : err == -EINVAL ? "invalid" : "failed");
	g->status.reload_revision = m->revision;
	snprintf(g->status.reload_error, sizeof(g->status.reload_error), "%s", why);
	if (err) {
		g->refused_revision = m->revision;
		ts_err("fleet %s: revision %lld refused, revision %lld stays: %s", s->state.fleet,
		       (long long)m->revision, (long long)s->state.fleet_revision, why);
	} else {
		err = ts_fleet_cache_promote(s->state.state_dir, m->revision);
		if (err)
			ts_warn("fleet: cannot cache revision %lld: %s; a restart without etcd starts from the older one",
				(long long)m->revision, strerror(-err));
		s->state.fleet_revision = m->revision;
		ts_state_save(s->pin_dir, &s->state);
		ts_info("fleet %s: revision %lld active", s->state.fleet, (long long)m->revision);
	}
	report(g);
}

static void learn_name(struct ts_fleet_glue *g, const struct ts_fleet_name *n)
{
	enum ts_learn_outcome o = TS_LEARN_NONE;

	/* checked as strictly as a DNS answer: one of our wildcards, then the
	 * names library's own limits */
	if (ts_fleet_name_shared(g->s->policy, n->name))
		o = ts_names_glue_learn_shared(g->names, n->name, &n->addr, n->ttl_s);
	if (o == TS_LEARN_NEW || o == TS_LEARN_UPDATED) {
		g->status.names_installed++;
		return;
	}
	if (!g->status.names_refused++)
		ts_warn("fleet: not learning %s from gateway %s: %s", n->name, n->gateway,
			o == TS_LEARN_NONE ? "it matches no wildcard of the policy, or is one of its exact names"
					   : ts_learn_outcome_name(o));
}

void ts_fleet_glue_process(struct ts_fleet_glue *g)
{
	struct ts_fleet_counters fc;
	struct ts_fleet_msg m;
	uint64_t installed = g->status.names_installed, refused = g->status.names_refused;

	if (!g->fleet)
		return;
	/* A bounded batch: a re-read of many names does not starve the DNS
	 * proxy and the GC; the fd stays readable until the queue is empty. */
	for (int budget = 4096; budget-- > 0 && ts_fleet_next(g->fleet, &m);) {
		if (m.kind == TS_FLEET_MSG_POLICY)
			apply_policy(g, &m);
		else
			learn_name(g, &m.name);
		ts_fleet_msg_free(&m);
	}
	ts_fleet_counters(g->fleet, &fc);
	if (fc.connected != g->s->state.fleet_connected) {
		g->s->state.fleet_connected = fc.connected;
		g->s->state.fleet_connected_unix = time(NULL);
		ts_state_save(g->s->pin_dir, &g->s->state);
	}
	if (installed != g->status.names_installed || refused != g->status.names_refused ||
	    fc.names_bad != g->names_bad) {
		g->names_bad = fc.names_bad;
		report(g);
	}
}

/* `check` on the candidate: its findings printed, nothing installed. */
static bool candidate_passes(const char *path)
{
	struct ts_diags d = { 0 };
	struct ts_compiled *c = NULL;
	int err = ts_policy_build_file_alone(path, &d, &c);

	ts_diags_print(stderr, &d);
	ts_diags_free(&d);
	ts_compiled_free(c);
	return !err;
}

int ts_fleet_bootstrap(const struct ts_fleet_config *cfg, const char *state_dir, char *policy_path,
		       size_t len, int64_t *revision)
{
	char why[512] = "", cand[TS_STATE_PATH_LEN + 32];
	char *text = NULL;
	size_t tlen = 0;
	int64_t rev = 0;
	int err = ts_fleet_fetch_policy(cfg, BOOT_TIMEOUT_MS, &text, &tlen, &rev, why, sizeof(why));

	if (err == -ENOENT)
		ts_warn("fleet %s: no policy in etcd yet (/turnstile/%s/policy)", cfg->fleet, cfg->fleet);
	else if (err)
		ts_warn("fleet %s: etcd unreachable (%s): starting from the cached policy", cfg->fleet, why);
	if (!err) {
		err = ts_fleet_cache_path(cand, sizeof(cand), state_dir, TS_FLEET_CANDIDATE_FILE);
		if (!err)
			err = ts_fleet_cache_stage(state_dir, text, tlen);
		if (err)
			ts_warn("%s: cannot write: %s", cand, strerror(-err));
		else if (tlen && candidate_passes(cand)) /* empty: as in apply_policy */
			err = ts_fleet_cache_promote(state_dir, rev);
		else
			ts_err("fleet %s: revision %lld refused; starting from the cached policy",
			       cfg->fleet, (long long)rev);
	}
	free(text);
	err = ts_fleet_cache_path(policy_path, len, state_dir, TS_FLEET_POLICY_FILE);
	if (!err)
		err = ts_fleet_cache_revision(state_dir, revision);
	if (err)
		ts_err("fleet %s: no policy to start from: none in etcd passes check and %s has no cache",
		       cfg->fleet, state_dir);
	else
		ts_info("fleet %s: starting with policy revision %lld", cfg->fleet, (long long)*revision);
	return err;
}
