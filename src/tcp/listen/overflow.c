/* SPDX-License-Identifier: BSD-2-Clause */
/* A full accept queue: every decision the listen path takes about it.
 *
 * The accept queue is full when it holds as many connections as the
 * backlog lets complete (sk_acceptq_is_full() under the stack's
 * personality, backlog.c); on Linux that is backlog + 1. Three segments
 * meet a full queue, and each is decided here:
 *
 *   a SYN            dropped before any request or cookie is made, cookies
 *                    or not (tcp_conn_request()); the client retransmits
 *                    its SYN. ListenOverflows and ListenDrops count it.
 *   the ACK that     ListenOverflows and ListenDrops count it; then
 *   completes a      net.ipv4.tcp_abort_on_overflow decides (tcp_check_req()):
 *   request          0 (the default) drops the ACK and keeps the request,
 *                    marked as acknowledged, so that its next SYN-ACK
 *                    retransmission draws the ACK again once accept() has
 *                    made room; 1 resets the peer and frees the request.
 *   a cookie ACK     ListenOverflows and ListenDrops count it and the ACK
 *                    is dropped (tcp_get_cookie_sock()); there is no
 *                    request to keep and tcp_abort_on_overflow plays no
 *                    part. The client believes it is connected; its next
 *                    segment carries the cookie again.
 *
 * A fourth case is synq's own: the connection pool is empty when a child
 * is to be born (Linux's slab would have grown). It is counted like an
 * overflow, ListenOverflows and ListenDrops, so that a table that is too
 * small shows where a user looks for a queue that is too short. */
#include "tcp/listen/backlog.h"
#include "tcp/listen/listen_internal.h"

bool tcp_accept_queue_full(const struct synq_stack *s, const struct tcp_listener *l)
{
	return l->accept_len >= backlog_accept_limit((enum synq_personality)s->cfg.personality,
	                                             l->backlog);
}

static void count_overflow(struct synq_stack *s, struct tcp_listener *l)
{
	MIB_INC(s, TcpExtListenOverflows);
	tcp_listen_drop(s, l);
}

bool tcp_overflow_on_syn(struct synq_stack *s, struct tcp_listener *l)
{
	if (!tcp_accept_queue_full(s, l))
		return false;
	count_overflow(s, l);
	return true;
}

enum tcp_overflow tcp_overflow_on_ack(struct synq_stack *s, struct tcp_listener *l)
{
	if (!tcp_accept_queue_full(s, l))
		return TCP_ACCEPT_ROOM;
	count_overflow(s, l);
	return s->cfg.tcp_abort_on_overflow ? TCP_OVERFLOW_RESET : TCP_OVERFLOW_KEEP;
}

bool tcp_overflow_on_cookie_ack(struct synq_stack *s, struct tcp_listener *l)
{
	if (!tcp_accept_queue_full(s, l))
		return false;
	count_overflow(s, l);
	return true;
}

void tcp_overflow_no_child(struct synq_stack *s, struct tcp_listener *l)
{
	count_overflow(s, l);
}
