/* SPDX-License-Identifier: BSD-2-Clause */
/* The send side's chronographs (Linux's tcp_chrono_start(),
 * tcp_chrono_stop() and tcp_get_info_chrono_stats()): how long the
 * connection had data to deliver (tcpi_busy_time) and, of that, how long
 * the peer's window held it back (tcpi_rwnd_limited) or the writer waited
 * on a full send buffer with nothing left to send (tcpi_sndbuf_limited).
 *
 * One chronograph runs at a time. Starting a kind of higher priority
 * (BUSY < RWND_LIMITED < SNDBUF_LIMITED) takes over from the one running;
 * stopping a kind falls back to BUSY while anything is queued, else stops
 * the clock. Time is counted in the stack's millisecond ticks, as Linux
 * counts it in jiffies, and reported in microseconds. */
#include "tcp/chrono.h"
#include "tcp/clock.h"
#include "tcp/stack_internal.h"
#include "tcp/user.h"

static enum tcp_chrono chrono_type(const struct tcp_conn *c)
{
	return (enum tcp_chrono)(c->flags >> TCP_CONN_CHRONO_SHIFT);
}

/* A kind's slot holds its total while stopped and now - total while it
 * runs, so one subtraction turns one into the other: stopping stores the
 * total, starting the origin the total would have been counted from.
 * (Linux's chrono_start and chrono_stat[] in three words, not four.) */
static void chrono_flip(struct tcp_conn *c, enum tcp_chrono type, uint32_t now)
{
	if (type > TCP_CHRONO_UNSPEC)
		c->chrono[type - 1] = now - c->chrono[type - 1];
}

static void chrono_set(struct synq_stack *s, struct tcp_conn *c, enum tcp_chrono type)
{
	uint32_t now = tcp_ms_stamp(s);
	chrono_flip(c, chrono_type(c), now);
	chrono_flip(c, type, now);
	c->flags = (uint16_t)((c->flags & ~(3u << TCP_CONN_CHRONO_SHIFT)) |
	                      (unsigned)type << TCP_CONN_CHRONO_SHIFT);
}

void tcp_chrono_start(struct synq_stack *s, struct tcp_conn *c, enum tcp_chrono type)
{
	if (type > chrono_type(c))
		chrono_set(s, c, type);
}

void tcp_chrono_stop(struct synq_stack *s, struct tcp_conn *c, enum tcp_chrono type)
{
	/* Nothing sent unacknowledged, nothing unsent: the clock stops. */
	if (segq_empty(&c->sndq))
		chrono_set(s, c, TCP_CHRONO_UNSPEC);
	else if (type == chrono_type(c))
		chrono_set(s, c, TCP_CHRONO_BUSY);
}

void tcp_chrono_stats(const struct synq_stack *s, const struct tcp_conn *c,
                      uint64_t *busy_us, uint64_t *rwnd_us, uint64_t *sndbuf_us)
{
	uint64_t us[3], total = 0;
	for (int k = TCP_CHRONO_BUSY; k <= TCP_CHRONO_SNDBUF_LIMITED; k++) {
		uint32_t ms = c->chrono[k - 1];
		if (k == (int)chrono_type(c))
			ms = tcp_ms_stamp(s) - ms;
		us[k - 1] = (uint64_t)ms * 1000;
		total += us[k - 1];
	}
	*busy_us = total; /* busy time includes both kinds of limited time */
	*rwnd_us = us[TCP_CHRONO_RWND_LIMITED - 1];
	*sndbuf_us = us[TCP_CHRONO_SNDBUF_LIMITED - 1];
}

void tcp_check_space(struct synq_stack *s, struct tcp_conn *c)
{
	if (!(c->flags & TCP_CONN_NOSPACE) || !tcp_user_writable(c))
		return;
	c->flags &= (uint16_t)~TCP_CONN_NOSPACE;
	tcp_chrono_stop(s, c, TCP_CHRONO_SNDBUF_LIMITED);
}
