/* SPDX-License-Identifier: BSD-2-Clause */
/* Acknowledgments (Linux's tcp_ack()): the window update, SACK blocks on
 * the scoreboard (tcp_sacktag_write_queue()), the retransmission queue
 * (tcp_clean_rtx_queue()) and the RTT samples they give; then loss
 * recovery and congestion control (recovery.c). */
#include <errno.h>

#include "tcp/chrono.h"
#include "tcp/recovery.h"

static struct segbuf *buf(struct synq_stack *s, uint32_t index)
{
	return segbuf_at(&s->segbufs, index);
}

/* ----------------------------------------------------------- windows */

/* Linux's tcp_may_update_window() and tcp_ack_update_window(). */
static unsigned update_window(struct synq_stack *s, struct tcp_conn *c,
                              const struct tcp_segment *seg)
{
	uint32_t nwin = seg->window;
	if (!(seg->flags & TCP_SYN))
		nwin <<= c->snd_wscale;
	unsigned flag = 0;
	if (seq_after(seg->ack, c->snd_una) || seq_after(seg->seq, c->snd_wl1) ||
	    (seg->seq == c->snd_wl1 && (nwin > c->snd_wnd || nwin == 0))) {
		flag |= ACK_WIN_UPDATE;
		c->snd_wl1 = seg->seq;
		if (c->snd_wnd != nwin) {
			c->snd_wnd = nwin;
			if (c->send_head != POOL_NONE)
				tcp_cc_restart_after_idle(s, c);
			if (nwin > c->max_window) {
				c->max_window = nwin;
				tcp_conn_sync_mss(s, c);
			}
		}
	}
	return flag;
}

/* --------------------------------------------------------------- SACK */

struct sack_state {
	unsigned flag;
	uint32_t reord;          /* lowest never-resent seq filled out of order */
	uint32_t sacked;         /* segments newly SACKed */
	uint32_t first_sackt;    /* send times (us) of the oldest and newest */
	uint32_t last_sackt;     /*   never-resent segments SACKed */
	bool has_sackt;
};

/* Is the first block a D-SACK (RFC 2883): below the cumulative ACK, or
 * inside the second block? */
static bool is_dsack(const struct tcp_segment *seg, uint32_t prior_snd_una)
{
	const struct tcp_sack_block *b = seg->opt.sack;
	if (seq_before(b[0].start, seg->ack) || seq_before(b[0].start, prior_snd_una))
		return true;
	return seg->opt.sack_count > 1 && !seq_after(b[0].end, b[1].end) &&
	       !seq_before(b[0].start, b[1].start);
}

/* One segment inside a SACK block (Linux's tcp_sacktag_one()). */
static void sacktag_one(struct synq_stack *s, struct tcp_conn *c, struct segbuf *b,
                        bool dup_sack, struct sack_state *st)
{
	uint32_t end = segbuf_end_seq(b);
	bool resent = (b->mark & (SEGBUF_RETRANS | SEGBUF_EVER_RETRANS)) != 0;
	if (dup_sack && resent) {
		/* A D-SACK for a retransmission: one fewer to prove spurious. */
		if (c->undo_marker && c->undo_retrans > 0 && c->undo_retrans != UINT32_MAX &&
		    seq_after(end, c->undo_marker))
			c->undo_retrans--;
		if ((b->mark & SEGBUF_SACKED) && seq_before(b->seq, st->reord))
			st->reord = b->seq;
	}
	if (!seq_after(end, c->snd_una))
		return;
	if (!(b->mark & SEGBUF_SACKED)) {
		tcp_rack_advance(s, c, b->mark, end, segbuf_sent_us(b));
		if (b->mark & SEGBUF_RETRANS) {
			/* Lost and resent: the resend arrived. Not lost: it may
			 * still be in flight, so it stays counted there. */
			if (b->mark & SEGBUF_LOST) {
				b->mark &= (uint8_t)~(SEGBUF_LOST | SEGBUF_RETRANS);
				c->lost_out--;
				c->retrans_out--;
			}
		} else {
			if (!(b->mark & SEGBUF_EVER_RETRANS)) {
				/* A hole filled without a resend: reordering. */
				uint32_t fack = c->sacked_out ? c->highest_sack : c->snd_una;
				if (seq_before(b->seq, fack) && seq_before(b->seq, st->reord))
					st->reord = b->seq;
				if (!seq_after(end, c->high_seq))
					st->flag |= ACK_ORIG_SACK_ACKED;
				if (!st->has_sackt) {
					st->first_sackt = segbuf_sent_us(b);
					st->has_sackt = true;
				}
				st->last_sackt = segbuf_sent_us(b);
			}
			if (b->mark & SEGBUF_LOST) {
				b->mark &= (uint8_t)~SEGBUF_LOST;
				c->lost_out--;
			}
		}
		b->mark |= SEGBUF_SACKED;
		st->flag |= ACK_DATA_SACKED;
		c->sacked_out++;
		c->delivered++;
		st->sacked++;
		if (c->sacked_out == 1 || seq_after(end, c->highest_sack))
			c->highest_sack = end;
	}
	if (dup_sack && (b->mark & SEGBUF_RETRANS)) {
		b->mark &= (uint8_t)~SEGBUF_RETRANS;
		c->retrans_out--;
	}
}

/* Mark the segments the peer SACKed (Linux's tcp_sacktag_write_queue(),
 * at whole-segment granularity). */
static void sacktag(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg,
                    uint32_t prior_snd_una, struct sack_state *st)
{
	if (seg->opt.sack_count == 0 || !conn_is_sack(c))
		return;
	uint32_t prior_fack = c->sacked_out ? c->highest_sack : prior_snd_una;
	st->reord = c->snd_nxt;
	bool dsack = is_dsack(seg, prior_snd_una);
	if (dsack) {
		MIB_INC(s, TcpExtTCPDSACKRecv);
		st->flag |= ACK_DSACKING;
		c->rack.dsack_seen = 1;
		const struct tcp_sack_block *d = &seg->opt.sack[0];
		if (c->tlp_high_seq && d->end == c->tlp_high_seq && c->tlp_retrans)
			st->flag |= ACK_DSACK_TLP;
	}
	for (unsigned i = 0; i < seg->opt.sack_count; i++) {
		uint32_t start = seg->opt.sack[i].start;
		uint32_t end = seg->opt.sack[i].end;
		bool dup = dsack && i == 0;
		/* Blocks outside what was sent are ignored (tcp_is_sackblock_valid()). */
		if (!seq_before(start, end) || seq_after(end, c->snd_nxt)) {
			MIB_INC(s, TcpExtTCPSACKDiscard);
			continue;
		}
		if (!dup && !seq_after(end, c->snd_una)) {
			/* An old block on a reordered ACK: not worth a count. */
			if (seg->ack != c->snd_una)
				MIB_INC(s, TcpExtTCPSACKDiscard);
			continue;
		}
		for (uint32_t i_b = c->sndq.head; i_b != POOL_NONE && i_b != c->send_head;) {
			struct segbuf *b = buf(s, i_b);
			if (!seq_before(b->seq, end))
				break;
			if (!seq_before(b->seq, start) && !seq_after(segbuf_end_seq(b), end))
				sacktag_one(s, c, b, dup, st);
			i_b = b->next;
		}
	}
	if (seq_before(st->reord, prior_fack) && st->reord != c->snd_nxt)
		tcp_check_sack_reordering(s, c, st->reord);
}

/* ------------------------------------------- the retransmission queue */

struct clean_result {
	unsigned flag;
	uint32_t acked_segs;
	int64_t seq_rtt_us;      /* oldest newly acked, never-resent segment */
	int64_t ca_rtt_us;       /* newest of them */
};

/* Free what the cumulative ACK covers (Linux's tcp_clean_rtx_queue()). */
static struct clean_result clean_rtx_queue(struct synq_stack *s, struct tcp_conn *c,
                                           uint32_t prior_fack)
{
	struct clean_result r = { .seq_rtt_us = -1, .ca_rtt_us = -1 };
	uint32_t now_us = tcp_us_stamp(s);
	uint32_t reord = c->snd_nxt;
	bool have_first = false;
	uint32_t first_ackt = 0, last_ackt = 0;
	while (c->sndq.head != POOL_NONE && c->sndq.head != c->send_head) {
		struct segbuf *b = buf(s, c->sndq.head);
		uint32_t end = segbuf_end_seq(b);
		if (seq_after(end, c->snd_una)) {
			/* Partly acknowledged: drop the acknowledged bytes. */
			if (seq_after(c->snd_una, b->seq) && b->len) {
				uint32_t gone = c->snd_una - b->seq;
				if (gone > b->len)
					gone = b->len;
				b->off = (uint16_t)(b->off + gone);
				b->len = (uint16_t)(b->len - gone);
				b->seq += gone;
				r.flag |= ACK_DATA_ACKED;
			}
			break;
		}
		uint8_t mark = b->mark;
		if (mark & (SEGBUF_RETRANS | SEGBUF_EVER_RETRANS)) {
			if (mark & SEGBUF_RETRANS)
				c->retrans_out--;
			r.flag |= ACK_RETRANS_DATA_ACKED;
		} else if (!(mark & SEGBUF_SACKED)) {
			last_ackt = segbuf_sent_us(b);
			if (!have_first) {
				first_ackt = last_ackt;
				have_first = true;
			}
			if (seq_before(b->seq, reord))
				reord = b->seq;
			if (!seq_after(end, c->high_seq))
				r.flag |= ACK_ORIG_SACK_ACKED;
		}
		if (mark & SEGBUF_SACKED) {
			c->sacked_out--;
		} else if (conn_is_sack(c)) {
			c->delivered++;
			tcp_rack_advance(s, c, mark, end, segbuf_sent_us(b));
		}
		if (mark & SEGBUF_LOST)
			c->lost_out--;
		c->packets_out--;
		r.acked_segs++;
		r.flag |= (b->tcp_flags & TCP_SYN) ? ACK_SYN_ACKED : ACK_DATA_ACKED;
		if ((b->mark & SEGBUF_UNIT_END) && c->snd_skbs)
			c->snd_skbs--; /* the last of its skb: the skb is freed */
		pool_free(&s->segbufs, segq_pop_head(&s->segbufs, &c->sndq));
	}
	if (segq_empty(&c->sndq))
		c->snd_skbs = 0; /* nothing queued: no skb either, whatever split */
	if (c->sndq.head == c->send_head)
		tcp_chrono_stop(s, c, TCP_CHRONO_BUSY); /* nothing left in flight */
	if (have_first && !(r.flag & ACK_RETRANS_DATA_ACKED)) {
		r.seq_rtt_us = now_us - first_ackt;
		r.ca_rtt_us = now_us - last_ackt;
	}
	if (r.flag & ACK_ACKED) {
		r.flag |= ACK_SET_XMIT_TIMER;
		c->retransmits = 0;
		if (!conn_is_sack(c)) {
			/* The ACK filled the hole; the rest of the acknowledged
			 * segments used up duplicate ACKs (tcp_remove_reno_sacks()). */
			uint32_t acked = r.acked_segs;
			if (acked) {
				c->delivered += acked > c->sacked_out + 1 ? acked - c->sacked_out : 1;
				c->sacked_out = acked - 1 >= c->sacked_out ? 0 : c->sacked_out - (acked - 1);
			}
			if (r.flag & ACK_RETRANS_DATA_ACKED)
				r.flag &= ~ACK_ORIG_SACK_ACKED;
		} else if (seq_before(reord, prior_fack)) {
			tcp_check_sack_reordering(s, c, reord);
		}
	}
	return r;
}

/* Linux's tcp_ack_update_rtt(): a send-time sample if Karn allows one (a
 * cumulative ACK's, else a SACK's), otherwise the echoed timestamp. */
static void update_rtt(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg,
                       int64_t seq_rtt_us, int64_t ca_rtt_us, const struct sack_state *st,
                       unsigned flag)
{
	if (seq_rtt_us < 0 && st->has_sackt) {
		seq_rtt_us = tcp_us_stamp(s) - st->first_sackt;
		ca_rtt_us = tcp_us_stamp(s) - st->last_sackt;
	}
	if (seq_rtt_us < 0 && (c->flags & TCP_CONN_TS_OK) && seg->opt.has_timestamp &&
	    seg->opt.tsecr && (flag & ACK_ACKED)) {
		uint32_t delta = tcp_ts_now(s) + c->ts_offset - seg->opt.tsecr;
		if (delta < INT32_MAX / 1000) {
			seq_rtt_us = (int64_t)(delta ? delta : 1) * 1000;
			ca_rtt_us = seq_rtt_us;
		}
	}
	if (seq_rtt_us < 0)
		return;
	tcp_rtt_sample(s, c, seq_rtt_us);
	tcp_cc_rtt_sample(s, c, ca_rtt_us >= 0 ? ca_rtt_us : seq_rtt_us);
	c->backoff = 0;
}

/* ------------------------------------------------------------ tcp_ack */

/* The ACK of our SYN, in SYN_SENT (Linux calls tcp_ack() there too). */
void tcp_ack_syn(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg)
{
	tcp_snd_una_update(c, seg->ack);
	struct sack_state st = { 0 };
	struct clean_result r = clean_rtx_queue(s, c, c->snd_una);
	update_rtt(s, c, seg, r.seq_rtt_us, r.ca_rtt_us, &st, r.flag);
	c->rcv_tstamp = tcp_ms_stamp(s);
	tcp_rearm_rto(s, c);
}

static uint32_t tsecr_of(const struct tcp_conn *c, const struct tcp_segment *seg)
{
	return (c->flags & TCP_CONN_TS_OK) && seg->opt.has_timestamp ? seg->opt.tsecr : 0;
}

/* An ACK while nothing is in flight (Linux's tcp_ack_probe()): if the
 * window now takes the next segment, stop probing (the push that follows
 * sends it); otherwise probe again after the backed-off interval. */
static void ack_probe(struct synq_stack *s, struct tcp_conn *c)
{
	const struct segbuf *head = buf(s, c->send_head);
	if (head == NULL)
		return;
	if (!seq_after(head->seq + head->len, c->snd_una + c->snd_wnd)) {
		c->backoff = 0;
		if (c->rtx_kind == TCP_RTX_PROBE0) {
			c->rtx_kind = TCP_RTX_NONE;
			tcp_conn_timer_clear(s, c, TCP_TIMER_RETRANSMIT);
		}
	} else {
		c->rtx_kind = TCP_RTX_PROBE0;
		tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, s->now + tcp_probe0_when(c));
	}
}

/* Linux's tcp_ack(). Returns 1 if the ACK advanced or was processed, 0
 * for an old ACK (ignored), or a negative TCP_ACK_* for one to discard. */
int tcp_ack(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg,
            unsigned call_flags)
{
	uint32_t prior_snd_una = c->snd_una;
	uint32_t prior_fack = c->sacked_out ? c->highest_sack : prior_snd_una;
	uint32_t prior_delivered = c->delivered;
	uint32_t prior_lost = c->lost_out;
	uint32_t prior_packets = c->packets_out;
	uint32_t ack = seg->ack;
	struct sack_state st = { 0 };
	int rexmit = REXMIT_NONE;
	unsigned flag = 0;

	if (!(seg->flags & TCP_ACK))
		return 0;
	if (seq_before(ack, prior_snd_una)) {
		uint64_t max_window = c->max_window < c->bytes_acked ? c->max_window : c->bytes_acked;
		if (seq_before(ack, prior_snd_una - (uint32_t)max_window)) {
			if (!(call_flags & TCP_ACKF_NO_CHALLENGE))
				tcp_send_challenge_ack(s, c);
			return TCP_ACK_TOO_OLD;
		}
		/* An old ACK: only its SACK information counts. */
		if (seg->opt.sack_count) {
			sacktag(s, c, seg, prior_snd_una, &st);
			flag = st.flag;
			tcp_fastretrans_alert(s, c, prior_snd_una, 0, tsecr_of(c, seg), &flag, &rexmit);
			tcp_xmit_recovery(s, c, rexmit);
		}
		return 0;
	}
	if (seq_after(ack, c->snd_nxt))
		return TCP_ACK_UNSENT_DATA;

	if (seq_after(ack, prior_snd_una)) {
		flag |= ACK_SND_UNA_ADVANCED;
		c->retransmits = 0;
	}
	if (call_flags & TCP_ACKF_UPDATE_TS_RECENT)
		tcp_replace_ts_recent(s, c, seg);
	if (seg->payload_len || (seg->flags & TCP_FIN))
		flag |= ACK_DATA;
	else
		MIB_INC(s, TcpExtTCPPureAcks);
	flag |= update_window(s, c, seg);
	tcp_snd_una_update(c, ack);
	if (seg->opt.sack_count) {
		sacktag(s, c, seg, prior_snd_una, &st);
		flag |= st.flag;
	}
	c->probes_out = 0;
	c->rcv_tstamp = tcp_ms_stamp(s);
	if (c->err == ETIMEDOUT)
		c->err = 0;

	if (prior_packets == 0) {
		/* Nothing was in flight: perhaps a window opened on a probe. */
		if (flag & ACK_DSACKING)
			tcp_fastretrans_alert(s, c, prior_snd_una, 0, tsecr_of(c, seg), &flag, &rexmit);
		ack_probe(s, c);
		if (c->tlp_high_seq)
			tcp_process_tlp_ack(s, c, ack, flag);
		tcp_conn_wake(s, c, TCP_EV_WRITE_SPACE);
		return 1;
	}

	struct clean_result r = clean_rtx_queue(s, c, prior_fack);
	flag |= r.flag;
	update_rtt(s, c, seg, r.seq_rtt_us, r.ca_rtt_us, &st, flag);
	tcp_rack_update_reo_wnd(c, prior_delivered);
	if (c->tlp_high_seq)
		tcp_process_tlp_ack(s, c, ack, flag);

	/* tcp_ack_is_dubious() */
	if (!(flag & ACK_NOT_DUP) || (flag & (ACK_DATA_SACKED | ACK_DSACKING)) ||
	    c->ca_state != TCP_CA_OPEN) {
		uint32_t num_dupack = 0;
		if (!(flag & (ACK_SND_UNA_ADVANCED | ACK_NOT_DUP | ACK_DSACKING)))
			num_dupack = 1;
		tcp_fastretrans_alert(s, c, prior_snd_una, num_dupack, tsecr_of(c, seg), &flag,
		                      &rexmit);
	}
	/* tcp_set_xmit_timer(): a loss probe if one applies, else the RTO. */
	if ((flag & ACK_SET_XMIT_TIMER) && !tcp_schedule_loss_probe(s, c, true))
		tcp_rearm_rto(s, c);

	uint32_t delivered = c->delivered - prior_delivered;
	uint32_t newly_lost = c->lost_out > prior_lost ? c->lost_out - prior_lost : 0;
	tcp_cong_control(s, c, delivered, newly_lost, flag);
	tcp_xmit_recovery(s, c, rexmit);
	if (flag & (ACK_ACKED | ACK_WIN_UPDATE))
		tcp_sndbuf_expand(s, c);
	tcp_conn_wake(s, c, TCP_EV_WRITE_SPACE);
	return 1;
}
