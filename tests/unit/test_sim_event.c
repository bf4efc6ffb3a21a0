/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtual clock, the event queue and the run loop: order, ties,
 * cancel, reschedule, stale handles, livelock bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sim/rng.h"
#include "synq/sim.h"

/* Each firing appends (time, tag) to a log. */
#define LOG_MAX 4096

struct fired {
	synq_time_t time;
	int tag;
};

struct log {
	struct fired entries[LOG_MAX];
	int n;
};

struct probe {
	struct log *log;
	int tag;
};

static void record(struct sim *sim, void *arg)
{
	struct probe *p = arg;
	assert_true(p->log->n < LOG_MAX);
	p->log->entries[p->log->n++] = (struct fired){ sim_now(sim), p->tag };
}

static struct sim *new_sim(const struct sim_config *cfg)
{
	struct sim *sim = NULL;
	assert_int_equal(sim_create(cfg, &sim), 0);
	assert_non_null(sim);
	return sim;
}

static void event_fires_in_time_order(void **state)
{
	(void)state;
	struct sim *sim = new_sim(NULL);
	struct log log = { .n = 0 };
	static const synq_time_t times[] = { 50, 10, 40, 20, 30 };
	struct probe probes[5];
	for (int i = 0; i < 5; i++) {
		probes[i] = (struct probe){ &log, i };
		assert_int_equal(sim_event_schedule(sim, times[i], record, &probes[i], NULL), 0);
	}
	assert_int_equal(sim_run_until(sim, 100), 0);
	assert_int_equal(log.n, 5);
	static const int order[] = { 1, 3, 4, 2, 0 };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(log.entries[i].tag, order[i]);
		assert_int_equal(log.entries[i].time, times[order[i]]);
	}
	assert_int_equal(sim_now(sim), 100);
	sim_destroy(sim);
}

static void event_ties_fire_in_schedule_order(void **state)
{
	(void)state;
	struct sim *sim = new_sim(NULL);
	struct log log = { .n = 0 };
	struct probe probes[64];
	/* Two interleaved groups at the same times: heap layout must not
	 * change the order within a time. */
	for (int i = 0; i < 64; i++) {
		probes[i] = (struct probe){ &log, i };
		synq_time_t t = (i % 2) ? 7 : 3;
		assert_int_equal(sim_event_schedule(sim, t, record, &probes[i], NULL), 0);
	}
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(log.n, 64);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(log.entries[i].tag, 2 * i);
		assert_int_equal(log.entries[32 + i].tag, 2 * i + 1);
	}
	sim_destroy(sim);
}

/* Schedules more events at the current time from inside a callback: they
 * run after everything already due at that time. */
struct chain {
	struct log *log;
	struct probe later;
	int tag;
};

static void chain_fire(struct sim *sim, void *arg)
{
	struct chain *c = arg;
	c->log->entries[c->log->n++] = (struct fired){ sim_now(sim), c->tag };
	assert_int_equal(sim_event_schedule(sim, sim_now(sim), record, &c->later, NULL), 0);
}

static void event_scheduled_now_runs_after_existing_ties(void **state)
{
	(void)state;
	struct sim *sim = new_sim(NULL);
	struct log log = { .n = 0 };
	struct chain c = { &log, { &log, 99 }, 1 };
	struct probe p2 = { &log, 2 };
	assert_int_equal(sim_event_schedule(sim, 5, chain_fire, &c, NULL), 0);
	assert_int_equal(sim_event_schedule(sim, 5, record, &p2, NULL), 0);
	assert_int_equal(sim_run_until(sim, 5), 0);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.entries[0].tag, 1);
	assert_int_equal(log.entries[1].tag, 2);
	assert_int_equal(log.entries[2].tag, 99);
	assert_int_equal(log.entries[2].time, 5);
	sim_destroy(sim);
}

static void event_cancel_and_stale_handles(void **state)
{
	(void)state;
	struct sim *sim = new_sim(NULL);
	struct log log = { .n = 0 };
	struct probe a = { &log, 1 }, b = { &log, 2 }, c = { &log, 3 };
	sim_event_id ia, ib, ic;
	assert_int_equal(sim_event_schedule(sim, 10, record, &a, &ia), 0);
	assert_int_equal(sim_event_schedule(sim, 20, record, &b, &ib), 0);
	assert_true(ia != 0 && ib != 0 && ia != ib);
	assert_true(sim_event_pending(sim, ia));
	assert_int_equal(sim_event_cancel(sim, ia), 0);
	assert_false(sim_event_pending(sim, ia));
	assert_int_equal(sim_event_cancel(sim, ia), -ENOENT);
	assert_int_equal(sim_event_reschedule(sim, ia, 30), -ENOENT);

	/* c reuses a's slot; a's old handle must not reach it. */
	assert_int_equal(sim_event_schedule(sim, 15, record, &c, &ic), 0);
	assert_true(ic != ia);
	assert_int_equal(sim_event_cancel(sim, ia), -ENOENT);
	assert_true(sim_event_pending(sim, ic));

	assert_int_equal(sim_run_until(sim, 100), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.entries[0].tag, 3);
	assert_int_equal(log.entries[1].tag, 2);
	/* Fired events are no longer pending. */
	assert_int_equal(sim_event_cancel(sim, ib), -ENOENT);
	assert_int_equal(sim_event_cancel(sim, 0), -ENOENT);
	assert_int_equal(sim_event_cancel(sim, 0xdeadbeef12345678u), -ENOENT);
	sim_destroy(sim);
}

static void event_reschedule_moves_and_reorders(void **state)
{
	(void)state;
	struct sim *sim = new_sim(NULL);
	struct log log = { .n = 0 };
	struct probe a = { &log, 1 }, b = { &log, 2 }, c = { &log, 3 };
	sim_event_id ia, ib;
	assert_int_equal(sim_event_schedule(sim, 10, record, &a, &ia), 0);
	assert_int_equal(sim_event_schedule(sim, 20, record, &b, &ib), 0);
	assert_int_equal(sim_event_schedule(sim, 30, record, &c, NULL), 0);
	assert_int_equal(sim_event_reschedule(sim, ia, 40), 0); /* later */
	assert_int_equal(sim_event_reschedule(sim, ib, 5), 0);  /* earlier */
	assert_int_equal(sim_event_reschedule(sim, ib, 30), 0); /* tie with c: after it */
	assert_int_equal(sim_run_until(sim, 25), 0);
	assert_int_equal(log.n, 0);
	assert_int_equal(sim_event_reschedule(sim, ia, 10), -EINVAL); /* past */
	assert_int_equal(sim_run_until(sim, 100), 0);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.entries[0].tag, 3);
	assert_int_equal(log.entries[1].tag, 2);
	assert_int_equal(log.entries[2].tag, 1);
	assert_int_equal(log.entries[1].time, 30);
	assert_int_equal(log.entries[2].time, 40);
	sim_destroy(sim);
}

static void event_rejects_bad_times(void **state)
{
	(void)state;
	struct sim *sim = new_sim(NULL);
	struct log log = { .n = 0 };
	struct probe a = { &log, 1 };
	assert_int_equal(sim_run_until(sim, 50), 0);
	assert_int_equal(sim_now(sim), 50);
	assert_int_equal(sim_event_schedule(sim, 49, record, &a, NULL), -EINVAL);
	assert_int_equal(sim_event_schedule(sim, SYNQ_TIME_NEVER, record, &a, NULL), -EINVAL);
	assert_int_equal(sim_event_schedule(sim, 60, NULL, &a, NULL), -EINVAL);
	assert_int_equal(sim_run_until(sim, 40), -EINVAL);
	assert_int_equal(sim_event_schedule(sim, 50, record, &a, NULL), 0); /* now is fine */
	assert_int_equal(sim_run_until(sim, 50), 0);
	assert_int_equal(log.n, 1);
	sim_destroy(sim);
}

static void run_until_stops_at_the_bound(void **state)
{
	(void)state;
	struct sim *sim = new_sim(NULL);
	struct log log = { .n = 0 };
	struct probe a = { &log, 1 }, b = { &log, 2 };
	assert_int_equal(sim_event_schedule(sim, 100, record, &a, NULL), 0);
	assert_int_equal(sim_event_schedule(sim, 101, record, &b, NULL), 0);
	assert_int_equal(sim_run_until(sim, 100), 0); /* inclusive */
	assert_int_equal(log.n, 1);
	assert_int_equal(sim_now(sim), 100);
	struct sim_stats st;
	sim_stats_get(sim, &st);
	assert_int_equal(st.events_pending, 1);
	assert_int_equal(st.events_run, 1);
	/* Run to completion: the clock stays at the last event. */
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(sim_now(sim), 101);
	sim_destroy(sim);
}

static void spin(struct sim *sim, void *arg)
{
	int *count = arg;
	(*count)++;
	sim_event_schedule(sim, sim_now(sim), spin, arg, NULL);
}

static void run_catches_zero_delay_livelock(void **state)
{
	(void)state;
	struct sim_config cfg = { .instant_steps_max = 1000 };
	struct sim *sim = new_sim(&cfg);
	int count = 0;
	assert_int_equal(sim_event_schedule(sim, 10, spin, &count, NULL), 0);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), -ELOOP);
	assert_int_equal(count, 1000);
	assert_int_equal(sim_now(sim), 10);
	sim_destroy(sim);
}

static void tick(struct sim *sim, void *arg)
{
	int *count = arg;
	(*count)++;
	sim_event_schedule(sim, sim_now(sim) + 1, tick, arg, NULL);
}

static void run_catches_step_budget(void **state)
{
	(void)state;
	struct sim_config cfg = { .steps_max = 500 };
	struct sim *sim = new_sim(&cfg);
	int count = 0;
	assert_int_equal(sim_event_schedule(sim, 0, tick, &count, NULL), 0);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), -ELOOP);
	assert_int_equal(count, 500);
	assert_int_equal(sim_now(sim), 499);
	/* The budget is per call. */
	assert_int_equal(sim_run_until(sim, 600), 0);
	assert_int_equal(count, 601);
	sim_destroy(sim);
}

static void stopper(struct sim *sim, void *arg)
{
	(void)arg;
	sim_stop(sim);
}

static void run_stops_on_request(void **state)
{
	(void)state;
	struct sim *sim = new_sim(NULL);
	struct log log = { .n = 0 };
	struct probe a = { &log, 1 };
	assert_int_equal(sim_event_schedule(sim, 10, stopper, NULL, NULL), 0);
	assert_int_equal(sim_event_schedule(sim, 20, record, &a, NULL), 0);
	assert_int_equal(sim_run_until(sim, 1000), 0);
	assert_int_equal(sim_now(sim), 10);
	assert_int_equal(log.n, 0);
	assert_int_equal(sim_run_until(sim, 1000), 0);
	assert_int_equal(log.n, 1);
	sim_destroy(sim);
}

static void event_pool_limit_is_counted(void **state)
{
	(void)state;
	struct sim_config cfg = { .events_max = 100 };
	struct sim *sim = new_sim(&cfg);
	struct log log = { .n = 0 };
	struct probe a = { &log, 1 };
	for (int i = 0; i < 100; i++)
		assert_int_equal(sim_event_schedule(sim, i, record, &a, NULL), 0);
	assert_int_equal(sim_event_schedule(sim, 5, record, &a, NULL), -ENOSPC);
	struct sim_stats st;
	sim_stats_get(sim, &st);
	assert_int_equal(st.events_exhausted, 1);
	assert_int_equal(st.events_pending, 100);
	assert_int_equal(sim_run_until(sim, 49), 0);
	assert_int_equal(log.n, 50);
	/* Freed slots are reused. */
	for (int i = 0; i < 50; i++)
		assert_int_equal(sim_event_schedule(sim, 200 + i, record, &a, NULL), 0);
	assert_int_equal(sim_event_schedule(sim, 300, record, &a, NULL), -ENOSPC);
	sim_destroy(sim);
}

/* Random schedules, cancels and moves against a brute-force model. */
struct model_event {
	synq_time_t time;
	uint64_t order; /* model's sequence number */
	sim_event_id id;
	bool live;
	struct probe probe;
};

static int cmp_model(const void *a, const void *b)
{
	const struct model_event *x = *(const struct model_event *const *)a;
	const struct model_event *y = *(const struct model_event *const *)b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void event_queue_matches_model(void **state)
{
	(void)state;
	enum { N = 3000 };
	struct sim *sim = new_sim(NULL);
	struct log *log = calloc(1, sizeof *log);
	struct model_event *ev = calloc(N, sizeof *ev);
	struct model_event **sorted = calloc(N, sizeof *sorted);
	assert_non_null(log);
	assert_non_null(ev);
	assert_non_null(sorted);
	struct sim_rng rng;
	sim_rng_seed(&rng, 11);
	uint64_t order = 0;
	for (int i = 0; i < N; i++) {
		ev[i].probe = (struct probe){ log, i };
		ev[i].time = (synq_time_t)sim_rng_below(&rng, 500); /* many ties */
		ev[i].order = order++;
		ev[i].live = true;
		assert_int_equal(sim_event_schedule(sim, ev[i].time, record, &ev[i].probe,
		                                    &ev[i].id), 0);
		if (i > 0 && sim_rng_below(&rng, 4) == 0) {
			int j = (int)sim_rng_below(&rng, (uint64_t)i);
			if (!ev[j].live)
				continue;
			if (sim_rng_below(&rng, 2)) {
				assert_int_equal(sim_event_cancel(sim, ev[j].id), 0);
				ev[j].live = false;
			} else {
				ev[j].time = (synq_time_t)sim_rng_below(&rng, 500);
				ev[j].order = order++;
				assert_int_equal(sim_event_reschedule(sim, ev[j].id, ev[j].time), 0);
			}
		}
	}
	int live = 0;
	for (int i = 0; i < N; i++)
		if (ev[i].live)
			sorted[live++] = &ev[i];
	qsort(sorted, (size_t)live, sizeof *sorted, cmp_model);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	assert_int_equal(log->n, live);
	for (int i = 0; i < live; i++) {
		assert_int_equal(log->entries[i].tag, sorted[i]->probe.tag);
		assert_int_equal(log->entries[i].time, sorted[i]->time);
	}
	free(sorted);
	free(ev);
	free(log);
	sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(event_fires_in_time_order),
		cmocka_unit_test(event_ties_fire_in_schedule_order),
		cmocka_unit_test(event_scheduled_now_runs_after_existing_ties),
		cmocka_unit_test(event_cancel_and_stale_handles),
		cmocka_unit_test(event_reschedule_moves_and_reorders),
		cmocka_unit_test(event_rejects_bad_times),
		cmocka_unit_test(run_until_stops_at_the_bound),
		cmocka_unit_test(run_catches_zero_delay_livelock),
		cmocka_unit_test(run_catches_step_budget),
		cmocka_unit_test(run_stops_on_request),
		cmocka_unit_test(event_pool_limit_is_counted),
		cmocka_unit_test(event_queue_matches_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
