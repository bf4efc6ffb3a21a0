/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_RECOVERY_H
#define SYNQ_TCP_RECOVERY_H

/* Shared by ack.c (what an ACK acknowledges) and recovery.c (what is lost
 * and how the window reacts). */

#include "tcp/input_internal.h"

/* What one ACK did (Linux's FLAG_* of tcp_input.c). */
enum ack_event {
	ACK_DATA = 0x0001,              /* the segment carried data */
	ACK_WIN_UPDATE = 0x0002,
	ACK_DATA_ACKED = 0x0004,        /* new data cumulatively acknowledged */
	ACK_RETRANS_DATA_ACKED = 0x0008,
	ACK_SYN_ACKED = 0x0010,
	ACK_DATA_SACKED = 0x0020,       /* new SACK information */
	ACK_LOST_RETRANS = 0x0080,
	ACK_ORIG_SACK_ACKED = 0x0200,   /* never-resent data (s)acked */
	ACK_SND_UNA_ADVANCED = 0x0400,
	ACK_DSACKING = 0x0800,          /* a D-SACK block */
	ACK_SET_XMIT_TIMER = 0x1000,
	ACK_DSACK_TLP = 0x2000,         /* the D-SACK covers the loss probe */
};

#define ACK_ACKED (ACK_DATA_ACKED | ACK_SYN_ACKED)
#define ACK_NOT_DUP (ACK_DATA | ACK_WIN_UPDATE | ACK_ACKED)
#define ACK_FORWARD_PROGRESS (ACK_ACKED | ACK_DATA_SACKED)

/* What to retransmit after the state machine (Linux's REXMIT_*). */
enum rexmit_kind {
	REXMIT_NONE = 0,
	REXMIT_LOST = 1,   /* segments marked lost */
	REXMIT_NEW = 2,    /* F-RTO: new data first */
};

static inline bool conn_is_sack(const struct tcp_conn *c)
{
	return (c->flags & TCP_CONN_SACK_OK) != 0;
}

/* The send time of a segment as a 32-bit microsecond stamp. */
static inline uint32_t segbuf_sent_us(const struct segbuf *b)
{
	return (uint32_t)(b->sent_at / SYNQ_USEC(1));
}

/* recovery.c */
void tcp_rack_advance(struct synq_stack *s, struct tcp_conn *c, uint8_t mark,
                      uint32_t end_seq, uint32_t xmit_us);
void tcp_check_sack_reordering(struct synq_stack *s, struct tcp_conn *c, uint32_t low_seq);
void tcp_rack_update_reo_wnd(struct tcp_conn *c, uint32_t prior_delivered);
void tcp_mark_segbuf_lost(struct tcp_conn *c, struct segbuf *b);
/* tsecr: the ACK's echoed timestamp (0 for none), for undo decisions. */
void tcp_fastretrans_alert(struct synq_stack *s, struct tcp_conn *c, uint32_t prior_snd_una,
                           uint32_t num_dupack, uint32_t tsecr, unsigned *flag, int *rexmit);
void tcp_cong_control(struct synq_stack *s, struct tcp_conn *c, uint32_t acked_sacked,
                      uint32_t newly_lost, unsigned flag);
void tcp_xmit_recovery(struct synq_stack *s, struct tcp_conn *c, int rexmit);
void tcp_process_tlp_ack(struct synq_stack *s, struct tcp_conn *c, uint32_t ack, unsigned flag);

#endif
