// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stats_baseline.c - counters at the last `stats --reset` (see stats_baseline.h). */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/replace_file.h"
#include "stats_baseline.h"

#define MAGIC "# turnstile counters at stats --reset"

struct baseline_file {
	const struct ts_stats_snapshot *s;
	int64_t when;
};

#define IFACE_FIELDS (sizeof(struct ts_iface_counter) / sizeof(__u64))

static int write_baseline(FILE *f, void *ctx)
{
	const struct baseline_file *b = ctx;
	const struct ts_stats_snapshot *s = b->s;

	fprintf(f, "%s\nreset %" PRId64 "\n", MAGIC, b->when);
	for (size_t i = 0; i < s->nrules; i++)
		fprintf(f, "rule %u %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", s->rules[i].rule_id,
			s->rules[i].packets, s->rules[i].bytes, s->rules[i].opened);
	for (uint32_t r = 0; r < TS_R_MAX; r++)
		fprintf(f, "reason %u %" PRIu64 " %" PRIu64 "\n", r, s->reasons[r].packets,
			s->reasons[r].bytes);
	for (size_t i = 0; i < s->nifaces; i++) {
		const __u64 *v = &s->ifaces[i].c.in_pass_packets;

		fprintf(f, "iface %u", s->ifaces[i].ifindex);
		for (size_t k = 0; k < IFACE_FIELDS; k++)
			fprintf(f, " %" PRIu64, (uint64_t)v[k]);
		fprintf(f, "\n");
	}
	return 0;
}

void ts_stats_snapshot_free(struct ts_stats_snapshot *s)
{
	free(s->rules);
	free(s->ifaces);
	s->rules = NULL;
	s->ifaces = NULL;
}

int ts_stats_baseline_save(const char *path, const struct ts_stats_snapshot *s, int64_t when)
{
	struct baseline_file b = { s, when };

	return ts_replace_file(path, write_baseline, &b);
}

/* "iface IFINDEX v0 .. v7" into b; false if the line is not one. */
static bool parse_iface(const char *line, struct ts_dp_iface_stat *b)
{
	__u64 *v = &b->c.in_pass_packets;
	int used;

	if (sscanf(line, "iface %u%n", &b->ifindex, &used) != 1 || b->ifindex >= TS_IFACE_SLOTS)
		return false;
	line += used;
	for (size_t k = 0; k < IFACE_FIELDS; k++) {
		unsigned long long x;

		if (sscanf(line, " %llu%n", &x, &used) != 1)
			return false;
		v[k] = x;
		line += used;
	}
	return *line == '\n' || !*line;
}

static uint64_t minus(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now;
}

/* One rule's counters in the baseline. */
struct base_rule {
	unsigned int id;
	uint64_t packets, bytes, opened;
};

int ts_stats_baseline_apply(const char *path, struct ts_stats_snapshot *s, int64_t *since)
{
	struct ts_dp_reason_stat reasons[TS_R_MAX] = { 0 };
	static struct ts_dp_iface_stat ifaces[TS_IFACE_SLOTS];
	struct base_rule *rules = NULL, *grown;
	struct ts_dp_iface_stat one;
	bool seen[TS_IFACE_SLOTS] = { false };
	size_t nrules = 0;
	FILE *f = fopen(path, "r");
	char line[256];
	int nr = 0, err = 0;
	int64_t when = 0;

	if (!f)
		return -errno;
	/* all of it read and checked first: a bad file changes nothing */
	while (!err && fgets(line, sizeof(line), f)) {
		struct base_rule r;
		unsigned int id;
		uint64_t p, b;

		if (!strchr(line, '\n'))
			err = -EBADMSG;   /* a line this long is not ours */
		else if (nr++ == 0)
			err = strcmp(line, MAGIC "\n") ? -EBADMSG : 0;
		else if (sscanf(line, "reset %" SCNd64, &when) == 1)
			continue;
		else if (sscanf(line, "rule %u %" SCNu64 " %" SCNu64 " %" SCNu64, &r.id, &r.packets,
				&r.bytes, &r.opened) == 4) {
			if (nrules >= TS_MAX_RULE_IDS) {
				err = -EBADMSG;
				break;
			}
			grown = realloc(rules, (nrules + 1) * sizeof(*rules));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			rules = grown;
			rules[nrules++] = r;
		} else if (sscanf(line, "reason %u %" SCNu64 " %" SCNu64, &id, &p, &b) == 3 && id < TS_R_MAX) {
			reasons[id].packets = p;
			reasons[id].bytes = b;
		} else if (parse_iface(line, &one)) {
			ifaces[one.ifindex] = one;
			seen[one.ifindex] = true;
		} else {
			err = -EBADMSG;
		}
	}
	fclose(f);
	if (!err && !nr)
		err = -EBADMSG;
	for (size_t k = 0; !err && k < nrules; k++)
		for (size_t i = 0; i < s->nrules; i++) {
			if (s->rules[i].rule_id != rules[k].id)
				continue;
			s->rules[i].packets = minus(s->rules[i].packets, rules[k].packets);
			s->rules[i].bytes = minus(s->rules[i].bytes, rules[k].bytes);
			s->rules[i].opened = minus(s->rules[i].opened, rules[k].opened);
		}
	for (uint32_t r = 0; !err && r < TS_R_MAX; r++) {
		s->reasons[r].packets = minus(s->reasons[r].packets, reasons[r].packets);
		s->reasons[r].bytes = minus(s->reasons[r].bytes, reasons[r].bytes);
	}
	for (size_t i = 0; !err && i < s->nifaces; i++) {
		__u64 *v = &s->ifaces[i].c.in_pass_packets;
		const __u64 *b = &ifaces[s->ifaces[i].ifindex].c.in_pass_packets;

		if (!seen[s->ifaces[i].ifindex])
			continue;
		for (size_t k = 0; k < IFACE_FIELDS; k++)
			v[k] = minus(v[k], b[k]);
	}
	if (!err)
		*since = when;
	free(rules);
	return err;
}
