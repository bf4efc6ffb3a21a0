/* SPDX-License-Identifier: BSD-2-Clause */
/* A connection's timers (Linux's tcp_timer.c): retransmission with
 * exponential backoff (linear for the first SYN retries, as 6.5+ does with
 * tcp_syn_linear_timeouts), zero-window probes, delayed ACKs, keepalive,
 * and the orphaned FIN_WAIT2 timeout. */
#include <errno.h>

#include "tcp/input_internal.h"

/* Linux's tcp_write_err(): give up with an error for the application. */
static void write_err(struct synq_stack *s, struct tcp_conn *c)
{
	c->err = c->err ? c->err : ETIMEDOUT;
	MIB_INC(s, TcpExtTCPAbortOnTimeout);
	tcp_conn_done(s, c);
}

/* The time the connection may spend retransmitting before it gives up,
 * modelled on boundary backoffs from TCP_RTO_MIN (Linux's
 * tcp_model_timeout()). */
static synq_time_t model_timeout(unsigned boundary)
{
	const synq_time_t base = TCP_RTO_MIN;
	unsigned thresh = 0;
	while ((base << (thresh + 1)) <= TCP_RTO_MAX)
		thresh++; /* ilog2(TCP_RTO_MAX / base) */
	if (boundary <= thresh)
		return ((2ll << boundary) - 1) * base;
	return ((2ll << thresh) - 1) * base + (synq_time_t)(boundary - thresh) * TCP_RTO_MAX;
}

static bool retransmits_timed_out(const struct synq_stack *s, const struct tcp_conn *c,
                                  unsigned boundary, synq_time_t timeout)
{
	if (c->retransmits == 0)
		return false;
	if (timeout == 0)
		timeout = model_timeout(boundary);
	return SYNQ_MSEC(tcp_ms_stamp(s) - c->retrans_stamp) >= timeout;
}

static unsigned orphan_retries(const struct synq_stack *s, bool alive)
{
	unsigned retries = (unsigned)s->cfg.tcp_orphan_retries;
	if (retries == 0 && alive)
		retries = 8;
	return retries;
}

/* Linux's tcp_write_timeout(): true if the connection was abandoned. */
static bool write_timeout(struct synq_stack *s, struct tcp_conn *c)
{
	bool expired;
	if (c->state == SYNQ_TCP_SYN_SENT || c->state == SYNQ_TCP_SYN_RECV) {
		unsigned limit = c->opts.syncnt ? c->opts.syncnt : (unsigned)s->cfg.tcp_syn_retries;
		if (c->state == SYNQ_TCP_SYN_SENT)
			limit += tcp_syn_linear_timeouts(s);
		expired = c->retransmits >= limit;
	} else {
		unsigned limit = (unsigned)s->cfg.tcp_retries2;
		if (c->flags & TCP_CONN_ORPHAN) {
			bool alive = c->rto_ms < TCP_RTO_MAX / SYNQ_MSEC(1);
			limit = orphan_retries(s, alive);
		}
		expired = retransmits_timed_out(s, c, limit, SYNQ_MSEC(c->opts.user_timeout_ms));
	}
	if (expired)
		write_err(s, c);
	return expired;
}

static synq_time_t rto_clamped_to_user_timeout(const struct synq_stack *s,
                                               const struct tcp_conn *c)
{
	synq_time_t rto = tcp_rto(c);
	if (c->opts.user_timeout_ms == 0 || c->retrans_stamp == 0)
		return rto;
	synq_time_t remaining = SYNQ_MSEC(c->opts.user_timeout_ms) -
	                        SYNQ_MSEC(tcp_ms_stamp(s) - c->retrans_stamp);
	if (remaining <= 0)
		return SYNQ_MSEC(1);
	return remaining < rto ? remaining : rto;
}

static void retransmit_timer(struct synq_stack *s, struct tcp_conn *c)
{
	bool handshake = c->state == SYNQ_TCP_SYN_SENT || c->state == SYNQ_TCP_SYN_RECV;
	if (!handshake && c->packets_out == 0) {
		/* Nothing in flight but something waiting (a FIN queued behind
		 * a closed window when a simultaneous open was closed): probe
		 * the window, which also ends an orphan in time. */
		if (c->send_head != POOL_NONE) {
			c->rtx_kind = TCP_RTX_PROBE0;
			tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, s->now + tcp_probe0_base(c));
		}
		return;
	}
	MIB_INC(s, TcpExtTCPTimeouts);
	c->total_rto++;
	c->tlp_high_seq = 0;
	if (write_timeout(s, c))
		return;
	if (handshake) {
		tcp_send_syn(s, c);
		c->total_retrans++;
		MIB_INC(s, TcpRetransSegs);
		MIB_INC(s, TcpExtTCPSynRetrans);
	} else {
		if (c->retransmits == 0) {
			if (c->ca_state == TCP_CA_RECOVERY && (c->flags & TCP_CONN_SACK_OK))
				MIB_INC(s, TcpExtTCPSackFailures);
			else if (c->ca_state == TCP_CA_RECOVERY)
				MIB_INC(s, TcpExtTCPRenoFailures);
			else if (c->ca_state == TCP_CA_LOSS)
				MIB_INC(s, TcpExtTCPLossFailures);
		}
		tcp_enter_loss(s, c);
		tcp_retransmit_head(s, c);
		struct segbuf *head = segbuf_at(&s->segbufs, c->sndq.head);
		if (head && (head->mark & SEGBUF_LOST)) {
			head->mark &= (uint8_t)~SEGBUF_LOST;
			c->lost_out--;
		}
	}
	c->backoff++;
	c->retransmits++;
	bool linear = c->state == SYNQ_TCP_SYN_SENT &&
	              c->total_rto <= tcp_syn_linear_timeouts(s);
	if (!linear) {
		uint64_t doubled = (uint64_t)c->rto_ms * 2;
		uint64_t max_ms = TCP_RTO_MAX / SYNQ_MSEC(1);
		c->rto_ms = (uint32_t)(doubled < max_ms ? doubled : max_ms);
	}
	c->rtx_kind = TCP_RTX_RTO;
	tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, s->now + rto_clamped_to_user_timeout(s, c));
}

/* Linux's tcp_probe_timer(): probe a zero window, forever unless the
 * connection is orphaned or has a user timeout. */
static void probe_timer(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->packets_out || c->send_head == POOL_NONE) {
		c->probes_out = 0;
		c->rtx_kind = TCP_RTX_NONE;
		return;
	}
	unsigned max_probes = (unsigned)s->cfg.tcp_retries2;
	if (c->flags & TCP_CONN_ORPHAN) {
		uint64_t backed = (uint64_t)c->rto_ms << c->backoff;
		bool alive = backed < TCP_RTO_MAX / SYNQ_MSEC(1);
		max_probes = orphan_retries(s, alive);
		if (!alive && c->backoff >= max_probes) {
			write_err(s, c);
			return;
		}
	}
	if (c->opts.user_timeout_ms && c->lsndtime &&
	    tcp_ms_stamp(s) - c->lsndtime > c->opts.user_timeout_ms) {
		write_err(s, c);
		return;
	}
	if (c->probes_out >= max_probes) {
		write_err(s, c);
		return;
	}
	tcp_send_probe0(s, c);
	if (c->packets_out || c->send_head == POOL_NONE) {
		/* The probe carried data: the RTO takes over. */
		c->probes_out = 0;
		c->backoff = 0;
		return;
	}
	c->probes_out++;
	if (c->backoff < s->cfg.tcp_retries2)
		c->backoff++;
	c->rtx_kind = TCP_RTX_PROBE0;
	tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, s->now + tcp_probe0_when(c));
}

/* The first persist-timer delay (Linux's tcp_probe0_base()). */
synq_time_t tcp_probe0_base(const struct tcp_conn *c)
{
	synq_time_t rto = tcp_rto(c);
	return rto > TCP_RTO_MIN ? rto : TCP_RTO_MIN;
}

/* The next zero-window probe's delay (Linux's tcp_probe0_when()). */
synq_time_t tcp_probe0_when(const struct tcp_conn *c)
{
	uint64_t when = (uint64_t)tcp_probe0_base(c) << c->backoff;
	return when > (uint64_t)TCP_RTO_MAX ? TCP_RTO_MAX : (synq_time_t)when;
}

/* Linux's tcp_delack_timer_handler(). */
static void delack_timer(struct synq_stack *s, struct tcp_conn *c)
{
	if (!(c->ack_flags & TCP_ACK_TIMER))
		return;
	c->ack_flags &= (uint8_t)~TCP_ACK_TIMER;
	if (!(c->ack_flags & TCP_ACK_SCHED))
		return;
	if (!c->pingpong) {
		/* Delayed ACK missed: inflate the ACK timeout. */
		uint32_t doubled = (uint32_t)c->ato_ms << 1;
		c->ato_ms = tcp_ato_clamp(doubled < c->rto_ms ? doubled : c->rto_ms);
	} else {
		/* Delayed ACK missed: leave interactive mode. */
		c->pingpong = 0;
		c->ato_ms = (uint16_t)(TCP_ATO_MIN / SYNQ_MSEC(1));
	}
	tcp_send_ack(s, c);
	MIB_INC(s, TcpExtDelayedACKs);
}

static synq_time_t keepalive_time(const struct synq_stack *s, const struct tcp_conn *c)
{
	return SYNQ_SEC(c->opts.keepidle_s ? c->opts.keepidle_s
	                                   : (uint32_t)s->cfg.tcp_keepalive_time);
}

static synq_time_t keepalive_intvl(const struct synq_stack *s, const struct tcp_conn *c)
{
	return SYNQ_SEC(c->opts.keepintvl_s ? c->opts.keepintvl_s
	                                    : (uint32_t)s->cfg.tcp_keepalive_intvl);
}

static unsigned keepalive_probes(const struct synq_stack *s, const struct tcp_conn *c)
{
	return c->opts.keepcnt ? c->opts.keepcnt : (unsigned)s->cfg.tcp_keepalive_probes;
}

void tcp_keepalive_reset(struct synq_stack *s, struct tcp_conn *c)
{
	tcp_conn_timer_set(s, c, TCP_TIMER_KEEPALIVE, s->now + keepalive_time(s, c));
}

/* Linux's tcp_keepalive_timer(): also ends an orphaned FIN_WAIT2. */
static void keepalive_timer(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->state == SYNQ_TCP_FIN_WAIT2 && (c->flags & TCP_CONN_ORPHAN)) {
		synq_time_t fin = SYNQ_SEC(s->cfg.tcp_fin_timeout);
		synq_time_t floor = SYNQ_MSEC(c->rto_ms) * 7 / 2;
		synq_time_t tmo = (fin > floor ? fin : floor) - TCP_TIMEWAIT_LEN;
		if (tmo > 0) {
			tcp_time_wait(s, c, SYNQ_TCP_FIN_WAIT2, tmo);
			return;
		}
		tcp_send_reset(s, c);
		tcp_conn_done(s, c);
		return;
	}
	if (!c->opts.keepalive || c->state == SYNQ_TCP_CLOSE || c->state == SYNQ_TCP_SYN_SENT)
		return;
	synq_time_t when = keepalive_time(s, c);
	if (c->packets_out || c->send_head != POOL_NONE) {
		tcp_conn_timer_set(s, c, TCP_TIMER_KEEPALIVE, s->now + when);
		return;
	}
	/* Since the last data or ACK (keepalive_time_elapsed()). */
	uint32_t now_ms = tcp_ms_stamp(s);
	uint32_t since_data = now_ms - c->lrcvtime;
	uint32_t since_ack = now_ms - c->rcv_tstamp;
	synq_time_t elapsed = SYNQ_MSEC(since_data < since_ack ? since_data : since_ack);
	synq_time_t next;
	if (elapsed >= when) {
		bool user = c->opts.user_timeout_ms != 0;
		if ((user && elapsed >= SYNQ_MSEC(c->opts.user_timeout_ms) && c->probes_out > 0) ||
		    (!user && c->probes_out >= keepalive_probes(s, c))) {
			tcp_send_reset(s, c);
			write_err(s, c);
			return;
		}
		tcp_send_keepalive_probe(s, c);
		c->probes_out++;
		next = keepalive_intvl(s, c);
	} else {
		next = when - elapsed;
	}
	tcp_conn_timer_set(s, c, TCP_TIMER_KEEPALIVE, s->now + next);
}

void tcp_conn_timer_fire(struct synq_stack *s, struct tcp_conn *c)
{
	/* Take each due timer off before running it: a handler may re-arm
	 * its own timer, or free the connection. */
	for (int t = 0; t < TCP_TIMER__COUNT; t++) {
		synq_time_t when = tcp_conn_timer_get(s, c, (enum tcp_timer)t);
		if (when == 0 || when > s->now)
			continue;
		tcp_conn_timer_clear(s, c, (enum tcp_timer)t);
		uint8_t state_before = c->state;
		switch (t) {
		case TCP_TIMER_RETRANSMIT: {
			uint8_t kind = c->rtx_kind;
			c->rtx_kind = TCP_RTX_NONE;
			if (kind == TCP_RTX_PROBE0)
				probe_timer(s, c);
			else if (kind == TCP_RTX_LOSS_PROBE)
				tcp_send_loss_probe(s, c);
			else if (kind == TCP_RTX_REO_TIMEOUT)
				tcp_rack_reo_timeout(s, c);
			else if (kind != TCP_RTX_NONE)
				retransmit_timer(s, c);
			break;
		}
		case TCP_TIMER_DELACK:
			delack_timer(s, c);
			break;
		case TCP_TIMER_KEEPALIVE:
			keepalive_timer(s, c);
			break;
		}
		/* Closed (and perhaps freed): stop touching it. */
		if (c->state == SYNQ_TCP_CLOSE && state_before != SYNQ_TCP_CLOSE)
			return;
	}
}
