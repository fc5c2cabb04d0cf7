/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* replace_file.h - write a file whole or not at all: into PATH.tmp, then
 * a rename over PATH (a reader sees the old file or the new one). */
#ifndef TS_COMMON_REPLACE_FILE_H
#define TS_COMMON_REPLACE_FILE_H

#include <stdio.h>

/* write() fills the stream (returns 0 or -errno). 0 or -errno; on failure
 * PATH is as it was and no PATH.tmp is left. */
int ts_replace_file(const char *path, int (*write)(FILE *f, void *ctx), void *ctx);

#endif /* TS_COMMON_REPLACE_FILE_H */
