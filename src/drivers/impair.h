/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_DRIVERS_IMPAIR_H
#define SYNQ_DRIVERS_IMPAIR_H

/* One direction of an impaired link, for real packets in a driver: this
 * machine's kernel has no netem, so synq serve --link delays, rate-limits,
 * queues and loses packets itself, with the simulator's link model:
 * a packet is lost with probability `loss`; otherwise it waits for the
 * transmitter (drop-tail once `queue` packets wait), takes len * 8 / rate
 * to send, then `delay` to arrive. Packets leave in order. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/rng.h"
#include "synq/time.h"

struct impair_config {
	synq_time_t delay_ns;
	uint64_t rate_bps;      /* 0: no rate limit */
	double loss;            /* 0..1 */
	uint32_t queue;         /* packets waiting for the transmitter */
};

/* Parse "delay=20ms,loss=1%,rate=10mbit,queue=100" (any subset, any
 * order). NULL, or what is wrong. */
const char *impair_parse(const char *text, struct impair_config *cfg);

#define IMPAIR_SLOT_BYTES 2048u
#define IMPAIR_SLOTS 8192u   /* packets in flight (propagating or queued) */

struct impair_stats {
	uint64_t passed, lost, queue_drops, flight_drops;
};

struct impair {
	struct impair_config cfg;
	struct sim_rng rng;
	synq_time_t link_free_at;   /* the transmitter is busy until then */
	uint32_t head, count;
	synq_time_t *release;       /* IMPAIR_SLOTS */
	uint16_t *len;
	uint8_t *data;              /* IMPAIR_SLOTS * IMPAIR_SLOT_BYTES */
	struct impair_stats stats;
};

/* 0 or -ENOMEM. */
int impair_init(struct impair *im, const struct impair_config *cfg, uint64_t seed);
void impair_free(struct impair *im);

/* Offer a packet at now; it is copied, or lost/dropped (counted). */
void impair_push(struct impair *im, const uint8_t *pkt, size_t len, synq_time_t now);

/* When the next packet is due (SYNQ_TIME_NEVER: none waits). */
synq_time_t impair_next(const struct impair *im);

/* Hand every packet due by now to deliver, in order. */
void impair_release(struct impair *im, synq_time_t now,
                    void (*deliver)(void *ctx, const uint8_t *pkt, size_t len), void *ctx);

#endif
