// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dp.c - open/load the turnstile_bpf skeleton, reusing pinned maps. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "common/pin.h"
#include "dp/dp_internal.h"
#include "turnstile.skel.h"

/* The maps of the ABI, each named by its field in the skeleton: the
 * compiler checks every one against the object (bpftool names a field
 * after its map), and the name comes from that same field, for code with
 * no skeleton open (pinned maps, unpinning). */
#define SKEL_MAP(field) { #field, offsetof(struct turnstile_bpf, maps.field) }
static const struct {
	const char *name;
	size_t off;      /* of the map's pointer in struct turnstile_bpf */
} skel_maps[TS_MAP_COUNT] = {
	[TS_MAP_CONFIG] = SKEL_MAP(ts_config),
	[TS_MAP_SLOT_CFG] = SKEL_MAP(ts_slot_cfg),
	[TS_MAP_PORTS] = SKEL_MAP(ts_ports),
	[TS_MAP_HOSTS] = SKEL_MAP(ts_hosts),
	[TS_MAP_PREFIXES] = SKEL_MAP(ts_prefixes),
	[TS_MAP_RULES] = SKEL_MAP(ts_rules),
	[TS_MAP_FLOWS] = SKEL_MAP(ts_flows),
	[TS_MAP_HALFOPEN] = SKEL_MAP(ts_halfopen),
	[TS_MAP_RULE_STATS] = SKEL_MAP(ts_rule_stats),
	[TS_MAP_REASON_STATS] = SKEL_MAP(ts_reason_stats),
	[TS_MAP_RULE_META] = SKEL_MAP(ts_rule_meta),
	[TS_MAP_EVENTS] = SKEL_MAP(ts_events),
	[TS_MAP_RATELIMIT] = SKEL_MAP(ts_ratelimit),
	[TS_MAP_TABLE_FILL] = SKEL_MAP(ts_table_fill),
	[TS_MAP_TAGS] = SKEL_MAP(ts_tags),
	[TS_MAP_IFACE_STATS] = SKEL_MAP(ts_iface_stats),
	[TS_MAP_FLOWS_SMALL] = SKEL_MAP(ts_flows_small),
	[TS_MAP_PASS_CACHE] = SKEL_MAP(ts_pass_cache),
	[TS_MAP_PASS_SHAPE] = SKEL_MAP(ts_pass_shape),
};

const char *ts_dp_map_name(enum ts_dp_map map)
{
	return (unsigned)map < TS_MAP_COUNT ? skel_maps[map].name : NULL;
}

static struct bpf_map *skel_map(struct turnstile_bpf *s, enum ts_dp_map m)
{
	return *(struct bpf_map **)((char *)s + skel_maps[m].off);
}

static const struct {
	enum ts_dp_map map;
	uint32_t key_size, val_size, default_cap;
} table_shape[TS_TBL_COUNT] = {
	[TS_TBL_FLOWS] = { TS_MAP_FLOWS, sizeof(struct ts_flow_key), sizeof(struct ts_flow_val),
			   TS_DEFAULT_FLOWS },
	[TS_TBL_HALFOPEN] = { TS_MAP_HALFOPEN, sizeof(struct ts_flow_key), sizeof(struct ts_flow_val),
			      TS_DEFAULT_HALFOPEN },
	[TS_TBL_HOSTS] = { TS_MAP_HOSTS, sizeof(struct ts_addr_key), sizeof(struct ts_addr_val),
			   TS_DEFAULT_HOSTS },
	[TS_TBL_PREFIXES] = { TS_MAP_PREFIXES, sizeof(struct ts_addr_key), sizeof(struct ts_addr_val),
			      TS_DEFAULT_PREFIXES },
	[TS_TBL_RULES] = { TS_MAP_RULES, sizeof(struct ts_rule_key), sizeof(struct ts_rule_val),
			   TS_DEFAULT_RULES },
	/* its capacity is ts_flows' (shared); its size follows ts_flows' (wanted_buckets) */
	[TS_TBL_FLOWS_SMALL] = { TS_MAP_FLOWS_SMALL, sizeof(struct ts_flow_key), sizeof(struct ts_flow_val),
				 TS_DEFAULT_FLOWS },
};

enum ts_dp_map ts_dp_table_map(enum ts_table t)
{
	return table_shape[t].map;
}

/* Capacity the caller asked for a table (0 = TS_DEFAULT_*); the small
 * flow table's is ts_flows', the one they share. */
static uint32_t wanted_capacity(const struct ts_dp_open_opts *o, enum ts_table t)
{
	uint32_t cap[TS_TBL_COUNT] = {
		[TS_TBL_FLOWS] = o->cap_flows,
		[TS_TBL_FLOWS_SMALL] = o->cap_flows,
		[TS_TBL_HALFOPEN] = o->cap_halfopen,
		[TS_TBL_HOSTS] = o->cap_hosts,
		[TS_TBL_PREFIXES] = o->cap_prefixes,
		[TS_TBL_RULES] = o->cap_rules,
	};

	return cap[t] ? cap[t] : table_shape[t].default_cap;
}

/* The buckets a table is made with: twice its capacity in slots; the
 * small flow table 1/TS_FLOWS_SMALL_SHARE of ts_flows', at most
 * TS_FLOWS_SMALL_BUCKETS. */
static uint32_t wanted_buckets(const struct ts_dp_open_opts *o, enum ts_table t)
{
	uint32_t b = ts_table_slots_for(wanted_capacity(o, t)) / TS_BUCKET_SLOTS;

	if (t != TS_TBL_FLOWS_SMALL)
		return b;
	b /= TS_FLOWS_SMALL_SHARE;
	return b < TS_FLOWS_SMALL_BUCKETS ? b : TS_FLOWS_SMALL_BUCKETS;
}

/* Where everything lives in ts_tags. */
struct tags_layout {
	uint32_t base[TS_TBL_COUNT];   /* ts_config.tags_base */
	uint32_t summary_base;         /* ts_config.summary_base */
	uint32_t summary_mask;         /* ts_config.summary_mask */
	uint32_t total;                /* words of all */
};

/* Bits of the address summary per slot of ts_hosts and ts_prefixes (a
 * table has about two slots per entry it can hold): a summary as full as
 * the tables answers "maybe" for 1 - e^(-1/8), about 12%, of the
 * addresses in no component. */
#define TS_SUMMARY_BITS_PER_SLOT 4u

/* ts_tags' layout: each table's tags words, in table order, one per
 * bucket (buckets[t]); then the address summary of slot 0 and of slot 1,
 * sized to the buckets of ts_hosts and ts_prefixes: from the maps' shape
 * alone, as the tags words are. */
static void tags_layout(const uint32_t buckets[TS_TBL_COUNT], struct tags_layout *l)
{
	uint64_t bits = ((uint64_t)buckets[TS_TBL_HOSTS] + buckets[TS_TBL_PREFIXES]) * TS_BUCKET_SLOTS *
			TS_SUMMARY_BITS_PER_SLOT;
	uint32_t words = 1, at = 0;

	for (int t = 0; t < TS_TBL_COUNT; t++) {
		l->base[t] = at;
		at += buckets[t];
	}
	while ((uint64_t)words * 64 < bits)
		words *= 2;
	l->summary_base = at;
	l->summary_mask = words - 1;
	l->total = at + 2 * words;
}

/* The bucket counts of the tables as they will be loaded (pinned ones
 * keep their size). */
static void table_buckets(struct ts_dp *dp, uint32_t buckets[TS_TBL_COUNT])
{
	for (int t = 0; t < TS_TBL_COUNT; t++)
		buckets[t] = bpf_map__max_entries(skel_map(dp->skel, table_shape[t].map));
}

void *ts_dp_map_shared(int fd, size_t *bytes, bool writable, const char *name, int *err)
{
	long page = sysconf(_SC_PAGESIZE);
	void *mem;

	*bytes = (*bytes + page - 1) / page * page;
	mem = ts_pin_mmap(fd, *bytes, writable);
	if (mem != MAP_FAILED)
		return mem;
	*err = -errno;
	ts_err("dp: cannot mmap %s: %s", name, strerror(-*err));
	return NULL;
}

/* mmap ts_tags, the tables' tags words. */
static int map_tags(struct ts_dp *dp, bool writable)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err = 0;

	if (bpf_obj_get_info_by_fd(dp->fds[TS_MAP_TAGS], &info, &len) || info.value_size != sizeof(*dp->tags)) {
		ts_err("dp: ts_tags has an unexpected shape");
		return -EPROTO;
	}
	dp->tags_bytes = (size_t)info.max_entries * sizeof(*dp->tags);
	dp->tags = ts_dp_map_shared(dp->fds[TS_MAP_TAGS], &dp->tags_bytes, writable, ts_dp_map_name(TS_MAP_TAGS), &err);
	dp->ntags = info.max_entries;
	return err;
}

/* mmap the tables and their counters, with the shape ts_config records. */
static int map_tables(struct ts_dp *dp, const struct ts_config *cfg, bool writable)
{
	uint32_t buckets[TS_TBL_COUNT];
	size_t fill_bytes = sizeof(*dp->fill);
	struct tags_layout l;
	int err = 0;

	dp->fill = ts_dp_map_shared(dp->fds[TS_MAP_TABLE_FILL], &fill_bytes, writable, ts_dp_map_name(TS_MAP_TABLE_FILL), &err);
	if (err)
		return err;
	err = map_tags(dp, writable);
	if (err)
		return err;
	for (int t = 0; t < TS_TBL_COUNT; t++)
		buckets[t] = cfg->bucket_mask[t] + 1;
	tags_layout(buckets, &l);
	if (memcmp(l.base, cfg->tags_base, sizeof(l.base)) || l.summary_base != cfg->summary_base ||
	    l.summary_mask != cfg->summary_mask || l.total > dp->ntags) {
		ts_err("dp: ts_tags (%u words) does not have the layout ts_config records", dp->ntags);
		return -EPROTO;
	}
	dp->summary_base = cfg->summary_base;
	dp->summary_mask = cfg->summary_mask;
	for (int t = 0; t < TS_TBL_COUNT; t++) {
		err = ts_table_map(&dp->tables[t], dp->fds[table_shape[t].map], dp->tags + cfg->tags_base[t],
				   table_shape[t].key_size, table_shape[t].val_size, cfg->hash_seed,
				   cfg->capacity[t], &dp->fill->live[t], writable);
		if (err)
			return err;
		if (dp->tables[t].bucket_mask != cfg->bucket_mask[t]) {
			ts_err("dp: %s does not have the shape ts_config records",
			       ts_dp_map_name(table_shape[t].map));
			return -EPROTO;
		}
	}
	ts_table_link(&dp->tables[TS_TBL_FLOWS_SMALL], &dp->tables[TS_TBL_FLOWS]);
	return 0;
}

static void unmap_tables(struct ts_dp *dp)
{
	for (int t = 0; t < TS_TBL_COUNT; t++)
		ts_table_unmap(&dp->tables[t]);
	if (dp->fill)
		munmap(dp->fill, sysconf(_SC_PAGESIZE));
	dp->fill = NULL;
	if (dp->tags)
		munmap(dp->tags, dp->tags_bytes);
	dp->tags = NULL;
}

/* Point a map at its pin path; if a pinned map exists, take its capacity so
 * libbpf reuses it instead of refusing a size mismatch. */
static int setup_pin(struct ts_dp *dp, struct bpf_map *map, const char *pin_dir, enum ts_dp_map m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map)) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (err) {
			ts_err("dp: cannot read pinned map %s: %s", path, strerror(-err));
			return err;
		}
		if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
			bpf_map__set_max_entries(map, info.max_entries);
		dp->adopted = true;
		dp->adopted_maps |= 1u << m;
	}
	err = bpf_map__set_pin_path(map, path);
	if (err)
		ts_err("dp: cannot set pin path %s: %s", path, strerror(-err));
	return err;
}

/* Maps pinned in pin_dir by a build of another schema (`schema`): said
 * once, the same way by every open. */
static int other_schema(const char *pin_dir, __u32 schema)
{
	ts_err("dp: pinned maps in %s have schema %u, this build speaks %u; remove them first",
	       pin_dir ? pin_dir : "?", schema, TS_SCHEMA_VERSION);
	return -EPROTO;
}

/* Maps pinned by a build of another schema are named as such before
 * anything else of them is opened: they may lack a map this build has
 * (schema 9 added ts_flows_small), which would otherwise read as pins
 * left incomplete. 0 when pin_dir holds no config or one of this schema. */
static int check_pinned_schema(const char *pin_dir)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0, schema;
	char path[PATH_MAX];
	__u8 *val;
	int fd, err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, ts_dp_map_name(TS_MAP_CONFIG)) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = ts_pin_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size < sizeof(schema) ||
	    !(val = calloc(1, info.value_size))) {
		close(fd);
		return 0;   /* not ours to judge here: the open that follows says what is wrong */
	}
	if (!bpf_map_lookup_elem(fd, &zero, val)) {
		memcpy(&schema, val, sizeof(schema));   /* ts_config.schema_version, its first word */
		if (schema && schema != TS_SCHEMA_VERSION)
			err = other_schema(pin_dir, schema);
	}
	free(val);
	close(fd);
	return err;
}

/* The config, the tables and ts_tags describe each other: pinned
 * together, or made together (a tags word adopted apart from its bucket
 * would be stale, or missing). */
static int check_pins_whole(struct ts_dp *dp, const char *pin_dir)
{
	uint32_t want = 1u << TS_MAP_CONFIG | 1u << TS_MAP_TAGS | 1u << TS_MAP_TABLE_FILL;
	uint32_t have;

	_Static_assert(TS_MAP_COUNT <= 32, "adopted_maps: a bit per map");
	for (int t = 0; t < TS_TBL_COUNT; t++)
		want |= 1u << table_shape[t].map;
	have = dp->adopted_maps & want;
	if (have && have != want) {
		ts_err("dp: pinned maps in %s are incomplete (the config, tables and ts_tags go "
		       "together); remove them first", pin_dir);
		return -EPROTO;
	}
	return 0;
}

/* The reason field lets bpftool print each counter's name; counts kept. */
static int label_reason_counters(struct ts_dp *dp)
{
	size_t sz = sizeof(struct ts_reason_counter) * dp->ncpus;
	struct ts_reason_counter *vals = calloc(1, sz);
	int err = 0;

	if (!vals)
		return -ENOMEM;
	for (uint32_t r = 0; r < TS_R_MAX && !err; r++) {
		bool stale = false;

		if (bpf_map_lookup_elem(dp->fds[TS_MAP_REASON_STATS], &r, vals)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < dp->ncpus; c++) {
			stale |= vals[c].reason != (enum ts_reason)r;
			vals[c].reason = r;
		}
		if (stale && bpf_map_update_elem(dp->fds[TS_MAP_REASON_STATS], &r, vals, BPF_ANY))
			err = -errno;
	}
	if (err)
		ts_err("dp: cannot label ts_reason_stats: %s", strerror(-err));
	free(vals);
	return err;
}

/* A fresh ts_config says our schema and records the tables' shape (a new
 * hash seed, bucket masks, capacities); an adopted one must already. */
static int check_schema(struct ts_dp *dp, const struct ts_dp_open_opts *o, struct ts_config *cfg)
{
	uint32_t zero = 0, buckets[TS_TBL_COUNT];
	struct tags_layout l;

	if (bpf_map_lookup_elem(dp->fds[TS_MAP_CONFIG], &zero, cfg))
		return -errno;
	if (cfg->schema_version == TS_SCHEMA_VERSION)
		return 0;
	if (cfg->schema_version != 0)   /* adopted: pinned */
		return other_schema(o->pin_dir, cfg->schema_version);
	cfg->schema_version = TS_SCHEMA_VERSION;
	do {
		if (getrandom(&cfg->hash_seed, sizeof(cfg->hash_seed), 0) != sizeof(cfg->hash_seed))
			return -errno;
	} while (!ts_hash_seed_ok(cfg->hash_seed));
	table_buckets(dp, buckets);
	for (int t = 0; t < TS_TBL_COUNT; t++) {
		cfg->capacity[t] = wanted_capacity(o, t);
		cfg->bucket_mask[t] = buckets[t] - 1;
	}
	tags_layout(buckets, &l);
	memcpy(cfg->tags_base, l.base, sizeof(l.base));
	cfg->summary_base = l.summary_base;
	cfg->summary_mask = l.summary_mask;
	if (bpf_map_update_elem(dp->fds[TS_MAP_CONFIG], &zero, cfg, BPF_ANY))
		return -errno;
	return 0;
}

int ts_dp_open(struct ts_dp **out, const struct ts_dp_open_opts *opts)
{
	struct ts_dp_open_opts none = {};
	struct ts_config cfg;
	struct ts_dp *dp;
	int err;

	if (!opts)
		opts = &none;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		err = dp->ncpus ? dp->ncpus : -EINVAL;
		goto fail;
	}
	dp->skel = turnstile_bpf__open();
	if (!dp->skel) {
		err = -errno;
		ts_err("dp: cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	/* explain's program is loaded apart, by whoever judges (judge.c) */
	bpf_program__set_autoload(dp->skel->progs.ts_judge, false);
	for (int t = 0; t < TS_TBL_COUNT; t++)
		bpf_map__set_max_entries(skel_map(dp->skel, table_shape[t].map), wanted_buckets(opts, t));
	bpf_map__set_max_entries(skel_map(dp->skel, TS_MAP_PASS_CACHE),
				 ts_dp_pass_lines(wanted_capacity(opts, TS_TBL_FLOWS)));
	err = opts->pin_dir ? check_pinned_schema(opts->pin_dir) : 0;
	if (err)
		goto fail;
	for (int m = 0; m < TS_MAP_COUNT; m++) {
		struct bpf_map *map = skel_map(dp->skel, m);

		if (opts->pin_dir) {
			err = setup_pin(dp, map, opts->pin_dir, m);
			if (err)
				goto fail;
		}
	}
	err = check_pins_whole(dp, opts->pin_dir);
	if (err)
		goto fail;
	if (!(dp->adopted_maps & (1u << TS_MAP_TAGS))) {
		uint32_t buckets[TS_TBL_COUNT];
		struct tags_layout l;

		table_buckets(dp, buckets);
		tags_layout(buckets, &l);
		bpf_map__set_max_entries(skel_map(dp->skel, TS_MAP_TAGS), l.total);
	}
	if (opts->admit) {
		struct ts_dp_mem planned;

		ts_dp_memory_planned(dp, &planned);
		err = opts->admit(&planned, opts->admit_ctx);
		if (err)
			goto fail;
	}
	err = turnstile_bpf__load(dp->skel);
	if (err) {
		ts_err("dp: cannot load the BPF programs: %s", strerror(-err));
		goto fail;
	}
	for (int m = 0; m < TS_MAP_COUNT; m++)
		dp->fds[m] = bpf_map__fd(skel_map(dp->skel, m));
	err = check_schema(dp, opts, &cfg);
	if (!err)
		err = map_tables(dp, &cfg, true);
	/* the policy tables have one writer, whoever opens them writable */
	for (int t = TS_TBL_HOSTS; !err && dp->adopted && t <= TS_TBL_RULES; t++)
		ts_table_scrub(&dp->tables[t]);
	if (!err)
		err = label_reason_counters(dp);
	if (!err)
		err = ts_dp_pass_init(dp);
	if (err)
		goto fail;
	*out = dp;
	return 0;
fail:
	ts_dp_close(dp);
	return err;
}

static int open_pinned(struct ts_dp **out, const char *pin_dir, bool writable);

int ts_dp_open_pinned(struct ts_dp **out, const char *pin_dir)
{
	return open_pinned(out, pin_dir, false);
}

int ts_dp_open_pinned_rw(struct ts_dp **out, const char *pin_dir)
{
	return open_pinned(out, pin_dir, true);
}

static int open_pinned(struct ts_dp **out, const char *pin_dir, bool writable)
{
	struct ts_config cfg;
	struct ts_dp *dp;
	int err = 0;

	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->maps_only = true;
	dp->tables_ro = !writable;
	dp->adopted = true;
	for (int m = 0; m < TS_MAP_COUNT; m++)
		dp->fds[m] = -1;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		err = dp->ncpus ? dp->ncpus : -EINVAL;
		goto fail;
	}
	err = check_pinned_schema(pin_dir);
	if (err)
		goto fail;
	for (int m = 0; m < TS_MAP_COUNT; m++) {
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%s/%s", pin_dir, ts_dp_map_name(m)) >= (int)sizeof(path)) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		dp->fds[m] = ts_pin_get(path);
		if (dp->fds[m] < 0) {
			err = -errno;
			ts_err("dp: cannot open pinned map %s: %s", path, strerror(-err));
			goto fail;
		}
	}
	err = ts_dp_config_read(dp, &cfg);
	if (err)
		goto fail;
	if (cfg.schema_version != TS_SCHEMA_VERSION) {
		err = other_schema(pin_dir, cfg.schema_version);
		goto fail;
	}
	err = map_tables(dp, &cfg, writable);
	if (err)
		goto fail;
	*out = dp;
	return 0;
fail:
	ts_dp_close(dp);
	return err;
}

void ts_dp_close(struct ts_dp *dp)
{
	if (!dp)
		return;
	unmap_tables(dp);
	for (int m = 0; dp->maps_only && m < TS_MAP_COUNT; m++)
		if (dp->fds[m] >= 0)
			close(dp->fds[m]);
	turnstile_bpf__destroy(dp->skel);
	free(dp->stable_ids);
	free(dp->inbound);
	free(dp);
}

bool ts_dp_adopted(const struct ts_dp *dp)
{
	return dp->adopted;
}

int ts_dp_xdp_prog_fd(const struct ts_dp *dp)
{
	return dp->skel ? bpf_program__fd(dp->skel->progs.ts_xdp) : -EINVAL;
}

int ts_dp_tc_prog_fd(const struct ts_dp *dp)
{
	return dp->skel ? bpf_program__fd(dp->skel->progs.ts_tc_egress) : -EINVAL;
}

struct bpf_object *ts_dp_object(const struct ts_dp *dp)
{
	return dp->skel ? dp->skel->obj : NULL;
}

int ts_dp_map_fd(const struct ts_dp *dp, enum ts_dp_map map)
{
	return (unsigned)map < TS_MAP_COUNT ? dp->fds[map] : -EINVAL;
}

uint64_t ts_dp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int ts_dp_config_read(const struct ts_dp *dp, struct ts_config *out)
{
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(dp->fds[TS_MAP_CONFIG], &zero, out)) {
		int err = -errno;

		ts_err("dp: cannot read ts_config: %s", strerror(-err));
		return err;
	}
	return 0;
}

uint32_t ts_dp_active_slot(const struct ts_dp *dp)
{
	struct ts_config cfg;

	return ts_dp_config_read(dp, &cfg) ? 0 : cfg.active_slot & 1;
}

int ts_dp_active_slot_cfg(const struct ts_dp *dp, uint32_t *slot, struct ts_slot_cfg *out)
{
	*slot = ts_dp_active_slot(dp);
	if (bpf_map_lookup_elem(dp->fds[TS_MAP_SLOT_CFG], slot, out)) {
		int err = -errno;

		ts_err("dp: cannot read ts_slot_cfg[%u]: %s", *slot, strerror(-err));
		return err;
	}
	return 0;
}

int ts_dp_slot_cfg_read(const struct ts_dp *dp, struct ts_slot_cfg *out)
{
	uint32_t slot;

	return ts_dp_active_slot_cfg(dp, &slot, out);
}

int ts_dp_set_xdp_mode(struct ts_dp *dp, enum ts_xdp_mode mode)
{
	struct ts_config cfg;
	uint32_t zero = 0;
	int err = ts_dp_config_read(dp, &cfg);

	if (err)
		return err;
	cfg.xdp_mode = mode;
	if (bpf_map_update_elem(dp->fds[TS_MAP_CONFIG], &zero, &cfg, BPF_ANY)) {
		err = -errno;
		ts_err("dp: cannot write ts_config: %s", strerror(-err));
	}
	return err;
}
