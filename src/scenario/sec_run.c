/* SPDX-License-Identifier: BSD-2-Clause */
/* [run]: how long, which seed, how often to sample. */
#include <stddef.h>

#include "scenario/section.h"

#define RUN_KEY(n, t, f, d, doc_) \
	{ .name = n, .type = t, .offset = offsetof(struct scn_run, f), .def = d, .doc = doc_ }

static const struct scn_key run_keys[] = {
	{ .name = "title", .type = SCN_T_TEXT, .offset = offsetof(struct scn_run, title),
	  .size = sizeof ((struct scn_run *)0)->title, .def = "",
	  .doc = "A one-line title for the report." },
	RUN_KEY("duration", SCN_T_DURATION, duration_ns, "30s",
	        "Simulated time during which clients and attackers start work (--duration overrides)."),
	RUN_KEY("drain", SCN_T_DURATION, drain_ns, "0",
	        "Simulated time after duration in which nothing new starts and work in progress may finish."),
	RUN_KEY("interval", SCN_T_DURATION, interval_ns, "100ms",
	        "Sampling period of every time series (queues, scoreboard, counters)."),
	{ .name = "seed", .type = SCN_T_COUNT, .offset = offsetof(struct scn_run, seed),
	  .def = "1", .doc = "Seed of every random choice in the run (--seed overrides)." },
	RUN_KEY("pcap", SCN_T_BOOL, pcap_server, "no",
	        "Capture every packet the server sends and receives to server.pcap."),
	{ .name = "domains", .type = SCN_T_COUNT, .offset = offsetof(struct scn_run, domains),
	  .def = "0", .max = 8,
	  .doc = "0: run the server side and the populations as two simulation domains when every "
	         "population's link has a delay (results differ from one domain's in the order of "
	         "events at the same nanosecond); 1: one domain; N above 2: the server side and the "
	         "populations spread over N - 1 domains (at most one each), for more threads to share; "
	         "results depend on N, never on the threads." },
	{ .name = "threads", .type = SCN_T_COUNT, .offset = offsetof(struct scn_run, threads),
	  .def = "0", .max = 8,
	  .doc = "Threads to run the domains on (--threads overrides); 0: SYNQ_SIM_THREADS if set, "
	         "else one per domain up to the online cores. The results never depend on it." },
};

static void *run_open(struct scenario *scn, const char *instance, struct scn_where where,
                      struct scn_errors *errs)
{
	(void)instance, (void)where, (void)errs;
	return &scn->run;
}

static void run_finish(struct scenario *scn, void *obj, const struct scn_section_state *st,
                       struct scn_errors *errs)
{
	(void)scn;
	struct scn_run *r = obj;
	struct scn_where w = st->header;
	if (r->duration_ns <= 0) {
		int i = scn_key_index(&scn_section_run, "duration");
		scn_error_add(errs, st->set[i] ? st->key_where[i] : w, "run.duration",
		              "must be more than 0");
	}
	int iv = scn_key_index(&scn_section_run, "interval");
	if (r->interval_ns <= 0)
		scn_error_add(errs, st->set[iv] ? st->key_where[iv] : w, "run.interval",
		              "must be more than 0");
	else if ((r->duration_ns + r->drain_ns) / r->interval_ns >= SCN_SAMPLES_MAX)
		scn_error_add(errs, st->set[iv] ? st->key_where[iv] : w, "run.interval",
		              "too small for the run: at most %u samples (make it at least %lldms)",
		              SCN_SAMPLES_MAX,
		              (long long)((r->duration_ns + r->drain_ns) / SCN_SAMPLES_MAX / 1000000 + 1));
}

const struct scn_section_kind scn_section_run = {
	.name = "run",
	.implicit = true,
	.doc = "The run itself: how long traffic runs, the seed, the sampling interval.",
	.keys = run_keys,
	.n_keys = sizeof run_keys / sizeof run_keys[0],
	.open = run_open,
	.finish = run_finish,
};
