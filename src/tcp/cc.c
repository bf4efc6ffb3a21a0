/* SPDX-License-Identifier: BSD-2-Clause */
/* Congestion control: Reno's slow start and additive increase as Linux
 * writes them (tcp_slow_start(), tcp_cong_avoid_ai()), with appropriate
 * byte counting by segments, and a multiplicative decrease to half. */
#include "tcp/stack_internal.h"

void tcp_cc_init(struct tcp_conn *c)
{
	c->snd_cwnd = TCP_INIT_CWND;
	c->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	c->snd_cwnd_cnt = 0;
}

uint32_t tcp_cc_ssthresh(const struct tcp_conn *c)
{
	uint32_t half = c->snd_cwnd >> 1;
	return half > 2 ? half : 2;
}

/* Was the sender using its window? Growing an unused window would let a
 * burst loose later (Linux's tcp_is_cwnd_limited()). */
static bool cwnd_limited(const struct tcp_conn *c, uint32_t prior_in_flight)
{
	if (c->snd_cwnd < c->snd_ssthresh)
		return c->snd_cwnd < 2 * prior_in_flight;
	return prior_in_flight >= c->snd_cwnd;
}

void tcp_cc_on_ack(struct synq_stack *s, struct tcp_conn *c, uint32_t acked,
                   uint32_t prior_in_flight)
{
	(void)s;
	if (!cwnd_limited(c, prior_in_flight))
		return;
	if (c->snd_cwnd < c->snd_ssthresh) {
		uint32_t cwnd = c->snd_cwnd + acked;
		if (cwnd > c->snd_ssthresh)
			cwnd = c->snd_ssthresh;
		acked -= cwnd - c->snd_cwnd;
		c->snd_cwnd = cwnd;
		if (acked == 0)
			return;
	}
	/* Additive increase: one segment per window of ACKed segments. */
	uint32_t w = c->snd_cwnd;
	if (c->snd_cwnd_cnt >= w) {
		c->snd_cwnd_cnt = 0;
		c->snd_cwnd++;
	}
	c->snd_cwnd_cnt += acked;
	if (c->snd_cwnd_cnt >= w) {
		uint32_t delta = c->snd_cwnd_cnt / w;
		c->snd_cwnd_cnt -= delta * w;
		c->snd_cwnd += delta;
	}
}
