/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * judge.h - explain's verdict from the dataplane's own code: the ts_judge
 * program (bpf/turnstile.bpf.c) loaded against a ts_dp's maps, pinned or
 * private, and run with BPF_PROG_TEST_RUN on a synthesized SYN, UDP
 * datagram or echo request. It makes the call the programs make for an
 * opening packet without flow (tcp_judge, dgram_judge) and writes nothing
 * but the frame, so judging leaves no flow, counter or event behind.
 * Never attached.
 */
#ifndef TS_DP_JUDGE_H
#define TS_DP_JUDGE_H

#include <stdint.h>

#include "policy/compiled.h"
#include "turnstile.h"

struct ts_dp;
struct ts_judge;

/* Loads the program against dp's maps (dp stays the caller's and must
 * outlive the judge). */
int ts_judge_open(struct ts_judge **out, const struct ts_dp *dp);
void ts_judge_close(struct ts_judge *j);

/* The program's answer for the first packet of protocol `proto` from
 * src:sport to dst:dport (host order): a TCP SYN (no ACK), a UDP
 * datagram, or for IPPROTO_ICMP / IPPROTO_ICMPV6 an echo request of the
 * source's family with identifier sport. -EINVAL: families differ, not
 * hosts, another protocol; -EPROTO: the program refused the frame. */
int ts_judge_first(const struct ts_judge *j, uint8_t proto, const struct ts_net *src, uint16_t sport,
		   const struct ts_net *dst, uint16_t dport, struct ts_judge_out *out);

#endif /* TS_DP_JUDGE_H */
