/* SPDX-License-Identifier: BSD-2-Clause */
/* synq sim: a scenario file in, a report out.
 *
 *   synq sim FILE [--set section.key=value]... [--seed N] [--duration D]
 *                 [--out DIR] [--row FILE] [--no-plots] [--quiet]
 *   synq sim            the built-in scenario (what make demo runs)
 *   synq sim --keys     every section and key, as docs/scenarios.md lists them
 *
 * The terminal gets the summary table; --out DIR gets the CSV and JSON
 * files, the plots and index.html; a progress bar goes to stderr when it
 * is a terminal and the run takes more than a second of wall time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sim_run.h"
#include "report/report.h"
#include "scenario/expect.h"
#include "scenario/section.h"

#define OVERRIDES_MAX 64

static void sim_usage(FILE *out)
{
	fprintf(out,
	        "usage: synq sim [FILE] [OPTIONS]\n"
	        "  Run a scenario (docs/scenarios.md) and report what the server and each\n"
	        "  population went through. Without FILE: the built-in scenario (make demo).\n"
	        "  --set SECTION.KEY=VALUE  override one key (repeatable), e.g.\n"
	        "                           --set kernel.net.ipv4.tcp_syncookies=0\n"
	        "  --seed N                 seed of every random choice (run.seed)\n"
	        "  --duration D             simulated time, e.g. 30s (run.duration)\n"
	        "  --out DIR                write CSV, JSON, plots and index.html to DIR\n"
	        "  --row FILE               write the one-line sweep row (CSV) to FILE\n"
	        "  --no-plots               with --out: skip gnuplot and index.html's plots\n"
	        "  --quiet                  no summary table\n"
	        "  --check                  check [expect]; exit 1 if any expectation fails\n"
	        "  --check-off              apply [expect] off, and exit 1 unless some fails\n"
	        "  --short                  run for [expect] test_duration (as make test does)\n"
	        "  --keys                   list every section and key, then exit\n");
}

/* ------------------------------------------------------------ progress */

struct progress {
	bool tty;
	bool shown;
	double start_s;
	double last_s;
};

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress_update(void *ctx, synq_time_t now, synq_time_t end)
{
	struct progress *p = ctx;
	if (!p->tty)
		return;
	double t = wall_s();
	if (p->start_s == 0) {
		p->start_s = t;
		return;
	}
	if (t - p->start_s < 1.0 || t - p->last_s < 0.1)
		return;
	p->last_s = t;
	p->shown = true;
	double frac = end > 0 ? (double)now / (double)end : 1;
	int width = 40, fill = (int)(frac * width);
	fprintf(stderr, "\r  [%.*s%*s] %5.1f%%  %.1f of %.1f simulated s  ", fill,
	        "########################################", width - fill, "", 100 * frac,
	        (double)now / 1e9, (double)end / 1e9);
	fflush(stderr);
}

static void progress_done(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r%*s\r", 79, "");
}

/* ------------------------------------------------------------ run */

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

int sim_run_scenario(const struct sim_run_options *o)
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
	if (!err && (o->short_run || o->check == SIM_CHECK_OFF)) {
		const struct scn_expectations *x = scn_expectations(&scn);
		if (x && o->short_run && x->test_duration_ns) {
			scn_format_duration(x->test_duration_ns, dur + 13, sizeof dur - 13);
			memcpy(dur, "run.duration=", 13);
			ov[n_ov++] = dur;
		}
		if (x && o->check == SIM_CHECK_OFF) {
			snprintf(off, sizeof off, "%s", x->off);
			for (char *save = NULL, *t = strtok_r(off, " \t", &save); t && n_ov < 72;
			     t = strtok_r(NULL, " \t", &save))
				ov[n_ov++] = t;
		}
		if (o->check == SIM_CHECK_OFF && (x == NULL || x->off[0] == '\0')) {
			fprintf(stderr, "synq sim: %s: [expect] has no 'off' to check against\n", o->path);
			scn_free(&scn);
			return CLI_EXIT_USAGE;
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
		return err == -ENOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
	}
	if (o->out && (err = make_dir(o->out))) {
		fprintf(stderr, "synq sim: cannot create %s: %s\n", o->out, strerror(-err));
		scn_free(&scn);
		return CLI_EXIT_FAILURE;
	}
	struct progress prog = { .tty = o->progress && isatty(2) };
	struct scn_world_options wo = { .out_dir = o->out, .progress = progress_update,
	                                .progress_ctx = &prog };
	struct scn_world w;
	char why[256];
	int status = CLI_EXIT_OK;
	err = scn_world_build(&w, &scn, &wo, why, sizeof why);
	if (!err)
		err = scn_world_run(&w, why, sizeof why);
	progress_done(&prog);
	if (err) {
		fprintf(stderr, "synq sim: %s (seed %llu)\n", why[0] ? why : strerror(-err),
		        (unsigned long long)scn.run.seed);
		status = CLI_EXIT_FAILURE;
		goto out;
	}
	struct report *r = malloc(sizeof *r);
	if (r == NULL) {
		status = CLI_EXIT_FAILURE;
		goto out;
	}
	report_gather(r, &w);
	if (o->result)
		*o->result = *r;
	if (!o->quiet)
		report_print(stdout, r);
	if (o->check != SIM_CHECK_NONE) {
		if (!o->quiet)
			printf("\n");
		int failed = check_expectations(&scn, r, o->quiet && o->check == SIM_CHECK_OFF);
		const struct scn_expectations *x = scn_expectations(&scn);
		if (failed < 0) {
			status = CLI_EXIT_USAGE;
		} else if (o->check == SIM_CHECK_ON) {
			printf("check %s: %u of %u expectations hold\n", scn.path, x->n - failed, x->n);
			if (failed)
				status = CLI_EXIT_FAILURE;
		} else {
			printf("check %s with its mechanism off (%s): %d of %u expectations fail%s\n",
			       scn.path, x->off, failed, x->n,
			       failed ? ", as they should" : ": the scenario does not test its mechanism");
			if (!failed)
				status = CLI_EXIT_FAILURE;
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
			status = CLI_EXIT_FAILURE;
		} else if (!o->quiet) {
			printf("\nreport: %s/index.html\n", o->out);
		}
	}
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
			status = CLI_EXIT_FAILURE;
		}
	}
	free(r);
out:
	scn_world_free(&w);
	scn_free(&scn);
	return status;
}

/* ------------------------------------------------------------ keys */

static void print_keys(void)
{
	for (size_t k = 0; scn_section_kinds[k]; k++) {
		const struct scn_section_kind *kind = scn_section_kinds[k];
		printf("### [%s%s]\n\n%s\n\n", kind->name, kind->named ? ".NAME" : "", kind->doc);
		if (kind->n_keys == 0)
			continue;
		printf("| key | type | default | meaning |\n|---|---|---|---|\n");
		for (size_t i = 0; i < kind->n_keys; i++) {
			const struct scn_key *key = &kind->keys[i];
			printf("| `%s` | %s", key->name, scn_type_doc(key->type));
			if (key->type == SCN_T_ENUM) {
				printf(" ");
				for (int c = 0; key->choices[c]; c++)
					printf("%s%s", c ? "/" : "", key->choices[c]);
			}
			printf(" | %s | %s |\n", key->def && key->def[0] ? key->def : "-", key->doc);
		}
		printf("\n");
	}
}

/* ------------------------------------------------------------ options */

int cli_sim(int argc, char **argv)
{
	static const char *overrides[OVERRIDES_MAX];
	static char extra[2][96];
	struct sim_run_options o = { .plots = true, .progress = true, .overrides = overrides };
	const char *seed = NULL, *duration = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			sim_usage(stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--keys")) {
			print_keys();
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--no-plots")) {
			o.plots = false;
		} else if (!strcmp(argv[i], "--quiet")) {
			o.quiet = true;
		} else if (!strcmp(argv[i], "--check")) {
			o.check = SIM_CHECK_ON;
		} else if (!strcmp(argv[i], "--check-off")) {
			o.check = SIM_CHECK_OFF;
		} else if (!strcmp(argv[i], "--short")) {
			o.short_run = true;
		} else if (cli_option_match(argc, argv, &i, "sim", "--set", &v)) {
			if (!v)
				return CLI_EXIT_USAGE;
			if (o.n_overrides == OVERRIDES_MAX - 2) {
				fprintf(stderr, "synq sim: at most %d --set options\n", OVERRIDES_MAX - 2);
				return CLI_EXIT_USAGE;
			}
			overrides[o.n_overrides++] = v;
		} else if (cli_option_match(argc, argv, &i, "sim", "--seed", &v)) {
			uint64_t n;
			if (!v || !cli_parse_u64("sim", "--seed", v, &n))
				return CLI_EXIT_USAGE;
			seed = v;
		} else if (cli_option_match(argc, argv, &i, "sim", "--duration", &v)) {
			if (!v)
				return CLI_EXIT_USAGE;
			duration = v;
		} else if (cli_option_match(argc, argv, &i, "sim", "--out", &v)) {
			if (!v)
				return CLI_EXIT_USAGE;
			o.out = v;
		} else if (cli_option_match(argc, argv, &i, "sim", "--row", &v)) {
			if (!v)
				return CLI_EXIT_USAGE;
			o.row = v;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "synq sim: unknown option '%s' (see synq sim --help)\n", argv[i]);
			return CLI_EXIT_USAGE;
		} else if (o.path == NULL) {
			o.path = argv[i];
		} else {
			fprintf(stderr, "synq sim: one scenario file at a time ('%s' and '%s')\n",
			        o.path, argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	if (seed) {
		snprintf(extra[0], sizeof extra[0], "run.seed=%s", seed);
		overrides[o.n_overrides++] = extra[0];
	}
	if (duration) {
		snprintf(extra[1], sizeof extra[1], "run.duration=%s", duration);
		overrides[o.n_overrides++] = extra[1];
	}
	if (o.path == NULL)
		return cli_demo_run(&o);
	return sim_run_scenario(&o);
}
