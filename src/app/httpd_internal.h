/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_APP_HTTPD_INTERNAL_H
#define SYNQ_APP_HTTPD_INTERNAL_H

/* The server's objects, shared by its files: httpd.c (the loop, accept,
 * deadlines, close), conn.c (one connection's state machine), response.c
 * (what a request gets), scoreboard.c, status.c, accesslog.c.
 *
 * Memory. A connection (struct httpd_conn) is small and lives in a table
 * sized by the MPM's limit. The bytes of a request in flight (head,
 * parser, response head, SHA-256 state) live in a struct httpd_buf taken
 * from a pool only while a request is being read or answered: an idle
 * kept-alive connection holds none (nginx frees its buffers in the same
 * situation, ngx_http_set_keepalive()). The pool has one buffer per slot,
 * since only slot holders read or answer. */

#include <nettle/sha2.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/http_parse.h"
#include "app/httpd.h"
#include "app/sockops.h"

#define HTTPD_NONE UINT32_MAX
#define HTTPD_LISTENER_TOKEN UINT64_MAX
#define HTTPD_OUT_BYTES 512u         /* response head, or a small body */
#define HTTPD_LINGER_READ_NS SYNQ_SEC(2)   /* Apache's SECONDS_TO_LINGER */
#define HTTPD_LINGER_MAX_NS SYNQ_SEC(30)   /* Apache's MAX_SECS_TO_LINGER */
#define HTTPD_STATUS_PAGE_MAX (1u << 20)

enum httpd_phase {
	PH_FREE = 0,
	PH_WAIT_SLOT,     /* event: has input, waits for a worker slot */
	PH_READ_HEAD,     /* R (prefork: K for a kept-alive connection's next request) */
	PH_READ_BODY,     /* R */
	PH_SERVICE,       /* W: the simulated service time */
	PH_WRITE,         /* W */
	PH_KEEPALIVE,     /* K: waiting for the next request's first byte */
	PH_LINGER,        /* C: our FIN sent, reading until the peer's */
	PH__COUNT
};

enum httpd_body_kind {
	BODY_NONE = 0,
	BODY_PATTERN,     /* byte i of the body is i % 251 */
	BODY_PAGE,        /* a rendered status page (malloc'd) */
};

enum httpd_conn_flag {
	CF_READABLE = 1u << 0,
	CF_WRITABLE = 1u << 1,
	CF_QUEUED = 1u << 2,      /* on the run list */
	CF_EOF = 1u << 3,         /* the peer's FIN was read */
	CF_OVER_LIMIT = 1u << 4,  /* over MaxConnPerIP: answer 503 */
	CF_KEEP = 1u << 5,        /* the current reply keeps the connection */
	CF_ABORTED = 1u << 6,     /* reset or write failure: no lingering */
	CF_TIMEOUT = 1u << 7,     /* its deadline passed */
};

struct httpd_buf {
	struct httpd_buf *next_free;
	uint32_t in_cap;
	uint32_t in_len;
	size_t pos;                    /* parser position / consumed bytes */
	bool head_done;
	bool hashing;
	bool continue_sent;
	uint8_t body_kind;
	uint8_t after_write;           /* phase after the write: READ_BODY or log */
	uint16_t status;
	uint32_t out_len;
	uint32_t out_off;
	uint64_t body_total;           /* reply body bytes */
	uint64_t body_sent;
	uint64_t req_body_left;        /* request body bytes still to read */
	uint64_t req_body_read;
	char *page;
	synq_time_t req_start;         /* first byte of the request */
	synq_time_t read_done;
	struct sha256_ctx sha;
	struct http_request req;
	char out[HTTPD_OUT_BYTES];
	uint8_t in[];                  /* in_cap bytes */
};

struct httpd_conn {
	int32_t fd;
	uint32_t gen;
	uint8_t phase;                 /* enum httpd_phase */
	uint8_t flags;                 /* enum httpd_conn_flag */
	uint16_t peer_port;
	uint32_t slot;                 /* HTTPD_NONE: holds none */
	uint32_t heap_index;           /* HTTPD_NONE: no deadline */
	uint32_t peer_addr;
	uint32_t next;                 /* run list / slot wait queue / free list */
	uint32_t requests;             /* finished on this connection */
	synq_time_t deadline;
	synq_time_t limit;             /* reqtimeout's upper bound, linger's 30 s */
	synq_time_t accepted_at;
	struct httpd_buf *buf;
};

struct httpd_slot {
	char state;
	uint32_t conn;                 /* HTTPD_NONE */
	uint64_t accesses;
	uint64_t bytes;
	uint64_t conn_bytes;
	uint32_t conn_accesses;
	uint32_t last_req_ms;
	uint64_t duration_ms;
	synq_time_t last_req_start;
	uint32_t client;
	char request[64];
};

struct httpd_ipcount {
	uint32_t addr;                 /* 0: empty */
	uint32_t count;
};

/* The last 200 head without a Keep-Alive header, as built for the second
 * date_sec (sec), its Content-Length, type and Connection: close. */
struct httpd_head_cache {
	int64_t sec;
	uint64_t content_length;
	const char *type;
	bool close;
	uint32_t len;                  /* 0: empty */
	char text[HTTPD_OUT_BYTES];
};

struct synq_httpd {
	struct synq_httpd_config cfg;
	struct synq_httpd_hooks hooks;
	struct httpd_backend be;
	bool attached;
	bool kernel;
	int lfd;
	bool listen_on;                /* the listener is watched for EPOLLIN */
	bool listen_ready;
	uint16_t port;
	synq_time_t now;
	synq_time_t started;
	int64_t wall_offset_ns;
	struct http_limits limits;

	uint32_t nslots;
	struct httpd_slot *slots;
	uint32_t *free_slots;          /* stack of '_' slots */
	uint32_t nfree_slots;

	uint32_t nconns;
	struct httpd_conn *conns;
	uint32_t free_conn;            /* head of the free list */
	uint32_t conns_open;
	uint32_t phase_count[PH__COUNT];

	uint32_t in_cap;
	struct httpd_buf *free_bufs;
	struct httpd_buf **all_bufs;
	uint32_t nbufs;

	uint32_t *heap;                /* conn indices, min-heap on deadline */
	uint32_t heap_len;

	uint32_t run_head, run_tail;
	uint32_t wait_head, wait_tail; /* event: conns waiting for a slot */

	struct httpd_ipcount *ipcount;
	uint32_t ipcount_cap;

	uint64_t rng;
	struct synq_httpd_counters tot;

	int64_t date_sec;
	char date[40];
	struct httpd_head_cache head_ok;  /* response.c's head() */
	uint8_t scratch[4096];         /* lingering close discards into it */

	/* Simulator attachment. */
	struct sim_host *host;
	struct sim *sim;
	uint64_t sim_event;
	synq_time_t sim_event_at;
};

/* httpd.c */
void httpd_deadline_set(struct synq_httpd *h, struct httpd_conn *c, synq_time_t t);
void httpd_run_later(struct synq_httpd *h, struct httpd_conn *c);
void httpd_conn_close(struct synq_httpd *h, struct httpd_conn *c);
bool httpd_slot_acquire(struct synq_httpd *h, struct httpd_conn *c);
void httpd_slot_release(struct synq_httpd *h, struct httpd_conn *c);
struct httpd_buf *httpd_buf_get(struct synq_httpd *h);
void httpd_buf_put(struct synq_httpd *h, struct httpd_buf *b);
void httpd_phase_set(struct synq_httpd *h, struct httpd_conn *c, enum httpd_phase ph);
const char *httpd_date(struct synq_httpd *h);
int64_t httpd_unix_s(const struct synq_httpd *h, synq_time_t t);

/* sim.c */
void httpd_sim_detach(struct synq_httpd *h);

/* conn.c */
void httpd_conn_run(struct synq_httpd *h, struct httpd_conn *c);
void httpd_conn_start(struct synq_httpd *h, struct httpd_conn *c);

/* response.c */
void httpd_response_build(struct synq_httpd *h, struct httpd_conn *c);
void httpd_response_error(struct synq_httpd *h, struct httpd_conn *c, uint16_t status);
size_t httpd_pattern_chunk(uint64_t offset, uint64_t left, const uint8_t **data);
synq_time_t httpd_service_draw(struct synq_httpd *h);

/* scoreboard.c */
void httpd_slot_set(struct synq_httpd *h, uint32_t slot, char state);

/* accesslog.c */
void httpd_access_log(struct synq_httpd *h, struct httpd_conn *c);

/* time.c: pure calendar formatting (gmtime_r), no clock. */
void httpd_fmt_http_date(int64_t unix_s, char *buf, size_t len);
void httpd_fmt_clf_date(int64_t unix_s, char *buf, size_t len);
void httpd_fmt_status_date(int64_t unix_s, char *buf, size_t len);

#endif
