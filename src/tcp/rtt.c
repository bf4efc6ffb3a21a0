/* SPDX-License-Identifier: BSD-2-Clause */
/* Round-trip time and retransmission timeout: RFC 6298 as Linux keeps it
 * (tcp_rtt_estimator(), tcp_set_rto()): srtt in eighths, mdev in quarters,
 * rttvar never below TCP_RTO_MIN, so RTO = srtt + rttvar >= 200 ms. */
#include "tcp/stack_internal.h"

static uint32_t rto_min_us(void)
{
	return (uint32_t)(TCP_RTO_MIN / SYNQ_USEC(1));
}

void tcp_rtt_sample(struct synq_stack *s, struct tcp_conn *c, int64_t rtt_us)
{
	(void)s;
	int64_t m = rtt_us > 0 ? rtt_us : 1;
	if (m > INT32_MAX)
		m = INT32_MAX;
	if (c->min_rtt_us == UINT32_MAX || (uint32_t)m < c->min_rtt_us)
		c->min_rtt_us = (uint32_t)m;
	int64_t srtt = c->srtt_us;
	if (srtt != 0) {
		m -= srtt >> 3;        /* m is now the error */
		srtt += m;             /* srtt = 7/8 srtt + 1/8 sample */
		if (m < 0) {
			m = -m;
			m -= c->mdev_us >> 2;
			if (m > 0)
				m >>= 3;       /* a smaller RTT moves mdev less */
		} else {
			m -= c->mdev_us >> 2;
		}
		c->mdev_us = (uint32_t)((int64_t)c->mdev_us + m);
		if (c->mdev_us > c->mdev_max_us) {
			c->mdev_max_us = c->mdev_us;
			if (c->mdev_max_us > c->rttvar_us)
				c->rttvar_us = c->mdev_max_us;
		}
		if (seq_after(c->snd_una, c->rtt_seq)) {
			/* Once per window: let rttvar decay towards mdev_max. */
			if (c->mdev_max_us < c->rttvar_us)
				c->rttvar_us -= (c->rttvar_us - c->mdev_max_us) >> 2;
			c->rtt_seq = c->snd_nxt;
			c->mdev_max_us = rto_min_us();
		}
	} else {
		srtt = m << 3;
		c->mdev_us = (uint32_t)(m << 1);
		c->rttvar_us = c->mdev_us > rto_min_us() ? c->mdev_us : rto_min_us();
		c->mdev_max_us = c->rttvar_us;
		c->rtt_seq = c->snd_nxt;
	}
	c->srtt_us = srtt > 0 ? (uint32_t)srtt : 1;

	/* RTO in whole milliseconds, rounded up as jiffies would be. */
	uint64_t rto_us = (uint64_t)(c->srtt_us >> 3) + c->rttvar_us;
	uint64_t rto_ms = (rto_us + 999) / 1000;
	uint64_t max_ms = TCP_RTO_MAX / SYNQ_MSEC(1);
	c->rto_ms = (uint32_t)(rto_ms < max_ms ? rto_ms : max_ms);
}

synq_time_t tcp_rto(const struct tcp_conn *c)
{
	synq_time_t rto = SYNQ_MSEC(c->rto_ms);
	return rto < TCP_RTO_MAX ? rto : TCP_RTO_MAX;
}
