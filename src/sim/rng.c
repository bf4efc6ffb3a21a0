/* SPDX-License-Identifier: BSD-2-Clause */
#include "sim/rng.h"

#include "synq/rng.h"

#include <stddef.h>

uint64_t sim_splitmix64_next(uint64_t *state)
{
	return synq_splitmix64_next(state);
}

void sim_rng_seed(struct sim_rng *rng, uint64_t seed)
{
	for (size_t i = 0; i < 4; i++)
		rng->s[i] = sim_splitmix64_next(&seed);
}

void sim_rng_set_state(struct sim_rng *rng, const uint64_t state[4])
{
	if ((state[0] | state[1] | state[2] | state[3]) == 0) {
		sim_rng_seed(rng, 0);
		return;
	}
	for (size_t i = 0; i < 4; i++)
		rng->s[i] = state[i];
}

void sim_rng_split(struct sim_rng *parent, struct sim_rng *child)
{
	sim_rng_seed(child, sim_rng_next(parent));
}

uint64_t sim_rng_next(struct sim_rng *rng)
{
	return synq_xoshiro256ss_next(rng->s);
}

double sim_rng_double(struct sim_rng *rng)
{
	return (double)(sim_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t sim_rng_below(struct sim_rng *rng, uint64_t bound)
{
	if (bound == 0)
		return 0;
	/* The high word of x * bound is uniform over [0, bound) once the low
	 * words that fall in the first (2^64 mod bound) values are rejected. */
	unsigned __int128 m = (unsigned __int128)sim_rng_next(rng) * bound;
	uint64_t low = (uint64_t)m;
	if (low < bound) {
		uint64_t threshold = -bound % bound; /* 2^64 mod bound */
		while (low < threshold) {
			m = (unsigned __int128)sim_rng_next(rng) * bound;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

bool sim_rng_chance(struct sim_rng *rng, double p)
{
	if (!(p > 0.0)) /* also false for NaN */
		return false;
	if (p >= 1.0)
		return true;
	return sim_rng_double(rng) < p;
}
