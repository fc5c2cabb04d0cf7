// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ref.c - see ref.h. Deliberately simple: linear scans, byte offsets. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "pkt.h"

#define SCOPE_DEFAULT 1000u
#define DNS 53

int ref_init(struct ref *r, const struct ts_registry *reg, size_t table_cap)
{
	const struct ts_compiled *c = reg->policy;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->reg = reg;
	r->flags = c->settings.flags;
	r->flows.cap = r->halfopen.cap = table_cap;
	r->flows.v = calloc(table_cap, sizeof(struct ref_flow));
	r->halfopen.v = calloc(table_cap, sizeof(struct ref_flow));
	r->rule_pkts = calloc(c->nrule_ids + 1, sizeof(uint64_t));
	r->rule_bytes = calloc(c->nrule_ids + 1, sizeof(uint64_t));
	r->rule_opened = calloc(c->nrule_ids + 1, sizeof(uint64_t));
	if (!r->flows.v || !r->halfopen.v || !r->rule_pkts || !r->rule_bytes || !r->rule_opened) {
		ref_free(r);
		return -ENOMEM;
	}
	return 0;
}

void ref_free(struct ref *r)
{
	free(r->flows.v);
	free(r->halfopen.v);
	free(r->rule_pkts);
	free(r->rule_bytes);
	free(r->rule_opened);
	free(r->extra);
	memset(r, 0, sizeof(*r));
}

int ref_add_host(struct ref *r, uint8_t family, const uint8_t addr[16], uint32_t set_id)
{
	struct ref_host *h = realloc(r->extra, (r->nextra + 1) * sizeof(*h));

	if (!h)
		return -ENOMEM;
	r->extra = h;
	h = &r->extra[r->nextra++];
	h->family = family;
	memcpy(h->addr, addr, 16);
	h->set_id = set_id;
	return 0;
}

/* ---- table: open addressing over the 40-byte key ------------------------- */

static size_t slot_of(const struct ref_table *t, const uint8_t *key)
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < 40; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return h % t->cap;
}

static struct ref_flow *tfind(struct ref_table *t, const uint8_t *key)
{
	for (size_t i = slot_of(t, key), n = 0; n < t->cap; i = (i + 1) % t->cap, n++) {
		if (!t->v[i].used)
			return NULL;
		if (!memcmp(t->v[i].key, key, 40))
			return &t->v[i];
	}
	return NULL;
}

static struct ref_flow *tput(struct ref_table *t, const uint8_t *key)
{
	struct ref_flow *f = tfind(t, key);

	if (f)
		return f;
	for (size_t i = slot_of(t, key);; i = (i + 1) % t->cap) {
		if (!t->v[i].used) {
			memset(&t->v[i], 0, sizeof(t->v[i]));
			memcpy(t->v[i].key, key, 40);
			t->v[i].used = true;
			t->n++;
			return &t->v[i];
		}
	}
}

/* Backward-shift deletion keeps probe chains intact. */
static void tdel(struct ref_table *t, const uint8_t *key)
{
	struct ref_flow *f = tfind(t, key);
	size_t i, j;

	if (!f)
		return;
	i = f - t->v;
	t->v[i].used = false;
	t->n--;
	for (j = (i + 1) % t->cap; t->v[j].used; j = (j + 1) % t->cap) {
		size_t home = slot_of(t, t->v[j].key);
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);

		if (between)
			continue;
		t->v[i] = t->v[j];
		t->v[j].used = false;
		i = j;
	}
}

/* ---- policy by scanning the compiler's arrays ----------------------------- */

static bool net_covers(const struct ts_net *n, uint8_t family, const uint8_t *a)
{
	unsigned full = n->plen / 8, rest = n->plen % 8;

	if (n->family != family || memcmp(n->addr, a, full))
		return false;
	return !rest || !((n->addr[full] ^ a[full]) >> (8 - rest));
}

static const struct ts_addr_entry *exact_host(const struct ref *r, uint8_t family, const uint8_t *a)
{
	const struct ts_compiled *c = r->c;

	/* a runtime entry shadows the compiled one */
	for (size_t i = 0; i < r->reg->nhosts; i++)
		if (r->reg->hosts[i].net.family == family && !memcmp(r->reg->hosts[i].net.addr, a, 16))
			return &r->reg->hosts[i];
	for (size_t i = 0; i < c->nhosts; i++)
		if (c->hosts[i].net.family == family && !memcmp(c->hosts[i].net.addr, a, 16))
			return &c->hosts[i];
	return NULL;
}

static bool is_resolver(const struct ref *r, uint8_t family, const uint8_t *a)
{
	const struct ts_addr_entry *h = exact_host(r, family, a);

	if (h && (h->flags & TS_ADDR_RESOLVER))
		return true;
	for (size_t i = 0; i < r->c->settings.nresolvers; i++) {
		const struct ts_net *n = &r->c->settings.resolvers[i];

		if (n->family == family && !memcmp(n->addr, a, family == 4 ? 4 : 16))
			return true;
	}
	return false;
}

static uint32_t set_of(const struct ref *r, uint8_t family, const uint8_t *a)
{
	const struct ts_addr_entry *h;
	int best = -1;
	uint32_t set = 0;

	/* latest upsert wins, as in the map */
	for (size_t i = r->nextra; i-- > 0;)
		if (r->extra[i].family == family && !memcmp(r->extra[i].addr, a, 16))
			return r->extra[i].set_id;
	h = exact_host(r, family, a);
	if (h)
		return h->set_id;
	for (size_t i = 0; i < r->c->nprefixes; i++) {
		const struct ts_addr_entry *p = &r->c->prefixes[i];

		if (net_covers(&p->net, family, a) && (int)p->net.plen > best) {
			best = p->net.plen;
			set = p->set_id;
		}
	}
	/* a resolver outside every component: exact entry with the prefix set */
	return set;
}

static uint32_t rule_of(const struct ref *r, uint32_t src, uint32_t dst, uint32_t cls)
{
	if (!src || !dst || !cls)
		return 0;
	for (size_t i = 0; i < r->c->nrules_entries; i++) {
		const struct ts_rule_entry *e = &r->c->rules[i];

		if (e->src_set == src && e->dst_set == dst && e->port_class == cls)
			return e->rule_id;
	}
	for (size_t i = 0; i < r->reg->nrules; i++) {
		const struct ts_rule_entry *e = &r->reg->rules[i];

		if (e->src_set == src && e->dst_set == dst && e->port_class == cls)
			return e->rule_id;
	}
	return 0;
}

/* ---- the packet ------------------------------------------------------------ */

struct rpkt {
	uint8_t family, proto, flags;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;    /* host order */
	uint32_t seq, ack;        /* TCP sequence and acknowledgment numbers */
	uint32_t len;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

/* Flow key bytes (struct ts_flow_key) and whether the sender is "lo". */
static bool make_key(const struct rpkt *p, uint8_t key[40])
{
	int c = memcmp(p->src, p->dst, 16);
	bool s_lo = c < 0 || (c == 0 && p->sport < p->dport);
	const uint8_t *lo = s_lo ? p->src : p->dst, *hi = s_lo ? p->dst : p->src;
	uint16_t lp = s_lo ? p->sport : p->dport, hp = s_lo ? p->dport : p->sport;

	memset(key, 0, 40);
	memcpy(key, lo, 16);
	memcpy(key + 16, hi, 16);
	key[32] = lp >> 8;
	key[33] = lp & 0xff;
	key[34] = hp >> 8;
	key[35] = hp & 0xff;
	key[36] = p->family;
	key[37] = p->proto;
	return s_lo;
}

static uint32_t pclass(const struct ref *r, uint16_t port)
{
	return r->c->port_class[port];
}

static uint32_t udp_class(const struct ref *r, uint16_t port)
{
	return r->c->port_class[TS_PLANE_PORTS + port];
}

static bool bad_flags(uint8_t f)
{
	if ((f & SYN) && (f & (FIN | RST)))
		return true;
	if ((f & FIN) && (f & RST))
		return true;
	return !(f & (SYN | ACK | RST));
}

static void count_rule(struct ref *r, uint32_t id, uint32_t len, bool opened)
{
	if (!id)
		return;
	r->rule_pkts[id]++;
	r->rule_bytes[id] += len;
	r->rule_opened[id] += opened;
}

static void close_track(struct ref_flow *f, uint8_t fl, bool from_lo)
{
	if (fl & RST) {
		f->state = TS_TCP_CLOSING;
		return;
	}
	if (!(fl & FIN))
		return;
	f->flags |= from_lo ? TS_FLOW_FIN_LO : TS_FLOW_FIN_HI;
	if ((f->flags & TS_FLOW_FIN_LO) && (f->flags & TS_FLOW_FIN_HI))
		f->state = TS_TCP_CLOSING;
	else if (f->state == TS_TCP_ESTABLISHED)
		f->state = TS_TCP_FIN_WAIT;
}

/* opening: a TCP SYN without ACK, which passes only toward a resolver */
static bool dns_ok(const struct ref *r, const struct rpkt *p, bool opening)
{
	return (p->dport == DNS && is_resolver(r, p->family, p->dst)) ||
	       (!opening && p->sport == DNS && is_resolver(r, p->family, p->src));
}

/* x follows a SYN of sequence number isn: ISN + 1 up to 64 KiB past it */
static bool follows_syn(uint32_t x, uint32_t isn)
{
	return (uint32_t)(x - (isn + 1)) < 65536u;
}

/* the sender (lo when from_lo) opened h's connection */
static bool from_initiator(const struct ref_flow *h, bool from_lo)
{
	return from_lo == !(h->flags & TS_FLOW_INIT_HI);
}

/* p answers or completes h's handshake, with good flags: the responder's
 * SYN-ACK of its SYN, or the initiator's segment that follows its SYN */
static bool handshake_of(const struct ref_flow *h, const struct rpkt *p, bool from_lo)
{
	bool from_init = from_initiator(h, from_lo);

	if (bad_flags(p->flags))
		return false;
	if (from_init)
		return !(p->flags & SYN) && follows_syn(p->seq, h->isn);
	return (p->flags & (SYN | ACK)) == (SYN | ACK) && follows_syn(p->ack, h->isn);
}

static uint32_t tcp(struct ref *r, const struct rpkt *p)
{
	uint8_t key[40], fl = p->flags;
	bool from_lo = make_key(p, key), syn_only = (fl & (SYN | ACK)) == SYN;
	/* an opening SYN is judged whatever the flow table holds */
	struct ref_flow *f = syn_only ? NULL : tfind(&r->flows, key), *h;
	uint32_t dcls, scls, src, dst, id, judged_id = 0;
	bool judged;

	/* a closing flow gives way to a handshake begun after it closed, at
	 * that handshake's own segments */
	if (f && f->state == TS_TCP_CLOSING) {
		h = tfind(&r->halfopen, key);
		if (h && h->isn != f->isn && handshake_of(h, p, from_lo)) {
			tdel(&r->flows, key);
			f = NULL;
		}
	}
	if (f) {
		if (fl & (FIN | RST))
			close_track(f, fl, from_lo);
		count_rule(r, f->rule_id, p->len, false);
		return (f->flags & TS_FLOW_AUDIT) ? TS_R_PASS_AUDIT : TS_R_PASS_ESTABLISHED;
	}
	/* an opening SYN the policy refuses is dropped before any half-open
	 * entry is consulted (outside audit mode) */
	dcls = pclass(r, p->dport);
	judged = syn_only && !dns_ok(r, p, true) && dcls && !bad_flags(fl);
	if (judged)
		judged_id = rule_of(r, set_of(r, p->family, p->src), set_of(r, p->family, p->dst), dcls);
	if (judged && !judged_id && !(r->flags & TS_CFG_AUDIT))
		return TS_R_DROP_NO_RULE;
	h = tfind(&r->halfopen, key);
	/* the initiator's judged SYN with another ISN: a new attempt, a new entry */
	if (h && judged && h->isn != p->seq && from_initiator(h, from_lo)) {
		tdel(&r->halfopen, key);
		h = NULL;
	}
	if (h) {
		bool from_init = from_initiator(h, from_lo);
		uint32_t pass = (h->flags & TS_FLOW_AUDIT) ? TS_R_PASS_AUDIT : TS_R_PASS_HANDSHAKE;
		struct ref_flow moved;

		if (bad_flags(fl))
			return TS_R_DROP_BAD_FLAGS;
		if (fl & RST) {
			count_rule(r, h->rule_id, p->len, false);
			tdel(&r->halfopen, key);
			return pass;
		}
		if (fl & SYN) {
			bool ack = fl & ACK;

			if ((from_init && ack) || (!from_init && !ack))
				return TS_R_DROP_NO_FLOW;
			if (ack)
				h->state = TS_TCP_SYN_RECV;
			count_rule(r, h->rule_id, p->len, false);
			return pass;
		}
		if (!from_init || !follows_syn(p->seq, h->isn))
			return TS_R_DROP_NO_FLOW;
		moved = *h;
		tdel(&r->halfopen, key);
		f = tput(&r->flows, key);
		f->rule_id = moved.rule_id;
		f->isn = moved.isn;
		f->flags = moved.flags;
		f->state = TS_TCP_ESTABLISHED;
		close_track(f, fl, from_lo);
		count_rule(r, f->rule_id, p->len, false);
		return pass;
	}
	if (dns_ok(r, p, syn_only))
		return TS_R_PASS_RESOLVER;
	if (syn_only) {
		if (!dcls)
			return SCOPE_DEFAULT;
		if (bad_flags(fl))
			return TS_R_DROP_BAD_FLAGS;
		id = judged_id;   /* judged: every condition of it holds here */
		if (!id && !(r->flags & TS_CFG_AUDIT))
			return TS_R_DROP_NO_RULE;
		h = tput(&r->halfopen, key);
		h->rule_id = id;
		h->isn = p->seq;
		h->state = TS_TCP_SYN_SENT;
		h->flags = (from_lo ? 0 : TS_FLOW_INIT_HI) | (id ? 0 : TS_FLOW_AUDIT);
		if (!id)
			return TS_R_DROP_NO_RULE;
		count_rule(r, id, p->len, true);
		return TS_R_PASS_NEW;
	}
	scls = pclass(r, p->sport);
	if (!dcls && !scls)
		return SCOPE_DEFAULT;
	if (bad_flags(fl))
		return TS_R_DROP_BAD_FLAGS;
	if (!(r->flags & TS_CFG_LOOSE_PICKUP) || (fl & RST))
		return TS_R_DROP_NO_FLOW;
	src = set_of(r, p->family, p->src);
	dst = set_of(r, p->family, p->dst);
	{
		bool init_hi = !from_lo;

		/* a SYN-ACK's sender is the responder: never the initiator */
		id = (fl & SYN) ? 0 : rule_of(r, src, dst, dcls);
		if (!id) {
			id = rule_of(r, dst, src, scls);
			init_hi = from_lo;
		}
		if (!id)
			return TS_R_DROP_NO_FLOW;
		f = tput(&r->flows, key);
		f->rule_id = id;
		f->state = TS_TCP_ESTABLISHED;
		f->flags = TS_FLOW_LOOSE | (init_hi ? TS_FLOW_INIT_HI : 0);
		close_track(f, fl, from_lo);
		count_rule(r, id, p->len, false);
		return TS_R_PASS_LOOSE;
	}
}

/* UDP, or an ICMP echo (echo 1: request, 2: reply; ports: its
 * identifier): the first datagram judged as its sender opening, the
 * flow passing both ways; docs/dataplane.md, "UDP and ICMP echo". */
static uint32_t dgram(struct ref *r, const struct rpkt *p, int echo)
{
	uint32_t refused = echo ? TS_R_DROP_NO_RULE_ICMP : TS_R_DROP_NO_RULE_UDP, cls, id;
	uint8_t key[40];
	bool from_lo = make_key(p, key);
	struct ref_flow *f = tfind(&r->flows, key);

	if (f) {
		bool from_init = from_initiator(f, from_lo);

		if (echo && (echo == 1) != from_init)
			return refused;
		if (f->state == TS_DGRAM_UNREPLIED && !from_init)
			f->state = TS_DGRAM_REPLIED;
		count_rule(r, f->rule_id, p->len, false);
		if (f->flags & TS_FLOW_AUDIT)
			return TS_R_PASS_AUDIT;
		return echo ? TS_R_PASS_ICMP_ECHO : TS_R_PASS_UDP;
	}
	if (echo) {
		cls = r->c->port_class[2 * TS_PLANE_PORTS + TS_ICMP_ECHO_PORT];
		if (!cls)
			return SCOPE_DEFAULT;
		if (echo != 1)
			return refused;
	} else {
		if (dns_ok(r, p, false))
			return TS_R_PASS_RESOLVER;
		cls = udp_class(r, p->dport);
		if (!cls)
			return udp_class(r, p->sport) ? refused : SCOPE_DEFAULT;
	}
	id = rule_of(r, set_of(r, p->family, p->src), set_of(r, p->family, p->dst), cls);
	if (!id && !(r->flags & TS_CFG_AUDIT))
		return refused;
	f = tput(&r->flows, key);
	f->rule_id = id;
	f->state = TS_DGRAM_UNREPLIED;
	f->flags = (from_lo ? 0 : TS_FLOW_INIT_HI) | (id ? 0 : TS_FLOW_AUDIT);
	if (!id)
		return refused;
	count_rule(r, id, p->len, true);
	return echo ? TS_R_PASS_NEW_ICMP : TS_R_PASS_NEW_UDP;
}

static bool tracked(struct ref *r, const struct rpkt *q)
{
	uint8_t key[40];

	make_key(q, key);
	return tfind(&r->flows, key) || tfind(&r->halfopen, key);
}

/* ICMP error: the quoted IP header and 8 bytes of TCP at b[o..len), len the
 * end of the outer IP packet (trailing frame bytes are no quote). */
static uint32_t icmp_quote(struct ref *r, const uint8_t *b, size_t o, size_t len, uint8_t family)
{
	struct rpkt q = { .family = family, .flags = 0 };
	size_t l4;

	if (family == 4) {
		if (len < o + 20 || (b[o] >> 4) != 4 || (b[o] & 15) < 5)
			return TS_R_DROP_MALFORMED_L4;
		l4 = o + (b[o] & 15) * 4u;
		if (l4 > len)
			return TS_R_DROP_MALFORMED_L4;
		q.proto = b[o + 9];
		if ((q.proto != 6 && q.proto != 17) || (rd16(b + o + 6) & 0x1fff))
			return SCOPE_DEFAULT;
		memcpy(q.src, b + o + 12, 4);
		memcpy(q.dst, b + o + 16, 4);
	} else {
		if (len < o + 40 || (b[o] >> 4) != 6)
			return TS_R_DROP_MALFORMED_L4;
		l4 = o + 40;
		q.proto = b[o + 6];
		if (q.proto != 6 && q.proto != 17)
			return SCOPE_DEFAULT;
		memcpy(q.src, b + o + 8, 16);
		memcpy(q.dst, b + o + 24, 16);
	}
	if (len < l4 + 8)
		return TS_R_DROP_MALFORMED_L4;
	q.sport = rd16(b + l4);
	q.dport = rd16(b + l4 + 2);
	if (tracked(r, &q))
		return TS_R_PASS_ICMP_RELATED;
	if (q.proto == 17 ? udp_class(r, q.sport) || udp_class(r, q.dport)
			  : pclass(r, q.sport) || pclass(r, q.dport))
		return TS_R_DROP_ICMP_UNRELATED;
	return SCOPE_DEFAULT;
}

static bool ext_hdr(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51;
}

/* Everything but the final scope/audit translation. */
static uint32_t judge(struct ref *r, const uint8_t *b, size_t len, struct rpkt *p)
{
	size_t o = 12, l3, l4, end;
	uint16_t et;
	int tags = 0;
	int frag = 0;   /* 0 none, 1 first, 2 non-first */

	if (len < 14)
		return TS_R_DROP_MALFORMED_L2;
	et = rd16(b + 12);
	while (et == 0x8100 || et == 0x88a8) {
		if (++tags > 2 || len < o + 4 + 2)
			return TS_R_DROP_MALFORMED_L2;
		o += 4;
		et = rd16(b + o);
	}
	l3 = o + 2;
	if (et == 0x0806)
		return TS_R_PASS_ARP;
	if (et == 0x0800) {
		uint16_t fo;
		size_t hl;

		if (len < l3 + 20 || (b[l3] >> 4) != 4 || (b[l3] & 15) < 5)
			return TS_R_DROP_MALFORMED_IP;
		hl = (b[l3] & 15) * 4u;
		if (len < l3 + hl || rd16(b + l3 + 2) < hl || l3 + rd16(b + l3 + 2) > len)
			return TS_R_DROP_MALFORMED_IP;
		p->family = 4;
		memcpy(p->src, b + l3 + 12, 4);
		memcpy(p->dst, b + l3 + 16, 4);
		p->proto = b[l3 + 9];
		fo = rd16(b + l3 + 6);
		frag = (fo & 0x1fff) ? 2 : (fo & 0x2000) ? 1 : 0;
		l4 = l3 + hl;
		end = l3 + rd16(b + l3 + 2);
	} else if (et == 0x86dd) {
		uint8_t nh;
		int n = 0;

		if (len < l3 + 40 || (b[l3] >> 4) != 6)
			return TS_R_DROP_MALFORMED_IP;
		end = l3 + 40 + rd16(b + l3 + 4);
		if (end > len)
			return TS_R_DROP_MALFORMED_IP;
		p->family = 6;
		memcpy(p->src, b + l3 + 8, 16);
		memcpy(p->dst, b + l3 + 24, 16);
		nh = b[l3 + 6];
		l4 = l3 + 40;
		while (ext_hdr(nh)) {
			size_t hl;

			if (++n > 8)
				return TS_R_DROP_IPV6_EXT;
			if (nh == 44) {
				uint16_t fo;

				if (l4 + 8 > end)
					return TS_R_DROP_IPV6_EXT;
				fo = rd16(b + l4 + 2);
				nh = b[l4];
				l4 += 8;
				if (fo & 0xfff8) {
					frag = 2;
					break;
				}
				if (fo & 1)
					frag = 1;
				continue;
			}
			if (l4 + 2 > len)
				return TS_R_DROP_IPV6_EXT;
			hl = nh == 51 ? (b[l4 + 1] + 2u) * 4 : (b[l4 + 1] + 1u) * 8;
			if (l4 + hl > end)
				return TS_R_DROP_IPV6_EXT;
			nh = b[l4];
			l4 += hl;
		}
		p->proto = nh;
	} else {
		return SCOPE_DEFAULT;
	}

	if (p->proto == 6) {
		size_t doff;

		if (frag)
			return TS_R_DROP_FRAGMENT;
		if (l4 + 20 > end)
			return TS_R_DROP_MALFORMED_TCP;
		doff = (b[l4 + 12] >> 4) * 4u;
		if (doff < 20 || l4 + doff > end)
			return TS_R_DROP_MALFORMED_TCP;
		p->sport = rd16(b + l4);
		p->dport = rd16(b + l4 + 2);
		p->flags = b[l4 + 13];
		p->seq = rd32(b + l4 + 4);
		p->ack = rd32(b + l4 + 8);
		return tcp(r, p);
	}
	if (p->proto == 17) {
		size_t ulen;

		/* a later fragment has no ports; a first one's length goes past it */
		if (frag == 2)
			return SCOPE_DEFAULT;
		if (l4 + 8 > end)
			return TS_R_DROP_MALFORMED_L4;
		ulen = rd16(b + l4 + 4);
		if (ulen < 8 || (l4 + ulen > end && frag != 1))
			return TS_R_DROP_MALFORMED_L4;
		p->sport = rd16(b + l4);
		p->dport = rd16(b + l4 + 2);
		return dgram(r, p, 0);
	}
	if ((p->proto == 1 && p->family == 4) || (p->proto == 58 && p->family == 6)) {
		uint8_t type;

		if (frag)
			return SCOPE_DEFAULT;
		if (l4 + 8 > end)
			return TS_R_DROP_MALFORMED_L4;
		type = b[l4];
		if (p->family == 6 && ((type >= 130 && type <= 137) || type == 143))
			return TS_R_PASS_ND;
		if (p->family == 4 ? (type == 3 || type == 11) : (type >= 1 && type <= 3))
			return icmp_quote(r, b, l4 + 8, end, p->family); /* the quote ends with the IP packet */
		if (p->family == 4 ? (type == 8 || type == 0) : (type == 128 || type == 129)) {
			p->sport = p->dport = rd16(b + l4 + 4);   /* the identifier */
			return dgram(r, p, type == 8 || type == 128 ? 1 : 2);
		}
		return SCOPE_DEFAULT;
	}
	return SCOPE_DEFAULT;
}

uint32_t ref_packet(struct ref *r, const uint8_t *b, size_t len, bool *drop)
{
	struct rpkt p = { .len = (uint32_t)len };
	uint32_t reason = judge(r, b, len, &p);

	if (reason == SCOPE_DEFAULT)
		reason = (r->flags & TS_CFG_SCOPE_DROP) ? TS_R_DROP_OUT_OF_SCOPE : TS_R_PASS_OUT_OF_SCOPE;
	*drop = reason >= TS_R_DROP_NO_RULE && !(r->flags & TS_CFG_AUDIT);
	if (reason >= TS_R_DROP_NO_RULE && (r->flags & TS_CFG_AUDIT))
		reason = TS_R_PASS_AUDIT;
	r->reason_pkts[reason]++;
	r->reason_bytes[reason] += len;
	return reason;
}
