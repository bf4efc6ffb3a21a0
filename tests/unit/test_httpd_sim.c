/* SPDX-License-Identifier: BSD-2-Clause */
/* synq httpd in the simulator: scripted clients on one host, the server on
 * another, 5 ms apart. Covers the scoreboard's transitions at exact
 * virtual instants, idle connections against prefork and event with and
 * without RequestReadTimeout, TCP_DEFER_ACCEPT against them, the status
 * pages, keep-alive and pipelining, bulk bodies
 * both ways with their SHA-256, the error statuses end to end,
 * MaxConnPerIP, and determinism. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/httpd.h"
#include "synq/host.h"
#include "synq/sim.h"
#include "synq/socket.h"

#define SERVER_ADDR 0x0a000002u
#define CLIENT_ADDR 0x0a000001u
#define PORT 80
#define MAX_CLIENTS 160
#define RESP_MAX (1u << 20)
#define DELAY SYNQ_MSEC(5)

struct client {
	int fd;
	bool open;
	const char *req;
	size_t req_len;
	size_t sent;
	bool send_now;
	uint8_t *resp;
	size_t rlen;
	uint64_t rtotal;           /* bytes read, also past RESP_MAX */
	bool eof;
	bool closed;
	synq_time_t first_byte_at;
	synq_time_t eof_at;
	/* a bulk body generated on the fly instead of req */
	uint64_t body_bytes;
	uint64_t body_sent;
};

struct transition {
	char to;
	synq_time_t at;
};

struct world {
	struct sim *sim;
	struct sim_host *srv;
	struct sim_host *cli;
	struct synq_httpd *h;
	struct client c[MAX_CLIENTS];
	struct transition tr[64];
	int ntr;
	uint32_t watch_slot;
	int max_r;                 /* most slots seen in R at once */
	char log_last[512];
	int log_lines;
};

/* ----------------------------------------------------------- the client */

static void client_io(struct world *w, struct client *c, struct synq_stack *s)
{
	if (!c->open || c->closed)
		return;
	if (c->send_now && c->req && c->sent < c->req_len) {
		ssize_t n = synq_write(s, c->fd, c->req + c->sent, c->req_len - c->sent);
		if (n > 0)
			c->sent += (size_t)n;
	}
	if (c->send_now && c->sent == c->req_len) {
		while (c->body_sent < c->body_bytes) {
			uint8_t chunk[8192];
			size_t n = sizeof chunk;
			if (c->body_bytes - c->body_sent < n)
				n = (size_t)(c->body_bytes - c->body_sent);
			for (size_t i = 0; i < n; i++)
				chunk[i] = (uint8_t)((c->body_sent + i) % 251);
			ssize_t k = synq_write(s, c->fd, chunk, n);
			if (k <= 0)
				break;
			c->body_sent += (uint64_t)k;
		}
	}
	for (;;) {
		uint8_t buf[16384];
		ssize_t n = synq_read(s, c->fd, buf, sizeof buf);
		if (n > 0) {
			if (c->rtotal == 0)
				c->first_byte_at = sim_now(w->sim);
			size_t room = RESP_MAX - c->rlen;
			size_t k = (size_t)n < room ? (size_t)n : room;
			memcpy(c->resp + c->rlen, buf, k);
			c->rlen += k;
			c->rtotal += (uint64_t)n;
			continue;
		}
		if (n == 0 && !c->eof) {
			c->eof = true;
			c->eof_at = sim_now(w->sim);
			synq_close(s, c->fd);
			c->closed = true;
		}
		break;
	}
}

static void client_app(void *ctx, struct sim_host *host)
{
	struct world *w = ctx;
	struct synq_stack *s = sim_host_stack(host);
	for (int i = 0; i < MAX_CLIENTS; i++)
		client_io(w, &w->c[i], s);
}

struct action {
	struct world *w;
	int i;
	int kind;   /* 0 connect, 1 send, 2 close */
};

static struct action actions[4096];
static int nactions;

static void run_action(struct sim *sim, void *arg)
{
	(void)sim;
	struct action *a = arg;
	struct world *w = a->w;
	struct client *c = &w->c[a->i];
	struct synq_stack *s = sim_host_enter(w->cli);
	if (a->kind == 0) {
		c->fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(c->fd >= 0);
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
		                          .sin_addr.s_addr = htonl(SERVER_ADDR) };
		assert_int_equal(synq_connect(s, c->fd, (struct sockaddr *)&to, sizeof to),
		                 -EINPROGRESS);
		c->open = true;
	} else if (a->kind == 1) {
		c->send_now = true;
		client_io(w, c, s);
	} else if (a->kind == 2 && !c->closed) {
		synq_close(s, c->fd);
		c->closed = true;
	}
	sim_host_leave(w->cli);
}

static void at(struct world *w, synq_time_t t, int i, int kind)
{
	assert_true(nactions < (int)(sizeof actions / sizeof actions[0]));
	struct action *a = &actions[nactions++];
	*a = (struct action){ .w = w, .i = i, .kind = kind };
	assert_int_equal(sim_event_schedule(w->sim, t, run_action, a, NULL), 0);
}

/* Client i connects at t and sends req at send_at (req NULL: never). */
static void client(struct world *w, int i, synq_time_t t, const char *req, synq_time_t send_at)
{
	struct client *c = &w->c[i];
	c->req = req;
	c->req_len = req ? strlen(req) : 0;
	at(w, t, i, 0);
	if (req)
		at(w, send_at, i, 1);
}

/* ----------------------------------------------------------- the server */

static void on_slot(void *ctx, uint32_t slot, char from, char to, synq_time_t now)
{
	(void)from;
	struct world *w = ctx;
	if (slot == w->watch_slot && w->ntr < 64)
		w->tr[w->ntr++] = (struct transition){ to, now };
	struct synq_httpd_counters cnt;
	synq_httpd_counters(w->h, &cnt);
	if ((int)cnt.by_state['R'] > w->max_r)
		w->max_r = (int)cnt.by_state['R'];
}

static void on_log(void *ctx, const char *line, size_t len)
{
	struct world *w = ctx;
	size_t n = len < sizeof w->log_last - 1 ? len : sizeof w->log_last - 1;
	memcpy(w->log_last, line, n);
	w->log_last[n] = '\0';
	w->log_lines++;
}

static void world_init(struct world *w, const struct synq_httpd_config *cfg, uint64_t seed)
{
	memset(w, 0, sizeof *w);
	nactions = 0;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		w->c[i].fd = -1;
		w->c[i].resp = calloc(1, RESP_MAX);
		assert_non_null(w->c[i].resp);
	}
	struct sim_config sc = { .seed = seed };
	assert_int_equal(sim_create(&sc, &w->sim), 0);
	struct synq_httpd_hooks hooks = { .ctx = w, .slot_change = on_slot, .access_log = on_log };
	assert_int_equal(synq_httpd_new(&w->h, cfg, &hooks), 0);
	struct sim_host_config hs = { .name = "server", .addr = SERVER_ADDR, .seed = seed + 1,
	                              .app = synq_httpd_sim_app, .app_ctx = w->h };
	struct sim_host_config hc = { .name = "client", .addr = CLIENT_ADDR, .seed = seed + 2,
	                              .app = client_app, .app_ctx = w };
	assert_int_equal(sim_host_add(w->sim, &hs, &w->srv), 0);
	assert_int_equal(sim_host_add(w->sim, &hc, &w->cli), 0);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = DELAY;
	struct sim_link *l;
	assert_int_equal(sim_link_add(w->sim, &lc, sim_host_node(w->cli), sim_host_node(w->srv), &l),
	                 0);
	assert_int_equal(synq_httpd_attach_sim(w->h, w->srv), 0);
}

static void world_free(struct world *w)
{
	synq_httpd_free(w->h);
	sim_destroy(w->sim);
	sim_host_free(w->srv);
	sim_host_free(w->cli);
	for (int i = 0; i < MAX_CLIENTS; i++)
		free(w->c[i].resp);
}

static void run_to(struct world *w, synq_time_t t)
{
	assert_int_equal(sim_run_until(w->sim, t), 0);
}

static int status_of(const struct client *c)
{
	int st = 0;
	if (c->rlen >= 12 && sscanf((const char *)c->resp, "HTTP/1.1 %d", &st) == 1)
		return st;
	return 0;
}

static struct synq_httpd_config base_config(enum synq_httpd_mpm mpm, uint32_t workers)
{
	struct synq_httpd_config cfg;
	synq_httpd_config_default(&cfg);
	cfg.mpm = mpm;
	cfg.listen_port = PORT;
	cfg.max_request_workers = workers;
	return cfg;
}

static const char get_root[] = "GET / HTTP/1.1\r\nHost: s\r\n\r\n";

/* ------------------------- scoreboard transitions at exact instants */

static void transitions_run(struct world *w)
{
	struct synq_httpd_config cfg = base_config(SYNQ_HTTPD_PREFORK, 4);
	cfg.service = SYNQ_HTTPD_SERVICE_FIXED;
	cfg.service_mean_ns = SYNQ_MSEC(50);
	world_init(w, &cfg, 7);
	w->watch_slot = 0;
	client(w, 0, 0, get_root, SYNQ_MSEC(30));
	at(w, SYNQ_MSEC(200), 0, 2);   /* the client closes a kept-alive connection */
	run_to(w, SYNQ_SEC(1));
}

static void test_transitions(void **state)
{
	(void)state;
	struct world *w = calloc(1, sizeof *w);
	transitions_run(w);
	/* SYN at 0, SYN-ACK back at 10 ms, the ACK accepted at 15 ms: R.
	 * The request (sent at 30 ms) read at 35 ms: W for the 50 ms
	 * service time; written at 85 ms: L, then K. The client's FIN
	 * arrives at 205 ms: C (the linger read sees EOF) and _ at once. */
	static const struct { char to; int64_t ms; } want[] = {
		{ 'R', 15 }, { 'W', 35 }, { 'L', 85 }, { 'K', 85 }, { 'C', 205 }, { '_', 205 },
	};
	assert_int_equal(w->ntr, (int)(sizeof want / sizeof want[0]));
	for (int i = 0; i < w->ntr; i++) {
		assert_int_equal(w->tr[i].to, want[i].to);
		assert_int_equal(w->tr[i].at, SYNQ_MSEC(want[i].ms));
	}
	assert_int_equal(status_of(&w->c[0]), 200);
	assert_int_equal(w->c[0].first_byte_at, SYNQ_MSEC(90));
	/* the access log line of that request */
	assert_non_null(strstr(w->log_last, "10.0.0.1 - - [01/Jan/1970:00:00:00 +0000] "
	                                    "\"GET / HTTP/1.1\" 200 100 \"-\" \"-\""));
	char sb[8];
	synq_httpd_scoreboard(w->h, sb, sizeof sb);
	assert_string_equal(sb, "____");
	world_free(w);
	free(w);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct world *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	struct synq_httpd_config cfg = base_config(SYNQ_HTTPD_PREFORK, 8);
	cfg.service = SYNQ_HTTPD_SERVICE_LOGNORMAL;
	cfg.service_mean_ns = SYNQ_MSEC(20);
	cfg.service_sigma = 1.0;
	cfg.seed = 99;
	struct world *ws[2] = { a, b };
	for (int k = 0; k < 2; k++) {
		world_init(ws[k], &cfg, 3);
		ws[k]->watch_slot = 0;
		for (int i = 0; i < 8; i++)
			client(ws[k], i, SYNQ_MSEC(100) * i, get_root, SYNQ_MSEC(100) * i + SYNQ_MSEC(20));
		run_to(ws[k], SYNQ_SEC(2));
	}
	assert_int_equal(a->ntr, b->ntr);
	assert_true(a->ntr >= 4);
	for (int i = 0; i < a->ntr; i++) {
		assert_int_equal(a->tr[i].to, b->tr[i].to);
		assert_int_equal(a->tr[i].at, b->tr[i].at);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(status_of(&a->c[i]), 200);
		assert_int_equal(a->c[i].first_byte_at, b->c[i].first_byte_at);
	}
	/* the lognormal draws are not all equal */
	bool differ = false;
	for (int i = 1; i < 8; i++)
		if (a->c[i].first_byte_at - SYNQ_MSEC(100) * i !=
		    a->c[0].first_byte_at)
			differ = true;
	assert_true(differ);
	world_free(a);
	world_free(b);
	free(a);
	free(b);
}

/* ---------------- idle clients: prefork and event, RequestReadTimeout */

/* 150 clients connect and send nothing; a legitimate client connects at
 * 1 s and sends a request at once. Returns when its first reply byte
 * came (or -1 by 45 s). */
static synq_time_t idle_attack(enum synq_httpd_mpm mpm, bool reqtimeout, int defer_s,
                               int *r_at_10s, int *r_at_25s)
{
	struct world *w = calloc(1, sizeof *w);
	/* prefork: MaxRequestWorkers 150; event: its default 400 workers */
	struct synq_httpd_config cfg = base_config(mpm, mpm == SYNQ_HTTPD_PREFORK ? 150 : 0);
	if (!reqtimeout)
		cfg.reqtimeout_header_ns = 0;   /* RequestReadTimeout header=0 */
	cfg.defer_accept_s = defer_s;
	world_init(w, &cfg, 11);
	w->watch_slot = UINT32_MAX;
	for (int i = 0; i < 150; i++)
		client(w, i, SYNQ_MSEC(i), NULL, 0);
	client(w, 150, SYNQ_SEC(1), get_root, SYNQ_SEC(1));
	struct synq_httpd_counters cnt;
	run_to(w, SYNQ_SEC(10));
	synq_httpd_counters(w->h, &cnt);
	*r_at_10s = (int)cnt.by_state['R'];
	run_to(w, SYNQ_SEC(25));
	synq_httpd_counters(w->h, &cnt);
	*r_at_25s = (int)cnt.by_state['R'];
	run_to(w, SYNQ_SEC(45));
	struct client *legit = &w->c[150];
	synq_time_t t = legit->rtotal ? legit->first_byte_at : -1;
	if (t >= 0)
		assert_int_equal(status_of(legit), 200);
	world_free(w);
	free(w);
	return t;
}

static void test_idle_clients_prefork(void **state)
{
	(void)state;
	int r10, r25;
	synq_time_t t = idle_attack(SYNQ_HTTPD_PREFORK, true, 0, &r10, &r25);
	/* every slot R; the legitimate client waits in the accept queue until
	 * the header timeout (20 s after the idle clients were accepted)
	 * frees the slots */
	assert_int_equal(r10, 150);
	assert_true(t > SYNQ_SEC(20));
	assert_true(t < SYNQ_SEC(21));
}

static void test_idle_clients_prefork_no_reqtimeout(void **state)
{
	(void)state;
	int r10, r25;
	/* mechanism off: Timeout (60 s) is the only bound, nothing by 45 s */
	synq_time_t t = idle_attack(SYNQ_HTTPD_PREFORK, false, 0, &r10, &r25);
	assert_int_equal(r10, 150);
	assert_int_equal(r25, 150);
	assert_true(t == -1);
}

static void test_idle_clients_event(void **state)
{
	(void)state;
	int r10, r25;
	/* event: 150 R still, but 400 workers and 512 connections: the
	 * legitimate client is answered one round trip after it asked */
	synq_time_t t = idle_attack(SYNQ_HTTPD_EVENT, true, 0, &r10, &r25);
	assert_int_equal(r10, 150);
	assert_true(t > SYNQ_SEC(1));
	assert_true(t < SYNQ_SEC(1) + SYNQ_MSEC(30));
}

/* ------------------------------ idle clients against TCP_DEFER_ACCEPT */

static void test_idle_clients_deferred(void **state)
{
	(void)state;
	int r10, r25;
	/* AcceptFilter http data: the kernel holds the silent connections in
	 * the SYN queue for the defer period, so no slot shows R, and the
	 * legitimate client (data at once) is accepted and served at once */
	synq_time_t t = idle_attack(SYNQ_HTTPD_PREFORK, true, 30, &r10, &r25);
	assert_int_equal(r10, 0);
	assert_int_equal(r25, 0);
	assert_true(t > SYNQ_SEC(1));
	assert_true(t < SYNQ_SEC(1) + SYNQ_MSEC(30));
}

/* -------------------------------------------------------- pages, bodies */

static struct client *one_request(struct world *w, int i, const char *req, synq_time_t t)
{
	client(w, i, t, req, t + SYNQ_MSEC(10));
	run_to(w, t + SYNQ_MSEC(300));
	return &w->c[i];
}

/* Occurrences of s in what c received (bodies may hold NUL bytes). */
static int count_in(const struct client *c, const char *s)
{
	size_t n = strlen(s);
	int k = 0;
	for (size_t i = 0; i + n <= c->rlen; i++)
		if (!memcmp(c->resp + i, s, n))
			k++;
	return k;
}

static const char *body_of(const struct client *c)
{
	const char *p = strstr((const char *)c->resp, "\r\n\r\n");
	return p ? p + 4 : "";
}

static void test_status_pages(void **state)
{
	(void)state;
	struct world *w = calloc(1, sizeof *w);
	struct synq_httpd_config cfg = base_config(SYNQ_HTTPD_PREFORK, 4);
	world_init(w, &cfg, 5);
	w->watch_slot = UINT32_MAX;
	one_request(w, 0, "GET / HTTP/1.0\r\n\r\n", 0);
	struct client *c = one_request(w, 1, "GET /server-status?auto HTTP/1.0\r\n\r\n", SYNQ_SEC(2));
	assert_int_equal(status_of(c), 200);
	const char *b = body_of(c);
	static const char *const order[] = {
		"localhost\nServerVersion: ", "\nServerMPM: prefork\n", "\nCurrentTime: ",
		"\nRestartTime: ", "\nServerUptimeSeconds: 2\n", "\nServerUptime: 2 seconds\n",
		"\nTotal Accesses: 1\n", "\nTotal kBytes: 0\n", "\nUptime: 2\n",
		"\nReqPerSec: 0.5\n", "\nBytesPerReq: ", "\nBusyWorkers: 1\n",
		"\nGracefulWorkers: 0\n", "\nIdleWorkers: 3\n", "\nScoreboard: W___\n",
	};
	const char *p = b;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *q = strstr(p, order[i]);
		if (q == NULL)
			fail_msg("?auto lacks \"%s\" (in order):\n%s", order[i], b);
		p = q;
	}
	c = one_request(w, 2, "GET /nginx_status HTTP/1.0\r\n\r\n", SYNQ_SEC(3));
	assert_string_equal(body_of(c), "Active connections: 1 \nserver accepts handled requests\n"
	                                " 3 3 3 \nReading: 0 Writing: 1 Waiting: 0 \n");
	c = one_request(w, 3, "GET /server-status HTTP/1.0\r\n\r\n", SYNQ_SEC(4));
	assert_non_null(strstr(body_of(c), "<pre>W___</pre>"));
	assert_non_null(strstr(body_of(c), "<td nowrap>GET /server-status HTTP/1.0</td>"));
	world_free(w);
	free(w);
}

static void test_bulk_both_ways(void **state)
{
	(void)state;
	struct world *w = calloc(1, sizeof *w);
	struct synq_httpd_config cfg = base_config(SYNQ_HTTPD_EVENT, 4);
	world_init(w, &cfg, 9);
	w->watch_slot = UINT32_MAX;
	/* GET /bytes/N: N bytes, byte i = i % 251 */
	struct client *c = one_request(w, 0, "GET /bytes/300000 HTTP/1.1\r\nHost: s\r\n\r\n", 0);
	run_to(w, SYNQ_SEC(3));
	assert_int_equal(status_of(c), 200);
	const uint8_t *body = (const uint8_t *)body_of(c);
	size_t head = (size_t)(body - c->resp);
	assert_int_equal(c->rlen - head, 300000);
	for (size_t i = 0; i < 300000; i++)
		if (body[i] != i % 251)
			fail_msg("byte %zu is %u", i, body[i]);
	/* PUT "abc": the FIPS 180-4 example digest */
	c = one_request(w, 1, "PUT /sink HTTP/1.1\r\nHost: s\r\nContent-Length: 3\r\n\r\nabc",
	                SYNQ_SEC(4));
	assert_string_equal(body_of(c), "bytes=3 sha256="
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
	/* PUT of 1 MB generated on the fly, with Expect: 100-continue */
	struct client *big = &w->c[2];
	big->body_bytes = 1000000;
	client(w, 2, SYNQ_SEC(5),
	       "PUT /sink HTTP/1.1\r\nHost: s\r\nContent-Length: 1000000\r\n"
	       "Expect: 100-continue\r\n\r\n", SYNQ_SEC(5) + SYNQ_MSEC(10));
	run_to(w, SYNQ_SEC(10));
	const char *r = (const char *)big->resp;
	assert_true(!strncmp(r, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 40));
	/* sha256 of bytes i % 251, i < 10^6 (computed with sha256sum) */
	assert_non_null(strstr(r, "bytes=1000000 sha256="
	                          "2c030d49ec131bfbbb446ad21e7a2f12cdb4f2f4f3fda3ac709dd2e68a4646c7"));
	world_free(w);
	free(w);
}

static void test_keepalive_pipelining(void **state)
{
	(void)state;
	struct world *w = calloc(1, sizeof *w);
	struct synq_httpd_config cfg = base_config(SYNQ_HTTPD_PREFORK, 2);
	cfg.max_keep_alive_requests = 2;
	world_init(w, &cfg, 13);
	w->watch_slot = UINT32_MAX;
	/* four pipelined requests in one write: MaxKeepAliveRequests 2 keeps
	 * the connection for 2 + 1 replies (ap_set_keepalive()), the third
	 * says close and the fourth is never answered */
	struct client *c = one_request(w, 0, "GET /bytes/5 HTTP/1.1\r\nHost: s\r\n\r\n"
	                                     "GET /bytes/6 HTTP/1.1\r\nHost: s\r\n\r\n"
	                                     "GET /bytes/7 HTTP/1.1\r\nHost: s\r\n\r\n"
	                                     "GET /bytes/8 HTTP/1.1\r\nHost: s\r\n\r\n", 0);
	assert_int_equal(count_in(c, "HTTP/1.1 200 OK"), 3);
	assert_int_equal(count_in(c, "Content-Length: 5\r\n"), 1);
	assert_int_equal(count_in(c, "Content-Length: 7\r\nConnection: close\r\n"), 1);
	assert_int_equal(count_in(c, "Content-Length: 8\r\n"), 0);
	assert_true(c->eof);
	world_free(w);
	free(w);
}

static void test_errors_end_to_end(void **state)
{
	(void)state;
	static const struct { const char *req; int status; } cases[] = {
		{ "GET / HTTP/2.0\r\nHost: s\r\n\r\n", 505 },
		{ "GET / HTTP/1.1\r\n\r\n", 400 },
		{ "BREW / HTTP/1.1\r\nHost: s\r\n\r\n", 501 },
		{ "PUT / HTTP/1.1\r\nHost: s\r\nContent-Length: 9999999999999\r\n\r\n", 413 },
		{ "PUT / HTTP/1.1\r\nHost: s\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
	};
	struct world *w = calloc(1, sizeof *w);
	struct synq_httpd_config cfg = base_config(SYNQ_HTTPD_PREFORK, 4);
	world_init(w, &cfg, 17);
	w->watch_slot = UINT32_MAX;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct client *c = one_request(w, (int)i, cases[i].req, SYNQ_SEC(1) * (int64_t)i);
		if (status_of(c) != cases[i].status)
			fail_msg("case %zu: %d, want %d", i, status_of(c), cases[i].status);
		assert_true(c->eof);   /* each of these closes the connection */
	}
	/* a request line that never ends: 414 once past LimitRequestLine */
	static char longline[9000];
	memcpy(longline, "GET /", 5);
	memset(longline + 5, 'a', sizeof longline - 6);
	struct client *c = one_request(w, 10, longline, SYNQ_SEC(8));
	assert_int_equal(status_of(c), 414);
	/* a partial request, then silence: 408 after the header timeout
	 * (20 s + 1 s per 500 bytes received, at most 40 s) */
	client(w, 11, SYNQ_SEC(10), "GET / HTTP/1.1\r\nHost: s\r\n", SYNQ_SEC(10));
	run_to(w, SYNQ_SEC(29));
	assert_int_equal(w->c[11].rtotal, 0);
	run_to(w, SYNQ_SEC(31));
	assert_int_equal(status_of(&w->c[11]), 408);
	struct synq_httpd_counters cnt;
	synq_httpd_counters(w->h, &cnt);
	assert_int_equal(cnt.timeouts_header, 1);
	world_free(w);
	free(w);
}

static void test_max_conn_per_ip(void **state)
{
	(void)state;
	struct world *w = calloc(1, sizeof *w);
	struct synq_httpd_config cfg = base_config(SYNQ_HTTPD_EVENT, 8);
	cfg.max_conn_per_ip = 1;
	world_init(w, &cfg, 19);
	w->watch_slot = UINT32_MAX;
	client(w, 0, 0, NULL, 0);   /* holds a connection open */
	struct client *c = one_request(w, 1, get_root, SYNQ_MSEC(100));
	assert_int_equal(status_of(c), 503);
	struct synq_httpd_counters cnt;
	synq_httpd_counters(w->h, &cnt);
	assert_int_equal(cnt.conn_per_ip_refused, 1);
	world_free(w);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_idle_clients_prefork),
		cmocka_unit_test(test_idle_clients_prefork_no_reqtimeout),
		cmocka_unit_test(test_idle_clients_event),
		cmocka_unit_test(test_idle_clients_deferred),
		cmocka_unit_test(test_status_pages),
		cmocka_unit_test(test_bulk_both_ways),
		cmocka_unit_test(test_keepalive_pipelining),
		cmocka_unit_test(test_errors_end_to_end),
		cmocka_unit_test(test_max_conn_per_ip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
