/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_TIMER_H
#define SYNQ_TCP_TIMER_H

/* One heap over every connection's and request's earliest deadline, in
 * millisecond ticks (timer.c). */

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
void tcp_timer_schedule(struct synq_stack *s, uint32_t handle, synq_time_t when);
void tcp_timer_cancel(struct synq_stack *s, uint32_t handle);
void tcp_conn_timer_set(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t,
                        synq_time_t when);
void tcp_conn_timer_clear(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t);
/* A timer's deadline, 0 if it is off. */
synq_time_t tcp_conn_timer_get(const struct synq_stack *s, const struct tcp_conn *c,
                               enum tcp_timer t);
void tcp_timers_run(struct synq_stack *s);
synq_time_t tcp_timer_next(const struct synq_stack *s);

#endif
