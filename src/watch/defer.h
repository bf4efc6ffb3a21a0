/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_DEFER_H
#define SYNQ_WATCH_DEFER_H

/* TCP_DEFER_ACCEPT and the owning process of each listener.
 *
 * inet_diag does not export TCP_DEFER_ACCEPT (rskq_defer_accept), so it is
 * read the only way the kernel offers: getsockopt() on the socket itself.
 * The socket is found by its inode among the links in /proc/PID/fd
 * ("socket:[INODE]", as `ss -p` finds owners), borrowed with pidfd_open()
 * and pidfd_getfd() (Linux 5.6+; needs ptrace rights over the owner, so
 * root or the same user without Yama restrictions), read, and closed at
 * once. The value comes back in seconds rounded up to a whole number of
 * SYN-ACK retransmissions (retrans_to_secs() in do_tcp_getsockopt()).
 *
 * Only listeners still marked WATCH_DEFER_UNKNOWN are looked for; one
 * found gets defer_accept_s, pid and comm; one not found, or whose owner
 * refuses, becomes WATCH_DEFER_UNREADABLE. The scan is bounded in the
 * number of fd links it reads. */

#include "watch/listeners.h"

/* Returns the number of listeners resolved. */
size_t watch_defer_lookup(struct watch_listeners *t);

/* "socket:[12345]" -> 12345. 0 on success, -EINVAL otherwise. Pure. */
int watch_defer_parse_link(const char *link, size_t len, uint32_t *inode);

#endif
