/* SPDX-License-Identifier: BSD-2-Clause */
/* A connection's life: allocation, defaults, state changes, the end. */
#include <errno.h>

#include "tcp/chrono.h"
#include "tcp/stack_internal.h"

uint32_t tcp_conn_index(const struct synq_stack *s, const struct tcp_conn *c)
{
	return pool_index_of(&s->conns, c);
}

struct tcp_conn *tcp_conn_at(const struct synq_stack *s, uint32_t index)
{
	return pool_at(&s->conns, index);
}

struct tcp_conn *tcp_conn_alloc(struct synq_stack *s)
{
	uint32_t slot = tcp_conn_inherited_slot(s);
	uint32_t i = pool_alloc(&s->conns);
	if (i == POOL_NONE)
		return NULL;
	struct tcp_conn *c = tcp_conn_at(s, i);
	c->hash_next = TCP_NONE;
	c->timer_slot = slot;
	c->owner = TCP_NO_OWNER;
	c->listener = UINT16_MAX;
	c->state = SYNQ_TCP_CLOSE;
	c->sndq = SEGQ_EMPTY;
	c->rcvq = SEGQ_EMPTY;
	c->oooq = SEGQ_EMPTY;
	c->send_head = POOL_NONE;
	tcp_conn_init_defaults(s, c);
	tcp_cc_init(s, c);
	return c;
}

/* Linux's tcp_init_sock(): the values a socket starts with. */
void tcp_conn_init_defaults(struct synq_stack *s, struct tcp_conn *c)
{
	c->rto_ms = (uint32_t)(tcp_timeout_init(s) / SYNQ_MSEC(1));
	c->mdev_us = (uint32_t)(tcp_timeout_init(s) / SYNQ_USEC(1));
	c->min_rtt_us = UINT32_MAX;
	c->snd_cwnd = TCP_INIT_CWND;
	c->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	c->mss_cache = TCP_MSS_DEFAULT;
	c->reordering = (uint16_t)s->cfg.tcp_reordering;
	c->rack.reo_wnd_steps = 1;
	c->opts.sndbuf = (uint32_t)s->cfg.tcp_wmem[1];
	c->opts.rcvbuf = (uint32_t)s->cfg.tcp_rmem[1];
	c->scaling_ratio = TCP_DEFAULT_SCALING_RATIO;
}

static bool counts_as_established(uint8_t state)
{
	return state == SYNQ_TCP_ESTABLISHED || state == SYNQ_TCP_CLOSE_WAIT;
}

/* Linux's tcp_set_state(): CurrEstab counts ESTABLISHED and CLOSE_WAIT;
 * EstabResets counts their ending in CLOSE. */
void tcp_conn_set_state(struct synq_stack *s, struct tcp_conn *c, enum synq_tcp_state st)
{
	uint8_t old = c->state;
	if (old == st)
		return;
	if (st == SYNQ_TCP_CLOSE && counts_as_established(old))
		MIB_INC(s, TcpEstabResets);
	if (counts_as_established(st) && !counts_as_established(old))
		MIB_INC(s, TcpCurrEstab);
	else if (!counts_as_established(st) && counts_as_established(old))
		MIB_DEC(s, TcpCurrEstab);
	c->state = (uint8_t)st;
	tcp_conn_wake(s, c, TCP_EV_STATE_CHANGE);
}

void tcp_conn_wake(struct synq_stack *s, struct tcp_conn *c, enum tcp_event ev)
{
	/* A child not yet accepted has no owner; its listener's readiness
	 * changes only when the accept queue does (listener.c). */
	if (c->listener == UINT16_MAX)
		tcp_upcall(s, c->owner, ev);
}

static void conn_unhash(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->flags & TCP_CONN_IN_TABLE) {
		tcp_table_remove(s, TCP_HANDLE(TCP_OBJ_CONN, tcp_conn_index(s, c)));
		c->flags &= (uint16_t)~TCP_CONN_IN_TABLE;
	}
}

/* The connection is over (Linux's tcp_done()): CLOSE, no timers, out of
 * the table. An orphan is freed; otherwise the descriptor keeps the
 * object until close(). */
void tcp_conn_done(struct synq_stack *s, struct tcp_conn *c)
{
	tcp_conn_set_state(s, c, SYNQ_TCP_CLOSE);
	c->shutdown = TCP_SHUT_RCV | TCP_SHUT_SEND;
	tcp_conn_timers_stop(s, c);
	conn_unhash(s, c);
	segq_purge(&s->segbufs, &c->sndq);
	tcp_rmem_purge(s, c, &c->oooq);
	c->send_head = POOL_NONE;
	c->snd_skbs = 0;
	tcp_chrono_stop(s, c, TCP_CHRONO_BUSY);
	if ((c->flags & TCP_CONN_ORPHAN) && c->listener == UINT16_MAX)
		tcp_conn_free(s, c);
	else
		tcp_conn_wake(s, c, c->err ? TCP_EV_ERROR_REPORT : TCP_EV_STATE_CHANGE);
}

void tcp_conn_free(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->state != SYNQ_TCP_CLOSE)
		tcp_conn_set_state(s, c, SYNQ_TCP_CLOSE);
	tcp_conn_timers_stop(s, c);
	conn_unhash(s, c);
	segq_purge(&s->segbufs, &c->sndq);
	tcp_rmem_purge(s, c, &c->rcvq);
	tcp_rmem_purge(s, c, &c->oooq);
	if (c->flags & TCP_CONN_BOUND)
		tcp_port_unref(s, c->tuple.local_port);
	pool_free(&s->conns, tcp_conn_index(s, c));
}

/* A reset arrived (Linux's tcp_reset()): the error the application sees
 * depends on the state. */
void tcp_conn_reset(struct synq_stack *s, struct tcp_conn *c, int err)
{
	if (err == 0) {
		switch (c->state) {
		case SYNQ_TCP_SYN_SENT:
			err = ECONNREFUSED;
			break;
		case SYNQ_TCP_CLOSE_WAIT:
			err = EPIPE;
			break;
		case SYNQ_TCP_CLOSE:
			return;
		default:
			err = ECONNRESET;
			break;
		}
	}
	c->err = (uint8_t)err;
	c->flags |= TCP_CONN_PEER_RESET;
	tcp_conn_done(s, c);
}

/* Initial sequence numbers as Linux's secure_tcp_seq(): a keyed hash of
 * the 4-tuple plus a clock that ticks every 64 ns. */
uint32_t tcp_conn_isn(struct synq_stack *s, const struct tcp_tuple *t)
{
	uint32_t hash = (uint32_t)siphash_4u32(&s->isn_key, t->local_addr, t->remote_addr,
	                                       (uint32_t)t->local_port << 16 | t->remote_port,
	                                       0);
	return hash + (uint32_t)(s->now >> 6);
}

/* Timestamp offsets as Linux's secure_tcp_ts_off(): per address pair.
 * The hash is remembered per pair (a direct-mapped table): a passive open
 * asks for it at the SYN-ACK and again for the child, and a client host
 * for every connection to the same server. */
uint32_t tcp_conn_ts_offset(struct synq_stack *s, const struct tcp_tuple *t)
{
	struct ts_memo *m = &s->ts_memo[(t->local_addr ^ t->remote_addr) % TS_MEMO_SLOTS];
	if (m->gen == s->ts_memo_gen && m->local_addr == t->local_addr &&
	    m->remote_addr == t->remote_addr)
		return m->offset;
	uint32_t off = (uint32_t)siphash_2u32(&s->ts_key, t->local_addr, t->remote_addr);
	*m = (struct ts_memo){ t->local_addr, t->remote_addr, off, s->ts_memo_gen };
	return off;
}

/* Linux's tcp_sync_mss() and tcp_bound_to_half_wnd(): the payload of a
 * full segment, from the path MTU, the peer's MSS, our fixed options, and
 * half the largest window the peer has offered. */
void tcp_conn_sync_mss(struct synq_stack *s, struct tcp_conn *c)
{
	uint32_t mss = s->cfg.mtu - IPV4_HEADER_MIN - TCP_HEADER_MIN;
	if (c->mss_clamp && mss > c->mss_clamp)
		mss = c->mss_clamp;
	/* __tcp_mtu_to_mss(): at least TCP_MIN_SND_MSS (48), before the
	 * timestamp option's 12 bytes come off (a peer may claim MSS 8). */
	if (mss < 48)
		mss = 48;
	if (c->flags & TCP_CONN_TS_OK)
		mss -= 12;
	if (c->max_window) {
		uint32_t cutoff = c->max_window > TCP_MSS_DEFAULT ? c->max_window / 2
		                                                   : c->max_window;
		if (mss > cutoff) {
			uint32_t header = TCP_HEADER_MIN + ((c->flags & TCP_CONN_TS_OK) ? 12 : 0);
			mss = cutoff > 68 - header ? cutoff : 68 - header;
		}
	}
	if (mss > SEGBUF_DATA)
		mss = SEGBUF_DATA;
	c->mss_cache = (uint16_t)mss;
}
