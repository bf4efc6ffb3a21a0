/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_UPCALL_H
#define SYNQ_TCP_UPCALL_H

/* How readiness leaves the TCP core. The core knows no descriptors: each
 * connection and listener carries an opaque owner token that whoever
 * holds it (the socket layer, a test, a driver) gave it, and the core
 * reports what may have changed through four hooks that the owner's layer
 * installs, as Linux's sk_data_ready, sk_write_space, sk_state_change and
 * sk_error_report callbacks do. A hook may be NULL; a token of
 * TCP_NO_OWNER is never reported. */

#include <stdint.h>

struct synq_stack;

#define TCP_NO_OWNER UINT32_MAX

enum tcp_event {
	TCP_EV_DATA_READY,      /* bytes or a FIN to read; a child to accept */
	TCP_EV_WRITE_SPACE,     /* send-buffer room freed */
	TCP_EV_STATE_CHANGE,    /* the TCP state or the shutdown bits moved */
	TCP_EV_ERROR_REPORT,    /* an error is pending (reset, timeout) */
	TCP_EV__COUNT
};

typedef void tcp_upcall_fn(void *ctx, uint32_t owner);

struct tcp_upcalls {
	tcp_upcall_fn *data_ready;
	tcp_upcall_fn *write_space;
	tcp_upcall_fn *state_change;
	tcp_upcall_fn *error_report;
};

/* Install the hooks (copied) and the context they are called with. */
void tcp_set_upcalls(struct synq_stack *s, const struct tcp_upcalls *up, void *ctx);
/* The context given to tcp_set_upcalls(), NULL before. */
void *tcp_upcall_ctx(const struct synq_stack *s);
/* Report ev to owner (nothing for TCP_NO_OWNER). */
void tcp_upcall(struct synq_stack *s, uint32_t owner, enum tcp_event ev);

#endif
