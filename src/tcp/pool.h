/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_POOL_H
#define SYNQ_TCP_POOL_H

/* A fixed-capacity pool of equal-sized objects addressed by 32-bit index.
 * Allocated once, at stack creation; afterwards alloc and free are O(1)
 * and never call malloc. A full pool is an overflow, counted, never a crash.
 * Free objects are chained through their first four bytes. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define POOL_NONE UINT32_MAX

struct pool {
	uint8_t *base;
	size_t object_size;
	size_t clear_size;    /* bytes pool_alloc() zeroes: object_size, or a
	                         header when the rest is written before read */
	uint64_t odd_inverse; /* object_size = odd << size_shift, and */
	uint32_t size_shift;  /* odd * odd_inverse = 1 mod 2^64 */
	uint32_t capacity;
	uint32_t used;
	uint32_t high_water;  /* objects ever touched: the free list starts here */
	uint32_t free_head;
	uint64_t overflows;
	size_t mapped_bytes;  /* base is a mapping of this size, or 0: calloc() */
};

/* Returns 0 or -ENOMEM. */
int pool_init(struct pool *p, size_t object_size, uint32_t capacity);
void pool_destroy(struct pool *p);

static inline void *pool_at(const struct pool *p, uint32_t index)
{
	return p->base + (size_t)index * p->object_size;
}

/* The offset is an exact multiple of the size, so dividing is shifting out
 * the power of two and multiplying by the inverse of the odd part
 * (exact division, Hacker's Delight 10-16): no divide instruction. */
static inline uint32_t pool_index_of(const struct pool *p, const void *obj)
{
	uint64_t offset = (uint64_t)((const uint8_t *)obj - p->base);
	return (uint32_t)((offset >> p->size_shift) * p->odd_inverse);
}

/* A zeroed object's index, or POOL_NONE when the pool is full. */
static inline uint32_t pool_alloc(struct pool *p)
{
	uint32_t index;
	if (p->free_head != POOL_NONE) {
		index = p->free_head;
		memcpy(&p->free_head, pool_at(p, index), sizeof p->free_head);
	} else if (p->high_water < p->capacity) {
		/* Untouched objects are taken in order, so a big pool costs
		 * no memory until it is used. */
		index = p->high_water++;
	} else {
		p->overflows++;
		return POOL_NONE;
	}
	p->used++;
	memset(pool_at(p, index), 0, p->clear_size);
	return index;
}

static inline void pool_free(struct pool *p, uint32_t index)
{
	memcpy(pool_at(p, index), &p->free_head, sizeof p->free_head);
	p->free_head = index;
	p->used--;
}

#endif
