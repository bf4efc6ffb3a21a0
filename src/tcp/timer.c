/* SPDX-License-Identifier: BSD-2-Clause */
/* One timer heap for the whole stack, firing when Linux's timer wheel would.
 *
 * Each object stores its deadlines itself (a connection has one per
 * enum tcp_timer, a request one). The heap holds one slot per object that
 * has any deadline, keyed by the earliest, and each object remembers its
 * slot so a changed deadline moves in O(log n). The stack's next deadline
 * is the heap's top (or the oldest TIME-WAIT, see timewait.c): nothing ever
 * scans every connection. Ties fire in handle order, which keeps runs
 * reproducible.
 *
 * Deadlines are millisecond ticks in 32 bits: a timer fires at the first
 * tick at or after its deadline, and ticks compare by wrap-around
 * difference (all pending deadlines lie within 24 days of now).
 *
 * Which tick that is follows Linux (kernel/time/timer.c, since 4.8). Its
 * TCP timers (retransmit and probes, delayed ACK, keepalive and FIN-WAIT-2,
 * SYN-ACK, TIME-WAIT) live on a wheel counted in jiffies (1/HZ s). The
 * wheel has levels of 64 buckets, each level 8 times coarser than the one
 * below: a timer due in fewer than 63 jiffies goes to level 0 (one jiffy a
 * bucket), fewer than 504 to level 1 (8 jiffies), fewer than 4032 to level
 * 2 (64), and so on. The bucket is the first one wholly after the expiry,
 * so a timer fires up to one bucket late, never early, and every timer of
 * a bucket fires on the same tick. At HZ=250 a 1 s SYN retransmission
 * lands on a 32 ms grid, a 60 s TIME-WAIT on a 2.048 s one: clients that
 * connect a few milliseconds apart retransmit together. kernel.hz = 0
 * fires every timer at the millisecond it asks for instead. */
#include <assert.h>

#include "tcp/stack_internal.h"

uint32_t tcp_time_to_ms(synq_time_t when)
{
	return (uint32_t)((when + SYNQ_MSEC(1) - 1) / SYNQ_MSEC(1));
}

synq_time_t tcp_ms_to_time(const struct synq_stack *s, uint32_t stamp_ms)
{
	int64_t now_ms = s->now_ms;
	return SYNQ_MSEC(now_ms + (int32_t)(stamp_ms - (uint32_t)now_ms));
}

enum {
	WHEEL_LEVEL_SIZE = 64,
	WHEEL_CLK_SHIFT = 3,     /* each level is 8 times coarser */
};

/* The smallest delay (jiffies) that a level takes; level 0 takes 0. */
static uint64_t wheel_level_start(unsigned level)
{
	return level == 0 ? 0
	                  : (uint64_t)(WHEEL_LEVEL_SIZE - 1) << ((level - 1) * WHEEL_CLK_SHIFT);
}

static synq_time_t jiffy_length(const struct synq_stack *s)
{
	return SYNQ_MSEC(1000 / s->cfg.hz);
}

/* Delays in whole jiffies, rounded up as msecs_to_jiffies() does. */
static uint64_t jiffies_until(const struct synq_stack *s, synq_time_t when)
{
	synq_time_t jiffy = jiffy_length(s);
	return when > s->now ? (uint64_t)((when - s->now + jiffy - 1) / jiffy) : 0;
}

synq_time_t tcp_wheel_due(const struct synq_stack *s, synq_time_t when)
{
	if (s->cfg.hz == 0 || when == 0)
		return when;
	synq_time_t jiffy = jiffy_length(s);
	return (s->now / jiffy + (synq_time_t)jiffies_until(s, when)) * jiffy;
}

/* The jiffy (wheel clock) at which a timer armed at jiffy clk, delay
 * jiffies ahead, runs. */
static inline uint64_t wheel_bucket(uint64_t clk, uint64_t delay, unsigned depth)
{
	unsigned level = 0;
	while (level + 1 < depth && delay >= wheel_level_start(level + 1))
		level++;
	uint64_t cutoff = wheel_level_start(depth);
	if (delay >= cutoff)  /* clamped to what the top level can hold */
		delay = cutoff - ((uint64_t)1 << ((depth - 1) * WHEEL_CLK_SHIFT));
	unsigned shift = level * WHEEL_CLK_SHIFT;
	return (((clk + delay) >> shift) + 1) << shift;
}

/* The wheel's arithmetic for one jiffy length; called with a constant one
 * for each supported HZ, so that the divisions become multiplications. */
static inline synq_time_t wheel_expiry(synq_time_t now, synq_time_t when, synq_time_t jiffy,
                                       unsigned depth, uint64_t initial)
{
	uint64_t clk = (uint64_t)(now / jiffy) + initial;
	uint64_t delay = when > now ? (uint64_t)((when - now + jiffy - 1) / jiffy) : 0;
	return (synq_time_t)(wheel_bucket(clk, delay, depth) - initial) * jiffy;
}

/* The same in millisecond stamps, for a jiffy of whole milliseconds: the
 * clock from the stack's now in milliseconds, and the result a multiple
 * of the jiffy, so no rounding to milliseconds is left to do. */
static inline uint32_t wheel_expiry_ms(const struct synq_stack *s, synq_time_t when,
                                       uint32_t jiffy_ms, unsigned depth, uint64_t initial)
{
	synq_time_t jiffy = SYNQ_MSEC(jiffy_ms);
	uint64_t clk = (uint64_t)s->now_ms / jiffy_ms + initial;
	uint64_t delay = when > s->now ? (uint64_t)((when - s->now + jiffy - 1) / jiffy) : 0;
	return (uint32_t)((wheel_bucket(clk, delay, depth) - initial) * jiffy_ms);
}

/* Linux's INITIAL_JIFFIES: jiffies start 300 s before wrapping 32 bits,
 * so a wheel level's bucket edges sit that far off the clock's zero. */
#define INITIAL_JIFFIES(hz) ((uint64_t)(uint32_t)(-300 * (hz)))

synq_time_t tcp_wheel_expiry(const struct synq_stack *s, synq_time_t when)
{
	if (s->cfg.hz == 0 || when == 0)
		return when;
	/* Nine levels above HZ=100, eight at or below (LVL_DEPTH). */
	switch (s->cfg.hz) {
	case 250:
		return wheel_expiry(s->now, when, SYNQ_MSEC(4), 9, INITIAL_JIFFIES(250));
	case 1000:
		return wheel_expiry(s->now, when, SYNQ_MSEC(1), 9, INITIAL_JIFFIES(1000));
	case 100:
		return wheel_expiry(s->now, when, SYNQ_MSEC(10), 8, INITIAL_JIFFIES(100));
	default:
		return wheel_expiry(s->now, when, jiffy_length(s), s->cfg.hz > 100 ? 9 : 8,
		                    INITIAL_JIFFIES(s->cfg.hz));
	}
}

/* tcp_time_to_ms(tcp_wheel_expiry(s, when)), when not 0. */
static uint32_t wheel_expiry_stamp(const struct synq_stack *s, synq_time_t when)
{
	switch (s->cfg.hz) {
	case 0:
		return tcp_time_to_ms(when);
	case 250:
		return wheel_expiry_ms(s, when, 4, 9, INITIAL_JIFFIES(250));
	case 1000:
		return wheel_expiry_ms(s, when, 1, 9, INITIAL_JIFFIES(1000));
	case 100:
		return wheel_expiry_ms(s, when, 10, 8, INITIAL_JIFFIES(100));
	default:
		return tcp_time_to_ms(tcp_wheel_expiry(s, when));
	}
}

synq_time_t tcp_wheel_armed_expiry(const struct synq_stack *s, synq_time_t fires)
{
	if (s->cfg.hz == 0 || fires == 0)
		return fires;
	return fires - jiffy_length(s);
}

static bool slot_before(const struct timer_slot *a, const struct timer_slot *b)
{
	int32_t d = (int32_t)(a->when_ms - b->when_ms);
	return d < 0 || (d == 0 && a->handle < b->handle);
}

static void heap_place(struct synq_stack *s, uint32_t i, struct timer_slot v)
{
	if (i == 0)
		s->heap_top_settled = false;
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

/* File handle at millisecond stamp when_ms (the heap's key). */
static void timer_schedule_ms(struct synq_stack *s, uint32_t handle, uint32_t when_ms)
{
	uint32_t *slot = tcp_handle_slot(s, handle);
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
	if (i == 0)
		s->heap_top_settled = false;
	if (moved < 0)
		sift_up(s, i);
	else if (moved > 0)
		sift_down(s, i);
}

void tcp_timer_schedule(struct synq_stack *s, uint32_t handle, synq_time_t when)
{
	if (when == 0) {
		tcp_timer_cancel(s, handle);
		return;
	}
	timer_schedule_ms(s, handle, tcp_time_to_ms(when));
}

void tcp_timer_arm(struct synq_stack *s, uint32_t handle, synq_time_t when)
{
	tcp_timer_schedule(s, handle, tcp_wheel_expiry(s, when));
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

/* The earliest armed stamp of a connection; false if none is armed.
 * Stamps compare by their distance from now (wrap-around), which orders
 * them as tcp_ms_to_time() would. */
static bool conn_first_ms(const struct synq_stack *s, const struct tcp_conn *c, uint32_t *out)
{
	unsigned armed = c->timers_armed;
	if (armed == 0)
		return false;
	uint32_t now_ms = (uint32_t)s->now_ms;
	int32_t first_delta = INT32_MAX;
	for (int i = 0; i < TCP_TIMER__COUNT; i++) {
		if (!(armed & (1u << i)))
			continue;
		int32_t d = (int32_t)(c->timer_ms[i] - now_ms);
		if (d < first_delta) {
			first_delta = d;
			*out = c->timer_ms[i];
		}
	}
	return true;
}

/* A connection's slot in the heap is keyed by its earliest armed deadline,
 * lazily, as Linux leaves a timer on the wheel until it runs: a deadline
 * that comes earlier moves the slot up at once, one that goes later (or a
 * timer switched off) leaves the key early. The slot is put right when it
 * is read as the next deadline, or comes due (heap_settle_top()),
 * so the next deadline and the firing order are the ones an exact key
 * would give; an ACK that clears the retransmission timer, and the next
 * write that sets it again further on, then cost no heap work. */
void tcp_conn_timer_set(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t,
                        synq_time_t when)
{
	unsigned bit = 1u << t;
	if (when == 0) {
		c->timers_armed &= (uint8_t)~bit;
		if (c->timer_slot == 0)
			s->heap_top_settled = false;  /* its key may go stale */
		return;
	}
	uint32_t ms = wheel_expiry_stamp(s, when);
	if ((c->timers_armed & bit) && c->timer_ms[t] == ms)
		return;
	c->timer_ms[t] = ms;
	c->timers_armed |= (uint8_t)bit;
	uint32_t i = c->timer_slot;  /* *tcp_handle_slot() of its handle */
	if (i != TCP_NONE) {
		/* The key is never later than any armed deadline, so the
		 * earliest is this one if it comes before the key, and
		 * otherwise the key stays (stale or not). */
		if ((int32_t)(ms - s->heap[i].when_ms) < 0)
			timer_schedule_ms(s, TCP_HANDLE(TCP_OBJ_CONN, tcp_conn_index(s, c)), ms);
		else if (i == 0)
			s->heap_top_settled = false;
		return;
	}
	uint32_t first = ms;
	conn_first_ms(s, c, &first);
	timer_schedule_ms(s, TCP_HANDLE(TCP_OBJ_CONN, tcp_conn_index(s, c)), first);
}

/* If the top slot is a connection whose key went stale, put it right (its
 * earliest deadline back, or out of the heap when no timer is armed) and
 * answer true; false when the top is exact or the heap empty. */
static bool heap_settle_top(struct synq_stack *s)
{
	if (s->heap_len == 0 || s->heap_top_settled)
		return false;
	uint32_t handle = s->heap[0].handle;
	if (TCP_HANDLE_KIND(handle) != TCP_OBJ_CONN) {
		s->heap_top_settled = true;  /* a request's key is exact */
		return false;
	}
	const struct tcp_conn *c = tcp_conn_at(s, TCP_HANDLE_INDEX(handle));
	uint32_t first = 0;
	if (!conn_first_ms(s, c, &first)) {
		tcp_timer_cancel(s, handle);
		return true;
	}
	if (first == s->heap[0].when_ms) {
		s->heap_top_settled = true;
		return false;
	}
	s->heap[0].when_ms = first;  /* later than the stale key */
	sift_down(s, 0);
	return true;
}

void tcp_conn_timer_clear(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t)
{
	if (!(c->timers_armed & (1u << t)))
		return;
	tcp_conn_timer_set(s, c, t, 0);
}

/* A connection that ends keeps its heap slot, as a lazily keyed one keeps
 * a stale key: the slot goes when it comes to the top with nothing armed
 * (heap_settle_top()), unless a new connection took the index first (the
 * free list hands the last freed out first) and with it the slot, so that
 * a connection's end and the next one's start cost no heap work. The
 * order of firing is that of the keys, not of the heap's shape. */
void tcp_conn_timers_stop(struct synq_stack *s, struct tcp_conn *c)
{
	c->timers_armed = 0;
	if (c->timer_slot == 0)
		s->heap_top_settled = false;
	/* In shared slabs the index may go to another stack next, whose
	 * heap this slot is not in: it goes now. */
	if (c->timer_slot != TCP_NONE && pool_is_borrowed(&s->conns))
		tcp_timer_cancel(s, TCP_HANDLE(TCP_OBJ_CONN, tcp_conn_index(s, c)));
}

uint32_t tcp_conn_inherited_slot(const struct synq_stack *s)
{
	uint32_t next = s->conns.slots->free_head;
	if (next == POOL_NONE)
		return TCP_NONE;  /* a new object: never in the heap */
	return ((const struct tcp_conn *)pool_at(&s->conns, next))->timer_slot;
}

static void __attribute__((noinline)) settle(struct synq_stack *s)
{
	while (heap_settle_top(s))
		;
}

synq_time_t tcp_timer_next(const struct synq_stack *s)
{
	/* Settling reorders the heap but changes no deadline: the stack is
	 * the same to every observer (and it is never a const object). */
	struct synq_stack *m = (struct synq_stack *)s;
	if (m->heap_len == 0)
		return SYNQ_TIME_NEVER;
	if (!m->heap_top_settled)
		settle(m);  /* read after every event: settled mostly */
	return m->heap_len ? tcp_ms_to_time(m, m->heap[0].when_ms) : SYNQ_TIME_NEVER;
}

/* Is the top's key due now? tcp_ms_to_time(key) <= now, with now_ms the
 * whole milliseconds of now. A stale key is never later than the true
 * one: nothing is due while the top's key is in the future, stale or not. */
static bool heap_top_due(const struct synq_stack *s)
{
	return s->heap_len > 0 && (int32_t)(s->heap[0].when_ms - (uint32_t)s->now_ms) <= 0;
}

static void __attribute__((noinline)) timers_run_due(struct synq_stack *s)
{
	while (heap_top_due(s)) {
		if (heap_settle_top(s))
			continue;
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

void tcp_timers_run(struct synq_stack *s)
{
	/* Every segment and every wakeup asks; mostly nothing is due. */
	if (heap_top_due(s) || tcp_timewait_due(s))
		timers_run_due(s);
}
