/* SPDX-License-Identifier: BSD-2-Clause */
#include "tcp/pool.h"

#include <errno.h>
#include <stdlib.h>

int pool_init(struct pool *p, size_t object_size, uint32_t capacity)
{
	*p = (struct pool){ .object_size = object_size, .capacity = capacity,
	                    .free_head = POOL_NONE };
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
