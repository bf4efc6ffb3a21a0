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
	uint64_t overflow;              /* listeners that did not fit */
	uint64_t listen_total;          /* LISTEN sockets seen (the kernel may
	                                 * already have applied --port) */
	/* Sockets counted against the listeners in the table (an SO_REUSEPORT
	 * group's once): what `ss -tan state syn-recv` and `state established`
	 * list on those listeners' addresses and ports. */
	uint64_t syn_recv_total;
	uint64_t established_total;
	/* private: hash of endpoint -> first listener, hash of inode */
	uint32_t *group;                /* cap: index of the group's first member */
	uint32_t *ep_next;              /* cap */
	uint32_t *ino_next;             /* cap */
	uint32_t *ep_bucket;            /* nbuckets */
	uint32_t *ino_bucket;           /* nbuckets */
	size_t nbuckets;                /* a power of two, >= 2 * cap */
	/* By port: the first listener, and how many distinct endpoints
	 * (address, family) listen on it; one is the common case and is
	 * matched without hashing. */
	uint32_t *port_first;           /* 65536 */
	uint16_t *port_endpoints;       /* 65536 */
};

/* An inclusive range of local ports, for the kernel-side filter. */
struct watch_port_range {
	uint16_t lo, hi;
};

/* Allocate a table for up to cap listeners (cap >= 1). 0 or -ENOMEM. */
int watch_listeners_init(struct watch_listeners *t, size_t cap);
void watch_listeners_free(struct watch_listeners *t);

/* Empty the table for a new refresh; keeps port_filter and capacity. */
void watch_listeners_reset(struct watch_listeners *t);

/* Add one LISTEN socket. 0, 1 when filtered out by port, -ENOSPC when the
 * table is full (counted in overflow). */
int watch_listeners_add(struct watch_listeners *t, const struct watch_sock *s);

/* Count one SYN-RECV or ESTABLISHED socket against its listener (and in
 * the totals); other states and sockets without a listener are ignored. */
void watch_listeners_match(struct watch_listeners *t, const struct watch_sock *s);

/* Give every member of an SO_REUSEPORT group the group's counts. */
void watch_listeners_finish(struct watch_listeners *t);

/* The listener with this inode, or NULL. */
struct watch_listener *watch_listeners_by_inode(const struct watch_listeners *t,
                                                uint32_t inode);

/* Copy what a previous refresh learnt about a socket that is still here
 * (defer_accept_s, pid, comm), matched by inode. With established, also
 * its established count (for a refresh that did not count them); the
 * others then read WATCH_COUNT_UNKNOWN, and the total is the previous one. */
void watch_listeners_carry(struct watch_listeners *t, const struct watch_listeners *prev,
                           bool established);

/* Cover every listener's port with at most max ranges (max >= 1),
 * merging the closest neighbours first; ascending. Returns the number
 * written (0 for an empty table). Sockets outside them belong to no
 * listener here, so the kernel need not send them. */
size_t watch_listeners_port_ranges(const struct watch_listeners *t,
                                   struct watch_port_range *out, size_t max);

/* How many listeners still have defer_accept_s == WATCH_DEFER_UNKNOWN. */
size_t watch_listeners_unknown_defer(const struct watch_listeners *t);

#endif
