/* SPDX-License-Identifier: BSD-2-Clause */
/* SYN_RECV requests (Linux's request_sock): their SYN-ACK timer with the
 * pruning and TCP_DEFER_ACCEPT rules (reqsk_timer_handler(),
 * syn_ack_recalc()), segments that reach them (tcp_check_req()), and the
 * birth of a connection from a request or a cookie
 * (tcp_create_openreq_child()). */
#include "tcp/input_internal.h"
#include "tcp/listen/listen_internal.h"

static struct tcp_listener *listener_of(struct synq_stack *s, const struct tcp_request *r)
{
	return tcp_listener_at(s, r->listener);
}

static uint32_t request_handle(struct synq_stack *s, const struct tcp_request *r)
{
	return TCP_HANDLE(TCP_OBJ_REQUEST, pool_index_of(&s->requests, r));
}

/* hash: tcp_table_hash() of its tuple. */
static void request_free_at(struct synq_stack *s, struct tcp_request *r, uint32_t hash)
{
	struct tcp_listener *l = listener_of(s, r);
	uint32_t handle = request_handle(s, r);
	tcp_table_remove_at(s, handle, hash);
	tcp_timer_cancel(s, handle);
	l->req_count--;
	if (r->young)
		l->req_young--;
	pool_free(&s->requests, TCP_HANDLE_INDEX(handle));
}

void tcp_request_free(struct synq_stack *s, struct tcp_request *r)
{
	request_free_at(s, r, tcp_table_hash(s, &r->tuple));
}

/* reqsk_timeout(): 1 s (3 s in older systems) doubled per timeout, at most
 * TCP_RTO_MAX. */
static synq_time_t request_timeout(const struct synq_stack *s, const struct tcp_request *r)
{
	synq_time_t t = tcp_timeout_init(s) << (r->num_timeout < 8 ? r->num_timeout : 8);
	return t < TCP_RTO_MAX ? t : TCP_RTO_MAX;
}

static void rearm(struct synq_stack *s, struct tcp_request *r, synq_time_t when)
{
	tcp_timer_arm(s, request_handle(s, r), when);
}

/* inet_rtx_syn_ack() */
static void retransmit_synack(struct synq_stack *s, struct tcp_request *r)
{
	tcp_send_synack_for(s, r, listener_of(s, r), NULL);
	if (r->num_retrans < UINT8_MAX)
		r->num_retrans++;
	MIB_INC(s, TcpRetransSegs);
	MIB_INC(s, TcpExtTCPSynRetrans);
}

/* Linux 2.4's tcp_synack_timer(), for one request whose time has come.
 * The pruning starts when the SYN table is half full (qlen >> (max_qlen_log
 * - 1)), not at half the backlog; a request the client has acknowledged
 * (its ACK met a full accept queue) keeps all tcp_synack_retries (or
 * TCP_DEFER_ACCEPT's count) whatever the pruning, and every timeout
 * sends the SYN-ACK again, acknowledged or not. Not modelled: 2.4 walked its SYN table from a 200 ms
 * timer, a fraction of the buckets each time, so a retransmission could
 * leave later than its expiry. */
static void linux_2_4_synack_timer(struct synq_stack *s, struct tcp_request *r,
                                   struct tcp_listener *l)
{
	unsigned max_retries = l->opts.syncnt ? l->opts.syncnt
	                                      : (unsigned)s->cfg.tcp_synack_retries;
	unsigned thresh = max_retries;
	uint32_t qlen = l->req_count;
	if (qlen >= tcp_linux_2_4_synq_max(s) / 2) {
		uint64_t young = (uint64_t)l->req_young << 1;
		while (thresh > 2) {
			if (qlen < young)
				break;
			thresh--;
			young <<= 1;
		}
	}
	if (l->opts.defer_accept)
		max_retries = l->opts.defer_accept;
	bool acked = (r->flags & TCP_REQ_ACKED) != 0;
	MIB_INC(s, TcpExtTCPTimeouts);
	if (!(r->num_timeout < thresh || (acked && r->num_timeout < max_retries))) {
		tcp_request_free(s, r);
		return;
	}
	retransmit_synack(s, r);
	if (r->num_timeout++ == 0 && r->young) {
		r->young = 0;
		l->req_young--;
	}
	rearm(s, r, s->now + request_timeout(s, r));
}

void tcp_request_timer_fire(struct synq_stack *s, struct tcp_request *r)
{
	struct tcp_listener *l = listener_of(s, r);
	if (s->cfg.personality == SYNQ_PERSONALITY_LINUX_2_4) {
		linux_2_4_synack_timer(s, r, l);
		return;
	}
	unsigned max_retries = l->opts.syncnt ? l->opts.syncnt
	                                      : (unsigned)s->cfg.tcp_synack_retries;
	/* When more than half the backlog is requests, old never-answered
	 * ones get fewer retries, keeping half the room for young ones. */
	uint32_t qlen = l->req_count;
	uint32_t half_floor = l->backlog > 8 ? l->backlog : 8;
	if (qlen * 2 > half_floor) {
		uint64_t young = (uint64_t)l->req_young << 1;
		while (max_retries > 2) {
			if (qlen < young)
				break;
			max_retries--;
			young <<= 1;
		}
	}
	/* syn_ack_recalc() */
	unsigned defer = l->opts.defer_accept;
	bool acked = (r->flags & TCP_REQ_ACKED) != 0;
	bool expire, resend;
	if (!defer) {
		expire = r->num_timeout >= max_retries;
		resend = true;
	} else {
		expire = r->num_timeout >= max_retries && (!acked || r->num_timeout >= defer);
		resend = !acked || (unsigned)r->num_timeout + 1 >= defer;
	}
	MIB_INC(s, TcpExtTCPTimeouts);
	if (expire) {
		/* Silent: no reset, no counter (inet_csk_reqsk_queue_drop()). */
		tcp_request_free(s, r);
		return;
	}
	if (resend)
		retransmit_synack(s, r);
	if (r->num_timeout++ == 0 && r->young) {
		r->young = 0;
		l->req_young--;
	}
	rearm(s, r, s->now + request_timeout(s, r));
}

/* tcp_in_window() of tcp_check_req(). */
static bool in_window(uint32_t seq, uint32_t end_seq, uint32_t s_win, uint32_t e_win)
{
	if (seq == s_win)
		return true;
	if (seq_after(end_seq, s_win) && seq_before(seq, e_win))
		return true;
	return seq == e_win && seq == end_seq;
}

/* An ACK from a request (tcp_v4_reqsk_send_ack()). */
static void request_send_ack(struct synq_stack *s, struct tcp_request *r,
                             const struct tcp_listener *l)
{
	struct tcp_segment ack = {
		.src_port = r->tuple.local_port, .dst_port = r->tuple.remote_port,
		.seq = r->snt_isn + 1, .ack = r->rcv_isn + 1, .flags = TCP_ACK,
		.window = (uint16_t)(tcp_synack_window(tcp_request_rcv_wnd(s, r, l)) >> r->rcv_wscale),
	};
	if (r->flags & TCP_REQ_TS_OK) {
		ack.opt.has_timestamp = true;
		ack.opt.tsval = tcp_ts_now(s) + tcp_conn_ts_offset(s, &r->tuple);
		ack.opt.tsecr = r->ts_recent;
	}
	struct ipv4_fields ipf = {
		.src_addr = r->tuple.local_addr, .dst_addr = r->tuple.remote_addr,
		.id = s->ip_id++, .ttl = (uint8_t)s->cfg.ip_default_ttl,
		.protocol = IPV4_PROTO_TCP, .dont_fragment = true, .tos = l->tos,
	};
	size_t n = tcp_segment_emit(s->tx, sizeof s->tx, &ipf, &ack);
	tcp_output_datagram(s, s->tx, n);
}

/* tcp_oow_rate_limited(): one answer per tcp_invalid_ratelimit. */
static bool rate_limited(struct synq_stack *s, struct tcp_request *r)
{
	uint32_t now = tcp_ms_stamp(s);
	if (r->last_oow_ms && now - r->last_oow_ms < (uint32_t)s->cfg.tcp_invalid_ratelimit) {
		MIB_INC(s, TcpExtTCPACKSkippedSynRecv);
		return true;
	}
	r->last_oow_ms = now;
	return false;
}

/* The request dies with a reset (tcp_check_req()'s embryonic_reset). */
static void embryonic_reset(struct synq_stack *s, struct tcp_request *r,
                            const struct tcp_segment *seg)
{
	if (!(seg->flags & TCP_RST))
		tcp_send_reset_for(s, seg);
	tcp_request_free(s, r);
	MIB_INC(s, TcpExtEmbryonicRsts);
}

static bool request_paws_reject(struct synq_stack *s, const struct tcp_request *r,
                                const struct tcp_segment *seg)
{
	if (!(r->flags & TCP_REQ_TS_OK) || !seg->opt.has_timestamp)
		return false;
	if ((int32_t)(r->ts_recent - seg->opt.tsval) <= 0 || r->ts_recent == 0)
		return false;
	/* ts_recent_stamp is estimated as "one timeout ago" (Linux does so too). */
	synq_time_t stamp = s->now - request_timeout(s, r);
	if ((seg->flags & TCP_RST) && s->now >= stamp + SYNQ_SEC(TCP_PAWS_MSL))
		return false;
	return true;
}

void tcp_request_input(struct synq_stack *s, struct tcp_request *r, const struct tcp_segment *seg,
                       uint32_t hash)
{
	struct tcp_listener *l = listener_of(s, r);
	uint8_t flags = seg->flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);
	bool paws_reject = request_paws_reject(s, r, seg);

	/* A retransmitted SYN: resend the SYN-ACK, restart the timer. */
	if (seg->seq == r->rcv_isn && flags == TCP_SYN && !paws_reject) {
		if (!rate_limited(s, r)) {
			retransmit_synack(s, r);
			rearm(s, r, s->now + request_timeout(s, r));
		}
		return;
	}
	/* An ACK of something we never sent: the listener answers with a
	 * reset; the request survives. */
	if ((flags & TCP_ACK) && seg->ack != r->snt_isn + 1) {
		tcp_send_reset_for(s, seg);
		return;
	}
	uint32_t rcv_nxt = r->rcv_isn + 1;
	uint32_t end_seq = seg->seq + seg->payload_len + ((flags & TCP_SYN) ? 1 : 0) +
	                   ((flags & TCP_FIN) ? 1 : 0);
	if (paws_reject ||
	    !in_window(seg->seq, end_seq, rcv_nxt, rcv_nxt + tcp_synack_window(tcp_request_rcv_wnd(s, r, l)))) {
		if (!(flags & TCP_RST) && !rate_limited(s, r))
			request_send_ack(s, r, l);
		if (paws_reject)
			MIB_INC(s, TcpExtPAWSEstab);
		DROP(s, TCP_SEQUENCE);
		return;
	}
	if ((r->flags & TCP_REQ_TS_OK) && seg->opt.has_timestamp && !seq_after(seg->seq, rcv_nxt))
		r->ts_recent = seg->opt.tsval;
	if (seg->seq == r->rcv_isn)
		flags &= (uint8_t)~TCP_SYN; /* the SYN itself is below the window */
	if (flags & (TCP_RST | TCP_SYN)) {
		MIB_INC(s, TcpAttemptFails);
		embryonic_reset(s, r, seg);
		return;
	}
	if (!(flags & TCP_ACK)) {
		DROP(s, TCP_FLAGS);
		return;
	}
	/* TCP_DEFER_ACCEPT: a bare ACK is dropped and remembered. */
	if (r->num_timeout < l->opts.defer_accept && end_seq == r->rcv_isn + 1) {
		r->flags |= TCP_REQ_ACKED;
		MIB_INC(s, TcpExtTCPDeferAcceptDrop);
		DROP(s, TCP_LISTEN);
		return;
	}
	switch (tcp_overflow_on_ack(s, l)) {
	case TCP_OVERFLOW_KEEP:
		r->flags |= TCP_REQ_ACKED;
		return;
	case TCP_OVERFLOW_RESET:
		embryonic_reset(s, r, seg);
		return;
	case TCP_OVERFLOW_FORGET:
		tcp_request_free(s, r);
		return;
	case TCP_ACCEPT_ROOM:
		break;
	}
	struct tcp_child_params p = {
		.tuple = r->tuple, .snt_isn = r->snt_isn, .rcv_isn = r->rcv_isn,
		.ts_recent = r->ts_recent, .mss = r->mss, .flags = r->flags,
		.snd_wscale = r->snd_wscale, .rcv_wscale = r->rcv_wscale,
		.num_timeout = r->num_timeout, .num_retrans = r->num_retrans,
		.synack_us = r->synack_us,
		.synack_once = r->num_retrans == 0,
		.hash = hash,
	};
	request_free_at(s, r, hash);
	if (tcp_child_create(s, l, &p, seg) == NULL) {
		tcp_overflow_no_child(s, l);
		tcp_send_reset_for(s, seg);
	}
}

/* ------------------------------------------------- a connection is born */

struct tcp_conn *tcp_child_create(struct synq_stack *s, struct tcp_listener *l,
                                  const struct tcp_child_params *p,
                                  const struct tcp_segment *seg)
{
	struct tcp_conn *c = tcp_conn_alloc(s);
	if (c == NULL)
		return NULL;
	c->tuple = p->tuple;
	c->opts = l->opts;
	c->tos = l->tos;
	c->opts.defer_accept = 0;
	c->flags |= TCP_CONN_PASSIVE;
	c->snd_una = c->snd_nxt = c->write_seq = p->snt_isn + 1;
	c->pushed_seq = c->snd_sml = c->write_seq;
	c->rcv_nxt = c->copied_seq = c->rcv_wup = p->rcv_isn + 1;
	c->ts_offset = tcp_conn_ts_offset(s, &c->tuple);
	if (p->flags & TCP_REQ_TS_OK) {
		c->flags |= TCP_CONN_TS_OK;
		c->ts_recent = p->ts_recent;
		c->ts_recent_stamp = tcp_ts_seconds(s);
	}
	if (p->flags & TCP_REQ_SACK_OK)
		c->flags |= TCP_CONN_SACK_OK;
	if (p->flags & TCP_REQ_WSCALE_OK) {
		c->flags |= TCP_CONN_WSCALE_OK;
		c->snd_wscale = p->snd_wscale;
		c->rcv_wscale = p->rcv_wscale;
	}
	c->mss_clamp = p->mss ? p->mss : TCP_MSS_DEFAULT;
	struct tcp_request req_view = { .flags = p->flags, .rcv_wscale = p->rcv_wscale,
	                                .tuple = p->tuple };
	c->rcv_wnd = tcp_request_rcv_wnd(s, &req_view, l);
	c->rcv_ssthresh = c->rcv_wnd;
	c->window_clamp = tcp_initial_window_clamp(&l->opts, c->rcv_wscale);
	c->advmss = (uint16_t)(s->cfg.mtu - IPV4_HEADER_MIN - TCP_HEADER_MIN);
	if (l->opts.user_mss && l->opts.user_mss < c->advmss)
		c->advmss = l->opts.user_mss;
	if (c->flags & TCP_CONN_TS_OK)
		c->advmss -= 12;
	c->snd_wnd = (uint32_t)seg->window << c->snd_wscale;
	c->snd_wl1 = p->rcv_isn;
	c->max_window = c->snd_wnd;
	c->total_retrans = p->num_retrans;
	tcp_conn_sync_mss(s, c);
	tcp_initialize_rcv_mss(c);

	/* tcp_synack_rtt_meas(): from the SYN-ACK if it was sent once,
	 * otherwise from the echoed timestamp. */
	if (p->synack_once) {
		tcp_rtt_sample(s, c, (int32_t)(tcp_us_stamp(s) - p->synack_us));
	} else if ((c->flags & TCP_CONN_TS_OK) && seg->opt.has_timestamp && seg->opt.tsecr) {
		uint32_t delta = tcp_ts_now(s) + c->ts_offset - seg->opt.tsecr;
		if (delta < INT32_MAX / 1000)
			tcp_rtt_sample(s, c, (int64_t)(delta ? delta : 1) * 1000);
	}

	c->flags |= TCP_CONN_IN_TABLE;
	tcp_table_insert_at(s, TCP_HANDLE(TCP_OBJ_CONN, tcp_conn_index(s, c)), p->hash);
	MIB_INC(s, TcpPassiveOpens);
	c->state = SYNQ_TCP_SYN_RECV;
	tcp_conn_set_state(s, c, SYNQ_TCP_ESTABLISHED);
	tcp_init_transfer(s, c);
	c->rcv_tstamp = tcp_ms_stamp(s);
	if (c->opts.keepalive)
		tcp_keepalive_reset(s, c);
	tcp_accept_enqueue(s, l, c);
	/* The segment that completed the handshake may carry data. */
	tcp_conn_input(s, c, seg);
	return c;
}
