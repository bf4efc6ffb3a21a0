/* SPDX-License-Identifier: BSD-2-Clause */
/* synq demo (and synq sim without a file): the built-in scenario,
 * scenarios/demo.ini compiled in, told as seeds 000 and 004 tell it. A
 * prefork server under a spoofed SYN flood and an idle-connection flood
 * is run three times, defences switched on one after another:
 *
 *   no defences        tcp_syncookies 0, no AcceptFilter, no RequestReadTimeout
 *   SYN cookies        tcp_syncookies 1 (Linux's default)
 *   + deferred + RRT   and Apache's AcceptFilter (TCP_DEFER_ACCEPT) and
 *                      RequestReadTimeout header=20-40,MinRate=500
 *
 * and the before/after table is printed; each run's report goes to
 * OUT/<run>/ and the comparison to OUT/index.html. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sim_run.h"

static const char demo_ini[] =
#include "demo_ini.h"
	;

#define DEMO_RUNS 3
#define DEMO_OUT_DEFAULT "synq-demo"

static const char *const run_label[DEMO_RUNS] = {
	"no defences", "SYN cookies", "+ deferred + RRT",
};
static const char *const run_dir[DEMO_RUNS] = { "none", "cookies", "all" };
/* Overrides per run; the file itself has every defence on. */
static const char *const run_overrides[DEMO_RUNS][3] = {
	{ "kernel.net.ipv4.tcp_syncookies=0", "server.AcceptFilter=none",
	  "server.RequestReadTimeout=header=0 body=0" },
	{ "kernel.net.ipv4.tcp_syncookies=1", "server.AcceptFilter=none",
	  "server.RequestReadTimeout=header=0 body=0" },
	{ "kernel.net.ipv4.tcp_syncookies=1", "server.AcceptFilter=http data",
	  "server.RequestReadTimeout=header=20-40,MinRate=500" },
};

static const char demo_note[] =
	"Under the flood the SYN queue stays full, so every handshake, the idle "
	"attacker's included, completes through a SYN cookie, and a cookie's ACK "
	"becomes a full connection at once, as in Linux's cookie_v4_check(): "
	"TCP_DEFER_ACCEPT has nothing to defer, and the idle connections still "
	"reach accept() and hold slots in R (seed 000's C6). RequestReadTimeout is "
	"what frees those slots, every 20 s.";

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void demo_usage(FILE *out)
{
	fprintf(out,
	        "usage: synq demo [--out DIR] [--seed N] [--duration D] [--no-plots] [--print]\n"
	        "  Seeds 000 and 004 in one minute: a prefork server under a spoofed SYN\n"
	        "  flood and an idle-connection flood, run with no defences, with SYN\n"
	        "  cookies, and with cookies, deferred accept and RequestReadTimeout.\n"
	        "  Prints the before/after table; reports go to DIR (default %s).\n"
	        "  --print   print the built-in scenario (scenarios/demo.ini) and exit\n",
	        DEMO_OUT_DEFAULT);
}

int cli_demo_run(const struct scn_run_options *base)
{
	const char *out = base->out ? base->out : DEMO_OUT_DEFAULT;
	if (mkdir(out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "synq demo: cannot create %s: %s\n", out, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	static struct report results[DEMO_RUNS];
	const struct report *ptrs[DEMO_RUNS];
	printf("synq demo: seeds 000 and 004 in one run. A prefork server (256 slots) under a\n"
	       "spoofed SYN flood (5000/s) and 300 idle connections; 40 browsers arrive 10 s\n"
	       "in. The same run three times, defences switched on one after another.\n\n");
	double t0 = wall_s();
	for (unsigned i = 0; i < DEMO_RUNS; i++) {
		const char *ov[80];
		unsigned n = 0;
		for (unsigned k = 0; k < 3; k++)
			ov[n++] = run_overrides[i][k];
		for (unsigned k = 0; k < base->n_overrides && n < 80; k++)
			ov[n++] = base->overrides[k];
		char dir[512];
		snprintf(dir, sizeof dir, "%s/%s", out, run_dir[i]);
		struct scn_run_options o = *base;
		o.path = "scenarios/demo.ini";
		o.text = demo_ini;
		o.overrides = ov;
		o.n_overrides = n;
		o.out = dir;
		o.quiet = true;
		o.check = SCN_CHECK_NONE;
		o.result = &results[i];
		if (isatty(2))
			fprintf(stderr, "  running: %s ...\r", run_label[i]);
		int status = scn_run(&o);
		if (status != SCN_RUN_OK)
			return status;
		ptrs[i] = &results[i];
	}
	if (isatty(2))
		fprintf(stderr, "%40s\r", "");
	report_compare_print(stdout, ptrs, run_label, DEMO_RUNS);
	printf("\n%.1f simulated s per run, seed %llu; %.1f s of wall time in all.\n",
	       (double)results[0].end_ns / 1e9, (unsigned long long)results[0].seed,
	       wall_s() - t0);
	/* the note, wrapped for a terminal */
	size_t col = 0;
	printf("Note:");
	col = 5;
	for (const char *w = demo_note; *w;) {
		size_t n = strcspn(w, " ");
		if (col + 1 + n > 78) {
			printf("\n     ");
			col = 5;
		}
		printf(" %.*s", (int)n, w);
		col += 1 + n;
		w += n;
		while (*w == ' ')
			w++;
	}
	printf("\n");
	int err = report_compare_html(out, "synq demo: SYN flood and idle connections against prefork",
	                              "A prefork server (256 slots) under a spoofed SYN flood (5000/s) "
	                              "and 300 idle connections; 40 browsers arrive 10 s in. The same "
	                              "run with three settings; each column links its full report.",
	                              ptrs, run_label, run_dir, DEMO_RUNS, demo_note);
	if (err) {
		fprintf(stderr, "synq demo: cannot write %s/index.html: %s\n", out, strerror(-err));
		return CLI_EXIT_FAILURE;
	}
	printf("\nreport: %s/index.html\n", out);
	return CLI_EXIT_OK;
}

int cli_demo(int argc, char **argv)
{
	static const char *overrides[4];
	static char seed_ov[64], dur_ov[64];
	struct scn_run_options o = { .plots = true, .overrides = overrides };
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			demo_usage(stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--print")) {
			fputs(demo_ini, stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--no-plots")) {
			o.plots = false;
		} else if (cli_option_match(argc, argv, &i, "demo", "--out", &v)) {
			if (!v)
				return CLI_EXIT_USAGE;
			o.out = v;
		} else if (cli_option_match(argc, argv, &i, "demo", "--seed", &v)) {
			uint64_t n;
			if (!v || !cli_parse_u64("demo", "--seed", v, &n))
				return CLI_EXIT_USAGE;
			snprintf(seed_ov, sizeof seed_ov, "run.seed=%s", v);
			overrides[o.n_overrides++] = seed_ov;
		} else if (cli_option_match(argc, argv, &i, "demo", "--duration", &v)) {
			if (!v)
				return CLI_EXIT_USAGE;
			snprintf(dur_ov, sizeof dur_ov, "run.duration=%s", v);
			overrides[o.n_overrides++] = dur_ov;
		} else {
			fprintf(stderr, "synq demo: unknown argument '%s' (see synq demo --help)\n",
			        argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	return cli_demo_run(&o);
}
