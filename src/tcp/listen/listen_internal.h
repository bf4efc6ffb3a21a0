/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_LISTEN_INTERNAL_H
#define SYNQ_TCP_LISTEN_INTERNAL_H

/* Functions shared by the passive-open files: listener.c (listener, SYN
 * arrival, accept queue), overflow.c (what a full accept queue does to a
 * SYN, a completing ACK and a cookie ACK), request.c (SYN_RECV requests and
 * the birth of a connection), cookie.c (SYN cookies on the wire). */

#include "tcp/stack_internal.h"

/* listener.c */
void tcp_listen_drop(struct synq_stack *s, struct tcp_listener *l);
void tcp_conn_request(struct synq_stack *s, struct tcp_listener *l,
                      const struct tcp_segment *seg, uint32_t tw_isn);
/* The same with the tuple's table hash known (tcp_listen_input()). */
void tcp_conn_request_at(struct synq_stack *s, struct tcp_listener *l,
                         const struct tcp_segment *seg, uint32_t tw_isn, uint32_t hash);
void tcp_accept_enqueue(struct synq_stack *s, struct tcp_listener *l, struct tcp_conn *c);
/* Linux 2.4's SYN table size: the first power of two >= max(64,
 * tcp_max_syn_backlog). */
uint32_t tcp_linux_2_4_synq_max(const struct synq_stack *s);

/* overflow.c: each answers whether the accept queue is full (under the
 * stack's personality), and if it is, counts the drop. */
/* A SYN: true = dropped (or reset, as the personality says). */
bool tcp_overflow_on_syn(struct synq_stack *s, struct tcp_listener *l,
                         const struct tcp_segment *syn);
enum tcp_overflow {
	TCP_ACCEPT_ROOM,        /* go on: the child fits */
	TCP_OVERFLOW_KEEP,      /* drop the ACK, keep the request (marked acked) */
	TCP_OVERFLOW_RESET,     /* tcp_abort_on_overflow: reset, free the request */
	TCP_OVERFLOW_FORGET,    /* drop the ACK and free the request (FreeBSD) */
};
/* The ACK that completes a request. */
enum tcp_overflow tcp_overflow_on_ack(struct synq_stack *s, struct tcp_listener *l);
/* A valid cookie ACK: true = dropped. */
bool tcp_overflow_on_cookie_ack(struct synq_stack *s, struct tcp_listener *l);
/* No connection object left for the child: counted as an overflow. */
void tcp_overflow_no_child(struct synq_stack *s, struct tcp_listener *l);

/* request.c */
/* What a new connection is born from: a request, or a validated cookie. */
struct tcp_child_params {
	struct tcp_tuple tuple;
	uint32_t snt_isn;
	uint32_t rcv_isn;
	uint32_t ts_recent;
	uint16_t mss;               /* peer's MSS, 0 = none */
	uint8_t flags;              /* enum tcp_request_flag */
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	uint8_t num_timeout;        /* SYN-ACK timeouts */
	uint8_t num_retrans;        /* SYN-ACKs resent (the child's total_retrans) */
	bool synack_once;           /* the SYN-ACK went once: an RTT sample */
	uint32_t synack_us;         /* when it went (us stamp) */
	uint32_t hash;              /* tcp_table_hash() of the tuple */
};
/* Make the connection and feed it the segment that created it; the
 * caller has checked the accept queue. NULL if the pool is full. */
struct tcp_conn *tcp_child_create(struct synq_stack *s, struct tcp_listener *l,
                                  const struct tcp_child_params *p,
                                  const struct tcp_segment *seg);

/* cookie.c */
bool tcp_cookie_ack(struct synq_stack *s, struct tcp_listener *l, const struct tcp_segment *seg);
void tcp_cookie_send_synack(struct synq_stack *s, struct tcp_listener *l, struct tcp_request *tmp);
void tcp_cookie_self_check(struct synq_stack *s, struct tcp_listener *l,
                           const struct tcp_request *r);

#endif
