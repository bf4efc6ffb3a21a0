/* SPDX-License-Identifier: BSD-2-Clause */
/* The listener: SYN arrival in Linux's order (tcp_conn_request()), the
 * request (SYN) queue limit and the accept queue. A full accept queue is
 * met at three points (a SYN here, the completing ACK in request.c, a
 * cookie ACK in cookie.c); overflow.c takes all three decisions and its
 * opening lists them.
 *
 * What a SYN meets, in order:
 *   1. the request queue is full (more requests than the backlog), or
 *      tcp_syncookies=2: answer with a cookie if cookies are on
 *      (TCPReqQFullDoCookies), else drop (TCPReqQFullDrop, ListenDrops);
 *      the "Possible SYN flooding" line is logged once per listener,
 *      never in mode 2;
 *   2. the accept queue is full (overflow.c): drop, even if a cookie could be sent
 *      (ListenOverflows, ListenDrops); the client will retransmit;
 *   3. without cookies, with tcp_syncookies=0 and the request queue over
 *      three quarters of tcp_max_syn_backlog: drop (ListenDrops) unless
 *      the peer is proven (synq keeps no peer metrics, so none is);
 *   4. otherwise a request object (tcp_request, ~64 bytes) and a SYN-ACK;
 *      in cookie mode nothing is kept at all.
 * The accept queue holds backlog + 1 on Linux (the test is "length >
 * backlog"); other systems' rules are personalities (backlog.c). */
#include <errno.h>
#include <stdio.h>

#include "tcp/listen/backlog.h"
#include "tcp/listen/listen_internal.h"

uint32_t tcp_listener_index(const struct synq_stack *s, const struct tcp_listener *l)
{
	return pool_index_of(&s->listeners, l);
}

struct tcp_listener *tcp_listener_at(const struct synq_stack *s, uint32_t index)
{
	return pool_at(&s->listeners, index);
}

/* SYN cookies, tcp_max_syn_backlog and the half-open queue's limits below
 * are Linux's mechanisms (6.x and 2.4 alike); the other personalities'
 * half-open connections are counted only by their backlog rule
 * (backlog.c), and FreeBSD's syncache, which holds thousands, is not
 * modelled. */
static bool linux_family(const struct synq_stack *s)
{
	return s->cfg.personality == SYNQ_PERSONALITY_LINUX ||
	       s->cfg.personality == SYNQ_PERSONALITY_LINUX_2_4;
}

/* Linux 2.4's tcp_listen_start() sizes the SYN table in powers of two, at
 * least 64 (max_qlen_log starts at 6), and tcp_synq_is_full() tests
 * "qlen >> max_qlen_log": full at the first power of two >= max(64,
 * tcp_max_syn_backlog). */
uint32_t tcp_linux_2_4_synq_max(const struct synq_stack *s)
{
	uint32_t want = s->cfg.tcp_max_syn_backlog > 0 ? (uint32_t)s->cfg.tcp_max_syn_backlog : 0;
	uint32_t max = 64;
	while (max < want && max < (UINT32_C(1) << 31))
		max <<= 1;
	return max;
}

/* The half-open queue's own limit. Linux 6.13+ (inet_csk_reqsk_queue_is_full()):
 * requests > backlog. Linux 2.4 (tcp_synq_is_full()): see above. */
static bool request_queue_full(const struct synq_stack *s, const struct tcp_listener *l)
{
	switch ((enum synq_personality)s->cfg.personality) {
	case SYNQ_PERSONALITY_LINUX:
		return l->req_count > l->backlog;
	case SYNQ_PERSONALITY_LINUX_2_4:
		return l->req_count >= tcp_linux_2_4_synq_max(s);
	default:
		return false;
	}
}

/* tcp_listendrop(): every SYN a listener drops. */
void tcp_listen_drop(struct synq_stack *s, struct tcp_listener *l)
{
	MIB_INC(s, TcpExtListenDrops);
	l->drops++;
	DROP(s, TCP_LISTEN);
}

static void log_line(struct synq_stack *s, const char *text)
{
	if (s->io.log)
		s->io.log(s->io.ctx, text);
}

/* tcp_syn_flood_action(): the request queue is full. */
static bool syn_flood_action(struct synq_stack *s, struct tcp_listener *l)
{
	bool want_cookie = s->cfg.tcp_syncookies != 0;
	if (want_cookie)
		MIB_INC(s, TcpExtTCPReqQFullDoCookies);
	else
		MIB_INC(s, TcpExtTCPReqQFullDrop);
	if (!l->synflood_warned && s->cfg.tcp_syncookies != 2) {
		l->synflood_warned = true;
		char addr[16], line[128];
		ipv4_addr_format(l->addr ? l->addr : s->addr, addr);
		snprintf(line, sizeof line,
		         "TCP: request_sock_TCP: Possible SYN flooding on port %s:%u. %s.",
		         addr, l->port, want_cookie ? "Sending cookies" : "Dropping request");
		log_line(s, line);
	}
	return want_cookie;
}

/* The SYN's options as a request records them (tcp_openreq_init()). */
static void request_take_options(struct synq_stack *s, struct tcp_request *r,
                                 const struct tcp_listener *l, const struct tcp_segment *seg)
{
	const struct tcp_options *o = &seg->opt;
	r->mss = o->has_mss ? o->mss : 0;
	if (l->opts.user_mss && r->mss > l->opts.user_mss)
		r->mss = l->opts.user_mss;
	if (o->has_timestamp && s->cfg.tcp_timestamps) {
		r->flags |= TCP_REQ_TS_OK;
		r->ts_recent = o->tsval;
	}
	if (o->sack_permitted && s->cfg.tcp_sack)
		r->flags |= TCP_REQ_SACK_OK;
	if (o->has_wscale && s->cfg.tcp_window_scaling) {
		r->flags |= TCP_REQ_WSCALE_OK;
		r->snd_wscale = o->wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o->wscale;
		r->rcv_wscale = tcp_listener_wscale(s, l);
	}
	r->peer_window = seg->window;
}

void tcp_listen_input(struct synq_stack *s, struct tcp_listener *l, const struct tcp_segment *seg,
                      uint32_t hash)
{
	if (!(seg->flags & TCP_SYN) || (seg->flags & (TCP_ACK | TCP_RST))) {
		if (seg->flags & TCP_RST) {
			DROP(s, TCP_RST);
			return;
		}
		if ((seg->flags & TCP_ACK) && tcp_cookie_ack(s, l, seg))
			return;
		if (seg->flags & TCP_ACK)
			tcp_send_reset_for(s, seg);
		else
			DROP(s, TCP_FLAGS);
		return;
	}
	if (seg->flags & TCP_FIN) {
		DROP(s, TCP_FLAGS);
		return;
	}
	tcp_conn_request_at(s, l, seg, 0, hash);
}

void tcp_conn_request(struct synq_stack *s, struct tcp_listener *l,
                      const struct tcp_segment *seg, uint32_t tw_isn)
{
	struct tcp_tuple t = { .local_addr = seg->dst_addr, .remote_addr = seg->src_addr,
	                       .local_port = seg->dst_port, .remote_port = seg->src_port };
	tcp_conn_request_at(s, l, seg, tw_isn, tcp_table_hash(s, &t));
}

void tcp_conn_request_at(struct synq_stack *s, struct tcp_listener *l,
                         const struct tcp_segment *seg, uint32_t tw_isn, uint32_t hash)
{
	int syncookies = linux_family(s) ? s->cfg.tcp_syncookies : 0;
	bool want_cookie = false;

	if ((syncookies == 2 || request_queue_full(s, l)) && !tw_isn) {
		want_cookie = syn_flood_action(s, l);
		if (!want_cookie) {
			tcp_listen_drop(s, l);
			return;
		}
	}
	if (tcp_overflow_on_syn(s, l, seg))
		return;
	if (!want_cookie && !tw_isn) {
		int32_t max = s->cfg.tcp_max_syn_backlog;
		if (!syncookies && linux_family(s) && max - (int32_t)l->req_count < (max >> 2)) {
			tcp_listen_drop(s, l);
			return;
		}
	}

	struct tcp_request tmp = {
		.tuple = { .local_addr = seg->dst_addr, .remote_addr = seg->src_addr,
		           .local_port = seg->dst_port, .remote_port = seg->src_port },
		.rcv_isn = seg->seq,
		.listener = (uint16_t)tcp_listener_index(s, l),
	};
	request_take_options(s, &tmp, l, seg);
	if (want_cookie) {
		tcp_cookie_send_synack(s, l, &tmp);
		return;
	}

	uint32_t index = pool_alloc(&s->requests);
	if (index == POOL_NONE) {
		/* The request table is full: Linux's slab would have grown;
		 * we count the overflow and drop the SYN. */
		tcp_listen_drop(s, l);
		return;
	}
	struct tcp_request *r = pool_at(&s->requests, index);
	*r = tmp;
	r->hash_next = TCP_NONE;
	r->timer_slot = TCP_NONE;
	r->snt_isn = tw_isn ? tw_isn : tcp_conn_isn(s, &r->tuple);
	r->young = 1;
	r->synack_us = tcp_us_stamp(s);
	l->req_count++;
	l->req_young++;
	uint32_t handle = TCP_HANDLE(TCP_OBJ_REQUEST, index);
	tcp_table_insert_at(s, handle, hash);
	tcp_timer_arm(s, handle, s->now + tcp_timeout_init(s));
	tcp_send_synack_for(s, r, l, NULL);
#ifdef SYNQ_DEBUG
	tcp_cookie_self_check(s, l, r);
#endif
}

/* ---------------------------------------------------- the accept queue */

void tcp_accept_enqueue(struct synq_stack *s, struct tcp_listener *l, struct tcp_conn *c)
{
	uint32_t index = tcp_conn_index(s, c);
	c->listener = (uint16_t)tcp_listener_index(s, l);
	c->accept_next = TCP_NONE;
	if (l->accept_tail == TCP_NONE)
		l->accept_head = index;
	else
		tcp_conn_at(s, l->accept_tail)->accept_next = index;
	l->accept_tail = index;
	l->accept_len++;
	tcp_upcall(s, l->owner, TCP_EV_DATA_READY);
}

struct tcp_conn *tcp_accept_dequeue(struct synq_stack *s, struct tcp_listener *l)
{
	if (l->accept_head == TCP_NONE)
		return NULL;
	struct tcp_conn *c = tcp_conn_at(s, l->accept_head);
	l->accept_head = c->accept_next;
	if (l->accept_head == TCP_NONE)
		l->accept_tail = TCP_NONE;
	l->accept_len--;
	c->listener = UINT16_MAX;
	c->owner = TCP_NO_OWNER;
	return c;
}

/* ------------------------------------------------------------ life */

int tcp_listener_open(struct synq_stack *s, uint32_t addr, uint16_t port, int backlog,
                      const struct tcp_sockopts *opts, uint32_t owner,
                      struct tcp_listener **out)
{
	uint32_t index = pool_alloc(&s->listeners);
	if (index == POOL_NONE)
		return -ENOBUFS;
	struct tcp_listener *l = tcp_listener_at(s, index);
	l->in_use = true;
	l->addr = addr;
	l->port = port;
	l->owner = owner;
	l->opts = *opts;
	l->accept_head = l->accept_tail = TCP_NONE;
	tcp_listener_set_backlog(s, l, backlog);
	*out = l;
	return 0;
}

/* listen()'s backlog: clamped to somaxconn with an unsigned compare, so a
 * negative backlog becomes somaxconn (__sys_listen_socket()). A second
 * listen() only changes this. */
void tcp_listener_set_backlog(struct synq_stack *s, struct tcp_listener *l, int backlog)
{
	l->backlog = backlog_clamp(backlog, s->cfg.somaxconn);
}

/* Close a listener (inet_csk_listen_stop()): requests vanish silently,
 * queued connections are reset. */
void tcp_listener_close(struct synq_stack *s, struct tcp_listener *l)
{
	uint16_t li = (uint16_t)tcp_listener_index(s, l);
	for (uint32_t i = 0; i < s->requests.own.high_water && l->req_count; i++) {
		struct tcp_request *r = pool_at(&s->requests, i);
		if (r->timer_slot != TCP_NONE && r->listener == li)
			tcp_request_free(s, r);
	}
	struct tcp_conn *c;
	while ((c = tcp_accept_dequeue(s, l)) != NULL) {
		c->flags |= TCP_CONN_ORPHAN;
		if (c->state != SYNQ_TCP_CLOSE) {
			tcp_send_reset(s, c);
			MIB_INC(s, TcpExtTCPAbortOnClose);
		}
		tcp_conn_done(s, c); /* frees the orphan */
	}
	l->in_use = false;
	pool_free(&s->listeners, tcp_listener_index(s, l));
}
