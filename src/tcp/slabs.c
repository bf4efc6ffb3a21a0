/* SPDX-License-Identifier: BSD-2-Clause */
/* Object caches several stacks share (synq_slabs_new() in synq/stack.h).
 *
 * The slabs own the memory and the free lists of three kinds of object:
 * connections, TIME-WAITs and segment buffers. A stack made in them
 * borrows each (pool_borrow()) with the capacity its settings give, and
 * the slabs set that much aside for it, so no stack ever finds them
 * empty while it is below its own limits. Room set aside stays so until
 * the slabs are freed: a stack may die holding objects, and nothing else
 * knows which ones. */
#include <errno.h>
#include <stdlib.h>

#include "tcp/core.h"
#include "tcp/stack_internal.h"

struct slab {
	struct pool pool;
	uint32_t room;  /* objects not yet set aside for a stack */
};

struct synq_slabs {
	struct slab conns;
	struct slab timewaits;
	struct slab segbufs;
};

static uint32_t segbufs_of(const struct synq_config *cfg)
{
	return cfg->buffer_bytes / SEGBUF_SIZE;
}

static int slab_init(struct slab *sl, size_t object_size, uint32_t per_stack, uint32_t stacks)
{
	uint64_t count = (uint64_t)per_stack * stacks;
	if (count > TCP_HANDLE_INDEX(TCP_NONE))
		return -EINVAL;  /* indices beyond what a handle can hold */
	sl->room = (uint32_t)count;
	return pool_init(&sl->pool, object_size, (uint32_t)count);
}

int synq_slabs_new(struct synq_slabs **out, const struct synq_config *cfg, uint32_t stacks)
{
	*out = NULL;
	struct synq_slabs *sl = calloc(1, sizeof *sl);
	if (sl == NULL)
		return -ENOMEM;
	int err = slab_init(&sl->conns, sizeof(struct tcp_conn), cfg->max_connections, stacks);
	if (!err)
		err = slab_init(&sl->timewaits, sizeof(struct tcp_timewait), cfg->max_time_wait,
		                stacks);
	if (!err)
		err = slab_init(&sl->segbufs, SEGBUF_SIZE, segbufs_of(cfg), stacks);
	if (err) {
		synq_slabs_free(sl);
		return err;
	}
	sl->segbufs.pool.clear_size = sizeof(struct segbuf);
	*out = sl;
	return 0;
}

void synq_slabs_free(struct synq_slabs *sl)
{
	if (sl == NULL)
		return;
	pool_destroy(&sl->conns.pool);
	pool_destroy(&sl->timewaits.pool);
	pool_destroy(&sl->segbufs.pool);
	free(sl);
}

int tcp_slabs_lend(struct synq_slabs *sl, struct synq_stack *s)
{
	const struct synq_config *cfg = &s->cfg;
	if (sl->conns.room < cfg->max_connections || sl->timewaits.room < cfg->max_time_wait ||
	    sl->segbufs.room < segbufs_of(cfg))
		return -ENOSPC;
	sl->conns.room -= cfg->max_connections;
	sl->timewaits.room -= cfg->max_time_wait;
	sl->segbufs.room -= segbufs_of(cfg);
	pool_borrow(&s->conns, &sl->conns.pool, cfg->max_connections);
	pool_borrow(&s->timewaits, &sl->timewaits.pool, cfg->max_time_wait);
	pool_borrow(&s->segbufs, &sl->segbufs.pool, segbufs_of(cfg));
	return 0;
}
