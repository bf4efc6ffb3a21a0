/* SPDX-License-Identifier: BSD-2-Clause */
/* The stack's next deadline stays exact although a connection's place in
 * the timer heap is moved lazily (src/tcp/timer.c): a timer switched off,
 * or set later, leaves the connection's key early until the key is read
 * or comes due. Whoever asks synq_stack_next_deadline() must still get
 * the earliest timer that is armed, and no timer may run early or twice. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dialogue.h"
#include "synq/socket.h"

static uint32_t peer_tsval = 300;

static void peer_seg(struct dlg *d, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	struct dlg_seg seg = { .flags = flags, .seq = seq, .ack = ack, .window = 1000,
	                       .len = len };
	seg.opt.has_timestamp = true;
	seg.opt.tsval = peer_tsval++;
	dlg_send(d, &seg);
}

static int open_conn(struct dlg *d)
{
	int lfd = dlg_listen(d, 8);
	int fd = dlg_passive_open(d, lfd, true); /* MSS 1460, wscale 7, TS */
	assert_int_equal(dlg_pending(d), 0);
	return fd;
}

/* Data out arms the loss probe; its ACK switches the timer off: the
 * stack has nothing left to wait for. */
static void acked_data_leaves_no_deadline(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d);
	assert_int_equal(synq_stack_next_deadline(d.s), SYNQ_TIME_NEVER);
	assert_int_equal(synq_write(d.s, fd, "0123456789", 10), 10);
	dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
	synq_time_t probe = synq_stack_next_deadline(d.s);
	assert_true(probe > d.now && probe != SYNQ_TIME_NEVER);
	dlg_advance(&d, SYNQ_MSEC(5));
	peer_seg(&d, TCP_ACK, 1, 11, 0);
	dlg_expect_nothing(&d);
	assert_int_equal(synq_stack_next_deadline(d.s), SYNQ_TIME_NEVER);
	/* and nothing runs at the old probe time */
	dlg_advance(&d, probe - d.now + SYNQ_SEC(1));
	dlg_expect_nothing(&d);
	dlg_free(&d);
}

/* The probe switched off while the keepalive timer runs: the deadline is
 * the keepalive's, not the probe's. */
static void deadline_moves_to_the_next_timer(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d);
	int v = 1;
	assert_int_equal(synq_setsockopt(d.s, fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v), 0);
	v = 10;
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_KEEPIDLE, &v, sizeof v), 0);
	synq_time_t keepalive = d.now + SYNQ_SEC(10);
	assert_int_equal(synq_stack_next_deadline(d.s), keepalive);
	assert_int_equal(synq_write(d.s, fd, "0123456789", 10), 10);
	dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
	synq_time_t probe = synq_stack_next_deadline(d.s);
	assert_true(probe > d.now && probe < keepalive);
	dlg_advance(&d, SYNQ_MSEC(2));
	peer_seg(&d, TCP_ACK, 1, 11, 0);
	assert_int_equal(synq_stack_next_deadline(d.s), keepalive);
	/* nothing at the old probe time; at the keepalive's, the connection
	 * was not idle long enough: no probe, the timer goes on */
	dlg_advance(&d, keepalive - d.now - 1);
	dlg_expect_nothing(&d);
	dlg_advance(&d, 1);
	dlg_expect_nothing(&d);
	synq_time_t next = synq_stack_next_deadline(d.s);
	assert_true(next > keepalive && next != SYNQ_TIME_NEVER);
	dlg_free(&d);
}

/* A timer set later and then earlier again: the earlier one counts. */
static void later_then_earlier(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d);
	assert_int_equal(synq_write(d.s, fd, "ab", 2), 2);
	dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
	synq_time_t first = synq_stack_next_deadline(d.s);
	dlg_advance(&d, SYNQ_MSEC(1));
	/* ACK the first write, then write again: the probe is set again,
	 * later than the first one */
	peer_seg(&d, TCP_ACK, 1, 3, 0);
	assert_int_equal(synq_write(d.s, fd, "cd", 2), 2);
	dlg_expect(&d, TCP_ACK | TCP_PSH, 3, 1);
	synq_time_t second = synq_stack_next_deadline(d.s);
	assert_true(second > first);
	/* the probe runs at its new time: the last segment again */
	dlg_advance(&d, second - d.now - 1);
	dlg_expect_nothing(&d);
	dlg_advance(&d, 1);
	struct dlg_out o = dlg_expect(&d, TCP_ACK | TCP_PSH, 3, 1);
	assert_int_equal(o.at, second);
	dlg_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acked_data_leaves_no_deadline),
		cmocka_unit_test(deadline_moves_to_the_next_timer),
		cmocka_unit_test(later_then_earlier),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
