/* SPDX-License-Identifier: BSD-2-Clause */
#include "tcp/segbuf.h"

#include <assert.h>

static_assert(sizeof(struct segbuf) == 24, "segbuf header layout");

void segq_push_tail(struct pool *pool, struct segq *q, uint32_t index)
{
	segbuf_at(pool, index)->next = POOL_NONE;
	if (q->tail == POOL_NONE)
		q->head = index;
	else
		segbuf_at(pool, q->tail)->next = index;
	q->tail = index;
}

uint32_t segq_pop_head(struct pool *pool, struct segq *q)
{
	return segq_remove_after(pool, q, POOL_NONE);
}

void segq_insert_after(struct pool *pool, struct segq *q, uint32_t prev, uint32_t index)
{
	struct segbuf *b = segbuf_at(pool, index);
	if (prev == POOL_NONE) {
		b->next = q->head;
		q->head = index;
	} else {
		struct segbuf *p = segbuf_at(pool, prev);
		b->next = p->next;
		p->next = index;
	}
	if (b->next == POOL_NONE)
		q->tail = index;
}

uint32_t segq_remove_after(struct pool *pool, struct segq *q, uint32_t prev)
{
	uint32_t index = prev == POOL_NONE ? q->head : segbuf_at(pool, prev)->next;
	if (index == POOL_NONE)
		return POOL_NONE;
	struct segbuf *b = segbuf_at(pool, index);
	if (prev == POOL_NONE)
		q->head = b->next;
	else
		segbuf_at(pool, prev)->next = b->next;
	if (q->tail == index)
		q->tail = prev;
	return index;
}

void segq_purge(struct pool *pool, struct segq *q)
{
	uint32_t index;
	while ((index = segq_pop_head(pool, q)) != POOL_NONE)
		pool_free(pool, index);
}

uint32_t segq_bytes(const struct pool *pool, const struct segq *q)
{
	uint32_t n = 0;
	for (uint32_t i = q->head; i != POOL_NONE;) {
		const struct segbuf *b = segbuf_get(pool, i);
		n += b->len;
		i = b->next;
	}
	return n;
}
