/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_TCP_STATES_H
#define SYNQ_WATCH_TCP_STATES_H

/* The kernel's TCP state numbers as inet_diag reports them (enum in
 * include/net/tcp_states.h, not exported to userspace as a whole) and the
 * bit masks for inet_diag_req_v2.idiag_states. inet_diag_dump_icsk() adds
 * TCP_NEW_SYN_RECV by itself when TCP_SYN_RECV is asked for, and reports
 * request sockets as TCP_SYN_RECV (inet_diag_fill_req()). */

enum {
	WATCH_TCP_ESTABLISHED = 1,
	WATCH_TCP_SYN_RECV = 3,
	WATCH_TCP_TIME_WAIT = 6,
	WATCH_TCP_LISTEN = 10,
	WATCH_TCP_NEW_SYN_RECV = 12,
};

#define WATCH_TCPF(state) (1u << (state))

#endif
