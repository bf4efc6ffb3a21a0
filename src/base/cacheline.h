/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_BASE_CACHELINE_H
#define SYNQ_BASE_CACHELINE_H

/* Memory for objects that one simulation domain writes while another
 * domain runs on another core (src/sim/domain.c). Each block starts on a
 * line boundary and its size is rounded up to whole lines, so it shares
 * no cache line with any other block: without that, a domain's hot
 * objects sit beside the other domain's on the heap and every write
 * makes the two cores pass a line back and forth. (Each domain has been
 * seen to run 1.4-1.8 times slower beside the other; how much of that
 * was heap neighbours, this VM without hardware counters could not
 * tell.) The unit is two 64-byte lines, as
 * the CPU also prefetches the neighbour of a line it fetches.
 *
 * calloc_lines() blocks are zeroed; all are released with free() and grown
 * only with realloc_lines(): plain realloc() may move a block off its
 * boundary. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHELINE_UNIT 128u

static inline size_t cacheline_round(size_t bytes)
{
	return (bytes + CACHELINE_UNIT - 1) & ~(size_t)(CACHELINE_UNIT - 1);
}

/* count * size bytes, not cleared, on lines of their own, or NULL (no
 * memory, or the product overflows). Sets *bytes to the rounded size. */
static inline void *alloc_lines(size_t count, size_t size, size_t *bytes)
{
	if (size && count > (SIZE_MAX - CACHELINE_UNIT) / size)
		return NULL;
	*bytes = count * size;
	*bytes = cacheline_round(*bytes > 0 ? *bytes : 1);
	return aligned_alloc(CACHELINE_UNIT, *bytes);
}

/* Blocks this big come from calloc(): glibc maps fresh pages for them
 * (below its mmap threshold, which scn_malloc_tune() keeps at this size,
 * it may clear them itself), which stay untouched until used, where clearing
 * them here would touch every page. Only their two ends can share a line
 * with a neighbour. */
#define CACHELINE_CALLOC_MIN (64u * 1024)

/* count * size zeroed bytes on lines of their own, or NULL. */
static inline void *calloc_lines(size_t count, size_t size)
{
	if (size && count > (SIZE_MAX - CACHELINE_UNIT) / size)
		return NULL;
	if (count * size >= CACHELINE_CALLOC_MIN)
		return calloc(count, size);
	size_t bytes;
	void *p = alloc_lines(count, size, &bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

/* p (from calloc_lines() or realloc_lines(), or NULL) moved to a block of
 * new_bytes on lines of its own, its first old_bytes kept, as realloc()
 * would: the rest is not cleared (and its pages not touched). On failure
 * NULL, and p is left as it was. */
static inline void *realloc_lines(void *p, size_t old_bytes, size_t new_bytes)
{
	size_t bytes;
	void *q = alloc_lines(1, new_bytes, &bytes);
	if (q && p)
		memcpy(q, p, old_bytes < new_bytes ? old_bytes : new_bytes);
	if (q)
		free(p);
	return q;
}

#endif
