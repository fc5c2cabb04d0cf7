/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* compiled_hash.h - a digest of every byte a compiled policy owns (the
 * struct, each array it points to, its private index), so a test can
 * show a run left the policy exactly as compiled. */
#ifndef TS_TEST_COMPILED_HASH_H
#define TS_TEST_COMPILED_HASH_H

#include <stdint.h>

#include "policy/compiled.h"

uint64_t compiled_hash(const struct ts_compiled *c);

#endif /* TS_TEST_COMPILED_HASH_H */
