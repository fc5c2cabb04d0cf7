// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* state.c - the loader's pinned state record (see state.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/log.h"
#include "common/pin.h"
#include "loader/state.h"

static int state_path(char *buf, size_t len, const char *pin_dir)
{
	int n = snprintf(buf, len, "%s/" TS_STATE_MAP_NAME, pin_dir);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int open_map(const char *pin_dir, bool create)
{
	char path[512];
	int fd, err = state_path(path, sizeof(path), pin_dir);

	if (err)
		return err;
	fd = create ? bpf_obj_get(path) : ts_pin_get(path);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd >= 0 ? fd : -errno;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, TS_STATE_MAP_NAME, sizeof(__u32), TS_STATE_BYTES, 1, NULL);
	if (fd < 0) {
		err = -errno;
		ts_err("%s: cannot create state map: %s", path, strerror(-err));
		return err;
	}
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		ts_err("%s: cannot pin state map: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static void format_state(char *buf, size_t len, const struct ts_loader_state *st)
{
	size_t off = 0;

#define PUT(...) (off += (size_t)snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__))
	PUT("policy %s\n", st->policy);
	PUT("state_dir %s\n", st->state_dir);
	PUT("resolvers %s\n", st->resolvers);
	PUT("dns_listen %s\n", st->dns_listen);
	PUT("dns_udp_max %u\n", st->dns_udp_max);
	PUT("metrics_listen %s\n", st->metrics_listen);
	PUT("audit %d\n", st->audit);
	PUT("log_events %d\n", st->log_events);
	PUT("generation %" PRIu64 "\n", st->generation);
	PUT("started %" PRId64 "\n", st->started_unix);
	PUT("daemon_pid %d\n", st->daemon_pid);
	PUT("version %s\n", st->version);
	PUT("policy_sha256 %s\n", st->policy_sha256);
	PUT("reloads %" PRIu64 "\n", st->reloads);
	PUT("reload_result %s\n", ts_reload_result_name(st->reload_result));
	PUT("reload_time %" PRId64 "\n", st->reload_unix);
	PUT("reload_error %s\n", st->reload_error);
	PUT("fleet %s\n", st->fleet);
	PUT("fleet_gateway %s\n", st->fleet_gateway);
	PUT("fleet_revision %" PRId64 "\n", st->fleet_revision);
	PUT("fleet_connected %d %" PRId64 "\n", st->fleet_connected, st->fleet_connected_unix);
	for (size_t i = 0; i < st->nifaces; i++) {
		const struct ts_state_iface *f = &st->ifaces[i];

		PUT("iface %s %d %u %d %d %u\n", f->name, f->xdp, f->xdp_mode, f->tc,
		    f->tc_created_qdisc, f->tc_prog_id);
	}
#undef PUT
}

/* Value after "key " up to the end of the line, into dst. */
static void copy_value(char *dst, size_t len, const char *val)
{
	size_t n = strcspn(val, "\n");

	if (n >= len)
		n = len - 1;
	memcpy(dst, val, n);
	dst[n] = '\0';
}

static const char *const reload_names[] = {
	[TS_RELOAD_NONE] = "none", [TS_RELOAD_OK] = "ok",
	[TS_RELOAD_INVALID] = "invalid", [TS_RELOAD_FAILED] = "failed",
};

const char *ts_reload_result_name(enum ts_reload_result r)
{
	return (unsigned)r < sizeof(reload_names) / sizeof(reload_names[0]) ? reload_names[r] : "none";
}

static enum ts_reload_result reload_result_parse(const char *v)
{
	size_t n = strcspn(v, "\n");

	for (unsigned r = 0; r < sizeof(reload_names) / sizeof(reload_names[0]); r++)
		if (strlen(reload_names[r]) == n && !strncmp(v, reload_names[r], n))
			return r;
	return TS_RELOAD_NONE;
}

void ts_state_record_reload(struct ts_loader_state *st, enum ts_reload_result r, const char *why)
{
	size_t len = sizeof(st->reload_error), n = 0;

	st->reloads++;
	st->reload_result = r;
	st->reload_unix = time(NULL);
	for (; why && why[n] && n < len - 1; n++)
		st->reload_error[n] = (unsigned char)why[n] < 0x20 || why[n] == 0x7f ? ' ' : why[n];
	st->reload_error[n] = '\0';
	if (why && why[n])
		memcpy(st->reload_error + len - 4, "...", 4);
}

static void parse_line(struct ts_loader_state *st, const char *line)
{
	const char *sp = strchr(line, ' ');
	const char *v = sp ? sp + 1 : "";
	size_t klen = sp ? (size_t)(sp - line) : strcspn(line, "\n");
	struct ts_state_iface f = { 0 };
	int xdp, tc, created, up;
	unsigned int mode, prog;

#define KEY(k) (klen == sizeof(k) - 1 && !strncmp(line, k, klen))
	if (KEY("policy"))
		copy_value(st->policy, sizeof(st->policy), v);
	else if (KEY("state_dir"))
		copy_value(st->state_dir, sizeof(st->state_dir), v);
	else if (KEY("resolvers"))
		copy_value(st->resolvers, sizeof(st->resolvers), v);
	else if (KEY("dns_listen"))
		copy_value(st->dns_listen, sizeof(st->dns_listen), v);
	else if (KEY("dns_udp_max"))
		st->dns_udp_max = (uint32_t)strtoul(v, NULL, 10);
	else if (KEY("metrics_listen"))
		copy_value(st->metrics_listen, sizeof(st->metrics_listen), v);
	else if (KEY("audit"))
		st->audit = atoi(v) != 0;
	else if (KEY("log_events"))
		st->log_events = atoi(v) != 0;
	else if (KEY("generation"))
		st->generation = strtoull(v, NULL, 10);
	else if (KEY("started"))
		st->started_unix = strtoll(v, NULL, 10);
	else if (KEY("daemon_pid"))
		st->daemon_pid = atoi(v);
	else if (KEY("version"))
		copy_value(st->version, sizeof(st->version), v);
	else if (KEY("policy_sha256"))
		copy_value(st->policy_sha256, sizeof(st->policy_sha256), v);
	else if (KEY("reloads"))
		st->reloads = strtoull(v, NULL, 10);
	else if (KEY("reload_result"))
		st->reload_result = reload_result_parse(v);
	else if (KEY("reload_time"))
		st->reload_unix = strtoll(v, NULL, 10);
	else if (KEY("reload_error"))
		copy_value(st->reload_error, sizeof(st->reload_error), v);
	else if (KEY("fleet"))
		copy_value(st->fleet, sizeof(st->fleet), v);
	else if (KEY("fleet_gateway"))
		copy_value(st->fleet_gateway, sizeof(st->fleet_gateway), v);
	else if (KEY("fleet_revision"))
		st->fleet_revision = strtoll(v, NULL, 10);
	else if (KEY("fleet_connected") && sscanf(v, "%d %" SCNd64, &up, &st->fleet_connected_unix) == 2)
		st->fleet_connected = up != 0;
	else if (KEY("iface") && st->nifaces < TS_STATE_MAX_IFACES &&
		 sscanf(v, "%15s %d %u %d %d %u", f.name, &xdp, &mode, &tc, &created, &prog) == 6) {
		f.xdp = xdp;
		f.xdp_mode = mode;
		f.tc = tc;
		f.tc_created_qdisc = created;
		f.tc_prog_id = prog;
		st->ifaces[st->nifaces++] = f;
	}
#undef KEY
}

int ts_state_load(const char *pin_dir, struct ts_loader_state *st)
{
	char *buf = calloc(1, TS_STATE_BYTES + 1);
	__u32 key = 0;
	int fd, err = 0;

	memset(st, 0, sizeof(*st));
	if (!buf)
		return -ENOMEM;
	fd = open_map(pin_dir, false);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	if (bpf_map_lookup_elem(fd, &key, buf)) {
		err = -errno;
		ts_err("%s/%s: cannot read: %s", pin_dir, TS_STATE_MAP_NAME, strerror(-err));
		goto out;
	}
	for (char *line = buf; *line; ) {
		char *nl = strchr(line, '\n');

		parse_line(st, line);
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!st->policy[0])
		err = -ENOENT; /* never written: up died before saving */
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

int ts_state_save(const char *pin_dir, const struct ts_loader_state *st)
{
	char *buf = calloc(1, TS_STATE_BYTES);
	__u32 key = 0;
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open_map(pin_dir, true);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	format_state(buf, TS_STATE_BYTES, st);
	if (bpf_map_update_elem(fd, &key, buf, BPF_ANY)) {
		err = -errno;
		ts_err("%s/%s: cannot write: %s", pin_dir, TS_STATE_MAP_NAME, strerror(-err));
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

int ts_state_remove(const char *pin_dir)
{
	char path[512];
	int err = state_path(path, sizeof(path), pin_dir);

	if (err)
		return err;
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		ts_err("%s: cannot unpin: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

struct ts_state_iface *ts_state_iface_find(struct ts_loader_state *st, const char *name)
{
	for (size_t i = 0; i < st->nifaces; i++)
		if (!strcmp(st->ifaces[i].name, name))
			return &st->ifaces[i];
	return NULL;
}

struct ts_state_iface *ts_state_iface_get(struct ts_loader_state *st, const char *name)
{
	struct ts_state_iface *f = ts_state_iface_find(st, name);

	if (f || st->nifaces == TS_STATE_MAX_IFACES)
		return f;
	f = &st->ifaces[st->nifaces++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}
