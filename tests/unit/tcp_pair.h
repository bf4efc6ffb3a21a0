/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TESTS_TCP_PAIR_H
#define SYNQ_TESTS_TCP_PAIR_H

/* Test support: two synq hosts joined by one simulated link, with a bulk
 * transfer application on each side. Each side sends `bytes` of a
 * deterministic stream, reads what the other sends, hashes it, and closes
 * once both directions are done. */

#include <stdbool.h>
#include <stdint.h>

#include "synq/host.h"
#include "synq/sim.h"

#define PAIR_CLIENT_ADDR 0x0a000001u /* 10.0.0.1 */
#define PAIR_SERVER_ADDR 0x0a000002u /* 10.0.0.2 */
#define PAIR_PORT 8080
#define PAIR_CLIENT_SALT 0x11
#define PAIR_SERVER_SALT 0x77

struct pair_side {
	struct sim_host *host;
	int fd;             /* the connection */
	int listen_fd;      /* server only */
	uint64_t to_send;
	uint64_t sent;
	uint64_t received;
	uint64_t expect;    /* bytes the peer sends */
	uint64_t hash;      /* FNV-1a of what arrived */
	bool eof;           /* the peer's FIN was read */
	bool closed;
	bool close_first;   /* this side closes as soon as it has sent */
	int error;          /* first unexpected errno */
	int connect_result; /* client: 0 or -errno once known */
};

struct pair {
	struct sim *sim;
	struct sim_link *link;
	struct pair_side client;
	struct pair_side server;
};

struct pair_config {
	uint64_t seed;
	synq_time_t one_way_delay;
	uint64_t rate_bps;
	double loss;
	synq_time_t jitter;
	double reorder;                  /* fraction of packets held back */
	synq_time_t reorder_delay;
	uint64_t client_bytes;
	uint64_t server_bytes;
	bool server_closes_first;
	bool client_closes_first;
	const struct synq_config *stack; /* NULL: defaults */
};

int pair_setup(struct pair *p, const struct pair_config *cfg);
void pair_teardown(struct pair *p);
/* Run until both sides closed or the limit; returns the virtual time. */
synq_time_t pair_run(struct pair *p, synq_time_t limit);
/* The hash the sender's stream of n bytes must have. */
uint64_t pair_expected_hash(uint64_t n, uint8_t salt);

#endif
