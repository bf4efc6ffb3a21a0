/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulation object: configuration, virtual clock, event API, run loop. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "base/cacheline.h"
#include "sim/sim_impl.h"

static int config_resolve(const struct sim_config *in, struct sim_config *out)
{
	*out = in ? *in : (struct sim_config){ 0 };
	if (!out->events_max)
		out->events_max = SIM_EVENTS_MAX_DEFAULT;
	if (!out->packets_max)
		out->packets_max = SIM_PACKETS_MAX_DEFAULT;
	if (!out->packet_max_bytes)
		out->packet_max_bytes = SIM_PACKET_MAX_BYTES_DEFAULT;
	if (!out->instant_steps_max)
		out->instant_steps_max = SIM_INSTANT_STEPS_MAX_DEFAULT;
	if (out->events_max == UINT32_MAX ||
	    out->packet_max_bytes > SIM_PACKET_MAX_BYTES_LIMIT)
		return -EINVAL;
	return 0;
}

int sim_init(struct sim *sim, const struct sim_config *cfg)
{
	sim->cfg = *cfg;
	int err = sim_queue_init(&sim->queue, sim->cfg.events_max);
	if (err)
		return err;
	err = sim_packet_pool_init(sim);
	if (err)
		sim_queue_fini(&sim->queue);
	return err;
}

void sim_fini(struct sim *sim)
{
	/* Packets still in flight belong to pending events; their buffers go
	 * with the slabs. */
	sim_queue_fini(&sim->queue);
	sim_packet_pool_fini(sim);
}

int sim_create(const struct sim_config *cfg, struct sim **out)
{
	if (!out)
		return -EINVAL;
	struct sim *sim = calloc_lines(1, sizeof *sim);
	if (!sim)
		return -ENOMEM;
	struct sim_config resolved;
	int err = config_resolve(cfg, &resolved);
	if (!err)
		err = sim_init(sim, &resolved);
	if (err) {
		free(sim);
		return err;
	}
	sim->root = sim;
	sim_rng_seed(&sim->rng, sim->cfg.seed);
	*out = sim;
	return 0;
}

void sim_destroy(struct sim *sim)
{
	if (!sim || sim->root != sim)
		return;
	sim_par_destroy(sim);
	for (uint32_t i = 0; i < sim->n_links; i++) {
		sim_link_fini(sim->links[i]);
		free(sim->links[i]);
	}
	for (uint32_t i = 0; i < sim->n_nodes; i++)
		free(sim->nodes[i]);
	free(sim->links);
	free(sim->nodes);
	sim_fini(sim);
	free(sim);
}

synq_time_t sim_now(const struct sim *sim)
{
	return sim->now;
}

struct sim_rng *sim_rng_get(struct sim *sim)
{
	return &sim->rng;
}

void sim_stats_get(const struct sim *sim, struct sim_stats *out)
{
	*out = (struct sim_stats){
		.now = sim->now,
		.events_run = sim->events_run,
		.events_pending = sim->queue.len + sim->fifo_pending,
		.packets_in_use = sim->packets_in_use,
		.packets_allocated = sim->packets_allocated,
		.packets_exhausted = sim->packets_exhausted,
		.events_exhausted = sim->events_exhausted,
	};
	if (sim->par)
		sim_par_stats_add(sim, out);
}

int sim_event_schedule(struct sim *sim, synq_time_t at, sim_event_fn fn,
                       void *arg, sim_event_id *id)
{
	if (at < sim->now || at == SYNQ_TIME_NEVER || !fn)
		return -EINVAL;
	if (sim->queue.len + sim->fifo_pending >= sim->queue.max) {
		sim->events_exhausted++;
		return -ENOSPC;
	}
	int err = sim_queue_add(&sim->queue, at, fn, arg, id);
	if (err == -ENOSPC)
		sim->events_exhausted++;
	return err;
}

int sim_event_cancel(struct sim *sim, sim_event_id id)
{
	return sim_queue_cancel(&sim->queue, id);
}

int sim_event_reschedule(struct sim *sim, sim_event_id id, synq_time_t at)
{
	if (!sim_queue_pending(&sim->queue, id))
		return -ENOENT;
	if (at < sim->now || at == SYNQ_TIME_NEVER)
		return -EINVAL;
	return sim_queue_move(&sim->queue, id, at);
}

bool sim_event_pending(const struct sim *sim, sim_event_id id)
{
	return sim_queue_pending(&sim->queue, id);
}

void sim_stop(struct sim *sim)
{
	sim->stopped = true;
}

/* Whether a livelock bound stops the run before its next event: only
 * asked once a counter has reached its bound, so that the common step
 * needs no look at the queue. 1: nothing is due, 0: go on, -ELOOP. */
static int bound_reached(struct sim *sim, synq_time_t until, uint64_t seq_limit,
                         uint64_t steps_max)
{
	synq_time_t next = sim_queue_next_time(&sim->queue);
	if (next > until || next == SYNQ_TIME_NEVER)
		return 1;
	if (next == until && sim_queue_next_seq(&sim->queue) >= seq_limit)
		return 1;
	if (next == sim->now && sim->instant_steps >= sim->cfg.instant_steps_max)
		return -ELOOP;
	if (sim->steps >= steps_max)
		return -ELOOP;
	return 0;
}

int sim_domain_run(struct sim *sim, synq_time_t until, uint64_t seq_limit)
{
	uint64_t steps_max = sim->cfg.steps_max ? sim->cfg.steps_max : UINT64_MAX;
	uint64_t instant_max = sim->cfg.instant_steps_max;
	struct sim_queue_fire fire;
	sim->run_until = until;
	sim->run_seq_limit = seq_limit;
	for (;;) {
		if (sim->instant_steps >= instant_max || sim->steps >= steps_max) {
			int bound = bound_reached(sim, until, seq_limit, steps_max);
			if (bound) {
				sim->run_until = 0;
				sim->run_seq_limit = 0;
				return bound > 0 ? 0 : bound;
			}
		}
		if (!sim_queue_pop_before(&sim->queue, until, seq_limit, &fire))
			break;
		if (fire.time != sim->now) {
			assert(fire.time > sim->now); /* the clock never goes back */
			if (sim->logging)
				sim_time_mark(sim, fire.time);
			sim->now = fire.time;
			sim->instant_steps = 0;
		}
		sim->instant_steps++;
		sim->events_run++;
		sim->steps++;
		fire.fn(sim, fire.arg);
		if (sim->stopped)
			break;
	}
	sim->run_until = 0;
	sim->run_seq_limit = 0;
	return 0;
}

bool sim_run_inline(struct sim *sim, synq_time_t time, uint64_t seq)
{
	/* what the loop above checks before its pop, conservatively: near a
	 * bound the event takes the queue and the loop decides */
	if (sim->stopped || sim->instant_steps + 1 >= sim->cfg.instant_steps_max ||
	    (sim->cfg.steps_max && sim->steps + 1 >= sim->cfg.steps_max))
		return false;
	if (!(time < sim->run_until || (time == sim->run_until && seq < sim->run_seq_limit)))
		return false;
	if (!sim_queue_precedes(&sim->queue, time, seq))
		return false;
	if (time != sim->now) {
		assert(time > sim->now);
		if (sim->logging)
			sim_time_mark(sim, time);
		sim->now = time;
		sim->instant_steps = 0;
	}
	sim->instant_steps++;
	sim->events_run++;
	sim->steps++;
	return true;
}

int sim_run_until(struct sim *sim, synq_time_t until)
{
	if (sim->root != sim)
		return -EINVAL; /* a domain: run the simulation, its root */
	if (sim->par)
		return sim_par_run_until(sim, until);
	if (until < sim->now)
		return -EINVAL;
	sim->stopped = false;
	sim->steps = 0;
	int err = sim_domain_run(sim, until, UINT64_MAX);
	if (err || sim->stopped)
		return err;
	if (until != SYNQ_TIME_NEVER && until != sim->now) {
		sim->now = until;
		sim->instant_steps = 0;
	}
	return 0;
}
