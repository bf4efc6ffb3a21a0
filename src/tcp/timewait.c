/* SPDX-License-Identifier: BSD-2-Clause */
/* TIME-WAIT (Linux's tcp_minisocks.c): the side that closes first keeps a
 * small object for 60 s that answers old segments, instead of a full
 * connection. An orphaned FIN_WAIT2 uses the same object. A new SYN with a
 * higher sequence number or a newer timestamp may reopen the connection. */
#include "tcp/input_internal.h"
#include "tcp/listen/listen_internal.h"

static uint32_t tw_index(struct synq_stack *s, const struct tcp_timewait *tw)
{
	return pool_index_of(&s->timewaits, tw);
}

static struct tcp_timewait *tw_at(struct synq_stack *s, uint32_t index)
{
	return pool_at(&s->timewaits, index);
}

static uint32_t tw_handle(struct synq_stack *s, const struct tcp_timewait *tw)
{
	return TCP_HANDLE(TCP_OBJ_TIMEWAIT, tw_index(s, tw));
}

static void fifo_unlink(struct synq_stack *s, struct tcp_timewait *tw)
{
	if (tw->prev == TCP_NONE)
		s->tw_head = tw->next;
	else
		tw_at(s, tw->prev)->next = tw->next;
	if (tw->next == TCP_NONE)
		s->tw_tail = tw->prev;
	else
		tw_at(s, tw->next)->prev = tw->prev;
	tw->prev = tw->next = TCP_NONE;
}

/* Insert by deadline, searching from the tail: a new or re-armed
 * TIME-WAIT nearly always goes last. */
static void fifo_insert(struct synq_stack *s, struct tcp_timewait *tw)
{
	uint32_t self = tw_index(s, tw);
	uint32_t after = s->tw_tail;
	while (after != TCP_NONE &&
	       (int32_t)(tw_at(s, after)->deadline_ms - tw->deadline_ms) > 0)
		after = tw_at(s, after)->prev;
	tw->prev = after;
	if (after == TCP_NONE) {
		tw->next = s->tw_head;
		s->tw_head = self;
	} else {
		tw->next = tw_at(s, after)->next;
		tw_at(s, after)->next = self;
	}
	if (tw->next == TCP_NONE)
		s->tw_tail = self;
	else
		tw_at(s, tw->next)->prev = self;
}

static void reschedule(struct synq_stack *s, struct tcp_timewait *tw, synq_time_t timeout)
{
	fifo_unlink(s, tw);
	tw->deadline_ms = tcp_time_to_ms(tcp_wheel_expiry(s, s->now + timeout));
	fifo_insert(s, tw);
}

synq_time_t tcp_timewait_next_deadline(const struct synq_stack *s)
{
	if (s->tw_head == TCP_NONE)
		return SYNQ_TIME_NEVER;
	const struct tcp_timewait *tw = pool_at(&s->timewaits, s->tw_head);
	return tcp_ms_to_time(s, tw->deadline_ms);
}

/* tcp_ms_to_time(deadline_ms) <= now, with now_ms = now in whole ms */
static bool tw_due(const struct synq_stack *s, const struct tcp_timewait *tw)
{
	return (int32_t)(tw->deadline_ms - (uint32_t)s->now_ms) <= 0;
}

bool tcp_timewait_due(const struct synq_stack *s)
{
	return s->tw_head != TCP_NONE && tw_due(s, tw_at((struct synq_stack *)s, s->tw_head));
}

void tcp_timewait_expire(struct synq_stack *s)
{
	while (s->tw_head != TCP_NONE) {
		struct tcp_timewait *tw = tw_at(s, s->tw_head);
		if (!tw_due(s, tw))
			break;
		tcp_timewait_free(s, tw);
	}
}

/* Replace a closing connection by a TIME-WAIT object (tcp_time_wait()).
 * The connection itself ends (CLOSE); its descriptor, if any, keeps it. */
void tcp_time_wait(struct synq_stack *s, struct tcp_conn *c, uint8_t substate,
                   synq_time_t timeout)
{
	uint32_t index = POOL_NONE;
	if (s->timewaits.used < (uint32_t)s->cfg.tcp_max_tw_buckets)
		index = pool_alloc(&s->timewaits);
	if (index == POOL_NONE) {
		MIB_INC(s, TcpExtTCPTimeWaitOverflow);
		s->tw_overflows++;
		tcp_conn_done(s, c);
		return;
	}
	struct tcp_timewait *tw = pool_at(&s->timewaits, index);
	tw->hash_next = TCP_NONE;
	tw->prev = tw->next = TCP_NONE;
	tw->tuple = c->tuple;
	tw->snd_nxt = c->snd_nxt;
	tw->rcv_nxt = c->rcv_nxt;
	tw->rcv_wscale = c->rcv_wscale;
	uint32_t wnd = tcp_receive_window(c);
	tw->rcv_wnd = (uint16_t)((wnd >> c->rcv_wscale) > 0xffff ? 0xffff : wnd >> c->rcv_wscale);
	tw->ts_ok = (c->flags & TCP_CONN_TS_OK) != 0;
	tw->ts_recent = c->ts_recent;
	tw->ts_recent_stamp = c->ts_recent_stamp;
	tw->ts_offset = c->ts_offset;
	tw->substate = substate;

	synq_time_t rto = SYNQ_MSEC(c->rto_ms) * 7 / 2;
	if (timeout < rto)
		timeout = rto;
	if (substate == SYNQ_TCP_TIME_WAIT)
		timeout = TCP_TIMEWAIT_LEN;
	/* The connection leaves the table before the TIME-WAIT enters it. */
	tcp_conn_done(s, c);
	tcp_table_insert(s, tw_handle(s, tw));
	tw->deadline_ms = tcp_time_to_ms(tcp_wheel_expiry(s, s->now + timeout));
	fifo_insert(s, tw);
	/* Linux counts a TIME-WAIT socket when it is first scheduled, not when
	 * it goes: as TW, or as TWKilled when its timer is 4 s or less (a
	 * FIN-WAIT-2 ending early) (__inet_twsk_schedule()). */
	if (timeout <= SYNQ_SEC(4))
		MIB_INC(s, TcpExtTWKilled);
	else
		MIB_INC(s, TcpExtTW);
}

void tcp_timewait_free(struct synq_stack *s, struct tcp_timewait *tw)
{
	tcp_table_remove(s, tw_handle(s, tw));
	fifo_unlink(s, tw);
	pool_free(&s->timewaits, tw_index(s, tw));
}

/* tcp_v4_timewait_ack() */
static void timewait_ack(struct synq_stack *s, struct tcp_timewait *tw)
{
	struct tcp_segment ack = {
		.src_port = tw->tuple.local_port, .dst_port = tw->tuple.remote_port,
		.seq = tw->snd_nxt, .ack = tw->rcv_nxt, .flags = TCP_ACK,
		.window = tw->rcv_wnd,
	};
	if (tw->ts_ok) {
		ack.opt.has_timestamp = true;
		ack.opt.tsval = tcp_ts_now(s) + tw->ts_offset;
		ack.opt.tsecr = tw->ts_recent;
	}
	struct ipv4_fields ipf = {
		.src_addr = tw->tuple.local_addr, .dst_addr = tw->tuple.remote_addr,
		.id = s->ip_id++, .ttl = (uint8_t)s->cfg.ip_default_ttl,
		.protocol = IPV4_PROTO_TCP, .dont_fragment = true,
	};
	size_t n = tcp_segment_emit(s->tx, sizeof s->tx, &ipf, &ack);
	tcp_output_datagram(s, s->tx, n);
}

static bool tw_in_window(uint32_t seq, uint32_t end_seq, uint32_t s_win, uint32_t e_win)
{
	if (seq == s_win)
		return true;
	if (seq_after(end_seq, s_win) && seq_before(seq, e_win))
		return true;
	return seq == e_win && seq == end_seq;
}

static bool tw_paws_reject(struct synq_stack *s, const struct tcp_timewait *tw,
                           const struct tcp_segment *seg)
{
	if (!tw->ts_ok || !tw->ts_recent_stamp || !seg->opt.has_timestamp)
		return false;
	if ((int32_t)(tw->ts_recent - seg->opt.tsval) <= 0)
		return false;
	if (tcp_ts_seconds(s) >= tw->ts_recent_stamp + TCP_PAWS_24DAYS)
		return false;
	if ((seg->flags & TCP_RST) && tcp_ts_seconds(s) >= tw->ts_recent_stamp + TCP_PAWS_MSL)
		return false;
	return true;
}

static void remember_timestamp(struct synq_stack *s, struct tcp_timewait *tw,
                               const struct tcp_segment *seg)
{
	if (tw->ts_ok && seg->opt.has_timestamp) {
		tw->ts_recent = seg->opt.tsval;
		tw->ts_recent_stamp = tcp_ts_seconds(s);
	}
}

/* tcp_timewait_state_process() with the caller's actions folded in. */
void tcp_timewait_input(struct synq_stack *s, struct tcp_timewait *tw,
                        const struct tcp_segment *seg)
{
	bool paws_reject = tw_paws_reject(s, tw, seg);
	uint8_t fl = seg->flags;
	uint32_t end_seq = seg->seq + seg->payload_len + ((fl & TCP_SYN) ? 1 : 0) +
	                   ((fl & TCP_FIN) ? 1 : 0);
	uint32_t rcv_nxt = tw->rcv_nxt;

	if (tw->substate == SYNQ_TCP_FIN_WAIT2) {
		uint32_t wnd = (uint32_t)tw->rcv_wnd << tw->rcv_wscale;
		if (paws_reject || !tw_in_window(seg->seq, end_seq, rcv_nxt, rcv_nxt + wnd)) {
			timewait_ack(s, tw);
			return;
		}
		if (fl & TCP_RST) {
			tcp_timewait_free(s, tw);
			return;
		}
		if ((fl & TCP_SYN) && !seq_before(seg->seq, rcv_nxt))
			goto reset;
		if (!(fl & TCP_ACK) || !seq_after(end_seq, rcv_nxt) || end_seq == seg->seq)
			return; /* a duplicate ACK */
		if (!(fl & TCP_FIN) || end_seq != rcv_nxt + 1)
			goto reset; /* new data after a half-duplex close */
		/* The FIN: true TIME-WAIT now. */
		tw->substate = SYNQ_TCP_TIME_WAIT;
		tw->rcv_nxt = end_seq;
		remember_timestamp(s, tw, seg);
		reschedule(s, tw, TCP_TIMEWAIT_LEN);
		timewait_ack(s, tw);
		return;
	}

	if (!paws_reject && seg->seq == rcv_nxt && (seg->seq == end_seq || (fl & TCP_RST))) {
		/* In window: only a reset or a bare ACK. */
		if (fl & TCP_RST) {
			if (!s->cfg.tcp_rfc1337) {
				tcp_timewait_free(s, tw); /* TIME-WAIT assassination */
				return;
			}
		} else {
			reschedule(s, tw, TCP_TIMEWAIT_LEN);
		}
		remember_timestamp(s, tw, seg);
		return;
	}

	/* A new SYN may reopen the connection (RFC 1122 4.2.2.13). */
	if ((fl & TCP_SYN) && !(fl & (TCP_RST | TCP_ACK)) && !paws_reject &&
	    (seq_after(seg->seq, rcv_nxt) ||
	     (tw->ts_ok && seg->opt.has_timestamp &&
	      (int32_t)(tw->ts_recent - seg->opt.tsval) < 0))) {
		uint32_t isn = tw->snd_nxt + 65535 + 2;
		if (isn == 0)
			isn++;
		struct tcp_listener *l = tcp_listener_lookup(s, seg->dst_addr, seg->dst_port);
		if (l != NULL) {
			tcp_timewait_free(s, tw);
			tcp_conn_request(s, l, seg, isn);
			return;
		}
		timewait_ack(s, tw);
		return;
	}
	if (paws_reject)
		DROP(s, TCP_PAWS);
	if (!(fl & TCP_RST)) {
		if (paws_reject || (fl & TCP_ACK))
			reschedule(s, tw, TCP_TIMEWAIT_LEN);
		timewait_ack(s, tw);
	}
	return;

reset:
	tcp_send_reset_for(s, seg);
	tcp_timewait_free(s, tw);
}
