/* SPDX-License-Identifier: BSD-2-Clause */
/* Two synq stacks in the simulator, joined by a 10 Mbit/s link with 20 ms
 * of delay and 2 % loss each way, move a 1 MB file. The client writes as
 * long as the socket takes data and stops at -EAGAIN; the server reads
 * what is there; both act only when their host calls them after an event.
 * Uses the public headers only. Exit status 0 when every byte arrived,
 * in order. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "synq/host.h"
#include "synq/sim.h"
#include "synq/socket.h"
#include "synq/stack.h"

#define CLIENT_ADDR 0x0a000001u
#define SERVER_ADDR 0x0a000002u
#define PORT 9000
#define FILE_BYTES (1000 * 1000)

static uint8_t byte_at(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 10));
}

struct client {
	int fd;
	size_t sent;
	int done;
};

struct server {
	int listen_fd, fd;
	size_t received;
	int bad, eof;
	synq_time_t eof_at;
};

static void client_app(void *ctx, struct sim_host *host)
{
	struct client *c = ctx;
	struct synq_stack *s = sim_host_stack(host);
	if (c->done || !(synq_sock_events(s, c->fd) & POLLOUT))
		return;
	uint8_t buf[8192];
	while (c->sent < FILE_BYTES) {
		size_t n = FILE_BYTES - c->sent < sizeof buf ? FILE_BYTES - c->sent : sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = byte_at(c->sent + i);
		ssize_t w = synq_write(s, c->fd, buf, n);
		if (w <= 0)
			return; /* -EAGAIN: called again when an event made room */
		c->sent += (size_t)w;
	}
	synq_shutdown(s, c->fd, SHUT_WR);
	c->done = 1;
}

static void server_app(void *ctx, struct sim_host *host)
{
	struct server *v = ctx;
	struct synq_stack *s = sim_host_stack(host);
	if (v->fd < 0)
		v->fd = synq_accept4(s, v->listen_fd, NULL, NULL, SOCK_NONBLOCK);
	if (v->fd < 0 || v->eof)
		return;
	uint8_t buf[8192];
	ssize_t r;
	while ((r = synq_read(s, v->fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < r; i++)
			v->bad += buf[i] != byte_at(v->received + (size_t)i);
		v->received += (size_t)r;
	}
	if (r == 0) {
		v->eof = 1;
		v->eof_at = synq_stack_now(s);
		synq_close(s, v->fd);
	}
}

/* At time 0: the server listens, the client connects. */
static void start(struct sim *sim, void *arg)
{
	(void)sim;
	struct sim_host **hosts = arg;
	struct server *v = sim_host_app_ctx(hosts[1]);
	struct synq_stack *s = sim_host_enter(hosts[1]);
	v->listen_fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	synq_bind(s, v->listen_fd, (struct sockaddr *)&any, sizeof any);
	synq_listen(s, v->listen_fd, 16);
	sim_host_leave(hosts[1]);

	struct client *c = sim_host_app_ctx(hosts[0]);
	s = sim_host_enter(hosts[0]);
	c->fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
	                          .sin_addr.s_addr = htonl(SERVER_ADDR) };
	synq_connect(s, c->fd, (struct sockaddr *)&to, sizeof to);
	sim_host_leave(hosts[0]);
}

int main(void)
{
	struct sim *sim;
	struct sim_config scfg = { .seed = 7 };
	if (sim_create(&scfg, &sim) != 0)
		return 1;
	static struct client c = { .fd = -1 };
	static struct server v = { .listen_fd = -1, .fd = -1 };
	struct sim_host *hosts[2];
	struct sim_host_config hc = { .name = "client", .addr = CLIENT_ADDR, .seed = 1,
	                              .app = client_app, .app_ctx = &c };
	struct sim_host_config hs = { .name = "server", .addr = SERVER_ADDR, .seed = 2,
	                              .app = server_app, .app_ctx = &v };
	if (sim_host_add(sim, &hc, &hosts[0]) || sim_host_add(sim, &hs, &hosts[1]))
		return 1;
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(20);
	lc.rate_bps = 10 * 1000 * 1000;
	lc.loss = 0.02;
	struct sim_link *link;
	if (sim_link_add(sim, &lc, sim_host_node(hosts[0]), sim_host_node(hosts[1]), &link))
		return 1;
	sim_event_schedule(sim, 0, start, hosts, NULL);
	sim_run_until(sim, SYNQ_SEC(120));

	struct synq_stack_usage u;
	synq_stack_usage(sim_host_stack(hosts[0]), &u);
	const struct synq_mib *m = synq_stack_mib(sim_host_stack(hosts[0]));
	printf("file_transfer: %zu of %d bytes arrived, %d wrong, eof %s, "
	       "%llu segments retransmitted, done at %.3f simulated s\n",
	       v.received, FILE_BYTES, v.bad, v.eof ? "yes" : "no",
	       (unsigned long long)m->value[SYNQ_MIB_TcpRetransSegs],
	       (double)v.eof_at / 1e9);
	int ok = v.received == FILE_BYTES && v.bad == 0 && v.eof &&
	         m->value[SYNQ_MIB_TcpRetransSegs] > 0;
	sim_destroy(sim);
	sim_host_free(hosts[0]);
	sim_host_free(hosts[1]);
	return ok ? 0 : 1;
}
