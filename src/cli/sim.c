/* SPDX-License-Identifier: BSD-2-Clause */
/* synq sim: a scenario file in, a report out.
 *
 *   synq sim FILE [--set section.key=value]... [--seed N] [--duration D]
 *                 [--out DIR] [--row FILE] [--no-plots] [--quiet] [--threads N]
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
	        "  --threads N              threads to run the simulation on (1: serial;\n"
	        "                           default: run.threads, else one per domain and\n"
	        "                           core); the results are the same for any N\n"
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

static void progress_done(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r%*s\r", 79, "");
	p->shown = false;
}

static void progress_update(void *ctx, synq_time_t now, synq_time_t end)
{
	struct progress *p = ctx;
	if (now < 0) {
		progress_done(p);
		return;
	}
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
			printf(" | %s | %s", key->def && key->def[0] ? key->def : "-", key->doc);
			if (key->models) {
				printf(" *Models:");
				for (int m = 0, n = 0; m < SCN_MODEL__COUNT; m++)
					if (key->models & SCN_MODEL_BIT(m))
						printf("%s %s", n++ ? "," : "", scn_model_name(m));
				printf(".*");
			}
			printf(" |\n");
		}
		printf("\n");
	}
}

/* ------------------------------------------------------------ options */

int cli_sim(int argc, char **argv)
{
	static const char *overrides[OVERRIDES_MAX];
	static char extra[2][96];
	struct progress prog = { .tty = isatty(2) };
	struct scn_run_options o = { .plots = true, .progress = progress_update,
	                             .progress_ctx = &prog, .overrides = overrides };
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
			o.check = SCN_CHECK_ON;
		} else if (!strcmp(argv[i], "--check-off")) {
			o.check = SCN_CHECK_OFF;
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
		} else if (cli_option_match(argc, argv, &i, "sim", "--threads", &v)) {
			/* not an override: the report and scenario.ini stay the
			 * same whatever the thread count (world.c reads it) */
			uint64_t n;
			if (!v || !cli_parse_u64("sim", "--threads", v, &n) || n < 1 || n > 8) {
				fprintf(stderr, "synq sim: --threads takes 1 to 8\n");
				return CLI_EXIT_USAGE;
			}
			setenv("SYNQ_SIM_THREADS", v, 1);
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
	return scn_run(&o);
}
