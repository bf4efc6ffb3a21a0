/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_CLOCK_H
#define SYNQ_TCP_CLOCK_H

/* What the stack object gives the TCP files (stack.c): the way out for a
 * datagram, the clocks connections stamp with, and random numbers. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synq/time.h"

struct synq_stack;
struct tcp_conn;

void tcp_output_datagram(struct synq_stack *s, const uint8_t *pkt, size_t len);
uint32_t tcp_ts_now(const struct synq_stack *s);     /* ms clock for TSval */
uint32_t tcp_ts_seconds(const struct synq_stack *s);
/* 32-bit clocks for connection stamps: compare them by difference. */
uint32_t tcp_ms_stamp(const struct synq_stack *s);
uint32_t tcp_us_stamp(const struct synq_stack *s);
uint64_t tcp_random(struct synq_stack *s);

#endif
