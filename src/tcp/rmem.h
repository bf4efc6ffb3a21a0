/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_RMEM_H
#define SYNQ_TCP_RMEM_H

/* Receive memory as Linux 6.18 counts it (rmem.c): what a received packet
 * is charged, the window a receive buffer's free part is worth, the
 * buffer's growth for reordering, and pruning when it is full. */

#include <stdbool.h>
#include <stdint.h>

struct synq_stack;
struct tcp_conn;
struct segbuf;
struct segq;

/* The scaling ratio of a connection that has seen no data yet, and of
 * every listener and request: payload is half of what it is charged. */
#define TCP_DEFAULT_SCALING_RATIO 128

/* What Linux charges a received packet of ip_len bytes (IP header
 * included): the truesize of the skb its tun driver builds for it. */
uint32_t tcp_rx_truesize(uint32_t ip_len);

/* tcp_win_from_space(): the payload a buffer of space bytes holds at the
 * connection's ratio (negative space gives a negative window). */
int64_t tcp_win_from_space_at(uint8_t ratio, int64_t space);
int64_t tcp_win_from_space(const struct tcp_conn *c, int64_t space);
/* tcp_space_from_win(): the buffer a window needs. */
uint64_t tcp_space_from_win(const struct tcp_conn *c, uint64_t win);
/* tcp_space(): the window the free part of the buffer is worth, >= 0. */
uint32_t tcp_space(const struct tcp_conn *c);
/* tcp_full_space(): the window the whole buffer is worth. */
uint32_t tcp_full_space(const struct tcp_conn *c);

/* tcp_set_window_clamp() as the receive path uses it. */
void tcp_set_window_clamp(struct tcp_conn *c, uint32_t val);

/* A receive-queue segbuf goes: its charge is released. */
void tcp_rmem_release(struct tcp_conn *c, const struct segbuf *b);
/* Free every segbuf of a receive queue (rcvq or oooq), releasing their
 * charges. */
void tcp_rmem_purge(struct synq_stack *s, struct tcp_conn *c, struct segq *q);

/* tcp_try_rmem_schedule(): may a segment starting at seq be queued?
 * Prunes (tcp_prune_queue()) when the buffer is over its limit. */
bool tcp_try_rmem_schedule(struct synq_stack *s, struct tcp_conn *c, uint32_t seq);

/* tcp_rcvbuf_grow(): let the buffer hold twice the data of the last
 * round trip, plus what the out-of-order queue spans. */
void tcp_rcvbuf_grow(struct synq_stack *s, struct tcp_conn *c);

#endif
