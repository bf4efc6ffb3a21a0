/* SPDX-License-Identifier: BSD-2-Clause */
/* Readiness: what poll() reports for a socket (Linux's tcp_poll() and
 * inet_csk_listen_poll()), and epoll sets whose ready lists the TCP core
 * feeds through the hooks sock_attach() installs, level- or edge-triggered
 * as Linux's. */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>

#include "sock/sock_internal.h"
#include "tcp/user.h"

int sock_events(struct synq_stack *s, const struct sock_entry *e)
{
	if (e->kind == SOCK_LISTENER)
		return tcp_listener_poll(tcp_listener_at(s, e->obj));
	if (e->kind != SOCK_CONN)
		return 0;
	return tcp_user_poll(tcp_conn_at(s, e->obj));
}

int synq_sock_events(struct synq_stack *s, int fd)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	return sock_events(s, e);
}

int synq_poll(struct synq_stack *s, struct pollfd *fds, nfds_t nfds)
{
	int ready = 0;
	for (nfds_t i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct sock_entry *e = sock_lookup(s, fds[i].fd);
		if (e == NULL) {
			fds[i].revents = POLLNVAL;
		} else {
			int ev = sock_events(s, e);
			fds[i].revents = (short)(ev & (fds[i].events | POLLERR | POLLHUP));
		}
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

/* ---------------------------------------------------------------- epoll */

static void ready_push(struct sock_table *t, struct sock_entry *ep, int fd)
{
	struct sock_entry *e = sock_entry_of(t, fd);
	if (e->on_ready_list)
		return;
	e->on_ready_list = 1;
	e->ready_next = SOCK_NONE;
	uint32_t slot = (uint32_t)(fd - SOCK_FD_BASE);
	if (ep->ready_tail == SOCK_NONE)
		ep->ready_head = slot;
	else
		t->entries[ep->ready_tail].ready_next = slot;
	ep->ready_tail = slot;
}

void sock_wake(struct sock_table *t, int fd)
{
	struct sock_entry *e = sock_entry_of(t, fd);
	/* Already on its set's ready list (most wakes: a segment wakes a
	 * socket several times before its owner looks): nothing to do. */
	if (e == NULL || e->epfd < 0 || e->on_ready_list)
		return;
	struct sock_entry *ep = sock_entry_of(t, e->epfd);
	if (ep != NULL && ep->kind == SOCK_EPOLL)
		ready_push(t, ep, fd);
}

/* Every event means the same here: poll() recomputes the mask, and an
 * epoll set only needs to look again. */
static void owner_wake(void *ctx, uint32_t owner)
{
	sock_wake(ctx, (int)owner);
}

void sock_attach(struct synq_stack *s, struct sock_table *t)
{
	static const struct tcp_upcalls hooks = {
		.data_ready = owner_wake,
		.write_space = owner_wake,
		.state_change = owner_wake,
		.error_report = owner_wake,
	};
	tcp_set_upcalls(s, &hooks, t);
}

int synq_epoll_create(struct synq_stack *s)
{
	int fd = sock_fd_alloc(sock_table_of(s), SOCK_EPOLL, 0);
	if (fd < 0)
		return fd;
	struct sock_entry *ep = sock_lookup(s, fd);
	ep->ready_head = ep->ready_tail = SOCK_NONE;
	return fd;
}

int synq_epoll_ctl(struct synq_stack *s, int epfd, int op, int fd,
                   const struct synq_epoll_event *ev)
{
	struct sock_entry *ep = sock_lookup(s, epfd);
	struct sock_entry *e = sock_lookup(s, fd);
	if (ep == NULL || e == NULL)
		return -EBADF;
	if (ep->kind != SOCK_EPOLL || fd == epfd || e->kind == SOCK_EPOLL)
		return -EINVAL;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (e->epfd == epfd)
			return -EEXIST;
		if (e->epfd >= 0)
			return -EINVAL; /* one set per socket in synq */
		if (ev == NULL)
			return -EFAULT;
		e->epfd = epfd;
		e->epoll_events = ev->events;
		e->epoll_data = ev->data;
		ready_push(sock_table_of(s), ep, fd);
		return 0;
	case EPOLL_CTL_MOD:
		if (e->epfd != epfd)
			return -ENOENT;
		if (ev == NULL)
			return -EFAULT;
		e->epoll_events = ev->events;
		e->epoll_data = ev->data;
		ready_push(sock_table_of(s), ep, fd);
		return 0;
	case EPOLL_CTL_DEL:
		if (e->epfd != epfd)
			return -ENOENT;
		e->epfd = -1; /* left on the ready list, skipped when met */
		return 0;
	default:
		return -EINVAL;
	}
}

/* The walk, for a set with something on its ready list. */
static int __attribute__((noinline)) epoll_collect(struct synq_stack *s, struct sock_entry *ep,
                                                   int epfd, struct synq_epoll_event *events,
                                                   int max)
{
	int n = 0;
	/* Walk the list once; level-triggered entries that were reported go
	 * back to its end, as Linux's ep_send_events() does. */
	uint32_t last = ep->ready_tail;
	while (n < max && ep->ready_head != SOCK_NONE) {
		uint32_t slot = ep->ready_head;
		struct sock_entry *e = &sock_table_of(s)->entries[slot];
		ep->ready_head = e->ready_next;
		if (ep->ready_head == SOCK_NONE)
			ep->ready_tail = SOCK_NONE;
		e->on_ready_list = 0;
		int fd = (int)slot + SOCK_FD_BASE;
		if (e->kind != SOCK_FREE && e->epfd == epfd) {
			uint32_t interest = e->epoll_events | EPOLLERR | EPOLLHUP;
			uint32_t got = (uint32_t)sock_events(s, e) & interest;
			if (got) {
				events[n].events = got;
				events[n].data = e->epoll_data;
				n++;
				if (e->epoll_events & EPOLLONESHOT)
					e->epoll_events &= EPOLLET | EPOLLONESHOT;
				else if (!(e->epoll_events & EPOLLET))
					ready_push(sock_table_of(s), ep, fd);
			}
		}
		if (slot == last)
			break;
	}
	return n;
}

int synq_epoll_wait(struct synq_stack *s, int epfd, struct synq_epoll_event *events, int max)
{
	struct sock_entry *ep = sock_lookup(s, epfd);
	if (ep == NULL)
		return -EBADF;
	if (ep->kind != SOCK_EPOLL || max <= 0)
		return -EINVAL;
	/* Asked after every event: mostly nothing is ready. */
	if (ep->ready_head == SOCK_NONE)
		return 0;
	return epoll_collect(s, ep, epfd, events, max);
}

size_t synq_epoll_hot(const struct synq_stack *s, int epfd,
                      const void *out[SYNQ_EPOLL_HOT_MAX])
{
	const struct sock_table *t = sock_table_of(s);
	uint32_t i = (uint32_t)epfd - SOCK_FD_BASE;
	if (i >= t->capacity)
		return 0;
	out[0] = t;
	out[1] = &t->entries[i];
	return 2;
}

const uint32_t *synq_epoll_ready_word(struct synq_stack *s, int epfd)
{
	_Static_assert(SYNQ_EPOLL_NONE_READY == SOCK_NONE, "one end marker");
	struct sock_entry *ep = sock_lookup(s, epfd);
	return ep != NULL && ep->kind == SOCK_EPOLL ? &ep->ready_head : NULL;
}

void sock_epoll_close(struct synq_stack *s, int epfd)
{
	struct sock_entry *ep = sock_lookup(s, epfd);
	for (uint32_t slot = ep->ready_head; slot != SOCK_NONE;) {
		struct sock_entry *e = &sock_table_of(s)->entries[slot];
		e->on_ready_list = 0;
		slot = e->ready_next;
	}
	for (uint32_t slot = 0; slot < sock_table_of(s)->capacity; slot++) {
		struct sock_entry *e = &sock_table_of(s)->entries[slot];
		if (e->kind != SOCK_FREE && e->epfd == epfd)
			e->epfd = -1;
	}
}
