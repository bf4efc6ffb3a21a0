/* SPDX-License-Identifier: BSD-2-Clause */
/* SYN cookies on the wire: the cookie SYN-ACK a listener sends instead of
 * keeping a request, and the ACK that brings a cookie back (Linux's
 * cookie_init_sequence(), cookie_v4_check()). The cookie itself, its
 * layout and its threat model are in syncookie.c. */
#include "tcp/listen/listen_internal.h"
#include "tcp/listen/syncookie.h"

/* A cookie ACK is only looked for within 120 s of the listener's last
 * cookie (tcp_synq_no_recent_overflow()). */
static bool recent_overflow(const struct synq_stack *s, const struct tcp_listener *l)
{
	return l->last_synq_overflow != 0 &&
	       s->now - l->last_synq_overflow <= TCP_SYNQ_OVERFLOW_WINDOW;
}

static uint32_t cookie_for(struct synq_stack *s, const struct tcp_request *r, uint32_t mss_index)
{
	return syncookie_make(s->cookie_key, r->tuple.remote_addr, r->tuple.local_addr,
	                      r->tuple.remote_port, r->tuple.local_port, r->rcv_isn, mss_index,
	                      syncookie_counter(s->now));
}

void tcp_cookie_send_synack(struct synq_stack *s, struct tcp_listener *l, struct tcp_request *tmp)
{
	uint32_t mss_index = syncookie_mss_index(tmp->mss ? tmp->mss : TCP_MSS_DEFAULT);
	tmp->snt_isn = cookie_for(s, tmp, mss_index);
	l->last_synq_overflow = s->now ? s->now : 1;
	MIB_INC(s, TcpExtSyncookiesSent);
	if (!(tmp->flags & TCP_REQ_TS_OK)) {
		/* Without timestamps there is nowhere to keep the options. */
		tmp->flags = 0;
		tcp_send_synack_for(s, tmp, l, NULL);
		return;
	}
	uint32_t tsval = syncookie_tsval_encode(tcp_ts_now(s),
	                                        (tmp->flags & TCP_REQ_WSCALE_OK) != 0,
	                                        tmp->snd_wscale,
	                                        (tmp->flags & TCP_REQ_SACK_OK) != 0, false) +
	                 tcp_conn_ts_offset(s, &tmp->tuple);
	tcp_send_synack_for(s, tmp, l, &tsval);
}

bool tcp_cookie_ack(struct synq_stack *s, struct tcp_listener *l, const struct tcp_segment *seg)
{
	if (!s->cfg.tcp_syncookies || !(seg->flags & TCP_ACK) || (seg->flags & TCP_RST))
		return false;
	if (!recent_overflow(s, l))
		return false;
	int mss_index = syncookie_check(s->cookie_key, seg->src_addr, seg->dst_addr,
	                                seg->src_port, seg->dst_port, seg->seq - 1,
	                                seg->ack - 1, syncookie_counter(s->now));
	if (mss_index < 0) {
		MIB_INC(s, TcpExtSyncookiesFailed);
		return false;
	}
	MIB_INC(s, TcpExtSyncookiesRecv);

	struct tcp_child_params p = {
		.tuple = { .local_addr = seg->dst_addr, .remote_addr = seg->src_addr,
		           .local_port = seg->dst_port, .remote_port = seg->src_port },
		.snt_isn = seg->ack - 1,
		.rcv_isn = seg->seq - 1,
		.mss = syncookie_mss_value((uint32_t)mss_index),
	};
	p.hash = tcp_table_hash(s, &p.tuple);
	struct syncookie_options o = { 0 };
	uint32_t echoed = seg->opt.tsecr - tcp_conn_ts_offset(s, &p.tuple);
	if (!syncookie_tsecr_decode(echoed, seg->opt.has_timestamp, s->cfg.tcp_timestamps,
	                            s->cfg.tcp_sack, s->cfg.tcp_window_scaling, &o))
		return false;
	if (seg->opt.has_timestamp) {
		p.flags |= TCP_REQ_TS_OK;
		p.ts_recent = seg->opt.tsval;
	}
	if (o.sack_ok)
		p.flags |= TCP_REQ_SACK_OK;
	if (o.wscale_ok) {
		p.flags |= TCP_REQ_WSCALE_OK;
		p.snd_wscale = o.snd_wscale;
		p.rcv_wscale = tcp_listener_wscale(s, l);
	}
	if (tcp_overflow_on_cookie_ack(s, l))
		return true;
	if (tcp_child_create(s, l, &p, seg) == NULL)
		tcp_overflow_no_child(s, l);
	return true;
}

/* Debug builds check a cookie round trip for every SYN, cookies in use or
 * not (FreeBSD's INVARIANTS cross-check in its syncache). */
void tcp_cookie_self_check(struct synq_stack *s, struct tcp_listener *l, const struct tcp_request *r)
{
	(void)l;
	uint32_t index = syncookie_mss_index(r->mss ? r->mss : TCP_MSS_DEFAULT);
	uint32_t cookie = cookie_for(s, r, index);
	int back = syncookie_check(s->cookie_key, r->tuple.remote_addr, r->tuple.local_addr,
	                           r->tuple.remote_port, r->tuple.local_port, r->rcv_isn, cookie,
	                           syncookie_counter(s->now));
	if (back != (int)index)
		__builtin_trap();
}
