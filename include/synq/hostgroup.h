/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_HOSTGROUP_H
#define SYNQ_HOSTGROUP_H

/* Many simulated hosts behind one simulator node: a population of clients
 * on a shared access link, like machines behind one switch port.
 *
 * Host i of a group has its own synq stack and the IPv4 address
 * first_addr + i. The group's node receives every datagram sent to the
 * group's range and hands it to the stack it is addressed to (a datagram
 * for an address outside the range is dropped and counted as
 * IP_OTHER_HOST); everything the stacks send leaves through the node, so
 * the group needs one link, however many hosts it has. A node has at most
 * SIM_NODE_IFACES_MAX links, which is why a thousand browsers are one
 * group and not a thousand nodes.
 *
 * Time. Each stack has its own next deadline; the group keeps them in a
 * heap and arms the node's single timer for the earliest. When it fires,
 * every stack that is due is advanced, in address order among equal
 * deadlines, so a run is reproducible.
 *
 * The application hook runs after every event on a stack (a datagram in,
 * timers fired), with that host's index, as sim_host's does. Code that
 * acts on a stack from an event of its own brackets the socket calls with
 * sim_hostgroup_enter() and sim_hostgroup_leave(). */

#include <stdint.h>

#include "synq/config.h"
#include "synq/sim.h"
#include "synq/stack.h"

struct sim_hostgroup;

typedef void (*sim_hostgroup_app_fn)(void *app, struct sim_hostgroup *group,
                                     uint32_t host, struct synq_stack *stack);

/* A hint that host's stack is about to take a datagram (and the
 * application hook to run after it): the application may ask for the
 * state its hook will read, which hundreds of hosts taking turns leave
 * cold, while the stack works. */
typedef void (*sim_hostgroup_warm_fn)(void *app, uint32_t host);

#define SIM_HOSTGROUP_HOSTS_MAX (1u << 20)

struct sim_hostgroup_config {
	const char *name;
	uint32_t first_addr;             /* host order; host i is first_addr + i */
	uint32_t count;                  /* 1 .. SIM_HOSTGROUP_HOSTS_MAX */
	const struct synq_config *stack; /* every host's settings; NULL: defaults */
	uint64_t seed;                   /* host i's stack seed derives from it */
	sim_hostgroup_app_fn app;        /* may be NULL */
	sim_hostgroup_warm_fn warm;      /* may be NULL */
	void *app_ctx;
};

/* 0; -EINVAL (count 0 or too large, range wraps), -ENOSPC, -ENOMEM, or a
 * stack's creation error. */
int sim_hostgroup_add(struct sim *sim, const struct sim_hostgroup_config *cfg,
                      struct sim_hostgroup **out);
/* After sim_destroy(). NULL is a no-op. */
void sim_hostgroup_free(struct sim_hostgroup *group);

struct sim_node *sim_hostgroup_node(struct sim_hostgroup *group);
uint32_t sim_hostgroup_count(const struct sim_hostgroup *group);
uint32_t sim_hostgroup_addr(const struct sim_hostgroup *group, uint32_t host);
struct synq_stack *sim_hostgroup_stack(struct sim_hostgroup *group, uint32_t host);
void *sim_hostgroup_app_ctx(struct sim_hostgroup *group);
/* Datagrams that arrived for an address outside the group. */
uint64_t sim_hostgroup_strays(const struct sim_hostgroup *group);

/* Bring host's stack to the simulator's clock and return it; leave re-arms
 * the timers for whatever the calls changed. Pairs nest. */
struct synq_stack *sim_hostgroup_enter(struct sim_hostgroup *group, uint32_t host);
void sim_hostgroup_leave(struct sim_hostgroup *group, uint32_t host);

#endif
