/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_BENCH_H
#define SYNQ_BENCH_H

/* Helpers shared by the benchmarks: a wall clock (benchmarks only; the stack
 * never reads one), the median of repeated runs, and the output line format
 * of the project's benchmarks:  bench: NAME VALUE UNIT [vs BASELINE RATIO] */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static inline double bench_median(double *values, int n)
{
	qsort(values, (size_t)n, sizeof *values, bench_cmp_double);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static inline void bench_line(const char *name, double value, const char *unit)
{
	printf("bench: %s %.0f %s\n", name, value, unit);
}

static inline void bench_line_vs(const char *name, double value, const char *unit,
                                 const char *baseline, double baseline_value)
{
	printf("bench: %s %.0f %s vs %s %.2f\n", name, value, unit, baseline,
	       value / baseline_value);
}

#endif
