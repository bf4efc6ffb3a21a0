/* SPDX-License-Identifier: BSD-2-Clause */
/* A full accept queue: every decision the listen path takes about it.
 *
 * The accept queue is full when it holds as many connections as the
 * backlog lets complete (sk_acceptq_is_full() on Linux, b + 1; each
 * personality's own rule is in backlog.c, which also decides whether a SYN
 * is dropped or, on Windows, reset). Three segments meet a full queue, and
 * each is decided here:
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

static struct backlog_queues queues_of(const struct tcp_listener *l)
{
	return (struct backlog_queues){ .backlog = l->backlog, .accepted = l->accept_len,
		                        .requests = l->req_count, .young = l->req_young };
}

static enum synq_personality personality(const struct synq_stack *s)
{
	return (enum synq_personality)s->cfg.personality;
}

static void count_overflow(struct synq_stack *s, struct tcp_listener *l)
{
	MIB_INC(s, TcpExtListenOverflows);
	tcp_listen_drop(s, l);
}

bool tcp_overflow_on_syn(struct synq_stack *s, struct tcp_listener *l,
                         const struct tcp_segment *syn)
{
	struct backlog_queues q = queues_of(l);
	enum backlog_verdict v = backlog_on_syn(personality(s), &q);
	if (v == BACKLOG_TAKE)
		return false;
	count_overflow(s, l);
	if (v == BACKLOG_RESET)
		tcp_send_reset_for(s, syn);
	return true;
}

static bool child_refused(struct synq_stack *s, struct tcp_listener *l)
{
	struct backlog_queues q = queues_of(l);
	return backlog_child_refused(personality(s), &q);
}

enum tcp_overflow tcp_overflow_on_ack(struct synq_stack *s, struct tcp_listener *l)
{
	if (!child_refused(s, l))
		return TCP_ACCEPT_ROOM;
	count_overflow(s, l);
	/* FreeBSD's syncache forgets the entry when sonewconn() fails, and
	 * sends nothing: the client's next segment finds no connection. */
	if (personality(s) == SYNQ_PERSONALITY_FREEBSD)
		return TCP_OVERFLOW_FORGET;
	return s->cfg.tcp_abort_on_overflow ? TCP_OVERFLOW_RESET : TCP_OVERFLOW_KEEP;
}

bool tcp_overflow_on_cookie_ack(struct synq_stack *s, struct tcp_listener *l)
{
	if (!child_refused(s, l))
		return false;
	count_overflow(s, l);
	return true;
}

void tcp_overflow_no_child(struct synq_stack *s, struct tcp_listener *l)
{
	count_overflow(s, l);
}
