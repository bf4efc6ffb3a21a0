/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_APP_SOCKOPS_H
#define SYNQ_APP_SOCKOPS_H

/* The socket operations the server is written against, and their two
 * backends: a synq stack (sockops_synq.c) and the host kernel
 * (sockops_kernel.c).
 *
 * Every operation is non-blocking and returns -errno on failure, as the
 * synq socket API does. Readiness is epoll's: the server registers each
 * descriptor once with a 64-bit token (watch), changes what it waits for
 * (rewatch), and drains what is ready (wait, never blocking). Accepted
 * descriptors are non-blocking with TCP_NODELAY set, as Apache and nginx
 * set them. Closing a descriptor forgets its registration. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct synq_stack;

struct httpd_ready {
	uint64_t token;
	uint32_t events;   /* EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP */
};

struct httpd_sockops {
	/* Listen on addr:port (host order) with backlog; defer_accept_s > 0
	 * sets TCP_DEFER_ACCEPT. Returns the descriptor or -errno. */
	int (*listen)(void *ctx, uint32_t addr, uint16_t port, int backlog, int defer_accept_s);
	/* The bound port of a listener. */
	int (*local_port)(void *ctx, int fd);
	/* A connection, or -EAGAIN. peer address and port in host order;
	 * *ready: what a read or write may do at once (epoll's bits), or
	 * EPOLLIN | EPOLLOUT from a backend that cannot tell cheaply. */
	int (*accept)(void *ctx, int lfd, uint32_t *peer_addr, uint16_t *peer_port,
	              uint32_t *ready);
	ssize_t (*read)(void *ctx, int fd, void *buf, size_t len);
	ssize_t (*writev)(void *ctx, int fd, const struct iovec *iov, int iovcnt);
	int (*shutdown_write)(void *ctx, int fd);
	int (*close)(void *ctx, int fd);
	int (*watch)(void *ctx, int fd, uint32_t events, uint64_t token);
	int (*rewatch)(void *ctx, int fd, uint32_t events, uint64_t token);
	/* Up to max ready descriptors, without waiting. */
	int (*wait)(void *ctx, struct httpd_ready *out, int max);
	void (*destroy)(void *ctx);
};

struct httpd_backend {
	const struct httpd_sockops *ops;
	void *ctx;
	/* NULL, or a word that is UINT32_MAX while wait() has nothing to
	 * report: the server looks after every stack event, and most make
	 * nothing ready (a SYN, an ACK of its data). */
	const uint32_t *quiet;
};

/* A synq stack: the caller drives the stack. 0 or -ENOMEM/-errno. */
int httpd_backend_synq(struct httpd_backend *b, struct synq_stack *stack);
/* The host kernel: sockets and one epoll instance. */
int httpd_backend_kernel(struct httpd_backend *b);
/* Kernel only: block in epoll_wait up to timeout_ms, keeping the events
 * for the next wait(). */
int httpd_backend_kernel_block(void *ctx, int timeout_ms);

#endif
