// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dnsmsg.c - a bounded reader of DNS messages in wire form (see dnsmsg.h). */
#include <string.h>

#include "names/dnsmsg.h"

const struct ts_dns_limits ts_dns_limits_default = {
	.max_records = 256,
	.max_chain = 8,
	.max_pointers = 16,
};

static const char *const err_names[TS_DNS_E_MAX] = {
	[TS_DNS_OK] = "ok",
	[TS_DNS_E_SHORT] = "short",
	[TS_DNS_E_QDCOUNT] = "qdcount",
	[TS_DNS_E_LABEL_TYPE] = "label-type",
	[TS_DNS_E_NAME_LONG] = "name-long",
	[TS_DNS_E_POINTER] = "pointer",
	[TS_DNS_E_RECORDS] = "records",
	[TS_DNS_E_CHAIN] = "chain",
	[TS_DNS_E_RDATA] = "rdata",
	[TS_DNS_E_OPT] = "opt",
};

const char *ts_dns_err_name(int err)
{
	if (err < 0 || err >= TS_DNS_E_MAX || !err_names[err])
		return "unknown";
	return err_names[err];
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The octets a host name's label may hold; anything else (a dot, a space,
 * NUL, a byte >= 0x80) would need escaping in text, so is never a host. */
static bool host_octet(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static char lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/*
 * The one walk over a name: every structural rule, and on the way, when
 * asked, its text (out) and whether it equals `cmp`, a host name's lower
 * case wire form, label for label (*same). *labels counts its labels.
 */
static int walk_name(const uint8_t *msg, size_t len, size_t *off, unsigned max_pointers,
		     struct ts_dns_name *out, const uint8_t *cmp, bool *same, unsigned *labels)
{
	size_t pos = *off, seg_start = *off, end = 0, tlen = 0;
	unsigned pointers = 0, wire = 1; /* the root octet */
	bool host = out != NULL;

	*labels = 0;
	for (;;) {
		uint8_t b;

		if (pos >= len)
			return TS_DNS_E_SHORT;
		b = msg[pos];
		if ((b & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return TS_DNS_E_SHORT;
			target = (size_t)(b & 0x3f) << 8 | msg[pos + 1];
			/* Strictly before where this segment started: every jump goes
			 * lower, so no loop; never into the header (it holds no name). */
			if (++pointers > max_pointers || target < TS_DNS_HDR || target >= seg_start)
				return TS_DNS_E_POINTER;
			if (!end)
				end = pos + 2;
			pos = seg_start = target;
			continue;
		}
		if (b & 0xc0)
			return TS_DNS_E_LABEL_TYPE;
		/* cmp[wire - 1] is cmp's next length octet: a well-formed name
		 * has it, and its label, while the lengths agreed so far. */
		if (cmp && *same && cmp[wire - 1] != b)
			*same = false;
		if (b == 0) {
			pos++;
			break;
		}
		if (len - pos - 1 < b)
			return TS_DNS_E_SHORT;
		if (wire + 1u + b > TS_DNS_WIRE_MAX)
			return TS_DNS_E_NAME_LONG;
		(*labels)++;
		for (size_t i = 1; cmp && *same && i <= b; i++)
			*same = (uint8_t)lower(msg[pos + i]) == cmp[wire - 1 + i];
		/* wire <= 255 keeps the text <= 253 characters: labels + dots
		 * = wire - 2. */
		for (size_t i = 1; host && i <= b; i++)
			host = host_octet(msg[pos + i]);
		if (host) {
			if (tlen)
				out->text[tlen++] = '.';
			for (size_t i = 1; i <= b; i++)
				out->text[tlen++] = lower(msg[pos + i]);
		}
		wire += 1u + b;
		pos += 1u + b;
	}
	if (out) {
		out->labels = (uint8_t)*labels;
		out->wire_len = (uint16_t)wire;
		out->host = host && *labels > 0;
		out->text[out->host ? tlen : 0] = '\0';
	}
	*off = end ? end : pos;
	return TS_DNS_OK;
}

int ts_dns_read_name(const uint8_t *msg, size_t len, size_t *off, unsigned max_pointers,
		     struct ts_dns_name *out)
{
	unsigned labels;

	return walk_name(msg, len, off, max_pointers, out, NULL, NULL, &labels);
}

bool ts_dns_name_same_host(const struct ts_dns_name *a, const struct ts_dns_name *b)
{
	/* Host labels hold no '.', so equal texts are equal label sequences. */
	return a->host && b->host && a->wire_len == b->wire_len && !strcmp(a->text, b->text);
}

/* A host name's wire form back from its text (lower case, exact). */
static void host_wire(const struct ts_dns_name *n, uint8_t wire[TS_DNS_WIRE_MAX])
{
	size_t w = 0, label = 0;

	for (const char *c = n->text;; c++) {
		if (*c == '.' || *c == '\0') {
			wire[label] = (uint8_t)(w - label);
			w++;
			label = w;
			if (*c == '\0')
				break;
			continue;
		}
		wire[++w] = (uint8_t)*c;
	}
	wire[label] = 0;
}

/* One resource record's fixed part; rdata is msg[rdata, rdata + rdlen). */
struct rr {
	unsigned owner_labels;
	bool owner_same;           /* the owner equals the cmp given to read_rr */
	uint16_t type, rclass;
	uint32_t ttl;
	size_t rdata, rdlen;
};

/* The record at *off; with `cmp` (host_wire), rr->owner_same tells whether
 * its owner is that name. */
static int read_rr(const uint8_t *msg, size_t len, size_t *off, unsigned max_pointers,
		   const uint8_t *cmp, struct rr *rr)
{
	size_t pos = *off;
	int err;

	rr->owner_same = cmp != NULL;
	err = walk_name(msg, len, &pos, max_pointers, NULL, cmp, &rr->owner_same,
			&rr->owner_labels);
	if (err)
		return err;
	if (len - pos < 10)
		return TS_DNS_E_SHORT;
	rr->type = rd16(msg + pos);
	rr->rclass = rd16(msg + pos + 2);
	rr->ttl = rd32(msg + pos + 4);
	rr->rdlen = rd16(msg + pos + 8);
	rr->rdata = pos + 10;
	if (len - rr->rdata < rr->rdlen)
		return TS_DNS_E_SHORT;
	*off = rr->rdata + rr->rdlen;
	return TS_DNS_OK;
}

int ts_dns_query_parse(const uint8_t *msg, size_t len, const struct ts_dns_limits *lim,
		       struct ts_dns_query *q)
{
	size_t off = TS_DNS_HDR;
	unsigned total;
	int err;

	memset(q, 0, sizeof(*q));
	if (len < TS_DNS_HDR)
		return TS_DNS_E_SHORT;
	q->id = rd16(msg);
	q->flags = rd16(msg + 2);
	q->ancount = rd16(msg + 6);
	q->nscount = rd16(msg + 8);
	q->arcount = rd16(msg + 10);
	if (rd16(msg + 4) != 1)
		return TS_DNS_E_QDCOUNT;
	err = ts_dns_read_name(msg, len, &off, lim->max_pointers, &q->qname);
	if (err)
		return err;
	if (len - off < 4)
		return TS_DNS_E_SHORT;
	q->qtype = rd16(msg + off);
	q->qclass = rd16(msg + off + 2);
	q->question_end = off + 4;

	/* Counted before walked: a header cannot make us walk more. */
	total = (unsigned)q->ancount + q->nscount + q->arcount;
	if (total > lim->max_records)
		return TS_DNS_E_RECORDS;
	off = q->question_end;
	for (unsigned i = 0; i < total; i++) {
		bool additional = i >= (unsigned)q->ancount + q->nscount;
		struct rr rr;

		err = read_rr(msg, len, &off, lim->max_pointers, NULL, &rr);
		if (err)
			return err;
		if (rr.type != TS_DNS_TYPE_OPT)
			continue;
		if (!additional || rr.owner_labels || q->edns)
			return TS_DNS_E_OPT;
		q->edns = true;
		q->edns_udp = rr.rclass;
		q->edns_ext_rcode = (uint8_t)(rr.ttl >> 24);
		q->edns_version = (uint8_t)(rr.ttl >> 16);
		q->edns_flags = (uint16_t)rr.ttl;
	}
	return TS_DNS_OK;
}

/* RFC 2181 section 8: a TTL with the top bit set is taken as 0. */
static uint32_t rr_ttl(uint32_t ttl)
{
	return ttl & 0x80000000u ? 0 : ttl;
}

/*
 * The class-IN CNAME of `owner` in the answer section into *target and *ttl.
 * Returns 0 with *found, or an error: two CNAMEs for one name are
 * ambiguous (E_CHAIN); a target that does not fill its rdata is E_RDATA.
 */
static int find_cname(const uint8_t *msg, size_t len, const struct ts_dns_limits *lim,
		      const struct ts_dns_query *q, const struct ts_dns_name *owner,
		      struct ts_dns_name *target, uint32_t *ttl, bool *found)
{
	uint8_t want[TS_DNS_WIRE_MAX];
	size_t off = q->question_end;

	host_wire(owner, want);
	*found = false;
	for (unsigned i = 0; i < q->ancount; i++) {
		struct rr rr;
		size_t pos;
		int err = read_rr(msg, len, &off, lim->max_pointers, want, &rr);

		if (err)
			return err;
		if (rr.type != TS_DNS_TYPE_CNAME || rr.rclass != TS_DNS_CLASS_IN || !rr.owner_same)
			continue;
		if (*found)
			return TS_DNS_E_CHAIN;
		/* The target is read inside its rdata: the message ends there
		 * for it (pointers only go further back). */
		pos = rr.rdata;
		err = ts_dns_read_name(msg, rr.rdata + rr.rdlen, &pos, lim->max_pointers, target);
		if (err)
			return err == TS_DNS_E_SHORT ? TS_DNS_E_RDATA : err;
		if (pos != rr.rdata + rr.rdlen)
			return TS_DNS_E_RDATA;
		*ttl = rr_ttl(rr.ttl);
		*found = true;
	}
	return TS_DNS_OK;
}

static void store_addr(const struct rr *rr, const uint8_t *msg, uint32_t chain_ttl,
		       struct ts_net *addrs, uint32_t *ttls, size_t cap, struct ts_dns_answer *a)
{
	size_t i = a->n4 + a->n6;
	uint32_t ttl = rr_ttl(rr->ttl);
	bool v4 = rr->type == TS_DNS_TYPE_A;

	if (i >= cap) {
		a->dropped++;
		return;
	}
	memset(&addrs[i], 0, sizeof(addrs[i]));
	addrs[i].family = v4 ? TS_FAMILY_V4 : TS_FAMILY_V6;
	addrs[i].plen = v4 ? 32 : 128;
	memcpy(addrs[i].addr, msg + rr->rdata, rr->rdlen);
	ttls[i] = ttl < chain_ttl ? ttl : chain_ttl;
	if (v4)
		a->n4++;
	else
		a->n6++;
}

int ts_dns_answer_parse(const uint8_t *msg, size_t len, const struct ts_dns_limits *lim,
			struct ts_net *addrs, uint32_t *ttls, size_t cap, struct ts_dns_answer *a)
{
	uint32_t chain_ttl = UINT32_MAX;
	uint8_t canon[TS_DNS_WIRE_MAX];
	size_t off;
	int err;

	memset(a, 0, sizeof(*a));
	err = ts_dns_query_parse(msg, len, lim, &a->q);
	if (err)
		return err;
	a->rcode = (uint8_t)(a->q.flags & 0xf);
	a->tc = a->q.flags & TS_DNS_FLAG_TC;
	a->canon = a->q.qname;

	/* Follow the chain from the question name; a non-host name ends it
	 * with no address (it can never be the owner of one we take). */
	while (a->canon.host) {
		struct ts_dns_name target;
		uint32_t ttl;
		bool found;

		err = find_cname(msg, len, lim, &a->q, &a->canon, &target, &ttl, &found);
		if (err)
			return err;
		if (!found)
			break;
		if (a->chain >= lim->max_chain)
			return TS_DNS_E_CHAIN;
		a->chain++;
		a->canon = target;
		if (ttl < chain_ttl)
			chain_ttl = ttl;
	}
	if (!a->canon.host)
		return TS_DNS_OK;

	host_wire(&a->canon, canon);
	off = a->q.question_end;
	for (unsigned i = 0; i < a->q.ancount; i++) {
		struct rr rr;

		err = read_rr(msg, len, &off, lim->max_pointers, canon, &rr);
		if (err)
			return err;
		if (rr.rclass != TS_DNS_CLASS_IN || !rr.owner_same ||
		    !((rr.type == TS_DNS_TYPE_A && rr.rdlen == 4) ||
		      (rr.type == TS_DNS_TYPE_AAAA && rr.rdlen == 16)))
			continue;
		store_addr(&rr, msg, chain_ttl, addrs, ttls, cap, a);
	}
	return TS_DNS_OK;
}
