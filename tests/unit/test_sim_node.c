/* SPDX-License-Identifier: BSD-2-Clause */
/* The node contract a wrapped stack relies on: the single timer (arm,
 * move, disarm, re-arm from its callback), copied packets, accessors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "synq/sim.h"

#define CALLS_MAX 16

struct clock_log {
	int n;
	synq_time_t at[CALLS_MAX];
	int tag;
	int *order;      /* shared across nodes: who fired, in order */
	int *order_n;
	synq_time_t period_ns; /* re-arm from the callback when nonzero */
	int repeats;
};

static void on_timer(void *ctx, struct sim_node *node, synq_time_t now)
{
	struct clock_log *c = ctx;
	assert_true(c->n < CALLS_MAX);
	assert_int_equal(sim_node_timer_deadline(node), SYNQ_TIME_NEVER); /* disarmed */
	c->at[c->n++] = now;
	if (c->order)
		c->order[(*c->order_n)++] = c->tag;
	if (c->period_ns && c->n < c->repeats)
		assert_int_equal(sim_node_timer_set(node, now + c->period_ns), 0);
}

static struct sim_node *timed_node(struct sim *sim, struct clock_log *c)
{
	struct sim_node *node;
	struct sim_node_config cfg = { .name = "t", .timer = on_timer, .ctx = c };
	assert_int_equal(sim_node_add(sim, &cfg, &node), 0);
	return node;
}

static void timer_fires_once_at_its_deadline(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct clock_log c = { .n = 0 };
	struct sim_node *node = timed_node(sim, &c);
	assert_int_equal(sim_node_timer_deadline(node), SYNQ_TIME_NEVER);
	assert_int_equal(sim_node_timer_set(node, 100), 0);
	assert_int_equal(sim_node_timer_deadline(node), 100);
	assert_int_equal(sim_run_until(sim, 99), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(sim_run_until(sim, 1000), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.at[0], 100);
	struct sim_node_stats st;
	sim_node_stats_get(node, &st);
	assert_int_equal(st.timer_calls, 1);
	sim_destroy(sim);
}

static void timer_moves_and_disarms(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct clock_log c = { .n = 0 };
	struct sim_node *node = timed_node(sim, &c);
	assert_int_equal(sim_node_timer_set(node, 100), 0);
	assert_int_equal(sim_node_timer_set(node, 50), 0);  /* earlier */
	assert_int_equal(sim_node_timer_set(node, 300), 0); /* later */
	assert_int_equal(sim_run_until(sim, 200), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(sim_node_timer_set(node, SYNQ_TIME_NEVER), 0);
	assert_int_equal(sim_node_timer_deadline(node), SYNQ_TIME_NEVER);
	assert_int_equal(sim_node_timer_set(node, SYNQ_TIME_NEVER), 0); /* twice is fine */
	assert_int_equal(sim_run_until(sim, 1000), 0);
	assert_int_equal(c.n, 0);
	/* Many moves cost no events: only one is ever pending. */
	for (int i = 0; i < 10000; i++)
		assert_int_equal(sim_node_timer_set(node, 2000 + i % 97), 0);
	struct sim_stats st;
	sim_stats_get(sim, &st);
	assert_int_equal(st.events_pending, 1);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.at[0], 2000 + 9999 % 97);
	sim_destroy(sim);
}

static void timer_in_the_past_fires_now(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct clock_log c = { .n = 0 };
	struct sim_node *node = timed_node(sim, &c);
	assert_int_equal(sim_run_until(sim, 500), 0);
	assert_int_equal(sim_node_timer_set(node, 10), 0);
	assert_int_equal(sim_node_timer_deadline(node), 500);
	assert_int_equal(sim_run_until(sim, 500), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.at[0], 500);
	sim_destroy(sim);
}

static void timer_rearms_from_its_callback(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct clock_log c = { .n = 0, .period_ns = 10, .repeats = 5 };
	struct sim_node *node = timed_node(sim, &c);
	assert_int_equal(sim_node_timer_set(node, 10), 0);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(c.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(c.at[i], 10 * (i + 1));
	sim_destroy(sim);
}

static void timer_ties_keep_arming_order(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	int order[4], n = 0;
	struct clock_log a = { .tag = 1, .order = order, .order_n = &n };
	struct clock_log b = { .tag = 2, .order = order, .order_n = &n };
	struct sim_node *na = timed_node(sim, &a), *nb = timed_node(sim, &b);
	assert_int_equal(sim_node_timer_set(na, 100), 0);
	assert_int_equal(sim_node_timer_set(nb, 100), 0);
	/* Re-arming at the same deadline is a no-op: a stays first. */
	assert_int_equal(sim_node_timer_set(na, 100), 0);
	assert_int_equal(sim_run_until(sim, 100), 0);
	assert_int_equal(n, 2);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	/* A real move ties as if armed now: after b. */
	assert_int_equal(sim_node_timer_set(na, 150), 0);
	assert_int_equal(sim_node_timer_set(nb, 200), 0);
	assert_int_equal(sim_node_timer_set(na, 200), 0);
	assert_int_equal(sim_run_until(sim, 300), 0);
	assert_int_equal(n, 4);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 1);
	sim_destroy(sim);
}

static void timer_needs_a_callback(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct sim_node *node;
	struct sim_node_config cfg = { .name = "no-timer" };
	assert_int_equal(sim_node_add(sim, &cfg, &node), 0);
	assert_int_equal(sim_node_timer_set(node, 10), -EINVAL);
	sim_destroy(sim);
}

struct copy_check {
	uint8_t got[64];
	size_t len;
	int calls;
};

static void copy_receive(void *ctx, struct sim_node *node, const uint8_t *pkt,
                         size_t len, synq_time_t now)
{
	(void)node;
	(void)now;
	struct copy_check *c = ctx;
	memcpy(c->got, pkt, len);
	c->len = len;
	c->calls++;
}

static void node_send_copies_the_packet(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct copy_check cc = { .len = 0 };
	struct sim_node *a, *b;
	struct sim_node_config ca = { .name = "a" };
	struct sim_node_config cb = { .name = "b", .receive = copy_receive, .ctx = &cc };
	assert_int_equal(sim_node_add(sim, &ca, &a), 0);
	assert_int_equal(sim_node_add(sim, &cb, &b), 0);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = 10;
	struct sim_link *link;
	assert_int_equal(sim_link_add(sim, &lc, a, b, &link), 0);
	uint8_t buf[24];
	memset(buf, 0x45, sizeof buf);
	assert_int_equal(sim_node_send(a, buf, sizeof buf), 0);
	memset(buf, 0x00, sizeof buf); /* the caller's buffer is free again */
	assert_int_equal(sim_run_until(sim, 100), 0);
	assert_int_equal(cc.calls, 1);
	assert_int_equal(cc.len, sizeof buf);
	for (size_t i = 0; i < sizeof buf; i++)
		assert_int_equal(cc.got[i], 0x45);
	struct sim_node_stats sa, sb;
	sim_node_stats_get(a, &sa);
	sim_node_stats_get(b, &sb);
	assert_int_equal(sa.tx_packets, 1);
	assert_int_equal(sa.tx_bytes, 24);
	assert_int_equal(sb.rx_packets, 1);
	assert_int_equal(sb.rx_bytes, 24);
	sim_destroy(sim);
}

static void node_accessors(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	int ctx;
	struct sim_node *node;
	struct sim_node_config cfg = {
		.name = "a-name-that-is-much-longer-than-the-limit-of-the-table",
		.addr = 0xc0a80001u, .ctx = &ctx,
	};
	assert_int_equal(sim_node_add(sim, &cfg, &node), 0);
	assert_int_equal(strlen(sim_node_name(node)), SIM_NODE_NAME_MAX - 1);
	assert_int_equal(strncmp(sim_node_name(node), cfg.name, SIM_NODE_NAME_MAX - 1), 0);
	assert_int_equal(sim_node_addr(node), 0xc0a80001u);
	assert_ptr_equal(sim_node_ctx(node), &ctx);
	assert_ptr_equal(sim_node_sim(node), sim);
	assert_non_null(sim_rng_get(sim));
	assert_int_equal(sim_node_add(sim, NULL, &node), -EINVAL);
	struct sim_config bad = { .packet_max_bytes = 70000 };
	struct sim *other = NULL;
	assert_int_equal(sim_create(&bad, &other), -EINVAL);
	assert_null(other);
	sim_destroy(sim);
	sim_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timer_fires_once_at_its_deadline),
		cmocka_unit_test(timer_moves_and_disarms),
		cmocka_unit_test(timer_in_the_past_fires_now),
		cmocka_unit_test(timer_rearms_from_its_callback),
		cmocka_unit_test(timer_ties_keep_arming_order),
		cmocka_unit_test(timer_needs_a_callback),
		cmocka_unit_test(node_send_copies_the_packet),
		cmocka_unit_test(node_accessors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
