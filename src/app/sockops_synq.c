/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket operations over a synq stack: the synq_* socket API and its
 * epoll, which never block. The driver owns the stack and its clock. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "base/cacheline.h"
#include "app/sockops.h"
#include "synq/socket.h"

struct synq_backend {
	struct synq_stack *stack;
	int epfd;
};

static int s_listen(void *ctx, uint32_t addr, uint16_t port, int backlog, int defer_accept_s)
{
	struct synq_backend *b = ctx;
	int fd = synq_socket(b->stack, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	int one = 1;
	synq_setsockopt(b->stack, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* Accepted connections inherit TCP_NODELAY from the listener, as
	 * on Linux (the child is a clone of it): one setsockopt() here
	 * instead of one for every connection, and the same segments. */
	synq_setsockopt(b->stack, fd, IPPROTO_TCP, SYNQ_TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
	                          .sin_addr.s_addr = htonl(addr) };
	int err = synq_bind(b->stack, fd, (struct sockaddr *)&sa, sizeof sa);
	if (!err && defer_accept_s > 0)
		err = synq_setsockopt(b->stack, fd, IPPROTO_TCP, SYNQ_TCP_DEFER_ACCEPT,
		                      &defer_accept_s, sizeof defer_accept_s);
	if (!err)
		err = synq_listen(b->stack, fd, backlog);
	if (err) {
		synq_close(b->stack, fd);
		return err;
	}
	return fd;
}

static int s_local_port(void *ctx, int fd)
{
	struct synq_backend *b = ctx;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int err = synq_getsockname(b->stack, fd, (struct sockaddr *)&sa, &len);
	return err ? err : ntohs(sa.sin_port);
}

static int s_accept(void *ctx, int lfd, uint32_t *peer_addr, uint16_t *peer_port,
                    uint32_t *ready)
{
	struct synq_backend *b = ctx;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = synq_accept4(b->stack, lfd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK);
	if (fd < 0)
		return fd;
	*peer_addr = ntohl(sa.sin_addr.s_addr);
	*peer_port = ntohs(sa.sin_port);
	/* poll()'s bits are epoll's (POLLIN is EPOLLIN, and so on) */
	*ready = (uint32_t)synq_sock_events(b->stack, fd);
	return fd;
}

static ssize_t s_read(void *ctx, int fd, void *buf, size_t len)
{
	struct synq_backend *b = ctx;
	return synq_read(b->stack, fd, buf, len);
}

static ssize_t s_writev(void *ctx, int fd, const struct iovec *iov, int iovcnt)
{
	struct synq_backend *b = ctx;
	return synq_writev(b->stack, fd, iov, iovcnt);
}

static int s_shutdown_write(void *ctx, int fd)
{
	struct synq_backend *b = ctx;
	return synq_shutdown(b->stack, fd, SHUT_WR);
}

/* synq_close() forgets the descriptor's epoll registration, as Linux's
 * close() does for a file with no other descriptor: no EPOLL_CTL_DEL. */
static int s_close(void *ctx, int fd)
{
	struct synq_backend *b = ctx;
	return synq_close(b->stack, fd);
}

static int s_watch(void *ctx, int fd, uint32_t events, uint64_t token)
{
	struct synq_backend *b = ctx;
	struct synq_epoll_event ev = { .events = events, .data = token };
	return synq_epoll_ctl(b->stack, b->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int s_rewatch(void *ctx, int fd, uint32_t events, uint64_t token)
{
	struct synq_backend *b = ctx;
	struct synq_epoll_event ev = { .events = events, .data = token };
	return synq_epoll_ctl(b->stack, b->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static int s_wait(void *ctx, struct httpd_ready *out, int max)
{
	struct synq_backend *b = ctx;
	struct synq_epoll_event evs[64];
	if (max > 64)
		max = 64;
	int n = synq_epoll_wait(b->stack, b->epfd, evs, max);
	for (int i = 0; i < n; i++) {
		out[i].token = evs[i].data;
		out[i].events = evs[i].events;
	}
	return n;
}

static void s_destroy(void *ctx)
{
	struct synq_backend *b = ctx;
	synq_close(b->stack, b->epfd);
	free(b);
}

static const struct httpd_sockops synq_ops = {
	.listen = s_listen, .local_port = s_local_port, .accept = s_accept, .read = s_read,
	.writev = s_writev, .shutdown_write = s_shutdown_write, .close = s_close,
	.watch = s_watch, .rewatch = s_rewatch, .wait = s_wait, .destroy = s_destroy,
};

int httpd_backend_synq(struct httpd_backend *be, struct synq_stack *stack)
{
	struct synq_backend *b = calloc_lines(1, sizeof *b);
	if (b == NULL)
		return -ENOMEM;
	b->stack = stack;
	b->epfd = synq_epoll_create(stack);
	if (b->epfd < 0) {
		int err = b->epfd;
		free(b);
		return err;
	}
	be->ops = &synq_ops;
	be->ctx = b;
	be->quiet = synq_epoll_ready_word(stack, b->epfd);
	return 0;
}
