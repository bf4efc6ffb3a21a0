/* SPDX-License-Identifier: BSD-2-Clause */
/* Plots, drawn by gnuplot (Debian gnuplot-nox) from the report's own data
 * files: this file writes plots/plots.gp and a few .dat files next to it,
 * then runs `gnuplot plots.gp` in that directory. Each plot is written
 * twice, as SVG (sharp in a browser) and PNG (for mail and chat).
 *
 *   queues       SYN queue (requests in SYN_RECV) and accept queue, the
 *                highest value within each interval, and the backlog
 *   scoreboard   slots per state (Apache's characters) at each sample
 *   outcomes     per population, requests (or connects) succeeding and
 *                failing per second
 *   counters     the listen path's MIB counters per second, nstat names
 *   connect      connect-time distribution per population: a histogram
 *                and the cumulative fraction on a log time axis, where
 *                SYN retransmission steps stand out as cliffs
 *   latency      request latency, cumulative, log time axis
 *
 * gnuplot's absence is not an error of the run: the data files are
 * complete without it, and the caller is told why there are no plots. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/report.h"

#define TERMINALS 2

static const char *const terminal_line[TERMINALS] = {
	"set terminal svg size 960,420 dynamic enhanced font 'Helvetica,12' background '#ffffff'",
	"set terminal pngcairo size 960,420 enhanced font 'Helvetica,10'",
};
static const char *const terminal_ext[TERMINALS] = { "svg", "png" };

static int col_of(const struct scn_series *s, const char *name)
{
	for (unsigned i = 0; i < s->n_cols; i++)
		if (!strcmp(s->col_name[i], name))
			return (int)i + 1; /* gnuplot counts from 1 */
	return 0;
}

static bool column_nonzero(const struct scn_series *s, int col)
{
	for (size_t r = 0; r < s->n_rows; r++)
		if (s->rows[r * s->n_cols + (unsigned)(col - 1)])
			return true;
	return false;
}

static void common(FILE *f)
{
	fprintf(f, "set datafile separator ','\n"
	           "set grid lc rgb '#dddddd'\n"
	           "set border lc rgb '#555555'\n"
	           "set key outside right top box lc rgb '#cccccc'\n"
	           "set xlabel 'simulated time (s)'\n"
	           "set style data lines\n");
}

static void begin(FILE *f, int t, const char *name, const char *title)
{
	fprintf(f, "\n%s\nset output '%s.%s'\nset title \"%s\"\n", terminal_line[t], name,
	        terminal_ext[t], title);
}

/* seconds per interval, to turn per-interval deltas into rates */
static double interval_s(const struct report *r)
{
	return (double)r->scn->run.interval_ns / 1e9;
}

static void plot_queues(FILE *f, const struct report *r, int t)
{
	const struct scn_series *s = &r->world->series;
	begin(f, t, "queues", "Listen queues: highest length in each interval");
	fprintf(f, "set ylabel 'entries'\nset yrange [0:*]\n");
	fprintf(f, "plot '../series.csv' every ::1 using ($1/1000):%d lw 2 lc rgb '#d62728' "
	        "title 'SYN queue (SYN\\_RECV)', \\\n"
	        "     '' every ::1 using ($1/1000):%d lw 2 lc rgb '#1f77b4' title 'accept queue', \\\n"
	        "     %u dt 2 lc rgb '#1f77b4' title 'backlog (Send-Q)'\n",
	        col_of(s, "syn_recv_max"), col_of(s, "accept_queue_max"), r->backlog);
	fprintf(f, "set yrange [*:*]\n");
}

static void plot_scoreboard(FILE *f, const struct report *r, int t)
{
	const struct scn_series *s = &r->world->series;
	static const struct { const char *col; const char *label; const char *color; } st[] = {
		{ "sb_reading", "R reading", "#d62728" }, { "sb_sending", "W sending", "#2ca02c" },
		{ "sb_keepalive", "K keep-alive", "#9467bd" }, { "sb_logging", "L logging", "#8c564b" },
		{ "sb_closing", "C closing", "#ff7f0e" }, { "sb_waiting", "\\_ waiting", "#7f7f7f" },
	};
	begin(f, t, "scoreboard", "Scoreboard: worker slots per state");
	fprintf(f, "set ylabel 'slots'\nset yrange [0:*]\nplot ");
	bool first = true;
	for (unsigned i = 0; i < sizeof st / sizeof st[0]; i++) {
		int c = col_of(s, st[i].col);
		if (!c || !column_nonzero(s, c))
			continue;
		fprintf(f, "%s'../series.csv' every ::1 using ($1/1000):%d lw 2 lc rgb '%s' title '%s'",
		        first ? "" : ", \\\n     ", c, st[i].color, st[i].label);
		first = false;
	}
	if (first)
		fprintf(f, "0 title 'no scoreboard'");
	fprintf(f, "\nset yrange [*:*]\n");
}

static void plot_outcomes(FILE *f, const struct report *r, int t)
{
	const struct scn_series *s = &r->world->series;
	begin(f, t, "outcomes", "What clients got, per second");
	fprintf(f, "set ylabel 'per second'\nset yrange [0:*]\nplot ");
	bool first = true;
	for (unsigned p = 0; p < r->n_pops; p++) {
		const struct report_pop *rp = &r->pop[p];
		if (rp->model == SCN_MODEL_SYNFLOOD)
			continue;
		bool req = rp->model == SCN_MODEL_BROWSER || rp->model == SCN_MODEL_POISSON;
		char ok[160], bad[160];
		snprintf(ok, sizeof ok, "%s.%s", rp->section, req ? "requests_ok" : "connected");
		snprintf(bad, sizeof bad, "%s.%s", rp->section,
		         req ? "requests_failed" : "connect_failed");
		fprintf(f, "%s'../series.csv' every ::1 using ($1/1000):($%d/%g) lw 2 "
		        "title '%s ok', \\\n     '' every ::1 using ($1/1000):($%d/%g) lw 2 dt 2 "
		        "title '%s failed'",
		        first ? "" : ", \\\n     ", col_of(s, ok), interval_s(r), rp->section,
		        col_of(s, bad), interval_s(r), rp->section);
		first = false;
	}
	if (first)
		fprintf(f, "0 title 'no clients'");
	fprintf(f, "\nset yrange [*:*]\n");
}

static void plot_counters(FILE *f, const struct report *r, int t)
{
	const struct scn_series *s = &r->world->series;
	begin(f, t, "counters", "Listen-path counters (nstat names), per second");
	fprintf(f, "set ylabel 'per second'\nset yrange [0:*]\nplot ");
	bool first = true;
	for (unsigned i = 0; i < scn_n_listen_mibs; i++) {
		const char *name = synq_mib_name(scn_listen_mibs[i]);
		int c = col_of(s, name);
		if (!c || !column_nonzero(s, c))
			continue;
		fprintf(f, "%s'../series.csv' every ::1 using ($1/1000):($%d/%g) lw 2 title '%s'",
		        first ? "" : ", \\\n     ", c, interval_s(r), name);
		first = false;
	}
	if (first)
		fprintf(f, "0 title 'all zero'");
	fprintf(f, "\nset yrange [*:*]\n");
}

/* The NAT router's table: entries per conntrack state, and its size. */
static void plot_nat(FILE *f, const struct report *r, int t)
{
	const struct scn_series *s = &r->world->series;
	begin(f, t, "nat", "NAT router: conntrack entries per state");
	fprintf(f, "set ylabel 'entries'\nset yrange [0:*]\nplot ");
	bool first = true;
	for (unsigned k = CT_SYN_SENT; k < CT__STATES; k++) {
		char name[40];
		snprintf(name, sizeof name, "nat_%s", ct_state_name((enum ct_state)k));
		int c = col_of(s, name);
		if (!c || !column_nonzero(s, c))
			continue;
		/* gnuplot reads "_" as a subscript: escape it */
		char label[40];
		size_t n = 0;
		for (const char *p = ct_state_name((enum ct_state)k); *p && n + 3 < sizeof label; p++) {
			if (*p == '_')
				label[n++] = '\\';
			label[n++] = *p;
		}
		label[n] = '\0';
		fprintf(f, "%s'../series.csv' every ::1 using ($1/1000):%d lw 2 title '%s'",
		        first ? "" : ", \\\n     ", c, label);
		first = false;
	}
	int total = col_of(s, "nat_entries");
	if (total)
		fprintf(f, "%s'../series.csv' every ::1 using ($1/1000):%d lw 2 lc rgb 'black' "
		        "title 'all entries'", first ? "" : ", \\\n     ", total);
	first = first && !total;
	fprintf(f, "%s%u dt 2 lc rgb 'black' title 'table size (nf\\_conntrack\\_max)'\n",
	        first ? "" : ", \\\n     ", r->nat_max);
	fprintf(f, "set yrange [*:*]\n");
}

/* plots/NAME-POP.dat: low_ms high_ms count cumulative_fraction */
static int write_dist(const char *dir, const char *name, const struct report_pop *p,
                      const struct hist *h)
{
	char path[600];
	snprintf(path, sizeof path, "%s/plots/%s-%s.dat", dir, name, p->section);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	uint64_t seen = 0;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		if (!h->bucket[b])
			continue;
		uint64_t lo, hi;
		hist_bucket_range(b, &lo, &hi);
		seen += h->bucket[b];
		fprintf(f, "%.3f %.3f %u %.6f\n", (double)(lo ? lo : 1) / 1e3, (double)hi / 1e3,
		        h->bucket[b], (double)seen / (double)h->count);
	}
	return fclose(f) ? -errno : 0;
}

static void plot_dist(FILE *f, const struct report *r, int t, const char *name,
                      const char *title, bool latency)
{
	begin(f, t, name, title);
	fprintf(f, "set datafile separator whitespace\nset logscale x\n"
	           "set xlabel 'time (ms, log scale)'\nset ylabel 'fraction of all'\n"
	           "set yrange [0:1.05]\nset format x '%%g'\n");
	if (!latency) /* where SYN retransmissions land */
		fprintf(f, "set xtics ('1 ms' 1, '10 ms' 10, '100 ms' 100, '1 s' 1000, '3 s' 3000, "
		           "'7 s' 7000, '15 s' 15000, '31 s' 31000, '63 s' 63000)\n"
		           "set xlabel 'connect time (log scale)'\n");
	fprintf(f, "plot ");
	bool first = true;
	for (unsigned p = 0; p < r->n_pops; p++) {
		const struct report_pop *rp = &r->pop[p];
		const struct hist *h = latency ? &rp->o.latency : &rp->o.connect_time;
		if (h->count == 0)
			continue;
		fprintf(f, "%s'%s-%s.dat' using (sqrt($1*$2)):($3/%llu.0) with impulses lw 6 "
		        "title '%s share', \\\n     '' using 2:4 with steps lw 2 title '%s cumulative'",
		        first ? "" : ", \\\n     ", name, rp->section, (unsigned long long)h->count,
		        rp->section, rp->section);
		first = false;
	}
	if (first)
		fprintf(f, "0 title 'nothing measured'");
	fprintf(f, "\nunset logscale x\nset xtics autofreq\nset format x '%%g'\n"
	           "set xlabel 'simulated time (s)'\nset yrange [*:*]\nset datafile separator ','\n");
}

static int run_gnuplot(const char *plots_dir, char *why, size_t why_cap)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, why_cap, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (chdir(plots_dir) != 0)
			_exit(126);
		/* gnuplot's warnings go to its log, not the user's terminal */
		FILE *log = freopen("gnuplot.log", "w", stderr);
		(void)log;
		execlp("gnuplot", "gnuplot", "plots.gp", (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(why, why_cap, "gnuplot not found (apt-get install gnuplot-nox): no plots");
		return -ENOENT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, why_cap, "gnuplot failed: see %s/gnuplot.log", plots_dir);
		return -EIO;
	}
	return 0;
}

int report_plots(const struct report *r, const char *dir, char *why, size_t why_cap)
{
	char plots[560];
	snprintf(plots, sizeof plots, "%s/plots", dir);
	if (mkdir(plots, 0777) != 0 && errno != EEXIST) {
		snprintf(why, why_cap, "cannot create %s: %s", plots, strerror(errno));
		return -errno;
	}
	for (unsigned p = 0; p < r->n_pops; p++) {
		int err = write_dist(dir, "connect", &r->pop[p], &r->pop[p].o.connect_time);
		if (!err)
			err = write_dist(dir, "latency", &r->pop[p], &r->pop[p].o.latency);
		if (err) {
			snprintf(why, why_cap, "cannot write %s's data: %s", plots, strerror(-err));
			return err;
		}
	}
	char path[600];
	snprintf(path, sizeof path, "%s/plots.gp", plots);
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		snprintf(why, why_cap, "cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "# gnuplot script written by synq sim; run `gnuplot plots.gp` here\n");
	common(f);
	for (int t = 0; t < TERMINALS; t++) {
		plot_queues(f, r, t);
		if (r->scn->server.model != SCN_SERVER_NONE)
			plot_scoreboard(f, r, t);
		plot_outcomes(f, r, t);
		plot_counters(f, r, t);
		if (r->nat)
			plot_nat(f, r, t);
		plot_dist(f, r, t, "connect", "Connect time: share per bucket, and cumulative", false);
		plot_dist(f, r, t, "latency", "Request latency: share per bucket, and cumulative", true);
	}
	fprintf(f, "set output\n");
	if (fclose(f) != 0) {
		snprintf(why, why_cap, "cannot write %s", path);
		return -EIO;
	}
	return run_gnuplot(plots, why, why_cap);
}
