/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulator's generator against published reference outputs (checked
 * independently with a short Python implementation), and the properties
 * of the derived draws. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/rng.h"
#include "synq/rng.h"

static void rng_xoshiro_reference_state_1234(void **state)
{
	(void)state;
	/* xoshiro256** from state {1, 2, 3, 4}: the reference C code's outputs. */
	static const uint64_t expect[] = {
		11520u, 0u, 1509978240u, 1215971899390074240u,
		1216172134540287360u, 607988272756665600u,
	};
	struct sim_rng rng;
	sim_rng_set_state(&rng, (const uint64_t[4]){ 1, 2, 3, 4 });
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
		assert_true(sim_rng_next(&rng) == expect[i]);
}

static void rng_splitmix64_reference_seed_0(void **state)
{
	(void)state;
	static const uint64_t expect[] = {
		0xe220a8397b1dcdafu, 0x6e789e6aa1b965f4u, 0x06c45d188009454fu,
		0xf88bb8a8724c81ecu,
	};
	uint64_t s = 0;
	for (size_t i = 0; i < 4; i++)
		assert_true(sim_splitmix64_next(&s) == expect[i]);
}

static void rng_seed_is_splitmix_then_xoshiro(void **state)
{
	(void)state;
	struct sim_rng rng;
	sim_rng_seed(&rng, 0);
	assert_true(rng.s[0] == 0xe220a8397b1dcdafu);
	assert_true(rng.s[3] == 0xf88bb8a8724c81ecu);
	static const uint64_t seed0[] = { 0x99ec5f36cb75f2b4u, 0xbf6e1f784956452au,
	                                  0x1a5f849d4933e6e0u, 0x6aa594f1262d2d2cu };
	for (size_t i = 0; i < 4; i++)
		assert_true(sim_rng_next(&rng) == seed0[i]);
	sim_rng_seed(&rng, 42);
	static const uint64_t seed42[] = { 0x15780b2e0c2ec716u, 0x6104d9866d113a7eu,
	                                   0xae17533239e499a1u, 0xecb8ad4703b360a1u };
	for (size_t i = 0; i < 4; i++)
		assert_true(sim_rng_next(&rng) == seed42[i]);
}

static void rng_zero_state_is_replaced(void **state)
{
	(void)state;
	struct sim_rng a, b;
	sim_rng_set_state(&a, (const uint64_t[4]){ 0, 0, 0, 0 });
	sim_rng_seed(&b, 0);
	assert_memory_equal(a.s, b.s, sizeof a.s);
	assert_true(sim_rng_next(&a) != 0 || sim_rng_next(&a) != 0);
}

static void rng_same_seed_same_stream_split_differs(void **state)
{
	(void)state;
	struct sim_rng a, b, c;
	sim_rng_seed(&a, 7);
	sim_rng_seed(&b, 7);
	sim_rng_seed(&c, 8);
	int same_c = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = sim_rng_next(&a);
		assert_true(x == sim_rng_next(&b));
		same_c += x == sim_rng_next(&c);
	}
	assert_int_equal(same_c, 0);

	struct sim_rng parent, child1, child2;
	sim_rng_seed(&parent, 7);
	sim_rng_split(&parent, &child1);
	sim_rng_split(&parent, &child2);
	assert_true(sim_rng_next(&child1) != sim_rng_next(&child2));
}

static void rng_double_in_unit_interval(void **state)
{
	(void)state;
	struct sim_rng rng;
	sim_rng_seed(&rng, 1);
	double sum = 0, lo = 1, hi = 0;
	const int n = 200000;
	for (int i = 0; i < n; i++) {
		double x = sim_rng_double(&rng);
		assert_true(x >= 0.0 && x < 1.0);
		sum += x;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	assert_true(sum / n > 0.49 && sum / n < 0.51);
	assert_true(lo < 0.001 && hi > 0.999);

	/* The top 53 bits of the output, scaled by 2^-53: the reference
	 * outputs 11520 and 1215971899390074240 give these exactly. */
	sim_rng_set_state(&rng, (const uint64_t[4]){ 1, 2, 3, 4 });
	assert_true(sim_rng_double(&rng) == (double)(11520u >> 11) * 0x1.0p-53);
	sim_rng_next(&rng);
	sim_rng_next(&rng);
	assert_true(sim_rng_double(&rng) ==
	            (double)(1215971899390074240u >> 11) * 0x1.0p-53);
}

static void rng_below_stays_in_range_and_covers_it(void **state)
{
	(void)state;
	struct sim_rng rng;
	sim_rng_seed(&rng, 3);
	unsigned counts[7] = { 0 };
	for (int i = 0; i < 70000; i++) {
		uint64_t x = sim_rng_below(&rng, 7);
		assert_true(x < 7);
		counts[x]++;
	}
	for (int v = 0; v < 7; v++)
		assert_true(counts[v] > 9500 && counts[v] < 10500);
	assert_true(sim_rng_below(&rng, 0) == 0);
	assert_true(sim_rng_below(&rng, 1) == 0);
	for (int i = 0; i < 1000; i++)
		assert_true(sim_rng_below(&rng, UINT64_MAX) < UINT64_MAX);
}

static void rng_below_has_no_modulo_bias(void **state)
{
	(void)state;
	/* With bound 3 * 2^62, "x % bound" would put the values below 2^62
	 * twice as often as the others: probability 1/2 instead of 1/3. */
	struct sim_rng rng;
	sim_rng_seed(&rng, 5);
	const uint64_t bound = 3ull << 62;
	const int n = 30000;
	int low = 0;
	for (int i = 0; i < n; i++) {
		uint64_t x = sim_rng_below(&rng, bound);
		assert_true(x < bound);
		low += x < (1ull << 62);
	}
	assert_true(low > n / 3 - 600 && low < n / 3 + 600);
}

static void rng_chance_edges_do_not_draw(void **state)
{
	(void)state;
	struct sim_rng a, b;
	sim_rng_seed(&a, 9);
	sim_rng_seed(&b, 9);
	assert_false(sim_rng_chance(&a, 0.0));
	assert_true(sim_rng_chance(&a, 1.0));
	assert_false(sim_rng_chance(&a, -1.0));
	assert_false(sim_rng_chance(&a, NAN));
	assert_true(sim_rng_next(&a) == sim_rng_next(&b)); /* nothing drawn */
	int hits = 0;
	for (int i = 0; i < 100000; i++)
		hits += sim_rng_chance(&a, 0.25);
	assert_true(hits > 24000 && hits < 26000);
}

/* The project's family (synq/rng.h) gives the same reference outputs, and
 * the simulator's generator is that family. */
static void rng_family_reference_vectors(void **state)
{
	(void)state;
	uint64_t x = 0;
	assert_true(synq_splitmix64_next(&x) == 0xe220a8397b1dcdafu);
	assert_true(synq_splitmix64_next(&x) == 0x6e789e6aa1b965f4u);
	assert_true(synq_splitmix64_next(&x) == 0x06c45d188009454fu);
	assert_true(synq_splitmix64_next(&x) == 0xf88bb8a8724c81ecu);
	struct synq_rng r = { { 1, 2, 3, 4 } };
	static const uint64_t expect[] = { 11520u, 0u, 1509978240u, 1215971899390074240u };
	for (size_t i = 0; i < 4; i++)
		assert_true(synq_rng_next(&r) == expect[i]);
	struct synq_rng a;
	struct sim_rng b;
	synq_rng_seed(&a, 42);
	sim_rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		assert_true(synq_rng_next(&a) == sim_rng_next(&b));
	synq_rng_seed(&a, 0);
	double d = synq_rng_double(&a);
	assert_true(d >= 0.0 && d < 1.0);
	assert_true(d == (double)(0x99ec5f36cb75f2b4u >> 11) * 0x1.0p-53);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rng_family_reference_vectors),
		cmocka_unit_test(rng_xoshiro_reference_state_1234),
		cmocka_unit_test(rng_splitmix64_reference_seed_0),
		cmocka_unit_test(rng_seed_is_splitmix_then_xoshiro),
		cmocka_unit_test(rng_zero_state_is_replaced),
		cmocka_unit_test(rng_same_seed_same_stream_split_differs),
		cmocka_unit_test(rng_double_in_unit_interval),
		cmocka_unit_test(rng_below_stays_in_range_and_covers_it),
		cmocka_unit_test(rng_below_has_no_modulo_bias),
		cmocka_unit_test(rng_chance_edges_do_not_draw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
