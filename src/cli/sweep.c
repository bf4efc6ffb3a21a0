/* SPDX-License-Identifier: BSD-2-Clause */
/* synq sweep: one scenario over a grid of settings.
 *
 *   synq sweep FILE --vary KEY=V1,V2,... [--vary ...] [--set K=V]...
 *              [--seed N] [--duration D] [--jobs N] [--out DIR] [--metric M]
 *   synq sweep FILE --vary ... --emit --out DIR   print one command per point
 *   synq sweep --merge DIR [--out DIR2]           assemble what they wrote
 *
 * A point is one combination of the varied values (the last --vary
 * changes fastest). Every point is exactly `synq sim FILE --set ... --row
 * DIR/point-NNNN.csv`: in-process, forked children run those on all
 * cores; with --emit the same commands are printed for GNU parallel to
 * run anywhere (the grid is saved in DIR/sweep.grid for --merge). Either
 * way sweep.csv is assembled by the same merge from the same row files,
 * which is why both give byte-identical CSV. With two varied keys, a
 * heatmap of --metric (default legit_success_rate) is drawn by gnuplot;
 * with one, a line. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/report.h"
#include "report/run.h"

#define VARY_MAX 4
#define VALUES_MAX 64
#define SETS_MAX 32
#define POINTS_MAX 100000
#define LINE_MAX_BYTES 4096

struct vary {
	char key[128];
	unsigned n;
	char *value[VALUES_MAX];
	char *text; /* owned copy the values point into */
};

struct grid {
	char scenario[PATH_MAX];
	unsigned n_vary;
	struct vary vary[VARY_MAX];
	unsigned n_set;
	char *set[SETS_MAX];   /* owned */
	char metric[128];
	unsigned long points;
};

static void sweep_usage(FILE *out)
{
	fprintf(out,
	        "usage: synq sweep FILE --vary KEY=V1,V2,... [--vary ...] [OPTIONS]\n"
	        "       synq sweep --merge DIR [--out DIR2]\n"
	        "  Run FILE once per combination of the varied values; write sweep.csv\n"
	        "  (one row per point) and a heatmap (two keys) or a line (one key).\n"
	        "  --vary KEY=V1,V2,...  a section.key and its values (up to %d)\n"
	        "  --set K=V, --seed N, --duration D   as for synq sim, every point\n"
	        "  --jobs N              points at once (default: every core)\n"
	        "  --out DIR             where sweep.csv, the plot and the points go\n"
	        "                        (default sweep-out)\n"
	        "  --metric NAME         what the plot shows (default legit_success_rate)\n"
	        "  --emit                print one synq sim command per point instead of\n"
	        "                        running them (for GNU parallel), save the grid in DIR\n"
	        "  --merge DIR           assemble DIR/point-*.csv into sweep.csv\n",
	        VARY_MAX);
}

static void grid_free(struct grid *g)
{
	for (unsigned i = 0; i < g->n_vary; i++)
		free(g->vary[i].text);
	for (unsigned i = 0; i < g->n_set; i++)
		free(g->set[i]);
	memset(g, 0, sizeof *g);
}

/* "section.key=v1,v2" into v; false (with a message) if malformed. */
static bool vary_parse(const char *spec, struct vary *v)
{
	const char *eq = strchr(spec, '=');
	if (eq == NULL || eq == spec || eq[1] == '\0' || (size_t)(eq - spec) >= sizeof v->key ||
	    !memchr(spec, '.', (size_t)(eq - spec))) {
		fprintf(stderr, "synq sweep: --vary wants section.key=v1,v2,..., not '%s'\n", spec);
		return false;
	}
	snprintf(v->key, sizeof v->key, "%.*s", (int)(eq - spec), spec);
	v->text = strdup(eq + 1);
	if (v->text == NULL)
		return false;
	v->n = 0;
	for (char *save = NULL, *t = strtok_r(v->text, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		if (v->n == VALUES_MAX) {
			fprintf(stderr, "synq sweep: --vary %s: at most %d values\n", v->key,
			        VALUES_MAX);
			return false;
		}
		v->value[v->n++] = t;
	}
	if (v->n == 0) {
		fprintf(stderr, "synq sweep: --vary %s: no values\n", v->key);
		return false;
	}
	return true;
}

static unsigned long grid_points(const struct grid *g)
{
	unsigned long n = 1;
	for (unsigned i = 0; i < g->n_vary; i++)
		n *= g->vary[i].n;
	return n;
}

/* The value index of vary k at point p (the last varies fastest). */
static unsigned grid_index(const struct grid *g, unsigned long p, unsigned k)
{
	for (unsigned j = g->n_vary; j-- > k + 1;)
		p /= g->vary[j].n;
	return (unsigned)(p % g->vary[k].n);
}

/* ------------------------------------------------------------ grid file */

static int grid_save(const struct grid *g, const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/sweep.grid", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "# synq sweep grid: synq sweep --merge reads it\nscenario %s\nmetric %s\n",
	        g->scenario, g->metric);
	for (unsigned i = 0; i < g->n_set; i++)
		fprintf(f, "set %s\n", g->set[i]);
	for (unsigned i = 0; i < g->n_vary; i++) {
		fprintf(f, "vary %s=", g->vary[i].key);
		for (unsigned j = 0; j < g->vary[i].n; j++)
			fprintf(f, "%s%s", j ? "," : "", g->vary[i].value[j]);
		fprintf(f, "\n");
	}
	return fclose(f) ? -errno : 0;
}

static bool grid_load(struct grid *g, const char *dir)
{
	char path[PATH_MAX], line[LINE_MAX_BYTES];
	snprintf(path, sizeof path, "%s/sweep.grid", dir);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "synq sweep: cannot read %s: %s\n", path, strerror(errno));
		return false;
	}
	memset(g, 0, sizeof *g);
	bool ok = true;
	int lineno = 0;
	while (ok && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!strncmp(line, "scenario ", 9)) {
			size_t n = strlen(line + 9);
			if (n >= sizeof g->scenario)
				n = sizeof g->scenario - 1;
			memcpy(g->scenario, line + 9, n);
			g->scenario[n] = '\0';
		} else if (!strncmp(line, "metric ", 7)) {
			snprintf(g->metric, sizeof g->metric, "%.127s", line + 7);
		} else if (!strncmp(line, "set ", 4) && g->n_set < SETS_MAX) {
			g->set[g->n_set++] = strdup(line + 4);
		} else if (!strncmp(line, "vary ", 5) && g->n_vary < VARY_MAX) {
			ok = vary_parse(line + 5, &g->vary[g->n_vary++]);
		} else {
			fprintf(stderr, "%s:%d: not a grid line\n", path, lineno);
			ok = false;
		}
	}
	fclose(f);
	if (ok && (g->n_vary == 0 || !g->scenario[0])) {
		fprintf(stderr, "%s: no scenario or no --vary in it\n", path);
		ok = false;
	}
	g->points = grid_points(g);
	return ok;
}

/* ------------------------------------------------------------ points */

static void point_path(const char *dir, unsigned long p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/point-%05lu.csv", dir, p);
}

/* The overrides of point p: the base --set values, then its varied ones. */
static unsigned point_overrides(const struct grid *g, unsigned long p, char ov[][256],
                                const char **ptrs)
{
	unsigned n = 0;
	for (unsigned i = 0; i < g->n_set; i++)
		ptrs[n++] = g->set[i];
	for (unsigned k = 0; k < g->n_vary; k++) {
		snprintf(ov[k], 256, "%s=%s", g->vary[k].key, g->vary[k].value[grid_index(g, p, k)]);
		ptrs[n++] = ov[k];
	}
	return n;
}

/* Single-quote s for a POSIX shell when it needs it. */
static void shell_word(FILE *out, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                    "._-/=:,+%@") == strlen(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

static int emit(const struct grid *g, const char *dir, const char *self)
{
	for (unsigned long p = 0; p < g->points; p++) {
		char ov[VARY_MAX][256], row[PATH_MAX];
		const char *ptrs[SETS_MAX + VARY_MAX];
		unsigned n = point_overrides(g, p, ov, ptrs);
		point_path(dir, p, row, sizeof row);
		shell_word(stdout, self);
		fputs(" sim ", stdout);
		shell_word(stdout, g->scenario);
		for (unsigned i = 0; i < n; i++) {
			fputs(" --set ", stdout);
			shell_word(stdout, ptrs[i]);
		}
		fputs(" --quiet --row ", stdout);
		shell_word(stdout, row);
		fputc('\n', stdout);
	}
	return CLI_EXIT_OK;
}

static int run_point(const struct grid *g, unsigned long p, const char *dir)
{
	char ov[VARY_MAX][256], row[PATH_MAX];
	const char *ptrs[SETS_MAX + VARY_MAX];
	unsigned n = point_overrides(g, p, ov, ptrs);
	point_path(dir, p, row, sizeof row);
	struct scn_run_options o = { .path = g->scenario, .overrides = ptrs, .n_overrides = n,
	                             .row = row, .quiet = true };
	return scn_run(&o);
}

/* Run every point in forked children, jobs at a time. */
static int run_all(const struct grid *g, const char *dir, unsigned jobs)
{
	unsigned long next = 0, done = 0;
	unsigned running = 0;
	int status = CLI_EXIT_OK;
	bool tty = isatty(2);
	while (done < g->points) {
		while (running < jobs && next < g->points && status == CLI_EXIT_OK) {
			fflush(stdout);
			fflush(stderr);
			pid_t pid = fork();
			if (pid < 0) {
				fprintf(stderr, "synq sweep: fork: %s\n", strerror(errno));
				status = CLI_EXIT_FAILURE;
				break;
			}
			if (pid == 0) {
				/* points run side by side already: each one's
				 * simulation on one thread (the results are the
				 * same; two threads a point would only contend) */
				if (jobs > 1)
					setenv("SYNQ_SIM_THREADS", "1", 0);
				_exit(run_point(g, next, dir));
			}
			next++;
			running++;
		}
		if (running == 0)
			break;
		int ws;
		pid_t pid = wait(&ws);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		running--;
		done++;
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
			if (status == CLI_EXIT_OK)
				fprintf(stderr, "synq sweep: a point failed (its message is above)\n");
			status = WIFEXITED(ws) && WEXITSTATUS(ws) == CLI_EXIT_USAGE ? CLI_EXIT_USAGE
			                                                           : CLI_EXIT_FAILURE;
		}
		if (tty)
			fprintf(stderr, "\r  %lu of %lu points", done, g->points);
	}
	if (tty)
		fprintf(stderr, "\r%30s\r", "");
	return status;
}

/* ------------------------------------------------------------ merge */

static int metric_column(const char *metric)
{
	for (int i = 0; report_row_metrics[i]; i++)
		if (!strcmp(report_row_metrics[i], metric))
			return i;
	return -1;
}

static int merge(const struct grid *g, const char *points_dir, const char *out_dir)
{
	char path[PATH_MAX], line[LINE_MAX_BYTES], header[LINE_MAX_BYTES];
	report_row_header(header, sizeof header);
	snprintf(path, sizeof path, "%s/sweep.csv", out_dir);
	FILE *out = fopen(path, "w");
	if (out == NULL) {
		fprintf(stderr, "synq sweep: cannot write %s: %s\n", path, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	fprintf(out, "point");
	for (unsigned k = 0; k < g->n_vary; k++)
		fprintf(out, ",%s", g->vary[k].key);
	fprintf(out, ",%s\n", header);
	int col = metric_column(g->metric);
	/* heatmap data: x index, y index, value */
	char datpath[PATH_MAX];
	snprintf(datpath, sizeof datpath, "%s/sweep-plot.dat", out_dir);
	FILE *dat = col >= 0 && g->n_vary <= 2 ? fopen(datpath, "w") : NULL;
	int status = CLI_EXIT_OK;
	for (unsigned long p = 0; p < g->points; p++) {
		point_path(points_dir, p, path, sizeof path);
		FILE *f = fopen(path, "r");
		bool ok = f && fgets(line, sizeof line, f);
		ok = ok && !strncmp(line, header, strlen(header));
		ok = ok && fgets(line, sizeof line, f);
		if (f)
			fclose(f);
		if (!ok) {
			fprintf(stderr, "synq sweep: %s is missing or not a synq sim --row file\n", path);
			status = CLI_EXIT_FAILURE;
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		fprintf(out, "%lu", p);
		for (unsigned k = 0; k < g->n_vary; k++)
			fprintf(out, ",%s", g->vary[k].value[grid_index(g, p, k)]);
		fprintf(out, ",%s\n", line);
		if (dat) {
			const char *c = line;
			for (int i = 0; i < col && c; i++) {
				c = strchr(c, ',');
				if (c)
					c++;
			}
			double v = c ? strtod(c, NULL) : 0;
			if (g->n_vary == 1)
				fprintf(dat, "%u %g\n", grid_index(g, p, 0), v);
			else
				fprintf(dat, "%u %u %g\n", grid_index(g, p, 1), grid_index(g, p, 0), v);
		}
	}
	if (dat)
		fclose(dat);
	if (fclose(out) != 0)
		status = CLI_EXIT_FAILURE;
	if (status != CLI_EXIT_OK || dat == NULL)
		return status;
	/* the plot: gnuplot's absence costs only the picture */
	snprintf(path, sizeof path, "%s/sweep-plot.gp", out_dir);
	FILE *gp = fopen(path, "w");
	if (gp == NULL)
		return status;
	for (int t = 0; t < 2; t++) {
		fprintf(gp, "%s\nset output 'sweep.%s'\nset title \"%s\" noenhanced\n",
		        t == 0 ? "set terminal svg size 900,600 dynamic font 'Helvetica,12'"
		               : "set terminal pngcairo size 900,600 font 'Helvetica,10'",
		        t == 0 ? "svg" : "png", g->metric);
		const struct vary *x = &g->vary[g->n_vary - 1];
		fprintf(gp, "set xlabel '%s' noenhanced\nset xtics (", x->key);
		for (unsigned i = 0; i < x->n; i++)
			fprintf(gp, "%s\"%s\" %u", i ? ", " : "", x->value[i], i);
		fprintf(gp, ")\n");
		if (g->n_vary == 2) {
			const struct vary *y = &g->vary[0];
			fprintf(gp, "set ylabel '%s' noenhanced\nset ytics (", y->key);
			for (unsigned i = 0; i < y->n; i++)
				fprintf(gp, "%s\"%s\" %u", i ? ", " : "", y->value[i], i);
			fprintf(gp, ")\nset palette defined (0 '#b2182b', 0.5 '#fddbc7', 1 '#2166ac')\n"
			            "set xrange [-0.5:%u.5]\nset yrange [-0.5:%u.5]\n"
			            "plot 'sweep-plot.dat' using 1:2:3 with image notitle, "
			            "'' using 1:2:(sprintf('%%.3g', $3)) with labels notitle\n",
			        x->n - 1, y->n - 1);
		} else {
			fprintf(gp, "set ylabel '%s'\nset grid\nplot 'sweep-plot.dat' using 1:2 with "
			            "linespoints lw 2 pt 7 notitle\n", g->metric);
		}
	}
	fclose(gp);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (chdir(out_dir) == 0 && freopen("sweep-plot.log", "w", stderr))
			execlp("gnuplot", "gnuplot", "sweep-plot.gp", (char *)NULL);
		_exit(127);
	}
	int ws;
	if (pid > 0 && waitpid(pid, &ws, 0) == pid && !(WIFEXITED(ws) && WEXITSTATUS(ws) == 0))
		fprintf(stderr, "synq sweep: note: no plot (gnuplot missing or failed; see "
		                "%s/sweep-plot.log)\n", out_dir);
	return status;
}

/* ------------------------------------------------------------ main */

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "synq sweep: cannot create %s: %s\n", dir, strerror(errno));
	return -1;
}

int cli_sweep(int argc, char **argv)
{
	struct grid g = { 0 };
	const char *out = NULL, *merge_dir = NULL;
	bool do_emit = false;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(g.metric, sizeof g.metric, "legit_success_rate");
	int status = CLI_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *v;
		char buf[160];
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			sweep_usage(stdout);
			status = CLI_EXIT_OK;
			goto done;
		} else if (!strcmp(argv[i], "--emit")) {
			do_emit = true;
		} else if (cli_option_match(argc, argv, &i, "sweep", "--vary", &v)) {
			if (!v)
				goto done;
			if (g.n_vary == VARY_MAX) {
				fprintf(stderr, "synq sweep: at most %d --vary\n", VARY_MAX);
				goto done;
			}
			if (!vary_parse(v, &g.vary[g.n_vary++]))
				goto done;
		} else if (cli_option_match(argc, argv, &i, "sweep", "--set", &v)) {
			if (!v || g.n_set == SETS_MAX)
				goto done;
			g.set[g.n_set++] = strdup(v);
		} else if (cli_option_match(argc, argv, &i, "sweep", "--seed", &v)) {
			uint64_t n;
			if (!v || !cli_parse_u64("sweep", "--seed", v, &n) || g.n_set == SETS_MAX)
				goto done;
			snprintf(buf, sizeof buf, "run.seed=%s", v);
			g.set[g.n_set++] = strdup(buf);
		} else if (cli_option_match(argc, argv, &i, "sweep", "--duration", &v)) {
			if (!v || g.n_set == SETS_MAX)
				goto done;
			snprintf(buf, sizeof buf, "run.duration=%s", v);
			g.set[g.n_set++] = strdup(buf);
		} else if (cli_option_match(argc, argv, &i, "sweep", "--jobs", &v)) {
			uint64_t n;
			if (!v || !cli_parse_u64("sweep", "--jobs", v, &n) || n == 0 || n > 1024)
				goto done;
			jobs = (long)n;
		} else if (cli_option_match(argc, argv, &i, "sweep", "--out", &v)) {
			if (!v)
				goto done;
			out = v;
		} else if (cli_option_match(argc, argv, &i, "sweep", "--metric", &v)) {
			if (!v)
				goto done;
			snprintf(g.metric, sizeof g.metric, "%s", v);
		} else if (cli_option_match(argc, argv, &i, "sweep", "--merge", &v)) {
			if (!v)
				goto done;
			merge_dir = v;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "synq sweep: unknown option '%s' (see synq sweep --help)\n",
			        argv[i]);
			goto done;
		} else if (!g.scenario[0]) {
			snprintf(g.scenario, sizeof g.scenario, "%s", argv[i]);
		} else {
			fprintf(stderr, "synq sweep: one scenario at a time\n");
			goto done;
		}
	}
	if (merge_dir) {
		grid_free(&g);
		if (!grid_load(&g, merge_dir))
			goto done;
		const char *to = out ? out : merge_dir;
		if (make_dir(to))
			goto done;
		status = merge(&g, merge_dir, to);
		if (status == CLI_EXIT_OK)
			printf("%s/sweep.csv: %lu points\n", to, g.points);
		goto done;
	}
	if (!g.scenario[0] || g.n_vary == 0) {
		sweep_usage(stderr);
		goto done;
	}
	if (metric_column(g.metric) < 0) {
		fprintf(stderr, "synq sweep: --metric %s is not a column of sweep.csv (%s, ...)\n",
		        g.metric, report_row_metrics[0]);
		goto done;
	}
	g.points = grid_points(&g);
	if (g.points > POINTS_MAX) {
		fprintf(stderr, "synq sweep: %lu points; at most %d\n", g.points, POINTS_MAX);
		goto done;
	}
	/* Check the scenario and every value once, before anything runs: a
	 * typo in the grid is one error, not a hundred failed points. */
	for (unsigned long p = 0; p < g.points; p++) {
		char ov[VARY_MAX][256];
		const char *ptrs[SETS_MAX + VARY_MAX];
		unsigned n = point_overrides(&g, p, ov, ptrs);
		struct scenario scn;
		struct scn_errors errs;
		if (scn_load(&scn, g.scenario, NULL, ptrs, n, &errs)) {
			for (unsigned e = 0; e < errs.count && e < SCN_ERRORS_MAX; e++)
				fprintf(stderr, "%s\n", errs.item[e].text);
			goto done;
		}
		scn_free(&scn);
	}
	const char *dir = out ? out : "sweep-out";
	if (make_dir(dir))
		goto done;
	if (grid_save(&g, dir)) {
		fprintf(stderr, "synq sweep: cannot write %s/sweep.grid\n", dir);
		status = CLI_EXIT_FAILURE;
		goto done;
	}
	if (do_emit) {
		/* the binary by its absolute path, as the hosts of a
		 * parallel run see it with a shared or copied tree */
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		self[n > 0 ? n : 0] = '\0';
		status = emit(&g, dir, n > 0 ? self : "synq");
		goto done;
	}
	status = run_all(&g, dir, (unsigned)jobs);
	if (status == CLI_EXIT_OK)
		status = merge(&g, dir, dir);
	if (status == CLI_EXIT_OK)
		printf("%s/sweep.csv: %lu points (%ld at a time)\n", dir, g.points, jobs);
done:
	grid_free(&g);
	return status;
}
