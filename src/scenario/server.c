/* SPDX-License-Identifier: BSD-2-Clause */
/* The server under test. Model none is the backlog experiment's server
 * (UNP exercise 15.4): socket, bind, listen(ListenBacklog), and never
 * accept(). The HTTP models run synq httpd (src/app). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scenario/server.h"
#include "synq/socket.h"

#define LISTEN_BACKLOG_DEFAULT 511 /* Apache's ListenBacklog */

struct scn_server_inst {
	struct sim_host *host;
	int lfd;
};

const char *scn_server_directive_check(const char *name, const char *value)
{
	if (!strcasecmp(name, "ListenBacklog")) {
		char *end;
		long v = strtol(value, &end, 10);
		if (end == value || *end || v < -1 || v > 65535)
			return "ListenBacklog is a number";
		return NULL;
	}
	return "unknown server directive";
}

static int backlog_of(const struct scn_server *s)
{
	int backlog = LISTEN_BACKLOG_DEFAULT;
	for (unsigned i = 0; i < s->n_directives; i++)
		if (!strcasecmp(s->directive[i].name, "ListenBacklog"))
			backlog = atoi(s->directive[i].value);
	return backlog;
}

int scn_server_start(const struct scn_server *s, struct sim_host *host,
                     struct scn_server_inst **out, char *why, size_t why_cap)
{
	*out = NULL;
	if (s->model != SCN_SERVER_NONE) {
		snprintf(why, why_cap, "server model %s needs synq httpd, not built in yet",
		         scn_server_model_name(s->model));
		return -ENOSYS;
	}
	struct scn_server_inst *srv = calloc(1, sizeof *srv);
	if (srv == NULL)
		return -ENOMEM;
	srv->host = host;
	struct synq_stack *st = sim_host_enter(host);
	int fd = synq_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int err = fd < 0 ? fd : 0;
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->port) };
	if (!err)
		err = synq_bind(st, fd, (struct sockaddr *)&any, sizeof any);
	if (!err)
		err = synq_listen(st, fd, backlog_of(s));
	sim_host_leave(host);
	if (err) {
		snprintf(why, why_cap, "server: cannot listen on port %u: %s", (unsigned)s->port,
		         strerror(-err));
		free(srv);
		return err;
	}
	srv->lfd = fd;
	*out = srv;
	return 0;
}

void scn_server_after_event(struct scn_server_inst *srv)
{
	(void)srv;
}

void scn_server_scoreboard(const struct scn_server_inst *srv, uint32_t counts[SCN_SCOREBOARD_N])
{
	(void)srv;
	memset(counts, 0, SCN_SCOREBOARD_N * sizeof counts[0]);
}

int scn_server_listen_fd(const struct scn_server_inst *srv)
{
	return srv->lfd;
}

void scn_server_free(struct scn_server_inst *srv)
{
	free(srv);
}
