/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_APP_HTTPD_H
#define SYNQ_APP_HTTPD_H

/* synq httpd: an HTTP/1.1 server with Apache's scoreboard.
 *
 * The server is sans-I/O in the way the stack is. It never reads a clock
 * and never sleeps: the driver passes the current time into
 * synq_httpd_poll(), which takes whatever sockets are ready, fires the
 * server's own due deadlines (request read timeouts, keep-alive, lingering
 * close, the simulated service time), and returns the next deadline. The
 * driver calls it again when that deadline comes or when sockets may have
 * become ready. Sockets are reached through one small socket-operations
 * interface with two backends:
 *
 *   synq_httpd_attach_stack()   a synq stack (synq_* socket API, its epoll)
 *   synq_httpd_attach_sim()     the same, inside a simulated host: the
 *                               attachment schedules its own sim events and
 *                               is driven from the host's app hook
 *                               (pass synq_httpd_sim_app as the hook)
 *   synq_httpd_attach_kernel()  the host kernel's sockets and epoll
 *
 * Worker models (MPMs) and the scoreboard.
 *   prefork  MaxRequestWorkers slots, each holding one connection from
 *            accept() to close; an idle slot waits in accept ('_'). The
 *            listener is read only while a slot is idle, so extra clients
 *            wait in the kernel's accept queue, as with Apache's prefork.
 *   event    one loop multiplexing up to worker_connections connections
 *            per worker (nginx's limit); a connection holds a worker slot
 *            only while reading a request, producing and logging the
 *            reply (R, W, L); keep-alive and lingering close do not hold
 *            one (Apache's event MPM: ConnsAsyncKeepAlive/Closing).
 * Both report slots with Apache's characters (enum synq_httpd_slot_state)
 * through the same scoreboard.
 *
 * Every table is bounded by the config: slots, connections, buffers, the
 * per-address connection counts. Overflows are counted in
 * struct synq_httpd_counters, never a crash. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synq/time.h"

struct synq_httpd;
struct synq_stack;
struct sim_host;

enum synq_httpd_mpm {
	SYNQ_HTTPD_PREFORK = 0,
	SYNQ_HTTPD_EVENT = 1,
};

/* The simulated service time of a request: how long it holds 'W' before
 * the reply is written. */
enum synq_httpd_service {
	SYNQ_HTTPD_SERVICE_NONE = 0,     /* reply at once */
	SYNQ_HTTPD_SERVICE_FIXED,        /* service_mean_ns every time */
	SYNQ_HTTPD_SERVICE_EXPONENTIAL,  /* mean service_mean_ns */
	SYNQ_HTTPD_SERVICE_LOGNORMAL,    /* mean service_mean_ns, log-sd service_sigma */
};

/* Settings under Apache's (or nginx's) directive names, with their
 * defaults; synq_httpd_config_set() takes them by those names. */
struct synq_httpd_config {
	enum synq_httpd_mpm mpm;            /* prefork */
	/* Listen ADDR:PORT (host order; 0.0.0.0:80) */
	uint32_t listen_addr;
	uint16_t listen_port;
	int32_t listen_backlog;             /* ListenBacklog 511 (LISTENQ overrides) */
	/* AcceptFilter http data (Apache: TCP_DEFER_ACCEPT 30 s) or nginx's
	 * listen ... deferred (1 s): seconds, 0 = none. */
	int32_t defer_accept_s;
	/* MaxRequestWorkers: scoreboard slots. 0 = the MPM's default
	 * (prefork 256; event 400 = ServerLimit 16 x ThreadsPerChild 25). */
	uint32_t max_request_workers;
	uint32_t worker_processes;          /* nginx worker_processes 1 (event) */
	uint32_t worker_connections;        /* nginx worker_connections 512 (event) */
	synq_time_t timeout_ns;             /* Timeout 60 s */
	bool keep_alive;                    /* KeepAlive On */
	synq_time_t keep_alive_timeout_ns;  /* KeepAliveTimeout 5 s */
	uint32_t max_keep_alive_requests;   /* MaxKeepAliveRequests 100 (0: unlimited) */
	/* RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500
	 * (mod_reqtimeout). header_ns 0 switches the header stage off (then
	 * Timeout applies between reads); the same for body_ns. */
	synq_time_t reqtimeout_header_ns;
	synq_time_t reqtimeout_header_max_ns;   /* 0: no upper bound */
	uint32_t reqtimeout_header_minrate;     /* bytes/s, 0: no extension */
	synq_time_t reqtimeout_body_ns;
	synq_time_t reqtimeout_body_max_ns;
	uint32_t reqtimeout_body_minrate;
	/* MaxConnPerIP (mod_limitipconn) / limit_conn: 0 = off; over it: 503. */
	uint32_t max_conn_per_ip;
	uint32_t limit_request_line;        /* LimitRequestLine 8190 (414) */
	uint32_t limit_request_fields;      /* LimitRequestFields 100 (431) */
	uint32_t limit_request_field_size;  /* LimitRequestFieldSize 8190 (431) */
	uint64_t limit_request_body;        /* LimitRequestBody 1 GiB (413); 0 none */
	/* Lingering close (Apache's ap_lingering_close(): read and discard
	 * after our FIN, 2 s per read, 30 s in all). Off: close() at once. */
	bool lingering_close;
	bool extended_status;               /* ExtendedStatus On */
	bool access_log;                    /* CustomLog ... combined: on */
	uint64_t response_bytes;            /* synq: body size of GET / etc.: 100 */
	enum synq_httpd_service service;    /* none */
	synq_time_t service_mean_ns;
	double service_sigma;               /* lognormal: sd of log(service) */
	uint64_t seed;                      /* service-time draws */
	char server_name[64];               /* ServerName "localhost" */
};

/* Apache's defaults (and nginx's for the event-model limits). */
void synq_httpd_config_default(struct synq_httpd_config *cfg);

/* Set one directive by its Apache/nginx name (case-insensitive, e.g.
 * "KeepAliveTimeout", "5"; "RequestReadTimeout", "header=20-40,MinRate=500";
 * "Listen", "127.0.0.1:8080"; "AcceptFilter", "http data"; "MPM",
 * "event"). Durations in seconds unless suffixed ms. 0, or -EINVAL with one
 * line naming the directive and value in err (if err is not NULL). */
int synq_httpd_config_set(struct synq_httpd_config *cfg, const char *directive,
                          const char *value, char *err, size_t err_len);

/* UNP's Listen() wrapper: a LISTENQ value (from the environment) replaces
 * the backlog. NULL or empty: no change. 0, or -EINVAL for a bad number. */
int synq_httpd_config_listenq(struct synq_httpd_config *cfg, const char *listenq);

/* Slot states with Apache's scoreboard characters (scoreboard.h). */
enum synq_httpd_slot_state {
	SYNQ_HTTPD_DEAD = '.',        /* open slot with no current process */
	SYNQ_HTTPD_STARTING = 'S',
	SYNQ_HTTPD_READY = '_',       /* waiting for connection */
	SYNQ_HTTPD_BUSY_READ = 'R',
	SYNQ_HTTPD_BUSY_WRITE = 'W',
	SYNQ_HTTPD_BUSY_KEEPALIVE = 'K',
	SYNQ_HTTPD_BUSY_LOG = 'L',
	SYNQ_HTTPD_BUSY_DNS = 'D',
	SYNQ_HTTPD_CLOSING = 'C',
	SYNQ_HTTPD_GRACEFUL = 'G',
	SYNQ_HTTPD_IDLE_KILL = 'I',
};

/* What one finished request looked like, for latency statistics. */
struct synq_httpd_request_info {
	uint32_t slot;
	uint16_t status;
	uint8_t method;               /* enum http_method (http_parse.h) */
	uint64_t bytes_sent;          /* body bytes */
	uint64_t bytes_received;      /* body bytes */
	synq_time_t accepted_ns;      /* the connection's accept */
	synq_time_t start_ns;         /* first byte of this request read */
	synq_time_t read_ns;          /* head (and body) fully read: W begins */
	synq_time_t end_ns;           /* last byte handed to the socket */
	uint32_t peer_addr;           /* host order */
	uint16_t peer_port;
};

/* Optional callbacks, each given ctx. Called from inside synq_httpd_poll(). */
struct synq_httpd_hooks {
	void *ctx;
	/* A slot changed state (the scoreboard's every transition). */
	void (*slot_change)(void *ctx, uint32_t slot, char from, char to, synq_time_t now);
	/* A request finished (after its log line). */
	void (*request_done)(void *ctx, const struct synq_httpd_request_info *r);
	/* One Combined Log Format line, newline included (the 'L' work). */
	void (*access_log)(void *ctx, const char *line, size_t len);
};

/* Create a server (cfg copied, hooks may be NULL). 0, -EINVAL with a bad
 * config, -ENOMEM. Nothing listens until an attach call. */
int synq_httpd_new(struct synq_httpd **out, const struct synq_httpd_config *cfg,
                   const struct synq_httpd_hooks *hooks);
/* Closes every socket the server holds (through its backend). A server
 * attached to a simulated host is freed before sim_destroy(). */
void synq_httpd_free(struct synq_httpd *h);

/* Listen on a synq stack at time now. The driver then calls
 * synq_httpd_poll() after every stack input/advance (the stack's sockets
 * may be ready) and when synq_httpd_next_deadline() comes. 0 or -errno from
 * socket/bind/listen. */
int synq_httpd_attach_stack(struct synq_httpd *h, struct synq_stack *stack, synq_time_t now);

/* Listen on a simulated host's stack. The host must have been added with
 * .app = synq_httpd_sim_app and .app_ctx = h (or its own hook must call
 * synq_httpd_sim_app(h, host)); the server's deadlines become sim events.
 * 0 or -errno. */
int synq_httpd_attach_sim(struct synq_httpd *h, struct sim_host *host);
void synq_httpd_sim_app(void *httpd, struct sim_host *host);

/* Listen on the host kernel (socket, SO_REUSEADDR, bind, listen,
 * TCP_DEFER_ACCEPT; epoll). 0 or -errno. */
int synq_httpd_attach_kernel(struct synq_httpd *h);
/* Kernel backend: block in epoll_wait() up to timeout_ms (-1: forever)
 * and keep what arrives for the next synq_httpd_poll(). Returns the number
 * of events, 0 on timeout, -EINTR when a signal interrupted it. */
int synq_httpd_kernel_wait(struct synq_httpd *h, int timeout_ms);

/* Serve: take ready sockets, run due deadlines, advance every connection
 * as far as it can go at time now. Returns the next deadline
 * (SYNQ_TIME_NEVER: none). Time never goes backwards. */
synq_time_t synq_httpd_poll(struct synq_httpd *h, synq_time_t now);
synq_time_t synq_httpd_next_deadline(const struct synq_httpd *h);

/* now + offset = Unix time in ns, for Date:, the access log and the status
 * pages (default 0: the driver's clock is taken as Unix time). */
void synq_httpd_set_wall_offset(struct synq_httpd *h, int64_t offset_ns);

/* The bound listening port (useful after Listen port 0 on the kernel). */
uint16_t synq_httpd_port(const struct synq_httpd *h);

/* The scoreboard as mod_status prints it: one character per slot, NUL
 * terminated. Returns the slot count (the string length), which may exceed
 * len - 1 (then the string is cut). */
size_t synq_httpd_scoreboard(const struct synq_httpd *h, char *buf, size_t len);
/* One slot's state character (or '.' beyond the slot count). */
char synq_httpd_slot_state(const struct synq_httpd *h, uint32_t slot);
uint32_t synq_httpd_slot_count(const struct synq_httpd *h);

/* Counts of the moment and totals since start. */
struct synq_httpd_counters {
	/* Slots per state, indexed by the state character (by_state['R']). */
	uint32_t by_state[128];
	uint32_t busy_workers;         /* mod_status BusyWorkers */
	uint32_t idle_workers;         /* IdleWorkers ('_') */
	/* Connections (nginx's stub_status and Apache event's Conns*). */
	uint32_t conns_total;          /* open connections (nginx "Active") */
	uint32_t conns_reading;        /* nginx Reading */
	uint32_t conns_writing;        /* nginx Writing */
	uint32_t conns_waiting;        /* nginx Waiting: idle keep-alive */
	uint32_t conns_async_keepalive;/* event: keep-alive without a slot */
	uint32_t conns_async_closing;  /* event: lingering close without a slot */
	uint32_t conns_queued;         /* event: ready, waiting for a free slot */
	/* Totals. */
	uint64_t accepts;              /* nginx accepts */
	uint64_t handled;              /* nginx handled */
	uint64_t requests;             /* nginx requests (every parsed request) */
	uint64_t accesses;             /* Apache Total Accesses (logged) */
	uint64_t bytes_sent;           /* response bytes, heads included */
	uint64_t bytes_received;       /* request body bytes */
	uint64_t duration_ms;          /* Apache Total Duration */
	uint64_t status_counts[6];     /* responses by class: [2] = 2xx ... */
	uint64_t timeouts_header;      /* 408 in the header stage */
	uint64_t timeouts_body;        /* 408 in the body stage */
	uint64_t keepalive_timeouts;
	uint64_t linger_timeouts;
	uint64_t conn_per_ip_refused;  /* 503 MaxConnPerIP */
	uint64_t conn_table_overflows; /* per-address table full: not limited */
	uint64_t accept_errors;
	uint64_t io_errors;            /* reset or failed writes */
	uint64_t status_page_overflows;/* status page larger than its bound */
};

void synq_httpd_counters(const struct synq_httpd *h, struct synq_httpd_counters *c);

enum synq_httpd_page {
	SYNQ_HTTPD_PAGE_STATUS_HTML,   /* /server-status */
	SYNQ_HTTPD_PAGE_STATUS_AUTO,   /* /server-status?auto */
	SYNQ_HTTPD_PAGE_NGINX,         /* /nginx_status */
};

/* Render a status page at time now into buf (NUL terminated). Returns the
 * page length, which may be >= len (then it was cut). */
size_t synq_httpd_page(const struct synq_httpd *h, enum synq_httpd_page page,
                       synq_time_t now, char *buf, size_t len);

/* Memory of one idle kept-alive connection in the event model, its share
 * of the server's tables included, the TCP connection excluded. */
size_t synq_httpd_idle_conn_bytes(void);

#endif
