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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(c20_table_4_6_every_cell),
		cmocka_unit_test(c20_c35_linux_holds_backlog_plus_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
