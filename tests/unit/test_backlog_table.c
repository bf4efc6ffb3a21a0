/* SPDX-License-Identifier: BSD-2-Clause */
/* The UNP backlog experiment, simulated, reproduces every cell
 * of UNP's Table 4.6 under each personality, and today's Linux gives
 * backlog + 1 as measured on 6.18. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "synq/measure.h"

/* Table 4.6, columns as printed; the 'И' at backlog 7 in the first column
 * is a scanning error for 11. */
static const uint32_t table_4_6[15][5] = {
	/* MacOS/AIX (BSD)  Linux 2.4.7  HP-UX 11.11  FreeBSD 4.8/5.1  Solaris 2.9 */
	{ 1, 3, 1, 1, 1 },    { 2, 4, 1, 2, 2 },    { 4, 5, 3, 3, 4 },
	{ 5, 6, 4, 4, 5 },    { 7, 7, 6, 5, 6 },    { 8, 8, 7, 6, 8 },
	{ 10, 9, 9, 7, 10 },  { 11, 10, 10, 8, 11 }, { 13, 11, 12, 9, 13 },
	{ 14, 12, 13, 10, 14 }, { 16, 13, 15, 11, 16 }, { 17, 14, 16, 12, 17 },
	{ 19, 15, 18, 13, 19 }, { 20, 16, 19, 14, 20 }, { 22, 17, 21, 15, 22 },
};

static const enum synq_personality columns[5] = {
	SYNQ_PERSONALITY_BSD, SYNQ_PERSONALITY_LINUX_2_4, SYNQ_PERSONALITY_HPUX_11,
	SYNQ_PERSONALITY_FREEBSD, SYNQ_PERSONALITY_SOLARIS_2_9,
};

static void c20_table_4_6_every_cell(void **state)
{
	(void)state;
	for (int b = 0; b <= 14; b++) {
		for (int k = 0; k < 5; k++) {
			struct synq_backlog_result r;
			assert_int_equal(synq_measure_backlog(columns[k], b, 7, &r), 0);
			if (r.completed != table_4_6[b][k])
				print_error("backlog %d, %s: measured %u, table %u\n", b,
				            synq_personality_name(columns[k]), r.completed,
				            table_4_6[b][k]);
			assert_int_equal(r.completed, table_4_6[b][k]);
			assert_true(r.attempted > r.completed);
		}
	}
}

/* 6.18: backlog b holds b + 1, measured with b in {0,1,2,3,5,8}; the
 * rest of the SYNs are dropped (ListenDrops), the clients stay SYN_SENT. */
static void c20_c35_linux_holds_backlog_plus_one(void **state)
{
	(void)state;
	for (int b = 0; b <= 20; b++) {
		struct synq_backlog_result r;
		assert_int_equal(synq_measure_backlog(SYNQ_PERSONALITY_LINUX, b, 9, &r), 0);
		assert_int_equal(r.completed, (uint32_t)b + 1);
		assert_int_equal(r.accept_queue, (uint32_t)b + 1);
		assert_true(r.listen_drops > 0);
	}
}

/* Large backlogs: the probe goes on until the client stops getting in, so
 * every personality's rule shows at any size. */
static void every_personality_at_large_backlogs(void **state)
{
	(void)state;
	static const uint32_t sizes[] = { 40, 100, 300 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint32_t b = sizes[i];
		const struct { enum synq_personality p; uint32_t completed; } want[] = {
			{ SYNQ_PERSONALITY_LINUX, b + 1 },
			{ SYNQ_PERSONALITY_LINUX_2_4, b + 3 },
			{ SYNQ_PERSONALITY_BSD, 3 * b / 2 + 1 },
			{ SYNQ_PERSONALITY_FREEBSD, b + 1 },
			{ SYNQ_PERSONALITY_HPUX_11, 3 * b / 2 },
			{ SYNQ_PERSONALITY_SOLARIS_2_9, 3 * b / 2 + 1 },
			{ SYNQ_PERSONALITY_WINDOWS, b },
		};
		for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
			struct synq_backlog_result r;
			assert_int_equal(synq_measure_backlog(want[k].p, (int)b, 3, &r), 0);
			if (r.completed != want[k].completed)
				fail_msg("%s at backlog %u: %u completed, want %u",
				         synq_personality_name(want[k].p), b, r.completed,
				         want[k].completed);
		}
	}
}

/* Linux 2.4: the clients count two connections the server never queued. */
static void linux_2_4_clients_count_more_than_the_queue(void **state)
{
	(void)state;
	struct synq_backlog_result r;
	assert_int_equal(synq_measure_backlog(SYNQ_PERSONALITY_LINUX_2_4, 5, 1, &r), 0);
	assert_int_equal(r.completed, 8);
	assert_int_equal(r.accept_queue, 6);
}

/* Windows refuses what does not fit: the connect() after the fifth fails
 * at once with ECONNREFUSED, which ends UNP's run; under Linux the same
 * connect() is still waiting when its 2 s alarm goes off. */
static void windows_refuses_with_reset(void **state)
{
	(void)state;
	struct synq_backlog_result r;
	assert_int_equal(synq_measure_backlog(SYNQ_PERSONALITY_WINDOWS, 5, 1, &r), 0);
	assert_int_equal(r.completed, 5);
	assert_int_equal(r.refused, 1);
	assert_int_equal(r.attempted, 6);
	assert_int_equal(r.accept_queue, 5);
	assert_int_equal(synq_measure_backlog(SYNQ_PERSONALITY_LINUX, 5, 1, &r), 0);
	assert_int_equal(r.refused, 0); /* Linux drops: the client keeps trying */
	assert_int_equal(r.attempted, 7);
}

/* UNP's run: one connect() at a time, each under a 2 s alarm; the first
 * that times out ends it. So the count is exactly one short of the
 * attempts, and the dropped SYNs are the last connect()'s inside its 2 s:
 * the first try and the retransmission at 1 s under 6.18 (the next one is
 * due at 2 s, and the timer wheel fires it a little after the alarm);
 * only the first under Linux 2.4, whose first retransmission is at 3 s. */
static void one_connect_at_a_time_under_an_alarm(void **state)
{
	(void)state;
	struct synq_backlog_result r;
	assert_int_equal(synq_measure_backlog(SYNQ_PERSONALITY_LINUX, 3, 1, &r), 0);
	assert_int_equal(r.completed, 4);
	assert_int_equal(r.attempted, 5);
	assert_int_equal(r.listen_drops, 2);
	assert_int_equal(synq_measure_backlog(SYNQ_PERSONALITY_LINUX_2_4, 3, 1, &r), 0);
	assert_int_equal(r.completed, 6);
	assert_int_equal(r.attempted, 7);
	assert_int_equal(r.accept_queue, 4);
	/* the two ACKs dropped on the full queue, and the last SYN */
	assert_int_equal(r.listen_drops, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(c20_table_4_6_every_cell),
		cmocka_unit_test(c20_c35_linux_holds_backlog_plus_one),
		cmocka_unit_test(every_personality_at_large_backlogs),
		cmocka_unit_test(linux_2_4_clients_count_more_than_the_queue),
		cmocka_unit_test(windows_refuses_with_reset),
		cmocka_unit_test(one_connect_at_a_time_under_an_alarm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
