/* SPDX-License-Identifier: BSD-2-Clause */
/* Stacks in shared slabs (synq_slabs_new()): each keeps its own limits and
 * its own timers, though the objects it frees go to the others. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "synq/socket.h"
#include "synq/stack.h"

#define PEER 0x0a000001u

static void count_output(void *ctx, const uint8_t *d, size_t len)
{
	(void)d;
	(void)len;
	(*(unsigned *)ctx)++;
}

static struct synq_config small_config(void)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.max_sockets = 16;
	cfg.max_connections = 2;
	cfg.max_requests = 4;
	cfg.max_time_wait = 4;
	cfg.max_listeners = 2;
	return cfg;
}

struct pair {
	struct synq_slabs *slabs;
	struct synq_stack *a, *b;
	unsigned sent_a, sent_b;
};

static void pair_new(struct pair *p, const struct synq_config *cfg)
{
	*p = (struct pair){ 0 };
	assert_int_equal(synq_slabs_new(&p->slabs, cfg, 2), 0);
	struct synq_stack_io io_a = { .output = count_output, .ctx = &p->sent_a };
	struct synq_stack_io io_b = { .output = count_output, .ctx = &p->sent_b };
	assert_int_equal(synq_stack_new_in(&p->a, p->slabs, cfg, 0x0a000002u, 1, &io_a), 0);
	assert_int_equal(synq_stack_new_in(&p->b, p->slabs, cfg, 0x0a000003u, 2, &io_b), 0);
}

static void pair_free(struct pair *p)
{
	synq_stack_free(p->a);
	synq_stack_free(p->b);
	synq_slabs_free(p->slabs);
}

static int connect_out(struct synq_stack *s)
{
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fd; /* a socket takes its connection object at once */
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(80),
	                          .sin_addr.s_addr = htonl(PEER) };
	int rc = synq_connect(s, fd, (struct sockaddr *)&to, sizeof to);
	return rc == -EINPROGRESS ? fd : rc;
}

static uint32_t connections_used(const struct synq_stack *s, uint64_t *overflows)
{
	struct synq_stack_usage u;
	synq_stack_usage(s, &u);
	if (overflows)
		*overflows = u.connections.overflows;
	return u.connections.used;
}

/* Stack a fills its two connections and overflows on a third, counted
 * as its own; b, in the same slabs, still gets both of its own. */
static void test_each_stack_keeps_its_own_limit(void **state)
{
	(void)state;
	struct synq_config cfg = small_config();
	struct pair p;
	pair_new(&p, &cfg);
	assert_true(connect_out(p.a) >= 0);
	assert_true(connect_out(p.a) >= 0);
	assert_true(connect_out(p.a) < 0);
	uint64_t overflows_a, overflows_b;
	assert_int_equal(connections_used(p.a, &overflows_a), 2);
	assert_int_equal(overflows_a, 1);
	assert_true(connect_out(p.b) >= 0);
	assert_true(connect_out(p.b) >= 0);
	assert_int_equal(connections_used(p.b, &overflows_b), 2);
	assert_int_equal(overflows_b, 0);
	pair_free(&p);
}

/* a's connection ends with its retransmission timer armed, and b's next
 * connection takes the freed object. a must be left with no timer at
 * all: one that still pointed at the object would fire b's connection
 * from a's stack. */
static void test_a_freed_connection_leaves_no_timer_behind(void **state)
{
	(void)state;
	struct synq_config cfg = small_config();
	struct pair p;
	pair_new(&p, &cfg);
	int fd = connect_out(p.a);
	assert_true(fd >= 0);
	assert_int_equal(p.sent_a, 1); /* the SYN */
	assert_true(synq_stack_next_deadline(p.a) != SYNQ_TIME_NEVER);
	assert_int_equal(synq_close(p.a, fd), 0);
	assert_int_equal(connections_used(p.a, NULL), 0);

	synq_stack_advance(p.b, SYNQ_MSEC(10));
	assert_true(connect_out(p.b) >= 0);
	assert_int_equal(synq_stack_next_deadline(p.a), SYNQ_TIME_NEVER);
	synq_stack_advance(p.a, SYNQ_SEC(5));
	assert_int_equal(p.sent_a, 1);
	synq_stack_advance(p.b, SYNQ_SEC(5));
	assert_true(p.sent_b >= 2); /* b's SYN and its retransmissions */
	pair_free(&p);
}

static void test_reset_and_snapshot_refuse_a_stack_in_slabs(void **state)
{
	(void)state;
	struct synq_config cfg = small_config();
	struct pair p;
	pair_new(&p, &cfg);
	assert_true(connect_out(p.a) >= 0);
	assert_int_equal(synq_stack_reset(p.a), -EINVAL);
	assert_int_equal(connections_used(p.a, NULL), 1); /* left as it was */
	struct synq_stack_snapshot *snap = NULL;
	assert_int_equal(synq_stack_snapshot(p.a, &snap), -EINVAL);
	assert_null(snap);
	pair_free(&p);
}

static void test_slabs_hold_only_the_stacks_they_were_made_for(void **state)
{
	(void)state;
	struct synq_config cfg = small_config();
	struct pair p;
	pair_new(&p, &cfg);
	unsigned sent = 0;
	struct synq_stack_io io = { .output = count_output, .ctx = &sent };
	struct synq_stack *third = NULL;
	assert_int_equal(synq_stack_new_in(&third, p.slabs, &cfg, 0x0a000004u, 3, &io), -ENOSPC);
	assert_null(third);
	pair_free(&p);

	struct synq_slabs *huge = NULL;
	cfg.max_connections = 1u << 20;
	assert_int_equal(synq_slabs_new(&huge, &cfg, 1u << 12), -EINVAL);
	assert_null(huge);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_stack_keeps_its_own_limit),
		cmocka_unit_test(test_a_freed_connection_leaves_no_timer_behind),
		cmocka_unit_test(test_reset_and_snapshot_refuse_a_stack_in_slabs),
		cmocka_unit_test(test_slabs_hold_only_the_stacks_they_were_made_for),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
