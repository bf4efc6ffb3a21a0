/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_CC_H
#define SYNQ_TCP_CC_H

/* Congestion control: Reno and CUBIC with HyStart (cc.c). */

#include <stdbool.h>
#include <stdint.h>

struct synq_stack;
struct tcp_conn;

void tcp_cc_init(struct synq_stack *s, struct tcp_conn *c);
void tcp_cc_on_ack(struct synq_stack *s, struct tcp_conn *c, uint32_t acked_segs);
/* The ssthresh after a loss; CUBIC also remembers Wmax here. */
uint32_t tcp_cc_ssthresh(struct tcp_conn *c);
void tcp_cc_rtt_sample(struct synq_stack *s, struct tcp_conn *c, int64_t rtt_us);
void tcp_cc_enter_loss(struct synq_stack *s, struct tcp_conn *c);
void tcp_cc_tx_start(struct synq_stack *s, struct tcp_conn *c);
void tcp_cc_cwnd_validate(struct tcp_conn *c, bool is_cwnd_limited);
bool tcp_cc_is_cwnd_limited(const struct tcp_conn *c);
void tcp_cc_restart_after_idle(struct synq_stack *s, struct tcp_conn *c);

#endif
