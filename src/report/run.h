/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_REPORT_RUN_H
#define SYNQ_REPORT_RUN_H

/* One scenario run, from the file to the report (run.c). */

#include <stdbool.h>

#include "report/report.h"

/* The results, also the process exit statuses of synq sim. */
enum scn_run_status {
	SCN_RUN_OK = 0,
	SCN_RUN_FAILED = 1,     /* ran, and something failed (or an expectation) */
	SCN_RUN_BAD_INPUT = 2,  /* the scenario or the options are wrong */
};

enum scn_check {
	SCN_CHECK_NONE = 0,
	SCN_CHECK_ON,   /* every [expect] must hold */
	SCN_CHECK_OFF,  /* with [expect] off applied, at least one must fail */
};

struct scn_run_options {
	const char *path;              /* file, or the name of text */
	const char *text;              /* NULL: read path */
	const char *const *overrides;  /* "section.key=value" */
	unsigned n_overrides;
	const char *out;               /* report directory, or NULL */
	const char *row;               /* sweep row file, or NULL */
	bool plots;
	bool quiet;
	bool short_run;                /* duration = [expect] test_duration */
	int check;                     /* enum scn_check */
	/* Called at every sample, and with now = -1 at the end. */
	scn_progress_fn progress;
	void *progress_ctx;
	struct report *result;         /* if set, filled (its world is gone) */
	char *row_text;                /* if set, the sweep row's values */
	size_t row_cap;
};

/* Returns enum scn_run_status; errors are printed to stderr. */
int scn_run(const struct scn_run_options *o);

#endif
