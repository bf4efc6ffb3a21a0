/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SIM_RNG_H
#define SYNQ_SIM_RNG_H

/* The simulator's pseudo-random generator: the project's xoshiro256**,
 * seeded through splitmix64 (include/synq/rng.h), with the draws a
 * simulation needs on top.
 *
 * A generator is a plain value owned by whoever uses it: one per simulation,
 * one per link, one per stack. Nothing here is global; the same seed gives
 * the same sequence on every machine. Not for cryptography. */

#include <stdbool.h>
#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

/* One step of splitmix64: advances *state and returns the next output. */
uint64_t sim_splitmix64_next(uint64_t *state);

/* State from a 64-bit seed: the first four splitmix64 outputs of seed. */
void sim_rng_seed(struct sim_rng *rng, uint64_t seed);

/* Set the raw state (for reference vectors). An all-zero state is a fixed
 * point of the generator; it is replaced by the state of seed 0. */
void sim_rng_set_state(struct sim_rng *rng, const uint64_t state[4]);

/* Seed child from the next output of parent: an independent stream whose
 * seed is decided by the parent's seed and the order of the splits. */
void sim_rng_split(struct sim_rng *parent, struct sim_rng *child);

/* The next 64 random bits. */
uint64_t sim_rng_next(struct sim_rng *rng);

/* Uniform in [0, 1), a multiple of 2^-53 (the top 53 bits of one output). */
double sim_rng_double(struct sim_rng *rng);

/* Uniform in [0, bound) without modulo bias (Lemire's multiply-and-reject,
 * "Fast random integer generation in an interval", 2019). bound 0 gives 0. */
uint64_t sim_rng_below(struct sim_rng *rng, uint64_t bound);

/* True with probability p (p <= 0 never draws and is false; p >= 1 is
 * always true and does not draw either, so a lossless link costs nothing). */
bool sim_rng_chance(struct sim_rng *rng, double p);

#endif
