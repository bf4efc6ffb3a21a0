/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_CORE_H
#define SYNQ_TCP_CORE_H

/* The TCP core as a whole, for whoever composes a stack from it: made,
 * measured and freed here; its connections are driven through user.h and
 * its readiness leaves through upcall.h. It knows nothing above it. */

#include <stdbool.h>
#include <stdint.h>

#include "synq/stack.h"
#include "tcp/upcall.h"

/* The same contract as synq_stack_new_in(), without a socket layer;
 * slabs may be NULL (tables of its own). */
int tcp_stack_create(struct synq_stack **out, struct synq_slabs *slabs,
                     const struct synq_config *cfg, uint32_t addr, uint64_t seed,
                     const struct synq_stack_io *io);
void tcp_stack_destroy(struct synq_stack *s);
/* Back to the state tcp_stack_create() left: no object, the created
 * settings, time 0, the same secrets from the same seed. 0, or -EINVAL
 * for a stack in shared slabs (nothing changed). */
int tcp_stack_reset(struct synq_stack *s);
/* s's connections, TIME-WAITs and buffers from the slabs (slabs.c), with
 * the capacities of its settings: 0 or -ENOSPC. */
int tcp_slabs_lend(struct synq_slabs *slabs, struct synq_stack *s);
/* True when s takes its objects from shared slabs. */
bool tcp_stack_in_slabs(const struct synq_stack *s);
/* A copy of the core's state (snapshot.c), to put back into the same
 * stack later: 0, -ENOMEM, or -EINVAL for a stack in shared slabs. */
struct tcp_snapshot;
int tcp_snapshot_take(const struct synq_stack *s, struct tcp_snapshot **out);
void tcp_snapshot_restore(struct synq_stack *s, const struct tcp_snapshot *t);
void tcp_snapshot_free(struct tcp_snapshot *t);
/* Every table but the descriptors'. */
void tcp_stack_usage(const struct synq_stack *s, struct synq_stack_usage *u);
void tcp_object_sizes(struct synq_object_sizes *z);

#endif
