/* SPDX-License-Identifier: BSD-2-Clause */
/* A saved state of the TCP core, to come back to.
 *
 * All of the core's state is the stack object and the arrays it made at
 * creation (stack_internal.h); objects refer to each other by index or by
 * pointer into those arrays, which never move. So a snapshot is a copy of
 * the bytes that hold state, and restoring puts them back where they were:
 * every pointer is right again. It only fits the stack it was taken from.
 *
 * Not every byte is copied, only what can hold state:
 * - the stack object up to its transmit scratch (a datagram is built there
 *   and sent before anything reads it);
 * - each pool's objects below its high-water mark: objects above it were
 *   never handed out before the snapshot, and the pool clears an object
 *   when it hands it out (a segment buffer's payload is written before it
 *   is read), so what later use left there is never seen;
 * - the hash buckets (put back into a table that has grown since by
 *   spreading the saved chains as growing does), the used part of the
 *   timer heap;
 * - the port table's slots that held a key at the snapshot (the stack
 *   lists them while there are few; past that, the whole table). A slot
 *   keyed after the snapshot is in the list too and is emptied first.
 * Restoring costs what the snapshot holds, not what the stack can hold. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/core.h"
#include "tcp/stack_internal.h"

#define SNAP_POOLS 5
#define SNAP_HEAD offsetof(struct synq_stack, tx)

struct tcp_snapshot {
	const struct synq_stack *of;
	struct synq_stack head;      /* only its first SNAP_HEAD bytes */
	uint8_t *pool_bytes[SNAP_POOLS];
	uint32_t *buckets;
	struct timer_slot *heap;
	uint32_t *ports;             /* per listed slot, or the whole table */
	size_t nports;
};

static void pools_of(struct synq_stack *s, struct pool *out[SNAP_POOLS])
{
	out[0] = &s->conns;
	out[1] = &s->requests;
	out[2] = &s->timewaits;
	out[3] = &s->listeners;
	out[4] = &s->segbufs;
}

static bool ports_listed(const struct synq_stack *s)
{
	return s->bound_touched <= BOUND_TOUCHED_MAX;
}

void tcp_snapshot_free(struct tcp_snapshot *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < SNAP_POOLS; i++)
		free(t->pool_bytes[i]);
	free(t->buckets);
	free(t->heap);
	free(t->ports);
	free(t);
}

static void *copy_of(const void *src, size_t len, int *err)
{
	void *p = malloc(len ? len : 1);
	if (p == NULL)
		*err = -ENOMEM;
	else if (len)
		memcpy(p, src, len);
	return p;
}

int tcp_snapshot_take(const struct synq_stack *s, struct tcp_snapshot **out)
{
	*out = NULL;
	if (tcp_stack_in_slabs(s))
		return -EINVAL;  /* its objects lie among other stacks' */
	struct tcp_snapshot *t = calloc(1, sizeof *t);
	if (t == NULL)
		return -ENOMEM;
	t->of = s;
	memcpy(&t->head, s, SNAP_HEAD);
	int err = 0;
	struct pool *pools[SNAP_POOLS];
	pools_of(&t->head, pools);
	for (int i = 0; i < SNAP_POOLS; i++)
		t->pool_bytes[i] = copy_of(pools[i]->base,
		                           (size_t)pools[i]->own.high_water * pools[i]->object_size, &err);
	t->buckets = copy_of(s->buckets, (s->bucket_mask + 1) * sizeof *s->buckets, &err);
	t->heap = copy_of(s->heap, s->heap_len * sizeof *s->heap, &err);
	if (ports_listed(s)) {
		t->nports = s->bound_touched;
		t->ports = malloc((t->nports ? t->nports : 1) * sizeof *t->ports);
		if (t->ports == NULL)
			err = -ENOMEM;
		else
			for (size_t i = 0; i < t->nports; i++)
				t->ports[i] = s->bound_ports[s->bound_slots[i]];
	} else {
		t->nports = s->bound_mask + 1;
		t->ports = copy_of(s->bound_ports, t->nports * sizeof *t->ports, &err);
	}
	if (err) {
		tcp_snapshot_free(t);
		return err;
	}
	*out = t;
	return 0;
}

void tcp_snapshot_restore(struct synq_stack *s, const struct tcp_snapshot *t)
{
	assert(t->of == s && "a snapshot restores the stack it was taken from");
	/* Empty every port slot keyed now: those of the snapshot are among
	 * them and get their value back below. */
	if (ports_listed(s)) {
		for (uint32_t i = 0; i < s->bound_touched; i++)
			s->bound_ports[s->bound_slots[i]] = 0;
	} else {
		memset(s->bound_ports, 0, (s->bound_mask + 1) * sizeof *s->bound_ports);
	}
	/* The table may have grown since: keep today's bucket array. */
	uint32_t *buckets = s->buckets;
	uint32_t bucket_mask = s->bucket_mask;
	memcpy(s, &t->head, SNAP_HEAD);
	s->buckets = buckets;
	s->bucket_mask = bucket_mask;
	struct pool *pools[SNAP_POOLS];
	pools_of(s, pools);
	for (int i = 0; i < SNAP_POOLS; i++)
		if (pools[i]->own.high_water)
			memcpy(pools[i]->base, t->pool_bytes[i],
			       (size_t)pools[i]->own.high_water * pools[i]->object_size);
	tcp_table_restore(s, t->buckets, t->head.bucket_mask + 1);
	if (s->heap_len)
		memcpy(s->heap, t->heap, s->heap_len * sizeof *s->heap);
	if (ports_listed(s)) {
		for (size_t i = 0; i < t->nports; i++)
			s->bound_ports[s->bound_slots[i]] = t->ports[i];
	} else {
		memcpy(s->bound_ports, t->ports, t->nports * sizeof *t->ports);
	}
}
