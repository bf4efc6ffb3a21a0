/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_RNG_H
#define SYNQ_RNG_H

/* The project's one family of pseudo-random generators, used by the
 * stack, the simulator, the HTTP server's service times, tests and
 * fuzzers alike:
 *
 *   splitmix64     (Steele, Lea and Flood, 2014): a 64-bit counter through
 *                  a mixing function. Turns any seed, 0 included, into
 *                  well-spread words: seeds and keys are drawn from it.
 *   xoshiro256**   (Blackman and Vigna, 2018): the generator proper, four
 *                  words of state seeded with four splitmix64 outputs.
 *
 * Reference vectors (tests/unit/test_rng.c checks them): splitmix64 from
 * state 0 gives 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f,
 * 0xf88bb8a8724c81ec; xoshiro256** from the state {1, 2, 3, 4} gives
 * 11520, 0, 1509978240, 1215971899390074240.
 *
 * Everything is inline and uses no library: a generator is a plain value
 * owned by its user, and the same seed gives the same sequence on every
 * machine. Not for cryptography (the stack's secrets are SipHash keys
 * drawn from it, as a seeded simulation needs them to be). */

#include <stdint.h>

struct synq_rng {
	uint64_t s[4];
};

/* One splitmix64 step: advances *state, returns the next output. */
static inline uint64_t synq_splitmix64_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* The state of seed: its first four splitmix64 outputs. */
static inline void synq_rng_seed(struct synq_rng *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = synq_splitmix64_next(&seed);
}

static inline uint64_t synq_rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* One xoshiro256** step on a raw state. */
static inline uint64_t synq_xoshiro256ss_next(uint64_t s[4])
{
	uint64_t result = synq_rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = synq_rotl64(s[3], 45);
	return result;
}

/* The next 64 random bits. */
static inline uint64_t synq_rng_next(struct synq_rng *rng)
{
	return synq_xoshiro256ss_next(rng->s);
}

/* Uniform in [0, 1): the top 53 bits of one output. */
static inline double synq_rng_double(struct synq_rng *rng)
{
	return (double)(synq_rng_next(rng) >> 11) * 0x1.0p-53;
}

#endif
