/* SPDX-License-Identifier: BSD-2-Clause */
/* The UNP backlog experiment (Stevens, UNP vol. 1, exercise 15.4, the
 * program behind Table 4.6) as a simulation, run the way the book's
 * program runs it:
 *
 *   - one host (UNP used the loopback address, so client and server are
 *     the same system: here two stacks of the same personality joined by
 *     a 1 ms link) listens with the backlog and never calls accept();
 *   - the client connects, blocking, one connection after another, each
 *     connect() under a 2 s alarm;
 *   - the first connect() that has not returned when its alarm goes off
 *     ends the run; the count is the connects that returned before it.
 *     A connect() that fails (a reset: ECONNREFUSED) also ends it; UNP's
 *     program stopped there too, with an error.
 *
 * The count is therefore what the client sees, which is not always what
 * the server holds (Linux 2.4 answers two SYNs more than it queues). The
 * server's accept queue is read when the run ends.
 *
 * Blocking connect() is played by a non-blocking one that the client host
 * looks at after every event on it; the next connect() starts in the same
 * instant as the previous one completes. There is no cap on the count
 * below what any personality can queue: a run whose client is still
 * getting in at 2 * backlog + 64 connections reports -ERANGE instead of a
 * number (UNP's program printed "100 connections?" at its cap). */
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
#define PROBE_ALARM SYNQ_SEC(2)       /* alarm(2) around each connect() */

enum probe_end {
	PROBE_RUNNING,
	PROBE_TIMED_OUT,   /* the alarm went off: the normal end */
	PROBE_REFUSED,     /* connect() failed with ECONNREFUSED */
	PROBE_FAILED,      /* connect() failed otherwise */
	PROBE_CAPPED,      /* still completing at the cap: not measured */
};

struct probe {
	struct sim *sim;
	struct sim_host *client;
	uint32_t cap;
	uint32_t opened;
	uint32_t completed;
	int fd;                  /* the connect() under way, or -1 */
	sim_event_id alarm;
	enum probe_end end;
	int err;                 /* a failure to build the next attempt */
};

/* The run ends where it ends: nothing after it is looked at. */
static void finish(struct probe *p, enum probe_end end)
{
	p->end = end;
	sim_stop(p->sim);
}

static void alarm_fired(struct sim *sim, void *arg)
{
	(void)sim;
	struct probe *p = arg;
	if (p->end == PROBE_RUNNING)
		finish(p, PROBE_TIMED_OUT);
}

/* socket(), connect(), alarm(2). Called with the client's stack entered. */
static void connect_next(struct probe *p, struct synq_stack *s)
{
	p->fd = -1;
	if (p->opened == p->cap) {
		finish(p, PROBE_CAPPED);
		return;
	}
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		p->err = fd;
		finish(p, PROBE_FAILED);
		return;
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PROBE_PORT),
	                          .sin_addr.s_addr = htonl(PROBE_SERVER_ADDR) };
	int rc = synq_connect(s, fd, (struct sockaddr *)&to, sizeof to);
	if (rc != 0 && rc != -EINPROGRESS) {
		p->err = rc;
		finish(p, PROBE_FAILED);
		return;
	}
	p->fd = fd;
	p->opened++;
	int err = sim_event_schedule(p->sim, sim_now(p->sim) + PROBE_ALARM, alarm_fired, p,
	                             &p->alarm);
	if (err) {
		p->err = err;
		finish(p, PROBE_FAILED);
	}
}

/* The client host's application: after every event on it, has the
 * connect() under way returned? */
static void client_app(void *arg, struct sim_host *host)
{
	struct probe *p = arg;
	if (p->end != PROBE_RUNNING || p->fd < 0)
		return;
	struct synq_stack *s = sim_host_stack(host);
	struct synq_tcp_info ti;
	socklen_t len = sizeof ti;
	if (synq_getsockopt(s, p->fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len) != 0)
		return;
	if (ti.tcpi_state == SYNQ_TCP_ESTABLISHED) {
		p->completed++;
		sim_event_cancel(p->sim, p->alarm);
		connect_next(p, s);
		return;
	}
	int soerr = 0;
	len = sizeof soerr;
	if (synq_getsockopt(s, p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0) {
		sim_event_cancel(p->sim, p->alarm);
		finish(p, soerr == ECONNREFUSED ? PROBE_REFUSED : PROBE_FAILED);
	}
}

static void first_connect(struct sim *sim, void *arg)
{
	(void)sim;
	struct probe *p = arg;
	struct synq_stack *s = sim_host_enter(p->client);
	connect_next(p, s);
	sim_host_leave(p->client);
}

int synq_measure_backlog(enum synq_personality personality, int backlog, uint64_t seed,
                         struct synq_backlog_result *r)
{
	memset(r, 0, sizeof *r);
	if (backlog < 0)
		backlog = 0;
	/* More than any personality completes: 3b/2 + 1 (BSD), b + 3 (2.4). */
	struct probe p = { .cap = 2 * (uint32_t)backlog + 64, .fd = -1 };
	struct sim_config scfg = { .seed = seed };
	int err = sim_create(&scfg, &p.sim);
	if (err)
		return err;
	struct synq_config server_cfg, client_cfg;
	synq_config_default(&server_cfg);
	server_cfg.personality = personality;
	server_cfg.max_sockets = server_cfg.max_connections = server_cfg.max_requests = p.cap + 16;
	client_cfg = server_cfg;
	struct sim_host *server = NULL;
	struct sim_host_config hc = { .name = "client", .addr = PROBE_CLIENT_ADDR,
	                              .stack = &client_cfg, .seed = seed + 1,
	                              .app = client_app, .app_ctx = &p };
	err = sim_host_add(p.sim, &hc, &p.client);
	if (!err) {
		hc = (struct sim_host_config){ .name = "server", .addr = PROBE_SERVER_ADDR,
		                               .stack = &server_cfg, .seed = seed + 2 };
		err = sim_host_add(p.sim, &hc, &server);
	}
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(1);
	struct sim_link *link;
	if (!err)
		err = sim_link_add(p.sim, &lc, sim_host_node(p.client), sim_host_node(server), &link);
	if (!err) {
		struct synq_stack *s = sim_host_enter(server);
		int lfd = synq_socket(s, AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(PROBE_PORT) };
		err = lfd < 0 ? lfd : synq_bind(s, lfd, (struct sockaddr *)&any, sizeof any);
		if (!err)
			err = synq_listen(s, lfd, backlog);
		sim_host_leave(server);
	}
	if (!err)
		err = sim_event_schedule(p.sim, SYNQ_MSEC(1), first_connect, &p, NULL);
	/* Each step is at least one connect() or one alarm. */
	while (!err && p.end == PROBE_RUNNING)
		err = sim_run_until(p.sim, sim_now(p.sim) + PROBE_ALARM);
	if (!err && p.end == PROBE_FAILED)
		err = p.err ? p.err : -EIO;
	r->completed = p.completed;
	r->attempted = p.opened;
	if (!err && p.end == PROBE_CAPPED)
		err = -ERANGE;
	if (!err) {
		r->refused = p.end == PROBE_REFUSED;
		struct synq_listener_info li;
		if (synq_listeners(sim_host_stack(server), &li, 1) == 1)
			r->accept_queue = li.accept_len;
		r->listen_drops = synq_stack_mib(sim_host_stack(server))
		                      ->value[SYNQ_MIB_TcpExtListenDrops];
	}
	sim_destroy(p.sim);
	sim_host_free(p.client);
	sim_host_free(server);
	return err;
}
