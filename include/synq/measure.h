/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_MEASURE_H
#define SYNQ_MEASURE_H

/* Measurements run as small simulations.
 *
 * synq_measure_backlog(): the experiment behind Table 4.6 of Stevens'
 * UNP (seed 002), as the book's program ran it: a server listens with a
 * given backlog and never calls accept(); a client connects, blocking, one
 * connection after another, each connect() under a 2 s alarm, and counts
 * the connects that returned before the first one that did not (timed out,
 * or was refused with a reset). Client and server have the same
 * personality (UNP ran both on one host). */

#include <stdint.h>

#include "synq/config.h"

struct synq_backlog_result {
	uint32_t completed;      /* client connects that returned */
	uint32_t attempted;      /* completed + the one that ended the run */
	uint32_t refused;        /* 1 if that one failed with ECONNREFUSED */
	uint32_t accept_queue;   /* the server's Recv-Q at the end */
	uint64_t listen_drops;   /* the server's ListenDrops */
};

/* Returns 0; -ERANGE if the client was still getting in at 2 * backlog +
 * 64 connections (more than any personality queues: not measured;
 * completed and attempted are filled); or -errno if the simulation could
 * not be built or a connect() failed otherwise. */
int synq_measure_backlog(enum synq_personality personality, int backlog, uint64_t seed,
                         struct synq_backlog_result *result);

#endif
