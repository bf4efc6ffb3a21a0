/* SPDX-License-Identifier: BSD-2-Clause */
/* index.html: the report as one page a browser opens from disk. Plain
 * HTML and a little CSS, no script, no network: the plots are the SVG
 * files gnuplot wrote beside it, the scenario text is quoted in full. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "report/report.h"

static void esc(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(s[i], f); break;
		}
	}
}

static void esc_str(FILE *f, const char *s)
{
	esc(f, s, strlen(s));
}

static const char *fmt_time(synq_time_t ns, char *buf, size_t cap)
{
	if (ns == 0)
		snprintf(buf, cap, "–");
	else if (ns < SYNQ_MSEC(1))
		snprintf(buf, cap, "%.0f µs", (double)ns / 1e3);
	else if (ns < SYNQ_SEC(1))
		snprintf(buf, cap, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, cap, "%.2f s", (double)ns / 1e9);
	return buf;
}

static void card(FILE *f, const char *label, const char *value, const char *note)
{
	fprintf(f, "<div class=card><div class=label>%s</div><div class=value>%s</div>"
	           "<div class=note>%s</div></div>\n", label, value, note);
}

static bool exists(const char *dir, const char *name)
{
	char path[600];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static const char style[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
	"margin:2em auto;max-width:1040px;color:#222;padding:0 1em}"
	"h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}"
	".sub{color:#666;margin-top:0}"
	".cards{display:flex;flex-wrap:wrap;gap:12px;margin:1.5em 0}"
	".card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}"
	".label{font-size:.8em;color:#666;text-transform:uppercase;letter-spacing:.04em}"
	".value{font-size:1.6em;font-weight:600;margin:.1em 0}.note{font-size:.8em;color:#888}"
	"table{border-collapse:collapse;font-size:.92em}"
	"th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:right}"
	"th:first-child,td:first-child{text-align:left}th{background:#f6f6f6}"
	"figure{margin:1.5em 0}figure img{width:100%;border:1px solid #eee}"
	"figcaption{color:#555;font-size:.9em}"
	"pre{background:#f8f8f8;border:1px solid #eee;padding:1em;overflow-x:auto;font-size:.88em}"
	".bad{color:#b00020}.good{color:#1b5e20}";

static uint64_t total(const uint64_t *v)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < SCN_FAIL__COUNT; i++)
		t += v[i];
	return t;
}

static void populations(FILE *f, const struct report *r)
{
	char a[32], b[32], c[32], d[32];
	fprintf(f, "<table><tr><th>population</th><th>model</th><th>wanted</th><th>ok</th>"
	           "<th>failed</th><th>pending</th><th>success</th><th>connect p50</th>"
	           "<th>connect p99</th><th>request p50</th><th>request p99</th><th>failures</th></tr>\n");
	for (unsigned i = 0; i < r->n_pops; i++) {
		const struct report_pop *p = &r->pop[i];
		const struct scn_outcome *o = &p->o;
		fprintf(f, "<tr><td>%s</td><td>%s</td>", p->section, scn_model_name(p->model));
		if (p->model == SCN_MODEL_SYNFLOOD) {
			fprintf(f, "<td colspan=10>%" PRIu64 " SYNs sent from spoofed sources; %" PRIu64
			           " SYN-ACKs reached them; %" PRIu64 " RSTs sent back</td></tr>\n",
			        o->syns_sent, o->synacks_received, o->rsts_sent);
			continue;
		}
		bool req = p->model == SCN_MODEL_BROWSER || p->model == SCN_MODEL_POISSON;
		const uint64_t *fails = req ? o->request_failed : o->connect_failed;
		fprintf(f, "<td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		           "</td><td%s>%.1f%%</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>",
		        req ? o->requests : o->connects, req ? o->responses_ok : o->connected,
		        total(fails), req ? o->pending_requests : o->pending_connects,
		        p->success_rate < 0.99 && !p->attack ? " class=bad" : "",
		        p->success_rate < 0 ? 0.0 : 100 * p->success_rate,
		        fmt_time(hist_quantile(&o->connect_time, 0.5), a, sizeof a),
		        fmt_time(hist_quantile(&o->connect_time, 0.99), b, sizeof b),
		        fmt_time(hist_quantile(&o->latency, 0.5), c, sizeof c),
		        fmt_time(hist_quantile(&o->latency, 0.99), d, sizeof d));
		bool any = false;
		for (unsigned k = 0; k < SCN_FAIL__COUNT; k++)
			if (fails[k]) {
				fprintf(f, "%s%s %" PRIu64, any ? ", " : "", scn_fail_name(k), fails[k]);
				any = true;
			}
		if (o->closed_by_server)
			fprintf(f, "%sserver hung up %" PRIu64, any ? "; " : "", o->closed_by_server);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void counters(FILE *f, const struct report *r)
{
	fprintf(f, "<table><tr><th>counter (nstat)</th><th>server, whole run</th></tr>\n");
	for (unsigned i = 0; i < SYNQ_MIB__COUNT; i++) {
		if (r->server_mib.value[i] == 0)
			continue;
		fprintf(f, "<tr><td>%s</td><td>%" PRIu64 "</td></tr>\n", synq_mib_name(i),
		        r->server_mib.value[i]);
	}
	fprintf(f, "</table>\n");
}

static const struct {
	const char *name;
	const char *caption;
} figures[] = {
	{ "queues", "SYN queue and accept queue: the highest length seen in each sampling "
	            "interval. The accept queue holds backlog + 1 on Linux." },
	{ "scoreboard", "Worker slots by scoreboard state (Apache's characters), sampled." },
	{ "outcomes", "Per population: requests (or handshakes) completing and failing, per second." },
	{ "counters", "The listen path's counters, per second, under Linux's nstat names." },
	{ "nat", "The NAT router's connection table: entries per conntrack state, sampled, "
	         "against its size; a full table drops new connections." },
	{ "connect", "Connect time, SYN to ESTABLISHED, log scale: SYN retransmissions show as "
	             "cliffs in the cumulative line (1, 3, 7 s with tcp_syn_linear_timeouts = 0; "
	             "Linux 6.18's default of 4 gives 1, 2, 3, 4, 5, 7 s)." },
	{ "latency", "Request latency, request written to response read, log scale." },
};

int report_html(const struct report *r, const char *dir, char *why, size_t why_cap)
{
	char path[560];
	snprintf(path, sizeof path, "%s/index.html", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		snprintf(why, why_cap, "cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	const struct scenario *scn = r->scn;
	char a[48], b[48], c[96];
	fprintf(f, "<!doctype html>\n<html lang=en><head><meta charset=utf-8>\n"
	           "<meta name=viewport content='width=device-width,initial-scale=1'>\n<title>synq sim: ");
	esc_str(f, scn->run.title[0] ? scn->run.title : scn->path);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>", style);
	esc_str(f, scn->run.title[0] ? scn->run.title : scn->path);
	fprintf(f, "</h1>\n<p class=sub>synq sim ");
	esc_str(f, scn->path);
	fprintf(f, " · seed %" PRIu64 " · %.1f s simulated · %" PRIu64 " events · server %s on "
	           "port %" PRIu64 "</p>\n<div class=cards>\n",
	        r->seed, (double)r->end_ns / 1e9, r->events_run,
	        scn_server_model_name(scn->server.model), scn->server.port);
	if (r->legit_success_rate >= 0) {
		snprintf(a, sizeof a, "<span class=%s>%.1f%%</span>",
		         r->legit_success_rate >= 0.99 ? "good" : "bad", 100 * r->legit_success_rate);
		snprintf(c, sizeof c, "%" PRIu64 " of %" PRIu64 " requests; %" PRIu64 " pending",
		         r->legit_ok, r->legit_wanted, r->legit_pending);
		card(f, "legitimate success", a, c);
		snprintf(c, sizeof c, "p99 %s", fmt_time(hist_quantile(&r->legit_connect, 0.99), b, sizeof b));
		card(f, "connect p50", fmt_time(hist_quantile(&r->legit_connect, 0.5), a, sizeof a), c);
	}
	snprintf(a, sizeof a, "%u", r->peak_accept);
	snprintf(c, sizeof c, "of %u (Send-Q); ListenOverflows %" PRIu64, r->backlog,
	         r->server_mib.value[SYNQ_MIB_TcpExtListenOverflows]);
	card(f, "peak accept queue", a, c);
	snprintf(a, sizeof a, "%u", r->peak_syn_recv);
	snprintf(c, sizeof c, "SYN_RECV; cookies sent %" PRIu64,
	         r->server_mib.value[SYNQ_MIB_TcpExtSyncookiesSent]);
	card(f, "peak SYN queue", a, c);
	if (scn->server.model != SCN_SERVER_NONE) {
		const char *sb = SCN_SCOREBOARD_STATES;
		snprintf(a, sizeof a, "%u", r->peak_scoreboard[strchr(sb, 'R') - sb]);
		snprintf(c, sizeof c, "of the busiest sample; W %u, K %u",
		         r->peak_scoreboard[strchr(sb, 'W') - sb], r->peak_scoreboard[strchr(sb, 'K') - sb]);
		card(f, "peak slots in R", a, c);
	}
	if (r->nat) {
		snprintf(a, sizeof a, "%u", r->nat_peak);
		snprintf(c, sizeof c, "of %u entries; %" PRIu64 " packets dropped for a full table",
		         r->nat_max, r->nat_stats.table_full);
		card(f, "peak NAT table", a, c);
	}
	fprintf(f, "</div>\n<h2>What each population experienced</h2>\n");
	populations(f, r);
	fprintf(f, "<h2>Server counters</h2>\n");
	counters(f, r);
	fprintf(f, "<h2>Plots</h2>\n");
	unsigned shown = 0;
	for (unsigned i = 0; i < sizeof figures / sizeof figures[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "plots/%s.svg", figures[i].name);
		if (!exists(dir, name))
			continue;
		fprintf(f, "<figure><img src='%s' alt='%s'><figcaption>%s "
		           "<a href='plots/%s.png'>PNG</a></figcaption></figure>\n",
		        name, figures[i].name, figures[i].caption, figures[i].name);
		shown++;
	}
	if (!shown)
		fprintf(f, "<p>No plots (gnuplot was not run; the data is in series.csv).</p>\n");
	fprintf(f, "<h2>Scenario</h2>\n<pre>");
	esc(f, scn->text, scn->text_len);
	if (scn->overrides_text[0]) {
		fprintf(f, "\n; overrides given on the command line:\n");
		esc_str(f, scn->overrides_text);
	}
	fprintf(f, "</pre>\n<h2>Files</h2>\n<ul>\n");
	static const char *const files[] = { "summary.json", "series.csv", "connect_times.csv",
	                                     "latency.csv", "row.csv", "scenario.ini" };
	for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++)
		fprintf(f, "<li><a href='%s'>%s</a></li>\n", files[i], files[i]);
	fprintf(f, "</ul>\n</body></html>\n");
	if (fclose(f) != 0) {
		snprintf(why, why_cap, "cannot write %s", path);
		return -EIO;
	}
	return 0;
}
