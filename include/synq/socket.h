/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SOCKET_H
#define SYNQ_SOCKET_H

/* The BSD socket API over a synq stack.
 *
 * Every call mirrors its libc namesake with the stack first and returns a
 * negative errno instead of setting errno: synq_connect() gives
 * -EINPROGRESS, synq_read() -EAGAIN, with Linux's errno for each case.
 * Nothing blocks, ever: a blocking socket (the default, as on Linux) gets
 * -EAGAIN where the kernel would sleep, and the driver waits for
 * readiness (synq_sock_events(), synq_epoll_wait()) and calls again. The
 * same application code thus runs in the simulator and on a real device.
 *
 * Descriptors are the lowest free number from 3 up. Only IPv4 TCP
 * (AF_INET, SOCK_STREAM) exists. */

#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "synq/tcp.h"

struct synq_stack;

int synq_socket(struct synq_stack *s, int domain, int type, int protocol);
int synq_bind(struct synq_stack *s, int fd, const struct sockaddr *addr, socklen_t len);
int synq_listen(struct synq_stack *s, int fd, int backlog);
int synq_accept(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len);
int synq_accept4(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len,
                 int flags);
int synq_connect(struct synq_stack *s, int fd, const struct sockaddr *addr, socklen_t len);
ssize_t synq_read(struct synq_stack *s, int fd, void *buf, size_t len);
ssize_t synq_write(struct synq_stack *s, int fd, const void *buf, size_t len);
ssize_t synq_readv(struct synq_stack *s, int fd, const struct iovec *iov, int iovcnt);
ssize_t synq_writev(struct synq_stack *s, int fd, const struct iovec *iov, int iovcnt);
ssize_t synq_recv(struct synq_stack *s, int fd, void *buf, size_t len, int flags);
ssize_t synq_send(struct synq_stack *s, int fd, const void *buf, size_t len, int flags);
ssize_t synq_recvmsg(struct synq_stack *s, int fd, struct msghdr *msg, int flags);
ssize_t synq_sendmsg(struct synq_stack *s, int fd, const struct msghdr *msg, int flags);
int synq_shutdown(struct synq_stack *s, int fd, int how);
int synq_close(struct synq_stack *s, int fd);
int synq_setsockopt(struct synq_stack *s, int fd, int level, int name, const void *val,
                    socklen_t len);
int synq_getsockopt(struct synq_stack *s, int fd, int level, int name, void *val,
                    socklen_t *len);
int synq_getsockname(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len);
int synq_getpeername(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len);
/* F_GETFL, F_SETFL (O_NONBLOCK), F_GETFD, F_SETFD. */
int synq_fcntl(struct synq_stack *s, int fd, int cmd, long arg);
/* SIOCINQ/FIONREAD, SIOCOUTQ; arg points to an int. */
int synq_ioctl(struct synq_stack *s, int fd, unsigned long request, void *arg);

/* Readiness of one descriptor as poll() reports it (POLLIN, POLLOUT,
 * POLLERR, POLLHUP, POLLRDHUP), or -EBADF. */
int synq_sock_events(struct synq_stack *s, int fd);
/* poll() without waiting: fills revents, returns how many are ready. */
int synq_poll(struct synq_stack *s, struct pollfd *fds, nfds_t nfds);
/* Whether fd is in blocking mode (the driver then waits and retries). */
int synq_sock_is_blocking(struct synq_stack *s, int fd);

/* epoll, level- and edge-triggered, without waiting. */
struct synq_epoll_event {
	uint32_t events;
	uint64_t data;
};
int synq_epoll_create(struct synq_stack *s);
int synq_epoll_ctl(struct synq_stack *s, int epfd, int op, int fd,
                   const struct synq_epoll_event *ev);
int synq_epoll_wait(struct synq_stack *s, int epfd, struct synq_epoll_event *events,
                    int max);
/* Where synq_epoll_wait(epfd) starts reading (the descriptor table and
 * epfd's entry), fixed for the stack's life: a driver of many stacks
 * keeps these addresses and asks the CPU for them as an event for this
 * stack begins, which it could not do through a call without waiting for
 * the stack's own lines first. How many it wrote; 0 for a bad epfd. */
#define SYNQ_EPOLL_HOT_MAX 2
size_t synq_epoll_hot(const struct synq_stack *s, int epfd,
                      const void *out[SYNQ_EPOLL_HOT_MAX]);
/* For a caller that would look after every stack event: a word that is
 * SYNQ_EPOLL_NONE_READY whenever epfd's ready list is empty (and
 * synq_epoll_wait() would return 0 at once), valid until epfd is closed;
 * NULL if epfd is not an epoll set. */
#define SYNQ_EPOLL_NONE_READY UINT32_MAX
const uint32_t *synq_epoll_ready_word(struct synq_stack *s, int epfd);

#endif
