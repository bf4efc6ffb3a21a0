/* SPDX-License-Identifier: BSD-2-Clause */
/* A link's packets in flight wait in the link's own queue, only the first
 * of them in the event queue (src/sim/link.c). That must not show: each
 * arrival still fires in (time, order of scheduling) among all events, a
 * packet still counts as a pending event against events_max, and packets
 * overtaking one another (reordering) still arrive by their own times.
 * A link's packets that the run loop would take next arrive one after the
 * other without going through the queue: events scheduled meanwhile, the
 * bound of a run and a stop still come between them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "synq/sim.h"

#define LOG_MAX 64

struct order_log {
	int n;
	int tag[LOG_MAX];
	synq_time_t at[LOG_MAX];
	struct sim *sim;
};

static void log_tag(struct order_log *l, int tag)
{
	assert_true(l->n < LOG_MAX);
	l->at[l->n] = sim_now(l->sim);
	l->tag[l->n++] = tag;
}

/* A packet's first byte is its tag (100 + its number). */
static void on_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                       synq_time_t now)
{
	(void)node;
	(void)len;
	(void)now;
	log_tag(ctx, pkt[0]);
}

struct tagged_event {
	struct order_log *log;
	int tag;
};

static void on_event(struct sim *sim, void *arg)
{
	(void)sim;
	struct tagged_event *e = arg;
	log_tag(e->log, e->tag);
}

/* Nodes a and b joined by a link with lc; b hands what it receives to
 * receive(ctx, ...). */
static struct sim_link *pair_with(struct sim *sim, const struct sim_link_config *lc,
                                  sim_receive_fn receive, void *ctx, struct sim_node **a,
                                  struct sim_node **b)
{
	struct sim_node_config ca = { .name = "a", .addr = 1, .kind = SIM_NODE_HOST };
	struct sim_node_config cb = { .name = "b", .addr = 2, .kind = SIM_NODE_HOST,
	                              .receive = receive, .ctx = ctx };
	assert_int_equal(sim_node_add(sim, &ca, a), 0);
	assert_int_equal(sim_node_add(sim, &cb, b), 0);
	struct sim_link *link;
	assert_int_equal(sim_link_add(sim, lc, *a, *b, &link), 0);
	return link;
}

static struct sim_link *pair(struct sim *sim, const struct sim_link_config *lc,
                             struct order_log *log, struct sim_node **a, struct sim_node **b)
{
	return pair_with(sim, lc, on_receive, log, a, b);
}

static void send_tagged(struct sim_node *from, int tag)
{
	uint8_t pkt[40] = { (uint8_t)tag };
	assert_int_equal(sim_node_send(from, pkt, sizeof pkt), 0);
}

/* Ties at one instant fire in the order they were scheduled, packets and
 * other events mixed, although only one packet at a time is queued. */
static void arrivals_keep_their_place_among_ties(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct order_log log = { .sim = sim };
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = 1000;
	struct sim_node *a, *b;
	pair(sim, &lc, &log, &a, &b);
	struct tagged_event e1 = { &log, 1 }, e2 = { &log, 2 }, e3 = { &log, 3 };
	assert_int_equal(sim_event_schedule(sim, 1000, on_event, &e1, NULL), 0);
	send_tagged(a, 101);
	send_tagged(a, 102);
	assert_int_equal(sim_event_schedule(sim, 1000, on_event, &e2, NULL), 0);
	send_tagged(a, 103);
	assert_int_equal(sim_event_schedule(sim, 1000, on_event, &e3, NULL), 0);
	struct sim_stats st;
	sim_stats_get(sim, &st);
	assert_int_equal(st.events_pending, 6);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	static const int want[] = { 1, 101, 102, 2, 103, 3 };
	assert_int_equal(log.n, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(log.tag[i], want[i]);
		assert_int_equal(log.at[i], 1000);
	}
	sim_stats_get(sim, &st);
	assert_int_equal(st.events_run, 6);
	assert_int_equal(st.events_pending, 0);
	sim_destroy(sim);
}

/* Packets waiting in a link count as pending events: the limit refuses
 * the packet, or the event, that would go past it. */
static void waiting_packets_count_against_the_limit(void **state)
{
	(void)state;
	struct sim *sim;
	struct sim_config cfg = { .events_max = 4 };
	assert_int_equal(sim_create(&cfg, &sim), 0);
	struct order_log log = { .sim = sim };
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = 500;
	struct sim_node *a, *b;
	pair(sim, &lc, &log, &a, &b);
	for (int i = 0; i < 6; i++)
		send_tagged(a, 100 + i);
	struct sim_stats st;
	sim_stats_get(sim, &st);
	assert_int_equal(st.events_pending, 4);
	assert_int_equal(st.events_exhausted, 2);
	struct tagged_event e = { &log, 9 };
	assert_int_equal(sim_event_schedule(sim, 10, on_event, &e, NULL), -ENOSPC);
	sim_stats_get(sim, &st);
	assert_int_equal(st.events_exhausted, 3);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(log.n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(log.tag[i], 100 + i);
	sim_destroy(sim);
}

/* Each packet arrives at its own time, whether it waited behind another
 * in the link or was sent on a link idle since. */
static void arrival_times_follow_the_link(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct order_log log = { .sim = sim };
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = 1000;
	lc.rate_bps = 8000000; /* 40 bytes: 40 us each */
	struct sim_node *a, *b;
	pair(sim, &lc, &log, &a, &b);
	send_tagged(a, 101);
	send_tagged(a, 102);
	send_tagged(a, 103);
	assert_int_equal(sim_run_until(sim, 200000), 0);
	send_tagged(a, 104);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.at[0], 41000);
	assert_int_equal(log.at[1], 81000);
	assert_int_equal(log.at[2], 121000);
	assert_int_equal(log.at[3], 200000 + 41000);
	sim_destroy(sim);
}

/* A packet held back by reordering is overtaken: the one sent after it
 * on the same link, without the hold, arrives first. */
static void reordered_packets_overtake(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct order_log log = { .sim = sim };
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = 1000;
	lc.reorder = 1.0;
	lc.reorder_delay_ns = 5000;
	struct sim_node *a, *b;
	struct sim_link *link = pair(sim, &lc, &log, &a, &b);
	send_tagged(a, 101);   /* held back: arrives at 6000 */
	send_tagged(a, 102);   /* held back too: 6000, after 101 */
	assert_int_equal(sim_run_until(sim, 10), 0);
	lc.reorder = 0;
	assert_int_equal(sim_link_configure(link, SIM_LINK_A, &lc), 0);
	send_tagged(a, 103);   /* not held: 1010 */
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	static const int want_tag[] = { 103, 101, 102 };
	static const synq_time_t want_at[] = { 1010, 6000, 6000 };
	assert_int_equal(log.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(log.tag[i], want_tag[i]);
		assert_int_equal(log.at[i], want_at[i]);
	}
	sim_destroy(sim);
}

/* A burst reacts to what its own arrivals do. */
struct burst {
	struct order_log log;
	struct tagged_event early; /* scheduled by packet 101, before 102 */
	bool stop_at_103;
};

static void on_burst_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                             synq_time_t now)
{
	(void)node;
	(void)len;
	struct burst *b = ctx;
	log_tag(&b->log, pkt[0]);
	if (pkt[0] == 101)
		assert_int_equal(sim_event_schedule(b->log.sim, now + 5, on_event, &b->early, NULL),
		                 0);
	if (pkt[0] == 103 && b->stop_at_103)
		sim_stop(b->log.sim);
}

static void bursts_give_way(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct burst b = { .log = { .sim = sim }, .stop_at_103 = true };
	b.early = (struct tagged_event){ &b.log, 1 };
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = 1000;
	struct sim_node *a, *bn;
	pair_with(sim, &lc, on_burst_receive, &b, &a, &bn);
	/* 101..105 arrive at 1000, 1010, 1020, 1030, 1040 */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(sim_run_until(sim, (synq_time_t)i * 10), 0);
		send_tagged(a, 101 + i);
	}
	/* the event 101 schedules for 1005 comes before 102; the bound
	 * 1015 ends the run after 102 */
	assert_int_equal(sim_run_until(sim, 1015), 0);
	static const int want_first[] = { 101, 1, 102 };
	assert_int_equal(b.log.n, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(b.log.tag[i], want_first[i]);
	assert_int_equal(b.log.at[1], 1005);
	assert_int_equal(sim_now(sim), 1015);
	/* 103 stops the run: 104 waits */
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(b.log.n, 4);
	assert_int_equal(b.log.tag[3], 103);
	assert_int_equal(sim_now(sim), 1020);
	b.stop_at_103 = false;
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(b.log.n, 6);
	assert_int_equal(b.log.tag[4], 104);
	assert_int_equal(b.log.at[4], 1030);
	assert_int_equal(b.log.tag[5], 105);
	assert_int_equal(b.log.at[5], 1040);
	struct sim_stats st;
	sim_stats_get(sim, &st);
	assert_int_equal(st.events_run, 6);
	assert_int_equal(st.events_pending, 0);
	sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arrivals_keep_their_place_among_ties),
		cmocka_unit_test(waiting_packets_count_against_the_limit),
		cmocka_unit_test(arrival_times_follow_the_link),
		cmocka_unit_test(reordered_packets_overtake),
		cmocka_unit_test(bursts_give_way),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
