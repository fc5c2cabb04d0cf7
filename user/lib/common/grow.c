// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"

int ts_grow(void **v, size_t *alloc, size_t n, size_t size)
{
	size_t want;
	void *nv;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 16;
	if (want < n + 1)
		want = n + 1;
	if (want > SIZE_MAX / size)
		return -ENOMEM;
	nv = realloc(*v, want * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*alloc = want;
	return 0;
}

char *ts_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	char *copy;

	if (!nv)
		return NULL;
	*v = nv;
	copy = strdup(s);
	if (copy)
		nv[(*n)++] = copy;
	return copy;
}
