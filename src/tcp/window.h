/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_WINDOW_H
#define SYNQ_TCP_WINDOW_H

/* The receive window: what we offer on a connection, what a new
 * connection or a request starts with, and the window-scale shift
 * (window.c). */

#include <stdint.h>

#include "tcp/sockopts.h"

struct synq_stack;
struct tcp_conn;
struct tcp_listener;
struct tcp_request;

uint32_t tcp_select_window(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_choose_window(struct synq_stack *s, struct tcp_conn *c);
/* The MSS option we advertise: the route's, or the user's TCP_MAXSEG. */
uint16_t tcp_advertised_mss(const struct synq_stack *s, uint16_t user_mss);
/* Shift, window and clamp of an active open (or a simultaneous one). */
void tcp_init_receive_window(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_request_rcv_wnd(struct synq_stack *s, const struct tcp_request *r,
                             const struct tcp_listener *l);
uint8_t tcp_listener_wscale(const struct synq_stack *s, const struct tcp_listener *l);
uint32_t tcp_initial_window_clamp(const struct tcp_sockopts *o, uint8_t wscale);

/* What a SYN-ACK's unscaled window field offers of a request's window,
 * and what the request accepts until it becomes a connection (Linux's
 * tcp_synack_window()). */
static inline uint32_t tcp_synack_window(uint32_t rcv_wnd)
{
	return rcv_wnd < 0xffff ? rcv_wnd : 0xffff;
}

#endif
