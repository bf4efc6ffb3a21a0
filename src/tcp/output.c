/* SPDX-License-Identifier: BSD-2-Clause */
/* Building and sending segments: the options we carry, what may leave now
 * (receive window, congestion window, Nagle), the ACKs we owe, resets.
 * Linux's tcp_output.c is the model; the window we advertise is window.c's. */
#include <stddef.h>
#include <string.h>

#include "ip/tcp_plain.h"
#include "tcp/chrono.h"
#include "tcp/stack_internal.h"

/* ---------------------------------------------------------- emission */

static struct ipv4_fields ip_fields(struct synq_stack *s, const struct tcp_tuple *t,
                                    uint8_t tos)
{
	return (struct ipv4_fields){
		.src_addr = t->local_addr, .dst_addr = t->remote_addr,
		.id = s->ip_id++, .tos = tos, .ttl = (uint8_t)s->cfg.ip_default_ttl,
		.protocol = IPV4_PROTO_TCP, .dont_fragment = true,
	};
}

/* Build seg into the stack's transmit buffer: its TCP checksum left to a
 * device that offers to fill it in. */
static size_t emit(struct synq_stack *s, const struct ipv4_fields *ipf,
                   const struct tcp_segment *seg)
{
	if (s->io.tcp_csum_offload)
		return tcp_segment_emit_unsummed(s->tx, sizeof s->tx, ipf, seg);
	return tcp_segment_emit(s->tx, sizeof s->tx, ipf, seg);
}

static void add_sack_blocks(const struct tcp_conn *c, struct tcp_options *o)
{
	if (!(c->flags & TCP_CONN_SACK_OK))
		return;
	unsigned n = 0;
	if (c->dsack)
		o->sack[n++] = c->duplicate_sack;
	for (unsigned i = 0; i < c->num_sacks && n < TCP_SACK_BLOCKS_MAX; i++)
		o->sack[n++] = c->selective_acks[i];
	o->sack_count = (uint8_t)n;
}

/* The payload a segment may carry now (Linux's tcp_current_mss()): the
 * MSS less the room SACK blocks take in this segment's options. */
uint32_t tcp_current_mss(const struct tcp_conn *c)
{
	if (!(c->flags & TCP_CONN_SACK_OK) || (!c->dsack && c->num_sacks == 0))
		return c->mss_cache > 1 ? c->mss_cache : 1;  /* no SACK blocks: no room taken */
	struct tcp_options o = { .has_timestamp = (c->flags & TCP_CONN_TS_OK) != 0 };
	size_t base = tcp_options_size(&o);
	add_sack_blocks(c, &o);
	size_t extra = tcp_options_size(&o) - base;
	return c->mss_cache > extra + 1 ? c->mss_cache - (uint32_t)extra : 1;
}

static void fill_timestamp(struct synq_stack *s, const struct tcp_conn *c,
                           struct tcp_options *o)
{
	if (c->flags & TCP_CONN_TS_OK) {
		o->has_timestamp = true;
		o->tsval = tcp_ts_now(s) + c->ts_offset;
		o->tsecr = c->ts_recent;
	}
}

/* An ACK-bearing segment is leaving: whatever ACK we owed goes with it
 * (Linux's tcp_event_ack_sent()). */
static void ack_sent(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->quickack)
		c->quickack--;
	c->ack_flags = 0;
	c->dsack = 0;
	tcp_conn_timer_clear(s, c, TCP_TIMER_DELACK);
}

/* Send one segment of a synchronized connection: seq, flags, and len
 * payload bytes taken from data (NULL for none). Without SACK blocks to
 * report (a reset reports none) the segment is plain: at most the
 * timestamp option, built by tcp_plain_segment_emit(). */
static void transmit(struct synq_stack *s, struct tcp_conn *c, uint32_t seq, uint8_t flags,
                     const uint8_t *data, uint16_t len)
{
	size_t n;
	if ((flags & TCP_RST) || !(c->flags & TCP_CONN_SACK_OK) ||
	    (!c->dsack && c->num_sacks == 0)) {
		struct tcp_plain_segment seg = {
			.seq = seq, .ack = c->rcv_nxt,
			.src_port = c->tuple.local_port, .dst_port = c->tuple.remote_port,
			.flags = flags, .payload = data, .payload_len = len,
		};
		if (c->flags & TCP_CONN_TS_OK) {
			seg.has_timestamp = true;
			seg.tsval = tcp_ts_now(s) + c->ts_offset;
			seg.tsecr = c->ts_recent;
		}
		seg.window = (uint16_t)tcp_select_window(s, c);
		struct ipv4_fields ipf = ip_fields(s, &c->tuple, c->tos);
		n = tcp_plain_segment_emit(s->tx, sizeof s->tx, &ipf, &seg,
		                           !s->io.tcp_csum_offload);
	} else {
		/* Zeroed but for the SACK blocks, which are read only up to
		 * sack_count (a segment is built for every one sent). */
		struct tcp_segment seg;
		memset(&seg, 0, offsetof(struct tcp_segment, opt.sack));
		seg.src_port = c->tuple.local_port;
		seg.dst_port = c->tuple.remote_port;
		seg.seq = seq;
		seg.ack = c->rcv_nxt;
		seg.flags = flags;
		seg.payload = data;
		seg.payload_len = len;
		fill_timestamp(s, c, &seg.opt);
		add_sack_blocks(c, &seg.opt);
		seg.window = (uint16_t)tcp_select_window(s, c);
		struct ipv4_fields ipf = ip_fields(s, &c->tuple, c->tos);
		n = emit(s, &ipf, &seg);
	}
	if (n == 0)
		return;
	c->segs_out++;
	if (flags & TCP_ACK)
		ack_sent(s, c);
	tcp_output_datagram(s, s->tx, n);
}

void tcp_send_ack(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->state == SYNQ_TCP_CLOSE || c->state == SYNQ_TCP_SYN_SENT)
		return;
	transmit(s, c, c->snd_nxt, TCP_ACK, NULL, 0);
}

/* Challenge ACKs (RFC 5961); Linux 6.0+ does not rate-limit them by
 * default (tcp_challenge_ack_limit is INT_MAX). */
void tcp_send_challenge_ack(struct synq_stack *s, struct tcp_conn *c)
{
	MIB_INC(s, TcpExtTCPChallengeACK);
	tcp_send_ack(s, c);
}

/* A reset from a connection we abort (Linux's tcp_send_active_reset()). */
void tcp_send_reset(struct synq_stack *s, struct tcp_conn *c)
{
	MIB_INC(s, TcpOutRsts);
	transmit(s, c, c->snd_nxt, TCP_RST | TCP_ACK, NULL, 0);
}

/* A reset for a segment that matched nothing (RFC 9293 3.10.7.1, Linux's
 * tcp_v4_send_reset()): seq from its ACK, or an ACK of everything it
 * occupied. Never answer a reset. */
void tcp_send_reset_for(struct synq_stack *s, const struct tcp_segment *seg)
{
	if (seg->flags & TCP_RST)
		return;
	struct tcp_segment rst = {
		.src_port = seg->dst_port, .dst_port = seg->src_port,
	};
	if (seg->flags & TCP_ACK) {
		rst.seq = seg->ack;
		rst.flags = TCP_RST;
	} else {
		rst.ack = seg->seq + seg->payload_len + ((seg->flags & TCP_SYN) ? 1 : 0) +
		          ((seg->flags & TCP_FIN) ? 1 : 0);
		rst.flags = TCP_RST | TCP_ACK;
	}
	struct tcp_tuple t = { .local_addr = seg->dst_addr, .remote_addr = seg->src_addr };
	struct ipv4_fields ipf = ip_fields(s, &t, 0);
	size_t n = emit(s, &ipf, &rst);
	MIB_INC(s, TcpOutRsts);
	tcp_output_datagram(s, s->tx, n);
}

/* SYN (active open) or SYN-ACK (simultaneous open): from the SYN queue. */
void tcp_send_syn(struct synq_stack *s, struct tcp_conn *c)
{
	bool synack = c->state == SYNQ_TCP_SYN_RECV;
	if (c->advmss == 0) {
		c->advmss = tcp_advertised_mss(s, c->opts.user_mss);
		tcp_init_receive_window(s, c);
	}
	struct tcp_segment seg = {
		.src_port = c->tuple.local_port, .dst_port = c->tuple.remote_port,
		.seq = c->snd_una, /* the ISN: snd_una until the SYN is acknowledged */
		.ack = synack ? c->rcv_nxt : 0,
		.flags = (uint8_t)(TCP_SYN | (synack ? TCP_ACK : 0)),
		.window = (uint16_t)(c->rcv_wnd < 0xffff ? c->rcv_wnd : 0xffff),
	};
	seg.opt.has_mss = true;
	seg.opt.mss = c->advmss;
	bool offer = !synack;
	if (offer ? s->cfg.tcp_sack : (c->flags & TCP_CONN_SACK_OK))
		seg.opt.sack_permitted = true;
	if (offer ? s->cfg.tcp_timestamps : (c->flags & TCP_CONN_TS_OK)) {
		seg.opt.has_timestamp = true;
		seg.opt.tsval = tcp_ts_now(s) + c->ts_offset;
		seg.opt.tsecr = synack ? c->ts_recent : 0;
	}
	if (offer ? s->cfg.tcp_window_scaling : (c->flags & TCP_CONN_WSCALE_OK)) {
		seg.opt.has_wscale = true;
		seg.opt.wscale = c->rcv_wscale;
	}
	struct ipv4_fields ipf = ip_fields(s, &c->tuple, c->tos);
	size_t n = emit(s, &ipf, &seg);
	c->segs_out++;
	tcp_output_datagram(s, s->tx, n);
}

/* A SYN-ACK for a request, or for a cookie (then *cookie_tsval is the
 * timestamp with the options encoded in it). */
void tcp_send_synack_for(struct synq_stack *s, const struct tcp_request *r,
                         const struct tcp_listener *l, const uint32_t *cookie_tsval)
{
	uint16_t mss = tcp_advertised_mss(s, l->opts.user_mss);
	struct tcp_segment seg = {
		.src_port = r->tuple.local_port, .dst_port = r->tuple.remote_port,
		.seq = r->snt_isn, .ack = r->rcv_isn + 1, .flags = TCP_SYN | TCP_ACK,
		.window = (uint16_t)tcp_synack_window(tcp_request_rcv_wnd(s, r, l)),
	};
	seg.opt.has_mss = true;
	seg.opt.mss = mss;
	seg.opt.sack_permitted = (r->flags & TCP_REQ_SACK_OK) != 0;
	if (r->flags & TCP_REQ_TS_OK) {
		seg.opt.has_timestamp = true;
		seg.opt.tsval = cookie_tsval ? *cookie_tsval
		                             : tcp_ts_now(s) + tcp_conn_ts_offset(s, &r->tuple);
		seg.opt.tsecr = r->ts_recent;
	}
	if (r->flags & TCP_REQ_WSCALE_OK) {
		seg.opt.has_wscale = true;
		seg.opt.wscale = r->rcv_wscale;
	}
	struct ipv4_fields ipf = ip_fields(s, &r->tuple, l->tos);
	size_t n = emit(s, &ipf, &seg);
	tcp_output_datagram(s, s->tx, n);
}

/* ----------------------------------------------------- the send queue */

uint32_t tcp_packets_in_flight(const struct tcp_conn *c)
{
	uint32_t left = c->sacked_out + c->lost_out;
	uint32_t out = c->packets_out > left ? c->packets_out - left : 0;
	return out + c->retrans_out;
}

/* When the head of the queue would time out: its last transmission plus
 * one RTO (Linux's tcp_rto_delta_us()). */
static synq_time_t head_rto_deadline(struct synq_stack *s, const struct tcp_conn *c)
{
	const struct segbuf *head = segbuf_at(&s->segbufs, c->sndq.head);
	synq_time_t sent = head && head->sent_at ? head->sent_at : s->now;
	return sent + tcp_rto(c);
}

/* Arm the retransmission timer for the head of the queue (Linux's
 * tcp_rearm_rto()): off when nothing is in flight; after a loss probe,
 * counted from the head's transmission rather than from now. */
/* tcp_rearm_rto() with data in flight: the RTO's deadline (the timer not
 * set yet). */
static synq_time_t rto_rearm_when(struct synq_stack *s, struct tcp_conn *c)
{
	synq_time_t when = s->now + tcp_rto(c);
	if (c->rtx_kind == TCP_RTX_LOSS_PROBE) {
		when = head_rto_deadline(s, c);
		if (when <= s->now)
			when = s->now + SYNQ_MSEC(1);
	}
	c->rtx_kind = TCP_RTX_RTO;
	return when;
}

void tcp_rearm_rto(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->packets_out == 0) {
		/* Whatever it was for (a zero-window probe too): the next push
		 * arms a probe again if the window is still closed. */
		c->rtx_kind = TCP_RTX_NONE;
		tcp_conn_timer_clear(s, c, TCP_TIMER_RETRANSMIT);
		return;
	}
	tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, rto_rearm_when(s, c));
}

/* A tail loss probe (RFC 8985 section 7, Linux's
 * tcp_schedule_loss_probe()): for a SACK connection not in recovery, in
 * two RTTs (plus the delayed-ACK allowance when one segment is out), or
 * the RTO if that is sooner. */
bool tcp_schedule_loss_probe(struct synq_stack *s, struct tcp_conn *c, bool advancing_rto)
{
	int early = s->cfg.tcp_early_retrans;
	if ((early != 3 && early != 4) || !c->packets_out || !(c->flags & TCP_CONN_SACK_OK) ||
	    (c->ca_state != TCP_CA_OPEN && c->ca_state != TCP_CA_CWR))
		return false;
	synq_time_t timeout;
	if (c->srtt_us) {
		uint64_t us = c->srtt_us >> 2;
		us += c->packets_out == 1 ? (uint64_t)(TCP_RTO_MIN / SYNQ_USEC(1)) : 2000;
		timeout = SYNQ_MSEC((us + 999) / 1000); /* usecs_to_jiffies() */
	} else {
		timeout = TCP_TIMEOUT_INIT;
	}
	synq_time_t rto_delta = advancing_rto ? tcp_rto(c) : head_rto_deadline(s, c) - s->now;
	if (rto_delta > 0 && rto_delta < timeout)
		timeout = rto_delta;
	c->rtx_kind = TCP_RTX_LOSS_PROBE;
	tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, s->now + timeout);
	return true;
}

/* Send one segment. PSH comes from the write that queued it (a segbuf
 * holding the end of a write without MSG_MORE is marked, as Linux's
 * tcp_push() marks its tail skb), or ends a burst of two or more segments
 * sent as one unit: Linux forces PSH on every GSO packet, and GSO keeps
 * it on the last segment only. */
static void transmit_segbuf(struct synq_stack *s, struct tcp_conn *c, struct segbuf *b,
                            bool ends_burst)
{
	uint8_t flags = TCP_ACK | (b->tcp_flags & (TCP_FIN | TCP_PSH));
	if (ends_burst)
		flags |= TCP_PSH;
	b->sent_at = s->now;
	transmit(s, c, b->seq, flags, b->data + b->off, b->len);
}

/* Linux's pacing rate (tcp_update_pacing_rate()), bytes per second:
 * 200 % of cwnd * mss / srtt in slow start, 120 % after. */
#define TCP_PACING_SS_RATIO 200
#define TCP_PACING_CA_RATIO 120
#define TCP_GSO_MAX_SIZE 65536u
#define TCP_TSO_RTT_LOG 9

static uint64_t pacing_rate(const struct tcp_conn *c)
{
	uint64_t rate = (uint64_t)c->mss_cache * ((1000000 / 100) << 3);
	rate *= c->snd_cwnd < c->snd_ssthresh / 2 ? TCP_PACING_SS_RATIO : TCP_PACING_CA_RATIO;
	rate *= c->snd_cwnd > c->packets_out ? c->snd_cwnd : c->packets_out;
	if (c->srtt_us)
		rate /= c->srtt_us;
	return rate;
}

/* Segments per transmit unit (Linux's tcp_tso_autosize()): about a
 * millisecond of the pacing rate, more when the RTT is tiny, at least
 * two, at most one 64 KB GSO packet. */
uint32_t tcp_tso_segs(const struct synq_stack *s, const struct tcp_conn *c, uint32_t mss)
{
	uint64_t bytes = pacing_rate(c) >> 10;
	uint32_t shift = c->min_rtt_us >> TCP_TSO_RTT_LOG;
	if (shift < 32)
		bytes += TCP_GSO_MAX_SIZE >> shift;
	if (bytes > TCP_GSO_MAX_SIZE)
		bytes = TCP_GSO_MAX_SIZE;
	uint32_t segs = (uint32_t)(bytes / mss);
	uint32_t least = (uint32_t)s->cfg.tcp_min_tso_segs;
	return segs > least ? segs : least;
}

/* Segments the congestion window lets one transmit unit take (Linux's
 * tcp_cwnd_test()): at most half the window, so that two units are in
 * flight. */
static uint32_t cwnd_quota(const struct tcp_conn *c, uint32_t in_flight)
{
	if (in_flight >= c->snd_cwnd)
		return 0;
	uint32_t half = c->snd_cwnd >> 1 ? c->snd_cwnd >> 1 : 1;
	uint32_t room = c->snd_cwnd - in_flight;
	return room < half ? room : half;
}

/* Split a segbuf so that its first part holds at most keep bytes. */
static bool segbuf_split(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                         uint16_t keep)
{
	struct segbuf *b = segbuf_at(&s->segbufs, index);
	uint32_t tail_index = pool_alloc(&s->segbufs);
	if (tail_index == POOL_NONE)
		return false;
	b = segbuf_at(&s->segbufs, index);
	struct segbuf *t = segbuf_get(&s->segbufs, tail_index);
	t->len = (uint16_t)(b->len - keep);
	t->seq = b->seq + keep;
	t->tcp_flags = b->tcp_flags;
	t->mark = b->mark;
	t->sent_at = b->sent_at;
	t->skb_fill = b->skb_fill;
	memcpy(t->data, b->data + b->off + keep, t->len);
	b->skb_fill = (uint16_t)(b->skb_fill - t->len);
	b->len = keep;
	b->tcp_flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	b->mark &= (uint8_t)~SEGBUF_UNIT_END;
	segq_insert_after(&s->segbufs, &c->sndq, index, tail_index);
	return true;
}

/* New data leaves (Linux's tcp_event_data_sent()): sending resumes after
 * idle; a reply sent within the ACK timeout of the last data received
 * marks the connection interactive (pingpong), so ACKs get delayed.
 * in_flight: tcp_packets_in_flight() now, which the caller knows. */
static void data_sent_event(struct synq_stack *s, struct tcp_conn *c, uint32_t in_flight)
{
	uint32_t now = tcp_ms_stamp(s);
	if (in_flight == 0)
		tcp_cc_tx_start(s, c);
	c->lsndtime = now;
	if (now - c->lrcvtime < c->ato_ms)
		c->pingpong = 1;
}

/* Move all but keep bytes of b to the front of n, which has room. */
static void segbuf_carry(struct segbuf *b, struct segbuf *n, uint16_t keep)
{
	uint16_t extra = (uint16_t)(b->len - keep);
	if (n->off < extra) {
		memmove(n->data + extra, n->data + n->off, n->len);
		n->off = extra;
	}
	n->off = (uint16_t)(n->off - extra);
	memcpy(n->data + n->off, b->data + b->off + keep, extra);
	n->len = (uint16_t)(n->len + extra);
	n->seq -= extra;
	b->skb_fill = (uint16_t)(b->skb_fill - extra);
	b->len = keep;
}

/* Keep only keep bytes in an unsent segbuf by moving the rest to the
 * front of the next one, as if the send queue were one byte stream cut at
 * transmit time (Linux cuts its large skbs at the current MSS the same
 * way, so a SACK option costs a few bytes per segment, not a runt per
 * segment). Falls back to a split when there is no room. */
static bool segbuf_trim_to(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                           uint16_t keep)
{
	struct segbuf *b = segbuf_get(&s->segbufs, index);
	struct segbuf *n = segbuf_at(&s->segbufs, b->next);
	if (n == NULL || (b->tcp_flags & (TCP_FIN | TCP_PSH)) ||
	    n->len + b->len - keep > SEGBUF_DATA)
		return segbuf_split(s, c, index, keep);
	segbuf_carry(b, n, keep);
	return true;
}

/* Minshall's refinement (tcp_minshall_check()): a short segment sent
 * earlier is still unacknowledged. */
static bool short_segment_in_flight(const struct tcp_conn *c)
{
	return seq_after(c->snd_sml, c->snd_una) && !seq_after(c->snd_sml, c->snd_nxt);
}

/* b belongs to the last skb of the send queue: no skb ends at b or after
 * it. Only that skb can still grow by a later write. */
static bool in_last_skb(const struct synq_stack *s, const struct segbuf *b)
{
	for (;;) {
		if (b->mark & SEGBUF_UNIT_END)
			return false;
		if (b->next == POOL_NONE)
			return true;
		b = segbuf_get(&s->segbufs, b->next);
	}
}

/* Nagle (RFC 896) with Minshall's refinement, as Linux's tcp_nagle_check():
 * hold a partial segment while an earlier partial one is unacknowledged,
 * or always while corked. Full-sized segments in flight do not hold it: a
 * write that ends short goes out whole. Only the last skb is held:
 * tcp_write_xmit() tests an skb in the middle of the queue with
 * TCP_NAGLE_PUSH, as no write can fill it any more (its segments are
 * short when the MSS has grown since they were queued). */
static bool nagle_blocks(const struct synq_stack *s, const struct tcp_conn *c,
                         const struct segbuf *b, uint32_t mss)
{
	if (b->len >= mss || (b->tcp_flags & TCP_FIN))
		return false;
	if (!in_last_skb(s, b))
		return false;
	/* An explicit push (setting TCP_NODELAY, or uncorking with it set)
	 * goes through a cork, as Linux's TCP_NAGLE_PUSH does. */
	if (c->flags & TCP_CONN_NAGLE_PUSH)
		return false;
	if (c->opts.cork)
		return true;
	if (c->opts.nodelay)
		return false;
	return c->packets_out > 0 && short_segment_in_flight(c);
}

/* The next unsent segment if it may go now: cut to the MSS, inside the
 * peer's window, not held by Nagle. NULL if not; blocked says why. */
enum send_block { SEND_OK, SEND_NO_MEMORY, SEND_RWND, SEND_NAGLE };

static struct segbuf *sendable(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                               uint32_t mss, bool nagle_off, enum send_block *blocked)
{
	struct segbuf *b = segbuf_at(&s->segbufs, index);
	if (b->len > mss && !segbuf_trim_to(s, c, index, (uint16_t)mss)) {
		*blocked = SEND_NO_MEMORY;
		return NULL;
	}
	b = segbuf_at(&s->segbufs, index);
	if (seq_after(b->seq + b->len, c->snd_una + c->snd_wnd)) {
		*blocked = SEND_RWND;
		return NULL;
	}
	if (!nagle_off && nagle_blocks(s, c, b, mss)) {
		*blocked = SEND_NAGLE;
		return NULL;
	}
	*blocked = SEND_OK;
	return b;
}

/* rto_due: NULL to arm the RTO here when it is due; otherwise it is
 * marked due there for the caller, who arms it unless a loss probe takes
 * the timer first (the same timer, set twice in a row before). Its
 * deadline is then worked out by the caller: nothing it reads (the time,
 * the RTO, the head's first transmission, rtx_kind) changes in between
 * but rtx_kind, which rto_rearm_when() itself sets and a loss probe sets
 * again.
 * in_flight: tcp_packets_in_flight() before b leaves. */
static void send_new_segbuf(struct synq_stack *s, struct tcp_conn *c, struct segbuf *b,
                            bool ends_unit, bool ends_burst, bool *rto_due,
                            uint32_t in_flight)
{
	data_sent_event(s, c, in_flight);
	transmit_segbuf(s, c, b, ends_burst);
	if (ends_unit)
		tcp_segbuf_end_unit(c, b);
	uint32_t end_seq = segbuf_end_seq(b);
	if (seq_after(end_seq, c->snd_nxt))
		c->snd_nxt = end_seq;
	if (b->len < tcp_current_mss(c)) /* tcp_minshall_update() */
		c->snd_sml = end_seq;
	if (b->len)
		MIB_INC(s, TcpExtTCPOrigDataSent);
	uint32_t prior_packets = c->packets_out++;
	c->send_head = b->next;
	/* tcp_event_new_data_sent(): start the RTO with the first segment in
	 * flight, or replace a pending loss probe. */
	if (prior_packets == 0 || c->rtx_kind == TCP_RTX_LOSS_PROBE ||
	    c->rtx_kind == TCP_RTX_PROBE0) {
		if (rto_due)
			*rto_due = true;
		else
			tcp_rearm_rto(s, c);
	}
}

/* Linux's tcp_grow_skb() (6.10), at every transmit attempt, sent or not:
 * the send queue's head skb, if shorter than budget bytes, takes data
 * from the skb behind it, whole segments here. An skb eaten whole is
 * gone and its flags join the grown one; eaten in part, it loses its
 * front. The head skb's PSH moves to its new end either way. Repeated
 * pushes while the peer's window is closed so gather small skbs into
 * one, which later leaves as one burst. */
static void grow_head_skb(struct synq_stack *s, struct tcp_conn *c, uint32_t budget)
{
	struct segbuf *last = segbuf_get(&s->segbufs, c->send_head);
	uint32_t len = last->len;
	while (!(last->mark & SEGBUF_UNIT_END) && last->next != POOL_NONE) {
		last = segbuf_get(&s->segbufs, last->next);
		len += last->len;
	}
	if (last->next == POOL_NONE || len >= budget || (last->tcp_flags & TCP_FIN))
		return;
	uint32_t missing = budget - len;
	uint32_t taken = 0;
	struct segbuf *end = NULL;
	struct segbuf *b = segbuf_get(&s->segbufs, last->next);
	for (;;) {
		/* a bare FIN is not taken: nothing to move (nlen 0) */
		if (b->len == 0 || taken + b->len > missing)
			break;
		taken += b->len;
		end = b;
		if ((b->mark & SEGBUF_UNIT_END) || b->next == POOL_NONE)
			break;
		b = segbuf_get(&s->segbufs, b->next);
	}
	if (end == NULL)
		return;
	bool whole = (end->mark & SEGBUF_UNIT_END) || end->next == POOL_NONE;
	uint8_t psh = last->tcp_flags & TCP_PSH;
	last->tcp_flags &= (uint8_t)~TCP_PSH;
	last->mark &= (uint8_t)~SEGBUF_UNIT_END;
	end->tcp_flags |= psh;
	/* skb_fill (bytes of an unsent segment's skb up to its end) */
	for (b = segbuf_get(&s->segbufs, last->next);; b = segbuf_get(&s->segbufs, b->next)) {
		b->skb_fill = (uint16_t)(b->skb_fill + len);
		if (b == end)
			break;
	}
	if (whole) {
		if (c->snd_skbs)
			c->snd_skbs--;
		return;
	}
	end->mark |= SEGBUF_UNIT_END;
	for (b = segbuf_at(&s->segbufs, end->next); b != NULL; b = segbuf_at(&s->segbufs, b->next)) {
		b->skb_fill = (uint16_t)(b->skb_fill - taken);
		if (b->mark & SEGBUF_UNIT_END)
			break;
	}
}

/* The bytes one transmit unit may hold: tcp_tso_segs() segments, at
 * most the congestion window's quota, of mss bytes each. */
static uint32_t unit_budget(const struct synq_stack *s, const struct tcp_conn *c, uint32_t mss,
                            uint32_t quota)
{
	uint32_t unit = tcp_tso_segs(s, c, mss);
	return (unit < quota ? unit : quota) * mss;
}

/* Send what the windows allow (Linux's tcp_write_xmit()), in units of up
 * to tcp_tso_segs() segments as Linux sends GSO packets. PUSH_ONE sends one unit and PUSH_FORCED any
 * number, both past Nagle (TCP_NAGLE_PUSH); a loss probe sends one
 * segment past Nagle and the congestion window. */
enum push_mode { PUSH_NORMAL, PUSH_FORCED, PUSH_ONE, PUSH_PROBE };

/* tcp_cwnd_validate() as tcp_write_xmit() ends: when anything was sent or
 * the congestion window is full; a writer waiting for buffer space with
 * everything sent and the window not full starts the sndbuf chronograph. */
static void cwnd_validate_after_push(struct synq_stack *s, struct tcp_conn *c,
                                     bool is_cwnd_limited)
{
	tcp_cc_cwnd_validate(c, is_cwnd_limited);
	if (!tcp_cc_is_cwnd_limited(c) && c->send_head == POOL_NONE &&
	    (c->flags & TCP_CONN_NOSPACE) &&
	    (c->state == SYNQ_TCP_ESTABLISHED || c->state == SYNQ_TCP_CLOSE_WAIT))
		tcp_chrono_start(s, c, TCP_CHRONO_SNDBUF_LIMITED);
}

static bool push_state_ok(const struct tcp_conn *c)
{
	return c->state != SYNQ_TCP_SYN_SENT && c->state != SYNQ_TCP_SYN_RECV &&
	       c->state != SYNQ_TCP_CLOSE;
}

/* A push with nothing queued (most pushes after an ACK or a read): of
 * push_frames() only the closing congestion-window check can apply;
 * nothing is sent and no timer changes. Kept out of push_frames() so
 * that it costs no call. */
static inline bool push_nothing_queued(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->send_head != POOL_NONE)
		return false;
	if (push_state_ok(c) && tcp_packets_in_flight(c) >= c->snd_cwnd)
		cwnd_validate_after_push(s, c, true);
	return true;
}

static void push_frames(struct synq_stack *s, struct tcp_conn *c, enum push_mode mode)
{
	if (!push_state_ok(c))
		return;
	if (push_nothing_queued(s, c))
		return;
	bool probe = mode == PUSH_PROBE;
	bool nagle_off = mode != PUSH_NORMAL;
	/* Sending changes neither the MSS nor the SACK blocks we report. */
	uint32_t mss = tcp_current_mss(c);
	uint32_t sent = 0;
	bool rto_due = false;
	bool is_cwnd_limited = false;
	enum send_block blocked = SEND_OK;
	while (c->send_head != POOL_NONE && blocked == SEND_OK) {
		/* in flight: unchanged until the unit's first segment leaves */
		uint32_t in_flight = tcp_packets_in_flight(c);
		uint32_t quota = probe ? 1 : cwnd_quota(c, in_flight);
		if (quota == 0) {
			is_cwnd_limited = true;
			break;
		}
		/* A unit holds unit * mss bytes (tcp_write_xmit()'s
		 * missing_bytes and tcp_mss_split_point()): more segments when
		 * they are short because the MSS grew after they were queued,
		 * but never more than the congestion window has room for. A
		 * lone unsent segment (most pushes) is its unit whatever the
		 * size, with nothing behind it to grow by: no size needed. */
		uint32_t budget = 0;
		if (segbuf_get(&s->segbufs, c->send_head)->next != POOL_NONE) {
			budget = unit_budget(s, c, mss, quota);
			grow_head_skb(s, c, budget);
		}
		uint32_t room = probe ? 1 : c->snd_cwnd - in_flight;
		struct segbuf *b = sendable(s, c, c->send_head, mss, nagle_off, &blocked);
		if (b == NULL)
			break;
		/* Send the unit one segment ahead, to know which is its last.
		 * A unit is the head skb, grown above, or its first part: it
		 * ends at the skb's end or earlier. Its last segment carries
		 * the skb's PSH if it ends the skb (tso_fragment() leaves PSH
		 * to the rest), and PSH in any case when the unit is more than
		 * one segment: Linux forces PSH on every GSO packet, and GSO
		 * keeps it on the last segment only. */
		uint32_t bytes = b->len;
		for (uint32_t n = 1;; n++) {
			struct segbuf *next = NULL;
			if (n < room && b->next != POOL_NONE &&
			    !(b->tcp_flags & TCP_FIN) && !(b->mark & SEGBUF_UNIT_END)) {
				/* a lone segment that sendable() cut to the MSS
				 * has one behind it now: size the unit (nothing
				 * was sent yet, so the size is the one above) */
				if (budget == 0)
					budget = unit_budget(s, c, mss, quota);
				/* what the next segment holds once cut to the MSS */
				uint32_t len = segbuf_get(&s->segbufs, b->next)->len;
				if (bytes + (len < mss ? len : mss) <= budget)
					next = sendable(s, c, b->next, mss, nagle_off, &blocked);
			}
			if (next)
				bytes += next->len;
			send_new_segbuf(s, c, b, next == NULL, next == NULL && bytes > mss,
			                &rto_due, n == 1 ? in_flight : tcp_packets_in_flight(c));
			sent++;
			if (next == NULL)
				break;
			b = next;
		}
		if (probe || mode == PUSH_ONE)
			break;
	}
	if (sent && tcp_in_cwnd_reduction(c))
		c->prr_out += sent;
	is_cwnd_limited |= tcp_packets_in_flight(c) >= c->snd_cwnd;
	/* tcp_write_xmit()'s chronographs (something was queued): held by
	 * the peer's window, or no longer */
	if (blocked == SEND_RWND)
		tcp_chrono_start(s, c, TCP_CHRONO_RWND_LIMITED);
	else
		tcp_chrono_stop(s, c, TCP_CHRONO_RWND_LIMITED);
	if (sent || is_cwnd_limited)
		cwnd_validate_after_push(s, c, is_cwnd_limited);
	bool loss_probe = sent && !probe && tcp_schedule_loss_probe(s, c, false);
	if (rto_due && !loss_probe)
		tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, rto_rearm_when(s, c));
	/* tcp_check_probe_timer(): data waits (a closed window, a cork,
	 * MSG_MORE) with nothing in flight and no timer pending. */
	if (c->packets_out == 0 && c->send_head != POOL_NONE &&
	    !(c->timers_armed & (1u << TCP_TIMER_RETRANSMIT))) {
		c->rtx_kind = TCP_RTX_PROBE0;
		tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, s->now + tcp_probe0_base(c));
	}
}

void tcp_push(struct synq_stack *s, struct tcp_conn *c)
{
	if (!push_nothing_queued(s, c))
		push_frames(s, c, PUSH_NORMAL);
}

void tcp_push_forced(struct synq_stack *s, struct tcp_conn *c)
{
	if (!push_nothing_queued(s, c))
		push_frames(s, c, PUSH_FORCED);
}

void tcp_push_one(struct synq_stack *s, struct tcp_conn *c)
{
	if (!push_nothing_queued(s, c))
		push_frames(s, c, PUSH_ONE);
}

/* The loss probe fires (Linux's tcp_send_loss_probe()): send new data if
 * the window allows, otherwise resend the last segment; then the RTO. */
void tcp_send_loss_probe(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->tlp_high_seq)
		goto rearm;
	c->tlp_retrans = 0;
	if (c->send_head != POOL_NONE) {
		const struct segbuf *b = segbuf_at(&s->segbufs, c->send_head);
		uint32_t mss = tcp_current_mss(c);
		uint32_t len = b->len < mss ? b->len : mss;
		if (!seq_after(b->seq + len, c->snd_una + c->snd_wnd)) {
			uint32_t before = c->packets_out;
			push_frames(s, c, PUSH_PROBE);
			if (c->packets_out > before)
				goto sent;
			goto rearm;
		}
	}
	if (c->sndq.head == c->send_head)
		goto rearm;
	uint32_t last = c->sndq.head;
	for (uint32_t i = c->sndq.head; i != c->send_head && i != POOL_NONE;
	     i = segbuf_at(&s->segbufs, i)->next)
		last = i;
	if (!tcp_resend_segbuf(s, c, last, false))
		goto rearm;
	c->tlp_retrans = 1;
sent:
	c->tlp_high_seq = c->snd_nxt;
	MIB_INC(s, TcpExtTCPLossProbes);
	c->rtx_kind = TCP_RTX_NONE;
rearm:
	tcp_rearm_rto(s, c);
}

/* Send a segment of the retransmission queue again, splitting it first if
 * the MSS has shrunk (Linux's __tcp_retransmit_skb()): no loss marks. */
bool tcp_resend_segbuf(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                       bool ends_burst)
{
	struct segbuf *b = segbuf_at(&s->segbufs, index);
	uint32_t mss = tcp_current_mss(c);
	struct segbuf *n = segbuf_at(&s->segbufs, b->next);
	if (b->len > mss && n != NULL && b->next != c->send_head &&
	    (n->mark & SEGBUF_LOST) && !(n->mark & (SEGBUF_SACKED | SEGBUF_RETRANS)) &&
	    !(b->tcp_flags & (TCP_FIN | TCP_PSH)) && b->len + n->len <= SEGBUF_DATA + 0u) {
		/* The next segment is lost too and will be resent: let it carry
		 * what no longer fits here (SACK blocks now take option room),
		 * rather than sending a runt. */
		segbuf_carry(b, n, (uint16_t)mss);
	}
	if (b->len > mss) {
		if (!segbuf_split(s, c, index, (uint16_t)mss))
			return false;
		/* The new second half is in flight too, not yet resent. */
		b = segbuf_at(&s->segbufs, index);
		struct segbuf *rest = segbuf_at(&s->segbufs, b->next);
		rest->mark &= (uint8_t)~SEGBUF_RETRANS;
		c->packets_out++;
		if (rest->mark & SEGBUF_LOST)
			c->lost_out++;
	}
	synq_time_t first_sent = b->sent_at;
	transmit_segbuf(s, c, b, ends_burst);
	b->mark |= SEGBUF_EVER_RETRANS;
	c->total_retrans++;
	MIB_INC(s, TcpRetransSegs);
	if (c->retrans_stamp == 0)
		c->retrans_stamp = (uint32_t)((first_sent ? first_sent : b->sent_at) / SYNQ_MSEC(1));
	return true;
}

/* Retransmit a segment (Linux's tcp_retransmit_skb()): it counts as in
 * flight again until it is acknowledged, SACKed or lost anew. */
bool tcp_retransmit_segbuf(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                           bool ends_burst)
{
	if (!tcp_resend_segbuf(s, c, index, ends_burst))
		return false;
	struct segbuf *b = segbuf_at(&s->segbufs, index);
	if (!(b->mark & SEGBUF_RETRANS))
		c->retrans_out++;
	b->mark |= SEGBUF_RETRANS;
	return true;
}

/* Retransmit the first unacknowledged segment (the RTO's resend). */
bool tcp_retransmit_head(struct synq_stack *s, struct tcp_conn *c)
{
	if (segq_empty(&c->sndq) || c->sndq.head == c->send_head)
		return false;
	return tcp_retransmit_segbuf(s, c, c->sndq.head, false);
}

/* The persist timer's probe (Linux's tcp_write_wakeup()). If the window
 * takes the start of the next unsent segment, send what fits of it, with
 * PSH, whatever Nagle or a cork say: this is how a corked or MSG_MORE
 * segment leaves after 200 ms. Otherwise a bare ACK with sequence
 * snd_una - 1, which the peer must answer with its window. */
void tcp_send_probe0(struct synq_stack *s, struct tcp_conn *c)
{
	struct segbuf *b = segbuf_at(&s->segbufs, c->send_head);
	uint32_t wnd_end = c->snd_una + c->snd_wnd;
	if (b != NULL && seq_before(b->seq, wnd_end)) {
		uint32_t size = wnd_end - b->seq;
		uint32_t mss = tcp_current_mss(c);
		if (size > mss)
			size = mss;
		if (b->len > size && !segbuf_split(s, c, c->send_head, (uint16_t)size))
			return;
		b = segbuf_get(&s->segbufs, c->send_head);
		b->tcp_flags |= TCP_PSH;
		send_new_segbuf(s, c, b, true, false, NULL, tcp_packets_in_flight(c));
		return;
	}
	transmit(s, c, c->snd_una - 1, TCP_ACK, NULL, 0);
	MIB_INC(s, TcpExtTCPWinProbe);
}

void tcp_send_keepalive_probe(struct synq_stack *s, struct tcp_conn *c)
{
	transmit(s, c, c->snd_una - 1, TCP_ACK, NULL, 0);
	MIB_INC(s, TcpExtTCPKeepAlive);
}

/* Queue our FIN: on the last unsent segment if there is one, otherwise as
 * a segment of its own (Linux's tcp_send_fin()). */
void tcp_send_fin(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->flags & TCP_CONN_FIN_QUEUED)
		return;
	c->flags |= TCP_CONN_FIN_QUEUED;
	struct segbuf *tail = segbuf_at(&s->segbufs, c->sndq.tail);
	if (c->send_head != POOL_NONE && tail != NULL) {
		tail->tcp_flags |= TCP_FIN;
	} else {
		uint32_t index = pool_alloc(&s->segbufs);
		if (index == POOL_NONE) {
			/* No memory: Linux would still send a bare FIN; we
			 * reset instead of losing the close. */
			tcp_send_reset(s, c);
			tcp_conn_done(s, c);
			return;
		}
		struct segbuf *b = segbuf_get(&s->segbufs, index);
		b->seq = c->write_seq;
		b->tcp_flags = TCP_FIN;
		segq_push_tail(&s->segbufs, &c->sndq, index);
		c->snd_skbs++;
		if (c->send_head == POOL_NONE)
			c->send_head = index;
	}
	c->write_seq++;
	tcp_push(s, c);
}

/* ------------------------------------------------------ delayed ACKs */

/* Owe an ACK after the delayed-ACK timeout (Linux's
 * tcp_send_delayed_ack()): the ACK timeout ato, at most half a second
 * (200 ms when interactive or after a push), at most the RTT, and never
 * more than TCP_DELACK_MAX. */
void tcp_schedule_delayed_ack(struct synq_stack *s, struct tcp_conn *c)
{
	synq_time_t ato = SYNQ_MSEC(c->ato_ms);
	if (ato > TCP_DELACK_MIN) {
		synq_time_t max_ato = SYNQ_MSEC(500);
		if (c->pingpong || (c->ack_flags & TCP_ACK_PUSHED))
			max_ato = TCP_DELACK_MAX;
		if (c->srtt_us) {
			synq_time_t rtt = SYNQ_USEC(c->srtt_us >> 3);
			if (rtt < TCP_DELACK_MIN)
				rtt = TCP_DELACK_MIN;
			if (rtt < max_ato)
				max_ato = rtt;
		}
		if (ato > max_ato)
			ato = max_ato;
	}
	if (ato > TCP_DELACK_MAX)
		ato = TCP_DELACK_MAX;
	if (c->ack_flags & TCP_ACK_TIMER) {
		/* A delayed ACK about to go anyway goes now; otherwise an armed
		 * one is never pushed later. Its own expiry is read back from
		 * where it fires: a delayed ACK is due within 200 ms, which is
		 * always on the wheel's first level at HZ <= 250. */
		synq_time_t armed = tcp_wheel_armed_expiry(
			s, tcp_conn_timer_get(s, c, TCP_TIMER_DELACK));
		if (armed && armed <= tcp_wheel_due(s, s->now + ato / 4)) {
			tcp_send_ack(s, c);
			return;
		}
		if (armed && armed <= tcp_wheel_due(s, s->now + ato)) {
			c->ack_flags |= TCP_ACK_SCHED;
			return;
		}
	}
	c->ack_flags |= TCP_ACK_SCHED | TCP_ACK_TIMER;
	tcp_conn_timer_set(s, c, TCP_TIMER_DELACK, s->now + ato);
}
