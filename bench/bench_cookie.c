/* SPDX-License-Identifier: BSD-2-Clause */
/* cookie_validate_per_s: syncookie_check() on valid cookies from varying
 * tuples, one core; syncookie_make_per_s: making them. Arithmetic only
 * (two SipHash-2-4 calls each): no parsing, checksums or packet building,
 * which cookie_synack_per_s is meant to include. Baseline in the same run:
 * the two bare siphash_4u32() calls that each cookie operation makes. */
#include <stdint.h>

#include "synq/rng.h"
#include "bench.h"
#include "tcp/listen/syncookie.h"

#define DISTINCT 1024
#define ROUNDS 5
#define OPS_PER_ROUND (DISTINCT * 10000)

struct bench_tuple {
	uint32_t client_addr, server_addr;
	uint16_t client_port, server_port;
	uint32_t client_isn;
	uint32_t mss_index;
	uint32_t cookie;
};

int main(void)
{
	static struct bench_tuple t[DISTINCT];
	uint64_t seed = 1;
	const struct siphash_key key[2] = {
		{ synq_splitmix64_next(&seed), synq_splitmix64_next(&seed) },
		{ synq_splitmix64_next(&seed), synq_splitmix64_next(&seed) },
	};
	const uint32_t counter = syncookie_counter(SYNQ_SEC(1700000000));
	for (int i = 0; i < DISTINCT; i++) {
		uint64_t a = synq_splitmix64_next(&seed), b = synq_splitmix64_next(&seed);
		t[i] = (struct bench_tuple){
			.client_addr = (uint32_t)a, .server_addr = 0xc0a80001,
			.client_port = (uint16_t)(a >> 32), .server_port = 443,
			.client_isn = (uint32_t)b, .mss_index = (uint32_t)(b >> 32) & 3,
		};
	}

	/* Make: also fills in the cookies the check rounds validate. */
	double make_rates[ROUNDS];
	uint64_t sum = 0;
	for (int r = 0; r < ROUNDS; r++) {
		double start = bench_now_s();
		for (int n = 0; n < OPS_PER_ROUND; n++) {
			struct bench_tuple *x = &t[n & (DISTINCT - 1)];
			x->cookie = syncookie_make(key, x->client_addr, x->server_addr,
			                           x->client_port, x->server_port,
			                           x->client_isn, x->mss_index, counter);
			sum += x->cookie;
		}
		make_rates[r] = OPS_PER_ROUND / (bench_now_s() - start);
	}

	/* Check, alternating the current counter between the cookie's own
	 * minute and the next, so both ages are exercised. */
	double check_rates[ROUNDS];
	uint64_t accepted = 0, index_sum = 0;
	for (int r = 0; r < ROUNDS; r++) {
		double start = bench_now_s();
		for (int n = 0; n < OPS_PER_ROUND; n++) {
			const struct bench_tuple *x = &t[n & (DISTINCT - 1)];
			int idx = syncookie_check(key, x->client_addr, x->server_addr,
			                          x->client_port, x->server_port,
			                          x->client_isn, x->cookie,
			                          counter + ((uint32_t)n >> 10 & 1));
			accepted += idx >= 0;
			index_sum += (uint64_t)idx;
		}
		check_rates[r] = OPS_PER_ROUND / (bench_now_s() - start);
	}

	/* Baseline, same run: the two bare SipHash calls a check makes. */
	double hash_rates[ROUNDS];
	uint64_t hash_sum = 0;
	for (int r = 0; r < ROUNDS; r++) {
		double start = bench_now_s();
		for (int n = 0; n < OPS_PER_ROUND; n++) {
			const struct bench_tuple *x = &t[n & (DISTINCT - 1)];
			uint32_t ports = (uint32_t)x->client_port << 16 | x->server_port;
			hash_sum += siphash_4u32(&key[0], x->client_addr, x->server_addr,
			                         ports, 0);
			hash_sum += siphash_4u32(&key[1], x->client_addr, x->server_addr,
			                         ports, counter);
		}
		hash_rates[r] = OPS_PER_ROUND / (bench_now_s() - start);
	}

	uint64_t expect_index_sum = 0;
	for (int i = 0; i < DISTINCT; i++)
		expect_index_sum += t[i].mss_index;
	expect_index_sum *= (uint64_t)ROUNDS * (OPS_PER_ROUND / DISTINCT);
	if (accepted != (uint64_t)ROUNDS * OPS_PER_ROUND || index_sum != expect_index_sum ||
	    sum == 0 || hash_sum == 0) {
		fprintf(stderr, "bench_cookie: a valid cookie was rejected or misread\n");
		return 1;
	}

	double make_median = bench_median(make_rates, ROUNDS);
	double check_median = bench_median(check_rates, ROUNDS);
	double hash_median = bench_median(hash_rates, ROUNDS);
	printf("cookie: %.1f ns per check, %.1f ns per make, %.1f ns per bare SipHash "
	       "pair (median of %d x %d, %d tuples)\n", 1e9 / check_median,
	       1e9 / make_median, 1e9 / hash_median, ROUNDS, OPS_PER_ROUND, DISTINCT);
	bench_line_vs("cookie_validate_per_s", check_median, "checks/s",
	              "siphash_pairs_per_s", hash_median);
	bench_line_vs("syncookie_make_per_s", make_median, "cookies/s",
	              "siphash_pairs_per_s", hash_median);
	bench_line("siphash_pairs_per_s", hash_median, "pairs/s");
	return 0;
}
