/* SPDX-License-Identifier: BSD-2-Clause */
/* The receive window: how much of the receive buffer we offer and how it
 * grows or shrinks as the application reads (Linux's __tcp_select_window()
 * and tcp_select_window()); the window, clamp and scale shift a new
 * connection or a request starts with (tcp_select_initial_window(),
 * tcp_openreq_init_rwin()). Both the listen path and the connection's
 * output come here, so a SYN's path does not pass through output.c to
 * learn its window. */
#include "tcp/stack_internal.h"

/* ------------------------------------------------- an open connection */

/* A listener's or a request's tcp_win_from_space(): no data has set a
 * ratio yet. */
static uint32_t win_from_space(uint32_t space)
{
	return (uint32_t)tcp_win_from_space_at(TCP_DEFAULT_SCALING_RATIO, space);
}

/* The window the buffer is worth within the clamp. */
static uint32_t full_space(const struct tcp_conn *c)
{
	uint32_t space = tcp_full_space(c);
	return space < c->window_clamp || c->window_clamp == 0 ? space : c->window_clamp;
}

/* Linux's __tcp_select_window(): the window we would offer now. */
uint32_t tcp_choose_window(struct synq_stack *s, struct tcp_conn *c)
{
	(void)s;
	uint32_t mss = c->rcv_mss ? c->rcv_mss : c->advmss;
	uint32_t free_space = tcp_space(c);
	uint32_t allowed = tcp_full_space(c);
	uint32_t full = full_space(c);
	if (mss > full) {
		mss = full;
		if (mss == 0)
			return 0;
	}
	if (free_space < full / 2) {
		c->quickack = 0;
		free_space &= ~((1u << c->rcv_wscale) - 1);
		if (free_space < allowed / 16 || free_space < mss)
			return 0;
	}
	if (free_space > c->rcv_ssthresh)
		free_space = c->rcv_ssthresh;
	uint32_t window = c->rcv_wnd;
	if (c->rcv_wscale) {
		uint32_t unit = 1u << c->rcv_wscale;
		window = (free_space + unit - 1) & ~(unit - 1);
	} else if (window + mss <= free_space || window > free_space) {
		window = free_space / mss * mss;
	} else if (mss == full && free_space > window + full / 2) {
		window = free_space;
	}
	return window;
}

/* Linux's tcp_select_window(): never shrink what was offered; remember
 * what we offer; return the 16-bit field. */
uint32_t tcp_select_window(struct synq_stack *s, struct tcp_conn *c)
{
	uint32_t old_field = c->rcv_wnd >> c->rcv_wscale;
	int64_t cur = (int64_t)c->rcv_wup + c->rcv_wnd - c->rcv_nxt;
	uint32_t cur_win = cur > 0 ? (uint32_t)cur : 0;
	uint32_t new_win = tcp_choose_window(s, c);
	if (new_win < cur_win) {
		uint32_t unit = 1u << c->rcv_wscale;
		new_win = (cur_win + unit - 1) & ~(unit - 1);
	}
	c->rcv_wnd = new_win;
	c->rcv_wup = c->rcv_nxt;
	uint32_t field = new_win >> c->rcv_wscale;
	if (field > 0xffff)
		field = 0xffff;
	if (field == 0) {
		if (old_field)
			MIB_INC(s, TcpExtTCPToZeroWindowAdv);
		MIB_INC(s, TcpExtTCPWantZeroWindowAdv);
	} else if (old_field == 0) {
		MIB_INC(s, TcpExtTCPFromZeroWindowAdv);
	}
	return field;
}

/* ------------------------------------------------ the initial window */

/* The window a user-set SO_RCVBUF caps the connection to (Linux's
 * tcp_connect_init() and tcp_openreq_init_rwin()); 0 = no cap. */
static uint32_t user_window_clamp(const struct tcp_sockopts *o)
{
	return o->rcvbuf_locked ? win_from_space(o->rcvbuf) : 0;
}

/* Our window-scale shift, from the largest buffer we could ever offer
 * within the cap (Linux's tcp_select_initial_window()). */
static uint8_t initial_wscale(const struct synq_stack *s, uint32_t clamp)
{
	uint32_t space = (uint32_t)s->cfg.tcp_rmem[2];
	if (space < 212992) /* net.core.rmem_max */
		space = 212992;
	if (clamp && clamp < space)
		space = clamp;
	int log = 31 - __builtin_clz(space | 1);
	int shift = log - 15;
	return (uint8_t)(shift < 0 ? 0 : shift > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : shift);
}

/* The largest window the shift can express, within the cap. */
uint32_t tcp_initial_window_clamp(const struct tcp_sockopts *o, uint8_t wscale)
{
	uint32_t most = 0xffffu << wscale;
	uint32_t clamp = user_window_clamp(o);
	return clamp && clamp < most ? clamp : most;
}

/* The initial receive window: the space in whole segments (since Linux
 * 6.10 not capped at 64 KB; the SYN and SYN-ACK can only say 65535 of it,
 * tcp_synack_window()). Every SYN-ACK of a listener asks the same
 * question, so the last answer is kept: no division per SYN. */
static uint32_t initial_window(struct synq_stack *s, uint32_t space, uint32_t mss)
{
	struct window_memo *m = &s->window_memo;
	if (m->space != space || m->mss != mss) {
		uint32_t w = space > mss ? space / mss * mss : space;
		*m = (struct window_memo){ space, mss, w };
	}
	return m->window;
}

uint16_t tcp_advertised_mss(const struct synq_stack *s, uint16_t user_mss)
{
	uint32_t mss = s->cfg.mtu - IPV4_HEADER_MIN - TCP_HEADER_MIN;
	if (user_mss && user_mss < mss)
		mss = user_mss;
	return (uint16_t)mss;
}

/* The receive side of a connection that sends a SYN (active open, or a
 * simultaneous one): our shift, then the window and its clamp. */
void tcp_init_receive_window(struct synq_stack *s, struct tcp_conn *c)
{
	c->rcv_wscale = s->cfg.tcp_window_scaling
	                        ? initial_wscale(s, user_window_clamp(&c->opts)) : 0;
	c->rcv_wnd = initial_window(s, full_space(c), c->advmss);
	c->rcv_ssthresh = c->rcv_wnd;
	c->window_clamp = tcp_initial_window_clamp(&c->opts, c->rcv_wscale);
}

/* The receive window a request's SYN-ACK offers (rsk_rcv_wnd). */
uint32_t tcp_request_rcv_wnd(struct synq_stack *s, const struct tcp_request *r,
                             const struct tcp_listener *l)
{
	uint32_t mss = tcp_advertised_mss(s, l->opts.user_mss);
	if (r->flags & TCP_REQ_TS_OK)
		mss -= 12;
	uint32_t rcvbuf = l->opts.rcvbuf ? l->opts.rcvbuf : (uint32_t)s->cfg.tcp_rmem[1];
	return initial_window(s, win_from_space(rcvbuf), mss);
}

/* Window-scale shift a listener offers in its SYN-ACKs. */
uint8_t tcp_listener_wscale(const struct synq_stack *s, const struct tcp_listener *l)
{
	return initial_wscale(s, user_window_clamp(&l->opts));
}
