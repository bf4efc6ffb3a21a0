/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_REPORT_H
#define SYNQ_REPORT_H

/* What a scenario run produced, and the writers that show it: a terminal
 * table, CSV and JSON files, gnuplot plots, an index.html.
 *
 * Everything written to files is a function of the scenario and its seed:
 * no wall-clock time, no host name, no absolute path, numbers printed with
 * fixed formats. That is what makes "same seed, same bytes" checkable. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "app/httpd.h"
#include "nat/nat.h"
#include "scenario/world.h"

struct report_pop {
	char section[2 * SCN_NAME_MAX + 8]; /* "clients.web" */
	int model;
	bool attack;
	struct scn_outcome o;
	/* requests succeeded / wanted; for connect-only models, handshakes
	 * completed / attempted; -1 when nothing was attempted */
	double success_rate;
	struct synq_mib client_mib;       /* summed over its hosts */
	uint64_t client_time_wait;        /* its hosts' TIME-WAIT entries at the end */
};

struct report {
	const struct scenario *scn;
	const struct scn_world *world;
	uint64_t seed;
	synq_time_t end_ns;
	uint64_t events_run;
	unsigned n_pops;
	struct report_pop pop[SCN_POPULATIONS_MAX];
	/* over every [clients.*] population */
	double legit_success_rate;        /* -1: no legitimate clients */
	uint64_t legit_wanted, legit_ok, legit_pending;
	struct hist legit_connect;
	struct hist legit_latency;
	/* the server */
	uint32_t backlog;                 /* Send-Q: the accept queue's limit */
	uint32_t peak_syn_recv, peak_accept;
	uint32_t peak_scoreboard[SCN_SCOREBOARD_N];
	struct synq_mib server_mib;       /* deltas over the run */
	struct synq_stack_usage server_usage;
	struct synq_httpd_counters httpd;  /* zero for model none */
	uint64_t server_accepts;           /* the application's accept()s */
	bool nat;                          /* a [nat] router stood in front */
	uint32_t nat_max, nat_peak;        /* table size, peak entries at a sample */
	uint32_t nat_peak_state[CT__STATES];
	struct nat_stats nat_stats;
	struct ct_stats ct_stats;
	double nat_forwarded_per_hour;     /* over the run's second half */
	double nat_assured_per_hour;       /* ... connections that completed */
	double nat_mean_entries;           /* ... the table's mean occupancy */
	/* the table's entries integrated over the whole run (drain included):
	 * entry-minutes, seed 003's session-minutes, in all and per state */
	double nat_entry_minutes, nat_state_minutes[CT__STATES];
	uint64_t visits;                   /* browser visits begun, every population */
	struct sim_stats sim;
};

/* Gather after scn_world_run(). r refers to the world: keep it alive. */
void report_gather(struct report *r, const struct scn_world *w);

/* The terminal summary. */
void report_print(FILE *out, const struct report *r);

/* Files in dir: summary.json, series.csv, connect_times.csv,
 * latency.csv, row.csv, scenario.ini. 0 or -errno (why says which). */
int report_write_files(const struct report *r, const char *dir, char *why, size_t why_cap);

/* The sweep row: a header line and one line of values, for the metrics
 * below, after the given leading columns (the swept keys). */
extern const char *const report_row_metrics[];
void report_row(const struct report *r, char *buf, size_t cap);
void report_row_header(char *buf, size_t cap);

/* Plots with gnuplot (SVG and PNG) into dir/plots; 0, or -errno with why
 * (gnuplot missing or failing). */
int report_plots(const struct report *r, const char *dir, char *why, size_t why_cap);
/* dir/index.html showing the summary, the plots and the scenario text. */
int report_html(const struct report *r, const char *dir, char *why, size_t why_cap);

/* Runs side by side (compare.c): the before/after table on a terminal,
 * and dir/index.html with the same table, linking each run's report in
 * dir/SUBDIR. note may be NULL. 0 or -errno. */
void report_compare_print(FILE *out, const struct report *const *r, const char *const *labels,
                          unsigned n);
int report_compare_html(const char *dir, const char *title, const char *intro,
                        const struct report *const *r, const char *const *labels,
                        const char *const *subdirs, unsigned n, const char *note);

/* A number of the report by name (metric.c lists the names). False for
 * an unknown name. */
bool report_metric(const struct report *r, const char *name, double *out);

/* Helpers shared by the writers. */
double report_ms(synq_time_t ns);

#endif
