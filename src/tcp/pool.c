/* SPDX-License-Identifier: BSD-2-Clause */
#include "tcp/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Pools this big get a mapping of their own (pool_init()); under
 * AddressSanitizer none does, so that its checks see every pool. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_MAP_MIN UINT64_MAX
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_MAP_MIN UINT64_MAX
#endif
#endif
#ifndef POOL_MAP_MIN
#define POOL_MAP_MIN (16u * 1024)
#endif

#define HUGE_PAGE ((size_t)2 << 20)

/* A zeroed mapping of *bytes, for a pool: zero pages the kernel provides
 * when an object is first touched. Objects are handed out in address
 * order until the first is freed, so a pool fills its mapping front to
 * back, and on a virtual machine every 4 KB page's first touch costs a
 * fault of ~10 us (a server's TIME-WAIT pool took one for every 70
 * connections): a pool of two huge pages or more is mapped in whole huge
 * pages from a 2 MB boundary (*bytes grows to a multiple of 2 MB) and
 * asks for them, one fault per 2 MB instead of 512. A pool that stays
 * small pays at most 2 MB of memory for it. NULL when out of address
 * space. */
static void *map_zeroed(size_t *bytes)
{
	size_t slack = 0;
	if (*bytes >= 2 * HUGE_PAGE) {
		*bytes = (*bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
		slack = HUGE_PAGE;
	}
	uint8_t *m = mmap(NULL, *bytes + slack, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (slack == 0)
		return m;
	uint8_t *start = (uint8_t *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	size_t head = (size_t)(start - m);
	if (head)
		munmap(m, head);
	if (slack - head)
		munmap(start + *bytes, slack - head);
	(void)madvise(start, *bytes, MADV_HUGEPAGE);
	return start;
}

int pool_init(struct pool *p, size_t object_size, uint32_t capacity)
{
	*p = (struct pool){ .object_size = object_size, .clear_size = object_size,
	                    .capacity = capacity,
	                    .own = { .free_head = POOL_NONE } };
	p->slots = &p->own;
	if (object_size == 0)
		return -EINVAL;
	uint64_t odd = object_size;
	while (!(odd & 1)) {
		odd >>= 1;
		p->size_shift++;
	}
	/* Newton's iteration doubles the correct low bits each step: an odd
	 * number is its own inverse mod 8, so five steps reach 2^64. */
	uint64_t inverse = odd;
	for (int i = 0; i < 5; i++)
		inverse *= 2 - odd * inverse;
	p->odd_inverse = inverse;
	if (capacity == 0)
		return 0;
	if ((uint64_t)capacity * object_size >= POOL_MAP_MIN) {
		/* A mapping of its own (map_zeroed()). calloc() would give
		 * zero pages only for blocks above glibc's mmap threshold,
		 * which grows as big blocks are freed; below it, it clears the
		 * whole block at once (a thousand client stacks' pools, most
		 * never used). */
		size_t bytes = (size_t)capacity * object_size;
		p->base = map_zeroed(&bytes);
		if (p->base == NULL)
			return -ENOMEM;
		p->mapped_bytes = bytes;
		return 0;
	}
	p->base = calloc(capacity, object_size);
	return p->base ? 0 : -ENOMEM;
}

void pool_borrow(struct pool *p, struct pool *lender, uint32_t capacity)
{
	*p = *lender;
	p->capacity = capacity;
	p->used = 0;
	p->overflows = 0;
	p->slots = lender->slots;
	p->own = (struct pool_slots){ .free_head = POOL_NONE };
	p->mapped_bytes = 0;
}

void pool_destroy(struct pool *p)
{
	if (pool_is_borrowed(p))
		return;
	if (p->mapped_bytes)
		munmap(p->base, p->mapped_bytes);
	else
		free(p->base);
	p->base = NULL;
	p->mapped_bytes = 0;
}
