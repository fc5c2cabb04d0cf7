// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pin.c - pins opened and mapped for reading (see pin.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bpf/bpf.h>

#include "common/pin.h"

#define SNAPSHOT_BATCH 1024u

int ts_pin_get(const char *path)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	int fd = bpf_obj_get(path);

	if (fd >= 0 || (errno != EACCES && errno != EPERM))
		return fd;
	return bpf_obj_get_opts(path, &ro);
}

/* The array's values at the mmap layout (each value at a multiple of its
 * size rounded up to 8 bytes), copied batch by batch. */
static int fill_snapshot(int fd, const struct bpf_map_info *info, uint8_t *mem)
{
	size_t stride = (info->value_size + 7u) & ~(size_t)7;
	uint32_t *keys = calloc(SNAPSHOT_BATCH, sizeof(*keys));
	uint8_t *vals = calloc(SNAPSHOT_BATCH, info->value_size);
	uint32_t in = 0, out = 0;
	bool first = true;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = SNAPSHOT_BATCH;
		int rc = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &count, &opts);

		if (rc && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (uint32_t i = 0; i < count; i++)
			if (keys[i] < info->max_entries)
				memcpy(mem + keys[i] * stride, vals + (size_t)i * info->value_size,
				       info->value_size);
		if (rc)
			break;  /* ENOENT: that was the last batch */
		in = out;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}

void *ts_pin_mmap(int fd, size_t bytes, bool writable)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *mem = mmap(NULL, bytes, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	int err;

	if (mem != MAP_FAILED || writable || errno != EINVAL)
		return mem;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return MAP_FAILED;
	if ((size_t)info.max_entries * ((info.value_size + 7u) & ~7u) > bytes) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return mem;
	err = fill_snapshot(fd, &info, mem);
	if (err || mprotect(mem, bytes, PROT_READ)) {
		err = err ? err : -errno;
		munmap(mem, bytes);
		errno = -err;
		return MAP_FAILED;
	}
	return mem;
}
