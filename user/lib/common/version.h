/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* version.h - the version of this build ("0.1-<commit>[-dirty]", Makefile). */
#ifndef TS_COMMON_VERSION_H
#define TS_COMMON_VERSION_H

const char *ts_version(void);

#endif /* TS_COMMON_VERSION_H */
