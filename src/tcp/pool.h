/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_POOL_H
#define SYNQ_TCP_POOL_H

/* A fixed-capacity pool of equal-sized objects addressed by 32-bit index.
 * Allocated once, at stack creation; afterwards alloc and free are O(1)
 * and never call malloc. A full pool is an overflow, counted, never a crash.
 * Free objects are chained through their first four bytes.
 *
 * A pool may borrow another's memory and free list (pool_borrow()): the
 * stacks of a host group then hand each other the objects they have just
 * freed, warm in the cache, instead of each keeping its own cold ones.
 * Each borrower keeps its own capacity, count and overflows, and the
 * lender holds at least the sum of the borrowers' capacities, so a
 * borrower overflows exactly when a pool of its own would. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define POOL_NONE UINT32_MAX

struct pool_slots {
	uint32_t high_water;  /* objects ever touched: the free list starts here */
	uint32_t free_head;
};

struct pool {
	uint8_t *base;
	size_t object_size;
	size_t clear_size;    /* bytes pool_alloc() zeroes: object_size, or a
	                         header when the rest is written before read */
	uint64_t odd_inverse; /* object_size = odd << size_shift, and */
	uint32_t size_shift;  /* odd * odd_inverse = 1 mod 2^64 */
	uint32_t capacity;    /* objects this pool may hold at once */
	uint32_t used;
	struct pool_slots *slots; /* &own, or the lender's */
	struct pool_slots own;
	uint64_t overflows;
	size_t mapped_bytes;  /* base is a mapping of this size, or 0: calloc() */
};

/* Returns 0 or -ENOMEM. */
int pool_init(struct pool *p, size_t object_size, uint32_t capacity);
/* p holds up to capacity of lender's objects (lender's object size), and
 * frees them to lender's list; destroying p leaves them to lender. */
void pool_borrow(struct pool *p, struct pool *lender, uint32_t capacity);
void pool_destroy(struct pool *p);

static inline bool pool_is_borrowed(const struct pool *p)
{
	return p->slots != &p->own;
}

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
	if (p->used >= p->capacity) {
		p->overflows++;
		return POOL_NONE;
	}
	/* Below its capacity a pool always finds an object (the lender
	 * holds every borrower's capacity). */
	struct pool_slots *f = p->slots;
	uint32_t index = f->free_head;
	if (index != POOL_NONE)
		memcpy(&f->free_head, pool_at(p, index), sizeof f->free_head);
	else
		index = f->high_water++; /* untouched objects in order: a big
		                            pool costs no memory until used */
	p->used++;
	memset(pool_at(p, index), 0, p->clear_size);
	return index;
}

static inline void pool_free(struct pool *p, uint32_t index)
{
	struct pool_slots *f = p->slots;
	memcpy(pool_at(p, index), &f->free_head, sizeof f->free_head);
	f->free_head = index;
	p->used--;
}

#endif
