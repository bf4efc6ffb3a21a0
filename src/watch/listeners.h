/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_LISTENERS_H
#define SYNQ_WATCH_LISTENERS_H

/* The listener table of one refresh: every LISTEN socket of the namespace
 * (or of one port), and the half-open and established sockets counted
 * against the listener they belong to.
 *
 * A connection belongs to the listener with the same local address and
 * port, else to the wildcard listener (0.0.0.0 or ::) on that port, else,
 * for IPv4, to a dual-stack :: listener on that port: the order in which
 * the kernel's __inet_lookup_listener() scores them (an exact address
 * beats a wildcard). A v4 SYN taken by a dual-stack listener makes an
 * AF_INET request socket but an AF_INET6 child (v4-mapped), so both paths
 * exist.
 *
 * Feed it listeners first (watch_listeners_add), then the other sockets
 * (watch_listeners_match), then call watch_listeners_finish(). The table is
 * allocated once with a fixed capacity; listeners beyond it are counted in
 * `overflow` and otherwise ignored. Nothing is allocated per refresh. */

#include "watch/watch.h"

struct watch_listeners {
	struct watch_listener *v;
	size_t n;
	size_t cap;
	uint16_t port_filter;           /* 0: all ports */
	/* Totals over the whole dump, before the port filter. */
	uint64_t overflow;              /* listeners that did not fit */
	uint64_t listen_total;          /* LISTEN sockets seen */
	uint64_t syn_recv_total;        /* SYN-RECV sockets seen */
	uint64_t established_total;     /* ESTABLISHED sockets seen */
	/* private: hash of endpoint -> first listener, hash of inode */
	uint32_t *group;                /* cap: index of the group's first member */
	uint32_t *ep_next;              /* cap */
	uint32_t *ino_next;             /* cap */
	uint32_t *ep_bucket;            /* nbuckets */
	uint32_t *ino_bucket;           /* nbuckets */
	size_t nbuckets;                /* a power of two, >= 2 * cap */
};

/* Allocate a table for up to cap listeners (cap >= 1). 0 or -ENOMEM. */
int watch_listeners_init(struct watch_listeners *t, size_t cap);
void watch_listeners_free(struct watch_listeners *t);

/* Empty the table for a new refresh; keeps port_filter and capacity. */
void watch_listeners_reset(struct watch_listeners *t);

/* Add one LISTEN socket. 0, 1 when filtered out by port, -ENOSPC when the
 * table is full (counted in overflow). */
int watch_listeners_add(struct watch_listeners *t, const struct watch_sock *s);

/* Count one SYN-RECV or ESTABLISHED socket against its listener; other
 * states and sockets without a listener only add to the totals. */
void watch_listeners_match(struct watch_listeners *t, const struct watch_sock *s);

/* Give every member of an SO_REUSEPORT group the group's counts. */
void watch_listeners_finish(struct watch_listeners *t);

/* The listener with this inode, or NULL. */
struct watch_listener *watch_listeners_by_inode(const struct watch_listeners *t,
                                                uint32_t inode);

/* Copy what a previous refresh learnt about a socket that is still here
 * (defer_accept_s, pid, comm), matched by inode. */
void watch_listeners_carry(struct watch_listeners *t,
                           const struct watch_listeners *prev);

/* How many listeners still have defer_accept_s == WATCH_DEFER_UNKNOWN. */
size_t watch_listeners_unknown_defer(const struct watch_listeners *t);

#endif
