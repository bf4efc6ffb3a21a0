/* SPDX-License-Identifier: BSD-2-Clause */
/* The UNP backlog experiment (Stevens, UNP vol. 1, exercise 15.4) as a
 * simulation: a listener that never accepts, and a client that opens
 * connections 10 ms apart and counts those whose connect() succeeds. The
 * run lasts 2.5 s, long enough for SYN retransmissions to show that no
 * further connection is let in. */
#include <errno.h>
#include <string.h>

#include "synq/host.h"
#include "synq/inspect.h"
#include "synq/measure.h"
#include "synq/socket.h"

#define PROBE_CLIENT_ADDR 0x0a000001u
#define PROBE_SERVER_ADDR 0x0a000002u
#define PROBE_PORT 9877               /* UNP's SERV_PORT */
#define PROBE_ATTEMPTS 40
#define PROBE_SPACING SYNQ_MSEC(10)
#define PROBE_DURATION SYNQ_MSEC(2500)

struct probe {
	struct sim_host *client;
	int fds[PROBE_ATTEMPTS];
	uint32_t opened;
};

static void open_one(struct sim *sim, void *arg)
{
	struct probe *p = arg;
	struct synq_stack *s = sim_host_enter(p->client);
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PROBE_PORT),
		                          .sin_addr.s_addr = htonl(PROBE_SERVER_ADDR) };
		synq_connect(s, fd, (struct sockaddr *)&to, sizeof to);
		p->fds[p->opened++] = fd;
	}
	sim_host_leave(p->client);
	if (p->opened < PROBE_ATTEMPTS)
		sim_event_schedule(sim, sim_now(sim) + PROBE_SPACING, open_one, p, NULL);
}

int synq_measure_backlog(enum synq_personality personality, int backlog, uint64_t seed,
                         struct synq_backlog_result *r)
{
	memset(r, 0, sizeof *r);
	struct probe p = { 0 };
	struct sim *sim;
	struct sim_config scfg = { .seed = seed };
	int err = sim_create(&scfg, &sim);
	if (err)
		return err;
	struct synq_config server_cfg, client_cfg;
	synq_config_default(&server_cfg);
	synq_config_default(&client_cfg);
	server_cfg.personality = personality;
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
	if (!err)
		err = sim_run_until(sim, PROBE_DURATION);
	if (!err) {
		struct synq_stack *cs = sim_host_stack(p.client);
		for (uint32_t i = 0; i < p.opened; i++) {
			struct synq_tcp_info ti;
			socklen_t len = sizeof ti;
			if (synq_getsockopt(cs, p.fds[i], IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len) == 0 &&
			    ti.tcpi_state == SYNQ_TCP_ESTABLISHED)
				r->completed++;
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
	return err;
}
