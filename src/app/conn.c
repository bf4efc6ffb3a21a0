/* SPDX-License-Identifier: BSD-2-Clause */
/* One connection's state machine, and the scoreboard transitions it makes.
 *
 * Phases and the slot characters they show (Apache 2.4's points, from
 * ap_process_http_sync_connection(), ap_read_request(),
 * ap_process_request() and ap_lingering_close()):
 *
 *   accept()                 slot 'R'   reading the first request
 *   head read                slot 'W'   (ap_read_request() ends in
 *                                       SERVER_BUSY_WRITE: the body, the
 *                                       service time and the reply are W)
 *   reply written            slot 'L'   the access log line
 *   kept alive               slot 'K'   prefork: the slot waits for and
 *                                       reads the next request as K;
 *                                       event: the slot is freed ('_') and
 *                                       the connection waits without one
 *   closing                  slot 'C'   our FIN sent; read and discard
 *                                       until the peer's FIN, at most 2 s
 *                                       between reads and 30 s in all
 *   closed                   slot '_'
 *
 * Timeouts. mod_reqtimeout's stages (reqtimeout_filter(), extend_timeout()):
 * the header stage starts when reading of a request starts (at accept, or
 * at the first byte of a kept-alive connection's next request) with
 * header_ns, and every byte received moves the deadline by 1/MinRate s,
 * never past header_max_ns from the start. The body stage does the same
 * from the end of the head. Expiry answers 408 and closes; a connection
 * that sent nothing is closed without a reply but still logged (Apache's
 * "-" 408 line). With a stage off, Timeout applies between reads. While
 * kept alive, KeepAliveTimeout applies; a reply that cannot be written
 * waits Timeout for the socket to drain. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/httpd_internal.h"

static bool prefork(const struct synq_httpd *h)
{
	return h->cfg.mpm == SYNQ_HTTPD_PREFORK;
}

static void abort_conn(struct synq_httpd *h, struct httpd_conn *c)
{
	h->tot.io_errors++;
	httpd_conn_close(h, c);
}

/* -------------------------------------------------------------- timeouts */

static synq_time_t rate_extend(synq_time_t deadline, synq_time_t limit, uint32_t minrate,
                               size_t bytes)
{
	if (minrate == 0)
		return deadline;
	synq_time_t t = deadline + (synq_time_t)bytes * (SYNQ_SEC(1) / minrate);
	return limit != SYNQ_TIME_NEVER && t > limit ? limit : t;
}

static void stage_start(struct synq_httpd *h, struct httpd_conn *c, synq_time_t first,
                        synq_time_t max)
{
	if (first == 0) {
		c->limit = SYNQ_TIME_NEVER;
		httpd_deadline_set(h, c, h->now + h->cfg.timeout_ns);
		return;
	}
	c->limit = max > 0 ? h->now + max : SYNQ_TIME_NEVER;
	httpd_deadline_set(h, c, h->now + first);
}

static void stage_progress(struct synq_httpd *h, struct httpd_conn *c, bool body, size_t n)
{
	const struct synq_httpd_config *cfg = &h->cfg;
	synq_time_t first = body ? cfg->reqtimeout_body_ns : cfg->reqtimeout_header_ns;
	uint32_t rate = body ? cfg->reqtimeout_body_minrate : cfg->reqtimeout_header_minrate;
	if (first == 0)
		httpd_deadline_set(h, c, h->now + cfg->timeout_ns);
	else
		httpd_deadline_set(h, c, rate_extend(c->deadline, c->limit, rate, n));
}

/* ----------------------------------------------------------------- start */

void httpd_conn_start(struct synq_httpd *h, struct httpd_conn *c)
{
	if (c->buf == NULL)
		c->buf = httpd_buf_get(h);   /* one per slot: never NULL here */
	struct httpd_buf *b = c->buf;
	http_request_init(&b->req);
	b->pos = 0;
	b->head_done = false;
	b->hashing = false;
	b->continue_sent = false;
	b->body_kind = BODY_NONE;
	free(b->page);
	b->page = NULL;
	b->status = 0;
	b->out_len = b->out_off = 0;
	b->body_total = b->body_sent = 0;
	b->req_body_left = b->req_body_read = 0;
	b->req_start = h->now;
	b->read_done = h->now;
	c->flags &= (uint8_t)~(CF_KEEP | CF_TIMEOUT);
	httpd_phase_set(h, c, PH_READ_HEAD);
	httpd_slot_set(h, c->slot,
	               prefork(h) && c->requests > 0 ? SYNQ_HTTPD_BUSY_KEEPALIVE
	                                             : SYNQ_HTTPD_BUSY_READ);
	stage_start(h, c, h->cfg.reqtimeout_header_ns, h->cfg.reqtimeout_header_max_ns);
}

/* ------------------------------------------------------------------ close */

static void start_linger(struct synq_httpd *h, struct httpd_conn *c)
{
	if ((c->flags & CF_ABORTED) || !h->cfg.lingering_close) {
		httpd_slot_set(h, c->slot, SYNQ_HTTPD_CLOSING);
		httpd_conn_close(h, c);
		return;
	}
	h->be.ops->shutdown_write(h->be.ctx, c->fd);
	httpd_phase_set(h, c, PH_LINGER);
	httpd_slot_set(h, c->slot, SYNQ_HTTPD_CLOSING);
	httpd_buf_put(h, c->buf);
	c->buf = NULL;
	if (!prefork(h)) {
		/* event: the worker hands the closing connection to the
		 * listener and is free again */
		httpd_slot_release(h, c);
	}
	c->flags &= (uint8_t)~CF_TIMEOUT;
	c->limit = h->now + HTTPD_LINGER_MAX_NS;
	httpd_deadline_set(h, c, h->now + HTTPD_LINGER_READ_NS);
}

static bool run_linger(struct synq_httpd *h, struct httpd_conn *c)
{
	if (c->flags & CF_TIMEOUT) {
		h->tot.linger_timeouts++;
		httpd_conn_close(h, c);
		return true;
	}
	if (c->flags & CF_EOF) {
		httpd_conn_close(h, c);
		return true;
	}
	while (c->flags & CF_READABLE) {
		ssize_t n = h->be.ops->read(h->be.ctx, c->fd, h->scratch, sizeof h->scratch);
		if (n > 0) {
			synq_time_t t = h->now + HTTPD_LINGER_READ_NS;
			httpd_deadline_set(h, c, t < c->limit ? t : c->limit);
			continue;
		}
		if (n == -EAGAIN) {
			c->flags &= (uint8_t)~CF_READABLE;
			return false;
		}
		httpd_conn_close(h, c);   /* EOF or error: done */
		return true;
	}
	return false;
}

/* ------------------------------------------------------------ keep-alive */

static void enter_keepalive(struct synq_httpd *h, struct httpd_conn *c)
{
	httpd_phase_set(h, c, PH_KEEPALIVE);
	httpd_slot_set(h, c->slot, SYNQ_HTTPD_BUSY_KEEPALIVE);
	httpd_buf_put(h, c->buf);
	c->buf = NULL;
	if (!prefork(h))
		httpd_slot_release(h, c);
	c->flags &= (uint8_t)~CF_TIMEOUT;
	c->limit = SYNQ_TIME_NEVER;
	httpd_deadline_set(h, c, h->now + h->cfg.keep_alive_timeout_ns);
}

static bool run_keepalive(struct synq_httpd *h, struct httpd_conn *c)
{
	if (c->flags & CF_TIMEOUT) {
		h->tot.keepalive_timeouts++;
		start_linger(h, c);   /* event: the listener does it, no slot */
		return true;
	}
	if (!(c->flags & CF_READABLE))
		return false;
	/* Something arrived (data or FIN): a worker reads the request. */
	if (!httpd_slot_acquire(h, c))
		return false;
	httpd_conn_start(h, c);
	return true;
}

/* -------------------------------------------------------------- logging */

/* 'L': the access log line and the counters, then keep-alive or close. */
static void finish_request(struct synq_httpd *h, struct httpd_conn *c)
{
	struct httpd_buf *b = c->buf;
	httpd_slot_set(h, c->slot, SYNQ_HTTPD_BUSY_LOG);
	uint64_t dur_ms = (uint64_t)((h->now - b->req_start) / SYNQ_MSEC(1));
	h->tot.accesses++;
	h->tot.duration_ms += dur_ms;
	h->tot.status_counts[b->status / 100 < 6 ? b->status / 100 : 0]++;
	if (c->slot != HTTPD_NONE) {
		struct httpd_slot *s = &h->slots[c->slot];
		s->accesses++;
		s->conn_accesses++;
		s->bytes += b->out_len + b->body_sent;
		s->conn_bytes += b->out_len + b->body_sent;
		s->duration_ms += dur_ms;
		s->last_req_ms = (uint32_t)dur_ms;
	}
	if (h->cfg.access_log && h->hooks.access_log)
		httpd_access_log(h, c);
	if (h->hooks.request_done) {
		struct synq_httpd_request_info info = {
			.slot = c->slot, .status = b->status, .method = b->req.method,
			.bytes_sent = b->body_sent, .bytes_received = b->req_body_read,
			.accepted_ns = c->accepted_at, .start_ns = b->req_start,
			.read_ns = b->read_done, .end_ns = h->now, .peer_addr = c->peer_addr,
			.peer_port = c->peer_port,
		};
		h->hooks.request_done(h->hooks.ctx, &info);
	}
	c->requests++;
	if (!(c->flags & CF_KEEP)) {
		start_linger(h, c);
		return;
	}
	/* Pipelined bytes already here: the next request starts at once. */
	size_t left = b->in_len - b->pos;
	if (left > 0) {
		memmove(b->in, b->in + b->pos, left);
		b->in_len = (uint32_t)left;
		httpd_conn_start(h, c);
		return;
	}
	b->in_len = 0;
	/* Edge-triggered readiness may still say readable: look once, so
	 * that a connection with nothing to read truly waits as K. */
	if (c->flags & CF_READABLE) {
		ssize_t n = h->be.ops->read(h->be.ctx, c->fd, b->in, b->in_cap);
		if (n > 0) {
			b->in_len = (uint32_t)n;
			httpd_conn_start(h, c);
			return;
		}
		if (n == 0) {
			c->flags |= CF_EOF;
			start_linger(h, c);
			return;
		}
		if (n != -EAGAIN) {
			c->flags |= CF_ABORTED;
			start_linger(h, c);
			return;
		}
		c->flags &= (uint8_t)~CF_READABLE;
	}
	enter_keepalive(h, c);
}

/* -------------------------------------------------------------- writing */

static bool run_write(struct synq_httpd *h, struct httpd_conn *c)
{
	struct httpd_buf *b = c->buf;
	if (c->flags & CF_TIMEOUT) {
		c->flags |= CF_ABORTED;
		abort_conn(h, c);
		return true;
	}
	for (;;) {
		struct iovec iov[2];
		int n_iov = 0;
		if (b->out_off < b->out_len) {
			iov[n_iov].iov_base = b->out + b->out_off;
			iov[n_iov].iov_len = b->out_len - b->out_off;
			n_iov++;
		}
		uint64_t body_left = b->body_total - b->body_sent;
		if (body_left > 0) {
			const uint8_t *p;
			size_t len;
			if (b->body_kind == BODY_PAGE) {
				p = (const uint8_t *)b->page + b->body_sent;
				len = (size_t)body_left;
			} else {
				len = httpd_pattern_chunk(b->body_sent, body_left, &p);
			}
			if (n_iov == 1 && len <= sizeof b->out - b->out_len) {
				/* A small body goes out behind the head, from
				 * one buffer: the stack copies it in one call
				 * (the same bytes into the same segments; the
				 * count still tells head from body). */
				memcpy(b->out + b->out_len, p, len);
				iov[0].iov_len += len;
			} else {
				iov[n_iov].iov_base = (void *)p;
				iov[n_iov].iov_len = len;
				n_iov++;
			}
		}
		if (n_iov == 0)
			break;
		if (!(c->flags & CF_WRITABLE))
			return false;
		ssize_t n = h->be.ops->writev(h->be.ctx, c->fd, iov, n_iov);
		if (n == -EAGAIN) {
			c->flags &= (uint8_t)~CF_WRITABLE;
			httpd_deadline_set(h, c, h->now + h->cfg.timeout_ns);
			return false;
		}
		if (n < 0) {
			c->flags |= CF_ABORTED;
			abort_conn(h, c);
			return true;
		}
		size_t done = (size_t)n;
		size_t head = b->out_len - b->out_off;
		size_t from_head = done < head ? done : head;
		b->out_off += (uint32_t)from_head;
		b->body_sent += done - from_head;
		h->tot.bytes_sent += done;
	}
	httpd_deadline_set(h, c, SYNQ_TIME_NEVER);
	finish_request(h, c);
	return true;
}

/* The slot's Request and SS columns show the request being served from
 * the moment its head is read, as Apache's ap_update_child_status() with
 * the request does. */
static void slot_note_request(struct synq_httpd *h, struct httpd_conn *c)
{
	if (c->slot == HTTPD_NONE)
		return;
	struct httpd_buf *b = c->buf;
	struct httpd_slot *s = &h->slots[c->slot];
	size_t n = b->req.line_len < sizeof s->request - 1 ? b->req.line_len
	                                                    : sizeof s->request - 1;
	memcpy(s->request, b->in + b->req.line_start, n);
	s->request[n] = '\0';
	s->last_req_start = b->req_start;
}

/* The reply is ready: write it ('W' already shows). */
static void start_write(struct synq_httpd *h, struct httpd_conn *c)
{
	httpd_phase_set(h, c, PH_WRITE);
	httpd_slot_set(h, c->slot, SYNQ_HTTPD_BUSY_WRITE);
	httpd_deadline_set(h, c, SYNQ_TIME_NEVER);
}

static void reply_error(struct synq_httpd *h, struct httpd_conn *c, uint16_t status)
{
	slot_note_request(h, c);
	httpd_response_error(h, c, status);
	start_write(h, c);
}

/* ------------------------------------------------------------- service */

static void body_done(struct synq_httpd *h, struct httpd_conn *c)
{
	struct httpd_buf *b = c->buf;
	b->read_done = h->now;
	httpd_phase_set(h, c, PH_SERVICE);
	httpd_slot_set(h, c->slot, SYNQ_HTTPD_BUSY_WRITE);
	synq_time_t d = httpd_service_draw(h);
	if (d > 0) {
		c->limit = SYNQ_TIME_NEVER;
		httpd_deadline_set(h, c, h->now + d);
		return;
	}
	httpd_response_build(h, c);
	start_write(h, c);
}

static bool run_service(struct synq_httpd *h, struct httpd_conn *c)
{
	if (!(c->flags & CF_TIMEOUT))
		return false;
	c->flags &= (uint8_t)~CF_TIMEOUT;
	httpd_response_build(h, c);
	start_write(h, c);
	return true;
}

/* --------------------------------------------------------------- reading */

static void head_done(struct synq_httpd *h, struct httpd_conn *c)
{
	struct httpd_buf *b = c->buf;
	b->head_done = true;
	h->tot.requests++;
	slot_note_request(h, c);
	httpd_slot_set(h, c->slot, SYNQ_HTTPD_BUSY_WRITE);
	if (c->flags & CF_OVER_LIMIT) {
		h->tot.conn_per_ip_refused++;
		reply_error(h, c, 503);
		return;
	}
	b->req_body_left = b->req.content_length;
	b->hashing = b->req.method == HTTP_METHOD_PUT || b->req.method == HTTP_METHOD_POST;
	if (b->hashing)
		sha256_init(&b->sha);
	if (b->req_body_left == 0) {
		body_done(h, c);
		return;
	}
	httpd_phase_set(h, c, PH_READ_BODY);
	stage_start(h, c, h->cfg.reqtimeout_body_ns, h->cfg.reqtimeout_body_max_ns);
}

static bool read_more(struct synq_httpd *h, struct httpd_conn *c, bool body)
{
	struct httpd_buf *b = c->buf;
	size_t room = b->in_cap - b->in_len;
	ssize_t n = h->be.ops->read(h->be.ctx, c->fd, b->in + b->in_len, room);
	if (n > 0) {
		/* A short read drained the socket: with edge-triggered
		 * readiness new data brings a new event, so skip the read
		 * that would only say EAGAIN (nginx's ngx_unix_recv() clears
		 * rev->ready the same way). */
		if ((size_t)n < room)
			c->flags &= (uint8_t)~CF_READABLE;
		b->in_len += (uint32_t)n;
		stage_progress(h, c, body, (size_t)n);
		return true;
	}
	if (n == 0) {
		c->flags |= CF_EOF;
		c->flags &= (uint8_t)~CF_READABLE;
	} else if (n == -EAGAIN) {
		c->flags &= (uint8_t)~CF_READABLE;
	} else {
		c->flags |= CF_ABORTED | CF_EOF;
		c->flags &= (uint8_t)~CF_READABLE;
		h->tot.io_errors++;
	}
	return false;
}

static void timed_out_reading(struct synq_httpd *h, struct httpd_conn *c, bool body)
{
	struct httpd_buf *b = c->buf;
	c->flags &= (uint8_t)~CF_TIMEOUT;
	if (body)
		h->tot.timeouts_body++;
	else
		h->tot.timeouts_header++;
	if (!body && b->in_len == 0) {
		/* nothing sent: log the 408, send nothing, close */
		b->status = 408;
		c->flags &= (uint8_t)~CF_KEEP;
		httpd_phase_set(h, c, PH_WRITE);
		finish_request(h, c);
		return;
	}
	reply_error(h, c, 408);
}

static bool run_read_head(struct synq_httpd *h, struct httpd_conn *c)
{
	struct httpd_buf *b = c->buf;
	if (c->flags & CF_TIMEOUT) {
		timed_out_reading(h, c, false);
		return true;
	}
	for (;;) {
		enum http_parse_result r =
			http_request_parse(&b->req, b->in, b->in_len, &b->pos, &h->limits);
		if (r == HTTP_PARSE_DONE) {
			head_done(h, c);
			return true;
		}
		if (r == HTTP_PARSE_ERROR) {
			h->tot.requests++;
			reply_error(h, c, b->req.status);
			return true;
		}
		/* Drop consumed header lines; keep the request line. */
		size_t keep = b->req.stage == 0 ? 0 : b->req.line_end;
		if (b->pos > keep) {
			memmove(b->in + keep, b->in + b->pos, b->in_len - b->pos);
			b->in_len -= (uint32_t)(b->pos - keep);
			b->pos = keep;
			if (b->req.stage == 0)
				b->req.line_start = 0;
		}
		if (b->in_len >= b->in_cap) {
			h->tot.requests++;
			reply_error(h, c, b->req.stage == 0 ? 414 : 431);
			return true;
		}
		if (c->flags & CF_EOF) {
			/* the peer closed before a whole request: no reply */
			if (c->flags & CF_ABORTED) {
				httpd_conn_close(h, c);
				return true;
			}
			start_linger(h, c);
			return true;
		}
		if (!(c->flags & CF_READABLE))
			return false;
		if (!read_more(h, c, false) && !(c->flags & CF_EOF))
			return false;
	}
}

static bool run_read_body(struct synq_httpd *h, struct httpd_conn *c)
{
	struct httpd_buf *b = c->buf;
	if (c->flags & CF_TIMEOUT) {
		timed_out_reading(h, c, true);
		return true;
	}
	if (b->req.expect_continue && !b->continue_sent && b->pos == b->in_len) {
		/* RFC 9110 10.1.1: the client waits for this before the body */
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		struct iovec iov = { .iov_base = (void *)cont, .iov_len = sizeof cont - 1 };
		ssize_t n = h->be.ops->writev(h->be.ctx, c->fd, &iov, 1);
		if (n == -EAGAIN) {
			c->flags &= (uint8_t)~CF_WRITABLE;
			return false;   /* EPOLLOUT brings us back */
		}
		if (n < 0) {
			c->flags |= CF_ABORTED;
			abort_conn(h, c);
			return true;
		}
		b->continue_sent = true;
	}
	size_t keep = b->req.line_end;
	for (;;) {
		size_t avail = b->in_len - b->pos;
		size_t take = avail < b->req_body_left ? avail : (size_t)b->req_body_left;
		if (take > 0) {
			if (b->hashing)
				sha256_update(&b->sha, take, b->in + b->pos);
			b->pos += take;
			b->req_body_left -= take;
			b->req_body_read += take;
			h->tot.bytes_received += take;
		}
		if (b->req_body_left == 0) {
			body_done(h, c);
			return true;
		}
		/* everything here was body: read the next piece behind the
		 * request line */
		b->in_len = (uint32_t)keep;
		b->pos = keep;
		if (c->flags & CF_EOF) {
			c->flags |= CF_ABORTED;
			httpd_conn_close(h, c);
			return true;
		}
		if (!(c->flags & CF_READABLE))
			return false;
		if (!read_more(h, c, true) && !(c->flags & CF_EOF))
			return false;
	}
}

/* ------------------------------------------------------------------- run */

void httpd_conn_run(struct synq_httpd *h, struct httpd_conn *c)
{
	for (int guard = 0; guard < 64; guard++) {
		bool progress;
		switch (c->phase) {
		case PH_READ_HEAD: progress = run_read_head(h, c); break;
		case PH_READ_BODY: progress = run_read_body(h, c); break;
		case PH_SERVICE: progress = run_service(h, c); break;
		case PH_WRITE: progress = run_write(h, c); break;
		case PH_KEEPALIVE: progress = run_keepalive(h, c); break;
		case PH_LINGER: progress = run_linger(h, c); break;
		default: return;
		}
		if (!progress)
			return;
	}
	/* Many pipelined requests in one go: let others run, come back. */
	httpd_run_later(h, c);
}
