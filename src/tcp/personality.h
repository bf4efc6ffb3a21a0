/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_PERSONALITY_H
#define SYNQ_TCP_PERSONALITY_H

/* What a personality (kernel.personality) changes beyond listen()'s
 * backlog rule (listen/backlog.c): the retransmission timers of its era. */

#include "tcp/base.h"

struct synq_stack;

/* TCP_TIMEOUT_INIT: the first SYN and SYN-ACK retransmission timeout and a
 * new connection's RTO before any RTT sample. */
synq_time_t tcp_timeout_init(const struct synq_stack *s);
/* SYN retransmissions that keep the initial timeout before backing off
 * (net.ipv4.tcp_syn_linear_timeouts, Linux 6.5+; none before). */
unsigned tcp_syn_linear_timeouts(const struct synq_stack *s);

#endif
