// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_dns.c - libFuzzer target: any bytes through the DNS wire reader
 * (user/lib/names/dnsmsg.c) under ASan and UBSan.
 *
 * The first input byte picks a sub-target (targets[] below; add one there
 * to drive more of the DNS path), the rest is the message, at the very end
 * of libFuzzer's buffer so that any read past it is an ASan report.
 *
 * What the parser returns is checked against a reference model written
 * differently: it decompresses names leniently (any pointer inside the
 * message, up to 255 hops, no length limit), so whenever the parser
 * accepts a message the model reads the same names, and:
 *  - every name the parser walked kept the rules: pointers into the body,
 *    each before where the previous part began, at most max_pointers,
 *    at most 255 octets; no more records than max_records;
 *  - the question and the chain's end equal the model's, label for label;
 *    a host name's text re-validates (labels 1-63 of [a-z0-9_-], <= 253);
 *  - the chain is the model's: one class-IN CNAME per step from the
 *    question name, no more than the limit, stopping at a non-host name;
 *  - the addresses are exactly the model's class-IN A/AAAA records owned
 *    by the chain's end (none unless it is a host name), in order, with
 *    TTL min(record, chain) and the overflow counted, never over cap;
 *  - the OPT record is the model's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names/dnsmsg.h"

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "fuzz_dns: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* ---- the reference model --------------------------------------------------- */

#define REF_WIRE 4096 /* lenient: longer than any name the parser accepts */

struct ref_name {
	uint8_t wire[REF_WIRE]; /* uncompressed, ASCII lower case, root octet included */
	size_t wlen;
	unsigned labels;
	unsigned hops;          /* pointers followed */
	bool backwards;         /* each one to the body, before where the previous part began */
};

/* Follows any pointer inside the message (at most 255), any length, and
 * notes whether the rules the parser must enforce held. */
static bool ref_read_name(const uint8_t *msg, size_t len, size_t *off, struct ref_name *n)
{
	size_t pos = *off, after = 0, part = *off;

	n->wlen = 0;
	n->labels = 0;
	n->hops = 0;
	n->backwards = true;
	for (;;) {
		if (pos >= len)
			return false;
		uint8_t b = msg[pos];

		if (b >= 0xc0) {
			if (pos + 2 > len || ++n->hops > 255)
				return false;
			if (!after)
				after = pos + 2;
			pos = ((size_t)(b & 0x3f) << 8) + msg[pos + 1];
			if (pos >= part || pos < 12)
				n->backwards = false;
			part = pos;
			continue;
		}
		if (b >= 0x40)
			return false;
		if (pos + 1 + b > len || n->wlen + 1 + b >= REF_WIRE)
			return false;
		n->wire[n->wlen++] = b;
		for (unsigned i = 0; i < b; i++) {
			uint8_t c = msg[pos + 1 + i];

			n->wire[n->wlen++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
		}
		pos += 1 + (size_t)b;
		if (!b)
			break;
		n->labels++;
	}
	*off = after ? after : pos;
	return true;
}

/* Its text when every label holds only [a-z0-9_-] (lower case already). */
static bool ref_host_text(const struct ref_name *n, char *text, size_t size)
{
	size_t t = 0;

	if (!n->labels)
		return false;
	for (size_t i = 0; n->wire[i]; i += 1 + n->wire[i]) {
		if (t)
			text[t++] = '.';
		for (size_t j = 1; j <= n->wire[i]; j++) {
			uint8_t c = n->wire[i + j];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return false;
			if (t + 2 > size)
				return false;
			text[t++] = (char)c;
		}
	}
	text[t] = '\0';
	return true;
}

static bool ref_same(const struct ref_name *a, const struct ref_name *b)
{
	return a->wlen == b->wlen && !memcmp(a->wire, b->wire, a->wlen);
}

struct ref_rr {
	size_t owner_off;          /* re-read on demand: names are big */
	uint16_t type, rclass;
	uint32_t ttl;
	size_t rdata, rdlen;
	int section;               /* 0 answer, 1 authority, 2 additional */
};

#define REF_MAX_RR 1024
struct ref_msg {
	struct ref_name qname;
	size_t question_end;
	struct ref_rr rr[REF_MAX_RR];
	size_t nrr;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The whole message as the model reads it; false if it cannot. */
static bool ref_parse(const uint8_t *msg, size_t len, struct ref_msg *m)
{
	size_t off = 12, counts[3];

	if (len < 12)
		return false;
	counts[0] = be16(msg + 6);
	counts[1] = be16(msg + 8);
	counts[2] = be16(msg + 10);
	if (!ref_read_name(msg, len, &off, &m->qname) || off + 4 > len)
		return false;
	m->question_end = off + 4;
	off = m->question_end;
	m->nrr = 0;
	for (int s = 0; s < 3; s++) {
		for (size_t i = 0; i < counts[s]; i++) {
			struct ref_rr *r;
			struct ref_name owner;

			if (m->nrr == REF_MAX_RR)
				return false;
			r = &m->rr[m->nrr++];
			r->owner_off = off;
			if (!ref_read_name(msg, len, &off, &owner) || off + 10 > len)
				return false;
			r->type = be16(msg + off);
			r->rclass = be16(msg + off + 2);
			r->ttl = (uint32_t)be16(msg + off + 4) << 16 | be16(msg + off + 6);
			r->rdlen = be16(msg + off + 8);
			r->rdata = off + 10;
			r->section = s;
			if (r->rdata + r->rdlen > len)
				return false;
			off = r->rdata + r->rdlen;
		}
	}
	return true;
}

static struct ref_name scratch_owner;

static const struct ref_name *ref_owner(const uint8_t *msg, size_t len, const struct ref_rr *r)
{
	size_t off = r->owner_off;

	CHECK(ref_read_name(msg, len, &off, &scratch_owner));
	return &scratch_owner;
}

/* A name the parser accepted kept its rules. */
static void check_rules(const struct ref_name *n, unsigned max_pointers)
{
	CHECK(n->backwards);
	CHECK(n->hops <= max_pointers);
	CHECK(n->wlen <= 255);
}

/* A parsed name equals the model's, label for label. */
static void check_name(const struct ts_dns_name *got, const struct ref_name *want,
		       unsigned max_pointers)
{
	char text[TS_DNS_NAME_TEXT + 8];
	bool host = ref_host_text(want, text, sizeof(text));

	check_rules(want, max_pointers);
	CHECK(got->wire_len == want->wlen && got->wire_len <= 255);
	CHECK(got->labels == want->labels);
	CHECK(got->host == host);
	if (!host) {
		CHECK(got->text[0] == '\0');
		return;
	}
	CHECK(!strcmp(got->text, text));
	/* And on its own: labels 1-63 of the allowed bytes, at most 253. */
	size_t tl = strlen(got->text), label = 0;
	unsigned labels = 1;
	CHECK(tl >= 1 && tl <= 253);
	for (size_t i = 0; i < tl; i++) {
		char c = got->text[i];

		if (c == '.') {
			CHECK(label >= 1 && label <= 63);
			label = 0;
			labels++;
			continue;
		}
		CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
		label++;
	}
	CHECK(label >= 1 && label <= 63 && labels == got->labels);
}

static struct ref_msg ref;

static void check_query(const uint8_t *msg, size_t len, const struct ts_dns_limits *lim,
			const struct ts_dns_query *q)
{
	const struct ref_rr *opt = NULL;

	CHECK(ref_parse(msg, len, &ref));
	CHECK(be16(msg + 4) == 1);
	CHECK(ref.nrr <= lim->max_records);
	check_name(&q->qname, &ref.qname, lim->max_pointers);
	CHECK(q->question_end == ref.question_end);
	CHECK(q->qtype == be16(msg + ref.question_end - 4));
	CHECK(q->qclass == be16(msg + ref.question_end - 2));
	for (size_t i = 0; i < ref.nrr; i++) {
		check_rules(ref_owner(msg, len, &ref.rr[i]), lim->max_pointers);
		if (ref.rr[i].type == TS_DNS_TYPE_OPT) {
			CHECK(!opt && ref.rr[i].section == 2);
			CHECK(ref_owner(msg, len, &ref.rr[i])->labels == 0);
			opt = &ref.rr[i];
		}
	}
	CHECK(q->edns == !!opt);
	if (opt) {
		CHECK(q->edns_udp == opt->rclass);
		CHECK(q->edns_version == (uint8_t)(opt->ttl >> 16));
		CHECK(q->edns_ext_rcode == (uint8_t)(opt->ttl >> 24));
	}
}

static uint32_t ttl_of(uint32_t t)
{
	return t >> 31 ? 0 : t;
}

static struct ref_name chain_cur, chain_next;

static void check_answer(const uint8_t *msg, size_t len, const struct ts_dns_limits *lim,
			 const struct ts_net *addrs, const uint32_t *ttls, size_t cap,
			 const struct ts_dns_answer *a)
{
	char text[TS_DNS_NAME_TEXT + 8];
	uint32_t chain_ttl = UINT32_MAX;
	unsigned steps = 0;
	size_t stored = 0, total = 0;

	check_query(msg, len, lim, &a->q);
	CHECK(a->rcode == (a->q.flags & 0xf));
	CHECK(a->tc == !!(a->q.flags & TS_DNS_FLAG_TC));

	/* The chain, one class-IN CNAME per step. */
	chain_cur = ref.qname;
	while (ref_host_text(&chain_cur, text, sizeof(text))) {
		const struct ref_rr *cname = NULL;

		for (size_t i = 0; i < ref.nrr; i++) {
			const struct ref_rr *r = &ref.rr[i];

			if (r->section || r->type != TS_DNS_TYPE_CNAME ||
			    r->rclass != TS_DNS_CLASS_IN || !ref_same(ref_owner(msg, len, r), &chain_cur))
				continue;
			CHECK(!cname); /* two would be ambiguous: the parser refuses */
			cname = r;
		}
		if (!cname)
			break;
		size_t off = cname->rdata;
		CHECK(ref_read_name(msg, len, &off, &chain_next));
		check_rules(&chain_next, lim->max_pointers);
		CHECK(off == cname->rdata + cname->rdlen);
		CHECK(++steps <= lim->max_chain);
		if (ttl_of(cname->ttl) < chain_ttl)
			chain_ttl = ttl_of(cname->ttl);
		chain_cur = chain_next;
	}
	CHECK(a->chain == steps);
	check_name(&a->canon, &chain_cur, lim->max_pointers);

	/* The addresses: exactly the records of the chain's end. */
	CHECK(a->n4 + a->n6 <= cap);
	if (a->n4 + a->n6)
		CHECK(a->canon.host);
	if (a->canon.host) {
		for (size_t i = 0; i < ref.nrr; i++) {
			const struct ref_rr *r = &ref.rr[i];
			bool v4 = r->type == TS_DNS_TYPE_A && r->rdlen == 4;
			bool v6 = r->type == TS_DNS_TYPE_AAAA && r->rdlen == 16;
			uint32_t ttl;

			if (r->section || r->rclass != TS_DNS_CLASS_IN || !(v4 || v6) ||
			    !ref_same(ref_owner(msg, len, r), &chain_cur))
				continue;
			total++;
			if (stored == cap)
				continue;
			CHECK(stored < a->n4 + a->n6);
			CHECK(addrs[stored].family == (v4 ? TS_FAMILY_V4 : TS_FAMILY_V6));
			CHECK(addrs[stored].plen == (v4 ? 32 : 128));
			CHECK(!memcmp(addrs[stored].addr, msg + r->rdata, r->rdlen));
			ttl = ttl_of(r->ttl);
			CHECK(ttls[stored] == (ttl < chain_ttl ? ttl : chain_ttl));
			stored++;
		}
	}
	CHECK(stored == a->n4 + a->n6);
	CHECK(a->dropped == total - stored);
	size_t n4 = 0;
	for (size_t i = 0; i < stored; i++)
		n4 += addrs[i].family == TS_FAMILY_V4;
	CHECK(n4 == a->n4);
}

/* ---- sub-targets ------------------------------------------------------------- */

static const struct ts_dns_limits tight = { .max_records = 4, .max_chain = 1, .max_pointers = 2 };

#define MAX_CAP 64
static struct ts_net addrs[MAX_CAP];
static uint32_t ttls[MAX_CAP];

static void parse_both(const uint8_t *msg, size_t len, const struct ts_dns_limits *lim,
		       size_t cap)
{
	struct ts_dns_query q;
	struct ts_dns_answer a;
	int qerr, aerr;

	qerr = ts_dns_query_parse(msg, len, lim, &q);
	CHECK(qerr >= 0 && qerr < TS_DNS_E_MAX);
	if (!qerr)
		check_query(msg, len, lim, &q);

	aerr = ts_dns_answer_parse(msg, len, lim, addrs, ttls, cap, &a);
	CHECK(aerr >= 0 && aerr < TS_DNS_E_MAX);
	/* The answer reads the query first: the same verdict, or a later one. */
	CHECK(!qerr || aerr == qerr);
	if (!aerr)
		check_answer(msg, len, lim, addrs, ttls, cap, &a);
}

static void fuzz_default(const uint8_t *msg, size_t len)
{
	parse_both(msg, len, &ts_dns_limits_default, MAX_CAP);
}

static void fuzz_tight(const uint8_t *msg, size_t len)
{
	parse_both(msg, len, &tight, 2);
}

/* One name read at an offset the input picks (its first two bytes). */
static void fuzz_read_name(const uint8_t *msg, size_t len)
{
	struct ts_dns_name n;
	struct ref_name r;
	size_t off, roff;

	if (len < 2)
		return;
	off = roff = (size_t)be16(msg) % (len + 1);
	if (ts_dns_read_name(msg, len, &off, 16, &n))
		return;
	CHECK(off > roff && off <= len);
	CHECK(ref_read_name(msg, len, &roff, &r) && roff == off);
	check_name(&n, &r, 16);
}

static const struct {
	const char *name;
	void (*run)(const uint8_t *msg, size_t len);
} targets[] = {
	{ "default-limits", fuzz_default },
	{ "tight-limits", fuzz_tight },
	{ "read-name", fuzz_read_name },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	targets[data[0] % (sizeof(targets) / sizeof(targets[0]))].run(data + 1, size - 1);
	return 0;
}
