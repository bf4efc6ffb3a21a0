/* SPDX-License-Identifier: BSD-2-Clause */
/* Congestion control: Reno and CUBIC (RFC 9438) with HyStart, as Linux
 * runs them (tcp_cong.c, tcp_cubic.c). CUBIC is Linux's default.
 *
 * Both grow the window the same way in slow start (by the segments
 * acknowledged, up to ssthresh). Above ssthresh Reno adds one segment per
 * window; CUBIC follows W(t) = C (t - K)^3 + Wmax from the last loss,
 * never slower than Reno would ("TCP friendliness"), and backs off to 0.7
 * of the window at a loss. HyStart leaves slow start early when ACKs come
 * in a tight train for more than half the minimum RTT, or when the RTT
 * of a round rises above the minimum by a clamped eighth.
 *
 * Time follows Linux's units: "jiffies" are milliseconds (HZ=1000, as the
 * kernel selftests run) and delays are microseconds. */
#include "tcp/stack_internal.h"

#define BICTCP_BETA_SCALE 1024
#define BICTCP_HZ 10              /* CUBIC's time unit: 2^-10 s */
#define CUBIC_BETA 717            /* 717/1024 ~= 0.7 */
#define CUBIC_BIC_SCALE 41
#define HZ 1000
#define HYSTART_LOW_WINDOW 16
#define HYSTART_ACK_DELTA_US 2000
#define HYSTART_MIN_SAMPLES 8
#define HYSTART_DELAY_MIN_US 4000
#define HYSTART_DELAY_MAX_US 16000

/* Linux's constants derived at module load. */
static uint32_t cube_rtt_scale(void)
{
	return CUBIC_BIC_SCALE * 10;
}

static uint32_t beta_scale(void)
{
	return 8 * (BICTCP_BETA_SCALE + CUBIC_BETA) / 3 / (BICTCP_BETA_SCALE - CUBIC_BETA);
}

static uint64_t cube_factor(void)
{
	return (1ull << (10 + 3 * BICTCP_HZ)) / (CUBIC_BIC_SCALE * 10);
}

static uint32_t jiffies(const struct synq_stack *s)
{
	return tcp_ms_stamp(s);
}

static bool in_slow_start(const struct tcp_conn *c)
{
	return c->snd_cwnd < c->snd_ssthresh;
}

/* ------------------------------------------------------------- HyStart */

static void hystart_reset(struct synq_stack *s, struct tcp_conn *c)
{
	struct tcp_cubic *ca = &c->cubic;
	ca->round_start = ca->last_ack = tcp_us_stamp(s);
	ca->end_seq = c->snd_nxt;
	ca->curr_rtt = UINT32_MAX;
	c->hystart_samples = 0;
}

static void cubic_reset(struct tcp_conn *c)
{
	c->cubic = (struct tcp_cubic){ 0 };
	c->hystart_found = 0;
}

static void hystart_update(struct synq_stack *s, struct tcp_conn *c, uint32_t delay)
{
	struct tcp_cubic *ca = &c->cubic;
	if (seq_after(c->snd_una, ca->end_seq))
		hystart_reset(s, c);
	if (c->snd_cwnd < HYSTART_LOW_WINDOW)
		return;
	/* An ACK train: ACKs within 2 ms of each other for longer than half
	 * the minimum delay (no pacing in synq). */
	uint32_t now = tcp_us_stamp(s);
	if ((int32_t)(now - ca->last_ack) <= HYSTART_ACK_DELTA_US) {
		ca->last_ack = now;
		uint32_t threshold = ca->delay_min >> 1;
		if ((int32_t)(now - ca->round_start) > (int32_t)threshold) {
			c->hystart_found = 1;
			c->snd_ssthresh = c->snd_cwnd;
		}
	}
	/* The round's minimum delay rose above delay_min. */
	if (ca->curr_rtt > delay)
		ca->curr_rtt = delay;
	if (c->hystart_samples < HYSTART_MIN_SAMPLES) {
		c->hystart_samples++;
	} else {
		uint32_t slack = ca->delay_min >> 3;
		if (slack < HYSTART_DELAY_MIN_US)
			slack = HYSTART_DELAY_MIN_US;
		if (slack > HYSTART_DELAY_MAX_US)
			slack = HYSTART_DELAY_MAX_US;
		if (ca->curr_rtt > ca->delay_min + slack) {
			c->hystart_found = 1;
			c->snd_ssthresh = c->snd_cwnd;
		}
	}
}

/* ------------------------------------------------------------- CUBIC */

/* The cube root of a, by a small table and one Newton-Raphson step
 * (about 0.2% error, as Linux's cubic_root()). */
static uint32_t cubic_root(uint64_t a)
{
	static const uint8_t v[] = {
		0,   54,  54,  54,  118, 118, 118, 118, 123, 129, 134, 138, 143, 147, 151, 156,
		157, 161, 164, 168, 170, 173, 176, 179, 181, 185, 187, 190, 192, 194, 197, 199,
		200, 202, 204, 206, 209, 211, 213, 215, 217, 219, 221, 222, 224, 225, 227, 229,
		231, 232, 234, 236, 237, 239, 240, 242, 244, 245, 246, 248, 250, 251, 252, 254,
	};
	if (a < 64)
		return ((uint32_t)v[a] + 35) >> 6;
	int b = 64 - __builtin_clzll(a);
	b = ((b * 84) >> 8) - 1;
	uint32_t shift = (uint32_t)(a >> (b * 3));
	uint32_t x = ((uint32_t)(((uint32_t)v[shift] + 10) << b)) >> 6;
	/* x = (2x + a / x^2) / 3, with 341/1024 for the division by 3 */
	x = 2 * x + (uint32_t)(a / ((uint64_t)x * (uint64_t)(x - 1)));
	x = (x * 341) >> 10;
	return x;
}

static void cubic_update(struct synq_stack *s, struct tcp_conn *c, uint32_t acked)
{
	struct tcp_cubic *ca = &c->cubic;
	uint32_t cwnd = c->snd_cwnd;
	uint32_t now = jiffies(s);
	ca->ack_cnt += acked;
	if (ca->last_cwnd == cwnd && (int32_t)(now - ca->last_time) <= HZ / 32)
		return;
	/* At most one update of cnt per jiffy. */
	if (!(ca->epoch_start && now == ca->last_time)) {
		ca->last_cwnd = cwnd;
		ca->last_time = now;
		if (ca->epoch_start == 0) {
			ca->epoch_start = now;
			ca->ack_cnt = acked;
			ca->tcp_cwnd = cwnd;
			if (ca->last_max_cwnd <= cwnd) {
				ca->bic_K = 0;
				ca->bic_origin_point = cwnd;
			} else {
				ca->bic_K = cubic_root(cube_factor() * (ca->last_max_cwnd - cwnd));
				ca->bic_origin_point = ca->last_max_cwnd;
			}
		}
		/* t in units of 2^-BICTCP_HZ s since the epoch, plus delay_min */
		uint64_t t = (uint64_t)(int32_t)(now - ca->epoch_start);
		t += (ca->delay_min + 999) / 1000; /* usecs_to_jiffies() */
		t <<= BICTCP_HZ;
		t /= HZ;
		uint64_t offs = t < ca->bic_K ? ca->bic_K - t : t - ca->bic_K;
		uint32_t delta = (uint32_t)((cube_rtt_scale() * offs * offs * offs) >> (10 + 3 * BICTCP_HZ));
		uint32_t target = t < ca->bic_K ? ca->bic_origin_point - delta
		                                : ca->bic_origin_point + delta;
		if (target > cwnd)
			ca->cnt = cwnd / (target - cwnd);
		else
			ca->cnt = 100 * cwnd; /* a very small increment */
		/* Gentle first growth before any loss: 5% per RTT at most. */
		if (ca->last_max_cwnd == 0 && ca->cnt > 20)
			ca->cnt = 20;
	}
	/* TCP friendliness: never slower than Reno's estimate. */
	uint32_t delta = (cwnd * beta_scale()) >> 3;
	while (delta && ca->ack_cnt > delta) {
		ca->ack_cnt -= delta;
		ca->tcp_cwnd++;
	}
	if (ca->tcp_cwnd > cwnd) {
		uint32_t max_cnt = cwnd / (ca->tcp_cwnd - cwnd);
		if (ca->cnt > max_cnt)
			ca->cnt = max_cnt;
	}
	/* At most one segment per two acknowledged: 1.5x per RTT. */
	if (ca->cnt < 2)
		ca->cnt = 2;
}

/* -------------------------------------------------------- shared pieces */

/* Linux's tcp_slow_start(): returns the acknowledged segments left over
 * once cwnd reaches ssthresh. */
static uint32_t slow_start(struct tcp_conn *c, uint32_t acked)
{
	uint32_t cwnd = c->snd_cwnd + acked;
	if (cwnd > c->snd_ssthresh)
		cwnd = c->snd_ssthresh;
	acked -= cwnd - c->snd_cwnd;
	c->snd_cwnd = cwnd;
	return acked;
}

/* Linux's tcp_cong_avoid_ai(): one segment per w acknowledged. */
static void cong_avoid_ai(struct tcp_conn *c, uint32_t w, uint32_t acked)
{
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

/* Linux's tcp_is_cwnd_limited(). */
bool tcp_cc_is_cwnd_limited(const struct tcp_conn *c)
{
	if (c->is_cwnd_limited)
		return true;
	if (in_slow_start(c))
		return c->snd_cwnd < 2 * c->max_packets_out;
	return false;
}

void tcp_cc_init(struct synq_stack *s, struct tcp_conn *c)
{
	c->cc_algo = (uint8_t)s->cfg.tcp_congestion_control;
	cubic_reset(c);
	hystart_reset(s, c);
}

void tcp_cc_on_ack(struct synq_stack *s, struct tcp_conn *c, uint32_t acked)
{
	if (!tcp_cc_is_cwnd_limited(c))
		return;
	if (in_slow_start(c)) {
		acked = slow_start(c, acked);
		if (!acked)
			return;
	}
	if (c->cc_algo == SYNQ_CC_RENO) {
		cong_avoid_ai(c, c->snd_cwnd, acked);
		return;
	}
	cubic_update(s, c, acked);
	cong_avoid_ai(c, c->cubic.cnt, acked);
}

uint32_t tcp_cc_ssthresh(struct tcp_conn *c)
{
	if (c->cc_algo == SYNQ_CC_RENO) {
		uint32_t half = c->snd_cwnd >> 1;
		return half > 2 ? half : 2;
	}
	struct tcp_cubic *ca = &c->cubic;
	ca->epoch_start = 0;
	/* Fast convergence: a flow that lost below its last maximum leaves
	 * room for others. */
	if (c->snd_cwnd < ca->last_max_cwnd)
		ca->last_max_cwnd = c->snd_cwnd * (BICTCP_BETA_SCALE + CUBIC_BETA) /
		                    (2 * BICTCP_BETA_SCALE);
	else
		ca->last_max_cwnd = c->snd_cwnd;
	uint32_t ssthresh = c->snd_cwnd * CUBIC_BETA / BICTCP_BETA_SCALE;
	return ssthresh > 2 ? ssthresh : 2;
}

void tcp_cc_rtt_sample(struct synq_stack *s, struct tcp_conn *c, int64_t rtt_us)
{
	if (c->cc_algo != SYNQ_CC_CUBIC || rtt_us < 0)
		return;
	struct tcp_cubic *ca = &c->cubic;
	/* Discard delay samples right after a loss. */
	if (ca->epoch_start && (int32_t)(jiffies(s) - ca->epoch_start) < HZ)
		return;
	uint32_t delay = rtt_us > 0 ? (rtt_us > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt_us) : 1;
	if (ca->delay_min == 0 || ca->delay_min > delay)
		ca->delay_min = delay;
	if (!c->hystart_found && in_slow_start(c))
		hystart_update(s, c, delay);
}

void tcp_cc_enter_loss(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->cc_algo != SYNQ_CC_CUBIC)
		return;
	cubic_reset(c);
	hystart_reset(s, c);
}

void tcp_cc_tx_start(struct synq_stack *s, struct tcp_conn *c)
{
	/* After an idle spell, shift the epoch so the cubic curve does not
	 * count the idle time as growth (cubictcp_cwnd_event()). */
	if (c->cc_algo != SYNQ_CC_CUBIC)
		return;
	struct tcp_cubic *ca = &c->cubic;
	uint32_t now = jiffies(s);
	int32_t delta = (int32_t)(now - c->lsndtime);
	if (ca->epoch_start && delta > 0) {
		ca->epoch_start += (uint32_t)delta;
		if (seq_after(ca->epoch_start, now))
			ca->epoch_start = now;
	}
}

/* Linux's tcp_cwnd_validate(), after a round of transmission. */
void tcp_cc_cwnd_validate(struct tcp_conn *c, bool is_cwnd_limited)
{
	if (!seq_before(c->snd_una, c->cwnd_usage_seq) || is_cwnd_limited ||
	    (!c->is_cwnd_limited && c->packets_out > c->max_packets_out)) {
		c->is_cwnd_limited = is_cwnd_limited;
		c->max_packets_out = c->packets_out;
		c->cwnd_usage_seq = c->snd_nxt;
	}
}

/* Linux's tcp_cwnd_restart() when sending resumes after an idle time
 * longer than an RTO (tcp_slow_start_after_idle). */
void tcp_cc_restart_after_idle(struct synq_stack *s, struct tcp_conn *c)
{
	if (!s->cfg.tcp_slow_start_after_idle || c->packets_out)
		return;
	int32_t delta = (int32_t)(tcp_ms_stamp(s) - c->lsndtime);
	int32_t rto = (int32_t)c->rto_ms;
	if (delta <= rto)
		return;
	uint32_t restart = TCP_INIT_CWND < c->snd_cwnd ? TCP_INIT_CWND : c->snd_cwnd;
	uint32_t cwnd = c->snd_cwnd;
	/* Linux's tcp_current_ssthresh(): remember most of the old window. */
	uint32_t keep = (c->snd_cwnd >> 1) + (c->snd_cwnd >> 2);
	c->snd_ssthresh = c->snd_ssthresh > keep ? c->snd_ssthresh : keep;
	if (c->cc_algo == SYNQ_CC_CUBIC) {
		cubic_reset(c);
		hystart_reset(s, c);
	}
	while ((delta -= rto) > 0 && cwnd > restart)
		cwnd >>= 1;
	c->snd_cwnd = cwnd > restart ? cwnd : restart;
}
