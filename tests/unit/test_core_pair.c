/* SPDX-License-Identifier: BSD-2-Clause */
/* Two TCP cores against each other with no socket layer linked at all
 * (the Makefile links this test against src/ip and src/tcp only).
 *
 * The test is its own owner layer: it gives each connection and listener
 * a token, installs the four readiness hooks, and acts only on what the
 * hooks report, the way an epoll loop acts only on its ready list. A
 * listener is accepted from only after data_ready named it, a connection
 * is read only after data_ready, written again only after write_space.
 * So a readiness event the core forgets to report leaves a file half
 * moved or a close never seen, and the checks below fail. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/core.h"
#include "tcp/listen/listen_internal.h"
#include "tcp/user.h"

#define CLIENT_ADDR 0x0a000001u
#define SERVER_ADDR 0x0a000002u
#define PORT 8080
#define FILE_BYTES (300 * 1000)
#define OWNERS 8
#define WIRE_SLOTS 4096
#define WIRE_MTU 1600

enum { LISTENER_TOKEN = 1, CLIENT_TOKEN = 2, SERVER_TOKEN = 3 };

struct datagram {
	uint16_t len;
	uint8_t bytes[WIRE_MTU];
};

/* What travels one way: a FIFO of datagrams. */
struct wire {
	struct datagram *slot;
	size_t head, tail;
};

struct host {
	struct synq_stack *s;
	struct wire *out;
	unsigned ready[OWNERS][TCP_EV__COUNT]; /* reports not yet acted on */
	unsigned seen[TCP_EV__COUNT];          /* all reports */
};

static void wire_push(void *ctx, const uint8_t *d, size_t len)
{
	struct host *h = ctx;
	struct wire *w = h->out;
	assert_true(len <= WIRE_MTU);
	assert_true(w->tail - w->head < WIRE_SLOTS);
	struct datagram *g = &w->slot[w->tail++ % WIRE_SLOTS];
	g->len = (uint16_t)len;
	memcpy(g->bytes, d, len);
}

static void record(struct host *h, uint32_t owner, enum tcp_event ev)
{
	assert_true(owner < OWNERS);
	h->ready[owner][ev]++;
	h->seen[ev]++;
}

static void on_data_ready(void *ctx, uint32_t owner)
{
	record(ctx, owner, TCP_EV_DATA_READY);
}
static void on_write_space(void *ctx, uint32_t owner)
{
	record(ctx, owner, TCP_EV_WRITE_SPACE);
}
static void on_state_change(void *ctx, uint32_t owner)
{
	record(ctx, owner, TCP_EV_STATE_CHANGE);
}
static void on_error_report(void *ctx, uint32_t owner)
{
	record(ctx, owner, TCP_EV_ERROR_REPORT);
}

static const struct tcp_upcalls hooks = {
	.data_ready = on_data_ready,
	.write_space = on_write_space,
	.state_change = on_state_change,
	.error_report = on_error_report,
};

/* Take and clear the reports of one owner; true if any of evs came. */
static bool take(struct host *h, uint32_t owner, unsigned evs)
{
	bool any = false;
	for (int ev = 0; ev < TCP_EV__COUNT; ev++) {
		if ((evs & (1u << ev)) && h->ready[owner][ev]) {
			h->ready[owner][ev] = 0;
			any = true;
		}
	}
	return any;
}

struct pair {
	struct host client, server;
	struct wire to_server, to_client;
	synq_time_t now;
};

static void host_init(struct host *h, struct wire *out, uint32_t addr, uint64_t seed)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.max_connections = 16;
	cfg.max_requests = 16;
	cfg.max_time_wait = 16;
	cfg.max_listeners = 4;
	cfg.tcp_wmem[1] = 16384; /* a small send buffer: the writer must wait */
	struct synq_stack_io io = { .output = wire_push, .ctx = h };
	memset(h, 0, sizeof *h);
	h->out = out;
	assert_int_equal(tcp_stack_create(&h->s, NULL, &cfg, addr, seed, &io), 0);
	tcp_set_upcalls(h->s, &hooks, h);
}

static void pair_init(struct pair *p)
{
	memset(p, 0, sizeof *p);
	p->to_server.slot = calloc(WIRE_SLOTS, sizeof(struct datagram));
	p->to_client.slot = calloc(WIRE_SLOTS, sizeof(struct datagram));
	assert_non_null(p->to_server.slot);
	assert_non_null(p->to_client.slot);
	host_init(&p->client, &p->to_server, CLIENT_ADDR, 1);
	host_init(&p->server, &p->to_client, SERVER_ADDR, 2);
	p->now = SYNQ_SEC(1);
}

static void pair_free(struct pair *p)
{
	tcp_stack_destroy(p->client.s);
	tcp_stack_destroy(p->server.s);
	free(p->to_server.slot);
	free(p->to_client.slot);
}

/* Deliver what is on both wires; true if anything was. */
static bool deliver(struct pair *p)
{
	bool moved = false;
	struct { struct wire *w; struct host *to; } ways[2] = {
		{ &p->to_server, &p->server }, { &p->to_client, &p->client } };
	for (int i = 0; i < 2; i++) {
		while (ways[i].w->head != ways[i].w->tail) {
			struct datagram *g = &ways[i].w->slot[ways[i].w->head++ % WIRE_SLOTS];
			synq_stack_input(ways[i].to->s, g->bytes, g->len, p->now);
			moved = true;
		}
	}
	return moved;
}

/* Nothing in flight: time moves to the next deadline of either core. */
static void advance(struct pair *p)
{
	synq_time_t a = synq_stack_next_deadline(p->client.s);
	synq_time_t b = synq_stack_next_deadline(p->server.s);
	synq_time_t next = a < b ? a : b;
	p->now = next > p->now && next != SYNQ_TIME_NEVER ? next : p->now + SYNQ_MSEC(1);
	synq_stack_advance(p->client.s, p->now);
	synq_stack_advance(p->server.s, p->now);
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 11));
}

static struct tcp_listener *listen_on(struct host *h)
{
	struct tcp_conn *proto = tcp_conn_alloc(h->s);
	assert_non_null(proto);
	struct tcp_sockopts opts = proto->opts;
	tcp_conn_free(h->s, proto);
	struct tcp_listener *l;
	tcp_port_ref(h->s, PORT);
	assert_int_equal(tcp_listener_open(h->s, 0, PORT, 16, &opts, LISTENER_TOKEN, &l), 0);
	return l;
}

/* The whole file moves client -> server, then both sides close; each step
 * is taken only when a hook has said it may be possible. */
static void test_file_moves_on_readiness_alone(void **state)
{
	(void)state;
	static struct pair p;
	pair_init(&p);
	struct tcp_listener *l = listen_on(&p.server);

	struct tcp_conn *cli = tcp_conn_alloc(p.client.s);
	assert_non_null(cli);
	cli->owner = CLIENT_TOKEN;
	assert_int_equal(tcp_user_connect(p.client.s, cli, SERVER_ADDR, PORT), 0);

	struct tcp_conn *srv = NULL;
	size_t sent = 0, received = 0;
	bool client_shut = false, eof_seen = false, server_closed = false;
	bool client_connected = false;
	uint8_t buf[4096];

	for (int round = 0; round < 200000 && !(server_closed && cli->state == SYNQ_TCP_CLOSE);
	     round++) {
		if (!deliver(&p))
			advance(&p);

		/* The listener: accept only when it said a child is there. */
		if (srv == NULL && take(&p.server, LISTENER_TOKEN, 1u << TCP_EV_DATA_READY)) {
			srv = tcp_accept_dequeue(p.server.s, l);
			if (srv != NULL) {
				srv->owner = SERVER_TOKEN;
				srv->flags |= TCP_CONN_ACCEPTED;
			}
		}
		/* The client writes when the connection says it became
		 * established or that room was freed. */
		if (take(&p.client, CLIENT_TOKEN,
		         1u << TCP_EV_STATE_CHANGE | 1u << TCP_EV_WRITE_SPACE)) {
			if (cli->state == SYNQ_TCP_ESTABLISHED)
				client_connected = true;
			while (client_connected && sent < FILE_BYTES) {
				size_t n = FILE_BYTES - sent < sizeof buf ? FILE_BYTES - sent : sizeof buf;
				for (size_t i = 0; i < n; i++)
					buf[i] = pattern(sent + i);
				ssize_t w = tcp_user_send(p.client.s, cli, buf, n, false);
				if (w == -EAGAIN)
					break;
				assert_true(w > 0);
				sent += (size_t)w;
				tcp_push(p.client.s, cli);
			}
			if (sent == FILE_BYTES && !client_shut) {
				assert_int_equal(tcp_user_shutdown(p.client.s, cli, 0, 1), 0);
				client_shut = true;
			}
		}
		/* The server reads only when told there is something. */
		if (srv != NULL && !server_closed &&
		    take(&p.server, SERVER_TOKEN, 1u << TCP_EV_DATA_READY)) {
			for (;;) {
				ssize_t r = tcp_user_recv(p.server.s, srv, buf, sizeof buf, false);
				if (r == -EAGAIN)
					break;
				assert_true(r >= 0);
				if (r == 0) {
					eof_seen = true;
					break;
				}
				for (ssize_t i = 0; i < r; i++)
					assert_int_equal(buf[i], pattern(received + (size_t)i));
				received += (size_t)r;
			}
			if (eof_seen) {
				tcp_user_close(p.server.s, srv);
				server_closed = true;
			}
		}
	}
	assert_int_equal(sent, FILE_BYTES);
	assert_int_equal(received, FILE_BYTES);
	assert_true(eof_seen);
	assert_true(server_closed);
	/* The client's FIN was answered by the server's: it saw that as a
	 * state change and its connection is over (TIME-WAIT holds the rest). */
	assert_int_equal(cli->state, SYNQ_TCP_CLOSE);
	assert_true(p.client.seen[TCP_EV_WRITE_SPACE] > 0);
	assert_true(p.client.seen[TCP_EV_STATE_CHANGE] > 0);
	assert_true(p.server.seen[TCP_EV_DATA_READY] > 0);
	tcp_user_close(p.client.s, cli);
	tcp_listener_close(p.server.s, l);
	pair_free(&p);
}

/* A connection refused: the error reaches the owner as error_report. */
static void test_refused_connect_reports_error(void **state)
{
	(void)state;
	static struct pair p;
	pair_init(&p);
	struct tcp_conn *cli = tcp_conn_alloc(p.client.s);
	assert_non_null(cli);
	cli->owner = CLIENT_TOKEN;
	assert_int_equal(tcp_user_connect(p.client.s, cli, SERVER_ADDR, PORT), 0);
	for (int round = 0; round < 100 && cli->state != SYNQ_TCP_CLOSE; round++)
		if (!deliver(&p))
			advance(&p);
	assert_int_equal(cli->state, SYNQ_TCP_CLOSE);
	assert_true(take(&p.client, CLIENT_TOKEN, 1u << TCP_EV_ERROR_REPORT));
	assert_int_equal(tcp_user_take_error(cli), ECONNREFUSED);
	tcp_user_close(p.client.s, cli);
	pair_free(&p);
}

/* A token of TCP_NO_OWNER is never reported, and a core without hooks
 * runs a handshake all the same. */
static void test_no_owner_no_report(void **state)
{
	(void)state;
	static struct pair p;
	pair_init(&p);
	static const struct tcp_upcalls none;
	tcp_set_upcalls(p.client.s, &none, NULL);
	assert_null(tcp_upcall_ctx(p.client.s));
	struct tcp_conn *cli = tcp_conn_alloc(p.client.s);
	assert_non_null(cli);
	struct tcp_listener *l = listen_on(&p.server);
	assert_int_equal(tcp_user_connect(p.client.s, cli, SERVER_ADDR, PORT), 0);
	for (int round = 0; round < 100 && l->accept_len == 0; round++)
		if (!deliver(&p))
			advance(&p);
	assert_int_equal(cli->state, SYNQ_TCP_ESTABLISHED);
	assert_int_equal(l->accept_len, 1);
	for (int ev = 0; ev < TCP_EV__COUNT; ev++)
		assert_int_equal(p.client.seen[ev], 0);
	assert_true(p.server.ready[LISTENER_TOKEN][TCP_EV_DATA_READY] > 0);
	tcp_user_abort(p.client.s, cli, 0);
	tcp_user_close(p.client.s, cli);
	tcp_listener_close(p.server.s, l);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_moves_on_readiness_alone),
		cmocka_unit_test(test_refused_connect_reports_error),
		cmocka_unit_test(test_no_owner_no_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
