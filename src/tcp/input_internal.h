/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_INPUT_INTERNAL_H
#define SYNQ_TCP_INPUT_INTERNAL_H

/* Functions shared by the receive-side files: input.c (the state
 * machine), ack.c (acknowledgments and loss recovery), recv.c (the
 * segment text and the ACKs we owe). */

#include "tcp/stack_internal.h"

/* tcp_ack() flags (Linux's FLAG_SLOWPATH, FLAG_UPDATE_TS_RECENT,
 * FLAG_NO_CHALLENGE_ACK). */
enum tcp_ack_call_flag {
	TCP_ACKF_SLOWPATH = 0x1,
	TCP_ACKF_UPDATE_TS_RECENT = 0x2,
	TCP_ACKF_NO_CHALLENGE = 0x4,
};

/* tcp_ack() results below zero: the segment is to be discarded. */
#define TCP_ACK_TOO_OLD (-1)
#define TCP_ACK_UNSENT_DATA (-2)

/* ack.c */
int tcp_ack(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg,
            unsigned flags);
void tcp_ack_syn(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg);

/* recovery.c: what the retransmission timers start */
void tcp_enter_loss(struct synq_stack *s, struct tcp_conn *c);
void tcp_xmit_retransmit_queue(struct synq_stack *s, struct tcp_conn *c);
void tcp_rack_reo_timeout(struct synq_stack *s, struct tcp_conn *c);

/* recv.c */
bool tcp_data_queue(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg);
void tcp_ack_snd_check(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_dupack(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg);
void tcp_enter_quickack_mode(struct tcp_conn *c, unsigned max_quickacks);
void tcp_sndbuf_expand(struct synq_stack *s, struct tcp_conn *c);
void tcp_rcv_space_adjust(struct synq_stack *s, struct tcp_conn *c);

/* input.c */
uint32_t tcp_receive_window(const struct tcp_conn *c);
void tcp_replace_ts_recent(struct synq_stack *s, struct tcp_conn *c,
                           const struct tcp_segment *seg);
void tcp_take_syn_options(struct synq_stack *s, struct tcp_conn *c,
                          const struct tcp_segment *seg);
void tcp_initialize_rcv_mss(struct tcp_conn *c);
void tcp_init_transfer(struct synq_stack *s, struct tcp_conn *c);
void tcp_finish_connect(struct synq_stack *s, struct tcp_conn *c);

/* conn_timer.c */
void tcp_keepalive_reset(struct synq_stack *s, struct tcp_conn *c);

#endif
