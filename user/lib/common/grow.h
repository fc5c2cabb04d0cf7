/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* grow.h - growable arrays: the project's one doubling realloc. */
#ifndef TS_COMMON_GROW_H
#define TS_COMMON_GROW_H

#include <stddef.h>

/* Makes room for element `n` of the array *v (elements of `size` bytes,
 * *alloc allocated), doubling from 16. 0, or -ENOMEM with *v unchanged. */
int ts_grow(void **v, size_t *alloc, size_t n, size_t size);

/* Appends a copy of `s` to the string array *v of *n; returns the copy or
 * NULL (ENOMEM, nothing appended). */
char *ts_strv_push(char ***v, size_t *n, const char *s);

#endif /* TS_COMMON_GROW_H */
