/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_BACKLOG_H
#define SYNQ_TCP_BACKLOG_H

/* What the backlog argument of listen() means, per personality: how many
 * connections a listener lets complete before it ignores further SYNs, and
 * Linux's clamp of the argument to net.core.somaxconn. Pure functions; the
 * rules and their sources are in backlog.c. */

#include <stdbool.h>
#include <stdint.h>

#include "synq/config.h"

/* The queues a backlog rule looks at, for one listener. */
struct backlog_queues {
	uint32_t backlog;    /* listen()'s argument, clamped */
	uint32_t accepted;   /* completed, waiting for accept() */
	uint32_t requests;   /* half-open (SYN_RECV) */
	uint32_t young;      /* of those, never timed out */
};

enum backlog_verdict {
	BACKLOG_TAKE,        /* answer the SYN */
	BACKLOG_DROP,        /* ignore it: the client retransmits */
	BACKLOG_RESET,       /* refuse it with a reset (Windows) */
};

/* A SYN arrives at a listener with these queues. */
enum backlog_verdict backlog_on_syn(enum synq_personality personality,
                                    const struct backlog_queues *q);
/* A handshake completes: true if the new connection may not join the
 * accept queue. */
bool backlog_child_refused(enum synq_personality personality, const struct backlog_queues *q);

/* HP-UX 11.11 and Solaris 2.9: no published mechanism; their counts are
 * UNP Table 4.6's measurements (backlog 0..14), extended past the table by
 * the closed form that fits it. */
bool backlog_is_measured(enum synq_personality personality);
uint32_t backlog_measured_limit(enum synq_personality personality, uint32_t backlog);

/* listen()'s clamp (Linux __sys_listen_socket()): a backlog above
 * somaxconn, compared as unsigned, becomes somaxconn, so a negative backlog
 * also becomes somaxconn; 0 stays 0. somaxconn must be >= 0 (the sysctl's
 * range). The result is what Linux stores in sk_max_ack_backlog and ss
 * shows as Send-Q. */
uint32_t backlog_clamp(int backlog, int somaxconn);

#endif
