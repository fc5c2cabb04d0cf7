// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_dnsmsg.c - the DNS wire reader (user/lib/names/dnsmsg.c) on
 * hand-built messages: names decided label by label (never cut), every
 * bound, the CNAME chain and what is taken from an answer.
 */
#include <stdio.h>
#include <string.h>

#include "names/dnsmsg.h"
#include "testlib.h"

/* ---- building messages -------------------------------------------------- */

struct msg {
	uint8_t b[8192];
	size_t n;
};

static void put8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

static void put_bytes(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* One label of raw octets (any bytes, any length byte). */
static void put_label(struct msg *m, const void *p, size_t n)
{
	put8(m, (uint8_t)n);
	put_bytes(m, p, n);
}

/* Labels of a dotted text without the root octet ("" = none). */
static void put_labels(struct msg *m, const char *dotted)
{
	while (*dotted) {
		const char *dot = strchr(dotted, '.');
		size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);

		put_label(m, dotted, n);
		dotted += n + (dot ? 1 : 0);
	}
}

/* A whole uncompressed name; returns where it starts. */
static size_t put_name(struct msg *m, const char *dotted)
{
	size_t at = m->n;

	put_labels(m, dotted);
	put8(m, 0);
	return at;
}

static void put_ptr(struct msg *m, size_t target)
{
	put16(m, (uint16_t)(0xc000 | target));
}

static void hdr(struct msg *m, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
		uint16_t ar)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* Header + the question `qname` (type A): the name starts at offset 12. */
static void query(struct msg *m, uint16_t flags, const char *qname, uint16_t an, uint16_t ar)
{
	hdr(m, flags, 1, an, 0, ar);
	put_name(m, qname);
	put16(m, TS_DNS_TYPE_A);
	put16(m, TS_DNS_CLASS_IN);
}

/* The fixed part and rdata of a record whose owner was just written. */
static void rr_tail(struct msg *m, uint16_t type, uint16_t rclass, uint32_t ttl, const void *rdata,
		    uint16_t rdlen)
{
	put16(m, type);
	put16(m, rclass);
	put32(m, ttl);
	put16(m, rdlen);
	put_bytes(m, rdata, rdlen);
}

static void rr_a(struct msg *m, const char *owner, uint32_t ttl, uint8_t last)
{
	uint8_t a[4] = { 192, 0, 2, last };

	put_name(m, owner);
	rr_tail(m, TS_DNS_TYPE_A, TS_DNS_CLASS_IN, ttl, a, 4);
}

static void rr_aaaa(struct msg *m, const char *owner, uint32_t ttl, uint8_t last)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = last };

	put_name(m, owner);
	rr_tail(m, TS_DNS_TYPE_AAAA, TS_DNS_CLASS_IN, ttl, a, 16);
}

static void rr_cname(struct msg *m, const char *owner, uint32_t ttl, const char *target)
{
	struct msg t = { .n = 0 };

	put_name(&t, target);
	put_name(m, owner);
	rr_tail(m, TS_DNS_TYPE_CNAME, TS_DNS_CLASS_IN, ttl, t.b, (uint16_t)t.n);
}

static void rr_opt(struct msg *m, uint16_t udp, uint8_t ext_rcode, uint8_t version, uint16_t fl)
{
	put8(m, 0);
	rr_tail(m, TS_DNS_TYPE_OPT, udp, (uint32_t)ext_rcode << 24 | (uint32_t)version << 16 | fl,
		NULL, 0);
}

/* ---- parsing helpers ----------------------------------------------------- */

#define CAP 8
static struct ts_net addrs[CAP];
static uint32_t ttls[CAP];
static struct ts_dns_answer ans;

static int answer(const struct msg *m)
{
	return ts_dns_answer_parse(m->b, m->n, &ts_dns_limits_default, addrs, ttls, CAP, &ans);
}

static int answer_lim(const struct msg *m, const struct ts_dns_limits *lim, size_t cap)
{
	return ts_dns_answer_parse(m->b, m->n, lim, addrs, ttls, cap, &ans);
}

/* A name read on its own, at `off` of m. */
static int name_at(const struct msg *m, size_t off, unsigned max_pointers,
		   struct ts_dns_name *out, size_t *end)
{
	*end = off;
	return ts_dns_read_name(m->b, m->n, end, max_pointers, out);
}

/* A message holding only a 12-byte header before the names under test. */
static void names_msg(struct msg *m)
{
	memset(m, 0, sizeof(*m));
	m->n = TS_DNS_HDR;
}

static size_t naddrs(void)
{
	return ans.n4 + ans.n6;
}

/* ---- the attack and host names ----------------------------------------- */

static void test_long_label_attack(void)
{
	struct msg m;
	uint8_t label[61];
	struct ts_dns_query q;
	int err;

	/* A first label that a text form would grow (\001 -> "\\001") and a
	 * fixed buffer would cut so that the text ends in "blob.test". */
	label[0] = 1;
	memset(label + 1, 'a', sizeof(label) - 1);
	hdr(&m, 0x0100, 1, 0, 0, 0);
	put_label(&m, label, sizeof(label));
	put_name(&m, "blob.test.evil.test");
	put16(&m, TS_DNS_TYPE_A);
	put16(&m, TS_DNS_CLASS_IN);
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == 0, "query: %s", ts_dns_err_name(err));
	TS_CHECK(!q.qname.host, "a label with \\001 taken as a host name");
	TS_CHECK(q.qname.text[0] == '\0', "non-host text \"%s\"", q.qname.text);
	TS_CHECK(q.qname.labels == 5, "%u labels, want 5", q.qname.labels);
	TS_CHECK(q.qname.wire_len == 1 + 61 + 20 + 1, "wire length %u", q.qname.wire_len);

	/* The answer from the attacker's zone gives no address. */
	m.b[7] = 1; /* ancount */
	put_ptr(&m, TS_DNS_HDR);
	rr_tail(&m, TS_DNS_TYPE_A, TS_DNS_CLASS_IN, 60, (uint8_t[]){ 203, 0, 113, 66 }, 4);
	err = answer(&m);
	TS_CHECK(err == 0, "answer: %s", ts_dns_err_name(err));
	TS_CHECK(naddrs() == 0, "%zu addresses taken for a non-host name", naddrs());
	TS_CHECK(!ans.canon.host, "canon is a host name");
	size_t tl = strlen(ans.canon.text);
	TS_CHECK(tl < 9 || strcmp(ans.canon.text + tl - 9, "blob.test"),
		 "text ends in blob.test: \"%s\"", ans.canon.text);
}

static void test_host_name_bytes(void)
{
	static const struct {
		const char *label;
		size_t n;
	} bad[] = {
		{ "a b", 3 }, { "a.b", 3 }, { "a\0b", 3 }, { "\x80x", 2 }, { "*", 1 },
		{ "a\\b", 3 }, { "a\"", 2 }, { "\xff", 1 }, { "a\n", 2 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct msg m;
		struct ts_dns_name nm;
		size_t end;
		int err;

		names_msg(&m);
		put_label(&m, bad[i].label, bad[i].n);
		put_name(&m, "blob.test");
		err = name_at(&m, TS_DNS_HDR, 16, &nm, &end);
		TS_CHECK(err == 0, "label %zu: %s", i, ts_dns_err_name(err));
		TS_CHECK(!nm.host && !nm.text[0], "label %zu taken as host \"%s\"", i, nm.text);
		TS_CHECK(nm.labels == 3 && end == m.n, "label %zu: %u labels, end %zu of %zu", i,
			 nm.labels, end, m.n);
	}

	/* Letters, digits, '-' and '_', any case: a host, folded. */
	struct msg m;
	struct ts_dns_name nm;
	size_t end;

	names_msg(&m);
	put_name(&m, "_Acme-1.EXAMPLE.test");
	TS_CHECK(name_at(&m, TS_DNS_HDR, 16, &nm, &end) == 0 && nm.host, "host name refused");
	TS_CHECK(!strcmp(nm.text, "_acme-1.example.test"), "text \"%s\"", nm.text);

	/* The root is a valid name but not a host. */
	names_msg(&m);
	put_name(&m, "");
	TS_CHECK(name_at(&m, TS_DNS_HDR, 16, &nm, &end) == 0, "root refused");
	TS_CHECK(!nm.host && nm.labels == 0 && nm.wire_len == 1 && end == TS_DNS_HDR + 1,
		 "root: host %d labels %u wire %u", nm.host, nm.labels, nm.wire_len);
}

static void test_label_lengths(void)
{
	char l63[64], l64[65];
	struct msg m;
	struct ts_dns_name nm;
	size_t end;
	int err;

	memset(l63, 'x', 63);
	l63[63] = '\0';
	memset(l64, 'y', 64);
	l64[64] = '\0';

	names_msg(&m);
	put_label(&m, l63, 63);
	put_name(&m, "test");
	err = name_at(&m, TS_DNS_HDR, 16, &nm, &end);
	TS_CHECK(err == 0 && nm.host, "63-octet label: %s host %d", ts_dns_err_name(err), nm.host);
	TS_CHECK(strlen(nm.text) == 63 + 5 && !strncmp(nm.text, l63, 63), "text \"%s\"", nm.text);

	/* 64 is the length byte 0x40: an extended label type, refused. */
	names_msg(&m);
	put_label(&m, l64, 64);
	put_name(&m, "test");
	err = name_at(&m, TS_DNS_HDR, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_LABEL_TYPE, "64-octet label: %s", ts_dns_err_name(err));
	TS_CHECK(end == TS_DNS_HDR, "offset moved on error");

	names_msg(&m);
	put8(&m, 0x80);
	err = name_at(&m, TS_DNS_HDR, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_LABEL_TYPE, "0x80 label: %s", ts_dns_err_name(err));
}

/* Labels of 63, 63, 63 and `last` octets: wire 193 + last + 1 + 1. */
static void put_long_name(struct msg *m, size_t last)
{
	char l[64];

	memset(l, 'a', sizeof(l));
	for (int i = 0; i < 3; i++) {
		l[0] = (char)('a' + i);
		put_label(m, l, 63);
	}
	put_label(m, l, last);
	put8(m, 0);
}

static void test_name_lengths(void)
{
	struct msg m;
	struct ts_dns_name nm;
	size_t end;
	int err;

	names_msg(&m);
	put_long_name(&m, 61); /* 3 * 64 + 62 + 1 = 255 */
	err = name_at(&m, TS_DNS_HDR, 16, &nm, &end);
	TS_CHECK(err == 0 && nm.host, "255-octet name: %s", ts_dns_err_name(err));
	TS_CHECK(nm.wire_len == 255 && strlen(nm.text) == 253, "wire %u, text %zu characters",
		 nm.wire_len, strlen(nm.text));

	names_msg(&m);
	put_long_name(&m, 62);
	err = name_at(&m, TS_DNS_HDR, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_NAME_LONG, "256-octet name: %s", ts_dns_err_name(err));

	/* Refused in a query too, never shortened to a prefix. */
	hdr(&m, 0x0100, 1, 0, 0, 0);
	put_long_name(&m, 62);
	put16(&m, TS_DNS_TYPE_A);
	put16(&m, TS_DNS_CLASS_IN);
	struct ts_dns_query q;
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == TS_DNS_E_NAME_LONG, "query with a 256-octet name: %s", ts_dns_err_name(err));

	/* Through compression: 255 in total is fine, 256 is not. */
	for (size_t last = 61; last <= 62; last++) {
		size_t tail;

		names_msg(&m);
		tail = m.n;
		put_name(&m, "test"); /* 6 octets */
		size_t start = m.n;
		char l[64];
		memset(l, 'q', sizeof(l));
		put_label(&m, l, 63);
		put_label(&m, l, 63);
		put_label(&m, l, 63);
		put_label(&m, l, last - 5);
		put_ptr(&m, tail);
		err = name_at(&m, start, 16, &nm, &end);
		if (last == 61)
			TS_CHECK(err == 0 && nm.wire_len == 255 && end == m.n,
				 "compressed 255: %s wire %u", ts_dns_err_name(err), nm.wire_len);
		else
			TS_CHECK(err == TS_DNS_E_NAME_LONG, "compressed 256: %s",
				 ts_dns_err_name(err));
	}
}

/* ---- compression pointers ------------------------------------------------ */

static void test_pointers(void)
{
	struct msg m;
	struct ts_dns_name nm;
	size_t end, a, b;
	int err;

	/* Backwards: fine, and the offset after is just past the pointer. */
	names_msg(&m);
	a = put_name(&m, "example.test");
	b = m.n;
	put_labels(&m, "WWW");
	put_ptr(&m, a);
	put8(&m, 0xee); /* what follows the name */
	err = name_at(&m, b, 16, &nm, &end);
	TS_CHECK(err == 0 && !strcmp(nm.text, "www.example.test"), "compressed: %s \"%s\"",
		 ts_dns_err_name(err), nm.text);
	TS_CHECK(end == b + 6, "end %zu, want %zu", end, b + 6);
	TS_CHECK(nm.wire_len == 18 && nm.labels == 3, "wire %u labels %u", nm.wire_len, nm.labels);

	/* A pointer to itself. */
	names_msg(&m);
	a = m.n;
	put_ptr(&m, a);
	err = name_at(&m, a, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_POINTER, "self pointer: %s", ts_dns_err_name(err));

	/* A label then a pointer back to that label: a loop through an
	 * earlier offset than the pointer itself. */
	names_msg(&m);
	a = m.n;
	put_labels(&m, "x");
	put_ptr(&m, a);
	err = name_at(&m, a, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_POINTER, "label loop: %s", ts_dns_err_name(err));

	/* Two names pointing at each other: the second jump goes forward. */
	names_msg(&m);
	a = m.n;
	put_labels(&m, "p");
	put_ptr(&m, a + 4); /* forward, to b */
	b = m.n;
	put_labels(&m, "q");
	put_ptr(&m, a);
	err = name_at(&m, b, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_POINTER, "mutual loop from b: %s", ts_dns_err_name(err));
	err = name_at(&m, a, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_POINTER, "forward pointer: %s", ts_dns_err_name(err));

	/* Forward to a well-formed name: refused though it ends. */
	names_msg(&m);
	a = m.n;
	put_labels(&m, "www");
	put_ptr(&m, a + 6);
	put_name(&m, "example.test");
	err = name_at(&m, a, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_POINTER, "forward pointer to a name: %s", ts_dns_err_name(err));

	/* Into the header. */
	names_msg(&m);
	a = m.n;
	put_ptr(&m, 4);
	err = name_at(&m, a, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_POINTER, "pointer into the header: %s", ts_dns_err_name(err));

	/* Cut inside a pointer. */
	names_msg(&m);
	put8(&m, 0xc0);
	err = name_at(&m, TS_DNS_HDR, 16, &nm, &end);
	TS_CHECK(err == TS_DNS_E_SHORT, "half a pointer: %s", ts_dns_err_name(err));

	/* A chain of k pointers, each backwards: k allowed, k - 1 not. */
	names_msg(&m);
	size_t prev = put_name(&m, "test");
	for (int k = 0; k < 20; k++) {
		size_t at = m.n;

		put_labels(&m, "l");
		put_ptr(&m, prev);
		prev = at;
	}
	err = name_at(&m, prev, 20, &nm, &end);
	TS_CHECK(err == 0 && nm.labels == 21, "20 pointers with max 20: %s, %u labels",
		 ts_dns_err_name(err), nm.labels);
	err = name_at(&m, prev, 19, &nm, &end);
	TS_CHECK(err == TS_DNS_E_POINTER, "20 pointers with max 19: %s", ts_dns_err_name(err));
	err = name_at(&m, prev, 0, &nm, &end);
	TS_CHECK(err == TS_DNS_E_POINTER, "max 0: %s", ts_dns_err_name(err));

	/* Query: the question name has nothing before it to point at. */
	hdr(&m, 0x0100, 1, 0, 0, 0);
	put_ptr(&m, TS_DNS_HDR);
	put16(&m, TS_DNS_TYPE_A);
	put16(&m, TS_DNS_CLASS_IN);
	struct ts_dns_query q;
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == TS_DNS_E_POINTER, "compressed qname: %s", ts_dns_err_name(err));
}

/* ---- records ------------------------------------------------------------------ */

/* www.example.test: A 192.0.2.1, AAAA 2001:db8::1, with an OPT. */
static void simple_answer(struct msg *m)
{
	query(m, 0x8180, "www.example.test", 2, 1);
	put_ptr(m, TS_DNS_HDR);
	rr_tail(m, TS_DNS_TYPE_A, TS_DNS_CLASS_IN, 300, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	rr_aaaa(m, "www.example.test", 200, 1);
	rr_opt(m, 1232, 0, 0, 0);
}

static void test_simple_answer(void)
{
	struct msg m;
	int err;

	simple_answer(&m);
	err = answer(&m);
	TS_CHECK(err == 0, "answer: %s", ts_dns_err_name(err));
	TS_CHECK(ans.n4 == 1 && ans.n6 == 1 && ans.dropped == 0, "n4 %zu n6 %zu dropped %zu",
		 ans.n4, ans.n6, ans.dropped);
	TS_CHECK(addrs[0].family == TS_FAMILY_V4 && addrs[0].plen == 32 && addrs[0].addr[0] == 192 &&
		 addrs[0].addr[3] == 1 && ttls[0] == 300, "first address or TTL wrong");
	TS_CHECK(addrs[1].family == TS_FAMILY_V6 && addrs[1].plen == 128 &&
		 addrs[1].addr[1] == 0x01 && addrs[1].addr[15] == 1 && ttls[1] == 200,
		 "second address or TTL wrong");
	TS_CHECK(ans.rcode == 0 && !ans.tc && ans.chain == 0, "rcode %u tc %d chain %u", ans.rcode,
		 ans.tc, ans.chain);
	TS_CHECK(!strcmp(ans.canon.text, "www.example.test"), "canon \"%s\"", ans.canon.text);
	TS_CHECK(ans.q.edns && ans.q.edns_udp == 1232, "edns %d udp %u", ans.q.edns, ans.q.edns_udp);

	/* Owner in another case: the same name. */
	query(&m, 0x8180, "www.example.test", 1, 0);
	rr_a(&m, "WWW.Example.TEST", 60, 9);
	TS_CHECK(answer(&m) == 0 && naddrs() == 1, "owner in upper case not taken");

	/* Only room for one: the other counted. */
	simple_answer(&m);
	err = answer_lim(&m, &ts_dns_limits_default, 1);
	TS_CHECK(err == 0 && naddrs() == 1 && ans.dropped == 1, "cap 1: %zu stored %zu dropped",
		 naddrs(), ans.dropped);
}

static void test_truncated(void)
{
	struct msg m;
	size_t full;

	simple_answer(&m);
	full = m.n;
	/* Every cut of a whole answer is "short", never a partial success. */
	for (size_t cut = 0; cut < full; cut++) {
		int err = ts_dns_answer_parse(m.b, cut, &ts_dns_limits_default, addrs, ttls, CAP,
					      &ans);
		TS_CHECK(err == TS_DNS_E_SHORT, "cut at %zu of %zu: %s", cut, full,
			 ts_dns_err_name(err));
		struct ts_dns_query q;
		err = ts_dns_query_parse(m.b, cut, &ts_dns_limits_default, &q);
		TS_CHECK(err == TS_DNS_E_SHORT, "query cut at %zu of %zu: %s", cut, full,
			 ts_dns_err_name(err));
	}
	TS_CHECK(answer(&m) == 0, "the whole answer refused");

	/* rdlength past the end. */
	query(&m, 0x8180, "www.example.test", 1, 0);
	put_ptr(&m, TS_DNS_HDR);
	put16(&m, TS_DNS_TYPE_A);
	put16(&m, TS_DNS_CLASS_IN);
	put32(&m, 60);
	put16(&m, 5);
	put_bytes(&m, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	TS_CHECK(answer(&m) == TS_DNS_E_SHORT, "rdlength overrun: %s", ts_dns_err_name(answer(&m)));
	m.b[m.n - 5] = 0xff; /* rdlength 0xff05 */
	TS_CHECK(answer(&m) == TS_DNS_E_SHORT, "rdlength far past the end: %s",
		 ts_dns_err_name(answer(&m)));
}

static void test_counts(void)
{
	struct msg m;
	struct ts_dns_limits lim = ts_dns_limits_default;
	struct ts_dns_query q;
	int err;

	/* qdcount must be 1. */
	for (uint16_t qd = 0; qd <= 2; qd += 2) {
		hdr(&m, 0x0100, qd, 0, 0, 0);
		put_name(&m, "a.test");
		put16(&m, 1);
		put16(&m, 1);
		err = ts_dns_query_parse(m.b, m.n, &lim, &q);
		TS_CHECK(err == TS_DNS_E_QDCOUNT, "qdcount %u: %s", qd, ts_dns_err_name(err));
	}

	/* Counted before walked: 65535 claimed records with none there. */
	hdr(&m, 0x8180, 1, 0xffff, 0, 0);
	put_name(&m, "a.test");
	put16(&m, 1);
	put16(&m, 1);
	err = answer(&m);
	TS_CHECK(err == TS_DNS_E_RECORDS, "65535 records: %s", ts_dns_err_name(err));

	/* an + ns + ar together: 4 records with a limit of 3 and 4. */
	query(&m, 0x8180, "a.test", 2, 1);
	m.b[9] = 1; /* nscount */
	rr_a(&m, "a.test", 60, 1);
	rr_a(&m, "a.test", 60, 2);
	rr_a(&m, "ns.test", 60, 3);
	rr_opt(&m, 512, 0, 0, 0);
	lim.max_records = 3;
	err = answer_lim(&m, &lim, CAP);
	TS_CHECK(err == TS_DNS_E_RECORDS, "4 records, limit 3: %s", ts_dns_err_name(err));
	lim.max_records = 4;
	err = answer_lim(&m, &lim, CAP);
	TS_CHECK(err == 0 && naddrs() == 2, "4 records, limit 4: %s, %zu addresses",
		 ts_dns_err_name(err), naddrs());
}

/* ---- the CNAME chain ----------------------------------------------------- */

static void test_chain_in_order_and_reversed(void)
{
	struct msg m;
	int err;

	/* www -(7)-> mid -(60)-> target (A, 30): TTL 7, canon target. */
	query(&m, 0x8180, "www.example.test", 3, 0);
	rr_cname(&m, "www.example.test", 7, "mid.example.test");
	rr_cname(&m, "mid.example.test", 60, "target.cdn.test");
	rr_a(&m, "target.cdn.test", 30, 81);
	err = answer(&m);
	TS_CHECK(err == 0 && ans.n4 == 1, "in order: %s, %zu addresses", ts_dns_err_name(err),
		 ans.n4);
	TS_CHECK(ans.chain == 2 && !strcmp(ans.canon.text, "target.cdn.test"), "chain %u canon %s",
		 ans.chain, ans.canon.text);
	TS_CHECK(ttls[0] == 7, "TTL %u, want 7 (minimum over the chain)", ttls[0]);

	/* The same records in reverse order; an A TTL below the chain's. */
	query(&m, 0x8180, "www.example.test", 3, 0);
	rr_a(&m, "target.cdn.test", 3, 81);
	rr_cname(&m, "mid.example.test", 60, "target.cdn.test");
	rr_cname(&m, "www.example.test", 7, "mid.example.test");
	err = answer(&m);
	TS_CHECK(err == 0 && ans.n4 == 1 && ans.chain == 2, "reversed: %s, %zu addresses, chain %u",
		 ts_dns_err_name(err), ans.n4, ans.chain);
	TS_CHECK(ttls[0] == 3, "TTL %u, want 3 (the record's own)", ttls[0]);

	/* An A record of the question name itself, beside its CNAME: not
	 * the name the addresses belong to. */
	query(&m, 0x8180, "www.example.test", 3, 0);
	rr_a(&m, "www.example.test", 30, 1);
	rr_cname(&m, "www.example.test", 30, "t.cdn.test");
	rr_a(&m, "t.cdn.test", 30, 2);
	err = answer(&m);
	TS_CHECK(err == 0 && ans.n4 == 1 && addrs[0].addr[3] == 2, "%s, %zu addresses, first .%u",
		 ts_dns_err_name(err), ans.n4, addrs[0].addr[3]);
}

static void test_chain_limits(void)
{
	struct msg m;
	struct ts_dns_limits lim = ts_dns_limits_default;
	int err;

	/* q -> c1 -> c2 -> c3: 3 CNAMEs followed. */
	query(&m, 0x8180, "q.test", 4, 0);
	rr_cname(&m, "q.test", 60, "c1.test");
	rr_cname(&m, "c1.test", 60, "c2.test");
	rr_cname(&m, "c2.test", 60, "c3.test");
	rr_a(&m, "c3.test", 60, 3);
	lim.max_chain = 3;
	err = answer_lim(&m, &lim, CAP);
	TS_CHECK(err == 0 && ans.chain == 3 && ans.n4 == 1, "chain 3 of 3: %s",
		 ts_dns_err_name(err));
	lim.max_chain = 2;
	err = answer_lim(&m, &lim, CAP);
	TS_CHECK(err == TS_DNS_E_CHAIN, "chain 3 over 2: %s", ts_dns_err_name(err));

	/* A -> B -> A. */
	query(&m, 0x8180, "a.test", 3, 0);
	rr_cname(&m, "a.test", 60, "b.test");
	rr_cname(&m, "b.test", 60, "A.test");
	rr_a(&m, "a.test", 60, 1);
	err = answer(&m);
	TS_CHECK(err == TS_DNS_E_CHAIN, "cycle: %s", ts_dns_err_name(err));

	/* Two CNAMEs for one name: ambiguous. */
	query(&m, 0x8180, "a.test", 3, 0);
	rr_cname(&m, "a.test", 60, "b.test");
	rr_cname(&m, "a.test", 60, "c.test");
	rr_a(&m, "b.test", 60, 1);
	err = answer(&m);
	TS_CHECK(err == TS_DNS_E_CHAIN, "two CNAMEs: %s", ts_dns_err_name(err));

	/* A CNAME whose target does not fill its rdata. */
	query(&m, 0x8180, "a.test", 1, 0);
	put_name(&m, "a.test");
	struct msg t = { .n = 0 };
	put_name(&t, "b.test");
	put8(&t, 0);
	rr_tail(&m, TS_DNS_TYPE_CNAME, TS_DNS_CLASS_IN, 60, t.b, (uint16_t)t.n);
	err = answer(&m);
	TS_CHECK(err == TS_DNS_E_RDATA, "CNAME rdata longer than its name: %s",
		 ts_dns_err_name(err));
	/* ... or that runs past it (into the next record). */
	query(&m, 0x8180, "a.test", 2, 0);
	put_name(&m, "a.test");
	rr_tail(&m, TS_DNS_TYPE_CNAME, TS_DNS_CLASS_IN, 60, "\001b", 2);
	rr_a(&m, "b.test", 60, 1);
	err = answer(&m);
	TS_CHECK(err == TS_DNS_E_RDATA, "CNAME target past its rdata: %s", ts_dns_err_name(err));
}

static void test_chain_non_host(void)
{
	struct msg m;
	int err;

	/* www -> "evil name.test" (a space): the chain stops, no address,
	 * not even those of the question name or of a host further on. */
	query(&m, 0x8180, "www.example.test", 4, 0);
	rr_cname(&m, "www.example.test", 60, "evil name.test");
	rr_a(&m, "evil name.test", 60, 6);
	rr_a(&m, "www.example.test", 60, 7);
	rr_cname(&m, "evil name.test", 60, "x.test");
	err = answer(&m);
	TS_CHECK(err == 0, "answer: %s", ts_dns_err_name(err));
	TS_CHECK(naddrs() == 0 && !ans.canon.host && ans.chain == 1,
		 "%zu addresses, canon host %d, chain %u", naddrs(), ans.canon.host, ans.chain);
}

static void test_foreign_and_class(void)
{
	struct msg m;
	int err;

	query(&m, 0x8180, "www.example.test", 7, 0);
	rr_a(&m, "www.exbmple.test", 60, 7);    /* same shape, one octet off */
	rr_a(&m, "blob.test", 60, 1);           /* another owner */
	rr_a(&m, "www.example.test.evil", 60, 2); /* a longer name */
	rr_a(&m, "example.test", 60, 3);        /* a suffix */
	put_name(&m, "www.example.test");       /* class CH */
	rr_tail(&m, TS_DNS_TYPE_A, 3, 60, (uint8_t[]){ 192, 0, 2, 4 }, 4);
	put_name(&m, "www.example.test");       /* an A of 5 octets */
	rr_tail(&m, TS_DNS_TYPE_A, TS_DNS_CLASS_IN, 60, (uint8_t[]){ 192, 0, 2, 5, 0 }, 5);
	rr_a(&m, "www.example.test", 60, 6);
	err = answer(&m);
	TS_CHECK(err == 0 && naddrs() == 1 && addrs[0].addr[3] == 6,
		 "%s, %zu addresses, first .%u", ts_dns_err_name(err), naddrs(), addrs[0].addr[3]);

	/* A class-CH CNAME is not followed. */
	query(&m, 0x8180, "www.example.test", 2, 0);
	struct msg t = { .n = 0 };
	put_name(&t, "other.test");
	put_name(&m, "www.example.test");
	rr_tail(&m, TS_DNS_TYPE_CNAME, 3, 60, t.b, (uint16_t)t.n);
	rr_a(&m, "other.test", 60, 1);
	err = answer(&m);
	TS_CHECK(err == 0 && naddrs() == 0 && ans.chain == 0, "CH CNAME followed: %zu addresses",
		 naddrs());

	/* A records in the authority/additional sections are not answers. */
	query(&m, 0x8180, "www.example.test", 0, 1);
	m.b[9] = 1;
	rr_a(&m, "www.example.test", 60, 1);
	rr_a(&m, "www.example.test", 60, 2);
	err = answer(&m);
	TS_CHECK(err == 0 && naddrs() == 0, "%zu addresses from outside the answer section",
		 naddrs());
}

static void test_ttl_top_bit(void)
{
	struct msg m;
	int err;

	query(&m, 0x8180, "a.test", 2, 0);
	rr_a(&m, "a.test", 0x80000010u, 1);
	rr_a(&m, "a.test", 0x7fffffffu, 2);
	err = answer(&m);
	TS_CHECK(err == 0 && naddrs() == 2, "%s", ts_dns_err_name(err));
	TS_CHECK(ttls[0] == 0 && ttls[1] == 0x7fffffffu, "TTLs %u %u, want 0 and 2^31-1", ttls[0],
		 ttls[1]);

	/* A CNAME with the top bit: every address behind it has TTL 0. */
	query(&m, 0x8180, "a.test", 2, 0);
	rr_cname(&m, "a.test", 0xfffffff0u, "b.test");
	rr_aaaa(&m, "b.test", 600, 1);
	err = answer(&m);
	TS_CHECK(err == 0 && ans.n6 == 1 && ttls[0] == 0, "%s, TTL %u", ts_dns_err_name(err),
		 ttls[0]);
}

/* ---- EDNS and queries -------------------------------------------------------- */

static void test_edns(void)
{
	struct msg m;
	struct ts_dns_query q;
	int err;

	query(&m, 0x0120, "www.example.test", 0, 1);
	rr_opt(&m, 4096, 0, 0, 0x8000);
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == 0 && q.edns, "%s edns %d", ts_dns_err_name(err), q.edns);
	TS_CHECK(q.edns_udp == 4096 && q.edns_version == 0 && q.edns_flags == 0x8000,
		 "udp %u version %u flags %#x", q.edns_udp, q.edns_version, q.edns_flags);
	TS_CHECK(q.id == 0x1234 && q.flags == 0x0120 && q.qtype == 1 && q.qclass == 1 &&
		 q.question_end == TS_DNS_HDR + 18 + 4 && q.qname.host &&
		 !strcmp(q.qname.text, "www.example.test"),
		 "header or question wrong");

	query(&m, 0x0100, "a.test", 0, 1);
	rr_opt(&m, 512, 1, 2, 0);
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == 0 && q.edns_udp == 512 && q.edns_version == 2 && q.edns_ext_rcode == 1,
		 "%s udp %u version %u ext %u", ts_dns_err_name(err), q.edns_udp, q.edns_version,
		 q.edns_ext_rcode);

	query(&m, 0x0100, "a.test", 0, 0);
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == 0 && !q.edns, "no OPT: %s edns %d", ts_dns_err_name(err), q.edns);

	/* Two OPTs, an OPT in the answer section, an OPT not owned by the root. */
	query(&m, 0x0100, "a.test", 0, 2);
	rr_opt(&m, 512, 0, 0, 0);
	rr_opt(&m, 4096, 0, 0, 0);
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == TS_DNS_E_OPT, "two OPTs: %s", ts_dns_err_name(err));
	query(&m, 0x0100, "a.test", 1, 0);
	rr_opt(&m, 512, 0, 0, 0);
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == TS_DNS_E_OPT, "OPT as an answer: %s", ts_dns_err_name(err));
	query(&m, 0x0100, "a.test", 0, 1);
	put_name(&m, "a.test");
	rr_tail(&m, TS_DNS_TYPE_OPT, 512, 0, NULL, 0);
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == TS_DNS_E_OPT, "OPT owned by a.test: %s", ts_dns_err_name(err));

	/* A query for a non-host name is read (relayed), not a host. */
	hdr(&m, 0x0100, 1, 0, 0, 0);
	put_label(&m, "a b", 3);
	put_name(&m, "test");
	put16(&m, 1);
	put16(&m, 1);
	err = ts_dns_query_parse(m.b, m.n, &ts_dns_limits_default, &q);
	TS_CHECK(err == 0 && !q.qname.host, "non-host query: %s host %d", ts_dns_err_name(err),
		 q.qname.host);
}

static void test_rcode_and_tc(void)
{
	struct msg m;
	int err;

	query(&m, 0x8383, "nx.test", 0, 0);
	err = answer(&m);
	TS_CHECK(err == 0 && ans.rcode == TS_DNS_RCODE_NXDOMAIN && naddrs() == 0,
		 "NXDOMAIN: %s rcode %u", ts_dns_err_name(err), ans.rcode);
	query(&m, 0x8380 | 0x0200, "tc.test", 1, 0);
	rr_a(&m, "tc.test", 60, 1);
	err = answer(&m);
	TS_CHECK(err == 0 && ans.tc && naddrs() == 1, "TC: %s tc %d", ts_dns_err_name(err), ans.tc);
}

static void test_err_names(void)
{
	for (int i = 0; i < TS_DNS_E_MAX; i++) {
		const char *s = ts_dns_err_name(i);

		TS_CHECK(s && strcmp(s, "unknown"), "error %d has no name", i);
		for (int j = 0; j < i; j++)
			TS_CHECK(strcmp(s, ts_dns_err_name(j)), "errors %d and %d share \"%s\"", i, j,
				 s);
	}
	TS_CHECK(!strcmp(ts_dns_err_name(0), "ok") && !strcmp(ts_dns_err_name(-1), "unknown") &&
		 !strcmp(ts_dns_err_name(TS_DNS_E_MAX), "unknown"), "edge names");
}

int main(void)
{
	ts_run("dnsmsg_long_label_attack", test_long_label_attack);
	ts_run("dnsmsg_host_name_bytes", test_host_name_bytes);
	ts_run("dnsmsg_label_lengths", test_label_lengths);
	ts_run("dnsmsg_name_lengths", test_name_lengths);
	ts_run("dnsmsg_pointers", test_pointers);
	ts_run("dnsmsg_simple_answer", test_simple_answer);
	ts_run("dnsmsg_truncated", test_truncated);
	ts_run("dnsmsg_counts", test_counts);
	ts_run("dnsmsg_chain_order", test_chain_in_order_and_reversed);
	ts_run("dnsmsg_chain_limits", test_chain_limits);
	ts_run("dnsmsg_chain_non_host", test_chain_non_host);
	ts_run("dnsmsg_foreign_owner_and_class", test_foreign_and_class);
	ts_run("dnsmsg_ttl_top_bit", test_ttl_top_bit);
	ts_run("dnsmsg_edns", test_edns);
	ts_run("dnsmsg_rcode_tc", test_rcode_and_tc);
	ts_run("dnsmsg_err_names", test_err_names);
	return ts_done();
}
