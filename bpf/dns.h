/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dns.h - the DNS pass rule: DNS to and from the loader's resolvers
 * passes (docs/dataplane.md). */
#ifndef TS_BPF_DNS_H
#define TS_BPF_DNS_H

#include "maps.h"
#include "parse.h"
#include "run.h"
#include "policy.h"

#define TS_DNS_PORT 53

/* DNS with the loader's resolvers passes. A TCP SYN without ACK counts only
 * on its way *to* a resolver: one from a resolver's port 53 would open a
 * connection the policy never judged. A global function, called only for
 * a packet to or from port 53: verified once, its host lookups do not
 * multiply the verifier's walk of what follows. */
__noinline int ts_dns_to_resolver(const struct ts_pkt *p, __u32 slot, __u32 opening)
{
	struct ts_run r = {};

	r.cfg = bpf_map_lookup_elem(&ts_config, (void *)&ts_key_zero);
	if (!p || !r.cfg)
		return 0;
	r.slot = slot & 1;
	if (p->dport == bpf_htons(TS_DNS_PORT) && is_resolver(&r, p->family, p->daddr))
		return 1;
	return !opening && p->sport == bpf_htons(TS_DNS_PORT) && is_resolver(&r, p->family, p->saddr);
}

static __always_inline bool dns_to_resolver(const struct ts_run *r, const struct ts_pkt *p,
					    bool opening)
{
	if (p->dport != bpf_htons(TS_DNS_PORT) && (opening || p->sport != bpf_htons(TS_DNS_PORT)))
		return false;
	return ts_dns_to_resolver(p, r->slot, opening);
}

#endif /* TS_BPF_DNS_H */
