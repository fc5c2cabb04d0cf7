// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* judge.c - the ts_judge program against a ts_dp's maps (see judge.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include "common/log.h"
#include "dp/dp.h"
#include "dp/judge.h"
#include "policy/net.h"
#include "turnstile.skel.h"

struct ts_judge {
	struct turnstile_bpf *skel;
	int prog_fd;
};

int ts_judge_open(struct ts_judge **out, const struct ts_dp *dp)
{
	struct ts_judge *j = calloc(1, sizeof(*j));
	struct bpf_program *prog;
	struct bpf_map *map;
	int err = -ENOMEM;

	if (!j)
		return err;
	j->skel = turnstile_bpf__open();
	if (!j->skel) {
		err = -errno;
		ts_err("judge: cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	bpf_object__for_each_program(prog, j->skel->obj)
		bpf_program__set_autoload(prog, prog == j->skel->progs.ts_judge);
	/* the dataplane's maps; the program's private ones (scratch, clock) are new */
	bpf_object__for_each_map(map, j->skel->obj) {
		for (int m = 0; m < TS_MAP_COUNT; m++) {
			if (strcmp(bpf_map__name(map), ts_dp_map_name(m)))
				continue;
			err = bpf_map__reuse_fd(map, ts_dp_map_fd(dp, m));
			if (err) {
				ts_err("judge: cannot use map %s: %s", ts_dp_map_name(m), strerror(-err));
				goto fail;
			}
		}
	}
	err = turnstile_bpf__load(j->skel);
	if (err) {
		ts_err("judge: cannot load the judging program: %s", strerror(-err));
		goto fail;
	}
	j->prog_fd = bpf_program__fd(j->skel->progs.ts_judge);
	*out = j;
	return 0;
fail:
	ts_judge_close(j);
	return err;
}

void ts_judge_close(struct ts_judge *j)
{
	if (!j)
		return;
	turnstile_bpf__destroy(j->skel);
	free(j);
}

/* Ethernet, IPv4 or IPv6, then a 20-byte TCP SYN, an 8-byte UDP header
 * or an echo request (identifier sport), then room for the answer (as
 * payload). Checksums are not read by the parser. */
static size_t first_frame(uint8_t *f, uint8_t proto, const struct ts_net *src, uint16_t sport,
			  const struct ts_net *dst, uint16_t dport)
{
	size_t hdr = proto == IPPROTO_TCP ? 20 : 8;
	size_t l3 = ETH_HLEN, l4, l4_len = hdr + sizeof(struct ts_judge_out);
	uint16_t ethertype;
	uint8_t ipproto = proto;

	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		ipproto = src->family == TS_FAMILY_V4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	if (src->family == TS_FAMILY_V4) {
		uint16_t tot = htons(20 + l4_len);

		ethertype = htons(ETH_P_IP);
		f[l3] = 0x45;
		memcpy(f + l3 + 2, &tot, 2);
		f[l3 + 8] = 64;
		f[l3 + 9] = ipproto;
		memcpy(f + l3 + 12, src->addr, 4);
		memcpy(f + l3 + 16, dst->addr, 4);
		l4 = l3 + 20;
	} else {
		uint16_t plen = htons(l4_len);

		ethertype = htons(ETH_P_IPV6);
		f[l3] = 0x60;
		memcpy(f + l3 + 4, &plen, 2);
		f[l3 + 6] = ipproto;
		f[l3 + 7] = 64;
		memcpy(f + l3 + 8, src->addr, 16);
		memcpy(f + l3 + 24, dst->addr, 16);
		l4 = l3 + 40;
	}
	memcpy(f + 12, &ethertype, 2);
	sport = htons(sport);
	dport = htons(dport);
	if (ipproto == IPPROTO_ICMP || ipproto == IPPROTO_ICMPV6) {
		f[l4] = ipproto == IPPROTO_ICMP ? 8 : 128;   /* echo request */
		memcpy(f + l4 + 4, &sport, 2);               /* identifier */
		return l4 + l4_len;
	}
	memcpy(f + l4, &sport, 2);
	memcpy(f + l4 + 2, &dport, 2);
	if (proto == IPPROTO_UDP) {
		uint16_t ulen = htons(l4_len);

		memcpy(f + l4 + 4, &ulen, 2);
		return l4 + l4_len;
	}
	f[l4 + 4] = 0x11;       /* an ISN */
	f[l4 + 12] = 5 << 4;    /* data offset */
	f[l4 + 13] = 0x02;      /* SYN */
	f[l4 + 14] = 0xff;      /* window */
	return l4 + l4_len;
}

int ts_judge_first(const struct ts_judge *j, uint8_t proto, const struct ts_net *src, uint16_t sport,
		   const struct ts_net *dst, uint16_t dport, struct ts_judge_out *out)
{
	uint8_t in[128] = { 0 }, res[128] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = res, .repeat = 1);
	size_t len;

	if (src->family != dst->family || !ts_net_is_host(src) || !ts_net_is_host(dst))
		return -EINVAL;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_ICMP &&
	    proto != IPPROTO_ICMPV6)
		return -EINVAL;
	len = first_frame(in, proto, src, sport, dst, dport);
	o.data_size_in = len;
	o.data_size_out = sizeof(res);
	if (bpf_prog_test_run_opts(j->prog_fd, &o)) {
		int err = -errno;

		ts_err("judge: cannot run the judging program: %s", strerror(-err));
		return err;
	}
	if (o.retval != XDP_PASS || o.data_size_out != len)
		return -EPROTO;
	memcpy(out, res + len - sizeof(*out), sizeof(*out));
	return out->magic == TS_JUDGE_MAGIC ? 0 : -EPROTO;
}
