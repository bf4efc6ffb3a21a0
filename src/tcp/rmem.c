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
 * the buffer is raised to what is held if it may still grow, and failing
 * that the out-of-order queue is dropped from its far end.
 *
 * Two simplifications. Small in-order skbs may share a segbuf; their
 * charges then go together when it is read whole, where Linux releases
 * each at its own last byte. Linux's collapsing of queues into compact
 * skbs (for runs of adjacent skbs charged far more than their payload) is
 * not modelled: a connection that would need it prunes its out-of-order
 * queue instead. */
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
uint32_t tcp_rx_truesize(uint32_t ip_len)
{
	if (ip_len + SKB_HEADROOM < SKB_PAGE) {
		uint32_t want = ((SKB_HEADROOM + ip_len + 63u) & ~63u) + SKB_SHINFO;
		uint32_t size = SKB_SMALL_HEAD;
		if (want > size)
			for (size = 1024; size < want; size <<= 1)
				;
		return size + SKB_STRUCT;
	}
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
	c->rmem_alloc -= b->rx_truesize;
}

void tcp_rmem_purge(struct synq_stack *s, struct tcp_conn *c, struct segq *q)
{
	for (uint32_t i = q->head; i != POOL_NONE; i = segbuf_get(&s->segbufs, i)->next)
		tcp_rmem_release(c, segbuf_get(&s->segbufs, i));
	segq_purge(&s->segbufs, q);
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
		if (b->next != POOL_NONE && b->rx_truesize)
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
			goal -= b->rx_truesize;
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
