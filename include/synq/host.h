/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_HOST_H
#define SYNQ_HOST_H

/* A simulated host: a synq stack inside a simulator node.
 *
 * The host feeds arriving datagrams to its stack, fires the stack's timers
 * on the virtual clock and sends what the stack transmits. After every
 * such event it calls the application hook, where the application looks
 * at its sockets (non-blocking, with synq_epoll_wait() or synq_poll()) and
 * acts. Code that uses the sockets at other times (from a sim event of its
 * own) brackets its calls with sim_host_enter() and sim_host_leave(). */

#include "synq/config.h"
#include "synq/sim.h"
#include "synq/stack.h"

struct sim_host;

typedef void (*sim_host_app_fn)(void *app, struct sim_host *host);

struct sim_host_config {
	const char *name;
	uint32_t addr;                   /* host order */
	const struct synq_config *stack; /* NULL: Linux defaults */
	uint64_t seed;                   /* for the stack's own randomness */
	sim_host_app_fn app;             /* may be NULL */
	void *app_ctx;
	/* Optional: the stack's kernel log lines ("Possible SYN flooding"). */
	void (*log)(void *app, struct sim_host *host, const char *line);
};

int sim_host_add(struct sim *sim, const struct sim_host_config *cfg, struct sim_host **out);
/* After sim_destroy(). */
void sim_host_free(struct sim_host *host);

struct synq_stack *sim_host_stack(struct sim_host *host);
struct sim_node *sim_host_node(struct sim_host *host);
void *sim_host_app_ctx(struct sim_host *host);

/* Bring the stack's clock to the simulator's and return the stack. */
struct synq_stack *sim_host_enter(struct sim_host *host);
/* Re-arm the node's timer for whatever the calls changed. */
void sim_host_leave(struct sim_host *host);

#endif
