/* SPDX-License-Identifier: BSD-2-Clause */
/* Segment arrival for connections: the RFC 9293 order of checks as Linux
 * applies it (tcp_rcv_state_process(), tcp_rcv_established(),
 * tcp_validate_incoming(), tcp_rcv_synsent_state_process()).
 *
 * The listener, request and TIME-WAIT paths have files of their own
 * (listen/listener.c, listen/request.c, timewait.c); tcp_input() only
 * routes a segment to its owner. */
#include <errno.h>

#include "tcp/chrono.h"
#include "tcp/input_internal.h"
#include "tcp/stack_internal.h"

/* ---------------------------------------------------------- dispatch */

void tcp_input(struct synq_stack *s, const struct tcp_segment *seg)
{
	struct tcp_tuple t = {
		.local_addr = seg->dst_addr, .remote_addr = seg->src_addr,
		.local_port = seg->dst_port, .remote_port = seg->src_port,
	};
	uint32_t hash = tcp_table_hash(s, &t);
	uint32_t h = tcp_table_lookup_at(s, &t, hash);
	if (h != TCP_NONE) {
		uint32_t i = TCP_HANDLE_INDEX(h);
		switch (TCP_HANDLE_KIND(h)) {
		case TCP_OBJ_CONN: {
			/* Ask for the lines every segment uses (conn.h) at once:
			 * a client stack among hundreds meets its connection
			 * cold, and fetched one after the other as the code
			 * reaches them the misses wait in turn. */
			struct tcp_conn *c = tcp_conn_at(s, i);
			for (size_t off = 64; off < TCP_CONN_HOT_LINES * 64; off += 64)
				__builtin_prefetch((const char *)c + off, 1, 3);
			/* And the header of the oldest segment in flight, which an
			 * ACK reads and frees (ack.c): sent a round trip ago, it
			 * is cold, and asked for only when the ACK gets there it
			 * is one more miss waited for in turn. */
			uint32_t oldest = c->sndq.head;
			if ((seg->flags & TCP_ACK) && oldest != c->send_head && oldest != POOL_NONE)
				__builtin_prefetch(pool_at(&s->segbufs, oldest), 1, 3);
			tcp_conn_input(s, c, seg);
			return;
		}
		case TCP_OBJ_REQUEST:
			tcp_request_input(s, pool_at(&s->requests, i), seg, hash);
			return;
		case TCP_OBJ_TIMEWAIT:
			tcp_timewait_input(s, pool_at(&s->timewaits, i), seg);
			return;
		}
	}
	struct tcp_listener *l = tcp_listener_lookup(s, seg->dst_addr, seg->dst_port);
	if (l != NULL) {
		tcp_listen_input(s, l, seg, hash);
		return;
	}
	/* No socket: answer with a reset (Linux's tcp_v4_send_reset()). */
	DROP(s, TCP_NO_SOCKET);
	tcp_send_reset_for(s, seg);
}

/* ------------------------------------------------- timestamps, PAWS */

/* Linux's tcp_paws_check(): may a timestamp be accepted against
 * ts_recent, with the given slack? */
static bool paws_check(const struct synq_stack *s, const struct tcp_conn *c,
                       uint32_t tsval, int32_t window)
{
	if ((int32_t)(c->ts_recent - tsval) <= window)
		return true;
	if (tcp_ts_seconds(s) >= c->ts_recent_stamp + TCP_PAWS_24DAYS)
		return true;
	return c->ts_recent == 0;
}

/* Linux's tcp_disordered_ack(): a pure duplicate ACK that carries an old
 * timestamp only because ACKs were reordered. */
static bool disordered_ack(const struct tcp_conn *c, const struct tcp_segment *seg)
{
	uint32_t seq = seg->seq;
	uint32_t ack = seg->ack;
	return (seg->flags & TCP_ACK) && seg->payload_len == 0 &&
	       !(seg->flags & (TCP_SYN | TCP_FIN | TCP_RST)) && seq == c->rcv_nxt &&
	       ack == c->snd_una &&
	       !(seq == c->snd_wl1 && ((uint32_t)seg->window << c->snd_wscale) != c->snd_wnd) &&
	       (int32_t)(c->ts_recent - seg->opt.tsval) <= (int32_t)(c->rto_ms * 1024 / 1000);
}

static bool paws_discard(const struct synq_stack *s, const struct tcp_conn *c,
                         const struct tcp_segment *seg)
{
	return !paws_check(s, c, seg->opt.tsval, TCP_PAWS_WINDOW) && !disordered_ack(c, seg);
}

/* Linux's tcp_replace_ts_recent(): remember the peer's timestamp of a
 * segment that starts at or before the window we last advertised. */
void tcp_replace_ts_recent(struct synq_stack *s, struct tcp_conn *c,
                           const struct tcp_segment *seg)
{
	if ((c->flags & TCP_CONN_TS_OK) && seg->opt.has_timestamp &&
	    !seq_after(seg->seq, c->rcv_wup) && paws_check(s, c, seg->opt.tsval, 0)) {
		c->ts_recent = seg->opt.tsval;
		c->ts_recent_stamp = tcp_ts_seconds(s);
	}
}

/* ------------------------------------------------------- validation */

uint32_t tcp_receive_window(const struct tcp_conn *c)
{
	int64_t w = (int64_t)c->rcv_wup + c->rcv_wnd - c->rcv_nxt;
	return w > 0 ? (uint32_t)w : 0;
}

static uint32_t seg_end_seq(const struct tcp_segment *seg)
{
	return seg->seq + seg->payload_len + ((seg->flags & TCP_SYN) ? 1 : 0) +
	       ((seg->flags & TCP_FIN) ? 1 : 0);
}

enum seq_verdict { SEQ_OK, SEQ_OLD, SEQ_BEYOND };

/* Linux's tcp_sequence(): is any of the segment in the window? A segment
 * running past the window is taken only while nothing waits to be read;
 * a FIN just past it is let through and judged later (some stacks send a
 * FIN into a zero window). */
static enum seq_verdict sequence_check(const struct tcp_conn *c, uint32_t seq,
                                       uint32_t end_seq, bool fin)
{
	uint32_t right = c->rcv_nxt + tcp_receive_window(c);
	if (seq_before(end_seq, c->rcv_wup))
		return SEQ_OLD;
	if (seq_after(end_seq, right)) {
		if (!seq_after(end_seq - fin, right))
			return SEQ_OK;
		if (seq_after(seq, right))
			return SEQ_BEYOND;
		if (!segq_empty(&c->rcvq))
			return SEQ_BEYOND;
	}
	return SEQ_OK;
}

/* A reset that matches rcv_nxt - 1 after the peer's FIN (RFC 5961 3.2 as
 * Linux extends it, tcp_reset_check()). */
static bool reset_after_fin(const struct tcp_conn *c, uint32_t seq)
{
	return seq == c->rcv_nxt - 1 &&
	       (c->state == SYNQ_TCP_CLOSE_WAIT || c->state == SYNQ_TCP_LAST_ACK ||
	        c->state == SYNQ_TCP_CLOSING);
}

static bool reset_matches_sack_edge(const struct tcp_conn *c, uint32_t seq)
{
	if (!(c->flags & TCP_CONN_SACK_OK) || c->num_sacks == 0)
		return false;
	uint32_t right = c->selective_acks[0].end;
	for (unsigned i = 1; i < c->num_sacks; i++)
		if (seq_after(c->selective_acks[i].end, right))
			right = c->selective_acks[i].end;
	return seq == right;
}

/* Linux's tcp_oow_rate_limited(): answers to out-of-window pure ACKs
 * and SYNs are limited to one per tcp_invalid_ratelimit. Data is always
 * answered. */
static bool oow_rate_limited(struct synq_stack *s, struct tcp_conn *c,
                             const struct tcp_segment *seg, enum synq_mib_counter mib)
{
	if (seg->payload_len && !(seg->flags & TCP_SYN))
		return false;
	synq_time_t gap = SYNQ_MSEC(s->cfg.tcp_invalid_ratelimit);
	uint32_t now = tcp_ms_stamp(s);
	if (c->last_oow_ack && now - c->last_oow_ack < (uint32_t)(gap / SYNQ_MSEC(1))) {
		s->mib.value[mib]++;
		return true;
	}
	c->last_oow_ack = now;
	return false;
}

/* Linux's tcp_validate_incoming(): PAWS, the sequence check, RST and SYN
 * handling (RFC 5961). Returns false if the segment was consumed. */
static bool validate_incoming(struct synq_stack *s, struct tcp_conn *c,
                              const struct tcp_segment *seg)
{
	if ((c->flags & TCP_CONN_TS_OK) && seg->opt.has_timestamp && paws_discard(s, c, seg)) {
		if (!(seg->flags & TCP_RST)) {
			if (seg->flags & TCP_SYN)
				goto syn_challenge;
			MIB_INC(s, TcpExtPAWSEstab);
			if (!oow_rate_limited(s, c, seg, SYNQ_MIB_TcpExtTCPACKSkippedPAWS))
				tcp_send_dupack(s, c, seg);
			DROP(s, TCP_PAWS);
			return false;
		}
		/* A reset is accepted even if it fails PAWS. */
	}

	enum seq_verdict v = sequence_check(c, seg->seq, seg_end_seq(seg),
	                                    (seg->flags & TCP_FIN) != 0);
	if (v != SEQ_OK) {
		if (!(seg->flags & TCP_RST)) {
			if (seg->flags & TCP_SYN)
				goto syn_challenge;
			if (v == SEQ_BEYOND)
				MIB_INC(s, TcpExtBeyondWindow);
			if (!oow_rate_limited(s, c, seg, SYNQ_MIB_TcpExtTCPACKSkippedSeq))
				tcp_send_dupack(s, c, seg);
		} else if (reset_after_fin(c, seg->seq)) {
			tcp_conn_reset(s, c, 0);
			return false;
		}
		DROP(s, TCP_SEQUENCE);
		return false;
	}

	if (seg->flags & TCP_RST) {
		if (seg->seq == c->rcv_nxt || reset_after_fin(c, seg->seq) ||
		    reset_matches_sack_edge(c, seg->seq)) {
			tcp_conn_reset(s, c, 0);
			return false;
		}
		tcp_send_challenge_ack(s, c);
		DROP(s, TCP_RST);
		return false;
	}

	if (seg->flags & TCP_SYN) {
		/* A retransmitted SYN-ACK's ACK in a simultaneous open passes. */
		if (c->state == SYNQ_TCP_SYN_RECV && (seg->flags & TCP_ACK) &&
		    seg->seq + 1 == c->rcv_nxt && seg->ack == c->snd_nxt &&
		    seg->payload_len == 0)
			return true;
syn_challenge:
		MIB_INC(s, TcpExtTCPSYNChallenge);
		tcp_send_challenge_ack(s, c);
		DROP(s, TCP_FLAGS);
		return false;
	}
	return true;
}

/* ---------------------------------------------------- active open */

/* Record the options of a SYN or SYN-ACK (Linux's tcp_parse_options() for
 * a SYN, against our sysctls). */
void tcp_take_syn_options(struct synq_stack *s, struct tcp_conn *c,
                          const struct tcp_segment *seg)
{
	const struct tcp_options *o = &seg->opt;
	if (o->has_mss && o->mss) {
		uint16_t mss = o->mss;
		if (c->opts.user_mss && c->opts.user_mss < mss)
			mss = c->opts.user_mss;
		c->mss_clamp = mss;
	} else {
		c->mss_clamp = TCP_MSS_DEFAULT;
	}
	if (o->has_wscale && s->cfg.tcp_window_scaling) {
		c->flags |= TCP_CONN_WSCALE_OK;
		c->snd_wscale = o->wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o->wscale;
	} else {
		c->flags &= (uint16_t)~TCP_CONN_WSCALE_OK;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	if (o->sack_permitted && s->cfg.tcp_sack)
		c->flags |= TCP_CONN_SACK_OK;
	if (o->has_timestamp && s->cfg.tcp_timestamps) {
		c->flags |= TCP_CONN_TS_OK;
		c->ts_recent = o->tsval;
		c->ts_recent_stamp = tcp_ts_seconds(s);
	}
}

/* The first receive MSS guess (Linux's tcp_initialize_rcv_mss()). */
void tcp_initialize_rcv_mss(struct tcp_conn *c)
{
	uint32_t hint = c->advmss < c->mss_cache ? c->advmss : c->mss_cache;
	if (hint > c->rcv_wnd / 2)
		hint = c->rcv_wnd / 2;
	if (hint > TCP_MSS_DEFAULT)
		hint = TCP_MSS_DEFAULT;
	if (hint < TCP_MIN_MSS)
		hint = TCP_MIN_MSS;
	c->rcv_mss = (uint16_t)hint;
}

/* Linux's tcp_init_transfer() after the handshake: buffers and the
 * initial congestion window. */
void tcp_init_transfer(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->srtt_us == 0 && (c->retrans_stamp || c->total_retrans)) {
		/* The handshake needed retransmissions and gave no RTT:
		 * fall back to 3 s (RFC 6298 5.7). */
		c->rttvar_us = 3000000;
		c->mdev_us = c->mdev_max_us = c->rttvar_us;
		c->rto_ms = 3000;
	}
	/* An active open whose SYN needed more than one retry starts at one
	 * segment (Linux's undo_marker is only set on that side). */
	bool slow = !(c->flags & TCP_CONN_PASSIVE) && c->total_retrans > 1;
	c->snd_cwnd = slow ? 1 : TCP_INIT_CWND;
	c->retrans_stamp = 0;
	c->retransmits = 0;
	c->backoff = 0;
	tcp_sndbuf_expand(s, c);
	/* tcp_finish_connect() and tcp_create_openreq_child() start both
	 * clocks at the handshake (TCP_INFO's last_data_sent/recv). */
	c->lsndtime = tcp_ms_stamp(s);
	c->lrcvtime = c->lsndtime;
	/* tcp_init_buffer_space(): the window clamp follows the buffer, and
	 * keeps one segment of it for the application (tcp_app_win 31). */
	uint32_t full = tcp_full_space(c);
	uint32_t two = 2u * c->advmss;
	if (c->window_clamp >= full)
		c->window_clamp = full;
	if (c->window_clamp > two && c->window_clamp + c->advmss > full)
		c->window_clamp = full - c->advmss > two ? full - c->advmss : two;
	if (c->rcv_ssthresh > c->window_clamp)
		c->rcv_ssthresh = c->window_clamp;
	uint32_t space = c->rcv_ssthresh < c->rcv_wnd ? c->rcv_ssthresh : c->rcv_wnd;
	if (space > TCP_INIT_CWND * (uint32_t)c->advmss)
		space = TCP_INIT_CWND * (uint32_t)c->advmss;
	c->rcvq_space = space;
	c->rcvq_seq = c->copied_seq;
	c->rcvq_time = tcp_us_stamp(s);
}

void tcp_finish_connect(struct synq_stack *s, struct tcp_conn *c)
{
	tcp_conn_set_state(s, c, SYNQ_TCP_ESTABLISHED);
	tcp_init_transfer(s, c);
	c->rcv_tstamp = tcp_ms_stamp(s);
	if (c->opts.keepalive)
		tcp_keepalive_reset(s, c);
}

/* Linux's tcp_rcv_synsent_state_process(). Returns true when the caller
 * must answer the segment with a reset. */
static bool synsent_input(struct synq_stack *s, struct tcp_conn *c,
                          const struct tcp_segment *seg)
{
	if (seg->flags & TCP_ACK) {
		if (!seq_after(seg->ack, c->snd_una) || seq_after(seg->ack, c->snd_nxt))
			return true;
		/* The echoed timestamp must fall between our first SYN and now. */
		if (seg->opt.has_timestamp && seg->opt.tsecr && s->cfg.tcp_timestamps) {
			uint32_t echoed = seg->opt.tsecr - c->ts_offset;
			uint32_t first = c->retrans_stamp;
			if (!seq_between(echoed, first, tcp_ts_now(s))) {
				MIB_INC(s, TcpExtPAWSActive);
				return true;
			}
		}
		if (seg->flags & TCP_RST) {
			tcp_conn_reset(s, c, 0);
			return false;
		}
		if (!(seg->flags & TCP_SYN)) {
			DROP(s, TCP_FLAGS);
			return false;
		}
		/* Our SYN is acknowledged: ESTABLISHED. */
		tcp_take_syn_options(s, c, seg);
		c->snd_wl1 = seg->seq;
		tcp_ack_syn(s, c, seg);
		c->rcv_nxt = seg->seq + 1;
		c->rcv_wup = c->rcv_nxt;
		c->snd_wnd = seg->window; /* never scaled in a SYN */
		c->max_window = c->snd_wnd;
		if (!(c->flags & TCP_CONN_WSCALE_OK) && c->window_clamp > 65535)
			c->window_clamp = 65535;
		if (c->flags & TCP_CONN_TS_OK)
			c->advmss -= 12;
		tcp_conn_sync_mss(s, c);
		tcp_initialize_rcv_mss(c);
		c->copied_seq = c->rcv_nxt;
		tcp_finish_connect(s, c);
		if (c->opts.defer_accept || c->pingpong) {
			/* Save an ACK: let it ride on the first data. */
			c->ack_flags |= TCP_ACK_SCHED;
			tcp_enter_quickack_mode(c, TCP_MAX_QUICKACKS);
			c->ack_flags |= TCP_ACK_TIMER;
			tcp_conn_timer_set(s, c, TCP_TIMER_DELACK, s->now + TCP_DELACK_MAX);
		} else {
			tcp_send_ack(s, c);
		}
		tcp_push(s, c);
		return false;
	}
	if (seg->flags & TCP_RST) {
		DROP(s, TCP_RST);
		return false;
	}
	if (seg->flags & TCP_SYN) {
		/* Crossed SYNs: simultaneous open. */
		tcp_conn_set_state(s, c, SYNQ_TCP_SYN_RECV);
		tcp_take_syn_options(s, c, seg);
		c->rcv_nxt = seg->seq + 1;
		c->copied_seq = c->rcv_nxt;
		c->rcv_wup = c->rcv_nxt;
		c->snd_wnd = seg->window;
		c->snd_wl1 = seg->seq;
		c->max_window = c->snd_wnd;
		tcp_conn_sync_mss(s, c);
		tcp_initialize_rcv_mss(c);
		tcp_send_syn(s, c);
		return false;
	}
	DROP(s, TCP_FLAGS);
	return false;
}

/* ------------------------------------------------- the state machine */

static uint32_t fin_timeout_ms(const struct synq_stack *s, const struct tcp_conn *c)
{
	/* Linux's tcp_fin_time(): tcp_fin_timeout, at least 3.5 RTO. */
	uint32_t fin = (uint32_t)s->cfg.tcp_fin_timeout * 1000;
	uint32_t floor = c->rto_ms * 7 / 2;
	return fin > floor ? fin : floor;
}

/* Data or a FIN for tcp_data_queue() (a SYN's own number is not text). */
static bool carries_text(const struct tcp_segment *seg)
{
	return seg->payload_len || (seg->flags & TCP_FIN);
}

/* Step 5 for the closing states (our FIN acknowledged). Returns true if
 * the connection is gone (TIME-WAIT or closed) and the segment consumed. */
static bool fin_acked_transitions(struct synq_stack *s, struct tcp_conn *c,
                                  const struct tcp_segment *seg, bool *send_reset)
{
	bool our_fin_acked = c->snd_una == c->write_seq && (c->flags & TCP_CONN_FIN_QUEUED);
	switch (c->state) {
	case SYNQ_TCP_FIN_WAIT1: {
		if (!our_fin_acked)
			break;
		tcp_conn_set_state(s, c, SYNQ_TCP_FIN_WAIT2);
		c->shutdown |= TCP_SHUT_SEND;
		if (!(c->flags & TCP_CONN_ORPHAN))
			break;
		/* An orphan that receives new data after close() is aborted. */
		if (seg->payload_len && seq_after(seg_end_seq(seg) - ((seg->flags & TCP_FIN) ? 1 : 0),
		                                  c->rcv_nxt)) {
			MIB_INC(s, TcpExtTCPAbortOnData);
			*send_reset = true;
			tcp_conn_done(s, c);
			return true;
		}
		synq_time_t tmo = SYNQ_MSEC(fin_timeout_ms(s, c));
		if (tmo > TCP_TIMEWAIT_LEN) {
			tcp_conn_timer_set(s, c, TCP_TIMER_KEEPALIVE, s->now + tmo - TCP_TIMEWAIT_LEN);
		} else if (seg->flags & TCP_FIN) {
			tcp_conn_timer_set(s, c, TCP_TIMER_KEEPALIVE, s->now + tmo);
		} else {
			tcp_time_wait(s, c, SYNQ_TCP_FIN_WAIT2, tmo);
			return true;
		}
		break;
	}
	case SYNQ_TCP_CLOSING:
		if (our_fin_acked) {
			tcp_time_wait(s, c, SYNQ_TCP_TIME_WAIT, 0);
			return true;
		}
		break;
	case SYNQ_TCP_LAST_ACK:
		if (our_fin_acked) {
			tcp_conn_done(s, c);
			return true;
		}
		break;
	default:
		break;
	}
	return false;
}

/* SYN_RECV of a simultaneous open: our SYN-ACK is acknowledged. */
static void synrecv_established(struct synq_stack *s, struct tcp_conn *c,
                                const struct tcp_segment *seg)
{
	tcp_conn_set_state(s, c, SYNQ_TCP_ESTABLISHED);
	tcp_snd_una_update(c, seg->ack);
	c->snd_wnd = (uint32_t)seg->window << c->snd_wscale;
	c->snd_wl1 = seg->seq;
	if (c->flags & TCP_CONN_TS_OK)
		c->advmss -= 12;
	tcp_conn_sync_mss(s, c);
	tcp_init_transfer(s, c);
	c->rcv_tstamp = tcp_ms_stamp(s);
}

void tcp_conn_input(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg)
{
	c->segs_in++;
	if (c->state == SYNQ_TCP_SYN_SENT) {
		if (synsent_input(s, c, seg)) {
			DROP(s, TCP_ACK);
			tcp_send_reset_for(s, seg);
		}
		return;
	}
	if (c->state == SYNQ_TCP_CLOSE) {
		tcp_send_reset_for(s, seg);
		return;
	}
	if (!(seg->flags & (TCP_ACK | TCP_RST | TCP_SYN))) {
		DROP(s, TCP_FLAGS);
		return;
	}
	if (!validate_incoming(s, c, seg))
		return;

	/* Step 5: the ACK field. */
	if (c->state == SYNQ_TCP_SYN_RECV) {
		if (!(seg->flags & TCP_ACK) || !seq_after(seg->ack, c->snd_una) ||
		    seq_after(seg->ack, c->snd_nxt)) {
			tcp_send_reset_for(s, seg);
			return;
		}
		synrecv_established(s, c, seg);
	}
	int ack_result = tcp_ack(s, c, seg, TCP_ACKF_SLOWPATH | TCP_ACKF_UPDATE_TS_RECENT |
	                                     (c->state == SYNQ_TCP_ESTABLISHED ? 0 : TCP_ACKF_NO_CHALLENGE));
	if (ack_result < 0) {
		if (c->state != SYNQ_TCP_ESTABLISHED)
			tcp_send_challenge_ack(s, c);
		else if (ack_result == TCP_ACK_UNSENT_DATA)
			tcp_send_ack(s, c);
		DROP(s, TCP_ACK);
		return;
	}
	bool send_reset = false;
	if (fin_acked_transitions(s, c, seg, &send_reset)) {
		if (send_reset)
			tcp_send_reset_for(s, seg);
		return;
	}

	/* Step 7: the segment text. */
	switch (c->state) {
	case SYNQ_TCP_CLOSE_WAIT:
	case SYNQ_TCP_CLOSING:
	case SYNQ_TCP_LAST_ACK:
		if (!seq_before(seg->seq, c->rcv_nxt))
			break; /* the peer already sent its FIN: ignore new text */
		/* fall through */
	case SYNQ_TCP_FIN_WAIT1:
	case SYNQ_TCP_FIN_WAIT2:
		/* RFC 1122: data after our application closed draws a reset. */
		if ((c->shutdown & TCP_SHUT_RCV) && seg->payload_len &&
		    seq_after(seg_end_seq(seg) - ((seg->flags & TCP_FIN) ? 1 : 0), c->rcv_nxt)) {
			MIB_INC(s, TcpExtTCPAbortOnData);
			tcp_conn_reset(s, c, ECONNRESET);
			tcp_send_reset_for(s, seg);
			return;
		}
		/* fall through */
	case SYNQ_TCP_ESTABLISHED:
		/* A bare ACK has no text: spare the call. */
		if (carries_text(seg) && !tcp_data_queue(s, c, seg))
			return; /* the FIN moved it to TIME-WAIT */
		break;
	default:
		break;
	}
	tcp_push(s, c);
	tcp_check_space(s, c);
	tcp_ack_snd_check(s, c);
}
