/* SPDX-License-Identifier: BSD-2-Clause */
/* Acknowledgments: window updates, the retransmission queue, RTT samples,
 * SACK scoreboard, loss detection and recovery (Linux's tcp_ack(),
 * tcp_clean_rtx_queue(), tcp_sacktag_write_queue(), tcp_fastretrans_alert()).
 *
 * Recovery follows Linux without RACK: a segment is lost when the head has
 * been duplicate-acknowledged reordering times (Reno) or when at least
 * reordering segments above it were SACKed (RFC 6675's IsLost); during
 * recovery the congestion window follows Proportional Rate Reduction
 * (RFC 6937) down to ssthresh; a partial ACK in Reno mode retransmits the
 * next hole (NewReno, RFC 6582); recovery ends when snd_una passes the
 * point where it began. */
#include <errno.h>

#include "tcp/input_internal.h"

enum ack_flag {
	ACK_DATA = 0x0001,             /* the segment carried data */
	ACK_WIN_UPDATE = 0x0002,
	ACK_DATA_ACKED = 0x0004,       /* new data acknowledged */
	ACK_RETRANS_DATA_ACKED = 0x0008,
	ACK_SYN_ACKED = 0x0010,
	ACK_DATA_SACKED = 0x0020,
	ACK_SND_UNA_ADVANCED = 0x0400,
	ACK_DSACKING = 0x0800,
	ACK_LOST_RETRANS = 0x1000,
};

#define ACK_ACKED (ACK_DATA_ACKED | ACK_SYN_ACKED)
#define ACK_NOT_DUP (ACK_DATA | ACK_WIN_UPDATE | ACK_ACKED)

static struct segbuf *buf(struct synq_stack *s, uint32_t index)
{
	return segbuf_at(&s->segbufs, index);
}

static bool is_sack(const struct tcp_conn *c)
{
	return (c->flags & TCP_CONN_SACK_OK) != 0;
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

/* ---------------------------------------------------------- SACK */

static void mark_sacked(struct tcp_conn *c, struct segbuf *b)
{
	if (b->mark & SEGBUF_SACKED)
		return;
	if (b->mark & SEGBUF_RETRANS) {
		b->mark &= (uint8_t)~SEGBUF_RETRANS;
		c->retrans_out--;
	}
	if (b->mark & SEGBUF_LOST) {
		b->mark &= (uint8_t)~SEGBUF_LOST;
		c->lost_out--;
	}
	b->mark |= SEGBUF_SACKED;
	c->sacked_out++;
}

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

/* Mark the segments the peer SACKed (Linux's tcp_sacktag_write_queue(),
 * at whole-segment granularity). Returns ACK_DATA_SACKED and friends;
 * *newly counts segments newly SACKed. */
static unsigned sacktag(struct synq_stack *s, struct tcp_conn *c,
                        const struct tcp_segment *seg, uint32_t prior_snd_una,
                        uint32_t *newly)
{
	unsigned flag = 0;
	unsigned first = 0;
	if (seg->opt.sack_count == 0 || !is_sack(c))
		return 0;
	if (is_dsack(seg, prior_snd_una)) {
		MIB_INC(s, TcpExtTCPDSACKRecv);
		flag |= ACK_DSACKING;
		first = 1;
	}
	for (unsigned i = first; i < seg->opt.sack_count; i++) {
		uint32_t start = seg->opt.sack[i].start;
		uint32_t end = seg->opt.sack[i].end;
		/* Ignore blocks outside what we have sent (TCPSACKDiscard). */
		if (!seq_before(start, end) || seq_after(end, c->snd_nxt) ||
		    !seq_after(end, c->snd_una)) {
			MIB_INC(s, TcpExtTCPSACKDiscard);
			continue;
		}
		for (uint32_t i_b = c->sndq.head; i_b != POOL_NONE && i_b != c->send_head;) {
			struct segbuf *b = buf(s, i_b);
			uint32_t b_end = segbuf_end_seq(b);
			if (!seq_before(b->seq, end))
				break;
			if (!seq_before(b->seq, start) && !seq_after(b_end, end) &&
			    !(b->mark & SEGBUF_SACKED)) {
				mark_sacked(c, b);
				c->delivered++;
				(*newly)++;
				flag |= ACK_DATA_SACKED;
			}
			i_b = b->next;
		}
	}
	return flag;
}

/* ------------------------------------------------------ loss marking */

static void mark_lost(struct tcp_conn *c, struct segbuf *b)
{
	if (b->mark & (SEGBUF_SACKED | SEGBUF_LOST))
		return;
	if (b->mark & SEGBUF_RETRANS) {
		/* A lost retransmission: it leaves the pipe again. */
		b->mark &= (uint8_t)~SEGBUF_RETRANS;
		c->retrans_out--;
	}
	b->mark |= SEGBUF_LOST;
	c->lost_out++;
}

/* RFC 6675 IsLost(): a segment is lost when reordering segments above it
 * are SACKed. In Reno mode the head is lost once dupacks reach it. */
static void update_scoreboard(struct synq_stack *s, struct tcp_conn *c)
{
	if (!is_sack(c)) {
		struct segbuf *head = buf(s, c->sndq.head);
		if (head && c->sndq.head != c->send_head && !(head->mark & SEGBUF_RETRANS))
			mark_lost(c, head);
		return;
	}
	uint32_t above = c->sacked_out;
	for (uint32_t i = c->sndq.head; i != POOL_NONE && i != c->send_head;) {
		struct segbuf *b = buf(s, i);
		if (above < c->reordering)
			break;
		if (b->mark & SEGBUF_SACKED)
			above--;
		else if (!(b->mark & SEGBUF_RETRANS))
			mark_lost(c, b);
		i = b->next;
	}
}

/* ------------------------------------------------ congestion states */

/* Linux's tcp_init_cwnd_reduction(): the start of CWR or Recovery. */
static void init_cwnd_reduction(struct tcp_conn *c)
{
	c->high_seq = c->snd_nxt;
	c->tlp_high_seq = 0;
	c->snd_cwnd_cnt = 0;
	c->prior_cwnd = c->snd_cwnd;
	c->prr_delivered = 0;
	c->prr_out = 0;
	c->snd_ssthresh = tcp_cc_ssthresh(c);
}

/* Linux's tcp_end_cwnd_reduction(): settle at ssthresh. */
static void end_cwnd_reduction(struct tcp_conn *c)
{
	if (c->snd_ssthresh < TCP_INFINITE_SSTHRESH &&
	    (c->ca_state == TCP_CA_CWR || c->undo_marker))
		c->snd_cwnd = c->snd_ssthresh;
}

static bool in_cwnd_reduction(const struct tcp_conn *c)
{
	return c->ca_state == TCP_CA_CWR || c->ca_state == TCP_CA_RECOVERY;
}

/* tcp_current_ssthresh(): ssthresh, or three quarters of cwnd if more. */
static uint32_t current_ssthresh(const struct tcp_conn *c)
{
	uint32_t three_quarters = (c->snd_cwnd >> 1) + (c->snd_cwnd >> 2);
	return c->snd_ssthresh > three_quarters ? c->snd_ssthresh : three_quarters;
}

static void enter_recovery(struct synq_stack *s, struct tcp_conn *c)
{
	if (is_sack(c))
		MIB_INC(s, TcpExtTCPSackRecovery);
	else
		MIB_INC(s, TcpExtTCPRenoRecovery);
	c->prior_ssthresh = 0;
	c->undo_marker = c->snd_una;
	c->undo_retrans = c->retrans_out ? c->retrans_out : UINT32_MAX;
	if (!in_cwnd_reduction(c)) {
		c->prior_ssthresh = current_ssthresh(c);
		init_cwnd_reduction(c);
	}
	c->ca_state = TCP_CA_RECOVERY;
}

/* After a tail loss probe (Linux's tcp_process_tlp_ack()): if the ACK
 * shows the probe repaired a loss, reduce the window once (CWR). */
static void process_tlp_ack(struct synq_stack *s, struct tcp_conn *c, uint32_t ack,
                            unsigned flag)
{
	if (seq_before(ack, c->tlp_high_seq))
		return;
	if (!c->tlp_retrans) {
		c->tlp_high_seq = 0;       /* new data probed and acknowledged */
	} else if (flag & ACK_DSACKING) {
		c->tlp_high_seq = 0;       /* original and probe both arrived */
	} else if (seq_after(ack, c->tlp_high_seq)) {
		init_cwnd_reduction(c);
		c->ca_state = TCP_CA_CWR;
		end_cwnd_reduction(c);
		c->ca_state = (c->sacked_out || c->retrans_out) ? TCP_CA_DISORDER : TCP_CA_OPEN;
		MIB_INC(s, TcpExtTCPLossProbeRecovery);
	} else if (!(flag & (ACK_SND_UNA_ADVANCED | ACK_NOT_DUP | ACK_DATA_SACKED))) {
		c->tlp_high_seq = 0;       /* a pure duplicate: no loss */
	}
}

/* Linux's tcp_enter_loss() after an RTO: everything outstanding that was
 * not SACKed is lost; cwnd drops to one segment. */
void tcp_enter_loss(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->ca_state <= TCP_CA_DISORDER || c->snd_una == c->high_seq ||
	    (c->ca_state == TCP_CA_LOSS && !c->retransmits)) {
		c->prior_ssthresh = c->snd_ssthresh;
		c->snd_ssthresh = tcp_cc_ssthresh(c);
	}
	c->snd_cwnd = 1;
	c->snd_cwnd_cnt = 0;
	tcp_cc_enter_loss(s, c);
	c->retrans_out = 0;
	c->lost_out = 0;
	for (uint32_t i = c->sndq.head; i != POOL_NONE && i != c->send_head;) {
		struct segbuf *b = buf(s, i);
		b->mark &= (uint8_t)~SEGBUF_RETRANS;
		if (!(b->mark & SEGBUF_SACKED)) {
			b->mark |= SEGBUF_LOST;
			c->lost_out++;
		}
		i = b->next;
	}
	c->high_seq = c->snd_nxt;
	c->ca_state = TCP_CA_LOSS;
	c->undo_marker = c->snd_una;
}

static void end_recovery(struct tcp_conn *c)
{
	if (in_cwnd_reduction(c))
		end_cwnd_reduction(c);
	c->ca_state = TCP_CA_OPEN;
}

/* PRR (RFC 6937) as Linux's tcp_cwnd_reduction(). */
static void cwnd_reduction(struct tcp_conn *c, uint32_t newly_acked_sacked, bool una_advanced,
                           bool newly_lost)
{
	if (newly_acked_sacked == 0 || c->prior_cwnd == 0)
		return;
	int64_t in_flight = tcp_packets_in_flight(c);
	int64_t delta = (int64_t)c->snd_ssthresh - in_flight;
	int64_t sndcnt;
	c->prr_delivered += newly_acked_sacked;
	if (delta < 0) {
		uint64_t dividend = (uint64_t)c->snd_ssthresh * c->prr_delivered + c->prior_cwnd - 1;
		sndcnt = (int64_t)(dividend / c->prior_cwnd) - c->prr_out;
	} else {
		sndcnt = (int64_t)c->prr_delivered - c->prr_out;
		if (sndcnt < newly_acked_sacked)
			sndcnt = newly_acked_sacked;
		if (una_advanced && !newly_lost)
			sndcnt++;
		if (sndcnt > delta)
			sndcnt = delta;
	}
	if (sndcnt < (c->prr_out ? 0 : 1))
		sndcnt = c->prr_out ? 0 : 1;
	if (sndcnt < 0)
		sndcnt = 0;
	c->snd_cwnd = (uint32_t)(in_flight + sndcnt);
	if (c->snd_cwnd == 0)
		c->snd_cwnd = 1;
}

/* Linux's tcp_fastretrans_alert(), without RACK. */
static void fastretrans_alert(struct synq_stack *s, struct tcp_conn *c, uint32_t prior_snd_una,
                              bool dupack, unsigned flag)
{
	bool una_advanced = (flag & ACK_SND_UNA_ADVANCED) != 0;
	if (c->packets_out == 0 && c->sacked_out)
		c->sacked_out = 0;

	/* Reno: count duplicate ACKs as if they were SACKs. */
	if (!is_sack(c)) {
		if (dupack && c->sacked_out + 1 < c->packets_out + 1)
			c->sacked_out++;
		if (una_advanced)
			c->sacked_out = 0;
	}

	switch (c->ca_state) {
	case TCP_CA_RECOVERY:
		if (!seq_before(c->snd_una, c->high_seq)) {
			end_recovery(c);
			break;
		}
		if (!is_sack(c) && una_advanced) {
			/* NewReno partial ACK: the next hole is lost too. */
			update_scoreboard(s, c);
		}
		return;
	case TCP_CA_LOSS:
		if (!seq_before(c->snd_una, c->high_seq)) {
			end_recovery(c);
			break;
		}
		return;
	default:
		break;
	}

	(void)prior_snd_una;
	/* Open or Disorder: time to recover? */
	if (c->lost_out || c->sacked_out + 1 > c->reordering) {
		enter_recovery(s, c);
		update_scoreboard(s, c);
		return;
	}
	c->ca_state = (c->sacked_out || c->retrans_out) ? TCP_CA_DISORDER : TCP_CA_OPEN;
}

/* Retransmit what is marked lost, as the congestion window allows
 * (Linux's tcp_xmit_retransmit_queue()). */
void tcp_xmit_retransmit_queue(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->lost_out == 0)
		return;
	for (uint32_t i = c->sndq.head; i != POOL_NONE && i != c->send_head;) {
		struct segbuf *b = buf(s, i);
		uint32_t next = b->next;
		if ((b->mark & SEGBUF_LOST) && !(b->mark & (SEGBUF_RETRANS | SEGBUF_SACKED))) {
			if (tcp_packets_in_flight(c) >= c->snd_cwnd)
				break;
			tcp_retransmit_segbuf(s, c, i);
			if (c->ca_state == TCP_CA_RECOVERY)
				c->prr_out++;
			if (c->ca_state == TCP_CA_RECOVERY)
				MIB_INC(s, TcpExtTCPFastRetrans);
			else if (c->ca_state == TCP_CA_LOSS)
				MIB_INC(s, TcpExtTCPSlowStartRetrans);
			if (i == c->sndq.head)
				tcp_rearm_rto(s, c);
		}
		i = next;
	}
}

/* ------------------------------------------- the retransmission queue */

struct clean_result {
	unsigned flag;
	uint32_t acked_segs;
	int64_t seq_rtt_us;      /* from the oldest newly acked, never-resent segment */
};

/* Free what the cumulative ACK covers (Linux's tcp_clean_rtx_queue()). */
static struct clean_result clean_rtx_queue(struct synq_stack *s, struct tcp_conn *c)
{
	struct clean_result r = { .seq_rtt_us = -1 };
	synq_time_t first_sent = 0;
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
				c->bytes_acked += gone;
				r.flag |= ACK_DATA_ACKED;
			}
			break;
		}
		if (b->mark & SEGBUF_RETRANS)
			c->retrans_out--;
		if (b->mark & SEGBUF_EVER_RETRANS)
			r.flag |= ACK_RETRANS_DATA_ACKED;
		else if (first_sent == 0 && b->sent_at)
			first_sent = b->sent_at;
		if (b->mark & SEGBUF_SACKED)
			c->sacked_out--;
		else
			c->delivered++;
		if (b->mark & SEGBUF_LOST)
			c->lost_out--;
		c->packets_out--;
		c->bytes_acked += b->len;
		r.acked_segs++;
		r.flag |= (b->tcp_flags & TCP_SYN) ? ACK_SYN_ACKED : ACK_DATA_ACKED;
		c->snd_queued -= SEGBUF_SIZE;
		pool_free(&s->segbufs, segq_pop_head(&s->segbufs, &c->sndq));
	}
	if (first_sent && !(r.flag & ACK_RETRANS_DATA_ACKED))
		r.seq_rtt_us = (s->now - first_sent) / 1000;
	if (r.flag & ACK_ACKED) {
		c->retransmits = 0;
		if (c->packets_out == 0)
			c->retrans_stamp = 0;
	}
	return r;
}

/* Linux's tcp_ack_update_rtt(): a send-time sample if Karn allows one,
 * otherwise the echoed timestamp. */
static void update_rtt(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg,
                       int64_t seq_rtt_us, unsigned flag)
{
	if (seq_rtt_us < 0 && (c->flags & TCP_CONN_TS_OK) && seg->opt.has_timestamp &&
	    seg->opt.tsecr && (flag & ACK_ACKED)) {
		uint32_t delta = tcp_ts_now(s) + c->ts_offset - seg->opt.tsecr;
		if (delta < INT32_MAX / 1000)
			seq_rtt_us = (int64_t)(delta ? delta : 1) * 1000;
	}
	if (seq_rtt_us < 0)
		return;
	tcp_rtt_sample(s, c, seq_rtt_us);
	tcp_cc_rtt_sample(s, c, seq_rtt_us);
	c->backoff = 0;
}

/* ------------------------------------------------------------ tcp_ack */

/* The ACK of our SYN, in SYN_SENT (Linux calls tcp_ack() there too). */
void tcp_ack_syn(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg)
{
	c->snd_una = seg->ack;
	struct clean_result r = clean_rtx_queue(s, c);
	update_rtt(s, c, seg, r.seq_rtt_us, r.flag);
	c->rcv_tstamp = tcp_ms_stamp(s);
	tcp_rearm_rto(s, c);
}

/* Linux's tcp_ack(). Returns 1 if the ACK advanced or was processed, 0
 * for an old ACK (ignored), or a negative TCP_ACK_* for one to discard. */
int tcp_ack(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg,
            unsigned call_flags)
{
	uint32_t prior_snd_una = c->snd_una;
	uint32_t ack = seg->ack;
	uint32_t newly_sacked = 0;
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
		if (seg->opt.sack_count) {
			flag |= sacktag(s, c, seg, prior_snd_una, &newly_sacked);
			fastretrans_alert(s, c, prior_snd_una, false, flag);
			tcp_xmit_retransmit_queue(s, c);
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
	c->snd_una = ack;
	if (seg->opt.sack_count)
		flag |= sacktag(s, c, seg, prior_snd_una, &newly_sacked);

	c->probes_out = 0;
	c->rcv_tstamp = tcp_ms_stamp(s);
	c->err = c->err == ETIMEDOUT ? 0 : c->err;

	if (c->sndq.head == c->send_head) {
		/* Nothing in flight: perhaps a window opened on a probe. */
		if (c->rtx_kind == TCP_RTX_PROBE0 && c->send_head != POOL_NONE &&
		    !seq_after(buf(s, c->send_head)->seq + buf(s, c->send_head)->len,
		               c->snd_una + c->snd_wnd)) {
			c->backoff = 0;
			c->rtx_kind = TCP_RTX_NONE;
			tcp_conn_timer_clear(s, c, TCP_TIMER_RETRANSMIT);
		}
		if (c->tlp_high_seq)
			process_tlp_ack(s, c, ack, flag);
		tcp_conn_wake(s, c);
		return 1;
	}

	struct clean_result r = clean_rtx_queue(s, c);
	flag |= r.flag;
	update_rtt(s, c, seg, r.seq_rtt_us, flag);

	if (c->tlp_high_seq)
		process_tlp_ack(s, c, ack, flag);
	bool dupack = !(flag & (ACK_SND_UNA_ADVANCED | ACK_NOT_DUP | ACK_DSACKING));
	bool dubious = !(flag & ACK_ACKED) || (flag & ACK_DATA_SACKED) ||
	               c->ca_state != TCP_CA_OPEN;
	uint32_t prior_lost = c->lost_out;
	if (dubious)
		fastretrans_alert(s, c, prior_snd_una, dupack, flag);
	bool newly_lost = c->lost_out > prior_lost;

	/* tcp_set_xmit_timer(): a loss probe if one applies, else the RTO. */
	if ((flag & ACK_ACKED) && !tcp_schedule_loss_probe(s, c, true))
		tcp_rearm_rto(s, c);

	uint32_t acked_sacked = r.acked_segs + newly_sacked;
	if (c->ca_state == TCP_CA_RECOVERY || c->ca_state == TCP_CA_CWR)
		cwnd_reduction(c, acked_sacked, (flag & ACK_SND_UNA_ADVANCED) != 0, newly_lost);
	else if (flag & ACK_ACKED)
		tcp_cc_on_ack(s, c, r.acked_segs);

	tcp_xmit_retransmit_queue(s, c);
	if (flag & (ACK_ACKED | ACK_WIN_UPDATE))
		tcp_sndbuf_expand(s, c);
	tcp_conn_wake(s, c);
	return 1;
}
