/* SPDX-License-Identifier: BSD-2-Clause */
/* [server]: the HTTP server under test (synq httpd), its worker model,
 * its port, and its directives under Apache's and nginx's names
 * (MaxRequestWorkers = 150, RequestReadTimeout = header=20-40,MinRate=500,
 * AcceptFilter = http deferred ...). The directives are checked by the
 * server itself (server.h), so this file does not need to know them. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "scenario/section.h"
#include "scenario/server.h"

static const char *const server_models[] = { "prefork", "event", "none", NULL };

static const struct scn_key server_keys[] = {
	{ .name = "model", .type = SCN_T_ENUM, .offset = offsetof(struct scn_server, model),
	  .def = "prefork", .choices = server_models,
	  .doc = "prefork (a slot per connection, as Apache's prefork MPM), event (one "
	         "loop over epoll, as Apache's event MPM and nginx), or none (listen() "
	         "and never accept(): the backlog experiment)." },
	{ .name = "port", .type = SCN_T_COUNT, .offset = offsetof(struct scn_server, port),
	  .def = "80", .min = 1, .max = 65535, .doc = "TCP port the server listens on." },
	{ .name = "accept_every", .type = SCN_T_DURATION,
	  .offset = offsetof(struct scn_server, accept_every_ns), .def = "0",
	  .doc = "Model none: the application accept()s one connection, then sleeps this "
	         "long before its next accept() (a slow single-threaded server); it holds "
	         "what it accepts open and never reads. 0: it never accepts." },
	{ .name = "link", .type = SCN_T_NAME, .offset = offsetof(struct scn_server, link),
	  .def = NULL,
	  .doc = "A [link.NAME] between the server and a router that every population "
	         "joins; without it populations connect to the server directly." },
};

static void *server_open(struct scenario *scn, const char *instance, struct scn_where where,
                         struct scn_errors *errs)
{
	(void)instance, (void)where, (void)errs;
	scn->server.present = true;
	return &scn->server;
}

static const char *server_set_other(struct scenario *scn, void *obj, const char *key,
                                    const char *value, struct scn_where where)
{
	(void)scn;
	struct scn_server *s = obj;
	const char *err = scn_server_directive_check(key, value);
	if (err)
		return err;
	if (s->n_directives == SCN_DIRECTIVES_MAX)
		return "too many directives";
	if (strlen(key) >= SCN_NAME_MAX || strlen(value) >= SCN_DIRECTIVE_VALUE_MAX)
		return "directive too long";
	struct scn_directive *d = &s->directive[s->n_directives++];
	snprintf(d->name, sizeof d->name, "%s", key);
	snprintf(d->value, sizeof d->value, "%s", value);
	d->line = where.line;
	return NULL;
}

const struct scn_section_kind scn_section_server = {
	.name = "server",
	.implicit = true,
	.doc = "The HTTP server (synq httpd) on host 10.0.0.1: worker model, port, and "
	       "any httpd directive by its Apache or nginx name.",
	.keys = server_keys,
	.n_keys = sizeof server_keys / sizeof server_keys[0],
	.open = server_open,
	.set_other = server_set_other,
};
