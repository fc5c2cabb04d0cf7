// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dp_harness.c - the dataplane tests' harness (selftests/dp: an unpinned
 * ts_dp filled by the product's compiler and installer, frames run with
 * BPF_PROG_TEST_RUN), compiled into this area too rather than copied.
 */
#include "../dp/pkt.c"
#include "../dp/dpt.c"
