/* SPDX-License-Identifier: BSD-2-Clause */
/* Side by side: the same scenario run with different settings, one column
 * each (synq demo's before/after table), on the terminal and as a page
 * that links each run's own report. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"

#define COL_WIDTH 22

static const char *fmt_time(synq_time_t ns, char *buf, size_t cap)
{
	if (ns == 0)
		snprintf(buf, cap, "-");
	else if (ns < SYNQ_SEC(1))
		snprintf(buf, cap, "%.0f ms", (double)ns / 1e6);
	else
		snprintf(buf, cap, "%.1f s", (double)ns / 1e9);
	return buf;
}

static uint32_t slots_of(const struct report *r, char state)
{
	const char *at = strchr(SCN_SCOREBOARD_STATES, state);
	return at ? r->peak_scoreboard[at - SCN_SCOREBOARD_STATES] : 0;
}

/* One row: a label and, per report, a cell. */
typedef void (*cell_fn)(const struct report *r, char *buf, size_t cap);

static void c_served(const struct report *r, char *b, size_t n)
{
	snprintf(b, n, "%" PRIu64 " of %" PRIu64, r->legit_ok, r->legit_wanted);
}
static void c_rate(const struct report *r, char *b, size_t n)
{
	if (r->legit_success_rate < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f%%", 100 * r->legit_success_rate);
}
static void c_latency(const struct report *r, char *b, size_t n)
{
	char x[24], y[24];
	snprintf(b, n, "%s / %s", fmt_time(hist_quantile(&r->legit_latency, 0.5), x, sizeof x),
	         fmt_time(hist_quantile(&r->legit_latency, 0.99), y, sizeof y));
}
static void c_connect(const struct report *r, char *b, size_t n)
{
	char x[24], y[24];
	snprintf(b, n, "%s / %s", fmt_time(hist_quantile(&r->legit_connect, 0.5), x, sizeof x),
	         fmt_time(hist_quantile(&r->legit_connect, 0.99), y, sizeof y));
}
static void c_failed(const struct report *r, char *b, size_t n)
{
	uint64_t failed = r->legit_wanted - r->legit_ok - r->legit_pending;
	snprintf(b, n, "%" PRIu64 " / %" PRIu64, failed, r->legit_pending);
}
static void c_synq(const struct report *r, char *b, size_t n)
{
	snprintf(b, n, "%u", r->peak_syn_recv);
}
static void c_acceptq(const struct report *r, char *b, size_t n)
{
	snprintf(b, n, "%u of %u", r->peak_accept, r->backlog);
}
static void c_slots_r(const struct report *r, char *b, size_t n)
{
	/* every slot is idle ('_') when the server starts */
	snprintf(b, n, "%u of %u", slots_of(r, 'R'), slots_of(r, '_'));
}
static void c_mib(const struct report *r, char *b, size_t n, enum synq_mib_counter m)
{
	snprintf(b, n, "%" PRIu64, r->server_mib.value[m]);
}
static void c_reqqdrop(const struct report *r, char *b, size_t n)
{
	c_mib(r, b, n, SYNQ_MIB_TcpExtTCPReqQFullDrop);
}
static void c_cookies(const struct report *r, char *b, size_t n)
{
	snprintf(b, n, "%" PRIu64 " / %" PRIu64, r->server_mib.value[SYNQ_MIB_TcpExtSyncookiesSent],
	         r->server_mib.value[SYNQ_MIB_TcpExtSyncookiesRecv]);
}
static void c_defer(const struct report *r, char *b, size_t n)
{
	c_mib(r, b, n, SYNQ_MIB_TcpExtTCPDeferAcceptDrop);
}
static void c_408(const struct report *r, char *b, size_t n)
{
	snprintf(b, n, "%" PRIu64, r->httpd.timeouts_header + r->httpd.timeouts_body);
}

static const struct {
	const char *label;
	cell_fn cell;
} rows[] = {
	{ "legitimate requests served", c_served },
	{ "  success rate", c_rate },
	{ "  failed / still pending", c_failed },
	{ "  request time p50 / p99", c_latency },
	{ "  connect time p50 / p99", c_connect },
	{ "peak SYN queue (SYN_RECV)", c_synq },
	{ "peak accept queue (Send-Q)", c_acceptq },
	{ "peak slots in R", c_slots_r },
	{ "SYNs dropped, queue full", c_reqqdrop },
	{ "SYN cookies sent / back", c_cookies },
	{ "bare ACKs deferred", c_defer },
	{ "408s sent (read timeouts)", c_408 },
};

#define N_ROWS (sizeof rows / sizeof rows[0])

void report_compare_print(FILE *out, const struct report *const *r, const char *const *labels,
                          unsigned n)
{
	fprintf(out, "%-30s", "");
	for (unsigned c = 0; c < n; c++)
		fprintf(out, " %-*s", COL_WIDTH, labels[c]);
	fprintf(out, "\n%-30s", "");
	for (unsigned c = 0; c < n; c++) {
		fprintf(out, " ");
		for (int i = 0; i < COL_WIDTH; i++)
			fputc('-', out);
	}
	fprintf(out, "\n");
	for (size_t i = 0; i < N_ROWS; i++) {
		fprintf(out, "%-30s", rows[i].label);
		for (unsigned c = 0; c < n; c++) {
			char cell[64];
			rows[i].cell(r[c], cell, sizeof cell);
			fprintf(out, " %-*s", COL_WIDTH, cell);
		}
		fprintf(out, "\n");
	}
}

int report_compare_html(const char *dir, const char *title, const char *intro,
                        const struct report *const *r, const char *const *labels,
                        const char *const *subdirs, unsigned n, const char *note)
{
	char path[560];
	snprintf(path, sizeof path, "%s/index.html", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "<!doctype html>\n<html lang=en><head><meta charset=utf-8>\n<title>%s</title>\n"
	           "<style>body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:2em auto;"
	           "max-width:1100px;color:#222;padding:0 1em}"
	           "table{border-collapse:collapse}th,td{padding:5px 12px;border-bottom:1px solid #eee;"
	           "text-align:right}th:first-child,td:first-child{text-align:left}"
	           "th{background:#f6f6f6}.runs{display:flex;gap:12px;flex-wrap:wrap}"
	           ".run{flex:1;min-width:300px}.run img{width:100%%;border:1px solid #eee}"
	           ".note{background:#fff8e1;border-left:4px solid #f0b400;padding:.6em 1em}"
	           "</style></head><body>\n<h1>%s</h1>\n<p>%s</p>\n<table><tr><th></th>",
	        title, title, intro);
	for (unsigned c = 0; c < n; c++)
		fprintf(f, "<th><a href='%s/index.html'>%s</a></th>", subdirs[c], labels[c]);
	fprintf(f, "</tr>\n");
	for (size_t i = 0; i < N_ROWS; i++) {
		fprintf(f, "<tr><td>%s</td>", rows[i].label);
		for (unsigned c = 0; c < n; c++) {
			char cell[64];
			rows[i].cell(r[c], cell, sizeof cell);
			fprintf(f, "<td>%s</td>", cell);
		}
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n");
	if (note)
		fprintf(f, "<p class=note>%s</p>\n", note);
	static const char *const plots[][2] = {
		{ "outcomes", "What the clients got" }, { "scoreboard", "Worker slots" },
		{ "queues", "Listen queues" },
	};
	for (size_t p = 0; p < sizeof plots / sizeof plots[0]; p++) {
		fprintf(f, "<h2>%s</h2>\n<div class=runs>\n", plots[p][1]);
		for (unsigned c = 0; c < n; c++)
			fprintf(f, "<div class=run><b>%s</b><br><a href='%s/index.html'>"
			           "<img src='%s/plots/%s.svg' alt='%s'></a></div>\n",
			        labels[c], subdirs[c], subdirs[c], plots[p][0], plots[p][0]);
		fprintf(f, "</div>\n");
	}
	fprintf(f, "</body></html>\n");
	return fclose(f) ? -errno : 0;
}
