/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_INSPECT_H
#define SYNQ_INSPECT_H

/* What `ss -lnt` and `nstat` show on Linux, for a synq stack.
 *
 * For a listener, ss shows Recv-Q = the accept queue's length (completed
 * connections not yet accept()ed, which can read backlog + 1) and Send-Q =
 * the backlog after the somaxconn clamp; neither is the SYN queue, which
 * Linux exports nowhere per listener (count SYN-RECV sockets instead).
 * synq reports that count too. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct synq_stack;

struct synq_listener_info {
	uint32_t addr;        /* 0 = any */
	uint16_t port;
	uint32_t accept_len;  /* Recv-Q */
	uint32_t backlog;     /* Send-Q */
	uint32_t syn_recv;    /* requests in SYN_RECV */
	uint64_t drops;       /* SYNs this listener dropped (sk_drops) */
};

/* Fill up to max entries; returns how many listeners there are. */
size_t synq_listeners(const struct synq_stack *s, struct synq_listener_info *out, size_t max);

/* The first listener's SYN-RECV count and accept queue length, what
 * synq_listeners() reports first, without filling a whole entry: for
 * callers that look after every event. Returns false when there is no
 * listener (both left as they are). */
bool synq_listener_queues(const struct synq_stack *s, uint32_t *syn_recv, uint32_t *accept_len);

/* `ss -lnt` text: a header line, then one line per listener:
 *   State  Recv-Q Send-Q Local Address:Port  Peer Address:Port  SYN-RECV
 * Returns the length needed, like snprintf. */
size_t synq_ss_format(const struct synq_stack *s, char *buf, size_t cap);

/* `nstat -az` text of the stack's counters (see mib.h). */
size_t synq_nstat_format(const struct synq_stack *s, char *buf, size_t cap);

#endif
