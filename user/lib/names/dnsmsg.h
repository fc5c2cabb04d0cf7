/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dnsmsg.h - a bounded reader of DNS messages in wire form (RFC 1035).
 *
 * Names are decided on the wire form, label by label, and never shortened:
 * a name over the limits is an error, not a prefix. A *host name* has
 * labels of 1-63 octets of [A-Za-z0-9_-] only, so its text (labels joined
 * by '.', lower case) needs no escaping and maps one to one onto its wire
 * labels; comparing two host names' texts compares them label for label.
 * Any other name is read (it may be a legitimate query) but has no text
 * and never matches anything.
 *
 * Every read is checked against the message length; a compression pointer
 * must point into the message body strictly before where the name (or the
 * previous pointer's target) started, which also ends every loop, and at
 * most max_pointers are followed per name. No allocation.
 */
#ifndef TS_NAMES_DNSMSG_H
#define TS_NAMES_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/compiled.h"

#define TS_DNS_HDR        12
#define TS_DNS_NAME_TEXT  254   /* 253 characters + NUL */
#define TS_DNS_WIRE_MAX   255   /* octets of an uncompressed name, root included */

#define TS_DNS_TYPE_A     1
#define TS_DNS_TYPE_CNAME 5
#define TS_DNS_TYPE_AAAA  28
#define TS_DNS_TYPE_OPT   41
#define TS_DNS_CLASS_IN   1

#define TS_DNS_RCODE_NOERROR  0
#define TS_DNS_RCODE_FORMERR  1
#define TS_DNS_RCODE_SERVFAIL 2
#define TS_DNS_RCODE_NXDOMAIN 3
#define TS_DNS_RCODE_NOTIMP   4
#define TS_DNS_RCODE_REFUSED  5

#define TS_DNS_FLAG_QR 0x8000
#define TS_DNS_FLAG_TC 0x0200

enum ts_dns_err {           /* 0 = OK; each has a stable short name for counters */
	TS_DNS_OK = 0,
	TS_DNS_E_SHORT,        /* message ends inside a header, name or record ("short") */
	TS_DNS_E_QDCOUNT,      /* not exactly one question ("qdcount") */
	TS_DNS_E_LABEL_TYPE,   /* label length byte 0x40/0x80 (extended/reserved) ("label-type") */
	TS_DNS_E_NAME_LONG,    /* over 255 wire octets ("name-long") */
	TS_DNS_E_POINTER,      /* compression pointer into the header / not strictly backwards /
	                          over max_pointers ("pointer") */
	TS_DNS_E_RECORDS,      /* more RRs than the limit ("records") */
	TS_DNS_E_CHAIN,        /* CNAME chain longer than the limit, or a name with two
	                          CNAMEs ("chain") */
	TS_DNS_E_RDATA,        /* a CNAME's target does not fill its rdata exactly ("rdata") */
	TS_DNS_E_OPT,          /* OPT outside the additional section, not owned by the root,
	                          or twice ("opt") */
	TS_DNS_E_MAX
};
const char *ts_dns_err_name(int err);          /* "short", "qdcount", ... ; "ok" for 0 */

struct ts_dns_name {
	bool host;                 /* every label 1-63 octets of [A-Za-z0-9_-]: text below is valid */
	uint8_t labels;            /* number of labels */
	uint16_t wire_len;         /* uncompressed wire length incl. the root octet */
	char text[TS_DNS_NAME_TEXT]; /* host names only: lower case, labels joined by '.', no trailing dot; "" otherwise */
};
/* Reads the (possibly compressed) name at *off; on return *off is the offset after the name
 * where it is stored (after the first pointer, if any). Structural errors return an err code
 * (*off is left as it was, *out is undefined); a structurally valid name that is not a host
 * name returns 0 with out->host = false. The root name (no label) is not a host name. */
int ts_dns_read_name(const uint8_t *msg, size_t len, size_t *off, unsigned max_pointers,
		     struct ts_dns_name *out);

/* Both are host names and equal label for label (case-insensitive). */
bool ts_dns_name_same_host(const struct ts_dns_name *a, const struct ts_dns_name *b);

struct ts_dns_limits {
	uint16_t max_records;      /* an + ns + ar counted together */
	uint8_t  max_chain;        /* CNAMEs followed from the question name */
	uint8_t  max_pointers;     /* compression pointers followed per name */
};
extern const struct ts_dns_limits ts_dns_limits_default; /* 256 records, chain 8, pointers 16 */

struct ts_dns_query {
	uint16_t id, flags;        /* flags: bytes 2-3 host order (QR, opcode, RD, ...) */
	uint16_t qtype, qclass;
	struct ts_dns_name qname;
	size_t question_end;       /* offset just after the question */
	uint16_t ancount, nscount, arcount;
	bool edns;                 /* an OPT RR in the additional section */
	uint16_t edns_udp;         /* its advertised UDP payload size (as sent; caller clamps) */
	uint8_t edns_version;
	uint8_t edns_ext_rcode;    /* upper 8 bits of the 12-bit extended rcode */
	uint16_t edns_flags;       /* DO, ... */
};
/* A client's query: header, exactly one question, then (optionally) answer/authority/
 * additional records walked with the limits to find OPT. Non-host qnames are OK (host=false):
 * the proxy still relays them but never learns from them. Bytes after the last record are
 * ignored. */
int ts_dns_query_parse(const uint8_t *msg, size_t len, const struct ts_dns_limits *lim,
		       struct ts_dns_query *q);

struct ts_dns_answer {
	struct ts_dns_query q;     /* header + echoed question (+ OPT) */
	uint8_t rcode;             /* low 4 bits of flags (the EDNS upper bits: q.edns_ext_rcode) */
	bool tc;
	uint8_t chain;             /* CNAMEs followed */
	struct ts_dns_name canon;  /* the name the addresses belong to (qname or the chain's end) */
	size_t n4, n6;             /* addresses stored in addrs, in message order, v4 and v6
	                              interleaved (addrs[i].family tells): n4 + n6 <= cap */
	size_t dropped;            /* addresses beyond cap (counted, not stored) */
};
/* An upstream answer. Takes only class-IN A/AAAA records (rdlength exactly 4/16) whose owner
 * equals, label for label (case-insensitive, on the wire form), the end of the CNAME chain that
 * starts at the question name (class-IN CNAMEs in the answer section, any order, at most
 * lim->max_chain); records of any other owner are ignored. ttls[i] = min(record TTL, every
 * CNAME TTL on the chain to it); a TTL with the top bit set counts as 0 (RFC 2181). Only host
 * names (host=true) ever match: a chain through a non-host name stops there and yields no
 * address. addrs/ttls have room for cap entries; more are counted in a->dropped.
 * Addresses are taken whatever the rcode (the caller decides what an rcode means).
 * A message that ends inside a record is an error even when TC is set. Cost: at most
 * (chain + 3) walks over the records, each name at most 255 octets and max_pointers jumps. */
int ts_dns_answer_parse(const uint8_t *msg, size_t len, const struct ts_dns_limits *lim,
			struct ts_net *addrs, uint32_t *ttls, size_t cap, struct ts_dns_answer *a);

#endif /* TS_NAMES_DNSMSG_H */
