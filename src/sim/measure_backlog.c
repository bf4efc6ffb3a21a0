/* SPDX-License-Identifier: BSD-2-Clause */
/* The UNP backlog experiment (Stevens, UNP vol. 1, exercise 15.4) as a
 * simulation: a listener that never accepts, and a client that opens
 * connections 10 ms apart and counts those whose connect() succeeds.
 *
 * The client goes on until it stops getting in: each attempt is looked at
 * 100 ms after it started (ten round trips of the 1 ms link), and after
 * three attempts in a row that did not complete it opens no more. The run
 * then lasts 2.5 s more, long enough for the SYN retransmissions at 1 and
 * 2 s to show that nothing further is let in, and short of the 3 s at
 * which Linux 2.4's requests stop being young and let two more in (UNP's
 * count, b + 3, is the one before that). Both stacks are sized for
 * twice the backlog and some, more than any personality queues. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "synq/host.h"
#include "synq/inspect.h"
#include "synq/measure.h"
#include "synq/socket.h"

#define PROBE_CLIENT_ADDR 0x0a000001u
#define PROBE_SERVER_ADDR 0x0a000002u
#define PROBE_PORT 9877               /* UNP's SERV_PORT */
#define PROBE_SPACING SYNQ_MSEC(10)
#define PROBE_LOOK_AFTER SYNQ_MSEC(100)
#define PROBE_FAILURES_TO_STOP 3
#define PROBE_TAIL SYNQ_MSEC(2500)

struct probe {
	struct sim_host *client;
	int *fds;
	uint32_t cap;
	uint32_t opened;
	uint32_t looked;           /* attempts looked at so far, in order */
	uint32_t failures_in_a_row;
	bool done_opening;
	synq_time_t done_at;
};

static void stop_opening(struct probe *p, synq_time_t now)
{
	if (!p->done_opening) {
		p->done_opening = true;
		p->done_at = now;
	}
}

static bool established(struct probe *p, uint32_t i)
{
	struct synq_tcp_info ti;
	socklen_t len = sizeof ti;
	return synq_getsockopt(sim_host_stack(p->client), p->fds[i], IPPROTO_TCP, SYNQ_TCP_INFO,
	                       &ti, &len) == 0 &&
	       ti.tcpi_state == SYNQ_TCP_ESTABLISHED;
}

static void look(struct sim *sim, void *arg)
{
	struct probe *p = arg;
	if (established(p, p->looked++))
		p->failures_in_a_row = 0;
	else if (++p->failures_in_a_row >= PROBE_FAILURES_TO_STOP)
		stop_opening(p, sim_now(sim));
}

static void open_one(struct sim *sim, void *arg)
{
	struct probe *p = arg;
	if (p->done_opening || p->opened == p->cap) {
		stop_opening(p, sim_now(sim));
		return;
	}
	struct synq_stack *s = sim_host_enter(p->client);
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PROBE_PORT),
		                          .sin_addr.s_addr = htonl(PROBE_SERVER_ADDR) };
		synq_connect(s, fd, (struct sockaddr *)&to, sizeof to);
		p->fds[p->opened++] = fd;
		sim_event_schedule(sim, sim_now(sim) + PROBE_LOOK_AFTER, look, p, NULL);
	} else {
		stop_opening(p, sim_now(sim));
	}
	sim_host_leave(p->client);
	sim_event_schedule(sim, sim_now(sim) + PROBE_SPACING, open_one, p, NULL);
}

int synq_measure_backlog(enum synq_personality personality, int backlog, uint64_t seed,
                         struct synq_backlog_result *r)
{
	memset(r, 0, sizeof *r);
	if (backlog < 0)
		backlog = 0;
	struct probe p = { .cap = 2 * (uint32_t)backlog + 64 };
	p.fds = malloc(p.cap * sizeof p.fds[0]);
	if (p.fds == NULL)
		return -ENOMEM;
	struct sim *sim;
	struct sim_config scfg = { .seed = seed };
	int err = sim_create(&scfg, &sim);
	if (err) {
		free(p.fds);
		return err;
	}
	struct synq_config server_cfg, client_cfg;
	synq_config_default(&server_cfg);
	synq_config_default(&client_cfg);
	server_cfg.personality = personality;
	server_cfg.max_sockets = server_cfg.max_connections = server_cfg.max_requests = p.cap + 16;
	client_cfg.max_sockets = client_cfg.max_connections = p.cap + 16;
	struct sim_host *server = NULL;
	struct sim_host_config hc = { .name = "client", .addr = PROBE_CLIENT_ADDR,
	                              .stack = &client_cfg, .seed = seed + 1 };
	err = sim_host_add(sim, &hc, &p.client);
	if (!err) {
		hc = (struct sim_host_config){ .name = "server", .addr = PROBE_SERVER_ADDR,
		                               .stack = &server_cfg, .seed = seed + 2 };
		err = sim_host_add(sim, &hc, &server);
	}
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(1);
	struct sim_link *link;
	if (!err)
		err = sim_link_add(sim, &lc, sim_host_node(p.client), sim_host_node(server), &link);
	int lfd = -1;
	if (!err) {
		struct synq_stack *s = sim_host_enter(server);
		lfd = synq_socket(s, AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(PROBE_PORT) };
		err = synq_bind(s, lfd, (struct sockaddr *)&any, sizeof any);
		if (!err)
			err = synq_listen(s, lfd, backlog);
		sim_host_leave(server);
	}
	if (!err)
		err = sim_event_schedule(sim, SYNQ_MSEC(1), open_one, &p, NULL);
	while (!err && !p.done_opening)
		err = sim_run_until(sim, sim_now(sim) + PROBE_LOOK_AFTER);
	if (!err)
		err = sim_run_until(sim, p.done_at + PROBE_TAIL);
	if (!err) {
		for (uint32_t i = 0; i < p.opened; i++) {
			int soerr = 0;
			socklen_t len = sizeof soerr;
			if (established(&p, i))
				r->completed++;
			else if (synq_getsockopt(sim_host_stack(p.client), p.fds[i], SOL_SOCKET,
			                         SO_ERROR, &soerr, &len) == 0 &&
			         soerr == ECONNREFUSED)
				r->refused++;
		}
		r->attempted = p.opened;
		struct synq_listener_info li;
		if (synq_listeners(sim_host_stack(server), &li, 1) == 1)
			r->accept_queue = li.accept_len;
		r->listen_drops = synq_stack_mib(sim_host_stack(server))
		                      ->value[SYNQ_MIB_TcpExtListenDrops];
	}
	sim_destroy(sim);
	sim_host_free(p.client);
	sim_host_free(server);
	free(p.fds);
	return err;
}
