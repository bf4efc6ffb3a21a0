/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket calls of packetdrill's interface, onto synq's socket API.
 *
 * Each member takes the driver's mutex, maps packetdrill's fd (a real
 * eventfd of ours) to the synq descriptor, makes the synq call and turns
 * its -errno into -1 with errno set. synq never blocks: where it answers
 * -EAGAIN on a blocking socket, the kernel would sleep, so the member
 * sleeps (pd_block) until the socket's poll events say the call can
 * finish, and calls again. What each call waits for is what wakes the
 * kernel's sleeper:
 *   accept                 POLLIN on the listener (inet_csk_wait_for_connect)
 *   connect                POLLOUT, POLLERR or POLLHUP (inet_wait_for_connect)
 *   read, recv*            POLLIN, POLLRDHUP, POLLERR, POLLHUP (sk_wait_data)
 *   write, send*           POLLOUT, POLLERR, POLLHUP: sk_stream_write_space()
 *                          wakes a writer only once free space is at least
 *                          half of what is queued, which is synq's POLLOUT
 * A blocking write returns only when everything is queued, as
 * tcp_sendmsg() does; MSG_WAITALL reads fill the whole buffer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "drivers/packetdrill.h"
#include "synq/socket.h"

/* Linux's values, which glibc does not always spell. */
#define PD_TCP_CC_INFO 26
#define PD_TCP_INFO_ECN_BYTES (8 * 4)

#define WAIT_READ (POLLIN | POLLRDHUP | POLLERR | POLLHUP)
#define WAIT_WRITE (POLLOUT | POLLERR | POLLHUP)

/* ------------------------------------------------------------- helpers */

static struct synq_stack *enter(struct pd *d, const char *name, long long arg)
{
	pd_lock(d);
	pd_trace(d, name, arg);
	return pd_stack(d);
}

/* Leave a member: wake whoever the call made runnable, publish counters,
 * and report r the libc way. */
static long long leave(struct pd *d, long long r)
{
	pd_after(d);
	pd_unlock(d);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static int sfd_of(struct pd *d, struct synq_stack *s, int fd)
{
	if (s == NULL)
		return -ENOMEM;
	int sfd = pd_fd_lookup(d, fd);
	return sfd >= 0 ? sfd : -EBADF;
}

static bool blocking(struct synq_stack *s, int sfd, int flags)
{
	return synq_sock_is_blocking(s, sfd) == 1 && !(flags & MSG_DONTWAIT);
}

/* User memory. The kernel copies a call's buffer with copy_from_user()
 * and copy_to_user() and answers EFAULT for an address it cannot use
 * (syscall-invalid-buf-ptr.pkt passes NULL); synq trusts its caller, so
 * the driver checks first. process_vm_readv/writev on our own pid fail
 * with EFAULT exactly where the kernel's copy would. A writable check
 * writes back the bytes it read. If the probe itself is unavailable
 * (seccomp), memory is taken as valid. */
#define PROBE_CHUNK 16384

static bool user_memory_ok(const void *p, size_t len, bool write)
{
	if (len == 0)
		return true;
	if (p == NULL)
		return false;
	uint8_t scratch[PROBE_CHUNK];
	pid_t self = getpid();
	for (size_t off = 0; off < len; off += PROBE_CHUNK) {
		size_t n = len - off < PROBE_CHUNK ? len - off : PROBE_CHUNK;
		struct iovec local = { scratch, n };
		struct iovec remote = { (uint8_t *)p + off, n };
		ssize_t got = process_vm_readv(self, &local, 1, &remote, 1, 0);
		if (got < 0)
			return errno != EFAULT;
		if ((size_t)got < n)
			return false;
		if (write && process_vm_writev(self, &local, 1, &remote, 1, 0) != (ssize_t)n)
			return errno != EFAULT;
	}
	return true;
}

static bool iov_memory_ok(const struct iovec *iov, int iovcnt, size_t limit, bool write)
{
	for (int i = 0; i < iovcnt && limit > 0; i++) {
		size_t n = iov[i].iov_len < limit ? iov[i].iov_len : limit;
		if (!user_memory_ok(iov[i].iov_base, n, write))
			return false;
		limit -= n;
	}
	return true;
}

/* How much a receive would copy now: the kernel only faults on bytes it
 * has to copy (no data, no EFAULT). */
static size_t readable_now(struct synq_stack *s, int sfd)
{
	int inq = 0;
	if (synq_ioctl(s, sfd, FIONREAD, &inq) != 0 || inq < 0)
		return 0;
	return (size_t)inq;
}

static bool wait_events(struct pd *d, int sfd, int mask)
{
	struct pd_waiter w = { .kind = PD_WAIT_SOCK, .sfd = sfd, .mask = mask };
	return pd_block(d, &w);
}

/* ----------------------------------------------------- socket, bind ... */

/* A new synq socket gets a packetdrill-side descriptor, or is closed. */
static int adopt_socket(struct pd *d, struct synq_stack *s, int sfd)
{
	int fd = pd_fd_new(d, sfd, PD_FD_SOCKET);
	if (fd < 0)
		synq_close(s, sfd);
	return fd;
}

static int pd_socket(void *ud, int domain, int type, int protocol)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "socket", domain);
	/* The script's init command has run by now: see its sysctls. */
	long long r = s ? synq_socket(s, domain, type, protocol) : -ENOMEM;
	if (r >= 0)
		r = adopt_socket(d, s, (int)r);
	return (int)leave(d, r);
}

static int pd_bind(void *ud, int sockfd, const struct sockaddr *addr, socklen_t addrlen)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "bind", sockfd);
	long long r = sfd_of(d, s, sockfd);
	if (r >= 0 && !user_memory_ok(addr, addrlen, false))
		r = -EFAULT;
	else if (r >= 0)
		r = synq_bind(s, (int)r, addr, addrlen);
	return (int)leave(d, r);
}

static int pd_listen(void *ud, int sockfd, int backlog)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "listen", sockfd);
	long long r = sfd_of(d, s, sockfd);
	if (r >= 0)
		r = synq_listen(s, (int)r, backlog);
	return (int)leave(d, r);
}

static int pd_accept(void *ud, int sockfd, struct sockaddr *addr, socklen_t *addrlen)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "accept", sockfd);
	int sfd = sfd_of(d, s, sockfd);
	long long r = sfd;
	if (sfd >= 0) {
		for (;;) {
			r = synq_accept(s, sfd, addr, addrlen);
			if (r != -EAGAIN || !blocking(s, sfd, 0))
				break;
			if (!wait_events(d, sfd, POLLIN | POLLERR | POLLHUP)) {
				r = -EINTR;
				break;
			}
		}
	}
	if (r >= 0)
		r = adopt_socket(d, s, (int)r);
	return (int)leave(d, r);
}

static int pd_connect(void *ud, int sockfd, const struct sockaddr *addr, socklen_t addrlen)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "connect", sockfd);
	int sfd = sfd_of(d, s, sockfd);
	long long r = sfd;
	if (sfd >= 0) {
		/* The SYN is queued before we sleep (synq sends it in the
		 * call). Even EALREADY waits on a blocking socket, as
		 * __inet_stream_connect() does. */
		r = user_memory_ok(addr, addrlen, false) ? synq_connect(s, sfd, addr, addrlen)
		                                         : -EFAULT;
		while ((r == -EINPROGRESS || r == -EALREADY) && blocking(s, sfd, 0)) {
			if (!wait_events(d, sfd, WAIT_WRITE)) {
				r = -EINTR;
				break;
			}
			r = synq_connect(s, sfd, addr, addrlen);
		}
	}
	return (int)leave(d, r);
}

/* ------------------------------------------------------------ receiving */

/* One receive call in any of its shapes. */
struct recv_op {
	struct iovec one;
	const struct iovec *iov;
	int iovcnt;
	struct msghdr *msg;   /* recvmsg */
	int flags;
};

static ssize_t recv_once(struct synq_stack *s, int sfd, struct recv_op *op)
{
	if (op->msg != NULL)
		return synq_recvmsg(s, sfd, op->msg, op->flags & ~MSG_WAITALL);
	if (op->iov != NULL)
		return synq_readv(s, sfd, op->iov, op->iovcnt);
	return synq_recv(s, sfd, op->one.iov_base, op->one.iov_len, op->flags & ~MSG_WAITALL);
}

static ssize_t recv_blocking(struct pd *d, struct synq_stack *s, int sfd, struct recv_op *op)
{
	bool block = blocking(s, sfd, op->flags);
	/* MSG_WAITALL: only for the plain-buffer shapes (tcp_recvmsg()'s
	 * target = len). */
	bool waitall = block && (op->flags & MSG_WAITALL) && op->msg == NULL &&
	               op->iov == NULL && !(op->flags & MSG_PEEK);
	size_t total = 0;
	for (;;) {
		size_t avail = readable_now(s, sfd);
		bool ok = op->msg ? iov_memory_ok(op->msg->msg_iov, (int)op->msg->msg_iovlen, avail, true)
		        : op->iov ? iov_memory_ok(op->iov, op->iovcnt, avail, true)
		                  : user_memory_ok(op->one.iov_base,
		                                   op->one.iov_len < avail ? op->one.iov_len : avail,
		                                   true);
		if (!ok && !(op->flags & MSG_TRUNC))
			return total > 0 ? (ssize_t)total : -EFAULT;
		ssize_t r = recv_once(s, sfd, op);
		if (waitall && r > 0) {
			total += (size_t)r;
			op->one.iov_base = (uint8_t *)op->one.iov_base + r;
			op->one.iov_len -= (size_t)r;
			if (op->one.iov_len == 0)
				return (ssize_t)total;
			r = -EAGAIN;
		} else if (waitall && total > 0 && r != -EAGAIN) {
			return (ssize_t)total; /* EOF or error after some data */
		}
		if (r != -EAGAIN || !block)
			return total > 0 ? (ssize_t)total : r;
		if (!wait_events(d, sfd, WAIT_READ))
			return total > 0 ? (ssize_t)total : -EINTR;
	}
}

static ssize_t pd_recv(void *ud, int sockfd, void *buf, size_t len, int flags)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "recv", sockfd);
	int sfd = sfd_of(d, s, sockfd);
	ssize_t r = sfd;
	if (sfd >= 0) {
		struct recv_op op = { .one = { buf, len }, .flags = flags };
		r = recv_blocking(d, s, sfd, &op);
	}
	return (ssize_t)leave(d, r);
}

static ssize_t pd_read(void *ud, int fd, void *buf, size_t count)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "read", fd);
	int sfd = sfd_of(d, s, fd);
	ssize_t r = sfd;
	if (sfd >= 0) {
		struct recv_op op = { .one = { buf, count } };
		r = recv_blocking(d, s, sfd, &op);
	}
	return (ssize_t)leave(d, r);
}

static ssize_t pd_readv(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "readv", fd);
	int sfd = sfd_of(d, s, fd);
	ssize_t r = sfd;
	if (sfd >= 0 && (iovcnt < 0 || iovcnt > IOV_MAX))
		r = -EINVAL;
	else if (sfd >= 0 && iov == NULL && iovcnt > 0)
		r = -EFAULT;
	else if (sfd >= 0) {
		struct recv_op op = { .iov = iov, .iovcnt = iovcnt };
		if (iovcnt == 0)
			op.iov = NULL; /* a zero-length read */
		r = recv_blocking(d, s, sfd, &op);
	}
	return (ssize_t)leave(d, r);
}

static ssize_t pd_recvfrom(void *ud, int sockfd, void *buf, size_t len, int flags,
                           struct sockaddr *src_addr, socklen_t *addrlen)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "recvfrom", sockfd);
	int sfd = sfd_of(d, s, sockfd);
	ssize_t r = sfd;
	if (sfd >= 0) {
		struct recv_op op = { .one = { buf, len }, .flags = flags };
		r = recv_blocking(d, s, sfd, &op);
		/* TCP reports no source address: the kernel hands back a
		 * zero length (__sys_recvfrom() with msg_namelen 0). */
		if (r >= 0 && src_addr != NULL && addrlen != NULL)
			*addrlen = 0;
	}
	return (ssize_t)leave(d, r);
}

static ssize_t pd_recvmsg(void *ud, int sockfd, struct msghdr *msg, int flags)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "recvmsg", sockfd);
	int sfd = sfd_of(d, s, sockfd);
	ssize_t r = sfd;
	if (sfd >= 0 && msg == NULL)
		r = -EFAULT;
	else if (sfd >= 0) {
		struct recv_op op = { .msg = msg, .flags = flags };
		r = recv_blocking(d, s, sfd, &op);
		if (r >= 0 && msg->msg_name != NULL)
			msg->msg_namelen = 0;
	}
	return (ssize_t)leave(d, r);
}

/* -------------------------------------------------------------- sending */

/* One send call in any of its shapes; done counts what is queued so far. */
struct send_op {
	const struct iovec *iov;
	int iovcnt;
	const struct msghdr *msg;   /* sendmsg: name, control, flags */
	int flags;
	size_t len;                 /* all bytes of the call */
};

/* Send what is left after skip bytes. */
static ssize_t send_rest(struct synq_stack *s, int sfd, const struct send_op *op, size_t skip)
{
	int i = 0;
	size_t left = skip;
	while (i < op->iovcnt && left >= op->iov[i].iov_len) {
		left -= op->iov[i].iov_len;
		i++;
	}
	int n = op->iovcnt - i;
	struct iovec small[8];
	struct iovec *rest = n <= 8 ? small : malloc((size_t)n * sizeof *rest);
	if (rest == NULL)
		return -ENOMEM;
	for (int k = 0; k < n; k++)
		rest[k] = op->iov[i + k];
	if (n > 0) {
		rest[0].iov_base = (uint8_t *)rest[0].iov_base + left;
		rest[0].iov_len -= left;
	}
	struct msghdr m = { 0 };
	if (op->msg != NULL)
		m = *op->msg;
	m.msg_iov = rest;
	m.msg_iovlen = (size_t)n;
	ssize_t r = synq_sendmsg(s, sfd, &m, op->flags);
	if (rest != small)
		free(rest);
	return r;
}

static ssize_t send_blocking(struct pd *d, struct synq_stack *s, int sfd, const struct send_op *op)
{
	if (!iov_memory_ok(op->iov, op->iovcnt, op->len, false))
		return -EFAULT;
	bool block = blocking(s, sfd, op->flags);
	size_t done = 0;
	for (;;) {
		ssize_t r = send_rest(s, sfd, op, done);
		if (r > 0)
			done += (size_t)r;
		if (r >= 0 && done >= op->len)
			return op->len == 0 ? r : (ssize_t)done;
		if (r < 0 && r != -EAGAIN)
			return done > 0 ? (ssize_t)done : r;
		if (!block)
			return done > 0 ? (ssize_t)done : r;
		if (!wait_events(d, sfd, WAIT_WRITE))
			return done > 0 ? (ssize_t)done : -EINTR;
	}
}

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;
	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

static ssize_t send_buf(struct pd *d, const char *name, int fd, const void *buf, size_t len,
                        int flags)
{
	struct synq_stack *s = enter(d, name, fd);
	int sfd = sfd_of(d, s, fd);
	ssize_t r = sfd;
	if (sfd >= 0) {
		struct iovec one = { (void *)buf, len };
		struct send_op op = { .iov = &one, .iovcnt = 1, .flags = flags, .len = len };
		r = send_blocking(d, s, sfd, &op);
	}
	return (ssize_t)leave(d, r);
}

static ssize_t pd_write(void *ud, int fd, const void *buf, size_t count)
{
	return send_buf(ud, "write", fd, buf, count, 0);
}

static ssize_t pd_send(void *ud, int sockfd, const void *buf, size_t len, int flags)
{
	return send_buf(ud, "send", sockfd, buf, len, flags);
}

static ssize_t pd_sendto(void *ud, int sockfd, const void *buf, size_t len, int flags,
                         const struct sockaddr *dest_addr, socklen_t addrlen)
{
	/* A connected stream socket ignores the address (tcp_sendmsg()). */
	(void)dest_addr, (void)addrlen;
	return send_buf(ud, "sendto", sockfd, buf, len, flags);
}

static ssize_t pd_writev(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "writev", fd);
	int sfd = sfd_of(d, s, fd);
	ssize_t r = sfd;
	if (sfd >= 0 && (iovcnt < 0 || iovcnt > IOV_MAX))
		r = -EINVAL;
	else if (sfd >= 0 && iov == NULL && iovcnt > 0)
		r = -EFAULT;
	else if (sfd >= 0) {
		struct send_op op = { .iov = iov, .iovcnt = iovcnt, .len = iov_total(iov, iovcnt) };
		r = send_blocking(d, s, sfd, &op);
	}
	return (ssize_t)leave(d, r);
}

static ssize_t pd_sendmsg(void *ud, int sockfd, const struct msghdr *msg, int flags)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "sendmsg", sockfd);
	int sfd = sfd_of(d, s, sockfd);
	ssize_t r = sfd;
	if (sfd >= 0 && msg == NULL)
		r = -EFAULT;
	else if (sfd >= 0 && msg->msg_iovlen > IOV_MAX)
		r = -EMSGSIZE;
	else if (sfd >= 0 && msg->msg_iov == NULL && msg->msg_iovlen > 0)
		r = -EFAULT;
	else if (sfd >= 0) {
		struct send_op op = { .iov = msg->msg_iov, .iovcnt = (int)msg->msg_iovlen,
		                      .msg = msg, .flags = flags,
		                      .len = iov_total(msg->msg_iov, (int)msg->msg_iovlen) };
		r = send_blocking(d, s, sfd, &op);
	}
	return (ssize_t)leave(d, r);
}

/* ------------------------------------------------------ the other calls */

static bool fcntl_takes_int(int cmd)
{
	switch (cmd) {
	case F_SETFL:
	case F_SETFD:
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
	case F_SETOWN:
	case F_SETSIG:
	case F_SETLEASE:
	case F_NOTIFY:
	case F_SETPIPE_SZ:
		return true;
	default:
		return false;
	}
}

static int pd_fcntl(void *ud, int fd, int cmd, ...)
{
	struct pd *d = ud;
	long arg = 0;
	if (fcntl_takes_int(cmd)) {
		va_list ap;
		va_start(ap, cmd);
		arg = va_arg(ap, int);
		va_end(ap);
	}
	struct synq_stack *s = enter(d, "fcntl", fd);
	long long r = sfd_of(d, s, fd);
	if (r >= 0)
		r = synq_fcntl(s, (int)r, cmd, arg);
	return (int)leave(d, r);
}

static int pd_ioctl(void *ud, int fd, unsigned long request, ...)
{
	struct pd *d = ud;
	/* Every ioctl synq knows (SIOCINQ, SIOCOUTQ) takes an int *. */
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	struct synq_stack *s = enter(d, "ioctl", fd);
	long long r = sfd_of(d, s, fd);
	if (r >= 0 && !user_memory_ok(arg, sizeof(int), true))
		r = -EFAULT;
	else if (r >= 0)
		r = synq_ioctl(s, (int)r, request, arg);
	return (int)leave(d, r);
}

int pd_close_fd(struct pd *d, int fd)
{
	struct synq_stack *s = pd_stack(d);
	int sfd = sfd_of(d, s, fd);
	if (sfd < 0)
		return sfd;
	int r = synq_close(s, sfd);
	pd_fd_forget(d, fd);
	pd_real_close(fd);
	return r;
}

static int pd_close(void *ud, int fd)
{
	struct pd *d = ud;
	enter(d, "close", fd);
	return (int)leave(d, pd_close_fd(d, fd));
}

static int pd_shutdown(void *ud, int sockfd, int how)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "shutdown", sockfd);
	long long r = sfd_of(d, s, sockfd);
	if (r >= 0)
		r = synq_shutdown(s, (int)r, how);
	return (int)leave(d, r);
}

int pd_getsockopt_sfd(struct pd *d, int sfd, int level, int name, void *val, socklen_t *len)
{
	struct synq_stack *s = pd_stack(d);
	if (s == NULL)
		return -ENOMEM;
	if (len == NULL)
		return -EFAULT;
	if (level == IPPROTO_TCP && name == PD_TCP_CC_INFO) {
		/* Reno and CUBIC have no get_info: Linux answers 0 bytes. */
		if (synq_sock_events(s, sfd) < 0)
			return -EBADF;
		*len = 0;
		return 0;
	}
	socklen_t asked = *len;
	int r = synq_getsockopt(s, sfd, level, name, val, len);
	if (r == 0 && level == IPPROTO_TCP && name == SYNQ_TCP_INFO && val != NULL &&
	    asked > *len) {
		/* Linux 6.18's struct tcp_info ends with the AccECN counters
		 * (tcpi_received_ce ... tcpi_options2), which synq's lacks;
		 * without ECN they are zero. packetdrill asks for them. */
		socklen_t full = (socklen_t)(sizeof(struct synq_tcp_info) + PD_TCP_INFO_ECN_BYTES);
		socklen_t n = asked < full ? asked : full;
		if (n > *len) {
			memset((uint8_t *)val + *len, 0, (size_t)(n - *len));
			*len = n;
		}
	}
	return r;
}

static int pd_getsockopt(void *ud, int sockfd, int level, int optname, void *optval,
                         socklen_t *optlen)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "getsockopt", sockfd);
	long long r = sfd_of(d, s, sockfd);
	if (r >= 0 && (!user_memory_ok(optlen, sizeof *optlen, true) ||
	               !user_memory_ok(optval, *optlen < 512 ? *optlen : 512, true)))
		r = -EFAULT;
	else if (r >= 0)
		r = pd_getsockopt_sfd(d, (int)r, level, optname, optval, optlen);
	return (int)leave(d, r);
}

static int pd_setsockopt(void *ud, int sockfd, int level, int optname, const void *optval,
                         socklen_t optlen)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "setsockopt", sockfd);
	long long r = sfd_of(d, s, sockfd);
	if (r >= 0 && !user_memory_ok(optval, optlen, false))
		r = -EFAULT;
	else if (r >= 0)
		r = synq_setsockopt(s, (int)r, level, optname, optval, optlen);
	return (int)leave(d, r);
}

/* poll(): fds mapped to synq descriptors; an fd that is not ours reports
 * POLLNVAL, as one that is not open does. */
static int pd_poll(void *ud, struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "poll", (long long)nfds);
	if (s == NULL)
		return (int)leave(d, -ENOMEM);
	if (nfds > 0 && fds == NULL)
		return (int)leave(d, -EFAULT);
	if (nfds > 4096)
		return (int)leave(d, -EINVAL);
	struct pollfd *mine = calloc(nfds ? nfds : 1, sizeof *mine);
	if (mine == NULL)
		return (int)leave(d, -ENOMEM);
	for (nfds_t i = 0; i < nfds; i++) {
		mine[i] = fds[i];
		if (fds[i].fd >= 0) {
			int sfd = pd_fd_lookup(d, fds[i].fd);
			mine[i].fd = sfd >= 0 ? sfd : INT_MAX;
		}
	}
	long long r = synq_poll(s, mine, nfds);
	if (r == 0 && timeout != 0) {
		struct pd_waiter w = { .kind = PD_WAIT_POLL, .fds = mine, .nfds = nfds };
		if (timeout > 0)
			w.deadline_us = pd_now_us(d) + (long long)timeout * 1000;
		while (r == 0) {
			if (!pd_block(d, &w)) {
				r = -EINTR;
				break;
			}
			r = synq_poll(s, mine, nfds);
			if (w.deadline_us && pd_now_us(d) >= w.deadline_us)
				break;
		}
	}
	for (nfds_t i = 0; i < nfds && r >= 0; i++)
		fds[i].revents = mine[i].revents;
	free(mine);
	return (int)leave(d, r);
}

static int pd_epoll_create(void *ud, int size)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "epoll_create", size);
	long long r = s ? (size <= 0 ? -EINVAL : synq_epoll_create(s)) : -ENOMEM;
	if (r >= 0) {
		int fd = pd_fd_new(d, (int)r, PD_FD_EPOLL);
		if (fd < 0)
			synq_close(s, (int)r);
		r = fd;
	}
	return (int)leave(d, r);
}

static int pd_epoll_ctl(void *ud, int epfd, int op, int fd, struct epoll_event *event)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "epoll_ctl", epfd);
	int sep = sfd_of(d, s, epfd);
	int sfd = sfd_of(d, s, fd);
	long long r = sep < 0 ? sep : sfd;
	if (sep >= 0 && sfd >= 0) {
		struct synq_epoll_event ev = { 0 };
		if (event != NULL) {
			ev.events = event->events;
			ev.data = event->data.u64;
		}
		r = synq_epoll_ctl(s, sep, op, sfd, event ? &ev : NULL);
	}
	return (int)leave(d, r);
}

static int pd_epoll_wait(void *ud, int epfd, struct epoll_event *events, int maxevents,
                         int timeout)
{
	struct pd *d = ud;
	struct synq_stack *s = enter(d, "epoll_wait", epfd);
	int sep = sfd_of(d, s, epfd);
	if (sep < 0)
		return (int)leave(d, sep);
	if (maxevents <= 0 || maxevents > 65536)
		return (int)leave(d, -EINVAL);
	if (events == NULL)
		return (int)leave(d, -EFAULT);
	struct synq_epoll_event *got = calloc((size_t)maxevents, sizeof *got);
	if (got == NULL)
		return (int)leave(d, -ENOMEM);
	long long r = synq_epoll_wait(s, sep, got, maxevents);
	if (r == 0 && timeout != 0) {
		/* synq's epoll has no peek: retry after anything happens. */
		struct pd_waiter w = { .kind = PD_WAIT_ANY };
		if (timeout > 0)
			w.deadline_us = pd_now_us(d) + (long long)timeout * 1000;
		while (r == 0) {
			if (!pd_block(d, &w)) {
				r = -EINTR;
				break;
			}
			r = synq_epoll_wait(s, sep, got, maxevents);
			if (w.deadline_us && pd_now_us(d) >= w.deadline_us)
				break;
		}
	}
	for (long long i = 0; i < r; i++) {
		events[i].events = got[i].events;
		events[i].data.u64 = got[i].data;
	}
	free(got);
	return (int)leave(d, r);
}

void pd_calls_install(struct pd_interface *ifc)
{
	ifc->socket = pd_socket;
	ifc->bind = pd_bind;
	ifc->listen = pd_listen;
	ifc->accept = pd_accept;
	ifc->connect = pd_connect;
	ifc->read = pd_read;
	ifc->readv = pd_readv;
	ifc->recv = pd_recv;
	ifc->recvfrom = pd_recvfrom;
	ifc->recvmsg = pd_recvmsg;
	ifc->write = pd_write;
	ifc->writev = pd_writev;
	ifc->send = pd_send;
	ifc->sendto = pd_sendto;
	ifc->sendmsg = pd_sendmsg;
	ifc->fcntl = pd_fcntl;
	ifc->ioctl = pd_ioctl;
	ifc->close = pd_close;
	ifc->shutdown = pd_shutdown;
	ifc->getsockopt = pd_getsockopt;
	ifc->setsockopt = pd_setsockopt;
	ifc->poll = pd_poll;
	ifc->epoll_create = pd_epoll_create;
	ifc->epoll_ctl = pd_epoll_ctl;
	ifc->epoll_wait = pd_epoll_wait;
}
