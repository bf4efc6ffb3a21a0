/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SCENARIO_HIST_H
#define SYNQ_SCENARIO_HIST_H

/* A histogram of durations with bounded memory and relative precision, in
 * the manner of HdrHistogram: values in microseconds, 32 linear
 * sub-buckets per power of two, so any value is known to within 1/32 (3%)
 * and a SYN retransmission step (1 s, 3 s, 7 s) lands in one narrow
 * bucket. Covers 0 .. 2^40 us (12 days); larger values go in the last
 * bucket. Fixed size, no allocation, deterministic. */

#include <stdint.h>

#include "synq/time.h"

#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_TOP_BITS 40
#define HIST_BUCKETS ((HIST_TOP_BITS - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count;
	synq_time_t max_ns;
	synq_time_t sum_us;      /* for the mean */
	uint32_t bucket[HIST_BUCKETS];
};

void hist_add(struct hist *h, synq_time_t ns);
/* Lower and upper bound (exclusive) of bucket i, in microseconds. */
void hist_bucket_range(unsigned i, uint64_t *lo_us, uint64_t *hi_us);
/* The value at quantile q (0..1), as the upper bound of its bucket, in ns
 * (the maximum seen for q = 1); 0 for an empty histogram. */
synq_time_t hist_quantile(const struct hist *h, double q);
void hist_merge(struct hist *into, const struct hist *from);

#endif
