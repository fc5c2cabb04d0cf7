// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Placeholder until the dataplane lands (issue 3). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "turnstile.h"

SEC("xdp")
int ts_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
