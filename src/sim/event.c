/* SPDX-License-Identifier: BSD-2-Clause */
#include "base/cacheline.h"
#include "sim/event.h"

#include <errno.h>
#include <stdlib.h>

#define SLOT_NONE UINT32_MAX
#define QUEUE_INITIAL_CAPACITY 64u

static inline bool entry_before(const struct sim_queue_entry *a,
                                const struct sim_queue_entry *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* Put e at heap index pos and tell its slot where it is. */
static inline void heap_place(struct sim_queue *q, uint32_t pos,
                              struct sim_queue_entry e)
{
	q->heap[pos] = e;
	q->slots[e.slot].pos = pos;
}

/* Move the hole at pos towards the root until e fits there. */
static void heap_sift_up(struct sim_queue *q, uint32_t pos, struct sim_queue_entry e)
{
	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;
		if (!entry_before(&e, &q->heap[parent]))
			break;
		heap_place(q, pos, q->heap[parent]);
		pos = parent;
	}
	heap_place(q, pos, e);
}

/* Move the hole at pos towards the leaves until e fits there. Inlined
 * into its callers: nearly every add fills a popped root this way, and
 * the call itself cost a fifth of the sift (the heap is a few levels
 * deep). */
static inline __attribute__((always_inline)) void
heap_sift_down(struct sim_queue *q, uint32_t pos, struct sim_queue_entry e)
{
	uint32_t len = q->len;
	for (;;) {
		uint32_t child = 2 * pos + 1;
		if (child >= len)
			break;
		if (child + 1 < len && entry_before(&q->heap[child + 1], &q->heap[child]))
			child++;
		if (!entry_before(&q->heap[child], &e))
			break;
		heap_place(q, pos, q->heap[child]);
		pos = child;
	}
	heap_place(q, pos, e);
}

/* Re-seat e at pos, wherever the heap order wants it. */
static void heap_fix(struct sim_queue *q, uint32_t pos, struct sim_queue_entry e)
{
	if (pos > 0 && entry_before(&e, &q->heap[(pos - 1) / 2]))
		heap_sift_up(q, pos, e);
	else
		heap_sift_down(q, pos, e);
}

/* Take the entry at pos out of the heap (the last entry fills the gap). */
static void heap_remove(struct sim_queue *q, uint32_t pos)
{
	q->len--;
	if (pos != q->len)
		heap_fix(q, pos, q->heap[q->len]);
}

/* A popped root leaves a hole (root_hole) rather than being filled with
 * the last entry at once: the callback that runs next often adds an event
 * (a link's next packet, a timer), which then takes the root's place with
 * one sift down instead of a sift down now and a climb from the bottom
 * later. Anything else that needs the heap closes the hole first. The
 * order of events never depends on the layout. */
static void close_hole(struct sim_queue *q)
{
	if (!q->root_hole)
		return;
	q->root_hole = false;
	if (q->len > 0)
		heap_sift_down(q, 0, q->heap[q->len]);
}

static void slot_free(struct sim_queue *q, uint32_t index)
{
	struct sim_queue_slot *s = &q->slots[index];
	if (++s->gen == 0)
		s->gen = 1;
	s->fn = NULL;   /* a free slot: its arg is never read */
	s->pos = q->free_head;
	q->free_head = index;
}

static int queue_grow(struct sim_queue *q)
{
	uint32_t cap = q->capacity ? q->capacity * 2 : QUEUE_INITIAL_CAPACITY;
	if (cap > q->max)
		cap = q->max;
	struct sim_queue_slot *slots = realloc_lines(q->slots, (size_t)q->capacity * sizeof *slots,
	                                             (size_t)cap * sizeof *slots);
	if (!slots)
		return -ENOMEM;
	q->slots = slots;
	struct sim_queue_entry *heap = realloc_lines(q->heap, (size_t)q->capacity * sizeof *heap,
	                                             (size_t)cap * sizeof *heap);
	if (!heap)
		return -ENOMEM;
	q->heap = heap;
	q->capacity = cap;
	return 0;
}

int sim_queue_init(struct sim_queue *q, uint32_t max)
{
	if (max == 0 || max == SLOT_NONE)
		return -EINVAL;
	*q = (struct sim_queue){ .max = max, .free_head = SLOT_NONE, .seq_step = 1 };
	return 0;
}

void sim_queue_fini(struct sim_queue *q)
{
	free(q->heap);
	free(q->slots);
	*q = (struct sim_queue){ .free_head = SLOT_NONE };
}

void sim_queue_spread_seq(struct sim_queue *q)
{
	q->next_seq = (q->next_seq + SIM_SEQ_STEP - 1) / SIM_SEQ_STEP * SIM_SEQ_STEP + SIM_SEQ_STEP;
	q->seq_step = SIM_SEQ_STEP;
}

uint64_t sim_queue_take_seq(struct sim_queue *q)
{
	uint64_t seq = q->next_seq;
	q->next_seq += q->seq_step;
	return seq;
}

int sim_queue_add(struct sim_queue *q, synq_time_t time, sim_event_fn fn,
                  void *arg, sim_event_id *id)
{
	if (fn == NULL)
		return -EINVAL;
	int err = sim_queue_add_seq(q, time, q->next_seq, fn, arg, id);
	if (err == 0)
		q->next_seq += q->seq_step;
	return err;
}

/* Fill slot index with the event and file it in the heap. */
static inline __attribute__((always_inline)) void
queue_insert(struct sim_queue *q, uint32_t index, synq_time_t time, uint64_t seq,
             sim_event_fn fn, void *arg, sim_event_id *id)
{
	struct sim_queue_slot *s = &q->slots[index];
	s->fn = fn;
	s->arg = arg;
	if (id)
		*id = (uint64_t)s->gen << 32 | index;
	struct sim_queue_entry e = { .time = time, .seq = seq, .slot = index };
	if (q->root_hole) {
		/* heap[1..len] are the entries: e fills the root */
		q->root_hole = false;
		q->len++;
		heap_sift_down(q, 0, e);
	} else {
		heap_sift_up(q, q->len++, e);
	}
}

/* An add that takes a slot never used before. Out of line: it runs only
 * while the queue reaches a new high, and kept apart it leaves the
 * common add registers enough not to save any. */
static __attribute__((noinline)) int add_to_new_slot(struct sim_queue *q, synq_time_t time,
                                                     uint64_t seq, sim_event_fn fn, void *arg,
                                                     sim_event_id *id)
{
	if (q->slots_used == q->max)
		return -ENOSPC;
	if (q->slots_used == q->capacity) {
		int err = queue_grow(q);
		if (err)
			return err;
	}
	uint32_t index = q->slots_used++;
	q->slots[index].gen = 1;
	queue_insert(q, index, time, seq, fn, arg, id);
	return 0;
}

int sim_queue_add_seq(struct sim_queue *q, synq_time_t time, uint64_t seq, sim_event_fn fn,
                      void *arg, sim_event_id *id)
{
	if (fn == NULL)
		return -EINVAL;
	uint32_t index = q->free_head;
	if (index == SLOT_NONE)
		return add_to_new_slot(q, time, seq, fn, arg, id);
	q->free_head = q->slots[index].pos;
	queue_insert(q, index, time, seq, fn, arg, id);
	return 0;
}

/* The slot index of a pending id, or SLOT_NONE. */
static uint32_t id_slot(const struct sim_queue *q, sim_event_id id)
{
	uint32_t index = (uint32_t)id;
	uint32_t gen = (uint32_t)(id >> 32);
	if (gen == 0 || index >= q->slots_used || q->slots[index].gen != gen ||
	    q->slots[index].fn == NULL)
		return SLOT_NONE;
	return index;
}

bool sim_queue_pending(const struct sim_queue *q, sim_event_id id)
{
	return id_slot(q, id) != SLOT_NONE;
}

int sim_queue_cancel(struct sim_queue *q, sim_event_id id)
{
	uint32_t index = id_slot(q, id);
	if (index == SLOT_NONE)
		return -ENOENT;
	close_hole(q);
	heap_remove(q, q->slots[index].pos);
	slot_free(q, index);
	return 0;
}

int sim_queue_move(struct sim_queue *q, sim_event_id id, synq_time_t time)
{
	uint32_t index = id_slot(q, id);
	if (index == SLOT_NONE)
		return -ENOENT;
	close_hole(q);
	uint32_t pos = q->slots[index].pos;
	struct sim_queue_entry e = { .time = time, .seq = q->next_seq, .slot = index };
	q->next_seq += q->seq_step;
	heap_fix(q, pos, e);
	return 0;
}

synq_time_t sim_queue_next_time(struct sim_queue *q)
{
	close_hole(q);
	return q->len ? q->heap[0].time : SYNQ_TIME_NEVER;
}

bool sim_queue_precedes(const struct sim_queue *q, synq_time_t time, uint64_t seq)
{
	const struct sim_queue_entry e = { .time = time, .seq = seq };
	if (!q->root_hole)
		return q->len == 0 || entry_before(&e, &q->heap[0]);
	/* Below the hole the root's children head the two halves (the
	 * entry parked at heap[len] is a leaf of one of them). */
	return (q->len < 1 || entry_before(&e, &q->heap[1])) &&
	       (q->len < 2 || entry_before(&e, &q->heap[2]));
}

/* Hand out the root and leave the hole (the heap is not empty). */
static void pop_root(struct sim_queue *q, struct sim_queue_fire *fire)
{
	uint32_t index = q->heap[0].slot;
	fire->time = q->heap[0].time;
	fire->fn = q->slots[index].fn;
	fire->arg = q->slots[index].arg;
	/* the last entry stays where it is, heap[len] after the decrement */
	q->len--;
	q->root_hole = true;
	slot_free(q, index);
}

bool sim_queue_pop(struct sim_queue *q, struct sim_queue_fire *fire)
{
	close_hole(q);
	if (q->len == 0)
		return false;
	pop_root(q, fire);
	return true;
}

bool sim_queue_pop_before(struct sim_queue *q, synq_time_t time, uint64_t seq,
                          struct sim_queue_fire *fire)
{
	close_hole(q);
	const struct sim_queue_entry limit = { .time = time, .seq = seq };
	if (q->len == 0 || !entry_before(&q->heap[0], &limit))
		return false;
	pop_root(q, fire);
	return true;
}
