/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_MEASURE_H
#define SYNQ_MEASURE_H

/* Measurements run as small simulations.
 *
 * synq_measure_backlog(): the experiment behind Table 4.6 of Stevens'
 * UNP (seed 002): a server listens with a given backlog and never calls
 * accept(); a client opens connections one after another and counts how
 * many complete. The count is the number of connections the system
 * queues for that backlog. */

#include <stdint.h>

#include "synq/config.h"

struct synq_backlog_result {
	uint32_t completed;      /* client connects that succeeded */
	uint32_t attempted;
	uint32_t refused;        /* connects answered with a reset (ECONNREFUSED) */
	uint32_t accept_queue;   /* the server's Recv-Q at the end */
	uint64_t listen_drops;   /* the server's ListenDrops */
};

/* Returns 0, or -errno if the simulation could not be built. */
int synq_measure_backlog(enum synq_personality personality, int backlog, uint64_t seed,
                         struct synq_backlog_result *result);

#endif
