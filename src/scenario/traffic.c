/* SPDX-License-Identifier: BSD-2-Clause */
/* Client populations that talk TCP through real synq stacks: browsers,
 * open-loop Poisson arrivals, idle-connection floods, Slowloris and port
 * probes. (The spoofed SYN flood builds raw packets: synflood.c.)
 *
 * Every client is an application on the socket API, exactly as a program
 * on Linux would be: non-blocking connect(), write() a request, read() the
 * response, close(). Readiness comes from one epoll set per client host,
 * edge-triggered, drained after every event on that host (the host group's
 * application hook). What a client experiences is therefore what the
 * kernel's rules make it experience: SYN retransmissions at 1 s, 3 s, 7 s
 * (tcp_syn_retries, TCP_TIMEOUT_INIT), ETIMEDOUT, ECONNREFUSED for a RST,
 * ECONNRESET, EOF when the server hangs up.
 *
 * Connections live in a per-population table allocated in chunks (so that
 * a pointer to one stays valid for the events that carry it) and bounded
 * by a capacity derived from the model; a connection that would exceed it
 * is counted (table_full) and not opened.
 *
 * Models, seed 003's vocabulary:
 *   browser    a visit is `pages` pages; a page is one request for the
 *              page, then objects - 1 requests over up to `parallel`
 *              connections, reused when keep-alive; `think` between
 *              pages, `pause` between visits; at the end of a visit the
 *              browser closes its connections (close = client) or leaves
 *              them for the server's keep-alive timeout (close = server).
 *   poisson    arrivals at `rate`, exponential gaps (or even ones); one connection and
 *              one request each.
 *   idle       keep `connections` connections open that never send; new
 *              ones at most `rate` per second.
 *   slowloris  the same, but each sends a request's first lines and then
 *              one more header line every `interval`, never the last one.
 *   probe      connect() to `port` at `rate` (Poisson), close on success:
 *              what a port scan or a stealth-port check sees. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/cacheline.h"
#include "scenario/pop.h"
#include "synq/socket.h"

#define CHUNK_BITS 10
#define CHUNK (1u << CHUNK_BITS)
#define CONNS_MAX (1u << 22)
#define EVENTS_PER_WAIT 64
#define READ_BYTES 16384
#define EPHEMERAL_PORTS 28000u   /* Linux's 32768..60999, rounded down */
#define TIME_WAIT_HORIZON_S 70.0 /* 60 s of TIME-WAIT and some margin */
#define CONNECT_HORIZON_S 140.0  /* tcp_syn_retries 6: 127 s, and margin */
#define NONE UINT32_MAX

enum phase {
	PH_FREE = 0,
	PH_CONNECTING,
	PH_REQUEST,    /* a request is outstanding */
	PH_IDLE,       /* open, nothing outstanding */
	PH_SLOW,       /* slowloris: dribbling headers */
	PH_WAIT_EOF,   /* done; waiting for the server to close */
};

/* Everything a connection's events read and write sits in its first
 * line, the only one cleared at reuse; a conn is three whole lines and
 * each chunk starts on a line. The rest (slowloris' count, the buffer for
 * a head line cut by a read) is touched only when used. */
struct conn {
	struct scn_pop *pop;
	uint32_t gen;            /* bumped at every reuse of the slot */
	uint32_t slot;
	uint32_t host;
	int fd;
	uint8_t phase;
	bool want_request;       /* send a request once connected */
	bool established;
	/* response parsing */
	bool in_body;
	bool resp_close;         /* "Connection: close" in the response */
	uint8_t line_len;
	uint16_t status;
	uint32_t owner;          /* browser index, or NONE */
	uint32_t next_free;
	int64_t body_left;       /* of Content-Length; -1: until EOF */
	sim_event_id timer;      /* request timeout, slowloris tick, idle hold */
	union {
		synq_time_t t_connect; /* until connected */
		synq_time_t t_request; /* from the request's write */
	};
	/* second and third lines */
	uint32_t headers_sent;   /* slowloris; from its first write */
	char line[96];           /* line_len says what it holds */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct conn) == 192, "struct conn: three lines");
_Static_assert(offsetof(struct conn, headers_sent) == 64, "struct conn: hot fields in line one");

struct browser {
	struct scn_pop *pop;
	uint32_t index;
	uint32_t host;
	uint32_t pages_left;
	uint32_t to_issue;       /* requests of this page not yet on a connection */
	uint32_t in_flight;
	bool page_pending;       /* the page itself is still loading */
	bool visiting;
	uint8_t n_conns;
	uint32_t conns[64];
	sim_event_id ev;
};

static const char *const fail_names[SCN_FAIL__COUNT] = {
	[SCN_FAIL_TIMEOUT] = "timeout", [SCN_FAIL_REFUSED] = "refused",
	[SCN_FAIL_RESET] = "reset", [SCN_FAIL_CLOSED] = "closed",
	[SCN_FAIL_HTTP] = "http_error", [SCN_FAIL_OTHER] = "other",
};

const char *scn_fail_name(enum scn_fail f)
{
	return f < SCN_FAIL__COUNT ? fail_names[f] : "?";
}

static enum scn_fail fail_of_errno(int err)
{
	switch (err) {
	case ETIMEDOUT: return SCN_FAIL_TIMEOUT;
	case ECONNREFUSED: return SCN_FAIL_REFUSED;
	case ECONNRESET:
	case EPIPE: return SCN_FAIL_RESET;
	default: return SCN_FAIL_OTHER;
	}
}

static synq_time_t now_of(const struct scn_pop *p)
{
	return sim_now(p->sim);
}

/* The stack of one of the population's hosts (sim_hostgroup_stack(),
 * without a call: every socket call of every event asks). */
static struct synq_stack *stack_of(const struct scn_pop *p, uint32_t host)
{
	return p->stacks[host];
}

static struct conn *conn_at(struct scn_pop *p, uint32_t slot)
{
	return &p->chunks[slot >> CHUNK_BITS][slot & (CHUNK - 1)];
}

/* ------------------------------------------------------------ table */

static struct conn *conn_alloc(struct scn_pop *p)
{
	uint32_t slot;
	if (p->free_head != NONE) {
		slot = p->free_head;
		p->free_head = conn_at(p, slot)->next_free;
	} else {
		if (p->used_slots == p->cap_conns)
			return NULL;
		slot = p->used_slots;
		uint32_t chunk = slot >> CHUNK_BITS;
		if (chunk == p->n_chunks) {
			/* calloc(): fresh pages, untouched until used; the
			 * chunk starts on the next line */
			char *mem = calloc(1, CHUNK * sizeof(struct conn) + 64);
			if (mem == NULL)
				return NULL;
			p->chunk_mem[p->n_chunks] = mem;
			p->chunks[p->n_chunks++] =
				(struct conn *)(mem + (64 - (uintptr_t)mem % 64));
		}
		p->used_slots++;
	}
	struct conn *c = conn_at(p, slot);
	uint32_t gen = c->gen + 1;
	memset(c, 0, offsetof(struct conn, headers_sent));
	c->gen = gen;
	c->pop = p;
	c->slot = slot;
	c->fd = -1;
	c->owner = NONE;
	c->next_free = NONE;
	return c;
}

static void conn_timer_cancel(struct conn *c)
{
	if (c->timer) {
		sim_event_cancel(c->pop->sim, c->timer);
		c->timer = 0;
	}
}

/* Close the descriptor (the stack sends FIN, or RST if data is unread)
 * and give the slot back. */
static void conn_release(struct conn *c)
{
	struct scn_pop *p = c->pop;
	conn_timer_cancel(c);
	if (c->fd >= 0)
		synq_close(stack_of(p, c->host), c->fd);
	if (c->established && p->out.established_now)
		p->out.established_now--;
	if (p->out.open_now)
		p->out.open_now--;
	c->fd = -1;
	c->phase = PH_FREE;
	c->next_free = p->free_head;
	p->free_head = c->slot;
}

/* ------------------------------------------------------------ requests */

/* Whether requests ask the server to close (Connection: close): the
 * client wants the server to close first and will not reuse the
 * connection. */
static bool wants_close_cfg(const struct scn_population *cfg)
{
	if (cfg->close != SCN_CLOSE_SERVER)
		return false;
	return cfg->model == SCN_MODEL_POISSON || !cfg->keepalive;
}

/* The request, written once per population (it never changes): the
 * clients' cost is the stack's, not printf's. */
static void request_prepare(struct scn_pop *p)
{
	int n = snprintf(p->request, sizeof p->request,
	                 "GET %s HTTP/1.1\r\nHost: 10.0.0.1\r\nUser-Agent: synq-%s\r\n%s\r\n",
	                 p->cfg->path, scn_model_name(p->cfg->model),
	                 wants_close_cfg(p->cfg) ? "Connection: close\r\n" : "");
	p->request_len = n > 0 && (size_t)n < sizeof p->request ? (size_t)n : 0;
}

static void request_timeout(struct sim *sim, void *arg);

static void arm_request_timeout(struct conn *c)
{
	struct scn_pop *p = c->pop;
	if (p->cfg->timeout_ns <= 0)
		return;
	conn_timer_cancel(c);
	sim_event_schedule(p->sim, now_of(p) + p->cfg->timeout_ns, request_timeout, c,
	                   &c->timer);
}

static bool wants_close(const struct scn_pop *p)
{
	return wants_close_cfg(p->cfg);
}

static void conn_send_request(struct conn *c)
{
	struct scn_pop *p = c->pop;
	c->phase = PH_REQUEST;
	c->in_body = false;
	c->resp_close = false;
	c->line_len = 0;
	c->status = 0;
	c->body_left = -1;
	c->t_request = now_of(p);
	p->out.requests_sent++;
	ssize_t n = synq_write(stack_of(p, c->host), c->fd, p->request,
	                       p->request_len);
	(void)n; /* a short write leaves the request unfinished: the server times it out */
	if (c->timer == 0)
		arm_request_timeout(c);
}

/* ------------------------------------------------------------ models */

static void browser_request_done(struct browser *b, struct conn *c, bool reusable);
static void browser_conn_gone(struct browser *b, struct conn *c);
static void spawner_kick(struct scn_pop *p);
static struct conn *conn_open(struct scn_pop *p, uint32_t host, bool want_request);

/* A wanted request ended without success (the connection carrying it
 * failed or gave up). */
static void request_failed(struct conn *c, enum scn_fail why)
{
	c->pop->out.request_failed[why]++;
}

/* The connection is over, for whatever reason: tell its owner. */
static void conn_end(struct conn *c)
{
	struct scn_pop *p = c->pop;
	uint32_t owner = c->owner;
	int model = p->cfg->model;
	conn_release(c);
	if (owner != NONE)
		browser_conn_gone(&p->browsers[owner], c);
	if ((model == SCN_MODEL_IDLE || model == SCN_MODEL_SLOWLORIS) && p->cfg->reconnect)
		spawner_kick(p);
}

static void connect_failed(struct conn *c, int err)
{
	struct scn_pop *p = c->pop;
	enum scn_fail why = fail_of_errno(err);
	p->out.connect_failed[why]++;
	if (c->want_request || c->owner != NONE)
		request_failed(c, why);
	if (c->owner != NONE) {
		struct browser *b = &p->browsers[c->owner];
		c->phase = PH_FREE;
		browser_request_done(b, c, false);
		return;
	}
	conn_end(c);
}

static void request_timeout(struct sim *sim, void *arg)
{
	(void)sim;
	struct conn *c = arg;
	struct scn_pop *p = c->pop;
	c->timer = 0;
	if (c->phase == PH_CONNECTING) {
		p->out.connect_failed[SCN_FAIL_TIMEOUT]++;
	} else if (c->phase != PH_REQUEST) {
		return;
	}
	request_failed(c, SCN_FAIL_TIMEOUT);
	sim_hostgroup_enter(p->group, c->host);
	if (c->owner != NONE) {
		c->phase = PH_FREE;
		browser_request_done(&p->browsers[c->owner], c, false);
	} else {
		conn_end(c);
	}
	sim_hostgroup_leave(p->group, c->host);
}

static void slowloris_tick(struct sim *sim, void *arg);

static void slowloris_send(struct conn *c, bool first)
{
	struct scn_pop *p = c->pop;
	char buf[192];
	int n;
	if (first) {
		c->headers_sent = 0;
		n = snprintf(buf, sizeof buf,
		             "GET %s HTTP/1.1\r\nHost: 10.0.0.1\r\nUser-Agent: synq-slowloris\r\n",
		             p->cfg->path);
	} else {
		n = snprintf(buf, sizeof buf, "X-a: %u\r\n", c->headers_sent);
	}
	c->headers_sent++;
	if (n > 0)
		synq_write(stack_of(p, c->host), c->fd, buf, (size_t)n);
	sim_event_schedule(p->sim, now_of(p) + p->cfg->interval_ns, slowloris_tick, c,
	                   &c->timer);
}

static void slowloris_tick(struct sim *sim, void *arg)
{
	(void)sim;
	struct conn *c = arg;
	c->timer = 0;
	if (c->phase != PH_SLOW)
		return;
	sim_hostgroup_enter(c->pop->group, c->host);
	slowloris_send(c, false);
	sim_hostgroup_leave(c->pop->group, c->host);
}

static void idle_hold_over(struct sim *sim, void *arg)
{
	(void)sim;
	struct conn *c = arg;
	c->timer = 0;
	struct scn_pop *p = c->pop;
	sim_hostgroup_enter(p->group, c->host);
	conn_end(c);
	sim_hostgroup_leave(p->group, c->host);
}

static void on_connected(struct conn *c)
{
	struct scn_pop *p = c->pop;
	synq_time_t now = now_of(p);
	c->established = true;
	p->out.connected++;
	p->out.established_now++;
	if (p->out.established_now > p->out.peak_established)
		p->out.peak_established = p->out.established_now;
	hist_add(&p->out.connect_time, now - c->t_connect);
	switch (p->cfg->model) {
	case SCN_MODEL_BROWSER:
	case SCN_MODEL_POISSON:
		if (c->want_request) {
			/* the request's timeout keeps running from connect() */
			c->want_request = false;
			conn_send_request(c);
		} else {
			c->phase = PH_IDLE;
		}
		break;
	case SCN_MODEL_IDLE:
		c->phase = PH_IDLE;
		if (p->cfg->hold_ns > 0)
			sim_event_schedule(p->sim, now + p->cfg->hold_ns, idle_hold_over, c,
			                   &c->timer);
		break;
	case SCN_MODEL_SLOWLORIS:
		c->phase = PH_SLOW;
		slowloris_send(c, true);
		break;
	case SCN_MODEL_PROBE:
	default:
		conn_end(c);
		break;
	}
}

static void response_done(struct conn *c)
{
	struct scn_pop *p = c->pop;
	conn_timer_cancel(c);
	hist_add(&p->out.latency, now_of(p) - c->t_request);
	bool ok = c->status >= 100 && c->status < 400;
	if (ok) {
		p->out.responses_ok++;
	} else {
		request_failed(c, SCN_FAIL_HTTP);
		if (c->status == 408)
			p->out.status_408++;
		else if (c->status == 503)
			p->out.status_503++;
	}
	c->t_request = 0;
	bool reusable = !c->resp_close && !wants_close(p) && p->cfg->keepalive &&
	                p->cfg->model == SCN_MODEL_BROWSER;
	if (c->owner != NONE) {
		c->phase = reusable ? PH_IDLE : PH_WAIT_EOF;
		browser_request_done(&p->browsers[c->owner], c, reusable);
		return;
	}
	if (p->cfg->close == SCN_CLOSE_SERVER || c->resp_close) {
		c->phase = PH_WAIT_EOF;
		return;
	}
	conn_end(c);
}

/* Whether the 8 bytes at s are the 8 at lower, as prefix_ci() below
 * judges them. */
static bool word_ci(const char *s, const char *lower)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t w, want;
	memcpy(&w, s, sizeof w);
	memcpy(&want, lower, sizeof want);
	return (w | 0x20 * ones) == want && !((w - 0x20 * ones) & ~w & high);
}

/* Whether the n bytes at s are lower ignoring the case of ASCII letters,
 * as strncasecmp() says, for lower made of lower-case letters, digits,
 * '-' and ':' only. Setting a byte's 0x20 bit turns 'A'-'Z' into 'a'-'z'
 * and keeps those characters; the only other bytes it turns into one of
 * them are control bytes (below 0x20), which are refused. Eight bytes at
 * a time, the last eight overlapping the ones before: every response is
 * checked for two or three names. */
static bool prefix_ci(const char *s, const char *lower, size_t n)
{
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			if (!word_ci(s + i, lower + i))
				return false;
		return word_ci(s + n - 8, lower + n - 8);
	}
	for (size_t i = 0; i < n; i++)
		if ((s[i] | 0x20) != lower[i] || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

/* One header line of the response (without its CRLF). */
static inline __attribute__((always_inline)) void
response_line(struct conn *c, const char *line, size_t len)
{
	if (c->status == 0) {
		/* "HTTP/1.1 200 OK" */
		unsigned st = 0;
		if (len >= 12 && !memcmp(line, "HTTP/1.", 7) && line[8] == ' ' &&
		    line[9] >= '1' && line[9] <= '9' && line[10] >= '0' && line[10] <= '9' &&
		    line[11] >= '0' && line[11] <= '9')
			st = (unsigned)(line[9] - '0') * 100 + (unsigned)(line[10] - '0') * 10 +
			     (unsigned)(line[11] - '0');
		c->status = st ? (uint16_t)st : 999; /* not HTTP: an HTTP failure */
		return;
	}
	/* Only Content-Length and Connection are read: a cheap look at the
	 * letters that tell them from the rest (Content-Type, Date, ...)
	 * before comparing the names. */
	if (len <= 11 || (line[0] | 0x20) != 'c')
		return;
	if ((line[3] | 0x20) == 't' && (line[8] | 0x20) == 'l' && len > 15 &&
	    prefix_ci(line, "content-length:", 15)) {
		int64_t v = 0;
		for (size_t i = 15; i < len; i++)
			if (line[i] >= '0' && line[i] <= '9' && v < ((int64_t)1 << 50))
				v = v * 10 + (line[i] - '0');
		c->body_left = v;
	} else if ((line[3] | 0x20) == 'n' && prefix_ci(line, "connection:", 11)) {
		size_t i = 11;
		while (i < len && line[i] == ' ')
			i++;
		if (len - i >= 5 && prefix_ci(line + i, "close", 5))
			c->resp_close = true;
	}
}

/* A whole line of the head (n bytes, its LF not counted). Inlined in
 * response_feed(), its one caller: seven lines a response. */
static inline __attribute__((always_inline)) void
response_head_line(struct conn *c, const char *line, size_t n)
{
	if (n && line[n - 1] == '\r')
		n--;
	if (n == 0) {
		if (c->status == 0)
			return; /* stray blank line before the status */
		c->in_body = true;
		if (c->body_left == 0 || c->status == 304 || c->status == 204)
			response_done(c);
	} else {
		response_line(c, line, n);
	}
}

/* Feed response bytes: status line and headers a line at a time, then
 * Content-Length bytes of body. Only the start of a long line matters:
 * its first sizeof c->line - 1 bytes are judged. A line wholly in buf is
 * judged where it lies; one cut by a read is gathered in c->line. */
static void response_feed(struct conn *c, const uint8_t *buf, size_t len)
{
	size_t i = 0;
	while (i < len && c->phase == PH_REQUEST) {
		if (c->in_body) {
			size_t take = len - i;
			if (c->body_left >= 0) {
				if ((uint64_t)c->body_left < take)
					take = (size_t)c->body_left;
				c->body_left -= (int64_t)take;
			}
			i += take;
			if (c->body_left == 0)
				response_done(c);
			continue;
		}
		const uint8_t *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t room = sizeof c->line - 1 - c->line_len;
		size_t take = end - i < room ? end - i : room;
		const char *line;
		size_t n;
		if (nl != NULL && c->line_len == 0) {
			line = (const char *)buf + i;
			n = take;
			i = end + 1;
		} else {
			memcpy(c->line + c->line_len, buf + i, take);
			c->line_len = (uint8_t)(c->line_len + take);
			i = end;
			if (nl == NULL)
				break;
			i++; /* past the LF */
			line = c->line;
			n = c->line_len;
			c->line_len = 0;
		}
		response_head_line(c, line, n);
	}
}

/* EOF from the server. */
static void on_eof(struct conn *c)
{
	struct scn_pop *p = c->pop;
	switch (c->phase) {
	case PH_REQUEST:
		if (c->in_body && c->body_left < 0) {
			response_done(c); /* the body ran to EOF */
			if (c->phase != PH_FREE)
				conn_end(c);
			return;
		}
		request_failed(c, SCN_FAIL_CLOSED);
		if (c->owner != NONE) {
			c->phase = PH_FREE;
			browser_request_done(&p->browsers[c->owner], c, false);
			return;
		}
		conn_end(c);
		return;
	case PH_IDLE:
	case PH_SLOW:
		if (p->cfg->model == SCN_MODEL_IDLE || p->cfg->model == SCN_MODEL_SLOWLORIS)
			p->out.closed_by_server++;
		conn_end(c);
		return;
	case PH_WAIT_EOF:
	default:
		conn_end(c);
		return;
	}
}

static void on_error(struct conn *c, int err)
{
	struct scn_pop *p = c->pop;
	enum scn_fail why = fail_of_errno(err);
	if (c->phase == PH_REQUEST) {
		request_failed(c, why);
		if (c->owner != NONE) {
			c->phase = PH_FREE;
			browser_request_done(&p->browsers[c->owner], c, false);
			return;
		}
	} else if (p->cfg->model == SCN_MODEL_IDLE || p->cfg->model == SCN_MODEL_SLOWLORIS) {
		p->out.closed_by_server++;
	}
	conn_end(c);
}

/* Read what c's socket holds. events: what epoll said. */
static void conn_readable(struct conn *c, uint32_t events)
{
	struct scn_pop *p = c->pop;
	struct synq_stack *s = stack_of(p, c->host);
	uint8_t buf[READ_BYTES];
	uint32_t gen = c->gen;
	for (;;) {
		ssize_t n = synq_read(s, c->fd, buf, sizeof buf);
		if (n > 0) {
			if (c->phase == PH_REQUEST)
				response_feed(c, buf, (size_t)n);
			/* bytes in other phases (a 408 after slowloris) are read
			 * and dropped; a finished response may have ended the
			 * connection, and its slot may already hold another */
			if (c->phase == PH_FREE || c->gen != gen)
				return;
			/* A short read took everything queued. Unless the
			 * peer's FIN or an error came with this event, the
			 * next data or FIN brings a new edge: skip the read
			 * that would only say EAGAIN (nginx's ngx_unix_recv()
			 * clears rev->ready the same way). */
			if ((size_t)n < sizeof buf &&
			    !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				return;
			continue;
		}
		if (n == 0) {
			on_eof(c);
			return;
		}
		if (n == -EAGAIN)
			return;
		on_error(c, (int)-n);
		return;
	}
}

static void conn_event(struct conn *c, uint32_t events)
{
	struct scn_pop *p = c->pop;
	if (c->phase == PH_FREE)
		return;
	if (c->phase == PH_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		/* SO_ERROR is nonzero exactly when epoll says EPOLLERR
		 * (tcp_poll()): ask only then. */
		int soerr = 0;
		socklen_t len = sizeof soerr;
		if (events & EPOLLERR)
			synq_getsockopt(stack_of(p, c->host), c->fd, SOL_SOCKET,
			                SO_ERROR, &soerr, &len);
		uint32_t gen = c->gen;
		if (soerr == 0 && (events & EPOLLOUT))
			on_connected(c);
		else
			connect_failed(c, soerr ? soerr : ECONNRESET);
		if (c->phase == PH_FREE || c->gen != gen ||
		    !(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
			return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_readable(c, events);
}

/* The host group's hook: drain this host's ready list. */
static void pop_app(void *ctx, struct sim_hostgroup *g, uint32_t host, struct synq_stack *s)
{
	(void)g;
	struct scn_pop *p = ctx;
	struct synq_epoll_event ev[EVENTS_PER_WAIT];
	int n;
	do {
		n = synq_epoll_wait(s, p->epfd[host], ev, EVENTS_PER_WAIT);
		for (int i = 0; i < n; i++) {
			/* data is gen:slot, so that an event for a connection
			 * closed earlier in this batch finds its slot reused and
			 * is ignored */
			struct conn *c = conn_at(p, (uint32_t)ev[i].data);
			if (c->gen == (uint32_t)(ev[i].data >> 32))
				conn_event(c, ev[i].events);
		}
	} while (n == EVENTS_PER_WAIT);
}

/* The host group's warm hook: a datagram for host comes in, and the
 * hook above will read its epoll set first. */
static void pop_warm(void *ctx, uint32_t host)
{
	const struct scn_pop *p = ctx;
	const void *const *hot = &p->epoll_hot[host * SYNQ_EPOLL_HOT_MAX];
	for (unsigned i = 0; i < SYNQ_EPOLL_HOT_MAX; i++)
		__builtin_prefetch(hot[i]);
}

/* connect() a new connection from host; NULL when the table is full or
 * the stack refuses (counted). Call inside enter/leave or the hook. */
static struct conn *conn_open(struct scn_pop *p, uint32_t host, bool want_request)
{
	struct conn *c = conn_alloc(p);
	p->out.connects++;
	if (c == NULL) {
		p->out.table_full++;
		p->out.connect_failed[SCN_FAIL_OTHER]++;
		return NULL;
	}
	struct synq_stack *s = stack_of(p, host);
	c->host = host;
	c->want_request = want_request;
	c->t_connect = now_of(p);
	c->phase = PH_CONNECTING;
	p->out.open_now++;
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		p->out.connect_failed[SCN_FAIL_OTHER]++;
		conn_release(c);
		return NULL;
	}
	c->fd = fd;
	struct synq_epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	                               .data = (uint64_t)c->gen << 32 | c->slot };
	synq_epoll_ctl(s, p->epfd[host], EPOLL_CTL_ADD, fd, &ev);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(p->port),
	                          .sin_addr.s_addr = htonl(p->world->target_addr) };
	int err = synq_connect(s, fd, (struct sockaddr *)&to, sizeof to);
	if (err != -EINPROGRESS && err != 0) {
		p->out.connect_failed[fail_of_errno(-err)]++;
		conn_release(c);
		return NULL;
	}
	if (want_request)
		arm_request_timeout(c);
	return c;
}

/* ------------------------------------------------------------ browser */

static void browser_issue(struct browser *b);
static void browser_start_page(struct browser *b);

static void browser_remove(struct browser *b, const struct conn *c)
{
	for (unsigned i = 0; i < b->n_conns; i++)
		if (b->conns[i] == c->slot) {
			b->conns[i] = b->conns[--b->n_conns];
			return;
		}
}

static void browser_think_over(struct sim *sim, void *arg)
{
	(void)sim;
	struct browser *b = arg;
	b->ev = 0;
	sim_hostgroup_enter(b->pop->group, b->host);
	browser_start_page(b);
	sim_hostgroup_leave(b->pop->group, b->host);
}

static void browser_visit_start(struct sim *sim, void *arg)
{
	(void)sim;
	struct browser *b = arg;
	struct scn_pop *p = b->pop;
	b->ev = 0;
	if (now_of(p) >= p->stop_ns)
		return;
	b->visiting = true;
	p->out.visits++;
	b->pages_left = (uint32_t)p->cfg->pages;
	sim_hostgroup_enter(p->group, b->host);
	browser_start_page(b);
	sim_hostgroup_leave(p->group, b->host);
}

static void browser_page_done(struct browser *b)
{
	struct scn_pop *p = b->pop;
	synq_time_t now = now_of(p);
	if (--b->pages_left > 0) {
		synq_time_t t = now + scn_dist_sample(&p->cfg->think, &p->rng);
		sim_event_schedule(p->sim, t, browser_think_over, b, &b->ev);
		return;
	}
	b->visiting = false;
	if (p->cfg->close == SCN_CLOSE_CLIENT) {
		while (b->n_conns) {
			struct conn *c = conn_at(p, b->conns[0]);
			c->owner = NONE;
			b->conns[0] = b->conns[--b->n_conns];
			conn_end(c);
		}
	}
	synq_time_t t = now + scn_dist_sample(&p->cfg->pause, &p->rng);
	sim_event_schedule(p->sim, t, browser_visit_start, b, &b->ev);
}

static void browser_start_page(struct browser *b)
{
	struct scn_pop *p = b->pop;
	if (now_of(p) >= p->stop_ns) {
		b->visiting = false;
		return;
	}
	b->to_issue = (uint32_t)p->cfg->objects;
	b->page_pending = true;
	p->out.requests += b->to_issue;
	browser_issue(b);
}

static void browser_issue(struct browser *b)
{
	struct scn_pop *p = b->pop;
	while (b->to_issue > 0 && !(b->page_pending && b->in_flight > 0)) {
		struct conn *idle = NULL;
		for (unsigned i = 0; i < b->n_conns; i++) {
			struct conn *c = conn_at(p, b->conns[i]);
			if (c->phase == PH_IDLE) {
				idle = c;
				break;
			}
		}
		if (idle) {
			b->to_issue--;
			b->in_flight++;
			conn_send_request(idle);
		} else if (b->n_conns < p->cfg->parallel) {
			b->to_issue--;
			b->in_flight++;
			struct conn *c = conn_open(p, b->host, true);
			if (c == NULL) {
				p->out.request_failed[SCN_FAIL_OTHER]++;
				b->in_flight--;
				continue;
			}
			c->owner = b->index;
			b->conns[b->n_conns++] = c->slot;
		} else {
			break;
		}
		if (b->page_pending)
			break;
	}
	if (b->to_issue == 0 && b->in_flight == 0 && b->visiting)
		browser_page_done(b);
}

/* A request of b's finished on c (c->phase is already PH_IDLE when the
 * connection can carry another, PH_WAIT_EOF when the server will close
 * it, PH_FREE when it failed). */
static void browser_request_done(struct browser *b, struct conn *c, bool reusable)
{
	if (b->in_flight)
		b->in_flight--;
	b->page_pending = false;
	if (!reusable) {
		browser_remove(b, c);
		c->owner = NONE;
		/* The server will close it (it said so, or we asked it to):
		 * wait for that; otherwise the client closes now. */
		if (c->phase != PH_WAIT_EOF || !(c->resp_close || wants_close(b->pop)))
			conn_end(c);
	}
	browser_issue(b);
}

/* c, one of b's connections, is gone (closed by either side). */
static void browser_conn_gone(struct browser *b, struct conn *c)
{
	browser_remove(b, c);
}

static void browsers_start(struct scn_pop *p)
{
	/* Browsers arrive spread over the first second (or the population's
	 * whole time if shorter), so that they do not march in step. */
	synq_time_t spread = SYNQ_SEC(1);
	synq_time_t span = p->stop_ns - p->cfg->start_ns;
	if (span < spread)
		spread = span;
	for (uint32_t i = 0; i < p->cfg->count; i++) {
		struct browser *b = &p->browsers[i];
		synq_time_t t = p->cfg->start_ns +
		                (synq_time_t)sim_rng_below(&p->rng, (uint64_t)(spread > 0 ? spread : 1));
		sim_event_schedule(p->sim, t, browser_visit_start, b, &b->ev);
	}
}

/* ------------------------------------------------------------ open loop */

static synq_time_t arrival_gap(struct scn_pop *p)
{
	if (p->cfg->arrivals == SCN_ARRIVALS_EVEN) {
		double gap = 1e9 / p->cfg->rate_per_s;
		return gap < 1 ? 1 : (synq_time_t)gap;
	}
	double u = sim_rng_double(&p->rng);
	double gap = -log(1.0 - u) / p->cfg->rate_per_s * 1e9;
	return gap < 1 ? 1 : (synq_time_t)gap;
}

static uint32_t next_host(struct scn_pop *p)
{
	uint32_t h = p->next_host;
	p->next_host = (h + 1) % p->hosts;
	return h;
}

static void arrival(struct sim *sim, void *arg)
{
	struct scn_pop *p = arg;
	p->spawner = 0;
	synq_time_t now = sim_now(sim);
	if (now >= p->stop_ns)
		return;
	uint32_t host = next_host(p);
	sim_hostgroup_enter(p->group, host);
	bool req = p->cfg->model == SCN_MODEL_POISSON;
	if (req)
		p->out.requests++;
	struct conn *c = conn_open(p, host, req);
	if (c == NULL && req)
		p->out.request_failed[SCN_FAIL_OTHER]++;
	sim_hostgroup_leave(p->group, host);
	sim_event_schedule(sim, now + arrival_gap(p), arrival, p, &p->spawner);
}

/* idle and slowloris: one attempt per 1/rate while below the target. */
static void spawn(struct sim *sim, void *arg)
{
	struct scn_pop *p = arg;
	p->spawner = 0;
	p->spawner_armed = false;
	synq_time_t now = sim_now(sim);
	if (now >= p->stop_ns || p->cfg->rate_per_s <= 0)
		return;
	if (p->out.open_now >= p->cfg->connections)
		return; /* a closing connection kicks us again */
	uint32_t host = next_host(p);
	sim_hostgroup_enter(p->group, host);
	conn_open(p, host, false);
	sim_hostgroup_leave(p->group, host);
	synq_time_t gap = (synq_time_t)(1e9 / p->cfg->rate_per_s);
	if (sim_event_schedule(sim, now + (gap > 0 ? gap : 1), spawn, p, &p->spawner) == 0)
		p->spawner_armed = true;
}

static void spawner_kick(struct scn_pop *p)
{
	if (p->spawner_armed)
		return;
	synq_time_t now = now_of(p);
	if (now >= p->stop_ns)
		return;
	if (sim_event_schedule(p->sim, now, spawn, p, &p->spawner) == 0)
		p->spawner_armed = true;
}

/* ------------------------------------------------------------ setup */

static uint32_t default_hosts(const struct scn_population *cfg)
{
	double h;
	switch (cfg->model) {
	case SCN_MODEL_BROWSER:
		return (uint32_t)cfg->count;
	case SCN_MODEL_IDLE:
	case SCN_MODEL_SLOWLORIS:
		h = ceil((double)cfg->connections / EPHEMERAL_PORTS);
		break;
	default:
		h = ceil(cfg->rate_per_s * TIME_WAIT_HORIZON_S / EPHEMERAL_PORTS);
		break;
	}
	return h < 1 ? 1 : h > 65000 ? 65000 : (uint32_t)h;
}

static uint32_t conn_capacity(const struct scn_population *cfg)
{
	double n;
	switch (cfg->model) {
	case SCN_MODEL_BROWSER:
		n = (double)cfg->count * (double)cfg->parallel * 2;
		break;
	case SCN_MODEL_IDLE:
	case SCN_MODEL_SLOWLORIS:
		n = (double)cfg->connections + 16;
		break;
	default: {
		double horizon = cfg->timeout_ns > 0 ? (double)cfg->timeout_ns / 1e9 : CONNECT_HORIZON_S;
		n = cfg->rate_per_s * (horizon + 5);
		break;
	}
	}
	if (n < 1024)
		n = 1024;
	return n > CONNS_MAX ? CONNS_MAX : (uint32_t)n;
}

int scn_pop_create(struct scn_world *w, unsigned index, struct scn_pop **out, char *why,
                   size_t why_cap)
{
	*out = NULL;
	const struct scenario *scn = w->scn;
	const struct scn_population *cfg = &scn->population[index];
	struct scn_pop *p = calloc_lines(1, sizeof *p);
	if (p == NULL)
		return -ENOMEM;
	p->world = w;
	p->cfg = cfg;
	p->index = index;
	p->free_head = NONE;
	p->port = (uint16_t)(cfg->port ? cfg->port : scn->server.port);
	p->stop_ns = scn_population_stop(scn, cfg);
	p->sim = scn_world_population_sim(w, index);
	sim_rng_split(sim_rng_get(w->sim), &p->rng);
	*out = p;
	if (cfg->model == SCN_MODEL_SYNFLOOD)
		return scn_synflood_create(p, why, why_cap);

	request_prepare(p);
	p->hosts = cfg->hosts ? (uint32_t)cfg->hosts : default_hosts(cfg);
	p->cap_conns = conn_capacity(cfg);
	p->chunks = calloc_lines((p->cap_conns + CHUNK - 1) / CHUNK, sizeof *p->chunks);
	p->chunk_mem = calloc_lines((p->cap_conns + CHUNK - 1) / CHUNK, sizeof *p->chunk_mem);
	p->epfd = calloc_lines(p->hosts, sizeof *p->epfd);
	p->epoll_hot = calloc_lines((size_t)p->hosts * SYNQ_EPOLL_HOT_MAX, sizeof *p->epoll_hot);
	if (cfg->model == SCN_MODEL_BROWSER)
		p->browsers = calloc_lines(cfg->count, sizeof *p->browsers);
	if (!p->chunks || !p->chunk_mem || !p->epfd || !p->epoll_hot || (cfg->model == SCN_MODEL_BROWSER && !p->browsers))
		return -ENOMEM;

	/* Each client host's tables, sized for its share of the work: a
	 * flood of tiny stacks stays small. */
	struct synq_config kcfg = scn->client_kernel;
	uint32_t per_host = p->cap_conns / p->hosts + 1;
	if (per_host > EPHEMERAL_PORTS + 256)
		per_host = EPHEMERAL_PORTS + 256; /* no more can connect from one address */
	if (cfg->model == SCN_MODEL_BROWSER)
		per_host = (uint32_t)cfg->parallel * 2 + 4;
	kcfg.max_connections = per_host + 8;
	kcfg.max_sockets = per_host + 16;
	kcfg.max_requests = 16;
	kcfg.max_listeners = 1;
	uint32_t tw = per_host * 4 < 1024 ? 1024 : per_host * 4;
	kcfg.max_time_wait = tw > EPHEMERAL_PORTS * 2 ? EPHEMERAL_PORTS * 2 : tw;
	uint64_t buffers = (uint64_t)per_host * 32768;
	kcfg.buffer_bytes = (uint32_t)(buffers < (1u << 20) ? (1u << 20)
	                             : buffers > (64u << 20) ? (64u << 20) : buffers);
	char name[SCN_NAME_MAX + 8];
	snprintf(name, sizeof name, "%s", cfg->name);
	struct sim_hostgroup_config gc = {
		.name = name, .first_addr = SCN_POP_PREFIX(index) + 1, .count = p->hosts,
		.stack = &kcfg, .seed = sim_rng_next(&p->rng), .app = pop_app, .warm = pop_warm,
		.app_ctx = p,
	};
	int err = sim_hostgroup_add(p->sim, &gc, &p->group);
	if (err) {
		snprintf(why, why_cap, "population %s: cannot create %u client hosts: %s",
		         cfg->name, p->hosts, strerror(-err));
		return err;
	}
	p->node = sim_hostgroup_node(p->group);
	p->stacks = calloc_lines(p->hosts, sizeof *p->stacks);
	if (p->stacks == NULL)
		return -ENOMEM;
	for (uint32_t h = 0; h < p->hosts; h++)
		p->stacks[h] = sim_hostgroup_stack(p->group, h);
	for (uint32_t h = 0; h < p->hosts; h++) {
		struct synq_stack *s = sim_hostgroup_enter(p->group, h);
		p->epfd[h] = synq_epoll_create(s);
		const void **hot = &p->epoll_hot[h * SYNQ_EPOLL_HOT_MAX];
		size_t n = p->epfd[h] >= 0 ? synq_epoll_hot(s, p->epfd[h], hot) : 0;
		while (n < SYNQ_EPOLL_HOT_MAX)
			hot[n++] = p; /* harmless to ask for */
		sim_hostgroup_leave(p->group, h);
		if (p->epfd[h] < 0) {
			snprintf(why, why_cap, "population %s: epoll_create: %s", cfg->name,
			         strerror(-p->epfd[h]));
			return p->epfd[h];
		}
	}
	for (uint32_t i = 0; cfg->model == SCN_MODEL_BROWSER && i < cfg->count; i++) {
		p->browsers[i].pop = p;
		p->browsers[i].index = i;
		p->browsers[i].host = i % p->hosts;
	}
	return 0;
}

void scn_pop_start(struct scn_pop *p)
{
	const struct scn_population *cfg = p->cfg;
	struct sim *sim = p->sim;
	if (cfg->start_ns >= p->stop_ns)
		return;
	switch (cfg->model) {
	case SCN_MODEL_SYNFLOOD:
		scn_synflood_start(p);
		break;
	case SCN_MODEL_BROWSER:
		browsers_start(p);
		break;
	case SCN_MODEL_POISSON:
	case SCN_MODEL_PROBE:
		if (cfg->rate_per_s > 0)
			sim_event_schedule(sim, cfg->start_ns + arrival_gap(p), arrival, p, &p->spawner);
		break;
	case SCN_MODEL_IDLE:
	case SCN_MODEL_SLOWLORIS:
		if (sim_event_schedule(sim, cfg->start_ns, spawn, p, &p->spawner) == 0)
			p->spawner_armed = true;
		break;
	default:
		break;
	}
}

void scn_pop_finish(struct scn_pop *p)
{
	for (uint32_t i = 0; i < p->used_slots; i++) {
		struct conn *c = conn_at(p, i);
		if (c->phase == PH_CONNECTING) {
			p->out.pending_connects++;
			if (c->want_request || c->owner != NONE)
				p->out.pending_requests++;
		} else if (c->phase == PH_REQUEST) {
			p->out.pending_requests++;
		}
	}
	for (uint32_t i = 0; p->browsers && i < p->cfg->count; i++)
		p->out.pending_requests += p->browsers[i].to_issue;
}

struct scn_outcome *scn_pop_outcome(struct scn_pop *p)
{
	return &p->out;
}

struct sim_node *scn_pop_node(struct scn_pop *p)
{
	return p->node;
}

struct sim_hostgroup *scn_pop_group(struct scn_pop *p)
{
	return p->group;
}

void scn_pop_free(struct scn_pop *p)
{
	if (p == NULL)
		return;
	scn_synflood_free(p);
	sim_hostgroup_free(p->group);
	for (uint32_t i = 0; i < p->n_chunks; i++)
		free(p->chunk_mem[i]);
	free(p->chunks);
	free(p->chunk_mem);
	free(p->epfd);
	free(p->epoll_hot);
	free(p->stacks);
	free(p->browsers);
	free(p);
}
