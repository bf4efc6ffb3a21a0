/* SPDX-License-Identifier: BSD-2-Clause */
/* What the application does to a connection: connect, send, receive,
 * shut down, close, abort (Linux's tcp_v4_connect(), tcp_sendmsg(),
 * tcp_recvmsg(), tcp_shutdown(), tcp_close(), tcp_disconnect()).
 * Errors are negative errno values; nothing here blocks: "would block"
 * is -EAGAIN and the socket layer waits on readiness. */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "tcp/chrono.h"
#include "tcp/input_internal.h"
#include "tcp/user.h"

int tcp_user_connect(struct synq_stack *s, struct tcp_conn *c, uint32_t addr, uint16_t port)
{
	if (addr == 0 || port == 0)
		return -ECONNREFUSED;
	c->tuple.remote_addr = addr;
	c->tuple.remote_port = port;
	if (c->tuple.local_addr == 0)
		c->tuple.local_addr = s->addr;
	if (c->tuple.local_port == 0) {
		c->tuple.local_port = tcp_port_pick(s, &c->tuple, false, true);
		if (c->tuple.local_port == 0)
			return -EADDRNOTAVAIL;
	} else if (tcp_table_lookup(s, &c->tuple) != TCP_NONE) {
		return -EADDRNOTAVAIL;
	}
	uint32_t iss = tcp_conn_isn(s, &c->tuple);
	c->ts_offset = tcp_conn_ts_offset(s, &c->tuple);
	c->snd_una = iss;
	c->snd_nxt = c->write_seq = c->pushed_seq = c->snd_sml = iss + 1;
	c->mss_clamp = 0;
	c->flags |= TCP_CONN_IN_TABLE;
	tcp_table_insert(s, TCP_HANDLE(TCP_OBJ_CONN, tcp_conn_index(s, c)));
	tcp_conn_set_state(s, c, SYNQ_TCP_SYN_SENT);
	MIB_INC(s, TcpActiveOpens);
	c->retrans_stamp = tcp_ms_stamp(s);
	c->lsndtime = tcp_ms_stamp(s);
	tcp_send_syn(s, c);
	c->rtx_kind = TCP_RTX_RTO;
	tcp_conn_timer_set(s, c, TCP_TIMER_RETRANSMIT, s->now + tcp_rto(c));
	return 0;
}

/* sk_stream_memory_free(): room to start another skb. */
static bool send_space(const struct tcp_conn *c)
{
	return tcp_send_charge(c) < c->opts.sndbuf;
}

/* sk_stream_is_writeable(): free space at least half of what is queued,
 * what wakes a writer and makes poll() report POLLOUT. */
bool tcp_user_writable(const struct tcp_conn *c)
{
	uint32_t queued = tcp_send_charge(c);
	uint32_t space = c->opts.sndbuf > queued ? c->opts.sndbuf - queued : 0;
	return space > 0 && space >= queued / 2;
}

/* How much one skb takes (Linux's tcp_xmit_size_goal()): a 64 KB GSO
 * packet, at most half the largest window the peer offered, whole
 * segments. */
static uint32_t size_goal(const struct tcp_conn *c, uint32_t mss)
{
	uint32_t goal = 65535;
	uint32_t cutoff = c->max_window > TCP_MSS_DEFAULT ? c->max_window >> 1 : c->max_window;
	if (cutoff && goal > cutoff)
		goal = cutoff;
	goal = goal / mss * mss;
	return goal > mss ? goal : mss;
}

/* Bytes in the skb that new data may join: the unsent tail's, unless it
 * is closed (full, or ended by a FIN). */
static uint32_t open_skb_len(const struct tcp_conn *c, const struct segbuf *tail)
{
	if (tail == NULL || c->send_head == POOL_NONE || (tail->tcp_flags & TCP_FIN) ||
	    (tail->mark & SEGBUF_UNIT_END))
		return 0;
	uint32_t unsent = c->write_seq - c->snd_nxt;
	return tail->skb_fill < unsent ? tail->skb_fill : unsent;
}

/* Linux's tcp_mark_push(): PSH on the tail, and the point forced_push()
 * counts from. */
static void mark_push(struct synq_stack *s, struct tcp_conn *c)
{
	segbuf_get(&s->segbufs, c->sndq.tail)->tcp_flags |= TCP_PSH;
	c->pushed_seq = c->write_seq;
}

/* Linux's forced_push(): more than half the peer's largest window written
 * since the last push. */
static bool forced_push(const struct tcp_conn *c)
{
	return seq_after(c->write_seq, c->pushed_seq + (c->max_window >> 1));
}

/* Append up to len bytes to the open skb, which holds skb_len bytes:
 * into the tail segment while it has room, then into new ones. A PSH
 * mark on the skb moves to its new end, as the flag of a Linux skb does. */
static size_t skb_append(struct synq_stack *s, struct tcp_conn *c, const uint8_t *data,
                         size_t len, uint32_t skb_len)
{
	uint32_t seg_goal = c->mss_cache;
	size_t copied = 0;
	struct segbuf *tail = skb_len ? segbuf_get(&s->segbufs, c->sndq.tail) : NULL;
	uint8_t push = tail ? tail->tcp_flags & TCP_PSH : 0;
	while (copied < len) {
		size_t n;
		if (tail && tail->len < seg_goal && tail->off + tail->len < SEGBUF_DATA) {
			uint32_t room = seg_goal - tail->len;
			uint32_t end_room = SEGBUF_DATA - tail->off - tail->len;
			n = len - copied < room ? len - copied : room;
			if (n > end_room)
				n = end_room;
			memcpy(tail->data + tail->off + tail->len, data + copied, n);
			tail->len = (uint16_t)(tail->len + n);
		} else {
			uint32_t index = pool_alloc(&s->segbufs);
			if (index == POOL_NONE)
				break;
			if (tail)
				tail->tcp_flags &= (uint8_t)~TCP_PSH;
			tail = segbuf_get(&s->segbufs, index);
			n = len - copied < seg_goal ? len - copied : seg_goal;
			memcpy(tail->data, data + copied, n);
			tail->seq = c->write_seq;
			tail->len = (uint16_t)n;
			tail->tcp_flags = push;
			segq_push_tail(&s->segbufs, &c->sndq, index);
			if (c->send_head == POOL_NONE)
				c->send_head = index;
		}
		c->write_seq += (uint32_t)n;
		skb_len += (uint32_t)n;
		tail->skb_fill = (uint16_t)skb_len;
		copied += n;
	}
	return copied;
}

/* The end of a write: PSH on its last skb unless more follows (or a push
 * is forced), then the push that end asks for. */
static ssize_t send_end(struct synq_stack *s, struct tcp_conn *c, size_t copied,
                        enum tcp_send_end end)
{
	bool more = end != TCP_SEND_PUSH;
	if (copied > 0 && (!more || forced_push(c)))
		mark_push(s, c);
	if (end == TCP_SEND_PART)
		return (ssize_t)copied;
	if (more)
		tcp_user_push_more(s, c);
	else
		tcp_push(s, c);
	return (ssize_t)copied;
}

/* Linux's tcp_skb_entail(): a new skb goes on the send queue. The first
 * unsent one starts the busy clock, an explicit push ends here, and
 * sending resumes after idle. */
static void skb_entail(struct synq_stack *s, struct tcp_conn *c)
{
	if (c->send_head == POOL_NONE)
		tcp_chrono_start(s, c, TCP_CHRONO_BUSY);
	c->snd_skbs++;
	c->flags &= (uint16_t)~TCP_CONN_NAGLE_PUSH;
	tcp_cc_restart_after_idle(s, c);
}

/* tcp_user_send() of len bytes, 0 < len <= any MSS the SACK blocks may
 * leave (they take at most the whole option space), with nothing unsent
 * queued (a request, a small reply): what the loop there does for it,
 * one new skb of one segment, without working out the size goal (len is
 * below it and below the segment size). */
static bool send_is_small(const struct tcp_conn *c, size_t len)
{
	uint32_t room = TCP_OPTION_SPACE;
	return c->send_head == POOL_NONE && len > 0 && c->mss_cache >= room &&
	       len <= c->mss_cache - room;
}

static ssize_t send_small(struct synq_stack *s, struct tcp_conn *c, const uint8_t *data,
                          size_t len, enum tcp_send_end end)
{
	if (!send_space(c)) {
		c->flags |= TCP_CONN_NOSPACE; /* wait_for_space */
		return -EAGAIN;
	}
	skb_entail(s, c);
	/* skb_append()'s new segment without its loop (through it: 79 more
	 * instructions a connection, two such writes each) */
	uint32_t index = pool_alloc(&s->segbufs);
	if (index == POOL_NONE)
		return -EAGAIN;
	struct segbuf *b = segbuf_get(&s->segbufs, index);
	memcpy(b->data, data, len);
	b->seq = c->write_seq;
	b->len = (uint16_t)len;
	b->tcp_flags = 0;
	segq_push_tail(&s->segbufs, &c->sndq, index);
	c->send_head = index;
	c->write_seq += (uint32_t)len;
	b->skb_fill = (uint16_t)len;
	return send_end(s, c, len, end);
}

/* Linux's tcp_sendmsg_locked(), without the waiting: data joins the open
 * skb until it holds size_goal(); another skb starts only while the send
 * buffer has room, so a write can pass the buffer's size by most of an
 * skb, as on Linux. */
ssize_t tcp_user_send(struct synq_stack *s, struct tcp_conn *c, const uint8_t *data,
                      size_t len, enum tcp_send_end end)
{
	if (c->state != SYNQ_TCP_ESTABLISHED && c->state != SYNQ_TCP_CLOSE_WAIT) {
		if (c->err)
			return -tcp_user_take_error(c);
		if (c->state == SYNQ_TCP_SYN_SENT || c->state == SYNQ_TCP_SYN_RECV)
			return -EAGAIN;
		return -EPIPE;
	}
	if (c->err)
		return -tcp_user_take_error(c);
	if (c->shutdown & TCP_SHUT_SEND)
		return -EPIPE;
	if (send_is_small(c, len))
		return send_small(s, c, data, len, end);

	uint32_t goal = size_goal(c, tcp_current_mss(c));
	size_t copied = 0;
	while (copied < len) {
		struct segbuf *tail = segbuf_at(&s->segbufs, c->sndq.tail);
		uint32_t skb_len = open_skb_len(c, tail);
		if (skb_len == 0 || skb_len >= goal) {
			if (!send_space(c)) {
				c->flags |= TCP_CONN_NOSPACE; /* wait_for_space */
				break;
			}
			if (skb_len)
				tail->mark |= SEGBUF_UNIT_END; /* full: it ends its skb */
			skb_len = 0;
			skb_entail(s, c);
		}
		size_t want = goal - skb_len;
		if (want > len - copied)
			want = len - copied;
		size_t n = skb_append(s, c, data + copied, want, skb_len);
		copied += n;
		if (n < want || copied == len)
			break;
		/* The skb is full. */
		if (forced_push(c)) {
			mark_push(s, c);
			tcp_push_forced(s, c);
		} else if (c->send_head != POOL_NONE &&
		           !seq_before(segbuf_get(&s->segbufs, c->send_head)->seq,
		                       c->write_seq - (skb_len + (uint32_t)n))) {
			tcp_push_one(s, c); /* it is the send queue's head */
		}
	}
	if (copied == 0 && len > 0)
		return -EAGAIN;
	return send_end(s, c, copied, end);
}

void tcp_user_push_more(struct synq_stack *s, struct tcp_conn *c)
{
	/* MSG_MORE holds a partial last segment, as TCP_CORK does, and this
	 * push ignores an explicit one pending (Linux pushes with
	 * TCP_NAGLE_CORK alone). */
	uint8_t corked = c->opts.cork;
	uint16_t pushed = c->flags & TCP_CONN_NAGLE_PUSH;
	c->opts.cork = 1;
	c->flags &= (uint16_t)~TCP_CONN_NAGLE_PUSH;
	tcp_push(s, c);
	c->opts.cork = corked;
	c->flags |= pushed;
}

int tcp_user_take_error(struct tcp_conn *c)
{
	int err = c->err;
	c->err = 0;
	return err;
}

size_t tcp_user_readable(const struct tcp_conn *c)
{
	return tcp_rcv_queued(c);
}

/* Linux's tcp_cleanup_rbuf(): after a read, ACK if that opened the
 * window a lot, or if an ACK is owed for what was read. */
static void cleanup_rbuf(struct synq_stack *s, struct tcp_conn *c, size_t copied)
{
	bool time_to_ack = false;
	if (c->ack_flags & TCP_ACK_SCHED) {
		if (c->rcv_nxt - c->rcv_wup > c->rcv_mss ||
		    (copied > 0 &&
		     ((c->ack_flags & TCP_ACK_PUSHED2) ||
		      ((c->ack_flags & TCP_ACK_PUSHED) && !c->pingpong)) &&
		     tcp_rcv_queued(c) == 0))
			time_to_ack = true;
	}
	if (copied > 0 && !time_to_ack && !(c->shutdown & TCP_SHUT_RCV)) {
		uint32_t now_window = tcp_receive_window(c);
		if (2 * now_window <= c->window_clamp) {
			uint32_t new_window = tcp_choose_window(s, c);
			if (new_window && new_window >= 2 * now_window)
				time_to_ack = true;
		}
	}
	if (time_to_ack)
		tcp_send_ack(s, c);
}

ssize_t tcp_user_recv(struct synq_stack *s, struct tcp_conn *c, uint8_t *out, size_t len,
                      bool peek)
{
	size_t copied = 0;
	uint32_t index = c->rcvq.head;
	while (copied < len && index != POOL_NONE) {
		struct segbuf *b = segbuf_at(&s->segbufs, index);
		size_t n = len - copied < b->len ? len - copied : b->len;
		if (out)
			memcpy(out + copied, b->data + b->off, n);
		copied += n;
		if (peek) {
			index = b->next;
			continue;
		}
		b->off = (uint16_t)(b->off + n);
		b->len = (uint16_t)(b->len - n);
		c->copied_seq += (uint32_t)n;
		if (b->len == 0) {
			tcp_rmem_release(c, b);
			pool_free(&s->segbufs, segq_pop_head(&s->segbufs, &c->rcvq));
			index = c->rcvq.head;
		}
	}
	if (copied > 0) {
		if (!peek) {
			tcp_rcv_space_adjust(s, c);
			cleanup_rbuf(s, c, copied);
		}
		return (ssize_t)copied;
	}
	if (len == 0)
		return 0;
	if (c->flags & TCP_CONN_FIN_RECEIVED)
		return 0;
	if (c->err)
		return -tcp_user_take_error(c);
	if (c->shutdown & TCP_SHUT_RCV)
		return 0;
	if (c->state == SYNQ_TCP_CLOSE)
		return (c->flags & TCP_CONN_PEER_RESET) ? 0 : -ENOTCONN;
	return -EAGAIN;
}

/* The state a close or shutdown moves to, and whether a FIN goes out
 * (Linux's tcp_close_state() table). */
static bool close_state(struct synq_stack *s, struct tcp_conn *c)
{
	uint8_t next;
	bool fin = false;
	switch (c->state) {
	case SYNQ_TCP_ESTABLISHED:
	case SYNQ_TCP_SYN_RECV:
		next = SYNQ_TCP_FIN_WAIT1;
		fin = true;
		break;
	case SYNQ_TCP_CLOSE_WAIT:
		next = SYNQ_TCP_LAST_ACK;
		fin = true;
		break;
	case SYNQ_TCP_SYN_SENT:
	case SYNQ_TCP_TIME_WAIT:
	case SYNQ_TCP_CLOSE:
		next = SYNQ_TCP_CLOSE;
		break;
	default:
		next = c->state; /* already closing */
		break;
	}
	if (next == SYNQ_TCP_CLOSE && c->state != SYNQ_TCP_CLOSE)
		tcp_conn_done(s, c);
	else
		tcp_conn_set_state(s, c, next);
	return fin;
}

int tcp_user_shutdown(struct synq_stack *s, struct tcp_conn *c, int how_rd, int how_wr)
{
	if (c->state == SYNQ_TCP_CLOSE)
		return -ENOTCONN;
	if (how_rd)
		c->shutdown |= TCP_SHUT_RCV;
	if (c->state == SYNQ_TCP_SYN_SENT) {
		tcp_user_abort(s, c, 0);
		return 0;
	}
	if (how_wr) {
		c->shutdown |= TCP_SHUT_SEND;
		if (c->state == SYNQ_TCP_ESTABLISHED || c->state == SYNQ_TCP_SYN_RECV ||
		    c->state == SYNQ_TCP_CLOSE_WAIT) {
			if (close_state(s, c))
				tcp_send_fin(s, c);
		}
	}
	tcp_conn_wake(s, c, TCP_EV_STATE_CHANGE);
	return 0;
}

static bool needs_reset(uint8_t state)
{
	return state == SYNQ_TCP_ESTABLISHED || state == SYNQ_TCP_CLOSE_WAIT ||
	       state == SYNQ_TCP_FIN_WAIT1 || state == SYNQ_TCP_FIN_WAIT2 ||
	       state == SYNQ_TCP_SYN_RECV;
}

/* Linux's tcp_disconnect(): drop everything, with a reset if the peer
 * thinks we are connected. */
void tcp_user_abort(struct synq_stack *s, struct tcp_conn *c, int mib_reason)
{
	uint8_t old = c->state;
	if (needs_reset(old) ||
	    (c->snd_nxt != c->write_seq && (old == SYNQ_TCP_CLOSING || old == SYNQ_TCP_LAST_ACK))) {
		tcp_send_reset(s, c);
		c->err = ECONNRESET;
	} else if (old == SYNQ_TCP_SYN_SENT) {
		c->err = ECONNRESET;
	}
	if (mib_reason)
		s->mib.value[mib_reason]++;
	if (old != SYNQ_TCP_CLOSE)
		tcp_conn_done(s, c);
	tcp_rmem_purge(s, c, &c->rcvq);
	tcp_rcv_forget(c);
}

/* Linux's tcp_close(). The connection becomes an orphan and finishes on
 * its own (or is freed at once if it is already closed). */
void tcp_user_close(struct synq_stack *s, struct tcp_conn *c)
{
	size_t unread = tcp_rcv_queued(c);
	tcp_rmem_purge(s, c, &c->rcvq);
	tcp_rcv_forget(c);
	c->shutdown = TCP_SHUT_RCV | TCP_SHUT_SEND;
	c->owner = TCP_NO_OWNER;
	c->flags |= TCP_CONN_ORPHAN;

	if (c->state == SYNQ_TCP_CLOSE) {
		tcp_conn_free(s, c);
		return;
	}
	if (unread) {
		/* RFC 2525 2.17: unread data is lost, so say so with a reset. */
		MIB_INC(s, TcpExtTCPAbortOnClose);
		tcp_send_reset(s, c);
		tcp_conn_done(s, c);
		return;
	}
	if (c->opts.linger_on && c->opts.linger_s == 0) {
		tcp_user_abort(s, c, SYNQ_MIB_TcpExtTCPAbortOnData);
		return;
	}
	if (c->state == SYNQ_TCP_SYN_SENT) {
		tcp_conn_done(s, c); /* frees the orphan */
		return;
	}
	if (close_state(s, c))
		tcp_send_fin(s, c);
	if (c->state == SYNQ_TCP_FIN_WAIT2) {
		synq_time_t fin = SYNQ_SEC(s->cfg.tcp_fin_timeout);
		synq_time_t floor = SYNQ_MSEC(c->rto_ms) * 7 / 2;
		synq_time_t tmo = fin > floor ? fin : floor;
		if (tmo > TCP_TIMEWAIT_LEN)
			tcp_conn_timer_set(s, c, TCP_TIMER_KEEPALIVE, s->now + tmo - TCP_TIMEWAIT_LEN);
		else
			tcp_time_wait(s, c, SYNQ_TCP_FIN_WAIT2, tmo);
	}
}

/* Linux's tcp_poll(): what a reader or writer of the connection may do. */
int tcp_user_poll(const struct tcp_conn *c)
{
	int mask = 0;
	uint8_t st = c->state;
	if (c->shutdown == (TCP_SHUT_RCV | TCP_SHUT_SEND) || st == SYNQ_TCP_CLOSE)
		mask |= POLLHUP;
	if (c->shutdown & TCP_SHUT_RCV)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (st != SYNQ_TCP_SYN_SENT && st != SYNQ_TCP_SYN_RECV) {
		if (tcp_rcv_queued(c) > 0)
			mask |= POLLIN | POLLRDNORM;
		if (!(c->shutdown & TCP_SHUT_SEND)) {
			if (tcp_user_writable(c))
				mask |= POLLOUT | POLLWRNORM;
		} else {
			mask |= POLLOUT | POLLWRNORM;
		}
	}
	if (c->err)
		mask |= POLLERR;
	return mask;
}

/* inet_csk_listen_poll(): readable while a connection waits for accept(). */
int tcp_listener_poll(const struct tcp_listener *l)
{
	return l->accept_head != TCP_NONE ? POLLIN | POLLRDNORM : 0;
}
