/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_RTT_H
#define SYNQ_TCP_RTT_H

/* Round-trip estimate and the RTO (rtt.c). */

#include <stdint.h>

#include "synq/time.h"

struct synq_stack;
struct tcp_conn;

void tcp_rtt_sample(struct synq_stack *s, struct tcp_conn *c, int64_t rtt_us);
synq_time_t tcp_rto(const struct tcp_conn *c);

#endif
