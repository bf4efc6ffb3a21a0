/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_NETNS_H
#define SYNQ_WATCH_NETNS_H

/* Join a network namespace by name, as `ip netns exec NAME` does: open
 * /run/netns/NAME (a bind mount of the namespace file made by
 * `ip netns add`) and setns(fd, CLONE_NEWNET). A name holding '/' is taken
 * as a path (/proc/PID/ns/net works too). Needs CAP_SYS_ADMIN. Sockets
 * opened afterwards, /proc/net and /proc/sys/net belong to the new
 * namespace; sockets opened before stay where they were. */

#include <stddef.h>

/* 0, or -errno with a one-line reason in err. */
int watch_netns_enter(const char *name, char *err, size_t cap);

#endif
