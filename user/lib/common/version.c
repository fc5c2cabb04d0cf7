// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* version.c - the build's version, from the generated ts_version.h. */
#include "common/version.h"
#include "ts_version.h"

const char *ts_version(void)
{
	return TS_VERSION;
}
