/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SOCK_INTERNAL_H
#define SYNQ_SOCK_INTERNAL_H

/* Shared by the socket-layer files. */

#include "sock/sock.h"
#include "synq/socket.h"
#include "tcp/core.h"
#include "tcp/user.h"

/* The descriptor table: the context the socket layer's hooks were
 * installed with (sock_attach()). */
static inline struct sock_table *sock_table_of(const struct synq_stack *s)
{
	return tcp_upcall_ctx(s);
}

struct sock_entry *sock_lookup(struct synq_stack *s, int fd);
struct tcp_conn *sock_conn(struct synq_stack *s, const struct sock_entry *e);
struct tcp_listener *sock_listener(struct synq_stack *s, const struct sock_entry *e);

/* poll.c */
void sock_epoll_close(struct synq_stack *s, int epfd);

#endif
