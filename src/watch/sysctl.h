/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_SYSCTL_H
#define SYNQ_WATCH_SYSCTL_H

/* The sysctls that bound the listen path, all per network namespace:
 *   net.core.somaxconn            clamps listen()'s backlog, read at
 *                                 listen() time (__sys_listen_socket())
 *   net.ipv4.tcp_max_syn_backlog  with tcp_syncookies = 0 only: SYNs from
 *                                 unproven peers are dropped once a queue
 *                                 holds more than 3/4 of it
 *   net.ipv4.tcp_syncookies       0 off, 1 on overflow, 2 always
 *   net.ipv4.tcp_synack_retries   SYN-ACK resends before a request expires
 *   net.ipv4.tcp_abort_on_overflow  1: RST the client whose final ACK
 *                                 meets a full accept queue
 *   net.ipv4.tcp_max_tw_buckets   TIME-WAIT sockets before closes skip it */

#include <stddef.h>
#include <stdint.h>

#define WATCH_SYSCTLS(X)                                          \
	X(SOMAXCONN, "net.core.somaxconn")                        \
	X(TCP_MAX_SYN_BACKLOG, "net.ipv4.tcp_max_syn_backlog")    \
	X(TCP_SYNCOOKIES, "net.ipv4.tcp_syncookies")              \
	X(TCP_SYNACK_RETRIES, "net.ipv4.tcp_synack_retries")      \
	X(TCP_ABORT_ON_OVERFLOW, "net.ipv4.tcp_abort_on_overflow") \
	X(TCP_MAX_TW_BUCKETS, "net.ipv4.tcp_max_tw_buckets")

enum watch_sysctl_id {
#define WATCH_SYSCTL_ENUM(id, name) WATCH_SYSCTL_##id,
	WATCH_SYSCTLS(WATCH_SYSCTL_ENUM)
#undef WATCH_SYSCTL_ENUM
	WATCH_SYSCTL__COUNT
};

struct watch_sysctls {
	int64_t value[WATCH_SYSCTL__COUNT];
	uint32_t present; /* bit (1 << id): read */
};

/* "net.core.somaxconn"; NULL for a bad id. */
const char *watch_sysctl_name(enum watch_sysctl_id id);
/* The /proc/sys path: "/proc/sys/net/core/somaxconn" into buf. 0 or -ENAMETOOLONG. */
int watch_sysctl_path(enum watch_sysctl_id id, char *buf, size_t cap);
/* Parse a sysctl file's text: one integer and a newline. 0 or -EINVAL. */
int watch_sysctl_parse(const char *text, size_t len, int64_t *out);

/* The value, or fallback when it could not be read. */
int64_t watch_sysctl_get(const struct watch_sysctls *s, enum watch_sysctl_id id,
                         int64_t fallback);

#endif
