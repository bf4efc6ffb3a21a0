/* SPDX-License-Identifier: BSD-2-Clause */
/* One scenario run from file to report, as synq sim, synq demo, synq
 * sweep and the tests do it: load (errors printed one per line), build,
 * run, gather, print, write the report files, check [expect]. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/run.h"
#include "scenario/expect.h"


static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

/* Evaluate [expect]; returns how many expectations failed, or -1 when
 * there is nothing to check or a metric is unknown. */
static int check_expectations(const struct scenario *scn, const struct report *r, bool quiet)
{
	const struct scn_expectations *x = scn_expectations(scn);
	if (x == NULL || x->n == 0) {
		fprintf(stderr, "synq sim: %s has no [expect] section to check\n", scn->path);
		return -1;
	}
	int failed = 0;
	for (unsigned i = 0; i < x->n; i++) {
		const struct scn_expectation *e = &x->item[i];
		double got;
		if (!report_metric(r, e->metric, &got)) {
			fprintf(stderr, "%s:%d: expect.%s: no such metric (see docs/scenarios.md)\n",
			        scn->path, e->line, e->metric);
			return -1;
		}
		bool ok = scn_expectation_holds(e, got);
		failed += !ok;
		if (!quiet || !ok)
			printf("expect %-44s %-10s got %-12.6g %s\n", e->metric, e->text, got,
			       ok ? "ok" : "FAILS");
	}
	return failed;
}

int scn_run(const struct scn_run_options *o)
{
	struct scenario scn;
	struct scn_errors errs;
	/* --short and --check-off take their overrides from [expect]: load
	 * once to read them, then again with them. */
	const char *ov[72];
	char dur[64], off[256];
	unsigned n_ov = 0;
	for (unsigned i = 0; i < o->n_overrides && n_ov < 40; i++)
		ov[n_ov++] = o->overrides[i];
	int err = scn_load(&scn, o->path, o->text, ov, n_ov, &errs);
	if (!err && (o->short_run || o->check == SCN_CHECK_OFF)) {
		const struct scn_expectations *x = scn_expectations(&scn);
		if (x && o->short_run && x->test_duration_ns) {
			scn_format_duration(x->test_duration_ns, dur + 13, sizeof dur - 13);
			memcpy(dur, "run.duration=", 13);
			ov[n_ov++] = dur;
		}
		if (x && o->check == SCN_CHECK_OFF) {
			/* Overrides are blank-separated; a word whose name part
			 * (before '=') has no dot continues the previous value:
			 * "server.RequestReadTimeout=header=0 body=0". */
			snprintf(off, sizeof off, "%s", x->off);
			char *save = NULL;
			for (char *t = strtok_r(off, " \t", &save); t && n_ov < 72;
			     t = strtok_r(NULL, " \t", &save)) {
				const char *eq = strchr(t, '=');
				bool starts = eq && memchr(t, '.', (size_t)(eq - t));
				if (starts || n_ov == 0 || t == off)
					ov[n_ov++] = t;
				else
					t[-1] = ' '; /* glue to the previous word */
			}
		}
		if (o->check == SCN_CHECK_OFF && (x == NULL || x->off[0] == '\0')) {
			fprintf(stderr, "synq sim: %s: [expect] has no 'off' to check against\n", o->path);
			scn_free(&scn);
			return SCN_RUN_BAD_INPUT;
		}
		scn_free(&scn);
		err = scn_load(&scn, o->path, o->text, ov, n_ov, &errs);
	}
	if (err) {
		for (unsigned i = 0; i < errs.count && i < SCN_ERRORS_MAX; i++)
			fprintf(stderr, "%s\n", errs.item[i].text);
		if (errs.count > SCN_ERRORS_MAX)
			fprintf(stderr, "(%u more errors)\n", errs.count - SCN_ERRORS_MAX);
		if (err == -ENOMEM)
			fprintf(stderr, "synq sim: out of memory\n");
		return err == -ENOMEM ? SCN_RUN_FAILED : SCN_RUN_BAD_INPUT;
	}
	if (o->out && (err = make_dir(o->out))) {
		fprintf(stderr, "synq sim: cannot create %s: %s\n", o->out, strerror(-err));
		scn_free(&scn);
		return SCN_RUN_FAILED;
	}
	struct scn_world_options wo = { .out_dir = o->out, .progress = o->progress,
	                                .progress_ctx = o->progress_ctx };
	struct scn_world w;
	char why[256];
	int status = SCN_RUN_OK;
	err = scn_world_build(&w, &scn, &wo, why, sizeof why);
	if (!err)
		err = scn_world_run(&w, why, sizeof why);
	if (o->progress)
		o->progress(o->progress_ctx, -1, -1);
	if (err) {
		fprintf(stderr, "synq sim: %s (seed %llu)\n", why[0] ? why : strerror(-err),
		        (unsigned long long)scn.run.seed);
		status = SCN_RUN_FAILED;
		goto out;
	}
	struct report *r = malloc(sizeof *r);
	if (r == NULL) {
		status = SCN_RUN_FAILED;
		goto out;
	}
	report_gather(r, &w);
	if (o->result)
		*o->result = *r;
	if (!o->quiet)
		report_print(stdout, r);
	if (o->check != SCN_CHECK_NONE) {
		if (!o->quiet)
			printf("\n");
		int failed = check_expectations(&scn, r, o->quiet && o->check == SCN_CHECK_OFF);
		const struct scn_expectations *x = scn_expectations(&scn);
		if (failed < 0) {
			status = SCN_RUN_BAD_INPUT;
		} else if (o->check == SCN_CHECK_ON) {
			printf("check %s: %u of %u expectations hold\n", scn.path, x->n - failed, x->n);
			if (failed)
				status = SCN_RUN_FAILED;
		} else {
			printf("check %s with its mechanism off (%s): %d of %u expectations fail%s\n",
			       scn.path, x->off, failed, x->n,
			       failed ? ", as they should" : ": the scenario does not test its mechanism");
			if (!failed)
				status = SCN_RUN_FAILED;
		}
	}
	if (o->out) {
		err = report_write_files(r, o->out, why, sizeof why);
		if (!err && o->plots && report_plots(r, o->out, why, sizeof why))
			fprintf(stderr, "synq sim: note: %s\n", why); /* the data is complete */
		if (!err)
			err = report_html(r, o->out, why, sizeof why);
		if (err) {
			fprintf(stderr, "synq sim: %s\n", why);
			status = SCN_RUN_FAILED;
		} else if (!o->quiet) {
			printf("\nreport: %s/index.html\n", o->out);
		}
	}
	if (o->row_text)
		report_row(r, o->row_text, o->row_cap);
	if (o->row) {
		FILE *f = fopen(o->row, "w");
		char line[2048];
		if (f) {
			report_row_header(line, sizeof line);
			fprintf(f, "%s\n", line);
			report_row(r, line, sizeof line);
			fprintf(f, "%s\n", line);
		}
		if (f == NULL || fclose(f) != 0) {
			fprintf(stderr, "synq sim: cannot write %s\n", o->row);
			status = SCN_RUN_FAILED;
		}
	}
	free(r);
out:
	scn_world_free(&w);
	scn_free(&scn);
	return status;
}

