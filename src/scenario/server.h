/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SCENARIO_SERVER_H
#define SYNQ_SCENARIO_SERVER_H

/* The server under test, seen from the scenario: the bridge between
 * [server] and synq httpd (src/app). The scenario never serves HTTP
 * itself; it starts the server on the server host's stack, lets it run
 * after every event, and reads its scoreboard for the report. */

#include <stdint.h>

#include "scenario/scenario.h"
#include "synq/host.h"

/* Apache's scoreboard characters, in the order the report lists them. */
#define SCN_SCOREBOARD_STATES "_SRWKDCLGI."
#define SCN_SCOREBOARD_N 11

struct scn_server_inst;

/* Whether the server takes directive name with value: NULL, or a message. */
const char *scn_server_directive_check(const char *name, const char *value);

/* Start the server described by s on host (listening on s->port before
 * this returns); seed feeds its service-time draws unless [server] sets
 * Seed. 0, or -errno with a one-line reason in why. */
int scn_server_start(const struct scn_server *s, uint64_t seed, struct sim_host *host,
                     struct scn_server_inst **out, char *why, size_t why_cap);
/* Called by the world after every event on the server host. */
void scn_server_after_event(struct scn_server_inst *srv);
/* Slots per scoreboard state, in SCN_SCOREBOARD_STATES order; all zero
 * for a server without a scoreboard (model none). */
void scn_server_scoreboard(const struct scn_server_inst *srv, uint32_t counts[SCN_SCOREBOARD_N]);
/* Connections the server application has accept()ed. */
uint64_t scn_server_accepts(const struct scn_server_inst *srv);
/* The httpd, for its counters (NULL for model none). */
struct synq_httpd *scn_server_httpd(const struct scn_server_inst *srv);
/* Before sim_destroy(): the server closes its sockets on the stack. */
void scn_server_free(struct scn_server_inst *srv);

#endif
