/* SPDX-License-Identifier: BSD-2-Clause */
/* calloc_lines() and realloc_lines(): blocks that share no cache line with
 * any other block, zeroed (calloc_lines), moved with their contents kept
 * (realloc_lines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/cacheline.h"

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void blocks_start_on_a_unit_and_are_zeroed(void **state)
{
	(void)state;
	/* Odd sizes, so that plain malloc() would pack them together. */
	const size_t sizes[] = { 1, 24, 100, 129, 4000, 70000, CACHELINE_CALLOC_MIN - 1 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = calloc_lines(1, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % CACHELINE_UNIT, 0);
		assert_true(all_zero(p, cacheline_round(sizes[i])));
		/* the whole rounded size is ours: write it all (ASan checks) */
		memset(p, 0xa5, cacheline_round(sizes[i]));
		free(p);
	}
	assert_int_equal(cacheline_round(1), CACHELINE_UNIT);
	assert_int_equal(cacheline_round(CACHELINE_UNIT), CACHELINE_UNIT);
	assert_int_equal(cacheline_round(CACHELINE_UNIT + 1), 2 * CACHELINE_UNIT);
}

static void big_blocks_are_zeroed(void **state)
{
	(void)state;
	unsigned char *p = calloc_lines(3, CACHELINE_CALLOC_MIN);
	assert_non_null(p);
	assert_true(all_zero(p, 3 * CACHELINE_CALLOC_MIN));
	free(p);
}

static void zero_count_still_gives_a_block(void **state)
{
	(void)state;
	void *p = calloc_lines(0, 16);
	assert_non_null(p);
	free(p);
}

static void overflowing_product_fails(void **state)
{
	(void)state;
	assert_null(calloc_lines(SIZE_MAX / 2, 3));
	assert_null(calloc_lines(2, SIZE_MAX - 10));
}

static void realloc_keeps_contents(void **state)
{
	(void)state;
	unsigned char *p = realloc_lines(NULL, 0, 40);
	assert_non_null(p);
	for (int i = 0; i < 40; i++)
		p[i] = (unsigned char)(i + 1);
	unsigned char *q = realloc_lines(p, 40, 1000);
	assert_non_null(q);
	assert_int_equal((uintptr_t)q % CACHELINE_UNIT, 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(q[i], i + 1);
	memset(q + 40, 0x5a, cacheline_round(1000) - 40); /* all of it is ours */
	unsigned char *r = realloc_lines(q, 1000, 10);
	assert_non_null(r);
	for (int i = 0; i < 10; i++)
		assert_int_equal(r[i], i + 1);
	free(r);
}

static void failed_realloc_leaves_the_block(void **state)
{
	(void)state;
	unsigned char *p = calloc_lines(1, 64);
	assert_non_null(p);
	p[0] = 7;
	assert_null(realloc_lines(p, 64, SIZE_MAX - 8));
	assert_int_equal(p[0], 7);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocks_start_on_a_unit_and_are_zeroed),
		cmocka_unit_test(big_blocks_are_zeroed),
		cmocka_unit_test(zero_count_still_gives_a_block),
		cmocka_unit_test(overflowing_product_fails),
		cmocka_unit_test(realloc_keeps_contents),
		cmocka_unit_test(failed_realloc_leaves_the_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
