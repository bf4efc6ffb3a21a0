/* SPDX-License-Identifier: BSD-2-Clause */
/* Timers fire when Linux's timer wheel fires them (kernel.hz, timer.c).
 *
 * The expectations are written from the wheel's published shape, not from
 * synq's formula: a timer due in d jiffies sits on the level whose range
 * holds d (level 0: d < 63, one jiffy a bucket; level 1: d < 504, 8
 * jiffies; level 2: d < 4032, 64; level 3: d < 32256, 512; ...), and runs
 * at the first bucket boundary of that level after it is due, so never
 * early, at most one bucket late, and always on a multiple of the bucket's
 * width counted from jiffy 0. The dialogue's clock starts at 1000 s. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dialogue.h"
#include "synq/socket.h"

static void set_hz(struct dlg *d, int hz)
{
	/* dlg_init() turns the wheel off; the config is read live. */
	synq_stack_config(d->s)->hz = hz;
}

static synq_time_t jiffy_of(int hz)
{
	return SYNQ_MSEC(1000 / hz);
}

/* The width, in jiffies, of the bucket a timer due in `due` jiffies sits
 * in (LVL_START(n) = 63 << 3(n-1), granularity 8^n). */
static uint64_t bucket_jiffies(uint64_t due)
{
	uint64_t width = 1;
	for (uint64_t start = 63; due >= start && width < (1u << 24); start <<= 3)
		width <<= 3;
	return width;
}

/* Linux's jiffies at time t: they start at INITIAL_JIFFIES, 300 s short of
 * wrapping 32 bits, and the wheel's bucket edges count from there. */
static uint64_t linux_jiffies(int hz, synq_time_t t)
{
	return (uint64_t)(t / jiffy_of(hz)) + (uint64_t)(uint32_t)(-300 * hz);
}

/* A timer armed at `armed` for `delay` fired at `fired`: as the wheel would. */
static void assert_on_wheel(int hz, synq_time_t armed, synq_time_t delay, synq_time_t fired)
{
	synq_time_t jiffy = jiffy_of(hz);
	uint64_t due = (uint64_t)((delay + jiffy - 1) / jiffy);
	synq_time_t width = (synq_time_t)bucket_jiffies(due) * jiffy;
	assert_true(fired > armed + delay - jiffy); /* never early (to the jiffy) */
	assert_true(fired <= armed + delay + width);
	assert_int_equal(fired % jiffy, 0);
	/* on its level's grid, in the kernel's jiffies */
	assert_int_equal(linux_jiffies(hz, fired) % bucket_jiffies(due), 0);
}

static int start_connect(struct dlg *d, uint16_t port)
{
	int fd = synq_socket(d->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
	                          .sin_addr.s_addr = htonl(DLG_REMOTE_ADDR) };
	assert_int_equal(synq_connect(d->s, fd, (struct sockaddr *)&to, sizeof to), -EINPROGRESS);
	return fd;
}

/* The first SYN retransmission (RTO 1 s) at each HZ, against exact timers. */
static void syn_retransmission_per_hz(void **state)
{
	(void)state;
	static const struct { int hz; synq_time_t late_at_most; } cases[] = {
		{ 100, SYNQ_MSEC(80) },   /* 100 jiffies: level 1, 8 x 10 ms */
		{ 250, SYNQ_MSEC(32) },   /* 250 jiffies: level 1, 8 x 4 ms */
		{ 1000, SYNQ_MSEC(64) },  /* 1000 jiffies: level 2, 64 x 1 ms */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dlg d;
		dlg_init(&d, NULL);
		set_hz(&d, cases[i].hz);
		dlg_advance(&d, SYNQ_MSEC(3)); /* off any bucket edge */
		synq_time_t armed = d.now;
		start_connect(&d, 9000);
		synq_time_t when = synq_stack_next_deadline(d.s);
		assert_on_wheel(cases[i].hz, armed, SYNQ_SEC(1), when);
		assert_true(when - armed - SYNQ_SEC(1) <= cases[i].late_at_most);
		assert_true(when > armed + SYNQ_SEC(1));
		dlg_free(&d);
	}
	struct dlg d;
	dlg_init(&d, NULL); /* hz = 0: exact */
	dlg_advance(&d, SYNQ_MSEC(3));
	synq_time_t armed = d.now;
	start_connect(&d, 9000);
	assert_int_equal(synq_stack_next_deadline(d.s), armed + SYNQ_SEC(1));
	dlg_free(&d);
}

/* Collect the SYNs sent up to `until`, in order. */
static unsigned collect_syns(struct dlg *d, synq_time_t until, synq_time_t *at, unsigned max)
{
	unsigned n = 0;
	while (d->now < until) {
		dlg_advance(d, SYNQ_MSEC(1));
		struct dlg_out o;
		while (dlg_next(d, &o))
			if (o.seg.flags == TCP_SYN && n < max)
				at[n++] = o.at;
	}
	return n;
}

/* The experiment in small: clients that connect a few ms apart
 * retransmit their SYNs at one instant at HZ=250, each on its own with
 * exact timers. */
static void clients_apart_retransmit_together(void **state)
{
	(void)state;
	static const synq_time_t offsets[] = { 0, SYNQ_MSEC(1), SYNQ_MSEC(2), SYNQ_MSEC(20) };
	enum { N = sizeof offsets / sizeof offsets[0] };
	for (int hz = 0; hz <= 250; hz += 250) {
		struct dlg d;
		dlg_init(&d, NULL);
		set_hz(&d, hz);
		synq_time_t start = d.now; /* 1000 s: a level-1 bucket edge at HZ=250 */
		for (int i = 0; i < N; i++) {
			dlg_advance(&d, start + offsets[i] - d.now);
			start_connect(&d, (uint16_t)(9000 + i));
		}
		synq_time_t at[2 * N];
		unsigned n = collect_syns(&d, start + SYNQ_MSEC(1100), at, 2 * N);
		assert_int_equal(n, 2 * N); /* each SYN and its first retransmission */
		for (int i = 0; i < N; i++) {
			synq_time_t rtx = at[N + i];
			if (hz == 0)
				assert_int_equal(rtx, start + offsets[i] + SYNQ_SEC(1));
			else
				assert_int_equal(rtx, at[N]); /* all in one bucket */
		}
		if (hz == 250)
			assert_int_equal(at[N] - start, SYNQ_MSEC(1024));
		dlg_free(&d);
	}
}

/* The whole classic SYN schedule (RTO 1, 2, 4 ... 32 s): every retransmission
 * on its level's grid, the 4 s to 16 s ones on 256 ms, 32 s on 2.048 s. */
static void syn_backoff_climbs_levels(void **state)
{
	(void)state;
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.tcp_syn_linear_timeouts = 0;
	struct dlg d;
	dlg_init(&d, &cfg);
	set_hz(&d, 250);
	dlg_advance(&d, SYNQ_MSEC(7));
	start_connect(&d, 9000);
	synq_time_t at[8];
	unsigned n = collect_syns(&d, d.now + SYNQ_SEC(70), at, 8);
	assert_int_equal(n, 7); /* SYN and six retransmissions */
	for (unsigned i = 1; i < n; i++) {
		synq_time_t rto = SYNQ_SEC(1) << (i - 1);
		assert_on_wheel(250, at[i - 1], rto, at[i]);
	}
	assert_int_equal(linux_jiffies(250, at[3]) % 64, 0);  /* 4 s: 1000 jiffies, level 2 */
	assert_int_equal(linux_jiffies(250, at[6]) % 512, 0); /* 32 s: 8000 jiffies, level 3 */
	dlg_free(&d);
}

/* The SYN-ACK timer of a request, on the same wheel. */
static void synack_retransmission(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	set_hz(&d, 250);
	dlg_listen(&d, 16);
	dlg_advance(&d, SYNQ_MSEC(5));
	synq_time_t armed = d.now;
	dlg_peer_syn(&d, true);
	dlg_expect(&d, TCP_SYN | TCP_ACK, 0, 1);
	synq_time_t when = synq_stack_next_deadline(d.s);
	assert_on_wheel(250, armed, SYNQ_SEC(1), when);
	dlg_advance(&d, when - d.now - 1);
	dlg_expect_nothing(&d);
	dlg_advance(&d, 1);
	struct dlg_out o = dlg_expect(&d, TCP_SYN | TCP_ACK, 0, 1);
	assert_int_equal(o.at, when);
	dlg_free(&d);
}

/* TIME-WAIT's 60 s (15000 jiffies, level 3) ends on a 2.048 s grid. */
static void time_wait_on_level_three(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	set_hz(&d, 250);
	int lfd = dlg_listen(&d, 16);
	int fd = dlg_passive_open(&d, lfd, true);
	assert_int_equal(synq_close(d.s, fd), 0);
	dlg_expect(&d, TCP_FIN | TCP_ACK, 1, 1);
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1, .ack = 2, .window = 257 });
	dlg_advance(&d, SYNQ_MSEC(9));
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_FIN | TCP_ACK, .seq = 1, .ack = 2,
	                                .window = 257 });
	dlg_expect(&d, TCP_ACK, 2, 2);
	synq_time_t entered = d.now;
	struct synq_stack_usage u;
	synq_time_t ends = 0;
	while (ends == 0 && d.now < entered + SYNQ_SEC(70)) {
		dlg_advance(&d, SYNQ_MSEC(1));
		synq_stack_usage(d.s, &u);
		if (u.time_wait.used == 0)
			ends = d.now;
	}
	assert_on_wheel(250, entered, SYNQ_SEC(60), ends);
	assert_true(ends - entered >= SYNQ_SEC(60));
	assert_int_equal(linux_jiffies(250, ends) % 512, 0);
	dlg_free(&d);
}

/* How long the first delayed ACK of a passive connection takes: segments
 * one at a time until one is not acknowledged within 5 ms. */
static synq_time_t first_delayed_ack(int hz, synq_time_t *acked_at)
{
	struct dlg d;
	dlg_init(&d, NULL);
	set_hz(&d, hz);
	int lfd = dlg_listen(&d, 16);
	dlg_passive_open(&d, lfd, false);
	uint32_t seq = 1;
	synq_time_t delay = 0;
	for (int i = 0; i < 64 && delay == 0; i++) {
		dlg_advance(&d, SYNQ_MSEC(100) + SYNQ_MSEC(1) * (synq_time_t)(i % 3));
		dlg_discard(&d);
		dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = seq, .ack = 1,
		                                .window = 257, .len = 100 });
		seq += 100;
		synq_time_t sent = d.now;
		struct dlg_out o;
		bool got = false;
		while (!got && d.now - sent < SYNQ_MSEC(500)) {
			got = dlg_next(&d, &o);
			if (!got)
				dlg_advance(&d, SYNQ_MSEC(1));
		}
		assert_true(got);
		if (o.at - sent > SYNQ_MSEC(5)) {
			delay = o.at - sent;
			*acked_at = o.at;
		}
	}
	dlg_free(&d);
	return delay;
}

/* The delayed ACK (40 ms here) sits on level 0: it goes one jiffy late at
 * most, on the jiffy grid. */
static void delayed_ack_on_level_zero(void **state)
{
	(void)state;
	synq_time_t at_exact, at_wheel;
	synq_time_t exact = first_delayed_ack(0, &at_exact);
	synq_time_t wheel = first_delayed_ack(250, &at_wheel);
	assert_true(exact > SYNQ_MSEC(5));
	assert_true(wheel > exact);
	/* 40 ms exactly, 44 ms on the wheel (due at 10 jiffies, run at 11) */
	assert_true(wheel <= exact + SYNQ_MSEC(4) + SYNQ_MSEC(4)); /* due, then one jiffy */
	assert_int_equal(at_wheel % SYNQ_MSEC(4), 0);
}

/* Only HZ values whose jiffy is a whole number of milliseconds. */
static void hz_knob(void **state)
{
	(void)state;
	struct synq_config cfg;
	synq_config_default(&cfg);
	assert_int_equal(cfg.hz, 250);
	assert_int_equal(synq_config_set(&cfg, "kernel.hz", "1000"), SYNQ_CONFIG_OK);
	assert_int_equal(cfg.hz, 1000);
	assert_int_equal(synq_config_set(&cfg, "kernel.hz", "0"), SYNQ_CONFIG_OK);
	assert_int_equal(cfg.hz, 0);
	assert_int_equal(synq_config_set(&cfg, "kernel.hz", "300"), SYNQ_CONFIG_BAD_VALUE);
	assert_int_equal(synq_config_set(&cfg, "kernel.hz", "-250"), SYNQ_CONFIG_BAD_VALUE);
	assert_int_equal(cfg.hz, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syn_retransmission_per_hz),
		cmocka_unit_test(clients_apart_retransmit_together),
		cmocka_unit_test(syn_backoff_climbs_levels),
		cmocka_unit_test(synack_retransmission),
		cmocka_unit_test(time_wait_on_level_three),
		cmocka_unit_test(delayed_ack_on_level_zero),
		cmocka_unit_test(hz_knob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
