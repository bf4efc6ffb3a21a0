/* SPDX-License-Identifier: BSD-2-Clause */
/* Socket options and ioctls: the descriptor names a connection or a
 * listener, and TCP, which keeps the options, sets and reads them
 * (tcp_setsockopt(), tcp_getsockopt(), tcp_ioctl()). */
#include <errno.h>
#include <string.h>

#include "sock/sock_internal.h"

int synq_setsockopt(struct synq_stack *s, int fd, int level, int name, const void *val,
                    socklen_t len)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	return tcp_setsockopt(s, sock_conn(s, e), sock_listener(s, e), level, name, val, len);
}

int synq_getsockopt(struct synq_stack *s, int fd, int level, int name, void *val,
                    socklen_t *len)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	return tcp_getsockopt(s, sock_conn(s, e), sock_listener(s, e), level, name, val, len);
}

int synq_ioctl(struct synq_stack *s, int fd, unsigned long request, void *arg)
{
	struct sock_entry *e = sock_lookup(s, fd);
	if (e == NULL)
		return -EBADF;
	if (arg == NULL)
		return -EFAULT;
	int v;
	int err = tcp_ioctl(sock_conn(s, e), request, &v);
	if (err)
		return err;
	memcpy(arg, &v, sizeof v);
	return 0;
}
