/* SPDX-License-Identifier: BSD-2-Clause */
#include "tcp/pool.h"

#include <errno.h>
#include <stdlib.h>

int pool_init(struct pool *p, size_t object_size, uint32_t capacity)
{
	*p = (struct pool){ .object_size = object_size, .clear_size = object_size,
		            .capacity = capacity,
	                    .free_head = POOL_NONE };
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
	/* calloc of a large array maps zero pages lazily. */
	p->base = calloc(capacity, object_size);
	return p->base ? 0 : -ENOMEM;
}

void pool_destroy(struct pool *p)
{
	free(p->base);
	p->base = NULL;
}
