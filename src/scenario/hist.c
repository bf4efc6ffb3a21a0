/* SPDX-License-Identifier: BSD-2-Clause */
/* Log-linear duration histogram (see hist.h). Bucket layout: values below
 * HIST_SUB us each have their own bucket; above, the power-of-two range
 * [2^k, 2^(k+1)) is cut into HIST_SUB equal parts. */
#include <string.h>

#include "scenario/hist.h"

static unsigned bucket_of(uint64_t us)
{
	if (us < HIST_SUB)
		return (unsigned)us;
	unsigned msb = 63u - (unsigned)__builtin_clzll(us);
	if (msb >= HIST_TOP_BITS)
		return HIST_BUCKETS - 1;
	unsigned shift = msb - HIST_SUB_BITS;
	unsigned sub = (unsigned)(us >> shift) - HIST_SUB; /* 0 .. HIST_SUB-1 */
	return (shift + 1) * HIST_SUB + sub;
}

void hist_bucket_range(unsigned i, uint64_t *lo_us, uint64_t *hi_us)
{
	if (i < HIST_SUB) {
		*lo_us = i;
		*hi_us = i + 1;
		return;
	}
	unsigned shift = i / HIST_SUB - 1;
	uint64_t sub = i % HIST_SUB + HIST_SUB;
	*lo_us = sub << shift;
	*hi_us = (sub + 1) << shift;
}

void hist_add(struct hist *h, synq_time_t ns)
{
	if (ns < 0)
		ns = 0;
	uint64_t us = (uint64_t)ns / 1000;
	h->bucket[bucket_of(us)]++;
	h->count++;
	h->sum_us += (synq_time_t)us;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

synq_time_t hist_quantile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q >= 1)
		return h->max_ns;
	/* the smallest value v with at least ceil(q * count) samples <= v */
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t lo, hi;
			hist_bucket_range(i, &lo, &hi);
			synq_time_t v = (synq_time_t)hi * 1000;
			return v < h->max_ns ? v : h->max_ns;
		}
	}
	return h->max_ns;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	into->count += from->count;
	into->sum_us += from->sum_us;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->bucket[i] += from->bucket[i];
}
