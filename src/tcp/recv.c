/* SPDX-License-Identifier: BSD-2-Clause */
/* The segment text: in-order data to the receive queue, out-of-order data
 * to a sorted queue with SACK blocks, duplicates reported with D-SACK, the
 * peer's FIN, and the decision to ACK now or later (Linux's
 * tcp_data_queue(), tcp_data_queue_ofo(), tcp_fin(), __tcp_ack_snd_check()). */
#include <string.h>

#include "tcp/input_internal.h"

static struct segbuf *buf(struct synq_stack *s, uint32_t index)
{
	return segbuf_at(&s->segbufs, index);
}

/* --------------------------------------------------------- quick ACKs */

static void incr_quickack(struct tcp_conn *c, unsigned max_quickacks)
{
	unsigned quickacks = c->rcv_mss ? c->rcv_wnd / (2u * c->rcv_mss) : 0;
	if (quickacks == 0)
		quickacks = 2;
	if (quickacks > max_quickacks)
		quickacks = max_quickacks;
	if (quickacks > c->quickack)
		c->quickack = (uint8_t)quickacks;
}

void tcp_enter_quickack_mode(struct tcp_conn *c, unsigned max_quickacks)
{
	incr_quickack(c, max_quickacks);
	c->pingpong = 0;
	c->ato_ms = (uint16_t)(TCP_ATO_MIN / SYNQ_MSEC(1));
}

static bool in_quickack_mode(const struct tcp_conn *c)
{
	return c->quickack && !c->pingpong;
}

/* ----------------------------------------------------- receive events */

/* What Linux is charged for a received segment (an IPv4 header without
 * options is assumed). */
static uint32_t seg_truesize(const struct tcp_segment *seg)
{
	return tcp_rx_truesize(20u + seg->header_len + seg->payload_len);
}

/* Linux's tcp_measure_rcv_mss(): guess the peer's segment size, and when
 * the guess changes, measure the ratio of payload to charge. A segment
 * longer than the peer's MSS came as several (GRO, or TSO on packetdrill's
 * tun), and its segment size is that MSS (gso_size). */
static void measure_rcv_mss(struct tcp_conn *c, const struct tcp_segment *seg,
                            uint32_t truesize)
{
	uint32_t len = seg->payload_len;
	if (c->mss_clamp && len > c->mss_clamp)
		len = c->mss_clamp;
	if (len >= c->rcv_mss) {
		if (len != c->rcv_mss) {
			uint32_t ratio = (uint32_t)(((uint64_t)seg->payload_len << 8) / truesize);
			uint8_t old = c->scaling_ratio;
			c->scaling_ratio = (uint8_t)(ratio == 0 ? 1 : ratio > 255 ? 255 : ratio);
			if (old != c->scaling_ratio) {
				tcp_set_window_clamp(c, tcp_full_space(c));
				if (c->window_clamp < c->rcvq_space)
					c->rcvq_space = c->window_clamp;
			}
		}
		c->rcv_mss = (uint16_t)(len < c->advmss ? len : c->advmss);
		return;
	}
	/* A small segment: the sender pushed; ACK it soon. */
	if (c->ack_flags & TCP_ACK_PUSHED)
		c->ack_flags |= TCP_ACK_PUSHED2;
	c->ack_flags |= TCP_ACK_PUSHED;
}

/* __tcp_grow_window(): a segment whose charge is large for its payload
 * opens the window only while rcv_ssthresh is small against the largest
 * buffer, by the same factor. */
static uint32_t grow_window_slow(struct synq_stack *s, const struct tcp_conn *c,
                                 uint32_t len, uint32_t truesize)
{
	int64_t charge = tcp_win_from_space(c, truesize) >> 1;
	int64_t window = tcp_win_from_space(c, s->cfg.tcp_rmem[2]) >> 1;
	while ((int64_t)c->rcv_ssthresh <= window) {
		if (charge <= len)
			return 2u * c->rcv_mss;
		charge >>= 1;
		window >>= 1;
	}
	return 0;
}

/* Linux's tcp_grow_window(): open the window (rcv_ssthresh) as data
 * arrives, by at least twice the segment, within the clamp and the free
 * buffer. */
static void grow_window(struct synq_stack *s, struct tcp_conn *c, uint32_t len,
                        uint32_t truesize)
{
	uint32_t space = tcp_space(c);
	int64_t room = (int64_t)(c->window_clamp < space ? c->window_clamp : space) -
	               c->rcv_ssthresh;
	if (room <= 0)
		return;
	uint32_t incr = tcp_win_from_space(c, truesize) <= len
	                        ? 2u * c->advmss
	                        : grow_window_slow(s, c, len, truesize);
	if (incr) {
		if (incr < 2 * len)
			incr = 2 * len;
		c->rcv_ssthresh += (uint32_t)(room < incr ? room : incr);
		c->quickack |= 1;
	}
}

/* The receiver's RTT, one sample per window of data (Linux's
 * tcp_rcv_rtt_measure(): only the minimum is kept, as samples taken over
 * a window overestimate). */
static void rcv_rtt_measure(struct synq_stack *s, struct tcp_conn *c)
{
	uint32_t now_us = tcp_us_stamp(s);
	if (c->rcv_rtt_time != 0) {
		if (seq_before(c->rcv_nxt, c->rcv_rtt_seq))
			return;
		uint32_t delta = now_us - c->rcv_rtt_time;
		uint64_t m = (uint64_t)(delta ? delta : 1) << 3;
		if (c->rcv_rtt_us == 0 || m < c->rcv_rtt_us)
			c->rcv_rtt_us = m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
	}
	c->rcv_rtt_seq = c->rcv_nxt + c->rcv_wnd;
	c->rcv_rtt_time = now_us;
}

/* Linux's tcp_event_data_recv(): the delayed-ACK engine's timing. */
static void event_data_recv(struct synq_stack *s, struct tcp_conn *c,
                            const struct tcp_segment *seg, uint32_t truesize)
{
	measure_rcv_mss(c, seg, truesize);
	rcv_rtt_measure(s, c);
	uint32_t now = tcp_ms_stamp(s);
	if (c->ato_ms == 0) {
		/* The first data: start in quick-ACK mode. */
		incr_quickack(c, TCP_MAX_QUICKACKS);
		c->ato_ms = (uint16_t)(TCP_ATO_MIN / SYNQ_MSEC(1));
	} else {
		uint32_t m = now - c->lrcvtime;
		uint32_t ato_min = (uint32_t)(TCP_ATO_MIN / SYNQ_MSEC(1));
		if (m <= ato_min / 2) {
			c->ato_ms = (uint16_t)((c->ato_ms >> 1) + ato_min / 2);
		} else if (m < c->ato_ms) {
			uint32_t ato = (c->ato_ms >> 1) + m;
			c->ato_ms = tcp_ato_clamp(ato > c->rto_ms ? c->rto_ms : ato);
		} else if (m > c->rto_ms) {
			incr_quickack(c, TCP_MAX_QUICKACKS);
		}
	}
	c->lrcvtime = now;
	if (seg->payload_len >= 128)
		grow_window(s, c, seg->payload_len, truesize);
}

/* --------------------------------------------------------- SACK blocks */

static void dsack_set(struct synq_stack *s, struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	if (!(c->flags & TCP_CONN_SACK_OK) || !s->cfg.tcp_dsack)
		return;
	if (seq_before(seq, c->rcv_nxt))
		MIB_INC(s, TcpExtTCPDSACKOldSent);
	else
		MIB_INC(s, TcpExtTCPDSACKOfoSent);
	c->dsack = 1;
	c->duplicate_sack.start = seq;
	c->duplicate_sack.end = end;
}

static void dsack_extend(struct synq_stack *s, struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	if (!c->dsack) {
		dsack_set(s, c, seq, end);
		return;
	}
	struct tcp_sack_block *d = &c->duplicate_sack;
	if (!seq_after(seq, d->end) && !seq_after(d->start, end)) {
		if (seq_before(seq, d->start))
			d->start = seq;
		if (seq_after(end, d->end))
			d->end = end;
	}
}

static bool sack_extend(struct tcp_sack_block *sp, uint32_t seq, uint32_t end)
{
	if (seq_after(seq, sp->end) || seq_after(sp->start, end))
		return false;
	if (seq_before(seq, sp->start))
		sp->start = seq;
	if (seq_after(end, sp->end))
		sp->end = end;
	return true;
}

/* Merge blocks that now touch the first one (tcp_sack_maybe_coalesce()). */
static void sack_coalesce(struct tcp_conn *c)
{
	struct tcp_sack_block *sp = c->selective_acks;
	for (unsigned i = 1; i < c->num_sacks;) {
		if (sack_extend(&sp[0], sp[i].start, sp[i].end)) {
			for (unsigned j = i; j + 1 < c->num_sacks; j++)
				sp[j] = sp[j + 1];
			c->num_sacks--;
		} else {
			i++;
		}
	}
}

/* A new out-of-order range: most recent block first (RFC 2018). */
static void sack_new_ofo(struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	struct tcp_sack_block *sp = c->selective_acks;
	if (!(c->flags & TCP_CONN_SACK_OK))
		return;
	for (unsigned i = 0; i < c->num_sacks; i++) {
		if (sack_extend(&sp[i], seq, end)) {
			struct tcp_sack_block hit = sp[i];
			for (; i > 0; i--)
				sp[i] = sp[i - 1];
			sp[0] = hit;
			if (c->num_sacks > 1)
				sack_coalesce(c);
			return;
		}
	}
	unsigned n = c->num_sacks < TCP_SACK_BLOCKS_MAX ? c->num_sacks : TCP_SACK_BLOCKS_MAX - 1;
	for (unsigned i = n; i > 0; i--)
		sp[i] = sp[i - 1];
	sp[0].start = seq;
	sp[0].end = end;
	c->num_sacks = (uint8_t)(n + 1);
}

/* Forget blocks that rcv_nxt now covers (tcp_sack_remove()). */
static void sack_remove(struct tcp_conn *c)
{
	if (c->oooq.head == POOL_NONE) {
		c->num_sacks = 0;
		return;
	}
	for (unsigned i = 0; i < c->num_sacks;) {
		if (!seq_before(c->rcv_nxt, c->selective_acks[i].start)) {
			for (unsigned j = i; j + 1 < c->num_sacks; j++)
				c->selective_acks[j] = c->selective_acks[j + 1];
			c->num_sacks--;
		} else {
			i++;
		}
	}
}

/* ------------------------------------------------------------ storage */

static uint32_t pool_free_count(const struct pool *p)
{
	return p->capacity - p->used;
}

/* Charge an skb to the segbuf that holds its last byte. A tun skb takes
 * no later data into its spare room (measured: no tcp_try_coalesce()). */
static void charge(struct tcp_conn *c, struct segbuf *last, uint32_t truesize)
{
	last->rx.truesize += truesize;
	last->rx.tailroom = 0;
	last->rx.skbs++;
	c->rmem_alloc += truesize;
}

/* tcp_try_coalesce() into an skb a collapse made, whose spare room holds
 * the new data: the data joins it at no charge, and the skb's end (where
 * its charge is kept) moves to the new last byte. */
static bool coalesce_room(const struct segbuf *end, uint32_t len)
{
	return end != NULL && len != 0 && end->rx.tailroom >= len;
}

/* (Where another skb also ends in from, its charge moves along with the
 * collapsed one's: released a little later than Linux would.) */
static void move_end(struct segbuf *from, struct segbuf *to, uint32_t len)
{
	uint32_t truesize = from->rx.truesize;
	uint16_t room = (uint16_t)(from->rx.tailroom - len);
	from->rx.truesize = 0;
	from->rx.tailroom = 0;
	from->rx.skbs--;
	to->rx.truesize += truesize;
	to->rx.tailroom = room;
	to->rx.skbs++;
}

/* Append bytes to the receive queue, filling the tail segbuf first, and
 * charge them (their skb's charge sits on the segbuf they end in). */
static bool rcvq_append(struct synq_stack *s, struct tcp_conn *c, const uint8_t *data,
                        uint32_t len, uint32_t truesize)
{
	uint32_t need = (len + SEGBUF_DATA - 1) / SEGBUF_DATA;
	if (need > pool_free_count(&s->segbufs)) {
		s->segbufs.overflows++;
		return false;
	}
	struct segbuf *tail = buf(s, c->rcvq.tail);
	bool coalesce = coalesce_room(tail, len);
	uint32_t total = len;
	if (tail && len) {
		uint32_t room = SEGBUF_DATA - tail->off - tail->len;
		uint32_t n = len < room ? len : room;
		if (n) {
			memcpy(tail->data + tail->off + tail->len, data, n);
			tail->len = (uint16_t)(tail->len + n);
			data += n;
			len -= n;
		}
	}
	while (len) {
		uint32_t i = pool_alloc(&s->segbufs);
		struct segbuf *b = segbuf_get(&s->segbufs, i);
		uint32_t n = len < SEGBUF_DATA ? len : SEGBUF_DATA;
		memcpy(b->data, data, n);
		b->len = (uint16_t)n;
		segq_push_tail(&s->segbufs, &c->rcvq, i);
		data += n;
		len -= n;
	}
	if (coalesce) {
		MIB_INC(s, TcpExtTCPRcvCoalesce);
		move_end(tail, buf(s, c->rcvq.tail), total);
	} else {
		charge(c, buf(s, c->rcvq.tail), truesize);
	}
	return true;
}

/* Move out-of-order data that rcv_nxt has reached (tcp_ofo_queue()); an
 * skb that starts at rcv_nxt joins the receive queue's last skb if that
 * has the room. Returns true if the peer's FIN was among it. */
static bool ofo_drain(struct synq_stack *s, struct tcp_conn *c)
{
	bool fin = false;
	struct segbuf *into = NULL; /* the receive queue's end before this skb */
	uint32_t skb_len = 0;
	bool whole = true;          /* nothing of this skb was had before */
	while (c->oooq.head != POOL_NONE) {
		struct segbuf *b = buf(s, c->oooq.head);
		if (seq_after(b->seq, c->rcv_nxt))
			break;
		uint32_t index = segq_pop_head(&s->segbufs, &c->oooq);
		uint32_t end = b->seq + b->len;
		if (seq_after(end, c->rcv_nxt)) {
			uint32_t skip = c->rcv_nxt - b->seq;
			if (skb_len == 0) {
				into = buf(s, c->rcvq.tail);
				whole = true;
			}
			if (skip) {
				dsack_extend(s, c, b->seq, c->rcv_nxt);
				whole = false;
			}
			b->off = (uint16_t)(b->off + skip);
			b->len = (uint16_t)(b->len - skip);
			b->seq = c->rcv_nxt;
			segq_push_tail(&s->segbufs, &c->rcvq, index);
			c->rcv_nxt = end;
			skb_len += b->len;
			if (b->rx.skbs) {
				if (whole && coalesce_room(into, skb_len)) {
					MIB_INC(s, TcpExtTCPRcvCoalesce);
					tcp_rmem_release(c, b);
					b->rx.truesize = 0;
					b->rx.skbs = 0;
					move_end(into, b, skb_len);
				}
				skb_len = 0;
			}
		} else {
			dsack_extend(s, c, b->seq, end);
			tcp_rmem_release(c, b);
			pool_free(&s->segbufs, index);
			continue;
		}
		if (b->tcp_flags & TCP_FIN) {
			fin = true;
			break;
		}
	}
	return fin;
}

/* Insert [seq, seq+len) into the out-of-order queue, sorted and
 * disjoint (Linux's tcp_data_queue_ofo()). Linux keeps the overlapping
 * bytes of partly overlapping skbs; here they are trimmed away, and the
 * skb's charge is the same. */
static void ofo_insert(struct synq_stack *s, struct tcp_conn *c,
                       const struct tcp_segment *seg, uint32_t seq, bool fin)
{
	const uint8_t *data = seg->payload;
	uint32_t len = seg->payload_len;
	uint32_t end = seq + len;
	uint32_t truesize = seg_truesize(seg);
	measure_rcv_mss(c, seg, truesize);
	uint32_t need = (len + SEGBUF_DATA - 1) / SEGBUF_DATA + (len == 0);
	if (!tcp_try_rmem_schedule(s, c, seq) || need > pool_free_count(&s->segbufs)) {
		if (need > pool_free_count(&s->segbufs))
			s->segbufs.overflows++;
		MIB_INC(s, TcpExtTCPOFODrop);
		DROP(s, TCP_RECV_BUFFER);
		return;
	}
	MIB_INC(s, TcpExtTCPOFOQueue);
	c->ack_flags |= TCP_ACK_SCHED;

	uint32_t prev = POOL_NONE;
	for (uint32_t i = c->oooq.head; i != POOL_NONE;) {
		struct segbuf *b = buf(s, i);
		if (!seq_before(b->seq, seq))
			break;
		prev = i;
		i = b->next;
	}
	/* Overlap with the segment before: keep the older bytes. */
	if (prev != POOL_NONE) {
		struct segbuf *p = buf(s, prev);
		uint32_t p_end = p->seq + p->len;
		if (!seq_before(p_end, end)) {
			MIB_INC(s, TcpExtTCPOFOMerge);
			dsack_set(s, c, seq, end);
			sack_new_ofo(c, p->seq, p_end);
			goto grow_buffer;
		}
		if (seq_after(p_end, seq)) {
			dsack_set(s, c, seq, p_end);
			uint32_t cut = p_end - seq;
			data += cut;
			len -= cut;
			seq = p_end;
		}
	}
	/* Segments after it that it covers entirely are replaced. */
	for (;;) {
		uint32_t next = prev == POOL_NONE ? c->oooq.head : buf(s, prev)->next;
		if (next == POOL_NONE)
			break;
		struct segbuf *n = buf(s, next);
		if (!seq_before(n->seq, end))
			break;
		if (seq_after(n->seq + n->len, end)) {
			/* Partial overlap at our tail: trim ourselves. */
			dsack_extend(s, c, n->seq, end);
			len = n->seq - seq;
			end = n->seq;
			fin = false;
			break;
		}
		dsack_extend(s, c, n->seq, n->seq + n->len);
		MIB_INC(s, TcpExtTCPOFOMerge);
		tcp_rmem_release(c, n);
		pool_free(&s->segbufs, segq_remove_after(&s->segbufs, &c->oooq, prev));
	}
	/* tcp_ooo_try_coalesce(): into the skb just before, if a collapse
	 * left it room. */
	struct segbuf *before = buf(s, prev);
	bool coalesce = before && before->seq + before->len == seq && !fin &&
	                coalesce_room(before, len);
	uint32_t total = len;
	uint32_t at = seq;
	do {
		uint32_t i = pool_alloc(&s->segbufs);
		struct segbuf *b = segbuf_get(&s->segbufs, i);
		uint32_t n = len < SEGBUF_DATA ? len : SEGBUF_DATA;
		memcpy(b->data, data, n);
		b->seq = at;
		b->len = (uint16_t)n;
		data += n;
		len -= n;
		at += n;
		if (len == 0 && fin)
			b->tcp_flags = TCP_FIN;
		segq_insert_after(&s->segbufs, &c->oooq, prev, i);
		prev = i;
	} while (len);
	sack_new_ofo(c, seq, end);
	/* Without SACK the window stays put, so that the sender sees
	 * duplicate ACKs; the charge comes after (skb_set_owner_r()). */
	if (c->flags & TCP_CONN_SACK_OK)
		grow_window(s, c, seg->payload_len, truesize);
	if (coalesce) {
		MIB_INC(s, TcpExtTCPRcvCoalesce);
		move_end(before, buf(s, prev), total);
	} else {
		charge(c, buf(s, prev), truesize);
	}
grow_buffer:
	/* Only for a connection an application holds (sk->sk_socket): not
	 * a child waiting for accept(), nor an orphan. */
	if (!(c->flags & TCP_CONN_ORPHAN) &&
	    (!(c->flags & TCP_CONN_PASSIVE) || (c->flags & TCP_CONN_ACCEPTED)))
		tcp_rcvbuf_grow(s, c);
}

/* ---------------------------------------------------------------- FIN */

/* The peer's FIN is in order (Linux's tcp_fin()). Returns false if the
 * connection moved to TIME-WAIT (and the object may be gone). */
static bool receive_fin(struct synq_stack *s, struct tcp_conn *c)
{
	c->ack_flags |= TCP_ACK_SCHED;
	c->shutdown |= TCP_SHUT_RCV;
	c->flags |= TCP_CONN_FIN_RECEIVED;
	switch (c->state) {
	case SYNQ_TCP_SYN_RECV:
	case SYNQ_TCP_ESTABLISHED:
		tcp_conn_set_state(s, c, SYNQ_TCP_CLOSE_WAIT);
		c->pingpong = 1;
		break;
	case SYNQ_TCP_FIN_WAIT1:
		tcp_send_ack(s, c);
		tcp_conn_set_state(s, c, SYNQ_TCP_CLOSING);
		break;
	case SYNQ_TCP_FIN_WAIT2:
		tcp_send_ack(s, c);
		tcp_time_wait(s, c, SYNQ_TCP_TIME_WAIT, 0);
		return false;
	default:
		break;
	}
	/* Out-of-order data after the FIN is dropped, and the SACK state
	 * goes with it, a pending D-SACK too (tcp_sack_reset()). */
	segq_purge(&s->segbufs, &c->oooq);
	c->num_sacks = 0;
	c->dsack = 0;
	tcp_conn_wake(s, c, TCP_EV_DATA_READY);
	return true;
}

/* -------------------------------------------------------- the text */

bool tcp_data_queue(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg)
{
	uint32_t seq = seg->seq;
	const uint8_t *data = seg->payload;
	uint32_t len = seg->payload_len;
	bool fin = (seg->flags & TCP_FIN) != 0;
	if (seg->flags & TCP_SYN) {
		seq++; /* a SYN's sequence number is not data */
	}
	uint32_t end = seq + len + fin;
	if (seq == end)
		return true;

	if (seq == c->rcv_nxt) {
		if (tcp_receive_window(c) == 0 && !(len == 0 && fin)) {
			MIB_INC(s, TcpExtTCPZeroWindowDrop);
			DROP(s, TCP_RECV_BUFFER);
			goto out_of_window;
		}
queue_and_out:
		if (!tcp_try_rmem_schedule(s, c, seq)) {
			/* No memory (tcp_try_rmem_schedule() fails): ACK at once;
			 * drop data if something waits to be read, but let a
			 * bare FIN through. */
			c->ack_flags |= TCP_ACK_SCHED | TCP_ACK_NOW;
			if (len && !segq_empty(&c->rcvq)) {
				MIB_INC(s, TcpExtTCPRcvQDrop);
				DROP(s, TCP_RECV_BUFFER);
				return true;
			}
		}
		if (len) {
			uint32_t truesize = seg_truesize(seg);
			if (!rcvq_append(s, c, data, len, truesize)) {
				MIB_INC(s, TcpExtTCPRcvQDrop);
				DROP(s, TCP_RECV_BUFFER);
				c->ack_flags |= TCP_ACK_SCHED | TCP_ACK_NOW;
				return true;
			}
			c->rcv_nxt += len;
			c->bytes_received += len;
			event_data_recv(s, c, seg, truesize);
		}
		c->ack_flags |= TCP_ACK_SCHED;
		if (!fin && c->oooq.head != POOL_NONE) {
			fin = ofo_drain(s, c);
			if (c->oooq.head == POOL_NONE)
				c->ack_flags |= TCP_ACK_NOW; /* RFC 5681 4.2: a hole filled */
		}
		if (fin) {
			c->rcv_nxt++;
			if (!receive_fin(s, c))
				return false;
		}
		if (c->num_sacks)
			sack_remove(c);
		if (len)
			tcp_conn_wake(s, c, TCP_EV_DATA_READY);
		return true;
	}

	if (!seq_after(end, c->rcv_nxt)) {
		/* A retransmission of what we have: ACK at once, with D-SACK. */
		MIB_INC(s, TcpExtDelayedACKLost);
		dsack_set(s, c, seq, end);
		goto out_of_window;
	}
	if (!seq_before(seq, c->rcv_nxt + tcp_receive_window(c))) {
		DROP(s, TCP_SEQUENCE);
		goto out_of_window;
	}
	if (seq_before(seq, c->rcv_nxt)) {
		/* Starts before rcv_nxt, ends after: keep the new part. */
		dsack_set(s, c, seq, c->rcv_nxt);
		if (tcp_receive_window(c) == 0) {
			MIB_INC(s, TcpExtTCPZeroWindowDrop);
			goto out_of_window;
		}
		uint32_t skip = c->rcv_nxt - seq;
		data += skip;
		len -= skip;
		seq = c->rcv_nxt;
		goto queue_and_out;
	}
	ofo_insert(s, c, seg, seq, fin);
	/* Out-of-order data is acknowledged at once (with SACK). */
	c->ack_flags |= TCP_ACK_NOW;
	return true;

out_of_window:
	tcp_enter_quickack_mode(c, TCP_MAX_QUICKACKS);
	c->ack_flags |= TCP_ACK_SCHED;
	return true;
}

/* Linux's tcp_send_dupack(): an unacceptable segment is answered at
 * once; if it repeated data we have, the answer carries a D-SACK. */
void tcp_send_dupack(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg)
{
	uint32_t seq = seg->seq + ((seg->flags & TCP_SYN) ? 1 : 0);
	uint32_t end = seq + seg->payload_len + ((seg->flags & TCP_FIN) ? 1 : 0);
	if (end != seq && seq_before(seq, c->rcv_nxt)) {
		MIB_INC(s, TcpExtDelayedACKLost);
		tcp_enter_quickack_mode(c, TCP_MAX_QUICKACKS);
		if (seq_after(end, c->rcv_nxt))
			end = c->rcv_nxt;
		dsack_set(s, c, seq, end);
	}
	tcp_send_ack(s, c);
}

/* Linux's __tcp_ack_snd_check(): ACK now or schedule a delayed ACK. */
void tcp_ack_snd_check(struct synq_stack *s, struct tcp_conn *c)
{
	if (!(c->ack_flags & TCP_ACK_SCHED))
		return;
	bool two_segments = c->rcv_nxt - c->rcv_wup > c->rcv_mss &&
	                    tcp_choose_window(s, c) >= c->rcv_wnd;
	if (two_segments || in_quickack_mode(c) || (c->ack_flags & TCP_ACK_NOW)) {
		tcp_send_ack(s, c);
		return;
	}
	tcp_schedule_delayed_ack(s, c);
}

/* Linux's tcp_rcv_space_adjust() (dynamic right-sizing): once per
 * receiver RTT, let the receive buffer hold twice what the application
 * read in that RTT (tcp_rcvbuf_grow()). */
void tcp_rcv_space_adjust(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->rcv_rtt_us == 0 || tcp_us_stamp(s) - c->rcvq_time < (c->rcv_rtt_us >> 3))
		return;
	/* Read in the last RTT, less what still waits to be read (6.16). */
	int64_t copied = (int64_t)(c->copied_seq - c->rcvq_seq) - (c->rcv_nxt - c->copied_seq);
	if (copied > (int64_t)c->rcvq_space) {
		c->rcvq_space = (uint32_t)copied;
		tcp_rcvbuf_grow(s, c);
	}
	c->rcvq_seq = c->copied_seq;
	c->rcvq_time = tcp_us_stamp(s);
}

/* Linux's tcp_sndbuf_expand(): room for twice the congestion window
 * (at least the initial one, or the reordering degree) in skbs of one
 * segment each, sized as Linux sizes them: payload plus MAX_TCP_HEADER
 * (320) and skb_shared_info (320) rounded up to a power of two, plus the
 * sk_buff (256). With a 1460-byte MSS: 2 * 10 * 4352 = 87040. */
void tcp_sndbuf_expand(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->opts.sndbuf_locked)
		return;
	uint32_t mss = c->mss_clamp > c->mss_cache ? c->mss_clamp : c->mss_cache;
	uint32_t per_mss = mss + 320 + 320;
	per_mss = (1u << (32 - __builtin_clz(per_mss - 1))) + 256;
	uint32_t segs = c->snd_cwnd > TCP_INIT_CWND ? c->snd_cwnd : TCP_INIT_CWND;
	if (segs < (uint32_t)c->reordering + 1)
		segs = (uint32_t)c->reordering + 1;
	uint64_t want = 2ull * segs * per_mss;
	uint32_t max = (uint32_t)s->cfg.tcp_wmem[2];
	if (want > max)
		want = max;
	if (want > c->opts.sndbuf)
		c->opts.sndbuf = (uint32_t)want;
}
