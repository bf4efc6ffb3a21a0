/* SPDX-License-Identifier: BSD-2-Clause */
/* The link model: arrival at exactly start + N*8/R + D, FIFO queueing of
 * back-to-back packets, the carried remainder, drop-tail limits, seeded
 * loss and jitter, counters, and the packet pool. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ip/byteorder.h"
#include "ip/ipv4.h"
#include "synq/sim.h"

#define ADDR_A 0x0a000001u
#define ADDR_B 0x0a000002u
#define PROTO_EXPERIMENT 253 /* RFC 3692 */
#define ARRIVALS_MAX 20000

struct arrival {
	synq_time_t time;
	uint16_t id;   /* IPv4 identification: which packet */
	uint16_t len;
};

struct sink {
	struct arrival *arrivals;
	int n;
};

static void sink_receive(void *ctx, struct sim_node *node, const uint8_t *pkt,
                         size_t len, synq_time_t now)
{
	(void)node;
	struct sink *s = ctx;
	assert_true(s->n < ARRIVALS_MAX);
	assert_true(len >= IPV4_HEADER_MIN);
	s->arrivals[s->n++] = (struct arrival){ now, load_be16(pkt + 4), (uint16_t)len };
}

/* An IPv4 datagram of len bytes (>= 20), identified by id. */
static size_t build(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint16_t id)
{
	struct ipv4_fields f = { .src_addr = src, .dst_addr = dst, .id = id,
	                         .ttl = 64, .protocol = PROTO_EXPERIMENT };
	memset(buf, 0xab, len);
	ipv4_emit(buf, &f, (uint16_t)(len - IPV4_HEADER_MIN));
	return len;
}

struct pair {
	struct sim *sim;
	struct sim_node *a, *b;
	struct sim_link *link;
	struct sink sink_a, sink_b;
};

static void pair_setup(struct pair *p, uint64_t seed, const struct sim_link_config *lc)
{
	memset(p, 0, sizeof *p);
	p->sink_a.arrivals = calloc(ARRIVALS_MAX, sizeof(struct arrival));
	p->sink_b.arrivals = calloc(ARRIVALS_MAX, sizeof(struct arrival));
	assert_non_null(p->sink_a.arrivals);
	assert_non_null(p->sink_b.arrivals);
	struct sim_config cfg = { .seed = seed };
	assert_int_equal(sim_create(&cfg, &p->sim), 0);
	struct sim_node_config a = { .name = "a", .addr = ADDR_A,
	                             .receive = sink_receive, .ctx = &p->sink_a };
	struct sim_node_config b = { .name = "b", .addr = ADDR_B,
	                             .receive = sink_receive, .ctx = &p->sink_b };
	assert_int_equal(sim_node_add(p->sim, &a, &p->a), 0);
	assert_int_equal(sim_node_add(p->sim, &b, &p->b), 0);
	assert_int_equal(sim_link_add(p->sim, lc, p->a, p->b, &p->link), 0);
}

static void pair_teardown(struct pair *p)
{
	struct sim_stats st;
	sim_stats_get(p->sim, &st);
	assert_int_equal(st.packets_in_use, 0); /* every buffer came back */
	sim_destroy(p->sim);
	free(p->sink_a.arrivals);
	free(p->sink_b.arrivals);
}

static void send_a(struct pair *p, size_t len, uint16_t id)
{
	uint8_t buf[2048];
	build(buf, len, ADDR_A, ADDR_B, id);
	assert_int_equal(sim_node_send(p->a, buf, len), 0);
}

static struct sim_link_config link_config(synq_time_t delay_ns, uint64_t rate_bps,
                                          uint32_t queue_max_pkts)
{
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = delay_ns;
	lc.rate_bps = rate_bps;
	lc.queue_max_pkts = queue_max_pkts;
	return lc;
}

static void link_arrival_is_delay_plus_serialization(void **state)
{
	(void)state;
	/* 1250 bytes = 10000 bits at 10 Mbit/s = 1 ms; plus 3 ms delay. */
	struct sim_link_config lc = link_config(SYNQ_MSEC(3), 10000000, 100);
	struct pair p;
	pair_setup(&p, 1, &lc);
	send_a(&p, 1250, 1);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(p.sink_b.n, 1);
	assert_int_equal(p.sink_b.arrivals[0].time, SYNQ_MSEC(4));
	assert_int_equal(p.sink_b.arrivals[0].len, 1250);
	/* Offered to an idle link at 10 ms: 14 ms. A 40-byte packet: 32 us. */
	send_a(&p, 1250, 2);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(20)), 0);
	send_a(&p, 40, 3);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(30)), 0);
	assert_int_equal(p.sink_b.n, 3);
	assert_int_equal(p.sink_b.arrivals[1].time, SYNQ_MSEC(14));
	assert_int_equal(p.sink_b.arrivals[2].time, SYNQ_MSEC(23) + SYNQ_USEC(32));
	assert_int_equal(p.sink_a.n, 0);
	pair_teardown(&p);
}

static void link_back_to_back_packets_queue_fifo(void **state)
{
	(void)state;
	struct sim_link_config lc = link_config(SYNQ_MSEC(3), 10000000, 100);
	struct pair p;
	pair_setup(&p, 1, &lc);
	send_a(&p, 1250, 1); /* 1 ms on the wire */
	send_a(&p, 625, 2);  /* 0.5 ms, starts at 1 ms */
	send_a(&p, 1250, 3); /* 1 ms, starts at 1.5 ms */
	struct sim_link_stats st;
	sim_link_stats_get(p.link, SIM_LINK_A, &st);
	assert_int_equal(st.queue_pkts, 2);
	assert_int_equal(sim_run_until(p.sim, SYNQ_USEC(1200)), 0);
	sim_link_stats_get(p.link, SIM_LINK_A, &st);
	assert_int_equal(st.queue_pkts, 1); /* packet 2 is on the wire */
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(p.sink_b.n, 3);
	assert_int_equal(p.sink_b.arrivals[0].time, SYNQ_MSEC(4));
	assert_int_equal(p.sink_b.arrivals[1].time, SYNQ_USEC(4500));
	assert_int_equal(p.sink_b.arrivals[2].time, SYNQ_USEC(5500));
	for (int i = 0; i < 3; i++)
		assert_int_equal(p.sink_b.arrivals[i].id, i + 1);
	sim_link_stats_get(p.link, SIM_LINK_A, &st);
	assert_int_equal(st.queue_pkts, 0);
	assert_int_equal(st.queue_peak_pkts, 2);
	assert_int_equal(st.tx_packets, 3);
	assert_int_equal(st.tx_bytes, 3125);
	assert_int_equal(st.rx_packets, 3);
	assert_int_equal(st.rx_bytes, 3125);
	pair_teardown(&p);
}

static void link_fractional_time_does_not_drift(void **state)
{
	(void)state;
	/* 100 bytes at 3 Mbit/s: 266666.67 ns. Back to back, the k-th packet
	 * must finish at floor(k * 800 bits / 3 Mbit/s), not k * 266666 ns. */
	struct sim_link_config lc = link_config(0, 3000000, 100);
	struct pair p;
	pair_setup(&p, 1, &lc);
	for (int i = 0; i < 6; i++)
		send_a(&p, 100, (uint16_t)i);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(5)), 0);
	assert_int_equal(p.sink_b.n, 6);
	for (int k = 1; k <= 6; k++)
		assert_int_equal(p.sink_b.arrivals[k - 1].time, (synq_time_t)k * 800000 / 3);
	/* An idle link starts afresh: no fraction owed from before. */
	send_a(&p, 100, 7);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(p.sink_b.arrivals[6].time, SYNQ_MSEC(5) + 266666);
	/* Offered at the very nanosecond the previous one ends (266666 ns
	 * after 10 ms, 2/3 ns before its exact end): still back to back, so
	 * it ends at 10 ms + floor(533333.33), not 10 ms + 2 * 266666. */
	send_a(&p, 100, 8);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(10) + 266666), 0);
	send_a(&p, 100, 9);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(11)), 0);
	assert_int_equal(p.sink_b.n, 9);
	assert_int_equal(p.sink_b.arrivals[7].time, SYNQ_MSEC(10) + 266666);
	assert_int_equal(p.sink_b.arrivals[8].time, SYNQ_MSEC(10) + 533333);
	pair_teardown(&p);
}

static void link_queue_limit_drops_tail(void **state)
{
	(void)state;
	/* 125 bytes at 1 Mbit/s: 1 ms each. Room for 2 behind the one on
	 * the wire: of 5 offered at once, 2 are dropped. */
	struct sim_link_config lc = link_config(SYNQ_USEC(100), 1000000, 2);
	struct pair p;
	pair_setup(&p, 1, &lc);
	for (int i = 1; i <= 5; i++)
		send_a(&p, 125, (uint16_t)i);
	struct sim_link_stats st;
	sim_link_stats_get(p.link, SIM_LINK_A, &st);
	assert_int_equal(st.drops.by_reason[SYNQ_DROP_LINK_QUEUE_FULL], 2);
	assert_int_equal(st.tx_packets, 3);
	assert_int_equal(st.queue_pkts, 2);
	/* At 1.5 ms packet 2 is on the wire and one slot is free again. */
	assert_int_equal(sim_run_until(p.sim, SYNQ_USEC(1500)), 0);
	send_a(&p, 125, 6);
	send_a(&p, 125, 7); /* full again: dropped */
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(10)), 0);
	sim_link_stats_get(p.link, SIM_LINK_A, &st);
	assert_int_equal(st.drops.by_reason[SYNQ_DROP_LINK_QUEUE_FULL], 3);
	assert_int_equal(st.drops.by_reason[SYNQ_DROP_LINK_LOSS], 0);
	assert_int_equal(st.rx_packets, 4);
	assert_int_equal(p.sink_b.n, 4);
	static const uint16_t ids[] = { 1, 2, 3, 6 };
	static const synq_time_t at_us[] = { 1100, 2100, 3100, 4100 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(p.sink_b.arrivals[i].id, ids[i]);
		assert_int_equal(p.sink_b.arrivals[i].time, SYNQ_USEC(at_us[i]));
	}
	pair_teardown(&p);
}

static void link_without_queue_only_sends_when_idle(void **state)
{
	(void)state;
	struct sim_link_config lc = link_config(0, 1000000, 0);
	struct pair p;
	pair_setup(&p, 1, &lc);
	send_a(&p, 125, 1);
	send_a(&p, 125, 2);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(1)), 0);
	send_a(&p, 125, 3); /* the link went idle exactly now: accepted */
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(5)), 0);
	struct sim_link_stats st;
	sim_link_stats_get(p.link, SIM_LINK_A, &st);
	assert_int_equal(st.drops.by_reason[SYNQ_DROP_LINK_QUEUE_FULL], 1);
	assert_int_equal(p.sink_b.n, 2);
	assert_int_equal(p.sink_b.arrivals[1].id, 3);
	assert_int_equal(p.sink_b.arrivals[1].time, SYNQ_MSEC(2));
	pair_teardown(&p);
}

/* Sends from inside a callback; delivery must not be re-entrant. */
struct reentry {
	struct pair *pair;
	int sent;
	int seen_at_send;
};

static void send_now(struct sim *sim, void *arg)
{
	(void)sim;
	struct reentry *r = arg;
	send_a(r->pair, 60, 9);
	r->seen_at_send = r->pair->sink_b.n;
	r->sent++;
}

static void link_zero_delay_is_still_an_event(void **state)
{
	(void)state;
	struct sim_link_config lc = link_config(0, 0, 10);
	struct pair p;
	pair_setup(&p, 1, &lc);
	struct reentry r = { &p, 0, -1 };
	assert_int_equal(sim_event_schedule(p.sim, SYNQ_USEC(7), send_now, &r, NULL), 0);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(1)), 0);
	assert_int_equal(r.sent, 1);
	assert_int_equal(r.seen_at_send, 0);
	assert_int_equal(p.sink_b.n, 1);
	assert_int_equal(p.sink_b.arrivals[0].time, SYNQ_USEC(7));
	pair_teardown(&p);
}

static void link_directions_are_independent(void **state)
{
	(void)state;
	struct sim_link_config lc = link_config(SYNQ_MSEC(1), 1000000, 5);
	struct pair p;
	pair_setup(&p, 1, &lc);
	uint8_t buf[256];
	send_a(&p, 125, 1);
	build(buf, 125, ADDR_B, ADDR_A, 2);
	assert_int_equal(sim_node_send(p.b, buf, 125), 0);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(5)), 0);
	/* Both went at once: neither waited for the other. */
	assert_int_equal(p.sink_a.n, 1);
	assert_int_equal(p.sink_b.n, 1);
	assert_int_equal(p.sink_a.arrivals[0].time, SYNQ_MSEC(2));
	assert_int_equal(p.sink_b.arrivals[0].time, SYNQ_MSEC(2));
	struct sim_link_stats ab, ba;
	sim_link_stats_get(p.link, SIM_LINK_A, &ab);
	sim_link_stats_get(p.link, SIM_LINK_B, &ba);
	assert_int_equal(ab.tx_packets, 1);
	assert_int_equal(ba.tx_packets, 1);
	assert_ptr_equal(sim_link_node(p.link, SIM_LINK_A), p.a);
	assert_ptr_equal(sim_link_node(p.link, SIM_LINK_B), p.b);
	pair_teardown(&p);
}

/* Offer n packets spaced 10 us apart on a lossy link; mark delivered ids. */
static int run_lossy(uint64_t seed, double loss, uint8_t *delivered, int n,
                     struct sim_link_stats *st)
{
	struct sim_link_config lc = link_config(SYNQ_USEC(50), 0, 100);
	lc.loss = loss;
	struct pair p;
	pair_setup(&p, seed, &lc);
	for (int i = 0; i < n; i++) {
		send_a(&p, 60, (uint16_t)i);
		assert_int_equal(sim_run_until(p.sim, sim_now(p.sim) + SYNQ_USEC(10)), 0);
	}
	assert_int_equal(sim_run_until(p.sim, SYNQ_TIME_NEVER), 0);
	memset(delivered, 0, (size_t)n);
	for (int i = 0; i < p.sink_b.n; i++)
		delivered[p.sink_b.arrivals[i].id] = 1;
	sim_link_stats_get(p.link, SIM_LINK_A, st);
	int got = p.sink_b.n;
	pair_teardown(&p);
	return got;
}

static void link_loss_is_seeded_and_counted(void **state)
{
	(void)state;
	enum { N = 10000 };
	uint8_t *d1 = malloc(N), *d2 = malloc(N), *d3 = malloc(N);
	assert_non_null(d1);
	assert_non_null(d2);
	assert_non_null(d3);
	struct sim_link_stats st1, st2, st3;
	int got1 = run_lossy(42, 0.3, d1, N, &st1);
	int got2 = run_lossy(42, 0.3, d2, N, &st2);
	int got3 = run_lossy(43, 0.3, d3, N, &st3);
	assert_true(got1 > 6700 && got1 < 7300);
	assert_int_equal(got1, got2);
	assert_memory_equal(d1, d2, N);       /* same seed: same packets lost */
	assert_memory_not_equal(d1, d3, N);   /* another seed: others */
	assert_int_equal(st1.tx_packets, N);
	assert_int_equal(st1.rx_packets, (uint64_t)got1);
	assert_int_equal(st1.drops.by_reason[SYNQ_DROP_LINK_LOSS], N - got1);
	assert_int_equal(st3.drops.by_reason[SYNQ_DROP_LINK_LOSS], N - got3);

	int none = run_lossy(42, 1.0, d1, 100, &st1);
	assert_int_equal(none, 0);
	assert_int_equal(st1.drops.by_reason[SYNQ_DROP_LINK_LOSS], 100);
	int all = run_lossy(42, 0.0, d1, 100, &st1);
	assert_int_equal(all, 100);
	free(d1);
	free(d2);
	free(d3);
}

static void link_jitter_stays_in_range_and_is_seeded(void **state)
{
	(void)state;
	synq_time_t first[200];
	for (int round = 0; round < 2; round++) {
		struct sim_link_config lc = link_config(SYNQ_MSEC(1), 0, 100);
		lc.jitter_ns = SYNQ_USEC(500);
		struct pair p;
		pair_setup(&p, 5, &lc);
		for (int i = 0; i < 200; i++)
			send_a(&p, 60, (uint16_t)i);
		assert_int_equal(sim_run_until(p.sim, SYNQ_TIME_NEVER), 0);
		assert_int_equal(p.sink_b.n, 200);
		synq_time_t lo = SYNQ_TIME_NEVER, hi = 0;
		bool reordered = false;
		for (int i = 0; i < 200; i++) {
			const struct arrival *a = &p.sink_b.arrivals[i];
			lo = a->time < lo ? a->time : lo;
			hi = a->time > hi ? a->time : hi;
			reordered |= a->id != i;
			if (round == 0)
				first[a->id] = a->time;
			else
				assert_int_equal(first[a->id], a->time);
		}
		assert_true(lo >= SYNQ_MSEC(1) && hi <= SYNQ_MSEC(1) + SYNQ_USEC(500));
		assert_true(hi - lo > SYNQ_USEC(400));
		assert_true(reordered);
		pair_teardown(&p);
	}
}

static void link_configure_changes_one_direction(void **state)
{
	(void)state;
	struct sim_link_config lc = link_config(SYNQ_USEC(10), 0, 100);
	struct pair p;
	pair_setup(&p, 1, &lc);
	struct sim_link_config lossy = lc;
	lossy.loss = 1.0;
	assert_int_equal(sim_link_configure(p.link, SIM_LINK_A, &lossy), 0);
	send_a(&p, 60, 1);
	uint8_t buf[60];
	build(buf, 60, ADDR_B, ADDR_A, 2);
	assert_int_equal(sim_node_send(p.b, buf, 60), 0);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(1)), 0);
	assert_int_equal(p.sink_b.n, 0);
	assert_int_equal(p.sink_a.n, 1);
	assert_int_equal(sim_link_configure(p.link, SIM_LINK_A, &lc), 0);
	send_a(&p, 60, 3);
	assert_int_equal(sim_run_until(p.sim, SYNQ_MSEC(2)), 0);
	assert_int_equal(p.sink_b.n, 1);
	lossy.loss = 2.0;
	assert_int_equal(sim_link_configure(p.link, SIM_LINK_A, &lossy), -EINVAL);
	pair_teardown(&p);
}

static void link_config_is_validated(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct sim_node *a, *b;
	struct sim_node_config ca = { .name = "a" }, cb = { .name = "b" };
	assert_int_equal(sim_node_add(sim, &ca, &a), 0);
	assert_int_equal(sim_node_add(sim, &cb, &b), 0);
	struct sim_link *link;
	struct sim_link_config ok = link_config(0, 0, 10), bad;
	bad = ok;
	bad.delay_ns = -1;
	assert_int_equal(sim_link_add(sim, &bad, a, b, &link), -EINVAL);
	bad = ok;
	bad.loss = -0.1;
	assert_int_equal(sim_link_add(sim, &bad, a, b, &link), -EINVAL);
	bad = ok;
	bad.loss = NAN;
	assert_int_equal(sim_link_add(sim, &bad, a, b, &link), -EINVAL);
	bad = ok;
	bad.queue_max_pkts = SIM_LINK_QUEUE_MAX_PKTS + 1;
	assert_int_equal(sim_link_add(sim, &bad, a, b, &link), -EINVAL);
	bad = ok;
	bad.rate_bps = SIM_LINK_RATE_MAX_BPS + 1;
	assert_int_equal(sim_link_add(sim, &bad, a, b, &link), -EINVAL);
	assert_int_equal(sim_link_add(sim, &ok, a, a, &link), -EINVAL);
	/* Interfaces are a bounded table. */
	for (int i = 0; i < SIM_NODE_IFACES_MAX; i++)
		assert_int_equal(sim_link_add(sim, &ok, a, b, &link), 0);
	assert_int_equal(sim_link_add(sim, &ok, a, b, &link), -ENOSPC);
	sim_destroy(sim);
}

static void link_packet_pool_is_bounded_and_reused(void **state)
{
	(void)state;
	struct sim_config cfg = { .packets_max = 300, .packet_max_bytes = 200 };
	struct sim *sim;
	assert_int_equal(sim_create(&cfg, &sim), 0);
	struct sim_node *a, *b;
	struct sim_node_config ca = { .name = "a" }, cb = { .name = "b" };
	assert_int_equal(sim_node_add(sim, &ca, &a), 0);
	assert_int_equal(sim_node_add(sim, &cb, &b), 0);
	struct sim_link *link;
	struct sim_link_config lc = link_config(SYNQ_MSEC(1), 0, 10);
	assert_int_equal(sim_link_add(sim, &lc, a, b, &link), 0);
	uint8_t buf[256];
	build(buf, sizeof buf, ADDR_A, ADDR_B, 0);
	assert_int_equal(sim_node_send(a, buf, 201), -EMSGSIZE);
	assert_int_equal(sim_node_send(a, buf, 0), -EINVAL);
	for (int i = 0; i < 300; i++)
		assert_int_equal(sim_node_send(a, buf, 100), 0);
	assert_int_equal(sim_node_send(a, buf, 100), -ENOBUFS);
	struct sim_stats st;
	sim_stats_get(sim, &st);
	assert_int_equal(st.packets_in_use, 300);
	assert_int_equal(st.packets_allocated, 300);
	assert_int_equal(st.packets_exhausted, 1);
	/* Delivered packets return their buffers; reuse needs no new ones. */
	for (int round = 0; round < 5; round++) {
		assert_int_equal(sim_run_until(sim, sim_now(sim) + SYNQ_MSEC(2)), 0);
		sim_stats_get(sim, &st);
		assert_int_equal(st.packets_in_use, 0);
		for (int i = 0; i < 300; i++)
			assert_int_equal(sim_node_send(a, buf, 100), 0);
	}
	sim_stats_get(sim, &st);
	assert_int_equal(st.packets_allocated, 300);
	sim_destroy(sim); /* in-flight packets are freed with the simulation */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(link_arrival_is_delay_plus_serialization),
		cmocka_unit_test(link_back_to_back_packets_queue_fifo),
		cmocka_unit_test(link_fractional_time_does_not_drift),
		cmocka_unit_test(link_queue_limit_drops_tail),
		cmocka_unit_test(link_without_queue_only_sends_when_idle),
		cmocka_unit_test(link_zero_delay_is_still_an_event),
		cmocka_unit_test(link_directions_are_independent),
		cmocka_unit_test(link_loss_is_seeded_and_counted),
		cmocka_unit_test(link_jitter_stays_in_range_and_is_seeded),
		cmocka_unit_test(link_configure_changes_one_direction),
		cmocka_unit_test(link_config_is_validated),
		cmocka_unit_test(link_packet_pool_is_bounded_and_reused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
