/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_INPUT_H
#define SYNQ_TCP_INPUT_H

/* Where a parsed segment enters TCP (input.c). */

#include "ip/tcp_wire.h"

struct synq_stack;
struct tcp_conn;

void tcp_input(struct synq_stack *s, const struct tcp_segment *seg);
void tcp_conn_input(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg);

#endif
