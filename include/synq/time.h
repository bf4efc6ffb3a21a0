/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TIME_H
#define SYNQ_TIME_H

#include <stdint.h>

/* Time everywhere in synq: signed 64-bit nanoseconds on the caller's clock.
 * The stack never reads a clock; drivers pass "now" in. */
typedef int64_t synq_time_t;

#define SYNQ_NSEC(n) ((synq_time_t)(n))
#define SYNQ_USEC(n) ((synq_time_t)(n) * 1000)
#define SYNQ_MSEC(n) ((synq_time_t)(n) * 1000000)
#define SYNQ_SEC(n)  ((synq_time_t)(n) * 1000000000)

/* "No deadline": later than any real time. */
#define SYNQ_TIME_NEVER INT64_MAX

#endif
