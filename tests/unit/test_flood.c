/* SPDX-License-Identifier: BSD-2-Clause */
/* A flood of spoofed SYNs against a listener with backlog 511.
 * With cookies on, no request object is kept beyond backlog + 1, memory
 * stays flat, and every legitimate client connects; with cookies off the
 * same flood denies them. One million SYNs over 10 s in the release build;
 * the sanitizer build sends a tenth of them over the same 10 s to stay
 * quick (still 20 times what the request queue can hold). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "synq/host.h"
#include "synq/inspect.h"
#include "synq/sim.h"
#include "synq/socket.h"

#ifdef SYNQ_DEBUG
#define FLOOD_SYNS 100000u
#else
#define FLOOD_SYNS 1000000u
#endif
#define FLOOD_SECONDS 10u
#define FLOOD_BATCH (FLOOD_SYNS / FLOOD_SECONDS / 1000u) /* per millisecond */
#define BACKLOG 511
#define SERVER_ADDR 0x0a000101u           /* 10.0.1.1 */
#define ROUTER_ADDR 0x0a0000feu
#define ATTACKER_ADDR 0x0a000201u         /* 10.0.2.1, spoofs 198.18.0.0/15 */
#define CLIENTS 2
#define CONNECTS_PER_CLIENT 20
#define PORT 80

struct flood {
	struct sim *sim;
	struct sim_node *router;
	struct sim_node *attacker;
	struct sim_host *server;
	struct sim_host *clients[CLIENTS];
	int client_fds[CLIENTS][CONNECTS_PER_CLIENT];
	int opened[CLIENTS];
	uint32_t sent;
	uint64_t rng;
	uint32_t max_requests;
	uint32_t max_buffers;
	uint32_t max_connections;
	int lfd;
	uint32_t accepted;
};

static uint64_t next_random(struct flood *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static void attacker_timer(void *ctx, struct sim_node *node, synq_time_t now)
{
	struct flood *f = ctx;
	uint8_t pkt[80];
	for (unsigned i = 0; i < FLOOD_BATCH && f->sent < FLOOD_SYNS; i++, f->sent++) {
		uint64_t r = next_random(f);
		struct ipv4_fields ipf = { .src_addr = 0xc6120000u | (uint32_t)(r & 0x1ffff),
		                           .dst_addr = SERVER_ADDR, .ttl = 64,
		                           .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
		struct tcp_segment syn = {
			.src_port = (uint16_t)(1024 + (r >> 17) % 60000), .dst_port = PORT,
			.seq = (uint32_t)(r >> 32), .flags = TCP_SYN, .window = 64240,
			.opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
			         .has_timestamp = true, .tsval = (uint32_t)r, .has_wscale = true,
			         .wscale = 7 },
		};
		size_t n = tcp_segment_emit(pkt, sizeof pkt, &ipf, &syn);
		sim_node_send(node, pkt, n);
	}
	if (f->sent < FLOOD_SYNS)
		sim_node_timer_set(node, now + SYNQ_MSEC(1));
}

static void server_app(void *ctx, struct sim_host *host)
{
	struct flood *f = ctx;
	struct synq_stack *s = sim_host_stack(host);
	/* The server accepts slowly: one connection per event at most. */
	int fd = synq_accept(s, f->lfd, NULL, NULL);
	if (fd >= 0) {
		f->accepted++;
		synq_close(s, fd);
	}
	struct synq_stack_usage u;
	synq_stack_usage(s, &u);
	if (u.requests.used > f->max_requests)
		f->max_requests = u.requests.used;
	if (u.buffers.used > f->max_buffers)
		f->max_buffers = u.buffers.used;
	if (u.connections.used > f->max_connections)
		f->max_connections = u.connections.used;
}

struct client_start {
	struct flood *f;
	int client;
};

static void client_connect(struct sim *sim, void *arg)
{
	struct client_start *cs = arg;
	struct flood *f = cs->f;
	struct synq_stack *s = sim_host_enter(f->clients[cs->client]);
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
	                          .sin_addr.s_addr = htonl(SERVER_ADDR) };
	assert_int_equal(synq_connect(s, fd, (struct sockaddr *)&to, sizeof to), -EINPROGRESS);
	f->client_fds[cs->client][f->opened[cs->client]++] = fd;
	sim_host_leave(f->clients[cs->client]);
	if (f->opened[cs->client] < CONNECTS_PER_CLIENT)
		sim_event_schedule(sim, sim_now(sim) + SYNQ_MSEC(250) + (synq_time_t)(next_random(f) % 100000000),
		                   client_connect, cs, NULL);
}

static struct sim_link *link_to_router(struct flood *f, struct sim_node *n)
{
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(5);
	lc.queue_max_pkts = 100000;
	struct sim_link *l;
	assert_int_equal(sim_link_add(f->sim, &lc, n, f->router, &l), 0);
	return l;
}

static void run_flood(int syncookies, uint32_t *established, struct flood *f)
{
	memset(f, 0, sizeof *f);
	f->rng = 0x9e3779b97f4a7c15ull;
	struct sim_config scfg = { .seed = 11, .packets_max = 1u << 18 };
	assert_int_equal(sim_create(&scfg, &f->sim), 0);
	struct sim_node_config rc = { .name = "router", .addr = ROUTER_ADDR, .kind = SIM_NODE_ROUTER };
	assert_int_equal(sim_node_add(f->sim, &rc, &f->router), 0);
	struct sim_node_config ac = { .name = "attacker", .addr = ATTACKER_ADDR,
	                              .timer = attacker_timer, .ctx = f };
	assert_int_equal(sim_node_add(f->sim, &ac, &f->attacker), 0);

	struct synq_config scfg_server;
	synq_config_default(&scfg_server);
	scfg_server.tcp_syncookies = syncookies;
	scfg_server.max_requests = 100000; /* room to see if any leak in */
	struct sim_host_config hc = { .name = "server", .addr = SERVER_ADDR, .stack = &scfg_server,
	                              .seed = 3, .app = server_app, .app_ctx = f };
	assert_int_equal(sim_host_add(f->sim, &hc, &f->server), 0);
	struct sim_link *to_server = link_to_router(f, sim_host_node(f->server));
	struct sim_link *to_attacker = link_to_router(f, f->attacker);
	assert_int_equal(sim_node_route_add(f->router, SERVER_ADDR, 32, to_server), 0);
	assert_int_equal(sim_node_route_add(f->router, ATTACKER_ADDR, 32, to_attacker), 0);
	static struct client_start starts[CLIENTS];
	for (int c = 0; c < CLIENTS; c++) {
		struct sim_host_config cc = { .name = c ? "client1" : "client0",
		                              .addr = 0x0a000001u + (uint32_t)c, .seed = 20u + (uint32_t)c };
		assert_int_equal(sim_host_add(f->sim, &cc, &f->clients[c]), 0);
		struct sim_link *l = link_to_router(f, sim_host_node(f->clients[c]));
		assert_int_equal(sim_node_route_add(f->router, 0x0a000001u + (uint32_t)c, 32, l), 0);
		starts[c] = (struct client_start){ f, c };
		sim_event_schedule(f->sim, SYNQ_MSEC(500) + SYNQ_MSEC(137) * c, client_connect,
		                   &starts[c], NULL);
	}

	struct synq_stack *s = sim_host_enter(f->server);
	f->lfd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	assert_int_equal(synq_bind(s, f->lfd, (struct sockaddr *)&any, sizeof any), 0);
	assert_int_equal(synq_listen(s, f->lfd, BACKLOG), 0);
	sim_host_leave(f->server);
	sim_node_timer_set(f->attacker, SYNQ_MSEC(1));

	synq_time_t flood_end = SYNQ_SEC(FLOOD_SECONDS);
	assert_int_equal(sim_run_until(f->sim, flood_end + SYNQ_SEC(1)), 0);
	assert_int_equal(f->sent, FLOOD_SYNS);

	*established = 0;
	for (int c = 0; c < CLIENTS; c++) {
		struct synq_stack *cs = sim_host_stack(f->clients[c]);
		for (int i = 0; i < f->opened[c]; i++) {
			struct synq_tcp_info ti;
			socklen_t len = sizeof ti;
			synq_getsockopt(cs, f->client_fds[c][i], IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len);
			if (ti.tcpi_state == SYNQ_TCP_ESTABLISHED || ti.tcpi_state == SYNQ_TCP_CLOSE_WAIT)
				(*established)++;
		}
	}
}

static void free_flood(struct flood *f)
{
	sim_destroy(f->sim);
	sim_host_free(f->server);
	for (int c = 0; c < CLIENTS; c++)
		sim_host_free(f->clients[c]);
}

static void c22_c8_flood_with_cookies(void **state)
{
	(void)state;
	static struct flood f;
	uint32_t established;
	run_flood(1, &established, &f);
	const struct synq_mib *m = synq_stack_mib(sim_host_stack(f.server));
	print_message("    %u SYNs: cookies sent %llu, max requests %u, max buffers %u, "
	              "clients connected %u of %u\n", f.sent,
	              (unsigned long long)m->value[SYNQ_MIB_TcpExtSyncookiesSent], f.max_requests,
	              f.max_buffers, established, CLIENTS * CONNECTS_PER_CLIENT);
	assert_true(f.max_requests <= BACKLOG + 1);
	assert_true(m->value[SYNQ_MIB_TcpExtSyncookiesSent] > FLOOD_SYNS - 2 * (BACKLOG + 1));
	assert_int_equal(established, CLIENTS * CONNECTS_PER_CLIENT);
	assert_int_equal(f.accepted, CLIENTS * CONNECTS_PER_CLIENT);
	/* Flat memory: buffers only for the legitimate connections. */
	assert_true(f.max_buffers <= 4u * CLIENTS * CONNECTS_PER_CLIENT);
	assert_true(f.max_connections <= CLIENTS * CONNECTS_PER_CLIENT);
	free_flood(&f);
}

static void c22_flood_without_cookies_denies_clients(void **state)
{
	(void)state;
	static struct flood f;
	uint32_t established;
	run_flood(0, &established, &f);
	print_message("    without cookies: clients connected %u of %u\n", established,
	              CLIENTS * CONNECTS_PER_CLIENT);
	assert_true(f.max_requests <= BACKLOG + 1);
	assert_true(established < CLIENTS * CONNECTS_PER_CLIENT / 2);
	free_flood(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(c22_c8_flood_with_cookies),
		cmocka_unit_test(c22_flood_without_cookies_denies_clients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
