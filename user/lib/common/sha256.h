/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sha256.h - SHA-256 (FIPS 180-4), to name a policy's text by its hash. */
#ifndef TS_COMMON_SHA256_H
#define TS_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct ts_sha256 {
	uint32_t h[8];
	uint64_t len;          /* bytes hashed */
	uint8_t buf[64];
	size_t nbuf;
};

void ts_sha256_init(struct ts_sha256 *s);
void ts_sha256_update(struct ts_sha256 *s, const void *data, size_t len);
/* The digest as 64 lower-case hex digits and a NUL. */
void ts_sha256_hex(struct ts_sha256 *s, char out[65]);

#endif /* TS_COMMON_SHA256_H */
