/* SPDX-License-Identifier: BSD-2-Clause */
/* One timer heap for the whole stack.
 *
 * Each object stores its deadlines itself (a connection has one per
 * enum tcp_timer, a request one). The heap holds one slot per object that
 * has any deadline, keyed by the earliest, and each object remembers its
 * slot so a changed deadline moves in O(log n). The stack's next deadline
 * is the heap's top (or the oldest TIME-WAIT, see timewait.c): nothing ever
 * scans every connection. Ties fire in handle order, which keeps runs
 * reproducible.
 *
 * Deadlines are millisecond ticks in 32 bits, as Linux's timers are
 * jiffies: a timer set for t fires at the first tick at or after t, and
 * ticks compare by wrap-around difference (all pending deadlines lie
 * within 24 days of now). */
#include <assert.h>

#include "tcp/stack_internal.h"

uint32_t tcp_time_to_ms(synq_time_t when)
{
	return (uint32_t)((when + SYNQ_MSEC(1) - 1) / SYNQ_MSEC(1));
}

synq_time_t tcp_ms_to_time(const struct synq_stack *s, uint32_t stamp_ms)
{
	int64_t now_ms = s->now / SYNQ_MSEC(1);
	return SYNQ_MSEC(now_ms + (int32_t)(stamp_ms - (uint32_t)now_ms));
}

static bool slot_before(const struct timer_slot *a, const struct timer_slot *b)
{
	int32_t d = (int32_t)(a->when_ms - b->when_ms);
	return d < 0 || (d == 0 && a->handle < b->handle);
}

static void heap_place(struct synq_stack *s, uint32_t i, struct timer_slot v)
{
	s->heap[i] = v;
	*tcp_handle_slot(s, v.handle) = i;
}

static void sift_up(struct synq_stack *s, uint32_t i)
{
	struct timer_slot v = s->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (!slot_before(&v, &s->heap[parent]))
			break;
		heap_place(s, i, s->heap[parent]);
		i = parent;
	}
	heap_place(s, i, v);
}

static void sift_down(struct synq_stack *s, uint32_t i)
{
	struct timer_slot v = s->heap[i];
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= s->heap_len)
			break;
		if (child + 1 < s->heap_len && slot_before(&s->heap[child + 1], &s->heap[child]))
			child++;
		if (!slot_before(&s->heap[child], &v))
			break;
		heap_place(s, i, s->heap[child]);
		i = child;
	}
	heap_place(s, i, v);
}

void tcp_timer_schedule(struct synq_stack *s, uint32_t handle, synq_time_t when)
{
	uint32_t *slot = tcp_handle_slot(s, handle);
	if (when == 0) {
		tcp_timer_cancel(s, handle);
		return;
	}
	uint32_t when_ms = tcp_time_to_ms(when);
	if (*slot == TCP_NONE) {
		/* The heap has room for every connection and request. */
		assert(s->heap_len < s->heap_cap);
		uint32_t i = s->heap_len++;
		s->heap[i] = (struct timer_slot){ when_ms, handle };
		*slot = i;
		sift_up(s, i);
		return;
	}
	uint32_t i = *slot;
	int32_t moved = (int32_t)(when_ms - s->heap[i].when_ms);
	s->heap[i].when_ms = when_ms;
	if (moved < 0)
		sift_up(s, i);
	else if (moved > 0)
		sift_down(s, i);
}

void tcp_timer_cancel(struct synq_stack *s, uint32_t handle)
{
	uint32_t *slot = tcp_handle_slot(s, handle);
	uint32_t i = *slot;
	if (i == TCP_NONE)
		return;
	*slot = TCP_NONE;
	uint32_t last = --s->heap_len;
	if (i == last)
		return;
	struct timer_slot moved = s->heap[last];
	heap_place(s, i, moved);
	if (i > 0 && slot_before(&moved, &s->heap[(i - 1) / 2]))
		sift_up(s, i);
	else
		sift_down(s, i);
}

/* A connection's deadlines are 32-bit millisecond stamps (like Linux's
 * jiffies), read relative to now so that they survive wrap-around. */
synq_time_t tcp_conn_timer_get(const struct synq_stack *s, const struct tcp_conn *c,
                               enum tcp_timer t)
{
	if (!(c->timers_armed & (1u << t)))
		return 0;
	return tcp_ms_to_time(s, c->timer_ms[t]);
}

static synq_time_t conn_earliest(const struct synq_stack *s, const struct tcp_conn *c)
{
	synq_time_t first = 0;
	for (int t = 0; t < TCP_TIMER__COUNT; t++) {
		synq_time_t when = tcp_conn_timer_get(s, c, (enum tcp_timer)t);
		if (when && (first == 0 || when < first))
			first = when;
	}
	return first;
}

void tcp_conn_timer_set(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t,
                        synq_time_t when)
{
	if (when == 0) {
		c->timers_armed &= (uint8_t)~(1u << t);
	} else {
		c->timer_ms[t] = tcp_time_to_ms(when);
		c->timers_armed |= (uint8_t)(1u << t);
	}
	tcp_timer_schedule(s, TCP_HANDLE(TCP_OBJ_CONN, tcp_conn_index(s, c)),
	                   conn_earliest(s, c));
}

void tcp_conn_timer_clear(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t)
{
	if (!(c->timers_armed & (1u << t)))
		return;
	tcp_conn_timer_set(s, c, t, 0);
}

synq_time_t tcp_timer_next(const struct synq_stack *s)
{
	return s->heap_len ? tcp_ms_to_time(s, s->heap[0].when_ms) : SYNQ_TIME_NEVER;
}

void tcp_timers_run(struct synq_stack *s)
{
	while (s->heap_len > 0 && tcp_ms_to_time(s, s->heap[0].when_ms) <= s->now) {
		uint32_t handle = s->heap[0].handle;
		uint32_t index = TCP_HANDLE_INDEX(handle);
		if (TCP_HANDLE_KIND(handle) == TCP_OBJ_CONN) {
			tcp_conn_timer_fire(s, tcp_conn_at(s, index));
		} else {
			tcp_timer_cancel(s, handle);
			tcp_request_timer_fire(s, pool_at(&s->requests, index));
		}
	}
	tcp_timewait_expire(s);
}
