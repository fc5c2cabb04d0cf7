/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * b64.h - standard base64 (RFC 4648, padded), as etcd's JSON gateway
 * carries keys and values.
 */
#ifndef TS_FLEET_B64_H
#define TS_FLEET_B64_H

#include <stddef.h>

/* Bytes base64 text of n bytes takes, with its NUL. */
#define TS_B64_LEN(n) ((((n) + 2) / 3) * 4 + 1)

/* Encodes n bytes into out (TS_B64_LEN(n) bytes), NUL-terminated. */
void ts_b64_encode(const void *in, size_t n, char *out);

/*
 * Decodes len characters of padded base64 into out (room for cap bytes)
 * and NUL-terminates it (so cap must leave one byte more). Returns the
 * decoded length, or -EINVAL (not base64) / -E2BIG (more than cap - 1).
 */
long ts_b64_decode(const char *in, size_t len, char *out, size_t cap);

#endif /* TS_FLEET_B64_H */
