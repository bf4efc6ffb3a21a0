/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_CONN_TIMER_H
#define SYNQ_TCP_CONN_TIMER_H

/* A connection's timers firing (conn_timer.c). */

#include "synq/time.h"

struct synq_stack;
struct tcp_conn;

void tcp_conn_timer_fire(struct synq_stack *s, struct tcp_conn *c);
synq_time_t tcp_probe0_base(const struct tcp_conn *c);
synq_time_t tcp_probe0_when(const struct tcp_conn *c);

#endif
