/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_OUTPUT_H
#define SYNQ_TCP_OUTPUT_H

/* Building and sending segments (output.c). */

#include "ip/tcp_wire.h"
#include "tcp/base.h"

struct synq_stack;
struct tcp_conn;
struct tcp_listener;
struct tcp_request;

void tcp_send_reset_for(struct synq_stack *s, const struct tcp_segment *seg);
void tcp_send_reset(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_ack(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_syn(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_fin(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_challenge_ack(struct synq_stack *s, struct tcp_conn *c);
void tcp_push(struct synq_stack *s, struct tcp_conn *c);
void tcp_push_forced(struct synq_stack *s, struct tcp_conn *c);
void tcp_push_one(struct synq_stack *s, struct tcp_conn *c);
bool tcp_retransmit_head(struct synq_stack *s, struct tcp_conn *c);
/* ends_burst: the last segment of a unit of two or more (it gets PSH) */
bool tcp_retransmit_segbuf(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                           bool ends_burst);
bool tcp_resend_segbuf(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                       bool ends_burst);
uint32_t tcp_tso_segs(const struct synq_stack *s, const struct tcp_conn *c, uint32_t mss);
void tcp_send_probe0(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_keepalive_probe(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_current_mss(const struct tcp_conn *c);
void tcp_rearm_rto(struct synq_stack *s, struct tcp_conn *c);
bool tcp_schedule_loss_probe(struct synq_stack *s, struct tcp_conn *c, bool advancing_rto);
void tcp_send_loss_probe(struct synq_stack *s, struct tcp_conn *c);
void tcp_schedule_delayed_ack(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_synack_for(struct synq_stack *s, const struct tcp_request *r,
                         const struct tcp_listener *l, const uint32_t *cookie_tsval);
uint32_t tcp_packets_in_flight(const struct tcp_conn *c);

#endif
