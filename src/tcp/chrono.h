/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_CHRONO_H
#define SYNQ_TCP_CHRONO_H

/* The send side's chronographs (chrono.c). */

#include <stdint.h>

#include "tcp/conn.h"

void tcp_chrono_start(struct synq_stack *s, struct tcp_conn *c, enum tcp_chrono type);
void tcp_chrono_stop(struct synq_stack *s, struct tcp_conn *c, enum tcp_chrono type);
/* Microseconds: busy (all kinds together), window-limited, buffer-limited. */
void tcp_chrono_stats(const struct synq_stack *s, const struct tcp_conn *c,
                      uint64_t *busy_us, uint64_t *rwnd_us, uint64_t *sndbuf_us);
/* Linux's tcp_check_space(): after an ACK's sending, a writer that found
 * the buffer full is told of room, and the buffer-limited clock stops. */
void tcp_check_space(struct synq_stack *s, struct tcp_conn *c);

#endif
