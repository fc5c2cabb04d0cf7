// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loose pickup is direction-correct: a flow picked up mid-connection
 * records as its initiator the side the policy lets open it, whichever
 * side sent the packet (a SYN-ACK's sender, the responder, never); a pair
 * the policy allows neither way picks nothing up; a picked-up flow lets
 * its non-initiator open nothing new. Every frame also goes through the
 * reference evaluator (ref.c), which must give the same reason and record
 * the same initiator.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "expect.h"
#include "ref.h"
#include "testlib.h"
#include "pkt.h"


#define POLICY \
	"settings {\n scope tcp/443\n outside-scope drop\n loose-pickup on\n}\n" \
	"component clients { 10.1.0.0/16 2001:db8:1::/48 }\n" \
	"component server { 10.2.0.1 2001:db8:2::1 }\n" \
	"component left { 10.4.0.1 }\n" \
	"component right { 10.5.0.1 }\n" \
	"component bystander { 10.6.0.1 }\n" \
	"rule \"C\": clients -> server tcp/443\n" \
	"rule \"LR\": left <-> right tcp/443\n" \
	"rule \"BY\": bystander -> left tcp/443\n"

static const char *const client = "10.1.0.5", *const server = "10.2.0.1";
static const char *const client6 = "2001:db8:1::5", *const server6 = "2001:db8:2::1";

/* The programs and the reference evaluator, fed the same frames. */
struct both {
	struct dpt t;
	struct ref r;
};

static int both_open(struct both *w)
{
	int err = dpt_open(&w->t, 1024, 1024);

	if (!err)
		err = dpt_install_text(&w->t, POLICY);
	if (!err)
		err = ref_init(&w->r, w->t.reg, 1024);
	TS_CHECK(!err, "setup: %s", strerror(-err));
	return err;
}

static void both_close(struct both *w)
{
	ref_free(&w->r);
	dpt_close(&w->t);
}

/* The direction-free key of a connection between a:ap and b:bp. */
static struct ts_flow_key key_of(const char *a, uint16_t ap, const char *b, uint16_t bp)
{
	struct pkt_addr x = pkt_ip(a), y = pkt_ip(b);
	int c = memcmp(x.a, y.a, 16);
	bool a_lo = c ? c < 0 : ap < bp;
	struct ts_flow_key k = {};

	memcpy(k.lo_addr, a_lo ? x.a : y.a, 16);
	memcpy(k.hi_addr, a_lo ? y.a : x.a, 16);
	k.lo_port = htons(a_lo ? ap : bp);
	k.hi_port = htons(a_lo ? bp : ap);
	k.family = x.family;
	k.proto = IPPROTO_TCP;
	return k;
}

static const struct ref_flow *ref_flow_of(const struct ref *r, const struct ts_flow_key *k)
{
	for (size_t i = 0; i < r->flows.cap; i++)
		if (r->flows.v[i].used && !memcmp(r->flows.v[i].key, k, sizeof(*k)))
			return &r->flows.v[i];
	return NULL;
}

/* Whether the connection a:ap <-> b:bp has a flow (in the programs' table
 * and the reference's alike); *a_init: a is its initiator there. */
static bool flow_of(struct both *w, const char *a, uint16_t ap, const char *b, uint16_t bp,
		    bool *a_init)
{
	struct ts_flow_key k = key_of(a, ap, b, bp);
	const struct ts_flow_val *v = ts_dp_flow_find(w->t.dp, false, &k);
	const struct ref_flow *rf = ref_flow_of(&w->r, &k);
	bool a_hi = !memcmp(k.hi_addr, pkt_ip(a).a, 16) && k.hi_port == htons(ap);

	TS_CHECK(!v == !rf, "%s:%u-%s:%u: a flow in %s only", a, ap, b, bp, v ? "the programs" : "ref");
	if (!v || !rf)
		return false;
	TS_CHECK(v->flags == rf->flags, "%s:%u-%s:%u: flags 0x%x, ref 0x%x", a, ap, b, bp, v->flags,
		 rf->flags);
	TS_CHECK(v->flags & TS_FLOW_LOOSE, "%s:%u-%s:%u: not flagged loose", a, ap, b, bp);
	*a_init = !(v->flags & TS_FLOW_INIT_HI) != a_hi;
	return true;
}

/* One TCP frame src:sp -> dst:dp through XDP and the reference: both
 * count it under `want`. */
static void frame(struct both *w, const char *src, uint16_t sp, const char *dst, uint16_t dp,
		  uint8_t flags, int want, const char *what)
{
	struct pkt p;
	bool drop;
	uint32_t got;

	dpt_tcp(&p, src, sp, dst, dp, flags, 0);
	expect_reason(&w->t, TS_HOOK_XDP, &p, want, what);
	got = ref_packet(&w->r, p.b, p.len, &drop);
	TS_CHECK(got == (uint32_t)want, "%s: ref counts %s", what, ts_reason_name(got));
}

/* A mid-connection frame src:sp -> dst:dp is picked up, and the flow's
 * initiator is `init` (one of src, dst). */
static void picked_up(struct both *w, const char *src, uint16_t sp, const char *dst, uint16_t dp,
		      uint8_t flags, const char *init, const char *what)
{
	bool src_init = false;

	frame(w, src, sp, dst, dp, flags, TS_R_PASS_LOOSE, what);
	if (!flow_of(w, src, sp, dst, dp, &src_init)) {
		TS_CHECK(0, "%s: no flow made", what);
		return;
	}
	TS_CHECK(src_init == !strcmp(init, src), "%s: initiator recorded is %s, want %s", what,
		 src_init ? src : dst, init);
}

/* Nothing is picked up: the frame is dropped and no flow is made. */
static void refused(struct both *w, const char *src, uint16_t sp, const char *dst, uint16_t dp,
		    uint8_t flags, const char *what)
{
	bool src_init;

	frame(w, src, sp, dst, dp, flags, TS_R_DROP_NO_FLOW, what);
	TS_CHECK(!flow_of(w, src, sp, dst, dp, &src_init), "%s: a flow was made", what);
}

/* Only clients -> server is allowed: whichever side sends the first
 * packet seen, the client is the initiator. */
static void test_initiator_is_the_allowed_side(void)
{
	struct both w;

	if (both_open(&w))
		return;
	picked_up(&w, client, 1000, server, 443, PSH | ACK, client, "from the client");
	picked_up(&w, server, 443, client, 1001, ACK, client, "from the server");
	picked_up(&w, server, 443, client, 1002, SYN | ACK, client, "the server's SYN-ACK");
	picked_up(&w, server, 443, client, 1003, FIN | ACK, client, "the server's FIN");
	picked_up(&w, server6, 443, client6, 1004, PSH | ACK, client6, "from the server, IPv6");
	picked_up(&w, client6, 1005, server6, 443, ACK, client6, "from the client, IPv6");
	/* the server's side of a picked-up flow goes on as established */
	frame(&w, server, 443, client, 1000, ACK, TS_R_PASS_ESTABLISHED, "reply to a pickup");
	both_close(&w);
}

/* A SYN-ACK is the responder's: one from the side allowed to open says
 * the other side opened, which the policy does not allow. */
static void test_syn_ack_of_a_refused_opening(void)
{
	struct both w;

	if (both_open(&w))
		return;
	refused(&w, client, 1010, server, 443, SYN | ACK, "a SYN-ACK answering the server's SYN");
	refused(&w, client6, 1011, server6, 443, SYN | ACK, "the same, IPv6");
	/* between left and right either side may open: the SYN-ACK's receiver
	 * is recorded */
	picked_up(&w, "10.4.0.1", 443, "10.5.0.1", 1012, SYN | ACK, "10.5.0.1", "SYN-ACK, both ways allowed");
	both_close(&w);
}

/* A pair the policy allows in neither direction picks nothing up, in
 * either orientation, with the policy's port on either side. */
static void test_neither_direction(void)
{
	struct both w;

	if (both_open(&w))
		return;
	refused(&w, "10.6.0.1", 1020, server, 443, ACK, "a component with no rule to the server");
	refused(&w, server, 443, "10.6.0.1", 1020, ACK, "its reverse");
	refused(&w, server, 1021, client, 443, ACK, "server -> client:443 (only client -> server:443)");
	refused(&w, client, 443, server, 1021, PSH | ACK, "client:443 -> server");
	refused(&w, "10.9.0.1", 1022, server, 443, ACK, "an address in no component");
	refused(&w, server, 443, "10.9.0.1", 1022, SYN | ACK, "its reverse, a SYN-ACK");
	/* bystander -> left only: left's packets pick up with the bystander
	 * as initiator, never the other way round */
	refused(&w, "10.4.0.1", 1023, "10.6.0.1", 443, ACK, "left -> bystander:443");
	picked_up(&w, "10.4.0.1", 443, "10.6.0.1", 1024, ACK, "10.6.0.1", "left:443 -> bystander");
	both_close(&w);
}

/* After a pickup the non-initiator (the server) opens nothing: not on the
 * picked-up connection's ports, not toward the client's policy port, not
 * by a mid-stream packet, not once the flow is closing. */
static void test_non_initiator_opens_nothing(void)
{
	struct both w;
	bool client_init = false;

	if (both_open(&w))
		return;
	picked_up(&w, server, 443, client, 1030, ACK, client, "pickup from the server's side");
	/* a SYN is judged by its destination port alone, as if there were no
	 * flow: the client's port is outside the scope, dropped here */
	frame(&w, server, 443, client, 1030, SYN, TS_R_DROP_OUT_OF_SCOPE, "server SYN on the flow's ports");
	frame(&w, server, 1031, client, 443, SYN, TS_R_DROP_NO_RULE, "server SYN to the client's 443");
	refused(&w, server, 1031, client, 443, ACK, "server mid-stream to the client's 443");
	TS_CHECK(flow_of(&w, server, 443, client, 1030, &client_init) && !client_init,
		 "the flow's initiator changed: %s", client_init ? "server" : "gone");
	frame(&w, client, 1030, server, 443, PSH | ACK, TS_R_PASS_ESTABLISHED, "the flow's data");
	frame(&w, server, 443, client, 1030, RST | ACK, TS_R_PASS_ESTABLISHED, "the server resets it");
	frame(&w, server, 443, client, 1030, SYN, TS_R_DROP_OUT_OF_SCOPE, "server SYN on the closing flow");
	{
		struct ts_dp_fill fill;

		TS_CHECK(!ts_dp_fill_levels(w.t.dp, &fill) && fill.halfopen == 0,
			 "the server's refused SYNs left %u half-open entries", fill.halfopen);
	}
	both_close(&w);
}

int main(void)
{
	if (!ts_is_root()) {
		ts_skip("dp_pickup", "needs root");
		return 0;
	}
	ts_log_route_libbpf();
	ts_run("dp_pickup_initiator_is_the_allowed_side", test_initiator_is_the_allowed_side);
	ts_run("dp_pickup_syn_ack_of_a_refused_opening", test_syn_ack_of_a_refused_opening);
	ts_run("dp_pickup_neither_direction", test_neither_direction);
	ts_run("dp_pickup_non_initiator_opens_nothing", test_non_initiator_opens_nothing);
	return ts_done();
}
