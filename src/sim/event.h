/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SIM_EVENT_H
#define SYNQ_SIM_EVENT_H

/* The pending-event set of a simulation: a binary min-heap keyed by
 * (time, sequence number), over a pool of event slots.
 *
 * Order. Events fire by time; events with equal times fire in the order
 * they were scheduled (or last rescheduled): every add and every move takes
 * the next value of a 64-bit sequence counter, so the order never depends on
 * heap layout and a run is reproducible.
 *
 * Memory. A slot holds the callback and its argument and knows where its
 * entry sits in the heap, which makes cancel and move O(log n) without a
 * search. Freed slots go on a free list; the slot and heap arrays only grow
 * (doubling) when the number of pending events reaches a new high, up to a
 * fixed limit. In steady state no event costs an allocation.
 *
 * Handles. An id is (slot generation << 32 | slot index). A slot's
 * generation changes every time it is freed, so the id of an event that
 * fired or was cancelled no longer matches and cancel/move answer -ENOENT
 * instead of touching a newer event that reuses the slot. Id 0 is never
 * issued (generations start at 1). */

#include <stdbool.h>
#include <stdint.h>

#include "synq/sim.h"
#include "synq/time.h"

struct sim_queue_entry {
	synq_time_t time;
	uint64_t seq;
	uint32_t slot;
};

struct sim_queue_slot {
	sim_event_fn fn;
	void *arg;
	uint32_t pos;  /* heap index while pending; next free slot when free */
	uint32_t gen;
};

struct sim_queue {
	struct sim_queue_entry *heap;
	struct sim_queue_slot *slots;
	uint32_t len;        /* pending events = heap entries */
	uint32_t slots_used; /* slots ever handed out (high-water mark) */
	uint32_t capacity;   /* allocated slots and heap entries */
	uint32_t max;        /* limit on pending events */
	uint32_t free_head;  /* UINT32_MAX when empty */
	bool root_hole;      /* the root was popped: heap[1..len] hold the
	                        entries until the next add fills the hole or
	                        another call closes it (event.c) */
	uint64_t next_seq;
	uint64_t seq_step;   /* 1; SIM_SEQ_STEP in a simulation with domains,
	                        whose packets from other domains take the
	                        numbers in between (domain.c) */
};

#define SIM_SEQ_STEP ((uint64_t)1 << 16)

/* What sim_queue_pop() hands back. */
struct sim_queue_fire {
	synq_time_t time;
	sim_event_fn fn;
	void *arg;
};

/* max: the most events that may be pending at once (at least 1). */
int sim_queue_init(struct sim_queue *q, uint32_t max);
void sim_queue_fini(struct sim_queue *q);

/* Add an event. Returns 0 and sets *id (if id is not NULL); -EINVAL for a
 * NULL fn, -ENOSPC when max events are pending, -ENOMEM when growing the
 * arrays fails. */
int sim_queue_add(struct sim_queue *q, synq_time_t time, sim_event_fn fn,
                  void *arg, sim_event_id *id);

/* From now on, space sequence numbers SIM_SEQ_STEP apart, the next one
 * a multiple of it above every number given so far. */
void sim_queue_spread_seq(struct sim_queue *q);

/* Take the next sequence number now, for an event added later with
 * sim_queue_add_seq(): it then sits among ties as if added at this
 * moment. (A link's packets wait in its own FIFO this way, only the
 * first of them in the heap.) */
uint64_t sim_queue_take_seq(struct sim_queue *q);
int sim_queue_add_seq(struct sim_queue *q, synq_time_t time, uint64_t seq, sim_event_fn fn,
                      void *arg, sim_event_id *id);

/* Remove a pending event. 0, or -ENOENT if id is not pending. */
int sim_queue_cancel(struct sim_queue *q, sim_event_id id);

/* Give a pending event a new time (and a new sequence number, as if it were
 * added now). 0, or -ENOENT if id is not pending. */
int sim_queue_move(struct sim_queue *q, sim_event_id id, synq_time_t time);

bool sim_queue_pending(const struct sim_queue *q, sim_event_id id);

/* Time of the earliest pending event, SYNQ_TIME_NEVER if there is none. */
synq_time_t sim_queue_next_time(struct sim_queue *q);
/* Its sequence number, after sim_queue_next_time() found one. */
static inline uint64_t sim_queue_next_seq(const struct sim_queue *q)
{
	return q->heap[0].seq;
}
/* The sequence number the next add will take. */
static inline uint64_t sim_queue_seq_now(const struct sim_queue *q)
{
	return q->next_seq;
}

/* Does an event keyed (time, seq) come before every pending one? */
bool sim_queue_precedes(const struct sim_queue *q, synq_time_t time, uint64_t seq);

/* Remove the earliest event into *fire. False if the queue is empty. */
bool sim_queue_pop(struct sim_queue *q, struct sim_queue_fire *fire);

/* The same if that event comes before (time, seq): due before time, or
 * at time with a sequence number below seq. False if there is none. */
bool sim_queue_pop_before(struct sim_queue *q, synq_time_t time, uint64_t seq,
                          struct sim_queue_fire *fire);

#endif
