/* SPDX-License-Identifier: BSD-2-Clause */
/* Loss detection and recovery, as Linux does them (tcp_input.c's
 * tcp_fastretrans_alert() and friends, tcp_recovery.c).
 *
 * What is lost. With SACK, RACK (RFC 8985) decides: a segment is lost once
 * a segment sent after it has been (s)acknowledged and more than an RTT
 * plus a reordering window has passed since it left. The window is zero
 * until reordering has been seen (so three SACKed segments above a hole
 * are enough, as the old duplicate-ACK threshold), then a quarter of the
 * minimum RTT, growing when D-SACKs show retransmissions were spurious.
 * Without SACK, NewReno (RFC 6582): the head is lost after reordering
 * duplicate ACKs, and every partial ACK in recovery loses the next head.
 *
 * What the window does. Entering Recovery sets ssthresh from the
 * congestion control; Proportional Rate Reduction (RFC 6937) walks cwnd
 * down to it as ACKs come; leaving settles cwnd at ssthresh. An RTO
 * enters Loss: cwnd 1, everything unSACKed lost, F-RTO (RFC 5682) watching
 * whether the timeout was spurious. Evidence that a reduction was needless
 * (D-SACKs for every retransmission, echoed timestamps older than the
 * first retransmission, a hole filled by the original) undoes it. */
#include "tcp/recovery.h"

#define TCP_MAX_REORDERING 300     /* net.ipv4.tcp_max_reordering */
#define TCP_RACK_RECOVERY_THRESH 16
#define TCP_TIMEOUT_MIN_US 2000

static struct segbuf *buf(struct synq_stack *s, uint32_t index)
{
	return segbuf_at(&s->segbufs, index);
}

/* Segments sent and not yet cumulatively acknowledged. */
#define FOR_EACH_SENT(s, c, i, b)                                                      \
	for (uint32_t i = (c)->sndq.head; i != POOL_NONE && i != (c)->send_head;      \
	     i = buf(s, i)->next)                                                      \
		for (struct segbuf *b = buf(s, i); b; b = NULL)

/* ------------------------------------------------------------- marks */

void tcp_mark_segbuf_lost(struct tcp_conn *c, struct segbuf *b)
{
	if (b->mark & SEGBUF_SACKED)
		return;
	if (b->mark & SEGBUF_RETRANS) {
		/* A lost retransmission leaves the pipe; it goes again. */
		b->mark &= (uint8_t)~SEGBUF_RETRANS;
		c->retrans_out--;
	}
	if (!(b->mark & SEGBUF_LOST)) {
		b->mark |= SEGBUF_LOST;
		c->lost_out++;
	}
}

static bool any_retrans_done(struct synq_stack *s, const struct tcp_conn *c)
{
	if (c->retrans_out)
		return true;
	const struct segbuf *head = buf(s, c->sndq.head);
	return head && c->sndq.head != c->send_head && (head->mark & SEGBUF_EVER_RETRANS);
}

/* ------------------------------------------------------------- RACK */

static bool sent_after(uint32_t t1, uint32_t t2, uint32_t seq1, uint32_t seq2)
{
	int32_t d = (int32_t)(t1 - t2);
	return d > 0 || (d == 0 && seq_after(seq1, seq2));
}

/* Linux's tcp_rack_advance(): remember the latest sent among what was
 * (s)acknowledged. */
void tcp_rack_advance(struct synq_stack *s, struct tcp_conn *c, uint8_t mark,
                      uint32_t end_seq, uint32_t xmit_us)
{
	uint32_t rtt_us = tcp_us_stamp(s) - xmit_us;
	/* A resent segment SACKed sooner than the minimum RTT was most
	 * likely the original: do not learn from it. */
	if (rtt_us < c->min_rtt_us && (mark & (SEGBUF_RETRANS | SEGBUF_EVER_RETRANS)))
		return;
	c->rack.advanced = 1;
	c->rack.rtt_us = rtt_us;
	if (sent_after(xmit_us, c->rack.xmit_us, end_seq, c->rack.end_seq)) {
		c->rack.xmit_us = xmit_us;
		c->rack.end_seq = end_seq;
	}
}

static uint32_t rack_reo_wnd(const struct tcp_conn *c)
{
	if (!c->reord_seen) {
		/* No reordering seen: be quick in recovery, or once as many
		 * segments as the reordering degree are SACKed. */
		if (c->ca_state >= TCP_CA_RECOVERY)
			return 0;
		if (c->sacked_out >= c->reordering)
			return 0;
	}
	uint32_t min_rtt = c->min_rtt_us == UINT32_MAX ? 0 : c->min_rtt_us;
	uint32_t wnd = (min_rtt >> 2) * c->rack.reo_wnd_steps;
	uint32_t srtt = c->srtt_us >> 3;
	return wnd < srtt ? wnd : srtt;
}

/* Linux's tcp_rack_detect_loss(): mark what has waited long enough;
 * return the longest wait still to come (0: none). */
static uint32_t rack_detect_loss(struct synq_stack *s, struct tcp_conn *c)
{
	uint32_t reo_wnd = rack_reo_wnd(c);
	uint32_t now_us = tcp_us_stamp(s);
	uint32_t longest = 0;
	FOR_EACH_SENT(s, c, i, b) {
		if (b->mark & SEGBUF_SACKED)
			continue;
		/* Marked lost and not resent yet: nothing to learn. */
		if ((b->mark & SEGBUF_LOST) && !(b->mark & SEGBUF_RETRANS))
			continue;
		uint32_t sent = segbuf_sent_us(b);
		if (!sent_after(c->rack.xmit_us, sent, c->rack.end_seq, segbuf_end_seq(b)))
			continue;
		int32_t remaining = (int32_t)(c->rack.rtt_us + reo_wnd - (now_us - sent));
		if (remaining <= 0)
			tcp_mark_segbuf_lost(c, b);
		else if ((uint32_t)remaining > longest)
			longest = (uint32_t)remaining;
	}
	return longest;
}

/* Linux's tcp_rack_mark_lost(); true if a reordering timer was armed. */
static bool rack_mark_lost(struct synq_stack *s, struct tcp_conn *c)
{
	if (!c->rack.advanced)
		return false;
	c->rack.advanced = 0;
	uint32_t wait_us = rack_detect_loss(s, c);
	if (!wait_us)
		return false;
	synq_time_t when = SYNQ_USEC(wait_us + TCP_TIMEOUT_MIN_US);
	if (when > tcp_rto(c))
		when = tcp_rto(c);
	c->rtx_kind = TCP_RTX_REO_TIMEOUT;
	tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, s->now + when);
	return true;
}

/* Linux's tcp_rack_update_reo_wnd(): widen the window after D-SACKs,
 * shrink it back after enough quiet recoveries. */
void tcp_rack_update_reo_wnd(struct tcp_conn *c, uint32_t prior_delivered)
{
	if (!prior_delivered)
		return;
	if (seq_before(prior_delivered, c->rack.last_delivered))
		c->rack.dsack_seen = 0;
	if (c->rack.dsack_seen) {
		if (c->rack.reo_wnd_steps < 0xff)
			c->rack.reo_wnd_steps++;
		c->rack.dsack_seen = 0;
		c->rack.last_delivered = c->delivered;
		c->rack.reo_wnd_persist = TCP_RACK_RECOVERY_THRESH;
	} else if (!c->rack.reo_wnd_persist) {
		c->rack.reo_wnd_steps = 1;
	}
}

/* Linux's tcp_check_sack_reordering(): data below the highest SACK
 * arrived without a retransmission, so the path reorders. */
void tcp_check_sack_reordering(struct synq_stack *s, struct tcp_conn *c, uint32_t low_seq)
{
	uint32_t fack = c->sacked_out ? c->highest_sack : c->snd_una;
	if (!seq_before(low_seq, fack))
		return;
	uint32_t metric = fack - low_seq;
	uint32_t mss = c->mss_cache;
	if (mss && metric > (uint32_t)c->reordering * mss) {
		uint32_t r = (metric + mss - 1) / mss;
		c->reordering = (uint16_t)(r < TCP_MAX_REORDERING ? r : TCP_MAX_REORDERING);
	}
	if (c->reord_seen < UINT16_MAX)
		c->reord_seen++;
	MIB_INC(s, TcpExtTCPSACKReorder);
}

/* ------------------------------------------------- NewReno (no SACK) */

/* Duplicate ACKs stand in for SACKed segments (tcp_add_reno_sack()). */
static void add_reno_sack(struct tcp_conn *c, uint32_t num_dupack)
{
	if (!num_dupack)
		return;
	uint32_t prior = c->sacked_out;
	c->sacked_out += num_dupack;
	/* Never more than in flight (tcp_limit_reno_sacked()). */
	uint32_t holes = c->lost_out + 1;
	if (c->packets_out > holes && c->sacked_out > c->packets_out - holes)
		c->sacked_out = c->packets_out - holes;
	else if (c->packets_out <= holes)
		c->sacked_out = 0;
	if (c->sacked_out > prior)
		c->delivered += c->sacked_out - prior;
}

static void reset_reno_sack(struct tcp_conn *c)
{
	c->sacked_out = 0;
}

/* Linux's tcp_newreno_mark_lost(). */
static void newreno_mark_lost(struct synq_stack *s, struct tcp_conn *c, bool una_advanced)
{
	if ((c->ca_state < TCP_CA_RECOVERY && c->sacked_out >= c->reordering) ||
	    (c->ca_state == TCP_CA_RECOVERY && una_advanced)) {
		struct segbuf *head = buf(s, c->sndq.head);
		if (head && c->sndq.head != c->send_head && !(head->mark & SEGBUF_LOST))
			tcp_mark_segbuf_lost(c, head);
	}
}

/* Linux's tcp_identify_packet_loss(). */
static void identify_packet_loss(struct synq_stack *s, struct tcp_conn *c, unsigned *flag)
{
	if (c->sndq.head == c->send_head)
		return;
	if (!conn_is_sack(c)) {
		newreno_mark_lost(s, c, (*flag & ACK_SND_UNA_ADVANCED) != 0);
		return;
	}
	uint32_t prior_retrans = c->retrans_out;
	if (rack_mark_lost(s, c))
		*flag &= ~ACK_SET_XMIT_TIMER;
	if (prior_retrans > c->retrans_out)
		*flag |= ACK_LOST_RETRANS;
}

/* ------------------------------------------------- congestion states */

/* tcp_current_ssthresh(): ssthresh, or three quarters of cwnd if more. */
static uint32_t current_ssthresh(const struct tcp_conn *c)
{
	uint32_t three_quarters = (c->snd_cwnd >> 1) + (c->snd_cwnd >> 2);
	return c->snd_ssthresh > three_quarters ? c->snd_ssthresh : three_quarters;
}


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

/* tcp_init_undo(): remember where recovery started, to undo it later. */
static void init_undo(struct tcp_conn *c)
{
	c->undo_marker = c->snd_una;
	c->undo_retrans = c->retrans_out ? c->retrans_out : UINT32_MAX;
}

static void try_keep_open(struct synq_stack *s, struct tcp_conn *c)
{
	uint8_t state = TCP_CA_OPEN;
	if (c->sacked_out + c->lost_out || any_retrans_done(s, c))
		state = TCP_CA_DISORDER;
	if (c->ca_state != state) {
		c->ca_state = state;
		c->high_seq = c->snd_nxt;
	}
}

static void try_to_open(struct synq_stack *s, struct tcp_conn *c)
{
	if (!any_retrans_done(s, c))
		c->retrans_stamp = 0;
	if (c->ca_state != TCP_CA_CWR)
		try_keep_open(s, c);
}

static void enter_recovery(struct synq_stack *s, struct tcp_conn *c)
{
	if (conn_is_sack(c))
		MIB_INC(s, TcpExtTCPSackRecovery);
	else
		MIB_INC(s, TcpExtTCPRenoRecovery);
	c->prior_ssthresh = 0;
	init_undo(c);
	if (!tcp_in_cwnd_reduction(c)) {
		c->prior_ssthresh = current_ssthresh(c);
		init_cwnd_reduction(c);
	}
	c->ca_state = TCP_CA_RECOVERY;
}

/* Linux's tcp_time_to_recover(). */
static bool time_to_recover(const struct tcp_conn *c)
{
	if (c->lost_out)
		return true;
	/* Without RACK (no SACK): the duplicate-ACK threshold. */
	return !conn_is_sack(c) && c->sacked_out + 1 > c->reordering;
}

/* ------------------------------------------------------------- undo */

/* Was the ACKed segment only delayed, not lost (tcp_packet_delayed())?
 * Yes if the echoed timestamp predates the first retransmission, or if
 * nothing was retransmitted yet. retrans_stamp is also 0 where it was
 * cleared after a retransmission: a Reno connection holding Recovery at
 * high_seq, and a SYN-SENT connection whose SYN was acknowledged. */
static bool packet_delayed(const struct tcp_conn *c, uint32_t tsecr)
{
	if (c->retrans_stamp)
		return (c->flags & TCP_CONN_TS_OK) && tsecr &&
		       (int32_t)(tsecr - c->ts_offset - c->retrans_stamp) < 0;
	if (!conn_is_sack(c) && !seq_before(c->snd_una, c->high_seq))
		return false;
	return c->state != SYNQ_TCP_SYN_SENT;
}

static bool may_undo(const struct tcp_conn *c, uint32_t tsecr)
{
	return c->undo_marker && (!c->undo_retrans || packet_delayed(c, tsecr));
}

/* Linux's tcp_undo_cwnd_reduction(). */
static void undo_cwnd_reduction(struct synq_stack *s, struct tcp_conn *c, bool unmark_loss)
{
	if (unmark_loss) {
		FOR_EACH_SENT(s, c, i, b)
			b->mark &= (uint8_t)~SEGBUF_LOST;
		c->lost_out = 0;
	}
	if (c->prior_ssthresh) {
		if (c->prior_cwnd > c->snd_cwnd)
			c->snd_cwnd = c->prior_cwnd; /* Reno's and CUBIC's undo_cwnd */
		if (c->prior_ssthresh > c->snd_ssthresh)
			c->snd_ssthresh = c->prior_ssthresh;
	}
	c->undo_marker = 0;
	c->rack.advanced = 1;
}

/* tcp_try_undo_recovery(): returns true if the state is held. */
static bool try_undo_recovery(struct synq_stack *s, struct tcp_conn *c, uint32_t tsecr)
{
	if (may_undo(c, tsecr)) {
		undo_cwnd_reduction(s, c, false);
		if (c->ca_state == TCP_CA_LOSS)
			MIB_INC(s, TcpExtTCPLossUndo);
		else
			MIB_INC(s, TcpExtTCPFullUndo);
	} else if (c->rack.reo_wnd_persist) {
		c->rack.reo_wnd_persist--;
	}
	if (c->snd_una == c->high_seq && !conn_is_sack(c)) {
		/* NewReno holds the state until something above high_seq is
		 * acknowledged. */
		if (!any_retrans_done(s, c))
			c->retrans_stamp = 0;
		return true;
	}
	c->ca_state = TCP_CA_OPEN;
	return false;
}

/* tcp_try_undo_dsack(): D-SACKs covered every retransmission. */
static bool try_undo_dsack(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->undo_marker && !c->undo_retrans) {
		uint8_t persist = c->rack.reo_wnd_persist + 1;
		c->rack.reo_wnd_persist = persist < TCP_RACK_RECOVERY_THRESH ? persist
		                                                             : TCP_RACK_RECOVERY_THRESH;
		undo_cwnd_reduction(s, c, false);
		MIB_INC(s, TcpExtTCPDSACKUndo);
		return true;
	}
	return false;
}

/* tcp_try_undo_loss() */
static bool try_undo_loss(struct synq_stack *s, struct tcp_conn *c, uint32_t tsecr, bool frto_undo)
{
	if (frto_undo || may_undo(c, tsecr)) {
		undo_cwnd_reduction(s, c, true);
		MIB_INC(s, TcpExtTCPLossUndo);
		if (frto_undo)
			MIB_INC(s, TcpExtTCPSpuriousRTOs);
		c->retransmits = 0;
		if (frto_undo || conn_is_sack(c)) {
			c->ca_state = TCP_CA_OPEN;
			c->frto = 0;
		}
		return true;
	}
	return false;
}

/* tcp_try_undo_partial(): returns true if the state is held. */
static bool try_undo_partial(struct synq_stack *s, struct tcp_conn *c, uint32_t prior_snd_una,
                             uint32_t tsecr)
{
	if (c->undo_marker && packet_delayed(c, tsecr)) {
		/* The hole was filled by the original: the path reorders. */
		tcp_check_sack_reordering(s, c, prior_snd_una);
		if (c->retrans_out)
			return true;
		if (!any_retrans_done(s, c))
			c->retrans_stamp = 0;
		undo_cwnd_reduction(s, c, true);
		MIB_INC(s, TcpExtTCPPartialUndo);
		try_keep_open(s, c);
	}
	return false;
}

/* ------------------------------------------------------------- Loss */

/* Linux's tcp_timeout_mark_lost(): after an RTO the head is lost, and
 * so is whatever RACK says has waited long enough; a SACKed head means
 * the receiver reneged, and all SACK marks go. */
static void timeout_mark_lost(struct synq_stack *s, struct tcp_conn *c)
{
	struct segbuf *head = buf(s, c->sndq.head);
	bool reneged = head && c->sndq.head != c->send_head && (head->mark & SEGBUF_SACKED);
	if (reneged) {
		MIB_INC(s, TcpExtTCPSACKReneging);
		c->sacked_out = 0;
	} else if (!conn_is_sack(c)) {
		reset_reno_sack(c);
	}
	uint32_t now_us = tcp_us_stamp(s);
	FOR_EACH_SENT(s, c, i, b) {
		if (reneged)
			b->mark &= (uint8_t)~SEGBUF_SACKED;
		else if (i != c->sndq.head &&
		         (int32_t)(c->rack.rtt_us - (now_us - segbuf_sent_us(b))) > 0)
			continue; /* sent too recently to call lost */
		tcp_mark_segbuf_lost(c, b);
	}
}

/* Linux's tcp_enter_loss() after an RTO. */
void tcp_enter_loss(struct synq_stack *s, struct tcp_conn *c)
{
	bool new_recovery = c->ca_state < TCP_CA_RECOVERY;
	timeout_mark_lost(s, c);
	/* Reduce ssthresh once per window of data. */
	if (c->ca_state <= TCP_CA_DISORDER || !seq_after(c->high_seq, c->snd_una) ||
	    (c->ca_state == TCP_CA_LOSS && !c->retransmits)) {
		c->prior_ssthresh = current_ssthresh(c);
		c->prior_cwnd = c->snd_cwnd;
		c->snd_ssthresh = tcp_cc_ssthresh(c);
		tcp_cc_enter_loss(s, c);
		init_undo(c);
	}
	c->snd_cwnd = tcp_packets_in_flight(c) + 1;
	c->snd_cwnd_cnt = 0;
	/* A timeout after many duplicate ACKs: reordering was overestimated. */
	uint32_t reordering = (uint32_t)s->cfg.tcp_reordering;
	if (c->ca_state <= TCP_CA_DISORDER && c->sacked_out >= reordering && c->reordering > reordering)
		c->reordering = (uint16_t)reordering;
	c->ca_state = TCP_CA_LOSS;
	c->high_seq = c->snd_nxt;
	c->tlp_high_seq = 0;
	/* F-RTO (RFC 5682): watch whether the timeout was spurious, unless
	 * this is a timeout of a retransmission in recovery. */
	c->frto = s->cfg.tcp_frto && (new_recovery || c->retransmits);
}

/* Linux's tcp_process_loss(). */
static void process_loss(struct synq_stack *s, struct tcp_conn *c, unsigned flag,
                         uint32_t num_dupack, uint32_t tsecr, int *rexmit)
{
	bool recovered = !seq_before(c->snd_una, c->high_seq);
	if ((flag & ACK_SND_UNA_ADVANCED) && try_undo_loss(s, c, tsecr, false))
		return;
	if (c->frto) {
		/* F-RTO step 3.b: never-resent data (s)acked: spurious. */
		if ((flag & ACK_ORIG_SACK_ACKED) && try_undo_loss(s, c, tsecr, true))
			return;
		if (seq_after(c->snd_nxt, c->high_seq)) {
			if ((flag & ACK_DATA_SACKED) || num_dupack)
				c->frto = 0; /* step 3.a: the loss was real */
		} else if ((flag & ACK_SND_UNA_ADVANCED) && !recovered) {
			c->high_seq = c->snd_nxt;
			/* Step 2.b: send new data first, if there is any. */
			const struct segbuf *next = buf(s, c->send_head);
			if (next && seq_after(c->snd_una + c->snd_wnd, c->snd_nxt)) {
				*rexmit = REXMIT_NEW;
				return;
			}
			c->frto = 0;
		}
	}
	if (recovered) {
		try_undo_recovery(s, c, tsecr);
		return;
	}
	if (!conn_is_sack(c)) {
		if (seq_after(c->snd_nxt, c->high_seq) && num_dupack)
			add_reno_sack(c, num_dupack);
		else if (flag & ACK_SND_UNA_ADVANCED)
			reset_reno_sack(c);
	}
	*rexmit = REXMIT_LOST;
}

/* ------------------------------------------------- the state machine */

/* Linux's tcp_fastretrans_alert(), with RACK for SACK connections. */
void tcp_fastretrans_alert(struct synq_stack *s, struct tcp_conn *c, uint32_t prior_snd_una,
                           uint32_t num_dupack, uint32_t tsecr, unsigned *flag, int *rexmit)
{
	bool una_advanced = (*flag & ACK_SND_UNA_ADVANCED) != 0;
	if (!c->packets_out && c->sacked_out)
		c->sacked_out = 0;

	/* D. State exits once high_seq is acknowledged. */
	if (c->ca_state == TCP_CA_OPEN) {
		c->retrans_stamp = 0;
	} else if (!seq_before(c->snd_una, c->high_seq)) {
		switch (c->ca_state) {
		case TCP_CA_CWR:
			if (c->snd_una != c->high_seq) {
				end_cwnd_reduction(c);
				c->ca_state = TCP_CA_OPEN;
			}
			break;
		case TCP_CA_RECOVERY:
			if (!conn_is_sack(c))
				reset_reno_sack(c);
			if (try_undo_recovery(s, c, tsecr))
				return;
			end_cwnd_reduction(c);
			break;
		default:
			break;
		}
	}

	/* E. The state's own processing. */
	switch (c->ca_state) {
	case TCP_CA_RECOVERY:
		if (!una_advanced) {
			if (!conn_is_sack(c))
				add_reno_sack(c, num_dupack);
		} else if (try_undo_partial(s, c, prior_snd_una, tsecr)) {
			return;
		}
		if (try_undo_dsack(s, c))
			try_keep_open(s, c);
		identify_packet_loss(s, c, flag);
		if (c->ca_state != TCP_CA_RECOVERY) {
			if (!time_to_recover(c))
				return;
			enter_recovery(s, c);
		}
		break;
	case TCP_CA_LOSS:
		process_loss(s, c, *flag, num_dupack, tsecr, rexmit);
		identify_packet_loss(s, c, flag);
		if (!(c->ca_state == TCP_CA_OPEN || (*flag & ACK_LOST_RETRANS)))
			return;
		/* undone, or retransmissions were lost */
		/* fall through */
	default:
		if (!conn_is_sack(c)) {
			if (una_advanced)
				reset_reno_sack(c);
			add_reno_sack(c, num_dupack);
		}
		if (c->ca_state <= TCP_CA_DISORDER)
			try_undo_dsack(s, c);
		identify_packet_loss(s, c, flag);
		if (!time_to_recover(c)) {
			try_to_open(s, c);
			return;
		}
		enter_recovery(s, c);
		break;
	}
	*rexmit = REXMIT_LOST;
}

/* PRR (RFC 6937) as Linux's tcp_cwnd_reduction(). */
static void cwnd_reduction(struct tcp_conn *c, uint32_t newly_acked_sacked, uint32_t newly_lost,
                           unsigned flag)
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
		if ((flag & ACK_SND_UNA_ADVANCED) && !newly_lost)
			sndcnt++;
		if (sndcnt > delta)
			sndcnt = delta;
	}
	/* Force a fast retransmit upon entering recovery. */
	int64_t floor = c->prr_out ? 0 : 1;
	if (sndcnt < floor)
		sndcnt = floor;
	c->snd_cwnd = (uint32_t)(in_flight + sndcnt);
}

/* Linux's tcp_may_raise_cwnd(). */
static bool may_raise_cwnd(const struct synq_stack *s, const struct tcp_conn *c, unsigned flag)
{
	if (c->reordering > s->cfg.tcp_reordering)
		return (flag & ACK_FORWARD_PROGRESS) != 0;
	return (flag & ACK_DATA_ACKED) != 0;
}

/* Linux's tcp_cong_control(). */
void tcp_cong_control(struct synq_stack *s, struct tcp_conn *c, uint32_t acked_sacked,
                      uint32_t newly_lost, unsigned flag)
{
	if (tcp_in_cwnd_reduction(c))
		cwnd_reduction(c, acked_sacked, newly_lost, flag);
	else if (may_raise_cwnd(s, c, flag))
		tcp_cc_on_ack(s, c, acked_sacked);
}

static bool awaits_retransmit(const struct segbuf *b)
{
	return (b->mark & SEGBUF_LOST) && !(b->mark & (SEGBUF_RETRANS | SEGBUF_SACKED));
}

/* Retransmit what is marked lost, as the congestion window allows
 * (Linux's tcp_xmit_retransmit_queue()). Adjacent lost segments go out as
 * one unit of up to tcp_tso_segs(), as Linux resends a multi-segment skb. */
void tcp_xmit_retransmit_queue(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->lost_out == 0)
		return;
	uint32_t unit_left = 0, unit_len = 0;
	for (uint32_t i = c->sndq.head; i != POOL_NONE && i != c->send_head;) {
		struct segbuf *b = buf(s, i);
		if (!awaits_retransmit(b)) {
			unit_left = 0;
			i = b->next;
			continue;
		}
		if (tcp_packets_in_flight(c) >= c->snd_cwnd)
			break;
		if (unit_left == 0) {
			unit_left = c->snd_cwnd - tcp_packets_in_flight(c);
			uint32_t segs = tcp_tso_segs(s, c, tcp_current_mss(c));
			if (unit_left > segs)
				unit_left = segs;
			unit_len = 0;
		}
		unit_left--;
		unit_len++;
		const struct segbuf *n = buf(s, b->next);
		bool unit_ends = unit_left == 0 || (b->mark & SEGBUF_UNIT_END) ||
		                 (b->tcp_flags & (TCP_PSH | TCP_FIN)) || b->next == c->send_head ||
		                 n == NULL || !awaits_retransmit(n) || n->seq != b->seq + b->len;
		if (!tcp_retransmit_segbuf(s, c, i, unit_ends && unit_len > 1))
			break;
		if (unit_ends)
			tcp_segbuf_end_unit(c, buf(s, i));
		if (unit_ends)
			unit_left = 0;
		if (tcp_in_cwnd_reduction(c))
			c->prr_out++;
		if (c->ca_state == TCP_CA_RECOVERY)
			MIB_INC(s, TcpExtTCPFastRetrans);
		else if (c->ca_state == TCP_CA_LOSS)
			MIB_INC(s, TcpExtTCPSlowStartRetrans);
		if (i == c->sndq.head)
			tcp_rearm_rto(s, c);
		i = buf(s, i)->next;
	}
}

/* Linux's tcp_xmit_recovery(). */
void tcp_xmit_recovery(struct synq_stack *s, struct tcp_conn *c, int rexmit)
{
	if (rexmit == REXMIT_NONE)
		return;
	if (rexmit == REXMIT_NEW) {
		tcp_push(s, c);
		if (seq_after(c->snd_nxt, c->high_seq))
			return;
		c->frto = 0;
	}
	tcp_xmit_retransmit_queue(s, c);
}

/* After a tail loss probe (Linux's tcp_process_tlp_ack()): if the ACK
 * shows the probe repaired a loss, reduce the window once (CWR). */
void tcp_process_tlp_ack(struct synq_stack *s, struct tcp_conn *c, uint32_t ack, unsigned flag)
{
	if (seq_before(ack, c->tlp_high_seq))
		return;
	if (!c->tlp_retrans) {
		c->tlp_high_seq = 0;
	} else if (flag & ACK_DSACK_TLP) {
		c->tlp_high_seq = 0;
	} else if (seq_after(ack, c->tlp_high_seq)) {
		init_cwnd_reduction(c);
		c->ca_state = TCP_CA_CWR;
		end_cwnd_reduction(c);
		try_keep_open(s, c);
		MIB_INC(s, TcpExtTCPLossProbeRecovery);
	} else if (!(flag & (ACK_SND_UNA_ADVANCED | ACK_NOT_DUP | ACK_DATA_SACKED))) {
		c->tlp_high_seq = 0;
	}
}

/* RACK's reordering timer fired (Linux's tcp_rack_reo_timeout()). */
void tcp_rack_reo_timeout(struct synq_stack *s, struct tcp_conn *c)
{
	uint32_t prior_in_flight = tcp_packets_in_flight(c);
	uint32_t prior_lost = c->lost_out;
	rack_detect_loss(s, c);
	if (prior_in_flight != tcp_packets_in_flight(c)) {
		if (c->ca_state != TCP_CA_RECOVERY) {
			enter_recovery(s, c);
			cwnd_reduction(c, 1, c->lost_out - prior_lost, 0);
		}
		tcp_xmit_retransmit_queue(s, c);
	}
	if (c->rtx_kind != TCP_RTX_RTO)
		tcp_rearm_rto(s, c);
}
