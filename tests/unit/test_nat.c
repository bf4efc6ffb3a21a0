/* SPDX-License-Identifier: BSD-2-Clause */
/* NAT on the conntrack table: masquerade with port allocation, port
 * forwarding, the answer to a closed port, SYN limits; every rewritten
 * packet must carry valid checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "nat/nat.h"

#define PUBLIC 0xcb007101u    /* 203.0.113.1: the router outside */
#define INSIDE_NET 0xc0a80100u /* 192.168.1.0/24 */
#define CLIENT_A 0xc0a80102u  /* 192.168.1.2 */
#define CLIENT_B 0xc0a80103u
#define SERVER_IN 0xc0a8010au /* 192.168.1.10, reached by a forward */
#define REMOTE 0xc6336407u    /* 198.51.100.7, out there */
#define REMOTE2 0xc6336408u

struct pkt {
	uint8_t b[128];
	size_t len;
};

static struct pkt tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags,
                      uint32_t seq, uint32_t ack)
{
	struct pkt p;
	struct ipv4_fields ipf = { .src_addr = src, .dst_addr = dst, .ttl = 64,
		                   .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
	struct tcp_segment seg = { .src_port = sport, .dst_port = dport, .seq = seq, .ack = ack,
		                   .flags = flags, .window = 1000 };
	p.len = tcp_segment_emit(p.b, sizeof p.b, &ipf, &seg);
	assert_true(p.len > 0);
	return p;
}

/* Parse with both checksums checked. */
static struct tcp_segment parsed(const struct pkt *p)
{
	struct ipv4_view ip;
	struct tcp_segment seg;
	assert_int_equal(ipv4_parse(p->b, p->len, &ip), SYNQ_DROP_NONE);
	assert_int_equal(inet_checksum(p->b, 20), 0);
	assert_int_equal(tcp_parse(&ip, &seg, true), SYNQ_DROP_NONE);
	return seg;
}

static void setup(struct nat *n, uint32_t max, const struct nat_config *extra)
{
	struct nat_config cfg = { .public_addr = PUBLIC, .inside_net = INSIDE_NET,
		                  .inside_mask = 0xffffff00u };
	if (extra) {
		cfg = *extra;
		cfg.public_addr = PUBLIC;
		cfg.inside_net = INSIDE_NET;
		cfg.inside_mask = 0xffffff00u;
	}
	struct ct_config ct;
	ct_config_linux(&ct, max);
	assert_int_equal(nat_init(n, &cfg, &ct), 0);
}

static enum nat_verdict through(struct nat *n, struct pkt *p, synq_time_t now)
{
	uint8_t reply[NAT_REPLY_MAX];
	size_t reply_len;
	return nat_packet(n, p->b, p->len, now, reply, &reply_len);
}

static void masquerade_keeps_the_port(void **state)
{
	(void)state;
	struct nat n;
	setup(&n, 64, NULL);
	struct pkt syn = tcp(CLIENT_A, 5000, REMOTE, 80, TCP_SYN, 100, 0);
	assert_int_equal(through(&n, &syn, 0), NAT_PASS);
	struct tcp_segment s = parsed(&syn);
	assert_int_equal(s.src_addr, PUBLIC);
	assert_int_equal(s.src_port, 5000);
	assert_int_equal(s.dst_addr, REMOTE);
	struct pkt synack = tcp(REMOTE, 80, PUBLIC, 5000, TCP_SYN | TCP_ACK, 900, 101);
	assert_int_equal(through(&n, &synack, 1), NAT_PASS);
	s = parsed(&synack);
	assert_int_equal(s.dst_addr, CLIENT_A);
	assert_int_equal(s.dst_port, 5000);
	assert_int_equal(s.src_addr, REMOTE);
	assert_int_equal(n.stats.masqueraded, 1);
	assert_int_equal(n.stats.port_changed, 0);
	nat_free(&n);
}

/* Two inside clients on the same port to the same server: the second gets
 * another public port, and each answer finds its own client. */
static void masquerade_changes_a_taken_port(void **state)
{
	(void)state;
	struct nat n;
	setup(&n, 64, NULL);
	struct pkt a = tcp(CLIENT_A, 5000, REMOTE, 80, TCP_SYN, 1, 0);
	struct pkt b = tcp(CLIENT_B, 5000, REMOTE, 80, TCP_SYN, 1, 0);
	assert_int_equal(through(&n, &a, 0), NAT_PASS);
	assert_int_equal(through(&n, &b, 0), NAT_PASS);
	uint16_t pa = parsed(&a).src_port, pb = parsed(&b).src_port;
	assert_int_equal(pa, 5000);
	assert_int_not_equal(pb, 5000);
	assert_true(pb >= 1024);
	assert_int_equal(n.stats.port_changed, 1);
	struct pkt to_b = tcp(REMOTE, 80, PUBLIC, pb, TCP_SYN | TCP_ACK, 7, 2);
	assert_int_equal(through(&n, &to_b, 1), NAT_PASS);
	struct tcp_segment s = parsed(&to_b);
	assert_int_equal(s.dst_addr, CLIENT_B);
	assert_int_equal(s.dst_port, 5000);
	nat_free(&n);
}

static void port_forward(void **state)
{
	(void)state;
	struct nat_config cfg = { .n_forwards = 1,
		                  .forward = { { .public_port = 80, .inside_addr = SERVER_IN,
		                                 .inside_port = 8080 } } };
	struct nat n;
	setup(&n, 64, &cfg);
	struct pkt syn = tcp(REMOTE, 40000, PUBLIC, 80, TCP_SYN, 5, 0);
	assert_int_equal(through(&n, &syn, 0), NAT_PASS);
	struct tcp_segment s = parsed(&syn);
	assert_int_equal(s.dst_addr, SERVER_IN);
	assert_int_equal(s.dst_port, 8080);
	assert_int_equal(s.src_addr, REMOTE);
	struct pkt synack = tcp(SERVER_IN, 8080, REMOTE, 40000, TCP_SYN | TCP_ACK, 70, 6);
	assert_int_equal(through(&n, &synack, 1), NAT_PASS);
	s = parsed(&synack);
	assert_int_equal(s.src_addr, PUBLIC);
	assert_int_equal(s.src_port, 80);
	assert_int_equal(s.dst_addr, REMOTE);
	assert_int_equal(n.stats.forwarded, 1);
	/* The handshake's ACK: the entry is assured, as the kernel's. */
	struct pkt ack = tcp(REMOTE, 40000, PUBLIC, 80, TCP_ACK, 6, 71);
	assert_int_equal(through(&n, &ack, 2), NAT_PASS);
	enum ct_dir dir;
	struct ct_tuple orig = { REMOTE, PUBLIC, 40000, 80 };
	struct ct_entry *e = ct_find(&n.ct, &orig, 3, &dir);
	assert_non_null(e);
	assert_true(e->assured);
	assert_int_equal(e->state, CT_ESTABLISHED);
	nat_free(&n);
}

/* A port that is not forwarded: a reset (closed), or nothing (stealth). */
static void closed_and_stealth(void **state)
{
	(void)state;
	struct nat n;
	setup(&n, 64, NULL);
	struct pkt syn = tcp(REMOTE, 40000, PUBLIC, 23, TCP_SYN, 1000, 0);
	uint8_t reply[NAT_REPLY_MAX];
	size_t reply_len;
	assert_int_equal(nat_packet(&n, syn.b, syn.len, 0, reply, &reply_len), NAT_RESET);
	struct pkt r = { .len = reply_len };
	memcpy(r.b, reply, reply_len);
	struct tcp_segment s = parsed(&r);
	assert_int_equal(s.flags, TCP_RST | TCP_ACK);
	assert_int_equal(s.ack, 1001);
	assert_int_equal(s.src_addr, PUBLIC);
	assert_int_equal(s.src_port, 23);
	assert_int_equal(s.dst_addr, REMOTE);
	assert_int_equal(s.dst_port, 40000);
	assert_int_equal(n.ct.used, 0); /* nothing tracked for it */
	nat_free(&n);

	struct nat_config cfg = { .closed = NAT_CLOSED_STEALTH };
	setup(&n, 64, &cfg);
	syn = tcp(REMOTE, 40000, PUBLIC, 23, TCP_SYN, 1000, 0);
	assert_int_equal(nat_packet(&n, syn.b, syn.len, 0, reply, &reply_len), NAT_DROP);
	assert_int_equal(reply_len, 0);
	assert_int_equal(n.stats.closed_drops, 1);
	nat_free(&n);
}

/* nftables "limit rate 1/second burst 2" and a per-source meter. */
static void syn_rate_limit_and_meter(void **state)
{
	(void)state;
	struct nat_config cfg = { .n_forwards = 1,
		                  .forward = { { .public_port = 80, .inside_addr = SERVER_IN,
		                                 .inside_port = 80 } },
		                  .syn_rate = 1, .syn_burst = 2 };
	struct nat n;
	setup(&n, 64, &cfg);
	for (uint16_t i = 0; i < 3; i++) {
		struct pkt syn = tcp(REMOTE, (uint16_t)(40000 + i), PUBLIC, 80, TCP_SYN, 1, 0);
		assert_int_equal(through(&n, &syn, 0), i < 2 ? NAT_PASS : NAT_DROP);
	}
	struct pkt late = tcp(REMOTE, 41000, PUBLIC, 80, TCP_SYN, 1, 0);
	assert_int_equal(through(&n, &late, SYNQ_SEC(1)), NAT_PASS);
	assert_int_equal(n.stats.syn_limited, 1);
	nat_free(&n);

	cfg.syn_rate = 0;
	cfg.meter_rate = 1;
	cfg.meter_burst = 1;
	setup(&n, 64, &cfg);
	struct pkt a1 = tcp(REMOTE, 40000, PUBLIC, 80, TCP_SYN, 1, 0);
	struct pkt a2 = tcp(REMOTE, 40001, PUBLIC, 80, TCP_SYN, 1, 0);
	struct pkt b1 = tcp(REMOTE2, 40000, PUBLIC, 80, TCP_SYN, 1, 0);
	assert_int_equal(through(&n, &a1, 0), NAT_PASS);
	assert_int_equal(through(&n, &a2, 0), NAT_DROP);  /* the same source again */
	assert_int_equal(through(&n, &b1, 0), NAT_PASS);  /* another source */
	assert_int_equal(n.stats.meter_limited, 1);
	nat_free(&n);
}

/* The server's reset to a masqueraded SYN goes back to the client, and the
 * entry is gone at once. */
static void reset_before_reply(void **state)
{
	(void)state;
	struct nat n;
	setup(&n, 64, NULL);
	struct pkt syn = tcp(CLIENT_A, 5000, REMOTE, 81, TCP_SYN, 1, 0);
	assert_int_equal(through(&n, &syn, 0), NAT_PASS);
	struct pkt rst = tcp(REMOTE, 81, PUBLIC, 5000, TCP_RST | TCP_ACK, 0, 2);
	assert_int_equal(through(&n, &rst, 1), NAT_PASS);
	struct tcp_segment s = parsed(&rst);
	assert_int_equal(s.dst_addr, CLIENT_A);
	assert_int_equal(n.ct.used, 0);
	nat_free(&n);
}

/* A client that reuses its port after TIME_WAIT: the SYN reopens the
 * tuple, and the new connection is masqueraded afresh. */
static void reopened_tuple_is_translated(void **state)
{
	(void)state;
	struct nat n;
	setup(&n, 64, NULL);
	struct pkt p[] = {
		tcp(CLIENT_A, 5000, REMOTE, 80, TCP_SYN, 1, 0),
		tcp(REMOTE, 80, PUBLIC, 5000, TCP_SYN | TCP_ACK, 9, 2),
		tcp(CLIENT_A, 5000, REMOTE, 80, TCP_ACK, 2, 10),
		tcp(CLIENT_A, 5000, REMOTE, 80, TCP_FIN | TCP_ACK, 2, 10),
		tcp(REMOTE, 80, PUBLIC, 5000, TCP_FIN | TCP_ACK, 10, 3),
		tcp(CLIENT_A, 5000, REMOTE, 80, TCP_ACK, 3, 11),
	};
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
		assert_int_equal(through(&n, &p[i], (synq_time_t)i), NAT_PASS);
	enum ct_dir dir;
	struct ct_tuple orig = { CLIENT_A, REMOTE, 5000, 80 };
	struct ct_entry *e = ct_find(&n.ct, &orig, 10, &dir);
	assert_non_null(e);
	assert_int_equal(e->state, CT_TIME_WAIT);
	struct pkt again = tcp(CLIENT_A, 5000, REMOTE, 80, TCP_SYN, 500, 0);
	assert_int_equal(through(&n, &again, SYNQ_SEC(1)), NAT_PASS);
	struct tcp_segment s = parsed(&again);
	assert_int_equal(s.src_addr, PUBLIC);
	assert_int_equal(n.stats.masqueraded, 2);
	struct pkt answer = tcp(REMOTE, 80, PUBLIC, s.src_port, TCP_SYN | TCP_ACK, 70, 501);
	assert_int_equal(through(&n, &answer, SYNQ_SEC(1) + 1), NAT_PASS);
	assert_int_equal(parsed(&answer).dst_addr, CLIENT_A);
	nat_free(&n);
}

/* A full table of assured connections: a new one is dropped and counted. */
static void full_table_drops(void **state)
{
	(void)state;
	struct nat n;
	setup(&n, 4, NULL);
	for (uint16_t i = 0; i < 4; i++) {
		struct pkt syn = tcp(CLIENT_A, (uint16_t)(6000 + i), REMOTE, 80, TCP_SYN, 1, 0);
		struct pkt synack = tcp(REMOTE, 80, PUBLIC, (uint16_t)(6000 + i), TCP_SYN | TCP_ACK, 9, 2);
		struct pkt ack = tcp(CLIENT_A, (uint16_t)(6000 + i), REMOTE, 80, TCP_ACK, 2, 10);
		assert_int_equal(through(&n, &syn, 0), NAT_PASS);
		assert_int_equal(through(&n, &synack, 0), NAT_PASS);
		assert_int_equal(through(&n, &ack, 0), NAT_PASS);
	}
	struct pkt one_more = tcp(CLIENT_A, 7000, REMOTE, 80, TCP_SYN, 1, 0);
	assert_int_equal(through(&n, &one_more, 1), NAT_DROP);
	assert_int_equal(n.stats.table_full, 1);
	assert_int_equal(n.ct.used, 4);
	nat_free(&n);
}

/* The packet as the per-field RFC 1624 patch leaves it: each changed
 * address in both checksums, each changed port in TCP's. */
static void patched_by_field(struct pkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                             uint16_t dport)
{
	uint8_t *th = p->b + 20;
	uint16_t ipsum = load_be16(p->b + 10), tsum = load_be16(th + 16);
	uint32_t old_src = load_be32(p->b + 12), old_dst = load_be32(p->b + 16);
	uint16_t old_sport = load_be16(th), old_dport = load_be16(th + 2);
	if (old_src != src) {
		ipsum = inet_checksum_adjust32(ipsum, old_src, src);
		tsum = inet_checksum_adjust32(tsum, old_src, src);
	}
	if (old_dst != dst) {
		ipsum = inet_checksum_adjust32(ipsum, old_dst, dst);
		tsum = inet_checksum_adjust32(tsum, old_dst, dst);
	}
	if (old_sport != sport)
		tsum = inet_checksum_adjust16(tsum, old_sport, sport);
	if (old_dport != dport)
		tsum = inet_checksum_adjust16(tsum, old_dport, dport);
	store_be32(p->b + 12, src);
	store_be32(p->b + 16, dst);
	store_be16(th, sport);
	store_be16(th + 2, dport);
	store_be16(p->b + 10, ipsum);
	store_be16(th + 16, tsum);
}

/* Packets of answered connections take the entry's precomputed checksum
 * patches: the same bits as patching field by field, whatever the
 * checksums they arrive with - 0xffff included, which no sender computes
 * and where one fold could give 0xffff for 0x0000. The public address here
 * has the same 16-bit word sum as the client's, so the address patch is
 * zero and that case is reached. */
static void checksums_as_field_by_field(void **state)
{
	(void)state;
	struct nat_config cfg = { .public_addr = 0x0102c0a8u, /* 1.2.192.168 */
		                  .inside_net = INSIDE_NET, .inside_mask = 0xffffff00u,
		                  .n_forwards = 1,
		                  .forward = { { .public_port = 8080, .inside_addr = SERVER_IN,
		                                 .inside_port = 80 } } };
	struct ct_config ct;
	ct_config_linux(&ct, 64);
	struct nat n;
	assert_int_equal(nat_init(&n, &cfg, &ct), 0);
	uint32_t pub = cfg.public_addr;
	/* (as sent, as it must leave) for both directions of both flows */
	struct { uint32_t s; uint16_t sp; uint32_t d; uint16_t dp; } legs[4][2] = {
		{ { CLIENT_A, 40000, REMOTE, 443 }, { pub, 40000, REMOTE, 443 } },
		{ { REMOTE, 443, pub, 40000 }, { REMOTE, 443, CLIENT_A, 40000 } },
		{ { REMOTE2, 5555, pub, 8080 }, { REMOTE2, 5555, SERVER_IN, 80 } },
		{ { SERVER_IN, 80, REMOTE2, 5555 }, { pub, 8080, REMOTE2, 5555 } },
	};
	for (int f = 0; f < 4; f += 2) {
		struct pkt syn = tcp(legs[f][0].s, legs[f][0].sp, legs[f][0].d, legs[f][0].dp,
		                     TCP_SYN, 1, 0);
		struct pkt synack = tcp(legs[f + 1][0].s, legs[f + 1][0].sp, legs[f + 1][0].d,
		                        legs[f + 1][0].dp, TCP_SYN | TCP_ACK, 1, 2);
		assert_int_equal(through(&n, &syn, 0), NAT_PASS);
		assert_int_equal(through(&n, &synack, 0), NAT_PASS);
	}
	static const uint16_t sums[] = { 0x0000, 0x0001, 0x1234, 0x7fff, 0xfffe, 0xffff };
	for (int l = 0; l < 4; l++)
		for (unsigned i = 0; i < sizeof sums / sizeof sums[0]; i++)
			for (unsigned j = 0; j < sizeof sums / sizeof sums[0]; j++) {
				struct pkt p = tcp(legs[l][0].s, legs[l][0].sp, legs[l][0].d,
				                   legs[l][0].dp, TCP_ACK, 2, 2);
				store_be16(p.b + 10, sums[i]);
				store_be16(p.b + 36, sums[j]);
				struct pkt want = p;
				patched_by_field(&want, legs[l][1].s, legs[l][1].sp, legs[l][1].d,
				                 legs[l][1].dp);
				assert_int_equal(through(&n, &p, 1), NAT_PASS);
				assert_memory_equal(p.b, want.b, p.len);
			}
	/* and all of those went the answered connections' way */
	assert_int_equal(n.ct.stats.found, 2 + 4 * 36);
	nat_free(&n);
}

/* A datagram whose IPv4 header carries options is not the shape NAT's
 * fast path takes (a 20-byte header): it goes the general way, is tracked
 * as an answered connection's packet and leaves translated like any
 * other, both checksums valid. */
static void header_options_translated(void **state)
{
	(void)state;
	struct nat n;
	setup(&n, 64, NULL);
	struct pkt syn = tcp(CLIENT_A, 5000, REMOTE, 80, TCP_SYN, 100, 0);
	struct pkt synack = tcp(REMOTE, 80, PUBLIC, 5000, TCP_SYN | TCP_ACK, 900, 101);
	assert_int_equal(through(&n, &syn, 0), NAT_PASS);
	assert_int_equal(through(&n, &synack, 1), NAT_PASS);
	for (int reply = 0; reply < 2; reply++) {
		struct pkt p = reply ? tcp(REMOTE, 80, PUBLIC, 5000, TCP_ACK, 901, 101)
		                     : tcp(CLIENT_A, 5000, REMOTE, 80, TCP_ACK, 101, 901);
		/* four option bytes (NOP NOP NOP EOL) after the address fields */
		memmove(p.b + 24, p.b + 20, p.len - 20);
		memcpy(p.b + 20, "\x01\x01\x01\x00", 4);
		p.len += 4;
		p.b[0] = 0x46;
		store_be16(p.b + 2, (uint16_t)p.len);
		store_be16(p.b + 10, 0);
		store_be16(p.b + 10, inet_checksum(p.b, 24));
		uint64_t found = n.ct.stats.found;
		assert_int_equal(through(&n, &p, 2), NAT_PASS);
		assert_int_equal(n.ct.stats.found, found + 1);
		assert_int_equal(n.stats.translated, 3 + (uint64_t)reply);
		struct ipv4_view ip;
		struct tcp_segment s;
		assert_int_equal(ipv4_parse(p.b, p.len, &ip), SYNQ_DROP_NONE);
		assert_int_equal(inet_checksum(p.b, 24), 0);
		assert_int_equal(tcp_parse(&ip, &s, true), SYNQ_DROP_NONE);
		assert_int_equal(reply ? s.dst_addr : s.src_addr, reply ? CLIENT_A : PUBLIC);
		assert_int_equal(reply ? s.src_addr : s.dst_addr, REMOTE);
		assert_int_equal(s.src_port, reply ? 80 : 5000);
		assert_int_equal(s.dst_port, reply ? 5000 : 80);
	}
	nat_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(masquerade_keeps_the_port),
		cmocka_unit_test(masquerade_changes_a_taken_port),
		cmocka_unit_test(port_forward),
		cmocka_unit_test(closed_and_stealth),
		cmocka_unit_test(syn_rate_limit_and_meter),
		cmocka_unit_test(reset_before_reply),
		cmocka_unit_test(full_table_drops),
		cmocka_unit_test(reopened_tuple_is_translated),
		cmocka_unit_test(checksums_as_field_by_field),
		cmocka_unit_test(header_options_translated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
