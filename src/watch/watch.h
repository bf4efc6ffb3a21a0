/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_H
#define SYNQ_WATCH_H

/* synq watch: a live view of a real host's listen queues.
 *
 * What an operator wants at 3 a.m. is one screen that says, for every
 * listening socket, how full its two queues are and which counters say
 * connections are being lost, and then why and which knob to turn. The
 * kernel already exports every figure; this module only gathers them at
 * one moment and reads them the way the listen path works.
 *
 * Where each figure comes from (Linux 6.x):
 *   - Listening sockets, through inet_diag netlink (what `ss -ltn` reads).
 *     For a LISTEN socket tcp_diag_get_info() puts sk_ack_backlog (the
 *     accept queue's length) in idiag_rqueue and sk_max_ack_backlog (the
 *     backlog after the somaxconn clamp) in idiag_wqueue. sk_acceptq_is_full()
 *     is "length > limit", so a full queue reads limit + 1.
 *   - Half-open connections: request sockets (TCP_NEW_SYN_RECV) are
 *     dumped by inet_diag as state SYN_RECV (inet_diag_fill_req()); no
 *     per-listener SYN-queue length is exported, so they are counted by
 *     local address and port, which is what `ss -tan state syn-recv` shows.
 *     The request queue is full when that count exceeds the backlog
 *     (inet_csk_reqsk_queue_is_full(), qlen > sk_max_ack_backlog since 6.13).
 *   - Counters: /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp), per
 *     network namespace, named as nstat names them (group + field).
 *   - Sysctls: /proc/sys/net/..., per network namespace.
 *   - TCP_DEFER_ACCEPT is not in inet_diag; where the owning process can be
 *     found and pidfd_getfd() is allowed, getsockopt() reads it.
 *
 * The pure parts (netlink replies, /proc text, deltas, diagnosis, output
 * formats) take captured bytes and caller-owned tables; the I/O parts
 * (sample.c, defer.c, netns.c, http.c) feed them. Every table has a fixed
 * capacity chosen at setup and counts what did not fit. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A local endpoint: family is AF_INET or AF_INET6; addr holds 4 or 16
 * bytes in network order; port in host order. */
struct watch_endpoint {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
};

/* One socket from an inet_diag reply, as the listen-path view needs it.
 * state is the kernel's TCP state number (TCP_LISTEN = 10, TCP_SYN_RECV =
 * 3, TCP_ESTABLISHED = 1); rqueue/wqueue are idiag_rqueue/idiag_wqueue. */
struct watch_sock {
	struct watch_endpoint local;
	uint8_t state;
	uint32_t rqueue;
	uint32_t wqueue;
	uint32_t uid;
	uint32_t inode;
};

#define WATCH_COUNT_UNKNOWN UINT32_MAX

/* TCP_DEFER_ACCEPT as read back, in seconds (the kernel rounds it up to a
 * whole number of SYN-ACK retransmissions, retrans_to_secs()). */
enum {
	WATCH_DEFER_UNKNOWN = -1,    /* not looked up yet */
	WATCH_DEFER_UNREADABLE = -2, /* owner not found or not allowed */
};

struct watch_listener {
	struct watch_endpoint local;
	uint32_t inode;              /* idiag_inode, unique per socket */
	uint32_t uid;                /* idiag_uid */
	uint32_t accept_queue;       /* idiag_rqueue = sk_ack_backlog */
	uint32_t accept_queue_limit; /* idiag_wqueue = sk_max_ack_backlog */
	/* Sockets whose local address and port are this listener's. With
	 * SO_REUSEPORT several listeners share one address and port and the
	 * kernel does not say which member a request belongs to: each member
	 * then reports the group's counts and `sharing` says how many share. */
	uint32_t syn_recv;           /* request sockets (SYN-RECV) */
	uint32_t established;        /* ESTABLISHED, queued or accepted, as of
	                              * the last count (WATCH_COUNT_UNKNOWN: not
	                              * counted since this listener appeared) */
	uint32_t sharing;            /* listeners on this address and port, >= 1 */
	int32_t defer_accept_s;      /* >= 0, or WATCH_DEFER_* */
	int32_t pid;                 /* owning process, 0 when unknown */
	char comm[16];               /* its name, "" when unknown */
};

#endif
