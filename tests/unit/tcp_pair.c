/* SPDX-License-Identifier: BSD-2-Clause */
#include "tcp_pair.h"

#include <errno.h>
#include <string.h>

#include "synq/socket.h"

#define CLIENT_SALT PAIR_CLIENT_SALT
#define SERVER_SALT PAIR_SERVER_SALT

static uint8_t stream_byte(uint64_t offset, uint8_t salt)
{
	uint64_t x = offset * 0x9e3779b97f4a7c15ull + salt;
	x ^= x >> 29;
	return (uint8_t)(x ^ (x >> 8));
}

static uint64_t fnv_step(uint64_t h, uint8_t b)
{
	return (h ^ b) * 0x100000001b3ull;
}

uint64_t pair_expected_hash(uint64_t n, uint8_t salt)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < n; i++)
		h = fnv_step(h, stream_byte(i, salt));
	return h;
}

static void side_fail(struct pair_side *side, int err)
{
	if (side->error == 0)
		side->error = err;
}

static void side_pump(struct synq_stack *s, struct pair_side *side, uint8_t salt)
{
	uint8_t buf[16384];
	/* Read everything available. */
	for (;;) {
		ssize_t n = synq_read(s, side->fd, buf, sizeof buf);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			side_fail(side, (int)-n);
			break;
		}
		if (n == 0) {
			side->eof = true;
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			side->hash = fnv_step(side->hash, buf[i]);
		side->received += (uint64_t)n;
	}
	/* Write as much as the buffer takes. */
	while (side->sent < side->to_send) {
		size_t chunk = sizeof buf;
		if (side->to_send - side->sent < chunk)
			chunk = (size_t)(side->to_send - side->sent);
		for (size_t i = 0; i < chunk; i++)
			buf[i] = stream_byte(side->sent + i, salt);
		ssize_t n = synq_write(s, side->fd, buf, chunk);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			side_fail(side, (int)-n);
			return;
		}
		side->sent += (uint64_t)n;
	}
	bool done_sending = side->sent == side->to_send;
	if (!side->closed && done_sending && (side->close_first || side->eof)) {
		if (side->close_first && !side->eof) {
			synq_shutdown(s, side->fd, SHUT_WR);
			if (side->received < side->expect)
				return; /* keep reading */
		}
		if (side->received >= side->expect || side->eof) {
			synq_close(s, side->fd);
			side->closed = true;
		}
	}
}

static void client_app(void *ctx, struct sim_host *host)
{
	struct pair *p = ctx;
	struct pair_side *side = &p->client;
	struct synq_stack *s = sim_host_stack(host);
	if (side->closed || side->fd < 0)
		return;
	if (side->connect_result == -EINPROGRESS) {
		int ev = synq_sock_events(s, side->fd);
		if (ev & (POLLOUT | POLLERR | POLLHUP)) {
			struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PAIR_PORT),
			                          .sin_addr.s_addr = htonl(PAIR_SERVER_ADDR) };
			int r = synq_connect(s, side->fd, (struct sockaddr *)&to, sizeof to);
			if (r == -EALREADY || r == -EINPROGRESS)
				return;
			side->connect_result = r;
			if (r != 0) {
				side_fail(side, -r);
				synq_close(s, side->fd);
				side->closed = true;
				return;
			}
		} else {
			return;
		}
	}
	side_pump(s, side, CLIENT_SALT);
}

static void server_app(void *ctx, struct sim_host *host)
{
	struct pair *p = ctx;
	struct pair_side *side = &p->server;
	struct synq_stack *s = sim_host_stack(host);
	if (side->fd < 0 && side->listen_fd >= 0) {
		int fd = synq_accept(s, side->listen_fd, NULL, NULL);
		if (fd >= 0) {
			side->fd = fd;
			synq_close(s, side->listen_fd);
			side->listen_fd = -1;
		}
	}
	if (side->fd >= 0 && !side->closed)
		side_pump(s, side, SERVER_SALT);
}

static void start_client(struct sim *sim, void *arg)
{
	(void)sim;
	struct pair *p = arg;
	struct synq_stack *s = sim_host_enter(p->client.host);
	p->client.fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PAIR_PORT),
	                          .sin_addr.s_addr = htonl(PAIR_SERVER_ADDR) };
	p->client.connect_result = synq_connect(s, p->client.fd, (struct sockaddr *)&to, sizeof to);
	sim_host_leave(p->client.host);
}

int pair_setup(struct pair *p, const struct pair_config *cfg)
{
	memset(p, 0, sizeof *p);
	struct sim_config scfg = { .seed = cfg->seed };
	int err = sim_create(&scfg, &p->sim);
	if (err)
		return err;
	struct sim_host_config hc = { .name = "client", .addr = PAIR_CLIENT_ADDR,
	                              .stack = cfg->stack, .seed = cfg->seed * 2 + 1,
	                              .app = client_app, .app_ctx = p };
	if ((err = sim_host_add(p->sim, &hc, &p->client.host)))
		return err;
	hc.name = "server";
	hc.addr = PAIR_SERVER_ADDR;
	hc.seed = cfg->seed * 2 + 2;
	hc.app = server_app;
	if ((err = sim_host_add(p->sim, &hc, &p->server.host)))
		return err;
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = cfg->one_way_delay;
	lc.rate_bps = cfg->rate_bps;
	lc.loss = cfg->loss;
	lc.jitter_ns = cfg->jitter;
	lc.reorder = cfg->reorder;
	lc.reorder_delay_ns = cfg->reorder_delay;
	err = sim_link_add(p->sim, &lc, sim_host_node(p->client.host),
	                   sim_host_node(p->server.host), &p->link);
	if (err)
		return err;

	p->client.fd = p->server.fd = -1;
	p->client.to_send = cfg->client_bytes;
	p->client.expect = cfg->server_bytes;
	p->client.close_first = cfg->client_closes_first;
	p->server.to_send = cfg->server_bytes;
	p->server.expect = cfg->client_bytes;
	p->server.close_first = cfg->server_closes_first;
	p->client.hash = p->server.hash = 0xcbf29ce484222325ull;

	struct synq_stack *s = sim_host_enter(p->server.host);
	p->server.listen_fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(PAIR_PORT) };
	err = synq_bind(s, p->server.listen_fd, (struct sockaddr *)&any, sizeof any);
	if (!err)
		err = synq_listen(s, p->server.listen_fd, 16);
	sim_host_leave(p->server.host);
	if (err)
		return err;
	return sim_event_schedule(p->sim, SYNQ_MSEC(1), start_client, p, NULL);
}

void pair_teardown(struct pair *p)
{
	sim_destroy(p->sim);
	sim_host_free(p->client.host);
	sim_host_free(p->server.host);
}

synq_time_t pair_run(struct pair *p, synq_time_t limit)
{
	synq_time_t step = SYNQ_MSEC(100);
	for (synq_time_t t = step; t <= limit; t += step) {
		sim_run_until(p->sim, t);
		if (p->client.closed && p->server.closed)
			break;
	}
	return sim_now(p->sim);
}
