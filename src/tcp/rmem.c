/* SPDX-License-Identifier: BSD-2-Clause */
/* Receive memory as Linux 6.18 counts it.
 *
 * A received packet is charged the truesize of the skb its driver built
 * for it, which is more than its payload: a 1000-byte segment costs 2304
 * bytes, a 4000-byte one 8448. The connection keeps the sum (Linux's
 * sk_rmem_alloc) and holds each charge on the segbuf with the skb's last
 * byte until that segbuf is read or dropped. The buffer limit (sk_rcvbuf)
 * bounds the sum, and the window offered is the free part of the buffer
 * scaled by the ratio of payload to charge last measured on the
 * connection (tp->scaling_ratio, tcp_measure_rcv_mss()): a connection fed
 * 4000-byte packets offers 121/256 of its free buffer.
 *
 * The buffer grows when data arrives out of order on a connection the
 * application holds (tcp_rcvbuf_grow()), or once per round trip with what
 * the application reads (tcp_rcv_space_adjust(), recv.c). When the sum
 * exceeds the limit, a segment is taken only after tcp_prune_queue():
 * the buffer is raised to what is held if it may still grow; failing
 * that, the queues are collapsed (data charged far more than its size is
 * counted again as if copied into compact skbs, whose spare room may take
 * later small segments); failing that, the out-of-order queue is dropped
 * from its far end.
 *
 * Two simplifications. Small in-order skbs may share a segbuf; their
 * charges then go together when it is read whole, where Linux releases
 * each at its own last byte. And Linux takes in-order data on its
 * header-prediction fast path without this check while the socket's
 * forward-allocated memory lasts (up to a page: four more 10-byte
 * segments past the limit, measured); synq checks every segment, as
 * Linux does whenever anything is out of order. */
#include "tcp/rmem.h"

#include "tcp/stack_internal.h"

/* ------------------------------------------------------ what a packet costs */

/* The sizes behind a tun skb's truesize on x86-64 (Linux 6.18). */
enum {
	SKB_HEADROOM = 64,      /* NET_SKB_PAD, reserved before the packet */
	SKB_SHINFO = 320,       /* skb_shared_info at the buffer's end */
	SKB_STRUCT = 256,       /* the struct sk_buff itself */
	SKB_SMALL_HEAD = 576,   /* skb_small_head_cache's objects */
	SKB_PAGE = 4096,
	/* SKB_MAX_HEAD(): the linear part of a packet too big for one page */
	SKB_MAX_LINEAR = SKB_PAGE - SKB_HEADROOM - SKB_SHINFO,
};

/* tun_alloc_skb(): a packet that fits in a page with its headroom gets
 * one kmalloc'ed buffer (the small-head cache, or a power of two); a
 * bigger one a page-sized head holding the first SKB_MAX_LINEAR bytes
 * and whole pages for the rest. Measured on 6.18 through packetdrill's
 * tun device: 1..100-byte payloads cost 832, 200..500 1280, 1000..1448
 * 2304, 2000..3650 4352, 3700..7000 8448, 8000..9000 12544, 39000 41216,
 * 60000 61696. These skbs are never merged into the one before them (each
 * of sixteen 10-byte segments in a row is charged 832). */
/* The buffer kmalloc gives a linear skb of len bytes after headroom
 * (SKB_HEAD_ALIGN(), skb_small_head_cache or a power of two). */
static uint32_t skb_buffer(uint32_t headroom, uint32_t len)
{
	uint32_t want = ((headroom + len + 63u) & ~63u) + SKB_SHINFO;
	uint32_t size = SKB_SMALL_HEAD;
	if (want > size)
		for (size = 1024; size < want; size <<= 1)
			;
	return size;
}

uint32_t tcp_rx_truesize(uint32_t ip_len)
{
	if (ip_len + SKB_HEADROOM < SKB_PAGE)
		return skb_buffer(SKB_HEADROOM, ip_len) + SKB_STRUCT;
	uint32_t pages = (ip_len - SKB_MAX_LINEAR + SKB_PAGE - 1) / SKB_PAGE;
	return SKB_PAGE + SKB_STRUCT + pages * SKB_PAGE;
}

/* ---------------------------------------------------- window and space */

int64_t tcp_win_from_space_at(uint8_t ratio, int64_t space)
{
	int64_t scaled = space * ratio;
	/* Linux shifts a signed value: round towards minus infinity. */
	return scaled >= 0 ? scaled >> 8 : -((-scaled + 255) >> 8);
}

int64_t tcp_win_from_space(const struct tcp_conn *c, int64_t space)
{
	return tcp_win_from_space_at(c->scaling_ratio, space);
}

uint64_t tcp_space_from_win(const struct tcp_conn *c, uint64_t win)
{
	return (win << 8) / c->scaling_ratio;
}

uint32_t tcp_space(const struct tcp_conn *c)
{
	int64_t w = tcp_win_from_space(c, (int64_t)c->opts.rcvbuf - c->rmem_alloc);
	return w > 0 ? (uint32_t)w : 0;
}

uint32_t tcp_full_space(const struct tcp_conn *c)
{
	return (uint32_t)tcp_win_from_space(c, c->opts.rcvbuf);
}

/* The least window clamp: half of SOCK_MIN_RCVBUF (2304). */
#define TCP_MIN_WINDOW_CLAMP 1152u

void tcp_set_window_clamp(struct tcp_conn *c, uint32_t val)
{
	if (val < TCP_MIN_WINDOW_CLAMP)
		val = TCP_MIN_WINDOW_CLAMP;
	uint32_t old = c->window_clamp;
	if (val == old)
		return;
	c->window_clamp = val;
	if (val < old) {
		if (c->rcv_ssthresh > val)
			c->rcv_ssthresh = val;
	} else {
		uint32_t ssthresh = c->rcv_wnd < val ? c->rcv_wnd : val;
		if (ssthresh > c->rcv_ssthresh)
			c->rcv_ssthresh = ssthresh;
	}
}

/* ------------------------------------------------------------ charges */

void tcp_rmem_release(struct tcp_conn *c, const struct segbuf *b)
{
	c->rmem_alloc -= b->rx.truesize;
}

void tcp_rmem_purge(struct synq_stack *s, struct tcp_conn *c, struct segq *q)
{
	for (uint32_t i = q->head; i != POOL_NONE; i = segbuf_get(&s->segbufs, i)->next)
		tcp_rmem_release(c, segbuf_get(&s->segbufs, i));
	segq_purge(&s->segbufs, q);
}

/* --------------------------------------------------------- collapsing */

/* The linear skb tcp_collapse() copies len bytes into: its charge and the
 * room it keeps for later data (tcp_try_coalesce() may fill it). */
#define SKB_COLLAPSE_MAX (SKB_PAGE - SKB_SHINFO) /* SKB_MAX_ORDER(0, 0) */

static void charge_collapsed(struct tcp_conn *c, struct segbuf *last, uint32_t len)
{
	uint32_t size = skb_buffer(0, len);
	last->rx.truesize += size + SKB_STRUCT;
	last->rx.tailroom = (uint16_t)(size - SKB_SHINFO - len);
	last->rx.skbs++;
	c->rmem_alloc += size + SKB_STRUCT;
}

/* A walk over a receive queue's skbs: an skb is the run of segbufs up to
 * a charged one. */
struct skb_walk {
	uint32_t first, last;   /* its segbufs; last POOL_NONE before the first */
	uint32_t seq, len, truesize;
	bool fin;
	bool partial;           /* read in part (it began before copied_seq) */
};

/* Step to the next skb; false at the queue's end. In the out-of-order
 * queue each segbuf knows its sequence number; in the receive queue the
 * data runs on from copied_seq. */
static bool next_skb(struct synq_stack *s, const struct tcp_conn *c, const struct segq *q,
                     struct skb_walk *w)
{
	uint32_t i = w->last == POOL_NONE ? q->head : segbuf_get(&s->segbufs, w->last)->next;
	if (i == POOL_NONE)
		return false;
	const struct segbuf *b = segbuf_get(&s->segbufs, i);
	bool in_order = q == &c->rcvq;
	w->partial = in_order && w->last == POOL_NONE && b->off > 0;
	w->seq = in_order ? (w->last == POOL_NONE ? c->copied_seq : w->seq + w->len) : b->seq;
	w->first = i;
	w->len = 0;
	for (;;) {
		b = segbuf_get(&s->segbufs, i);
		w->len += b->len;
		w->last = i;
		if (b->rx.truesize || b->next == POOL_NONE) {
			w->truesize = b->rx.truesize;
			w->fin = (b->tcp_flags & TCP_FIN) != 0;
			return true;
		}
		i = b->next;
	}
}

/* Replace the charges of the skbs from w through the one ending at stop by
 * those of compact skbs of at most SKB_COLLAPSE_MAX bytes holding the same
 * data. The data stays where it is: only where skbs end, and what they are
 * charged, changes. */
static void recharge(struct synq_stack *s, struct tcp_conn *c, const struct skb_walk *w,
                     uint32_t stop)
{
	uint32_t collapsed = 0, chunk = 0;
	for (uint32_t i = w->first;; i = segbuf_get(&s->segbufs, i)->next) {
		struct segbuf *b = segbuf_get(&s->segbufs, i);
		collapsed += b->rx.skbs;
		tcp_rmem_release(c, b);
		b->rx.truesize = 0;
		b->rx.tailroom = 0;
		b->rx.skbs = 0;
		for (uint32_t left = b->len; left;) {
			uint32_t take = left < SKB_COLLAPSE_MAX - chunk ? left : SKB_COLLAPSE_MAX - chunk;
			chunk += take;
			left -= take;
			if (chunk == SKB_COLLAPSE_MAX || (left == 0 && i == stop)) {
				charge_collapsed(c, b, chunk);
				chunk = 0;
			}
		}
		if (i == stop)
			break;
	}
	s->mib.value[SYNQ_MIB_TcpExtTCPRcvCollapsed] += collapsed;
}

/* tcp_collapse() over the skbs from w through the one ending at stop: from
 * the first that is charged more than its payload is worth as window, or
 * was read in part, on to the end, the data is copied into compact skbs. A
 * FIN ends the run. */
static void collapse(struct synq_stack *s, struct tcp_conn *c, const struct segq *q,
                     struct skb_walk w, uint32_t stop)
{
	while (!(tcp_win_from_space(c, w.truesize) > w.len || w.partial)) {
		if (w.fin || w.last == stop || !next_skb(s, c, q, &w))
			return;
	}
	if (w.fin)
		return;
	uint32_t last = w.last;
	for (struct skb_walk x = w; x.last != stop && next_skb(s, c, q, &x) && !x.fin;)
		last = x.last;
	recharge(s, c, &w, last);
}

/* tcp_collapse_ofo_queue(): each run of adjacent out-of-order skbs is
 * collapsed unless it is one small skb; once such small runs add up to an
 * eighth of the buffer, collapsing stops. */
static void collapse_ofo_queue(struct synq_stack *s, struct tcp_conn *c)
{
	struct skb_walk w = { .last = POOL_NONE };
	uint32_t tiny = 0;
	bool more = next_skb(s, c, &c->oooq, &w);
	while (more) {
		struct skb_walk head = w;
		uint32_t end = w.seq + w.len, truesize = w.truesize, stop = w.last;
		while ((more = next_skb(s, c, &c->oooq, &w)) && !seq_after(w.seq, end)) {
			truesize += w.truesize;
			if (seq_after(w.seq + w.len, end))
				end = w.seq + w.len;
			stop = w.last;
		}
		if (truesize != head.truesize || end - head.seq >= SKB_COLLAPSE_MAX) {
			collapse(s, c, &c->oooq, head, stop);
		} else {
			tiny += truesize;
			if (tiny > c->opts.rcvbuf >> 3)
				return;
		}
	}
}

/* The receive queue from copied_seq on. */
static void collapse_receive_queue(struct synq_stack *s, struct tcp_conn *c)
{
	struct skb_walk w = { .last = POOL_NONE };
	if (next_skb(s, c, &c->rcvq, &w))
		collapse(s, c, &c->rcvq, w, c->rcvq.tail);
}

/* ------------------------------------------------------------ pruning */

static bool can_ingest(const struct tcp_conn *c)
{
	return c->rmem_alloc <= c->opts.rcvbuf;
}

/* tcp_clamp_window(): over the limit, the buffer is raised to what is
 * held if the application has not fixed it; if still over, the window
 * stops growing. */
static void clamp_window(struct synq_stack *s, struct tcp_conn *c)
{
	uint32_t most = (uint32_t)s->cfg.tcp_rmem[2];
	c->quickack = 0;
	if (c->opts.rcvbuf < most && !c->opts.rcvbuf_locked)
		c->opts.rcvbuf = c->rmem_alloc < most ? c->rmem_alloc : most;
	if (c->rmem_alloc > c->opts.rcvbuf) {
		uint32_t two = 2u * c->advmss;
		c->rcv_ssthresh = c->window_clamp < two ? c->window_clamp : two;
	}
}

/* The segbuf before the first one of the last skb of the out-of-order
 * queue (an skb ends at each charged segbuf), POOL_NONE if it starts at
 * the head. */
static uint32_t before_last_ofo_skb(struct synq_stack *s, const struct tcp_conn *c)
{
	uint32_t before = POOL_NONE;
	for (uint32_t i = c->oooq.head; i != POOL_NONE;) {
		const struct segbuf *b = segbuf_get(&s->segbufs, i);
		if (b->next != POOL_NONE && b->rx.truesize)
			before = i;
		i = b->next;
	}
	return before;
}

/* tcp_prune_ofo_queue(): drop out-of-order skbs from the far end, an
 * eighth of the buffer at a time, until the segment at seq fits, but
 * never one that seq would land after. */
static bool prune_ofo_queue(struct synq_stack *s, struct tcp_conn *c, uint32_t seq)
{
	int64_t goal = c->opts.rcvbuf >> 3;
	bool pruned = false;
	while (!segq_empty(&c->oooq)) {
		uint32_t before = before_last_ofo_skb(s, c);
		uint32_t first = before == POOL_NONE ? c->oooq.head
		                                     : segbuf_get(&s->segbufs, before)->next;
		if (seq_after(seq, segbuf_get(&s->segbufs, first)->seq))
			break;
		while (first != POOL_NONE) {
			struct segbuf *b = segbuf_get(&s->segbufs, first);
			uint32_t next = b->next;
			goal -= b->rx.truesize;
			tcp_rmem_release(c, b);
			pool_free(&s->segbufs, segq_remove_after(&s->segbufs, &c->oooq, before));
			first = next;
		}
		pruned = true;
		if (segq_empty(&c->oooq) || goal <= 0) {
			if (can_ingest(c))
				break;
			goal = c->opts.rcvbuf >> 3;
		}
	}
	if (pruned) {
		MIB_INC(s, TcpExtOfoPruned);
		/* The SACK state goes with it (tcp_sack_reset()). */
		c->num_sacks = 0;
		c->dsack = 0;
	}
	return pruned;
}

/* tcp_prune_queue(): 0 if the segment may now be queued, -1 if not. */
static int prune_queue(struct synq_stack *s, struct tcp_conn *c, uint32_t seq)
{
	MIB_INC(s, TcpExtPruneCalled);
	if (!can_ingest(c))
		clamp_window(s, c);
	if (can_ingest(c))
		return 0;
	collapse_ofo_queue(s, c);
	collapse_receive_queue(s, c);
	if (can_ingest(c))
		return 0;
	prune_ofo_queue(s, c, seq);
	if (can_ingest(c))
		return 0;
	MIB_INC(s, TcpExtRcvPruned);
	return -1;
}

bool tcp_try_rmem_schedule(struct synq_stack *s, struct tcp_conn *c, uint32_t seq)
{
	return can_ingest(c) || prune_queue(s, c, seq) == 0;
}

/* ------------------------------------------------------------- growth */

void tcp_rcvbuf_grow(struct synq_stack *s, struct tcp_conn *c)
{
	if (!s->cfg.tcp_moderate_rcvbuf || c->opts.rcvbuf_locked)
		return;
	/* Slow start: room for the sender to double its rate. */
	uint64_t rcvwin = (uint64_t)c->rcvq_space << 1;
	if (!segq_empty(&c->oooq))
		rcvwin += segbuf_end_seq(segbuf_get(&s->segbufs, c->oooq.tail)) - c->rcv_nxt;
	uint64_t rcvbuf = tcp_space_from_win(c, rcvwin);
	if (rcvbuf > (uint64_t)s->cfg.tcp_rmem[2])
		rcvbuf = (uint64_t)s->cfg.tcp_rmem[2];
	if (rcvbuf > c->opts.rcvbuf) {
		c->opts.rcvbuf = (uint32_t)rcvbuf;
		c->window_clamp = (uint32_t)tcp_win_from_space(c, rcvbuf);
	}
}
