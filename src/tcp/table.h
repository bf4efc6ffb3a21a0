/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_TABLE_H
#define SYNQ_TCP_TABLE_H

/* The 4-tuple hash over requests, connections and TIME-WAITs, the
 * listeners by address and port, and port reservation (table.c). */

#include "tcp/base.h"

struct synq_stack;
struct tcp_listener;

/* Buckets a stack's table starts with. */
#define TABLE_BUCKETS_MIN 64u

uint32_t tcp_table_lookup(const struct synq_stack *s, const struct tcp_tuple *t);
void tcp_table_insert(struct synq_stack *s, uint32_t handle);
void tcp_table_remove(struct synq_stack *s, uint32_t handle);
/* The same with the tuple's hash given (tcp_table_hash(), the stack's
 * keyed hash; the table masks it): a segment's tuple is hashed once for
 * its lookup and that hash serves the request or connection it makes or
 * ends. */
uint32_t tcp_table_hash(const struct synq_stack *s, const struct tcp_tuple *t);
uint32_t tcp_table_lookup_at(const struct synq_stack *s, const struct tcp_tuple *t,
                             uint32_t hash);
void tcp_table_insert_at(struct synq_stack *s, uint32_t handle, uint32_t hash);
void tcp_table_remove_at(struct synq_stack *s, uint32_t handle, uint32_t hash);
/* Puts back buckets saved when the table had `count` of them (a
 * snapshot), the objects' chain links being restored already. */
void tcp_table_restore(struct synq_stack *s, const uint32_t *saved, uint32_t count);
struct tcp_listener *tcp_listener_lookup(struct synq_stack *s, uint32_t addr, uint16_t port);
uint16_t tcp_port_pick(struct synq_stack *s, const struct tcp_tuple *t, bool reuse,
                       bool whole_tuple);
bool tcp_port_in_use(struct synq_stack *s, uint32_t addr, uint16_t port, bool reuse);
void tcp_port_ref(struct synq_stack *s, uint16_t port);
void tcp_port_unref(struct synq_stack *s, uint16_t port);

#endif
