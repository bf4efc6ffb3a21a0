/* SPDX-License-Identifier: BSD-2-Clause */
/* Two synq hosts in the simulator: byte-exact bulk transfers both ways,
 * with loss and reordering, checked by hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "synq/stack.h"
#include "tcp_pair.h"

/* reorder: the fraction of packets held back 5 ms (tens of segments at
 * this rate), so that later ones overtake them. */
static void run_transfer(uint64_t bytes, double loss, double reorder, uint64_t seed,
                         synq_time_t limit)
{
	struct pair p;
	struct pair_config cfg = {
		.seed = seed, .one_way_delay = SYNQ_MSEC(25), .rate_bps = 100000000,
		.loss = loss, .reorder = reorder, .reorder_delay = SYNQ_MSEC(5),
		.client_bytes = bytes, .server_bytes = bytes, .client_closes_first = true,
	};
	assert_int_equal(pair_setup(&p, &cfg), 0);
	synq_time_t end = pair_run(&p, limit);
	print_message("    %llu bytes each way, loss %.0f%%, reordered %.0f%%: done at %.3f s\n",
	              (unsigned long long)bytes, loss * 100, reorder * 100, (double)end / 1e9);
	assert_int_equal(p.client.error, 0);
	assert_int_equal(p.server.error, 0);
	assert_int_equal(p.client.connect_result, 0);
	assert_int_equal(p.server.received, bytes);
	assert_int_equal(p.client.received, bytes);
	assert_true(p.server.hash == pair_expected_hash(bytes, PAIR_CLIENT_SALT));
	assert_true(p.client.hash == pair_expected_hash(bytes, PAIR_SERVER_SALT));
	assert_true(p.client.closed && p.server.closed);
	pair_teardown(&p);
}

static void transfer_small_no_loss(void **state)
{
	(void)state;
	run_transfer(100000, 0, 0, 1, SYNQ_SEC(60));
}

static void transfer_lossy(void **state)
{
	(void)state;
	run_transfer(2000000, 0.01, 0, 2, SYNQ_SEC(600));
	run_transfer(2000000, 0.05, 0, 3, SYNQ_SEC(1200));
}

static void transfer_reordered(void **state)
{
	(void)state;
	run_transfer(2000000, 0.01, 0.01, 4, SYNQ_SEC(600));
}

static void transfer_100mb(void **state)
{
	(void)state;
	run_transfer(100000000, 0, 0, 5, SYNQ_SEC(3600));
	run_transfer(100000000, 0.01, 0, 6, SYNQ_SEC(3600));
	run_transfer(100000000, 0.05, 0, 7, SYNQ_SEC(7200));
	run_transfer(100000000, 0.01, 0.01, 8, SYNQ_SEC(3600));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transfer_small_no_loss),
		cmocka_unit_test(transfer_lossy),
		cmocka_unit_test(transfer_reordered),
		cmocka_unit_test(transfer_100mb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
