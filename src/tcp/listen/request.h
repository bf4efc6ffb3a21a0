/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_LISTEN_REQUEST_H
#define SYNQ_TCP_LISTEN_REQUEST_H

/* A request in SYN_RECV ("mini socket", Linux's request_sock) and what
 * happens to it (request.c). */

#include "tcp/base.h"
#include "ip/tcp_wire.h"

struct synq_stack;

enum tcp_request_flag {
	TCP_REQ_TS_OK = 0x01,
	TCP_REQ_SACK_OK = 0x02,
	TCP_REQ_WSCALE_OK = 0x04,
	TCP_REQ_ACKED = 0x08,       /* a bare ACK came while deferring */
};

struct tcp_request {
	uint32_t hash_next;         /* first: also the pool's free link */
	struct tcp_tuple tuple;
	uint32_t timer_slot;
	uint32_t snt_isn;
	uint32_t rcv_isn;
	uint32_t ts_recent;
	uint32_t synack_us;         /* first SYN-ACK (us stamp), for an RTT sample */
	uint32_t last_oow_ms;       /* last out-of-window answer (ms stamp) */
	uint16_t listener;
	uint16_t mss;               /* peer's MSS option, 0 = none */
	uint16_t peer_window;       /* SYN's window field (never scaled) */
	uint8_t num_timeout;
	uint8_t num_retrans;        /* SYN-ACKs resent, for any reason */
	uint8_t snd_wscale;         /* peer's shift */
	uint8_t rcv_wscale;         /* ours */
	uint8_t flags;              /* enum tcp_request_flag */
	uint8_t young;
};

/* request.c */
void tcp_request_input(struct synq_stack *s, struct tcp_request *r,
                       const struct tcp_segment *seg, uint32_t hash);
void tcp_request_timer_fire(struct synq_stack *s, struct tcp_request *r);
void tcp_request_free(struct synq_stack *s, struct tcp_request *r);

#endif
