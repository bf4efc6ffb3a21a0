/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_USER_H
#define SYNQ_TCP_USER_H

/* The application's operations on a connection, for the socket layer.
 * None of them blocks; -EAGAIN means "not now", and readiness says when. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <sys/socket.h>

#include "tcp/tcp.h"

int tcp_user_connect(struct synq_stack *s, struct tcp_conn *c, uint32_t addr, uint16_t port);
/* How a write ends: pushed; held as MSG_MORE holds it (a corked push);
 * or not at all because the same sendmsg() goes on with another iovec
 * (Linux's tcp_sendmsg_locked() walks every iovec before its one push). */
enum tcp_send_end {
	TCP_SEND_PUSH = 0,
	TCP_SEND_MORE = 1,
	TCP_SEND_PART = 2,
};
ssize_t tcp_user_send(struct synq_stack *s, struct tcp_conn *c, const uint8_t *data,
                      size_t len, enum tcp_send_end end);
/* The push that ends a write with TCP_SEND_MORE. */
void tcp_user_push_more(struct synq_stack *s, struct tcp_conn *c);
/* out may be NULL to discard; peek leaves the data queued. */
ssize_t tcp_user_recv(struct synq_stack *s, struct tcp_conn *c, uint8_t *out, size_t len,
                      bool peek);
int tcp_user_shutdown(struct synq_stack *s, struct tcp_conn *c, int how_rd, int how_wr);
void tcp_user_close(struct synq_stack *s, struct tcp_conn *c);
/* mib_reason: a SYNQ_MIB_* counter to bump, or 0. */
void tcp_user_abort(struct synq_stack *s, struct tcp_conn *c, int mib_reason);
int tcp_user_take_error(struct tcp_conn *c);
bool tcp_user_writable(const struct tcp_conn *c);
size_t tcp_user_readable(const struct tcp_conn *c);

/* endpoint.c: what the socket layer asks besides moving bytes. Errors
 * are Linux's, negative. */
struct tcp_conn *tcp_user_open(struct synq_stack *s, uint32_t owner);
void tcp_user_set_owner(struct tcp_conn *c, uint32_t owner);
enum synq_tcp_state tcp_user_state(const struct tcp_conn *c);
/* addr 0 = any; port 0 = pick one. */
int tcp_user_bind(struct synq_stack *s, struct tcp_conn *c, uint32_t addr, uint16_t port);
/* The connection (bound, or bound now) becomes a listener owned by owner
 * and is freed. */
int tcp_user_listen(struct synq_stack *s, struct tcp_conn *c, int backlog, uint32_t owner,
                    struct tcp_listener **out);
bool tcp_listener_has_child(const struct tcp_listener *l);
/* The oldest child of the accept queue, now owned by owner; NULL if none. */
struct tcp_conn *tcp_user_accept(struct synq_stack *s, struct tcp_listener *l, uint32_t owner);
/* Close a listener and release its port. */
void tcp_listener_stop(struct synq_stack *s, struct tcp_listener *l);
void tcp_user_local(const struct tcp_conn *c, uint32_t *addr, uint16_t *port);
void tcp_user_peer(const struct tcp_conn *c, uint32_t *addr, uint16_t *port);
void tcp_listener_local(const struct tcp_listener *l, uint32_t *addr, uint16_t *port);
/* What a send of nothing reports: 0, -EAGAIN, -EPIPE or the pending error. */
int tcp_user_send_check(struct tcp_conn *c);
/* TCP_INQ's control message value, or -1 when the option is off. */
int tcp_user_inq_hint(const struct tcp_conn *c);

/* poll() events (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP) of a
 * connection, and of a listener. */
int tcp_user_poll(const struct tcp_conn *c);
int tcp_listener_poll(const struct tcp_listener *l);

/* sockopt.c: the options of a connection (c) or a listener (l), one of
 * them NULL, at every level: SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP
 * (TCP_INFO included). Linux's errno values. */
int tcp_setsockopt(struct synq_stack *s, struct tcp_conn *c, struct tcp_listener *l,
                   int level, int name, const void *val, socklen_t len);
int tcp_getsockopt(struct synq_stack *s, struct tcp_conn *c, struct tcp_listener *l,
                   int level, int name, void *val, socklen_t *len);
/* SIOCINQ/FIONREAD and SIOCOUTQ of a connection (c may be NULL). */
int tcp_ioctl(struct tcp_conn *c, unsigned long request, int *out);

#endif
