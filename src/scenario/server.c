/* SPDX-License-Identifier: BSD-2-Clause */
/* The server under test: synq httpd (src/app/httpd.h) on the server host.
 *
 * [server]'s model picks the MPM (prefork, event), port is Listen, and
 * every other key is an httpd directive by its Apache or nginx name,
 * checked by synq_httpd_config_set() itself, so the scenario format grows
 * with the server without a line changing here. Two names are special:
 *   LISTENQ  the environment variable of UNP's Listen() wrapper (seed 002,
 *            C16); a scenario names it instead of reading the real
 *            environment, so the run stays a function of its file.
 *   Seed     the service-time draws; by default derived from run.seed.
 * Model none is the backlog experiment's server (UNP exercise 15.4):
 * socket, bind, listen(ListenBacklog or LISTENQ), and never accept(); with
 * accept_every it is a slow application instead: a blocking accept(), then
 * a sleep of accept_every, again and again, holding every connection it
 * takes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/httpd.h"
#include "scenario/server.h"
#include "synq/socket.h"

struct scn_server_inst {
	struct sim_host *host;
	struct synq_httpd *httpd;  /* NULL for model none */
	int lfd;
	synq_time_t accept_every;  /* model none: 0 never accepts */
	synq_time_t asleep_until;  /* the slow application's next accept() */
	sim_event_id wake;
	uint64_t accepts;
};

static const char *const reserved[][2] = {
	{ "MPM", "model" }, { "ServerMPM", "model" }, { "Listen", "port" },
};

/* Apply one [server] directive to cfg: NULL, or the reason in err. */
static const char *directive_apply(struct synq_httpd_config *cfg, const char *name,
                                   const char *value, char *err, size_t err_len)
{
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (!strcasecmp(name, reserved[i][0])) {
			snprintf(err, err_len, "set it with the key %s", reserved[i][1]);
			return err;
		}
	if (!strcmp(name, "LISTENQ")) {
		if (synq_httpd_config_listenq(cfg, value)) {
			snprintf(err, err_len, "LISTENQ is a backlog (a count)");
			return err;
		}
		return NULL;
	}
	if (synq_httpd_config_set(cfg, name, value, err, err_len)) {
		/* httpd says "Directive \"value\": why"; the loader already
		 * names the key and the value, so keep the why */
		const char *why = strstr(err, "\": ");
		if (why)
			memmove(err, why + 3, strlen(why + 3) + 1);
		return err;
	}
	return NULL;
}

const char *scn_server_directive_check(const char *name, const char *value)
{
	/* The message outlives this call until the next one: the loader
	 * copies it at once. */
	static char err[200];
	struct synq_httpd_config cfg;
	synq_httpd_config_default(&cfg);
	return directive_apply(&cfg, name, value, err, sizeof err);
}

static int listen_only(struct scn_server_inst *srv, const struct synq_httpd_config *cfg,
                       char *why, size_t why_cap)
{
	struct synq_stack *st = sim_host_enter(srv->host);
	int fd = synq_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int err = fd < 0 ? fd : 0;
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(cfg->listen_port) };
	if (!err)
		err = synq_bind(st, fd, (struct sockaddr *)&any, sizeof any);
	if (!err && cfg->defer_accept_s > 0)
		err = synq_setsockopt(st, fd, IPPROTO_TCP, SYNQ_TCP_DEFER_ACCEPT,
		                      &cfg->defer_accept_s, sizeof cfg->defer_accept_s);
	if (!err)
		err = synq_listen(st, fd, cfg->listen_backlog);
	sim_host_leave(srv->host);
	if (err)
		snprintf(why, why_cap, "server: cannot listen on port %u: %s",
		         (unsigned)cfg->listen_port, strerror(-err));
	srv->lfd = fd;
	return err;
}

int scn_server_start(const struct scn_server *s, uint64_t seed, struct sim_host *host,
                     struct scn_server_inst **out, char *why, size_t why_cap)
{
	*out = NULL;
	struct synq_httpd_config cfg;
	synq_httpd_config_default(&cfg);
	cfg.mpm = s->model == SCN_SERVER_EVENT ? SYNQ_HTTPD_EVENT : SYNQ_HTTPD_PREFORK;
	cfg.listen_port = (uint16_t)s->port;
	cfg.seed = seed;
	char err[200];
	for (unsigned i = 0; i < s->n_directives; i++)
		if (directive_apply(&cfg, s->directive[i].name, s->directive[i].value, err,
		                    sizeof err)) {
			snprintf(why, why_cap, "server.%s: %s", s->directive[i].name, err);
			return -EINVAL;
		}
	if (s->model != SCN_SERVER_NONE && s->accept_every_ns > 0) {
		snprintf(why, why_cap, "server.accept_every: only model none takes it "
		                       "(httpd accepts as its workers free up)");
		return -EINVAL;
	}
	struct scn_server_inst *srv = calloc(1, sizeof *srv);
	if (srv == NULL)
		return -ENOMEM;
	srv->host = host;
	srv->lfd = -1;
	int rc;
	if (s->model == SCN_SERVER_NONE) {
		srv->accept_every = s->accept_every_ns;
		rc = listen_only(srv, &cfg, why, why_cap);
	} else {
		rc = synq_httpd_new(&srv->httpd, &cfg, NULL);
		if (rc)
			snprintf(why, why_cap, "server: httpd refused its config: %s", strerror(-rc));
		else if ((rc = synq_httpd_attach_sim(srv->httpd, host)))
			snprintf(why, why_cap, "server: cannot listen on port %u: %s",
			         (unsigned)cfg.listen_port, strerror(-rc));
	}
	if (rc) {
		scn_server_free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

static void slow_accept(struct scn_server_inst *srv);

static void slow_wake(struct sim *sim, void *arg)
{
	(void)sim;
	struct scn_server_inst *srv = arg;
	srv->wake = 0;
	sim_host_enter(srv->host);
	slow_accept(srv);
	sim_host_leave(srv->host);
}

/* The slow application: awake, it takes one connection if one is queued
 * (else it stays blocked in accept() until one is) and sleeps again. */
static void slow_accept(struct scn_server_inst *srv)
{
	struct sim *sim = sim_node_sim(sim_host_node(srv->host));
	synq_time_t now = sim_now(sim);
	if (now < srv->asleep_until)
		return;
	int fd = synq_accept(sim_host_stack(srv->host), srv->lfd, NULL, NULL);
	if (fd < 0)
		return;
	srv->accepts++;
	srv->asleep_until = now + srv->accept_every;
	if (sim_event_schedule(sim, srv->asleep_until, slow_wake, srv, &srv->wake) != 0)
		srv->wake = 0;
}

void scn_server_after_event(struct scn_server_inst *srv)
{
	if (srv->httpd)
		synq_httpd_sim_app(srv->httpd, srv->host);
	else if (srv->accept_every > 0)
		slow_accept(srv);
}

uint64_t scn_server_accepts(const struct scn_server_inst *srv)
{
	if (srv == NULL)
		return 0;
	if (srv->httpd == NULL)
		return srv->accepts;
	struct synq_httpd_counters c;
	synq_httpd_counters(srv->httpd, &c);
	return c.accepts;
}

void scn_server_scoreboard(const struct scn_server_inst *srv, uint32_t counts[SCN_SCOREBOARD_N])
{
	memset(counts, 0, SCN_SCOREBOARD_N * sizeof counts[0]);
	if (srv->httpd == NULL)
		return;
	struct synq_httpd_counters c;
	synq_httpd_counters(srv->httpd, &c);
	for (unsigned i = 0; i < SCN_SCOREBOARD_N; i++)
		counts[i] = c.by_state[(unsigned char)SCN_SCOREBOARD_STATES[i]];
}

struct synq_httpd *scn_server_httpd(const struct scn_server_inst *srv)
{
	return srv ? srv->httpd : NULL;
}

void scn_server_free(struct scn_server_inst *srv)
{
	if (srv == NULL)
		return;
	if (srv->wake)
		sim_event_cancel(sim_node_sim(sim_host_node(srv->host)), srv->wake);
	synq_httpd_free(srv->httpd);
	free(srv);
}
