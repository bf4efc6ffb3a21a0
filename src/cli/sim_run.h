/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_CLI_SIM_RUN_H
#define SYNQ_CLI_SIM_RUN_H

/* One scenario run as synq sim, synq demo and synq sweep do it. */

#include <stdbool.h>

#include "report/report.h"

struct sim_run_options {
	const char *path;              /* file, or the name of text */
	const char *text;              /* NULL: read path */
	const char *const *overrides;  /* "section.key=value" */
	unsigned n_overrides;
	const char *out;               /* report directory, or NULL */
	const char *row;               /* sweep row file, or NULL */
	bool plots;
	bool quiet;
	bool progress;
	bool short_run;                /* duration = [expect] test_duration */
	int check;                     /* enum sim_check */
	struct report *result;         /* if set, filled (its world is gone) */
};

enum sim_check {
	SIM_CHECK_NONE = 0,
	SIM_CHECK_ON,   /* every [expect] must hold */
	SIM_CHECK_OFF,  /* with [expect] off applied, at least one must fail */
};

/* Returns the process exit status (enum cli_exit); errors are printed. */
int sim_run_scenario(const struct sim_run_options *o);
/* The built-in scenario (demo.c). */
int cli_demo_run(const struct sim_run_options *o);

#endif
