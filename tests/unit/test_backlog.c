/* SPDX-License-Identifier: BSD-2-Clause */
/* listen() backlog rules: every cell of UNP's Table 4.6,
 * today's Linux b + 1, and the somaxconn clamp. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/listen/backlog.h"

/* W. R. Stevens, B. Fenner, A. M. Rudoff, UNIX Network Programming vol. 1,
 * 3rd ed., Table 4.6: the real number of queued
 * connections for backlog 0..14. The scan shows a letter in the MacOS/AIX
 * column at backlog 7; 11 is what the Berkeley rule and its neighbours
 * give. */
static const struct {
	enum synq_personality personality;
	const char *name;
	uint32_t queued[15];
} table_4_6[] = {
	{ SYNQ_PERSONALITY_BSD, "MacOS 10.2.6 / AIX 5.1",
	  { 1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22 } },
	{ SYNQ_PERSONALITY_LINUX_2_4, "Linux 2.4.7",
	  { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 } },
	{ SYNQ_PERSONALITY_HPUX_11, "HP-UX 11.11",
	  { 1, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19, 21 } },
	{ SYNQ_PERSONALITY_FREEBSD, "FreeBSD 4.8 / 5.1",
	  { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } },
	{ SYNQ_PERSONALITY_SOLARIS_2_9, "Solaris 2.9",
	  { 1, 2, 4, 5, 6, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22 } },
};

static void backlog_table_4_6_every_cell(void **state)
{
	(void)state;
	int cells = 0;
	for (size_t col = 0; col < sizeof table_4_6 / sizeof table_4_6[0]; col++) {
		for (uint32_t b = 0; b < 15; b++) {
			uint32_t got = backlog_accept_limit(table_4_6[col].personality, b);
			if (got != table_4_6[col].queued[b])
				fail_msg("%s, backlog %u: %u, table says %u", table_4_6[col].name,
				         b, got, table_4_6[col].queued[b]);
			cells++;
		}
	}
	assert_int_equal(cells, 5 * 15);
}

static void backlog_linux_is_b_plus_1(void **state)
{
	(void)state;
	/* sk_acceptq_is_full() is ">": measured on 6.18 for 0,1,2,3,5,8. */
	for (uint32_t b = 0; b <= 4096; b++) {
		if (backlog_accept_limit(SYNQ_PERSONALITY_LINUX, b) != b + 1)
			fail_msg("Linux backlog %u: %u", b,
			         backlog_accept_limit(SYNQ_PERSONALITY_LINUX, b));
	}
}

static void backlog_rules_beyond_the_table(void **state)
{
	(void)state;
	/* The closed forms continue past backlog 14, and the Solaris
	 * exception stays at 4. */
	assert_int_equal(backlog_accept_limit(SYNQ_PERSONALITY_BSD, 128), 193);
	assert_int_equal(backlog_accept_limit(SYNQ_PERSONALITY_SOLARIS_2_9, 128), 193);
	assert_int_equal(backlog_accept_limit(SYNQ_PERSONALITY_HPUX_11, 128), 192);
	assert_int_equal(backlog_accept_limit(SYNQ_PERSONALITY_FREEBSD, 128), 129);
	assert_int_equal(backlog_accept_limit(SYNQ_PERSONALITY_LINUX_2_4, 128), 131);
	/* No personality holds zero, and none wraps at the largest backlog
	 * listen() can store. */
	for (int p = 0; p < SYNQ_PERSONALITY__COUNT; p++) {
		assert_true(backlog_accept_limit((enum synq_personality)p, 0) >= 1);
		assert_true(backlog_accept_limit((enum synq_personality)p, INT_MAX) >=
		            (uint32_t)INT_MAX);
		assert_true(backlog_accept_limit((enum synq_personality)p, UINT32_MAX) ==
		            UINT32_MAX);
	}
}

static void backlog_clamp_to_somaxconn(void **state)
{
	(void)state;
	assert_int_equal(backlog_clamp(0, 4096), 0);
	assert_int_equal(backlog_clamp(1, 4096), 1);
	assert_int_equal(backlog_clamp(511, 4096), 511);
	assert_int_equal(backlog_clamp(4096, 4096), 4096);
	assert_int_equal(backlog_clamp(4097, 4096), 4096);
	assert_int_equal(backlog_clamp(INT_MAX, 4096), 4096);
	/* Unsigned compare: negative means "as many as allowed". */
	assert_int_equal(backlog_clamp(-1, 4096), 4096);
	assert_int_equal(backlog_clamp(-100, 128), 128);
	assert_int_equal(backlog_clamp(INT_MIN, 4096), 4096);
	/* somaxconn 0 forces every backlog to 0 (which Linux still serves
	 * with one connection). */
	assert_int_equal(backlog_clamp(5, 0), 0);
	assert_int_equal(backlog_clamp(-1, 0), 0);
	assert_int_equal(backlog_accept_limit(SYNQ_PERSONALITY_LINUX, backlog_clamp(-1, 0)), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backlog_table_4_6_every_cell),
		cmocka_unit_test(backlog_linux_is_b_plus_1),
		cmocka_unit_test(backlog_rules_beyond_the_table),
		cmocka_unit_test(backlog_clamp_to_somaxconn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
