/* SPDX-License-Identifier: BSD-2-Clause */
/* The server's loop: readiness in, deadlines, accept, slots, close.
 *
 * synq_httpd_poll(now) does, in order:
 *   1. drain ready descriptors from the backend: a connection's readiness
 *      is remembered in its flags (edge-triggered, so a flag stays set
 *      until a read or write says EAGAIN) and the connection joins the
 *      run list;
 *   2. pop every connection whose deadline is due onto the run list,
 *      marked CF_TIMEOUT (the deadlines are a binary min-heap, never a
 *      scan of all connections);
 *   3. accept while the MPM has room: prefork while a slot waits in
 *      accept ('_'), event while the connection table (worker_connections
 *      per worker) has room. When there is no room the listener is no
 *      longer watched, so new connections wait in the kernel's accept
 *      queue exactly as they do behind a busy Apache (its accept mutex
 *      holders are all busy) or a full nginx worker;
 *   4. run each connection on the run list as far as it can go (conn.c);
 *   5. return the earliest deadline.
 *
 * Accept hands a connection to one waiting slot at a time, as the kernel
 * wakes one waiter on a listening socket with EPOLLEXCLUSIVE or an accept
 * mutex: slots are taken from a stack, so the most recently freed slot
 * (the "hottest" Apache child) serves next. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/cacheline.h"
#include "app/httpd_internal.h"
#include "synq/host.h"

#define CONN_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)
/* Edge-triggered too: listen_ready stays set until an accept() says
 * EAGAIN, so the listener need not be looked at again after every
 * report, as a level-triggered watch would have it. */
#define LISTEN_EVENTS (EPOLLIN | EPOLLET)

/* ------------------------------------------------------------- deadlines */

static bool heap_less(const struct synq_httpd *h, uint32_t a, uint32_t b)
{
	return h->conns[h->heap[a]].deadline < h->conns[h->heap[b]].deadline;
}

static void heap_swap(struct synq_httpd *h, uint32_t a, uint32_t b)
{
	uint32_t t = h->heap[a];
	h->heap[a] = h->heap[b];
	h->heap[b] = t;
	h->conns[h->heap[a]].heap_index = a;
	h->conns[h->heap[b]].heap_index = b;
}

static void heap_up(struct synq_httpd *h, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!heap_less(h, i, p))
			break;
		heap_swap(h, i, p);
		i = p;
	}
}

static void heap_down(struct synq_httpd *h, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->heap_len && heap_less(h, l, m))
			m = l;
		if (r < h->heap_len && heap_less(h, r, m))
			m = r;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
}

static void heap_remove(struct synq_httpd *h, struct httpd_conn *c)
{
	uint32_t i = c->heap_index;
	if (i == HTTPD_NONE)
		return;
	c->heap_index = HTTPD_NONE;
	uint32_t last = --h->heap_len;
	if (i != last) {
		h->heap[i] = h->heap[last];
		h->conns[h->heap[i]].heap_index = i;
		heap_up(h, i);
		heap_down(h, h->conns[h->heap[i]].heap_index);
	}
}

void httpd_deadline_set(struct synq_httpd *h, struct httpd_conn *c, synq_time_t t)
{
	synq_time_t old = c->deadline;
	c->deadline = t;
	if (t == SYNQ_TIME_NEVER) {
		heap_remove(h, c);
		return;
	}
	if (c->heap_index == HTTPD_NONE) {
		uint32_t i = h->heap_len++;
		h->heap[i] = (uint32_t)(c - h->conns);
		c->heap_index = i;
		heap_up(h, i);
	} else if (t < old) {
		heap_up(h, c->heap_index);   /* an earlier key only climbs */
	} else if (t > old) {
		heap_down(h, c->heap_index); /* a later one only sinks */
	}
}

synq_time_t synq_httpd_next_deadline(const struct synq_httpd *h)
{
	if (h->heap_len == 0)
		return SYNQ_TIME_NEVER;
	return h->conns[h->heap[0]].deadline;
}

/* -------------------------------------------------------------- run list */

void httpd_run_later(struct synq_httpd *h, struct httpd_conn *c)
{
	if (c->flags & CF_QUEUED)
		return;
	c->flags |= CF_QUEUED;
	uint32_t i = (uint32_t)(c - h->conns);
	c->next = HTTPD_NONE;
	if (h->run_tail == HTTPD_NONE)
		h->run_head = i;
	else
		h->conns[h->run_tail].next = i;
	h->run_tail = i;
}

/* ----------------------------------------------------------------- phases */

void httpd_phase_set(struct synq_httpd *h, struct httpd_conn *c, enum httpd_phase ph)
{
	h->phase_count[c->phase]--;
	c->phase = (uint8_t)ph;
	h->phase_count[ph]++;
}

/* ------------------------------------------------------------------ slots */

bool httpd_slot_acquire(struct synq_httpd *h, struct httpd_conn *c)
{
	if (c->slot != HTTPD_NONE)
		return true;
	if (h->nfree_slots == 0) {
		/* event: wait in FIFO order for a worker */
		uint32_t i = (uint32_t)(c - h->conns);
		httpd_phase_set(h, c, PH_WAIT_SLOT);
		httpd_deadline_set(h, c, SYNQ_TIME_NEVER);
		c->next = HTTPD_NONE;
		if (h->wait_tail == HTTPD_NONE)
			h->wait_head = i;
		else
			h->conns[h->wait_tail].next = i;
		h->wait_tail = i;
		return false;
	}
	uint32_t s = h->free_slots[--h->nfree_slots];
	c->slot = s;
	h->slots[s].conn = (uint32_t)(c - h->conns);
	h->slots[s].conn_bytes = 0;
	h->slots[s].conn_accesses = 0;
	h->slots[s].client = c->peer_addr;
	return true;
}

void httpd_slot_release(struct synq_httpd *h, struct httpd_conn *c)
{
	uint32_t s = c->slot;
	if (s == HTTPD_NONE)
		return;
	c->slot = HTTPD_NONE;
	h->slots[s].conn = HTTPD_NONE;
	httpd_slot_set(h, s, SYNQ_HTTPD_READY);
	h->free_slots[h->nfree_slots++] = s;
	/* event: hand the slot to the longest-waiting connection */
	if (h->wait_head != HTTPD_NONE) {
		struct httpd_conn *w = &h->conns[h->wait_head];
		h->wait_head = w->next;
		if (h->wait_head == HTTPD_NONE)
			h->wait_tail = HTTPD_NONE;
		w->next = HTTPD_NONE;
		httpd_slot_acquire(h, w);
		httpd_conn_start(h, w);
		httpd_run_later(h, w);
	}
}

/* ---------------------------------------------------------------- buffers */

struct httpd_buf *httpd_buf_get(struct synq_httpd *h)
{
	struct httpd_buf *b = h->free_bufs;
	if (b == NULL)
		return NULL;
	h->free_bufs = b->next_free;
	b->next_free = NULL;
	b->in_len = 0;
	b->pos = 0;
	return b;
}

void httpd_buf_put(struct synq_httpd *h, struct httpd_buf *b)
{
	if (b == NULL)
		return;
	free(b->page);
	b->page = NULL;
	b->next_free = h->free_bufs;
	h->free_bufs = b;
}

/* ------------------------------------------------------- per-address limit */

static struct httpd_ipcount *ipcount_find(struct synq_httpd *h, uint32_t addr, bool add)
{
	uint32_t mask = h->ipcount_cap - 1;
	uint32_t i = (addr * 2654435761u) & mask;
	for (uint32_t n = 0; n < h->ipcount_cap; n++, i = (i + 1) & mask) {
		struct httpd_ipcount *e = &h->ipcount[i];
		if (e->addr == addr && e->count > 0)
			return e;
		if (e->count == 0) {
			if (!add)
				continue;
			e->addr = addr;
			return e;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ connections */

void httpd_conn_close(struct synq_httpd *h, struct httpd_conn *c)
{
	h->be.ops->close(h->be.ctx, c->fd);
	httpd_deadline_set(h, c, SYNQ_TIME_NEVER);
	if (h->cfg.max_conn_per_ip && h->ipcount) {
		struct httpd_ipcount *e = ipcount_find(h, c->peer_addr, false);
		if (e != NULL)
			e->count--;
	}
	httpd_buf_put(h, c->buf);
	c->buf = NULL;
	httpd_phase_set(h, c, PH_FREE);
	httpd_slot_release(h, c);
	c->fd = -1;
	c->gen++;
	c->flags &= CF_QUEUED;   /* a queued entry is skipped as free */
	uint32_t i = (uint32_t)(c - h->conns);
	if (!(c->flags & CF_QUEUED)) {
		c->next = h->free_conn;
		h->free_conn = i;
	}
	h->conns_open--;
}

static bool can_accept(const struct synq_httpd *h)
{
	if (h->free_conn == HTTPD_NONE)
		return false;
	return h->cfg.mpm == SYNQ_HTTPD_EVENT || h->nfree_slots > 0;
}

static void listener_watch(struct synq_httpd *h)
{
	bool want = can_accept(h);
	if (want == h->listen_on)
		return;
	h->listen_on = want;
	h->be.ops->rewatch(h->be.ctx, h->lfd, want ? LISTEN_EVENTS : 0, HTTPD_LISTENER_TOKEN);
}

static void accept_all(struct synq_httpd *h)
{
	while (h->listen_ready && can_accept(h)) {
		uint32_t addr = 0;
		uint16_t port = 0;
		uint32_t ready = 0;
		int fd = h->be.ops->accept(h->be.ctx, h->lfd, &addr, &port, &ready);
		if (fd < 0) {
			if (fd != -EAGAIN)
				h->tot.accept_errors++;
			h->listen_ready = false;
			break;
		}
		uint32_t i = h->free_conn;
		struct httpd_conn *c = &h->conns[i];
		h->free_conn = c->next;
		memset(c, 0, offsetof(struct httpd_conn, gen));
		c->fd = fd;
		c->slot = HTTPD_NONE;
		c->heap_index = HTTPD_NONE;
		c->next = HTTPD_NONE;
		c->peer_addr = addr;
		c->peer_port = port;
		c->accepted_at = h->now;
		c->deadline = SYNQ_TIME_NEVER;
		c->phase = PH_FREE;
		c->requests = 0;
		c->buf = NULL;
		/* Edge-triggered: what the socket can do now. A connection
		 * whose request has not come yet is not read in vain (its
		 * EPOLLIN comes with the request). */
		c->flags = CF_WRITABLE;
		if (ready & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			c->flags |= CF_READABLE;
		h->conns_open++;
		h->tot.accepts++;
		h->tot.handled++;
		if (h->cfg.max_conn_per_ip) {
			struct httpd_ipcount *e = ipcount_find(h, addr, true);
			if (e == NULL) {
				h->tot.conn_table_overflows++;
			} else if (++e->count > h->cfg.max_conn_per_ip) {
				c->flags |= CF_OVER_LIMIT;
			}
		}
		h->be.ops->watch(h->be.ctx, fd, CONN_EVENTS, ((uint64_t)c->gen << 32) | i);
		httpd_phase_set(h, c, PH_KEEPALIVE);   /* placeholder until it starts */
		if (httpd_slot_acquire(h, c))
			httpd_conn_start(h, c);
		/* Nothing to read yet: a run would only find the buffer
		 * empty (or wait for a slot); the request's EPOLLIN runs it. */
		if (c->flags & CF_READABLE)
			httpd_run_later(h, c);
	}
	listener_watch(h);
}

/* ------------------------------------------------------------------ poll */

/* Step 1: note what the backend reports ready. Returns how many it did. */
static int take_ready(struct synq_httpd *h)
{
	struct httpd_ready ev[64];
	int n, total = 0;
	while ((n = h->be.ops->wait(h->be.ctx, ev, 64)) > 0) {
		total += n;
		for (int k = 0; k < n; k++) {
			if (ev[k].token == HTTPD_LISTENER_TOKEN) {
				h->listen_ready = true;
				continue;
			}
			uint32_t i = (uint32_t)ev[k].token;
			uint32_t gen = (uint32_t)(ev[k].token >> 32);
			if (i >= h->nconns)
				continue;
			struct httpd_conn *c = &h->conns[i];
			if (c->gen != gen || c->phase == PH_FREE)
				continue;   /* closed since */
			if (ev[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				c->flags |= CF_READABLE;
			if (ev[k].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
				c->flags |= CF_WRITABLE;
			httpd_run_later(h, c);
		}
		if (n < 64)
			break;
	}
	return total;
}

static bool deadline_due(const struct synq_httpd *h)
{
	return h->heap_len > 0 && h->conns[h->heap[0]].deadline <= h->now;
}

synq_time_t synq_httpd_poll(struct synq_httpd *h, synq_time_t now)
{
	if (!h->attached)
		return SYNQ_TIME_NEVER;
	if (now > h->now)
		h->now = now;
	/* The backend's word says at once that nothing is ready. */
	if (h->be.quiet && *h->be.quiet == UINT32_MAX && !h->listen_ready &&
	    h->run_head == HTTPD_NONE && !deadline_due(h))
		return synq_httpd_next_deadline(h);
	/* Most polls (after a stack event that made nothing ready: a SYN,
	 * an ACK of our data) have nothing to do. Every poll ends with the
	 * run list empty and the listener's watch matching can_accept(), and
	 * nothing but a poll changes either, so such a poll returns at once. */
	if (take_ready(h) == 0 && !h->listen_ready && h->run_head == HTTPD_NONE &&
	    !deadline_due(h))
		return synq_httpd_next_deadline(h);
	while (deadline_due(h)) {
		struct httpd_conn *c = &h->conns[h->heap[0]];
		heap_remove(h, c);
		c->deadline = SYNQ_TIME_NEVER;
		c->flags |= CF_TIMEOUT;
		httpd_run_later(h, c);
	}
	for (;;) {
		accept_all(h);
		if (h->run_head == HTTPD_NONE)
			break;
		while (h->run_head != HTTPD_NONE) {
			uint32_t i = h->run_head;
			struct httpd_conn *c = &h->conns[i];
			h->run_head = c->next;
			if (h->run_head == HTTPD_NONE)
				h->run_tail = HTTPD_NONE;
			c->flags &= (uint8_t)~CF_QUEUED;
			if (c->phase == PH_FREE) {
				if (c->fd == -1) {   /* closed while queued: free it now */
					c->next = h->free_conn;
					h->free_conn = i;
				}
				continue;
			}
			httpd_conn_run(h, c);
		}
	}
	/* The loop ends right after accept_all(), whose listener_watch()
	 * left the listener's watch matching can_accept(). */
	return synq_httpd_next_deadline(h);
}

/* ------------------------------------------------------------ lifecycle */

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

int synq_httpd_new(struct synq_httpd **out, const struct synq_httpd_config *cfg,
                   const struct synq_httpd_hooks *hooks)
{
	*out = NULL;
	struct synq_httpd_config c = *cfg;
	if (c.max_request_workers == 0)
		c.max_request_workers = c.mpm == SYNQ_HTTPD_EVENT ? 400 : 256;
	if (c.worker_processes == 0)
		c.worker_processes = 1;
	if (c.max_request_workers > 1u << 20 || c.worker_connections > 1u << 20 ||
	    c.worker_processes > 64 || c.limit_request_line < 16 ||
	    c.limit_request_line > 65536 || c.limit_request_field_size < 16 ||
	    c.limit_request_field_size > 65536 || c.listen_backlog < 0 ||
	    (c.mpm == SYNQ_HTTPD_EVENT && c.worker_connections == 0))
		return -EINVAL;
	struct synq_httpd *h = calloc_lines(1, sizeof *h);
	if (h == NULL)
		return -ENOMEM;
	h->cfg = c;
	if (hooks)
		h->hooks = *hooks;
	h->lfd = -1;
	h->limits = (struct http_limits){ .request_line = c.limit_request_line,
	                                  .fields = c.limit_request_fields,
	                                  .field_size = c.limit_request_field_size,
	                                  .body = c.limit_request_body };
	h->nslots = c.max_request_workers;
	h->nconns = c.mpm == SYNQ_HTTPD_PREFORK ? h->nslots
	                                         : c.worker_connections * c.worker_processes;
	h->in_cap = c.limit_request_line + c.limit_request_field_size + 256;
	h->rng = c.seed ^ 0x9e3779b97f4a7c15u;
	h->run_head = h->run_tail = HTTPD_NONE;
	h->wait_head = h->wait_tail = HTTPD_NONE;
	h->slots = calloc_lines(h->nslots, sizeof *h->slots);
	h->free_slots = calloc_lines(h->nslots, sizeof *h->free_slots);
	h->conns = calloc_lines(h->nconns, sizeof *h->conns);
	h->heap = calloc_lines(h->nconns, sizeof *h->heap);
	h->nbufs = h->nslots < h->nconns ? h->nslots : h->nconns;
	h->all_bufs = calloc_lines(h->nbufs, sizeof *h->all_bufs);
	if (c.max_conn_per_ip) {
		h->ipcount_cap = pow2_at_least(2 * h->nconns);
		h->ipcount = calloc_lines(h->ipcount_cap, sizeof *h->ipcount);
	}
	if (!h->slots || !h->free_slots || !h->conns || !h->heap || !h->all_bufs ||
	    (c.max_conn_per_ip && !h->ipcount)) {
		synq_httpd_free(h);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < h->nbufs; i++) {
		struct httpd_buf *b = calloc_lines(1, sizeof *b + h->in_cap);
		if (b == NULL) {
			synq_httpd_free(h);
			return -ENOMEM;
		}
		b->in_cap = h->in_cap;
		h->all_bufs[i] = b;
		b->next_free = h->free_bufs;
		h->free_bufs = b;
	}
	/* Slots pop from the top of the stack: push the highest first so
	 * slot 0 serves first, as Apache's first child does. */
	for (uint32_t i = 0; i < h->nslots; i++) {
		h->slots[i].state = SYNQ_HTTPD_READY;
		h->slots[i].conn = HTTPD_NONE;
		h->free_slots[h->nfree_slots++] = h->nslots - 1 - i;
	}
	h->free_conn = HTTPD_NONE;
	for (uint32_t i = h->nconns; i-- > 0;) {
		h->conns[i].fd = -1;
		h->conns[i].slot = HTTPD_NONE;
		h->conns[i].heap_index = HTTPD_NONE;
		h->conns[i].deadline = SYNQ_TIME_NEVER;
		h->conns[i].next = h->free_conn;
		h->free_conn = i;
	}
	h->phase_count[PH_FREE] = h->nconns;
	*out = h;
	return 0;
}

void synq_httpd_free(struct synq_httpd *h)
{
	if (h == NULL)
		return;
	if (h->attached) {
		if (h->host != NULL)
			sim_host_enter(h->host);
		for (uint32_t i = 0; i < h->nconns; i++)
			if (h->conns[i].fd >= 0)
				h->be.ops->close(h->be.ctx, h->conns[i].fd);
		if (h->lfd >= 0)
			h->be.ops->close(h->be.ctx, h->lfd);
		h->be.ops->destroy(h->be.ctx);
		if (h->host != NULL)
			sim_host_leave(h->host);
	}
	if (h->sim != NULL)
		httpd_sim_detach(h);
	if (h->all_bufs) {
		for (uint32_t i = 0; i < h->nbufs; i++) {
			if (h->all_bufs[i])
				free(h->all_bufs[i]->page);
			free(h->all_bufs[i]);
		}
	}
	free(h->all_bufs);
	free(h->slots);
	free(h->free_slots);
	free(h->conns);
	free(h->heap);
	free(h->ipcount);
	free(h);
}

static int attach(struct synq_httpd *h, synq_time_t now)
{
	h->now = now;
	h->started = now;
	int fd = h->be.ops->listen(h->be.ctx, h->cfg.listen_addr, h->cfg.listen_port,
	                           h->cfg.listen_backlog, h->cfg.defer_accept_s);
	if (fd < 0) {
		h->be.ops->destroy(h->be.ctx);
		return fd;
	}
	h->lfd = fd;
	int port = h->be.ops->local_port(h->be.ctx, fd);
	h->port = port > 0 ? (uint16_t)port : h->cfg.listen_port;
	int err = h->be.ops->watch(h->be.ctx, fd, LISTEN_EVENTS, HTTPD_LISTENER_TOKEN);
	if (err) {
		h->be.ops->close(h->be.ctx, fd);
		h->be.ops->destroy(h->be.ctx);
		h->lfd = -1;
		return err;
	}
	h->listen_on = true;
	h->attached = true;
	return 0;
}

int synq_httpd_attach_stack(struct synq_httpd *h, struct synq_stack *stack, synq_time_t now)
{
	if (h->attached)
		return -EALREADY;
	int err = httpd_backend_synq(&h->be, stack);
	return err ? err : attach(h, now);
}

int synq_httpd_attach_kernel(struct synq_httpd *h)
{
	if (h->attached)
		return -EALREADY;
	int err = httpd_backend_kernel(&h->be);
	if (err)
		return err;
	h->kernel = true;
	return attach(h, 0);
}

int synq_httpd_kernel_wait(struct synq_httpd *h, int timeout_ms)
{
	if (!h->kernel)
		return -EINVAL;
	return httpd_backend_kernel_block(h->be.ctx, timeout_ms);
}

void synq_httpd_set_wall_offset(struct synq_httpd *h, int64_t offset_ns)
{
	h->wall_offset_ns = offset_ns;
}

uint16_t synq_httpd_port(const struct synq_httpd *h)
{
	return h->port;
}

int64_t httpd_unix_s(const struct synq_httpd *h, synq_time_t t)
{
	return (t + h->wall_offset_ns) / 1000000000;
}

const char *httpd_date(struct synq_httpd *h)
{
	int64_t s = httpd_unix_s(h, h->now);
	if (s != h->date_sec || h->date[0] == '\0') {
		h->date_sec = s;
		httpd_fmt_http_date(s, h->date, sizeof h->date);
	}
	return h->date;
}

size_t synq_httpd_idle_conn_bytes(void)
{
	/* the connection object, its heap slot, and its share of the
	 * per-address table (two entries per connection at most) */
	return sizeof(struct httpd_conn) + sizeof(uint32_t) + 2 * sizeof(struct httpd_ipcount);
}
