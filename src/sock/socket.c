/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket calls: descriptors onto connections and listeners, with
 * Linux's errno for every misuse (net/socket.c, af_inet.c, tcp.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "sock/sock_internal.h"
#include "tcp/user.h"

struct sock_entry *sock_lookup(struct synq_stack *s, int fd)
{
	return sock_entry_of(sock_table_of(s), fd);
}

struct tcp_conn *sock_conn(struct synq_stack *s, const struct sock_entry *e)
{
	return e->kind == SOCK_CONN ? tcp_conn_at(s, e->obj) : NULL;
}

struct tcp_listener *sock_listener(struct synq_stack *s, const struct sock_entry *e)
{
	return e->kind == SOCK_LISTENER ? tcp_listener_at(s, e->obj) : NULL;
}

int synq_socket(struct synq_stack *s, int domain, int type, int protocol)
{
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	if (type != SOCK_STREAM)
		return -EPROTONOSUPPORT;
	if (protocol != 0 && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	struct tcp_conn *c = tcp_user_open(s, TCP_NO_OWNER);
	if (c == NULL)
		return -ENOBUFS;
	int fd = sock_fd_alloc(sock_table_of(s), SOCK_CONN, tcp_conn_index(s, c));
	if (fd < 0) {
		tcp_user_close(s, c);
		return fd;
	}
	tcp_user_set_owner(c, (uint32_t)fd);
	struct sock_entry *e = sock_entry_at(sock_table_of(s), fd);
	e->nonblock = (flags & SOCK_NONBLOCK) != 0;
	e->cloexec = (flags & SOCK_CLOEXEC) != 0;
	return fd;
}

static int sockaddr_in_take(const struct sockaddr *addr, socklen_t len, uint32_t *ip,
                            uint16_t *port)
{
	if (addr == NULL || len < (socklen_t)sizeof(struct sockaddr_in))
		return -EINVAL;
	struct sockaddr_in sin;
	memcpy(&sin, addr, sizeof sin);
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	*ip = ntohl(sin.sin_addr.s_addr);
	*port = ntohs(sin.sin_port);
	return 0;
}

static void sockaddr_in_give(struct sockaddr *addr, socklen_t *len, uint32_t ip, uint16_t port)
{
	if (addr == NULL || len == NULL)
		return;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
	                           .sin_addr.s_addr = htonl(ip) };
	socklen_t n = *len < (socklen_t)sizeof sin ? *len : (socklen_t)sizeof sin;
	memcpy(addr, &sin, (size_t)n);
	*len = sizeof sin;
}

int synq_bind(struct synq_stack *s, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	struct tcp_conn *c = sock_conn(s, e);
	if (c == NULL)
		return -EINVAL;
	uint32_t ip;
	uint16_t port;
	int err = sockaddr_in_take(addr, len, &ip, &port);
	if (err)
		return err;
	return tcp_user_bind(s, c, ip, port);
}

int synq_listen(struct synq_stack *s, int fd, int backlog)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	struct tcp_listener *l = sock_listener(s, e);
	if (l != NULL) {
		tcp_listener_set_backlog(s, l, backlog);
		return 0;
	}
	struct tcp_conn *c = sock_conn(s, e);
	if (c == NULL || e->sstate != SOCK_UNCONNECTED)
		return -EINVAL;
	int err = tcp_user_listen(s, c, backlog, (uint32_t)fd, &l);
	if (err)
		return err;
	e->kind = SOCK_LISTENER;
	e->obj = tcp_listener_index(s, l);
	return 0;
}

int synq_accept4(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	struct tcp_listener *l = sock_listener(s, e);
	if (l == NULL)
		return -EINVAL;
	if (!tcp_listener_has_child(l))
		return -EAGAIN;
	/* A descriptor first, so a full table leaves the queue alone. */
	int nfd = sock_fd_alloc(sock_table_of(s), SOCK_CONN, 0);
	if (nfd < 0)
		return nfd;
	struct tcp_conn *c = tcp_user_accept(s, l, (uint32_t)nfd);
	struct sock_entry *ne = sock_entry_at(sock_table_of(s), nfd);
	ne->obj = tcp_conn_index(s, c);
	ne->nonblock = (flags & SOCK_NONBLOCK) != 0;
	ne->cloexec = (flags & SOCK_CLOEXEC) != 0;
	ne->sstate = SOCK_CONNECTED;
	uint32_t peer;
	uint16_t peer_port;
	tcp_user_peer(c, &peer, &peer_port);
	sockaddr_in_give(addr, len, peer, peer_port);
	return nfd;
}

int synq_accept(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len)
{
	return synq_accept4(s, fd, addr, len, 0);
}

/* __inet_stream_connect(): the socket-level state decides between
 * starting, EALREADY, EISCONN and reporting the outcome. */
int synq_connect(struct synq_stack *s, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	struct tcp_conn *c = sock_conn(s, e);
	if (c == NULL)
		return -EINVAL;
	uint32_t ip;
	uint16_t port;
	int err = sockaddr_in_take(addr, len, &ip, &port);
	if (err)
		return err;
	switch (e->sstate) {
	case SOCK_CONNECTED:
		return -EISCONN;
	case SOCK_CONNECTING:
		err = -EALREADY;
		break;
	default:
		if (tcp_user_state(c) != SYNQ_TCP_CLOSE)
			return -EISCONN;
		err = tcp_user_connect(s, c, ip, port);
		if (err)
			return err;
		e->sstate = SOCK_CONNECTING;
		err = -EINPROGRESS;
		break;
	}
	enum synq_tcp_state st = tcp_user_state(c);
	if (st == SYNQ_TCP_SYN_SENT || st == SYNQ_TCP_SYN_RECV)
		return err;
	if (st == SYNQ_TCP_CLOSE) {
		int soft = tcp_user_take_error(c);
		e->sstate = SOCK_UNCONNECTED;
		return soft ? -soft : -ECONNABORTED;
	}
	e->sstate = SOCK_CONNECTED;
	return 0;
}

static ssize_t recv_iov(struct synq_stack *s, int fd, const struct iovec *iov, int iovcnt,
                        int flags)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	struct tcp_conn *c = sock_conn(s, e);
	if (c == NULL)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return -EINVAL;
	bool peek = (flags & MSG_PEEK) != 0;
	ssize_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (peek && total > 0)
			break; /* a peek copies one contiguous run */
		ssize_t n = tcp_user_recv(s, c, iov[i].iov_base, iov[i].iov_len, peek);
		if (n < 0)
			return total > 0 ? total : n;
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	if (total == 0 && iovcnt > 0) {
		/* A zero-length read still reports state, as recv() does. */
		bool any = false;
		for (int i = 0; i < iovcnt; i++)
			any |= iov[i].iov_len > 0;
		if (!any)
			return 0;
	}
	return total;
}

static ssize_t send_iov(struct synq_stack *s, int fd, const struct iovec *iov, int iovcnt,
                        int flags)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	struct tcp_conn *c = sock_conn(s, e);
	if (c == NULL)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	ssize_t total = 0;
	/* Every iovec but the last with data is copied without a push of
	 * its own, as tcp_sendmsg_locked() copies a whole message; the last
	 * ends held when more follows (MSG_MORE or empty iovecs after it).
	 * A message cut short by the buffer ends with that held push. */
	int last = -1;
	for (int i = 0; i < iovcnt; i++)
		if (iov[i].iov_len)
			last = i;
	bool unpushed = false;
	for (int i = 0; i <= last; i++) {
		if (iov[i].iov_len == 0)
			continue;
		bool more = (flags & MSG_MORE) || i + 1 < iovcnt;
		enum tcp_send_end end = i < last ? TCP_SEND_PART
		                        : more   ? TCP_SEND_MORE : TCP_SEND_PUSH;
		ssize_t n = tcp_user_send(s, c, iov[i].iov_base, iov[i].iov_len, end);
		if (n < 0) {
			if (unpushed)
				tcp_user_push_more(s, c);
			return total > 0 ? total : n;
		}
		unpushed = end == TCP_SEND_PART;
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	if (unpushed)
		tcp_user_push_more(s, c);
	if (total > 0 && !(flags & MSG_MORE))
		tcp_push(s, c);
	if (total == 0 && iovcnt >= 0) {
		/* Nothing to send: still report the socket's state. */
		int err = tcp_user_send_check(c);
		if (err)
			return err;
	}
	return total;
}

ssize_t synq_recv(struct synq_stack *s, int fd, void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	if (len == 0) {
		struct sock_entry *e = sock_lookup(s, fd);
		if (e == NULL)
			return -EBADF;
		if (sock_conn(s, e) == NULL)
			return -ENOTCONN;
		return 0;
	}
	return recv_iov(s, fd, &iov, 1, flags);
}

ssize_t synq_send(struct synq_stack *s, int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	return send_iov(s, fd, &iov, 1, flags);
}

ssize_t synq_read(struct synq_stack *s, int fd, void *buf, size_t len)
{
	return synq_recv(s, fd, buf, len, 0);
}

ssize_t synq_write(struct synq_stack *s, int fd, const void *buf, size_t len)
{
	return synq_send(s, fd, buf, len, 0);
}

ssize_t synq_readv(struct synq_stack *s, int fd, const struct iovec *iov, int iovcnt)
{
	if (iovcnt < 0 || iovcnt > 1024)
		return -EINVAL;
	return recv_iov(s, fd, iov, iovcnt, 0);
}

ssize_t synq_writev(struct synq_stack *s, int fd, const struct iovec *iov, int iovcnt)
{
	if (iovcnt < 0 || iovcnt > 1024)
		return -EINVAL;
	return send_iov(s, fd, iov, iovcnt, 0);
}

ssize_t synq_sendmsg(struct synq_stack *s, int fd, const struct msghdr *msg, int flags)
{
	if (msg->msg_iovlen > 1024)
		return -EMSGSIZE;
	return send_iov(s, fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
}

ssize_t synq_recvmsg(struct synq_stack *s, int fd, struct msghdr *msg, int flags)
{
	if (msg->msg_iovlen > 1024)
		return -EMSGSIZE;
	ssize_t n = recv_iov(s, fd, msg->msg_iov, (int)msg->msg_iovlen, flags);
	msg->msg_flags = 0;
	struct sock_entry *e = sock_lookup(s, fd);
	struct tcp_conn *c = e ? sock_conn(s, e) : NULL;
	size_t control_used = 0;
	int inq = c ? tcp_user_inq_hint(c) : -1;
	if (n >= 0 && inq >= 0 && msg->msg_control &&
	    msg->msg_controllen >= CMSG_SPACE(sizeof(int))) {
		/* TCP_CM_INQ: the bytes still queued after this read. */
		struct cmsghdr *cm = CMSG_FIRSTHDR(msg);
		cm->cmsg_level = IPPROTO_TCP;
		cm->cmsg_type = SYNQ_TCP_INQ;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &inq, sizeof inq);
		control_used = CMSG_SPACE(sizeof(int));
	}
	msg->msg_controllen = control_used;
	return n;
}

int synq_shutdown(struct synq_stack *s, int fd, int how)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	int rd = how != SHUT_WR;
	int wr = how != SHUT_RD;
	struct tcp_listener *l = sock_listener(s, e);
	if (l != NULL) {
		if (!rd)
			return 0;
		/* Shutting the read side of a listener stops it listening. */
		struct tcp_conn *c = tcp_user_open(s, (uint32_t)fd);
		if (c == NULL)
			return -ENOBUFS;
		tcp_listener_stop(s, l);
		e->kind = SOCK_CONN;
		e->obj = tcp_conn_index(s, c);
		return 0;
	}
	struct tcp_conn *c = sock_conn(s, e);
	if (c == NULL)
		return -ENOTCONN;
	enum synq_tcp_state st = tcp_user_state(c);
	if (e->sstate == SOCK_CONNECTING &&
	    !(st == SYNQ_TCP_SYN_SENT || st == SYNQ_TCP_SYN_RECV || st == SYNQ_TCP_CLOSE))
		e->sstate = SOCK_CONNECTED;
	return tcp_user_shutdown(s, c, rd, wr);
}

int synq_close(struct synq_stack *s, int fd)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	/* Linux's close() forgets the epoll registration (no EPOLL_CTL_DEL) */
	e->epfd = -1;
	switch (e->kind) {
	case SOCK_CONN:
		tcp_user_close(s, sock_conn(s, e));
		break;
	case SOCK_LISTENER:
		tcp_listener_stop(s, sock_listener(s, e));
		break;
	case SOCK_EPOLL:
		sock_epoll_close(s, fd);
		break;
	default:
		break;
	}
	sock_fd_release(sock_table_of(s), fd);
	return 0;
}

int synq_getsockname(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	if (len == NULL || addr == NULL)
		return -EFAULT;
	uint32_t ip;
	uint16_t port;
	struct tcp_listener *l = sock_listener(s, e);
	struct tcp_conn *c = sock_conn(s, e);
	if (l != NULL)
		tcp_listener_local(l, &ip, &port);
	else if (c != NULL)
		tcp_user_local(c, &ip, &port);
	else
		return -EOPNOTSUPP;
	sockaddr_in_give(addr, len, ip, port);
	return 0;
}

int synq_getpeername(struct synq_stack *s, int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	if (len == NULL || addr == NULL)
		return -EFAULT;
	struct tcp_conn *c = sock_conn(s, e);
	if (c == NULL || tcp_user_state(c) == SYNQ_TCP_CLOSE ||
	    tcp_user_state(c) == SYNQ_TCP_SYN_SENT)
		return -ENOTCONN;
	uint32_t ip;
	uint16_t port;
	tcp_user_peer(c, &ip, &port);
	sockaddr_in_give(addr, len, ip, port);
	return 0;
}

int synq_fcntl(struct synq_stack *s, int fd, int cmd, long arg)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	switch (cmd) {
	case F_GETFL:
		return O_RDWR | (e->nonblock ? O_NONBLOCK : 0);
	case F_SETFL:
		e->nonblock = (arg & O_NONBLOCK) != 0;
		return 0;
	case F_GETFD:
		return e->cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		e->cloexec = (arg & FD_CLOEXEC) != 0;
		return 0;
	default:
		return -EINVAL;
	}
}

int synq_sock_is_blocking(struct synq_stack *s, int fd)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	return !e->nonblock;
}
