/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_SIPHASH_H
#define SYNQ_TCP_SIPHASH_H

/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed PRF for short inputs.
 * Used for SYN cookies, initial sequence numbers and timestamp offsets, as
 * Linux uses it, and for the connection table's bucket hash. */

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0;
	uint64_t k1;
};

/* The hash of len bytes at data (any length). */
uint64_t siphash(const struct siphash_key *key, const void *data, size_t len);

/* The hash of four 32-bit words, laid out as 16 little-endian bytes. This
 * is the cookie and ISN shape (addresses, ports, a counter) and equals
 * siphash() over those 16 bytes. */
uint64_t siphash_4u32(const struct siphash_key *key, uint32_t a, uint32_t b,
                      uint32_t c, uint32_t d);

/* The hash of two 32-bit words (8 little-endian bytes): Linux's
 * siphash_2u32(), used for timestamp offsets. */
uint64_t siphash_2u32(const struct siphash_key *key, uint32_t a, uint32_t b);

#endif
