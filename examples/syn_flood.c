/* SPDX-License-Identifier: BSD-2-Clause */
/* A listener under a spoofed SYN flood, watched each second as ss and
 * nstat would show it. A flood node sends 2000 SYNs a second from made-up
 * addresses (nobody answers the SYN-ACKs); the server's listener has a
 * backlog of 64 and an application that accepts ten connections a second
 * from a real client host. With net.ipv4.tcp_syncookies=1, the request
 * queue fills, cookies take over, and the real client still connects.
 * Public headers only. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "synq/host.h"
#include "synq/inspect.h"
#include "synq/sim.h"
#include "synq/socket.h"
#include "synq/stack.h"

#define SERVER_ADDR 0x0a000001u
#define CLIENT_ADDR 0x0a000002u
#define FLOOD_ADDR 0x0a000003u
#define PORT 80
#define SYNS_PER_S 2000
#define SECONDS 5

struct world {
	struct sim *sim;
	struct sim_host *server, *client;
	struct sim_node *flood;
	int listen_fd;
	int accepted, connected;
	uint32_t spoofed;
};

/* ------------------------------------------------ a SYN, built by hand */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t checksum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t spoofed_syn(uint8_t *pkt, uint32_t src, uint16_t sport, uint32_t isn)
{
	memset(pkt, 0, 44);
	pkt[0] = 0x45;                 /* IPv4, 20-byte header */
	put16(pkt + 2, 44);
	pkt[8] = 64;                   /* TTL */
	pkt[9] = 6;                    /* TCP */
	put32(pkt + 12, src);
	put32(pkt + 16, SERVER_ADDR);
	put16(pkt + 10, checksum(0, pkt, 20));
	uint8_t *t = pkt + 20;
	put16(t, sport);
	put16(t + 2, PORT);
	put32(t + 4, isn);
	t[12] = 6 << 4;                /* 24-byte header: one MSS option */
	t[13] = 0x02;                  /* SYN */
	put16(t + 14, 64240);
	t[20] = 2, t[21] = 4;
	put16(t + 22, 1460);
	uint32_t pseudo = (src >> 16) + (src & 0xffff) + (SERVER_ADDR >> 16) +
	                  (SERVER_ADDR & 0xffff) + 6 + 24;
	put16(t + 16, checksum(pseudo, t, 24));
	return 44;
}

static void flood_timer(void *ctx, struct sim_node *node, synq_time_t now)
{
	struct world *w = ctx;
	uint8_t pkt[64];
	for (int i = 0; i < SYNS_PER_S / 100; i++) {
		w->spoofed++;
		uint32_t src = 0xc6120000u | (w->spoofed & 0xffff); /* 198.18.0.0/16 */
		sim_node_send(node, pkt, spoofed_syn(pkt, src, (uint16_t)(1024 + w->spoofed % 60000),
		                                     w->spoofed * 2654435761u));
	}
	sim_node_timer_set(node, now + SYNQ_MSEC(10));
}

/* ------------------------------------------------------ applications */

static void server_app(void *ctx, struct sim_host *host)
{
	(void)ctx;
	(void)host;
}

static void client_app(void *ctx, struct sim_host *host)
{
	(void)ctx;
	(void)host;
}

/* Every 100 ms: the client opens a connection, the server accepts one. */
static void tick(struct sim *sim, void *arg)
{
	struct world *w = arg;
	struct synq_stack *s = sim_host_enter(w->server);
	int fd = synq_accept4(s, w->listen_fd, NULL, NULL, SOCK_NONBLOCK);
	if (fd >= 0) {
		w->accepted++;
		synq_close(s, fd);
	}
	sim_host_leave(w->server);

	s = sim_host_enter(w->client);
	int cfd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
	                          .sin_addr.s_addr = htonl(SERVER_ADDR) };
	synq_connect(s, cfd, (struct sockaddr *)&to, sizeof to);
	/* the previous one, if it connected, is counted and closed */
	for (int fd2 = 3; fd2 < cfd; fd2++) {
		int ev = synq_sock_events(s, fd2);
		if (ev >= 0 && (ev & POLLOUT)) {
			w->connected++;
			synq_close(s, fd2);
		} else if (ev >= 0 && (ev & (POLLERR | POLLHUP))) {
			synq_close(s, fd2);
		}
	}
	sim_host_leave(w->client);
	sim_event_schedule(sim, sim_now(sim) + SYNQ_MSEC(100), tick, w, NULL);
}

/* Every second: the listener as ss shows it, and the counters. */
static void report(struct sim *sim, void *arg)
{
	struct world *w = arg;
	const struct synq_stack *s = sim_host_stack(w->server);
	struct synq_listener_info li[4];
	size_t n = synq_listeners(s, li, 4);
	const struct synq_mib *m = synq_stack_mib(s);
	printf("t=%2.0f s  Recv-Q %3u  Send-Q %3u  SYN_RECV %3u  | SyncookiesSent %6llu  "
	       "ListenDrops %5llu  ListenOverflows %4llu  | accepted %3d  client connected %3d\n",
	       (double)sim_now(sim) / 1e9, n ? li[0].accept_len : 0, n ? li[0].backlog : 0,
	       n ? li[0].syn_recv : 0,
	       (unsigned long long)m->value[SYNQ_MIB_TcpExtSyncookiesSent],
	       (unsigned long long)m->value[SYNQ_MIB_TcpExtListenDrops],
	       (unsigned long long)m->value[SYNQ_MIB_TcpExtListenOverflows], w->accepted,
	       w->connected);
	sim_event_schedule(sim, sim_now(sim) + SYNQ_SEC(1), report, w, NULL);
}

int main(void)
{
	static struct world w;
	struct sim_config sc = { .seed = 3 };
	if (sim_create(&sc, &w.sim))
		return 1;
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.tcp_syncookies = 1;
	struct sim_host_config hs = { .name = "server", .addr = SERVER_ADDR, .stack = &cfg,
	                              .seed = 1, .app = server_app };
	struct sim_host_config hc = { .name = "client", .addr = CLIENT_ADDR, .seed = 2,
	                              .app = client_app };
	struct sim_node_config fc = { .name = "flood", .addr = FLOOD_ADDR, .kind = SIM_NODE_HOST,
	                              .timer = flood_timer, .ctx = &w };
	struct sim_node *router;
	struct sim_node_config rc = { .name = "router", .addr = 0x0a0000feu,
	                              .kind = SIM_NODE_ROUTER };
	if (sim_host_add(w.sim, &hs, &w.server) || sim_host_add(w.sim, &hc, &w.client) ||
	    sim_node_add(w.sim, &fc, &w.flood) || sim_node_add(w.sim, &rc, &router))
		return 1;
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(5);
	struct sim_link *to_server, *to_client, *to_flood;
	if (sim_link_add(w.sim, &lc, router, sim_host_node(w.server), &to_server) ||
	    sim_link_add(w.sim, &lc, router, sim_host_node(w.client), &to_client) ||
	    sim_link_add(w.sim, &lc, router, w.flood, &to_flood))
		return 1;
	sim_node_route_add(router, SERVER_ADDR, 32, to_server);
	sim_node_route_add(router, CLIENT_ADDR, 32, to_client);
	sim_node_route_add(router, 0, 0, to_flood); /* the spoofed peers live there */

	struct synq_stack *s = sim_host_enter(w.server);
	w.listen_fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	synq_bind(s, w.listen_fd, (struct sockaddr *)&any, sizeof any);
	synq_listen(s, w.listen_fd, 64);
	sim_host_leave(w.server);

	sim_node_timer_set(w.flood, SYNQ_MSEC(1));
	sim_event_schedule(w.sim, SYNQ_MSEC(50), tick, &w, NULL);
	sim_event_schedule(w.sim, SYNQ_SEC(1), report, &w, NULL);
	sim_run_until(w.sim, SYNQ_SEC(SECONDS) + 1);

	const struct synq_mib *m = synq_stack_mib(sim_host_stack(w.server));
	int ok = m->value[SYNQ_MIB_TcpExtSyncookiesSent] > 0 && w.connected > SECONDS * 5;
	sim_destroy(w.sim);
	sim_host_free(w.server);
	sim_host_free(w.client);
	return ok ? 0 : 1;
}
