/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SCENARIO_POP_H
#define SYNQ_SCENARIO_POP_H

/* One population at run time, shared by the files that drive it:
 * traffic.c (the models on synq stacks) and synflood.c (raw packets). */

#include <stdbool.h>
#include <stdint.h>

#include "scenario/world.h"

struct conn;
struct browser;

struct scn_pop {
	struct scn_world *world;
	struct sim *sim;               /* the domain its node lives in */
	const struct scn_population *cfg;
	unsigned index;
	struct sim_hostgroup *group;   /* models on stacks */
	struct sim_node *node;         /* the population's node (group's or raw) */
	struct sim_rng rng;
	int *epfd;                     /* per host */
	const void **epoll_hot;        /* per host, SYNQ_EPOLL_HOT_MAX each */
	struct synq_stack **stacks;    /* per host: the group's, at hand */
	uint32_t hosts;
	uint32_t next_host;
	uint16_t port;
	synq_time_t stop_ns;
	/* connection table (traffic.c) */
	struct conn **chunks;           /* each on a line boundary, */
	void **chunk_mem;              /* inside this allocation */
	uint32_t n_chunks, cap_conns, used_slots, free_head;
	struct browser *browsers;
	sim_event_id spawner;
	bool spawner_armed;
	struct scn_outcome out;
	char request[192];             /* the request every client sends */
	size_t request_len;
	void *raw;                     /* synflood.c's state */
};

int scn_synflood_create(struct scn_pop *p, char *why, size_t why_cap);
void scn_synflood_start(struct scn_pop *p);
void scn_synflood_free(struct scn_pop *p);

#endif
