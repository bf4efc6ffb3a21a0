/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_LISTEN_LISTENER_H
#define SYNQ_TCP_LISTEN_LISTENER_H

/* A LISTEN socket: its accept queue and its count of requests in
 * SYN_RECV (listener.c). */

#include "tcp/base.h"
#include "tcp/sockopts.h"
#include "ip/tcp_wire.h"

struct synq_stack;
struct tcp_conn;

struct tcp_listener {
	uint32_t next_free;         /* pool link while free */
	uint32_t addr;              /* 0 = any */
	uint16_t port;
	bool in_use;
	bool synflood_warned;       /* "Possible SYN flooding" logged once */
	uint8_t tos;                /* IP_TOS, passed on to its connections */
	uint32_t owner;             /* its owner's token, TCP_NO_OWNER if none */
	uint32_t backlog;           /* sk_max_ack_backlog after the clamp */
	uint32_t accept_len;        /* sk_ack_backlog */
	uint32_t accept_head;       /* connection indices, FIFO */
	uint32_t accept_tail;
	uint32_t req_count;         /* requests in SYN_RECV (qlen) */
	uint32_t req_young;         /* of those, never timed out */
	synq_time_t last_synq_overflow; /* last cookie sent; 0 = never */
	uint64_t drops;             /* sk_drops */
	struct tcp_sockopts opts;
};

/* listener.c */
/* hash: tcp_table_hash() of the segment's tuple, ours first. */
void tcp_listen_input(struct synq_stack *s, struct tcp_listener *l,
                      const struct tcp_segment *seg, uint32_t hash);
struct tcp_conn *tcp_accept_dequeue(struct synq_stack *s, struct tcp_listener *l);
void tcp_listener_close(struct synq_stack *s, struct tcp_listener *l);
uint32_t tcp_listener_index(const struct synq_stack *s, const struct tcp_listener *l);
struct tcp_listener *tcp_listener_at(const struct synq_stack *s, uint32_t index);
int tcp_listener_open(struct synq_stack *s, uint32_t addr, uint16_t port, int backlog,
                      const struct tcp_sockopts *opts, uint32_t owner,
                      struct tcp_listener **out);
void tcp_listener_set_backlog(struct synq_stack *s, struct tcp_listener *l, int backlog);

#endif
