// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* proxy_answer.c - what the DNS proxy takes from a resolver's answer (see
 * ts_proxy_read_answer in proxy.h): the one step between the wire and
 * learning, kept apart so the fuzzer drives exactly what the proxy runs. */
#include <string.h>

#include "names/proxy.h"

enum ts_proxy_refusal ts_proxy_read_answer(const struct ts_dns_query *q, const uint8_t *abuf,
					   size_t alen, struct ts_net *addrs, uint32_t *ttls,
					   size_t cap, struct ts_proxy_answer *a, int *dns_err)
{
	struct ts_dns_answer ans;
	int err = ts_dns_answer_parse(abuf, alen, &ts_dns_limits_default, addrs, ttls, cap, &ans);

	*dns_err = err;
	a->qname = NULL;
	a->addrs = addrs;
	a->ttls = ttls;
	a->n = 0;
	if (err)
		return TS_REFUSED_ANSWER;
	/* c-ares matched the answer to our query; hold it to that on the wire form too. */
	if (!(ans.q.flags & TS_DNS_FLAG_QR) || ans.q.qtype != q->qtype ||
	    ans.q.qclass != q->qclass || ans.q.qname.host != q->qname.host ||
	    ans.q.qname.wire_len != q->qname.wire_len ||
	    (q->qname.host && !ts_dns_name_same_host(&ans.q.qname, &q->qname)))
		return TS_REFUSED_MISMATCH;
	if (!q->qname.host)
		return TS_REFUSED_MAX;
	a->qname = q->qname.text;
	a->n = ans.rcode == TS_DNS_RCODE_NOERROR ? ans.n4 + ans.n6 : 0;
	return TS_REFUSED_MAX;
}
