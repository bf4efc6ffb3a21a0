/* SPDX-License-Identifier: BSD-2-Clause */
/* What the socket layer asks of a connection or listener beyond moving
 * bytes: opening one for an owner, bind and its port choice
 * (inet_bind(), inet_csk_get_port()), turning a bound connection into a
 * listener (inet_listen()), taking a child from the accept queue
 * (inet_csk_accept()), the addresses, and the state questions the socket
 * calls answer with an errno. The socket layer touches no field of a TCP
 * object: it comes here. */
#include <errno.h>

#include "tcp/stack_internal.h"
#include "tcp/user.h"

struct tcp_conn *tcp_user_open(struct synq_stack *s, uint32_t owner)
{
	struct tcp_conn *c = tcp_conn_alloc(s);
	if (c != NULL)
		c->owner = owner;
	return c;
}

void tcp_user_set_owner(struct tcp_conn *c, uint32_t owner)
{
	c->owner = owner;
}

enum synq_tcp_state tcp_user_state(const struct tcp_conn *c)
{
	return (enum synq_tcp_state)c->state;
}

/* A free port for bind(port 0) or an autobind (inet_csk_get_port()). */
static int pick_bind_port(struct synq_stack *s, uint32_t addr, bool reuse)
{
	struct tcp_tuple t = { .local_addr = addr };
	uint16_t port = tcp_port_pick(s, &t, reuse, false);
	return port ? port : -EADDRINUSE;
}

static void bind_port(struct synq_stack *s, struct tcp_conn *c, uint32_t addr, uint16_t port)
{
	c->tuple.local_addr = addr;
	c->tuple.local_port = port;
	c->flags |= TCP_CONN_BOUND;
	tcp_port_ref(s, port);
}

int tcp_user_bind(struct synq_stack *s, struct tcp_conn *c, uint32_t addr, uint16_t port)
{
	if (addr != 0 && addr != s->addr)
		return -EADDRNOTAVAIL;
	if ((c->flags & TCP_CONN_BOUND) || c->state != SYNQ_TCP_CLOSE || c->tuple.local_port)
		return -EINVAL;
	if (port == 0) {
		int picked = pick_bind_port(s, addr, c->opts.reuseaddr);
		if (picked < 0)
			return picked;
		port = (uint16_t)picked;
	} else if (tcp_port_in_use(s, addr, port, c->opts.reuseaddr)) {
		return -EADDRINUSE;
	}
	bind_port(s, c, addr, port);
	return 0;
}

int tcp_user_listen(struct synq_stack *s, struct tcp_conn *c, int backlog, uint32_t owner,
                    struct tcp_listener **out)
{
	if (c->state != SYNQ_TCP_CLOSE)
		return -EINVAL;
	if (!(c->flags & TCP_CONN_BOUND)) {
		int picked = pick_bind_port(s, 0, c->opts.reuseaddr);
		if (picked < 0)
			return -EADDRINUSE;
		bind_port(s, c, 0, (uint16_t)picked);
	}
	if (tcp_listener_lookup(s, c->tuple.local_addr, c->tuple.local_port) != NULL)
		return -EADDRINUSE;
	struct tcp_listener *l;
	int err = tcp_listener_open(s, c->tuple.local_addr, c->tuple.local_port, backlog,
	                            &c->opts, owner, &l);
	if (err)
		return err;
	l->tos = c->tos;
	/* The listener takes over the bound port. */
	c->flags &= (uint16_t)~TCP_CONN_BOUND;
	c->owner = TCP_NO_OWNER;
	tcp_conn_free(s, c);
	*out = l;
	return 0;
}

bool tcp_listener_has_child(const struct tcp_listener *l)
{
	return l->accept_head != TCP_NONE;
}

struct tcp_conn *tcp_user_accept(struct synq_stack *s, struct tcp_listener *l, uint32_t owner)
{
	struct tcp_conn *c = tcp_accept_dequeue(s, l);
	if (c != NULL) {
		c->owner = owner;
		c->flags |= TCP_CONN_ACCEPTED;
	}
	return c;
}

void tcp_listener_stop(struct synq_stack *s, struct tcp_listener *l)
{
	tcp_port_unref(s, l->port);
	tcp_listener_close(s, l);
}

void tcp_user_local(const struct tcp_conn *c, uint32_t *addr, uint16_t *port)
{
	*addr = c->tuple.local_addr;
	*port = c->tuple.local_port;
}

void tcp_user_peer(const struct tcp_conn *c, uint32_t *addr, uint16_t *port)
{
	*addr = c->tuple.remote_addr;
	*port = c->tuple.remote_port;
}

void tcp_listener_local(const struct tcp_listener *l, uint32_t *addr, uint16_t *port)
{
	*addr = l->addr;
	*port = l->port;
}

/* A send with nothing to send still reports the connection's state. */
int tcp_user_send_check(struct tcp_conn *c)
{
	if (c->state != SYNQ_TCP_ESTABLISHED && c->state != SYNQ_TCP_CLOSE_WAIT) {
		if (c->err)
			return -tcp_user_take_error(c);
		return (c->state == SYNQ_TCP_SYN_SENT || c->state == SYNQ_TCP_SYN_RECV) ? -EAGAIN
		                                                                         : -EPIPE;
	}
	if (c->shutdown & TCP_SHUT_SEND)
		return -EPIPE;
	return 0;
}

/* TCP_INQ: -1 when not asked for; otherwise the bytes still queued, and
 * after the peer's FIN at least 1 ("keep reading", tcp_inq_hint()). */
int tcp_user_inq_hint(const struct tcp_conn *c)
{
	if (!c->opts.inq)
		return -1;
	int inq = (int)tcp_user_readable(c);
	if (inq == 0 && (c->flags & TCP_CONN_FIN_RECEIVED))
		inq = 1;
	return inq;
}
