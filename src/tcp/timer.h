/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_TIMER_H
#define SYNQ_TCP_TIMER_H

/* One heap over every connection's and request's earliest deadline, in
 * millisecond ticks, placed where Linux's timer wheel fires (timer.c). */

#include "tcp/base.h"

struct synq_stack;
struct tcp_conn;

enum tcp_timer {
	TCP_TIMER_RETRANSMIT,   /* RTO, loss probe, zero-window probe */
	TCP_TIMER_DELACK,
	TCP_TIMER_KEEPALIVE,    /* keepalive, FIN_WAIT2 linger */
	TCP_TIMER__COUNT
};

synq_time_t tcp_ms_to_time(const struct synq_stack *s, uint32_t stamp_ms);
uint32_t tcp_time_to_ms(synq_time_t when);
/* The jiffy a timer armed now for when is due (when, rounded up to a
 * jiffy), as Linux compares deadlines: when itself with kernel.hz = 0. */
synq_time_t tcp_wheel_due(const struct synq_stack *s, synq_time_t when);
/* When the timer wheel runs a timer armed now to expire at when: when
 * itself with kernel.hz = 0. */
synq_time_t tcp_wheel_expiry(const struct synq_stack *s, synq_time_t when);
/* The expiry a level-0 timer that fires at fires was armed for (one jiffy
 * earlier): how a delayed ACK's own deadline is read back. */
synq_time_t tcp_wheel_armed_expiry(const struct synq_stack *s, synq_time_t fires);
/* Key an object's heap slot by when exactly (0 cancels)... */
void tcp_timer_schedule(struct synq_stack *s, uint32_t handle, synq_time_t when);
/* ... or by when the wheel would run a timer armed now for when. */
void tcp_timer_arm(struct synq_stack *s, uint32_t handle, synq_time_t when);
void tcp_timer_cancel(struct synq_stack *s, uint32_t handle);
/* Arm (or move) one of a connection's timers to expire at when (0 stops
 * it); it fires where the wheel puts it. */
void tcp_conn_timer_set(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t,
                        synq_time_t when);
void tcp_conn_timer_clear(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t);
/* Every timer of a connection off, its heap slot left in place (with a
 * stale key) for the next connection that gets its index. */
void tcp_conn_timers_stop(struct synq_stack *s, struct tcp_conn *c);
/* The heap slot a new connection at the free list's head inherits. */
uint32_t tcp_conn_inherited_slot(const struct synq_stack *s);
/* When a timer will fire, 0 if it is off. */
synq_time_t tcp_conn_timer_get(const struct synq_stack *s, const struct tcp_conn *c,
                               enum tcp_timer t);
void tcp_timers_run(struct synq_stack *s);
synq_time_t tcp_timer_next(const struct synq_stack *s);

#endif
