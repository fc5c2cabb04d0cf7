// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cache.c - the names cache file: what a cold start loads, and what
 * `status` and `explain` read while the daemon runs. Text, one record a
 * line, times as wall-clock unix milliseconds:
 *
 *   turnstile-names 1
 *   settings <ttl-floor-s> <ttl-ceiling-s> <grace-s> <max-addrs>
 *   metrics <resolutions> <failures> <map-updates> <map-errors> <capped>
 *           <lat-count> <lat-last-us> <lat-max-us> <lat-sum-us> <hist0..hist4>
 *           [<learn-dropped>]
 *   name <name> <resolutions> <failures> <consecutive-failures> <last-status>
 *        <last-ok-v4> <last-ok-v6> <last-success> <last-attempt> <next-refresh>
 *        [<wildcard it was learned through> <told> <told-ttl-s> <client prefix or ->]
 *   addr <address> <ttl-s> <first-seen> <last-seen> <resolver>   (of the name above)
 *
 * (metrics and name records are one line each.) Written to a temporary
 * file, mode 0600, fsync'ed, then renamed over the old one. Read only when
 * owned by us and not group/other-writable: its addresses become allow
 * entries. A record that does not parse, or names something that is not a
 * host name (or wildcard), costs that record (and a bad name's addresses),
 * never the rest of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "names/state.h"
#include "policy/dnsname.h"
#include "policy/net.h"

#define CACHE_MAGIC "turnstile-names 1"

static int64_t wall(int64_t mono_ms)
{
	return ts_names_mono_to_wall(mono_ms);
}

static void write_entry(FILE *f, const struct ts_name_entry *e)
{
	char text[TS_NET_STRLEN];

	fprintf(f, "name %s %" PRIu64 " %" PRIu64 " %u %d %" PRId64 " %" PRId64 " %" PRId64
		   " %" PRId64 " %" PRId64,
		e->name, e->resolutions, e->failures, e->consecutive_failures, e->last_status,
		wall(e->last_ok_ms[TS_NAMES_V4]), wall(e->last_ok_ms[TS_NAMES_V6]),
		wall(e->last_success_ms), wall(e->last_attempt_ms), wall(e->next_refresh_ms));
	if (e->wildcard) {
		if (e->learned_by.family)
			ts_net_format(&e->learned_by, text, sizeof(text));
		fprintf(f, " %s %" PRId64 " %u %s", e->wildcard, wall(e->told_ms), e->told_ttl_s,
			e->learned_by.family ? text : "-");
	}
	fputc('\n', f);
	for (size_t j = 0; j < e->naddrs; j++) {
		const struct ts_name_addr *a = &e->addrs[j];

		ts_net_format(&a->net, text, sizeof(text));
		fprintf(f, "addr %s %u %" PRId64 " %" PRId64 " %s\n", text, a->ttl_s,
			wall(a->first_seen_ms), wall(a->last_seen_ms),
			a->resolver[0] ? a->resolver : "-");
	}
}

static void write_state(FILE *f, const struct ts_names_state *st)
{
	const struct ts_names_metrics *m = &st->m;

	fprintf(f, "%s\n", CACHE_MAGIC);
	fprintf(f, "settings %u %u %u %u\n", st->ttl_floor_s, st->ttl_ceiling_s, st->grace_s,
		st->max_addrs);
	fprintf(f, "metrics %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		   " %" PRIu64 " %" PRIu64 " %" PRIu64,
		m->resolutions, m->failures, m->map_updates, m->map_errors, m->capped,
		m->lat_count, m->lat_last_us, m->lat_max_us, m->lat_sum_us);
	for (int b = 0; b < TS_NAMES_LAT_BUCKETS; b++)
		fprintf(f, " %" PRIu64, m->lat_hist[b]);
	fprintf(f, " %" PRIu64 "\n", m->learn_dropped);
	for (size_t i = 0; i < st->nnames; i++)
		write_entry(f, &st->names[i]);
}

/* Creates the cache's directory (one level, 0700) if it is missing. */
static int ensure_dir(const char *path)
{
	char *copy = strdup(path);
	int err = 0;

	if (!copy)
		return -ENOMEM;
	if (mkdir(dirname(copy), 0700) && errno != EEXIST)
		err = -errno;
	free(copy);
	return err;
}

int ts_names_cache_write(const struct ts_names_state *st, const char *path)
{
	char tmp[4096];
	FILE *f = NULL;
	int fd = -1, err;

	err = ensure_dir(path);
	if (err) {
		ts_err("names cache %s: cannot create its directory: %s", path, strerror(-err));
		return err;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		ts_err("names cache %s: cannot create: %s", tmp, strerror(errno));
		return err;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto out_unlink;
	}
	write_state(f, st);
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (!err)
		return 0;
out_unlink:
	ts_err("names cache %s: cannot write: %s", path, strerror(-err));
	unlink(tmp);
	return err;
}

/* A name as the daemon could hold it: a normalized host name (or, with
 * wildcard, a normalized wildcard). Anything else in the file is damage. */
static bool valid_name(const char *name, bool wildcard)
{
	char copy[256];
	const char *why;
	size_t off;
	bool is_wild;

	if (snprintf(copy, sizeof(copy), "%s", name) >= (int)sizeof(copy) ||
	    ts_dns_name_normalize(copy, &is_wild, &off, &why))
		return false;
	return is_wild == wildcard && !strcmp(copy, name);
}

static int parse_name(struct ts_names_state *st, char *rest, struct ts_name_entry **cur)
{
	char name[256], wildcard[256], client[TS_NET_STRLEN];
	int64_t ok4, ok6, success, attempt, next, told = 0;
	uint64_t resolutions, failures;
	unsigned consecutive, told_ttl = 0;
	int status, fields;
	struct ts_net by = { 0 };
	struct ts_name_entry *e;
	const char *why;

	*cur = NULL; /* a bad record's addresses must not join the name before it */
	fields = sscanf(rest, "%255s %" SCNu64 " %" SCNu64 " %u %d %" SCNd64 " %" SCNd64
			" %" SCNd64 " %" SCNd64 " %" SCNd64 " %255s %" SCNd64 " %u %63s",
			name, &resolutions, &failures, &consecutive, &status, &ok4, &ok6, &success,
			&attempt, &next, wildcard, &told, &told_ttl, client);
	if ((fields != 10 && fields != 11 && fields != 14) || !valid_name(name, false) ||
	    (fields >= 11 && !valid_name(wildcard, true)))
		return -EINVAL;
	if (fields == 14 && strcmp(client, "-") &&
	    (ts_net_parse(client, &by, &why) || ts_net_has_host_bits(&by)))
		return -EINVAL;
	e = ts_names_state_find(st, name);
	if (!e)
		e = ts_names_state_add_name(st, name);
	if (!e)
		return -ENOMEM;
	if (fields >= 11 && !e->wildcard && !(e->wildcard = strdup(wildcard)))
		return -ENOMEM;
	e->resolutions = resolutions;
	e->failures = failures;
	e->consecutive_failures = consecutive;
	e->last_status = status;
	e->last_ok_ms[TS_NAMES_V4] = ts_names_wall_to_mono(ok4);
	e->last_ok_ms[TS_NAMES_V6] = ts_names_wall_to_mono(ok6);
	e->last_success_ms = ts_names_wall_to_mono(success);
	e->last_attempt_ms = ts_names_wall_to_mono(attempt);
	e->next_refresh_ms = ts_names_wall_to_mono(next);
	e->told_ms = ts_names_wall_to_mono(told);
	e->told_ttl_s = told_ttl;
	e->learned_by = by;
	*cur = e;
	return 0;
}

static int parse_addr(struct ts_names_state *st, char *rest, struct ts_name_entry *e)
{
	char text[TS_NET_STRLEN], resolver[TS_NAMES_RESOLVER_LEN];
	struct ts_name_addr a = { 0 };
	const char *why;
	int64_t first, last;

	if (!e)
		return -EINVAL;
	if (sscanf(rest, "%63s %u %" SCNd64 " %" SCNd64 " %63s", text, &a.ttl_s, &first, &last,
		   resolver) != 5 || ts_net_parse(text, &a.net, &why) || !ts_net_is_host(&a.net))
		return -EINVAL;
	a.first_seen_ms = ts_names_wall_to_mono(first);
	a.last_seen_ms = ts_names_wall_to_mono(last);
	snprintf(a.resolver, sizeof(a.resolver), "%s", strcmp(resolver, "-") ? resolver : "");
	return ts_name_append_addr(st, e, &a);
}

static int parse_metrics(struct ts_names_metrics *m, const char *rest)
{
	int used = 0;

	if (sscanf(rest, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			 " %" SCNu64 " %" SCNu64 " %" SCNu64 "%n",
		   &m->resolutions, &m->failures, &m->map_updates, &m->map_errors, &m->capped,
		   &m->lat_count, &m->lat_last_us, &m->lat_max_us, &m->lat_sum_us, &used) != 9)
		return -EINVAL;
	rest += used;
	for (int b = 0; b < TS_NAMES_LAT_BUCKETS; b++) {
		if (sscanf(rest, " %" SCNu64 "%n", &m->lat_hist[b], &used) != 1)
			return -EINVAL;
		rest += used;
	}
	sscanf(rest, " %" SCNu64, &m->learn_dropped); /* absent in older files */
	return 0;
}

static int parse_line(struct ts_names_state *st, char *line, struct ts_name_entry **cur)
{
	char *rest = strchr(line, ' ');

	if (!rest)
		return -EINVAL;
	*rest++ = '\0';
	if (!strcmp(line, "name"))
		return parse_name(st, rest, cur);
	if (!strcmp(line, "addr"))
		return parse_addr(st, rest, *cur);
	if (!strcmp(line, "metrics"))
		return parse_metrics(&st->m, rest);
	if (!strcmp(line, "settings"))
		return sscanf(rest, "%u %u %u %u", &st->ttl_floor_s, &st->ttl_ceiling_s,
			      &st->grace_s, &st->max_addrs) == 4 ? 0 : -EINVAL;
	return 0; /* unknown records are skipped: newer writers may add some */
}

int ts_names_cache_read(struct ts_names_state *st, const char *path)
{
	struct ts_name_entry *cur = NULL;
	struct stat sb;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 1;
	ssize_t len;
	FILE *f;
	int err = 0;

	memset(st, 0, sizeof(*st));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* Its addresses become allow entries: only a file nobody else could write counts. */
	if (fstat(fileno(f), &sb) || sb.st_uid != geteuid() || (sb.st_mode & 022)) {
		ts_warn("names cache %s: ignored: not owned by uid %u or writable by others",
			path, (unsigned)geteuid());
		fclose(f);
		return -EPERM;
	}
	len = getline(&line, &cap, f);
	if (len <= 0 || strncmp(line, CACHE_MAGIC "\n", (size_t)len)) {
		ts_warn("names cache %s: not a turnstile names cache (version 1)", path);
		err = -EINVAL;
	}
	while (!err && (len = getline(&line, &cap, f)) > 0) {
		int rec_err;

		lineno++;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		rec_err = parse_line(st, line, &cur);
		if (rec_err == -ENOMEM)
			err = rec_err;
		else if (rec_err)
			ts_warn("names cache %s:%u: damaged record skipped", path, lineno);
	}
	free(line);
	fclose(f);
	if (err)
		ts_names_state_clear(st);
	return err;
}
