/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket operations over the host kernel: real sockets and one epoll
 * instance. wait() never blocks; httpd_backend_kernel_block() is the one
 * place that sleeps, in epoll_wait(), and keeps what it got for the next
 * wait(), so the server stays a function of (ready sockets, now). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/sockops.h"

#define KERNEL_EVENTS_MAX 256

struct kernel_backend {
	int epfd;
	int pending;                     /* events kept from the last block */
	int next;
	struct epoll_event events[KERNEL_EVENTS_MAX];
};

static int k_listen(void *ctx, uint32_t addr, uint16_t port, int backlog, int defer_accept_s)
{
	(void)ctx;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
	                          .sin_addr.s_addr = htonl(addr) };
	int err = 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		err = -errno;
	if (!err && defer_accept_s > 0 &&
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_accept_s,
	               sizeof defer_accept_s) < 0)
		err = -errno;
	if (!err && listen(fd, backlog) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int k_local_port(void *ctx, int fd)
{
	(void)ctx;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -errno;
	return ntohs(sa.sin_port);
}

static int k_accept(void *ctx, int lfd, uint32_t *peer_addr, uint16_t *peer_port,
                    uint32_t *ready)
{
	(void)ctx;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*peer_addr = ntohl(sa.sin_addr.s_addr);
	*peer_port = ntohs(sa.sin_port);
	*ready = EPOLLIN | EPOLLOUT;
	return fd;
}

static ssize_t k_read(void *ctx, int fd, void *buf, size_t len)
{
	(void)ctx;
	ssize_t n = read(fd, buf, len);
	return n < 0 ? -errno : n;
}

static ssize_t k_writev(void *ctx, int fd, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	/* sendmsg with MSG_NOSIGNAL: a reset peer is EPIPE, never SIGPIPE. */
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

static int k_shutdown_write(void *ctx, int fd)
{
	(void)ctx;
	return shutdown(fd, SHUT_WR) < 0 ? -errno : 0;
}

static int k_close(void *ctx, int fd)
{
	struct kernel_backend *b = ctx;
	/* Events already fetched for fd stay in the batch; the server tells
	 * them apart by the token's generation. */
	(void)b;
	return close(fd) < 0 ? -errno : 0;
}

static int k_ctl(struct kernel_backend *b, int op, int fd, uint32_t events, uint64_t token)
{
	struct epoll_event ev = { .events = events, .data.u64 = token };
	return epoll_ctl(b->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

static int k_watch(void *ctx, int fd, uint32_t events, uint64_t token)
{
	return k_ctl(ctx, EPOLL_CTL_ADD, fd, events, token);
}

static int k_rewatch(void *ctx, int fd, uint32_t events, uint64_t token)
{
	return k_ctl(ctx, EPOLL_CTL_MOD, fd, events, token);
}

static int k_wait(void *ctx, struct httpd_ready *out, int max)
{
	struct kernel_backend *b = ctx;
	if (b->next >= b->pending) {
		b->pending = epoll_wait(b->epfd, b->events, KERNEL_EVENTS_MAX, 0);
		b->next = 0;
		if (b->pending < 0) {
			b->pending = 0;
			return 0;
		}
	}
	int n = 0;
	while (n < max && b->next < b->pending) {
		out[n].token = b->events[b->next].data.u64;
		out[n].events = b->events[b->next].events;
		n++;
		b->next++;
	}
	return n;
}

int httpd_backend_kernel_block(void *ctx, int timeout_ms)
{
	struct kernel_backend *b = ctx;
	if (b->next < b->pending)
		return b->pending - b->next;
	int n = epoll_wait(b->epfd, b->events, KERNEL_EVENTS_MAX, timeout_ms);
	b->next = 0;
	if (n < 0) {
		b->pending = 0;
		return -errno;
	}
	b->pending = n;
	return n;
}

static void k_destroy(void *ctx)
{
	struct kernel_backend *b = ctx;
	close(b->epfd);
	free(b);
}

static const struct httpd_sockops kernel_ops = {
	.listen = k_listen, .local_port = k_local_port, .accept = k_accept, .read = k_read,
	.writev = k_writev, .shutdown_write = k_shutdown_write, .close = k_close,
	.watch = k_watch, .rewatch = k_rewatch, .wait = k_wait, .destroy = k_destroy,
};

int httpd_backend_kernel(struct httpd_backend *be)
{
	struct kernel_backend *b = calloc(1, sizeof *b);
	if (b == NULL)
		return -ENOMEM;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0) {
		int err = -errno;
		free(b);
		return err;
	}
	be->ops = &kernel_ops;
	be->ctx = b;
	be->quiet = NULL;
	return 0;
}
