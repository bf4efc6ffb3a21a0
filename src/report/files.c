/* SPDX-License-Identifier: BSD-2-Clause */
/* The report's data files, all deterministic (fixed number formats, no
 * wall-clock time, no host paths beyond the scenario's name as given):
 *   summary.json       everything the terminal table shows, and more
 *   series.csv         one row per sampling interval (world.c's columns)
 *   connect_times.csv  per population: histogram buckets of connect times
 *   latency.csv        the same for request latency
 *   row.csv            the sweep row (report_row)
 *   scenario.ini       the scenario text, overrides appended as comments */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"

const char *const report_row_metrics[] = {
	"legit_success_rate", "legit_wanted", "legit_ok", "legit_pending",
	"legit_connect_p50_ms", "legit_connect_p99_ms", "legit_latency_p50_ms",
	"legit_latency_p99_ms", "peak_syn_recv", "peak_accept_queue", "backlog",
	"peak_slots_R", "peak_slots_W", "peak_slots_K",
	"ListenOverflows", "ListenDrops", "TCPReqQFullDrop", "TCPReqQFullDoCookies",
	"SyncookiesSent", "SyncookiesRecv", "SyncookiesFailed", "TCPDeferAcceptDrop",
	"TCPTimeWaitOverflow", "PassiveOpens", NULL,
};

static int sb_index(char state)
{
	const char *p = strchr(SCN_SCOREBOARD_STATES, state);
	return p ? (int)(p - SCN_SCOREBOARD_STATES) : 0;
}

void report_row_header(char *buf, size_t cap)
{
	size_t used = 0;
	for (unsigned i = 0; report_row_metrics[i] && used < cap; i++) {
		int n = snprintf(buf + used, cap - used, "%s%s", i ? "," : "", report_row_metrics[i]);
		if (n > 0)
			used += (size_t)n;
	}
}

void report_row(const struct report *r, char *buf, size_t cap)
{
	const struct synq_mib *m = &r->server_mib;
	snprintf(buf, cap,
	         "%.6f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.3f,%.3f,%.3f,%.3f,%u,%u,%u,%u,%u,%u,"
	         "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
	         ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
	         r->legit_success_rate, r->legit_wanted, r->legit_ok, r->legit_pending,
	         report_ms(hist_quantile(&r->legit_connect, 0.5)),
	         report_ms(hist_quantile(&r->legit_connect, 0.99)),
	         report_ms(hist_quantile(&r->legit_latency, 0.5)),
	         report_ms(hist_quantile(&r->legit_latency, 0.99)), r->peak_syn_recv,
	         r->peak_accept, r->backlog, r->peak_scoreboard[sb_index('R')],
	         r->peak_scoreboard[sb_index('W')], r->peak_scoreboard[sb_index('K')],
	         m->value[SYNQ_MIB_TcpExtListenOverflows], m->value[SYNQ_MIB_TcpExtListenDrops],
	         m->value[SYNQ_MIB_TcpExtTCPReqQFullDrop],
	         m->value[SYNQ_MIB_TcpExtTCPReqQFullDoCookies],
	         m->value[SYNQ_MIB_TcpExtSyncookiesSent], m->value[SYNQ_MIB_TcpExtSyncookiesRecv],
	         m->value[SYNQ_MIB_TcpExtSyncookiesFailed],
	         m->value[SYNQ_MIB_TcpExtTCPDeferAcceptDrop],
	         m->value[SYNQ_MIB_TcpExtTCPTimeWaitOverflow], m->value[SYNQ_MIB_TcpPassiveOpens]);
}

static FILE *open_in(const char *dir, const char *name, char *why, size_t why_cap)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		snprintf(why, why_cap, "cannot write %s: %s", path, strerror(errno));
	return f;
}

static int close_checked(FILE *f, const char *dir, const char *name, char *why, size_t cap)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(why, cap, "writing %s/%s failed", dir, name);
		return -EIO;
	}
	return 0;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_quantiles(FILE *f, const char *name, const struct hist *h)
{
	fprintf(f, "\"%s\": {\"count\": %" PRIu64 ", \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
	        "\"max\": %.3f}", name, h->count, report_ms(hist_quantile(h, 0.5)),
	        report_ms(hist_quantile(h, 0.9)), report_ms(hist_quantile(h, 0.99)),
	        report_ms(h->max_ns));
}

static void json_failures(FILE *f, const char *name, const uint64_t *v)
{
	fprintf(f, "\"%s\": {", name);
	for (unsigned i = 0; i < SCN_FAIL__COUNT; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", scn_fail_name(i), v[i]);
	fprintf(f, "}");
}

static void json_mib(FILE *f, const char *name, const struct synq_mib *m, const char *indent)
{
	fprintf(f, "\"%s\": {", name);
	bool first = true;
	for (unsigned i = 0; i < SYNQ_MIB__COUNT; i++) {
		if (m->value[i] == 0)
			continue;
		fprintf(f, "%s\n%s  \"%s\": %" PRIu64, first ? "" : ",", indent,
		        synq_mib_name(i), m->value[i]);
		first = false;
	}
	fprintf(f, "%s}", first ? "" : indent[0] ? "\n    " : "\n  ");
}

static void write_json(FILE *f, const struct report *r)
{
	const struct scenario *scn = r->scn;
	fprintf(f, "{\n  \"scenario\": ");
	json_string(f, scn->path);
	fprintf(f, ",\n  \"title\": ");
	json_string(f, scn->run.title);
	fprintf(f, ",\n  \"seed\": %" PRIu64 ",\n  \"duration_s\": %.3f,\n  \"end_s\": %.3f,\n"
	        "  \"events\": %" PRIu64 ",\n", r->seed, (double)scn->run.duration_ns / 1e9,
	        (double)r->end_ns / 1e9, r->events_run);
	fprintf(f, "  \"server\": {\n    \"model\": \"%s\",\n    \"port\": %" PRIu64 ",\n"
	        "    \"backlog\": %u,\n    \"peak_syn_recv\": %u,\n    \"peak_accept_queue\": %u,\n"
	        "    \"peak_scoreboard\": {", scn_server_model_name(scn->server.model),
	        scn->server.port, r->backlog, r->peak_syn_recv, r->peak_accept);
	for (unsigned i = 0; i < SCN_SCOREBOARD_N; i++)
		fprintf(f, "%s\"%c\": %u", i ? ", " : "", SCN_SCOREBOARD_STATES[i],
		        r->peak_scoreboard[i]);
	fprintf(f, "},\n    \"tables\": {\"connections\": %u, \"requests\": %u, \"time_wait\": %u, "
	        "\"time_wait_overflows\": %" PRIu64 "},\n    ",
	        r->server_usage.connections.used, r->server_usage.requests.used,
	        r->server_usage.time_wait.used, r->server_usage.time_wait.overflows);
	json_mib(f, "counters", &r->server_mib, "    ");
	fprintf(f, "\n  },\n  \"legitimate\": {\"success_rate\": %.6f, \"wanted\": %" PRIu64
	        ", \"ok\": %" PRIu64 ", \"pending\": %" PRIu64 ",\n    ",
	        r->legit_success_rate, r->legit_wanted, r->legit_ok, r->legit_pending);
	json_quantiles(f, "connect_ms", &r->legit_connect);
	fprintf(f, ",\n    ");
	json_quantiles(f, "latency_ms", &r->legit_latency);
	fprintf(f, "},\n  \"populations\": [");
	for (unsigned i = 0; i < r->n_pops; i++) {
		const struct report_pop *p = &r->pop[i];
		const struct scn_outcome *o = &p->o;
		fprintf(f, "%s\n    {\"section\": \"%s\", \"model\": \"%s\", \"attack\": %s,\n",
		        i ? "," : "", p->section, scn_model_name(p->model),
		        p->attack ? "true" : "false");
		fprintf(f, "     \"success_rate\": %.6f, \"connects\": %" PRIu64 ", \"connected\": %" PRIu64
		        ", \"pending_connects\": %" PRIu64 ", \"requests\": %" PRIu64
		        ", \"requests_sent\": %" PRIu64 ", \"responses_ok\": %" PRIu64
		        ", \"pending_requests\": %" PRIu64 ",\n",
		        p->success_rate, o->connects, o->connected, o->pending_connects, o->requests,
		        o->requests_sent, o->responses_ok, o->pending_requests);
		fprintf(f, "     ");
		json_failures(f, "connect_failed", o->connect_failed);
		fprintf(f, ",\n     ");
		json_failures(f, "request_failed", o->request_failed);
		fprintf(f, ",\n     \"status_408\": %" PRIu64 ", \"status_503\": %" PRIu64
		        ", \"closed_by_server\": %" PRIu64 ", \"table_full\": %" PRIu64
		        ", \"peak_established\": %" PRIu64 ",\n     \"syns_sent\": %" PRIu64
		        ", \"synacks_received\": %" PRIu64 ", \"rsts_sent\": %" PRIu64 ",\n     ",
		        o->status_408, o->status_503, o->closed_by_server, o->table_full,
		        o->peak_established, o->syns_sent, o->synacks_received, o->rsts_sent);
		json_quantiles(f, "connect_ms", &o->connect_time);
		fprintf(f, ",\n     ");
		json_quantiles(f, "latency_ms", &o->latency);
		fprintf(f, ",\n     ");
		json_mib(f, "client_counters", &p->client_mib, "     ");
		fprintf(f, "}");
	}
	fprintf(f, "\n  ]\n}\n");
}

static void write_series(FILE *f, const struct scn_series *s)
{
	for (unsigned c = 0; c < s->n_cols; c++)
		fprintf(f, "%s%s", c ? "," : "", s->col_name[c]);
	fputc('\n', f);
	for (size_t r = 0; r < s->n_rows; r++) {
		const int64_t *row = s->rows + r * s->n_cols;
		for (unsigned c = 0; c < s->n_cols; c++)
			fprintf(f, "%s%" PRId64, c ? "," : "", row[c]);
		fputc('\n', f);
	}
}

static void write_hists(FILE *f, const struct report *r, bool latency)
{
	fprintf(f, "population,low_ms,high_ms,count\n");
	for (unsigned i = 0; i < r->n_pops; i++) {
		const struct hist *h = latency ? &r->pop[i].o.latency : &r->pop[i].o.connect_time;
		for (unsigned b = 0; b < HIST_BUCKETS; b++) {
			if (!h->bucket[b])
				continue;
			uint64_t lo, hi;
			hist_bucket_range(b, &lo, &hi);
			fprintf(f, "%s,%.3f,%.3f,%u\n", r->pop[i].section, (double)lo / 1e3,
			        (double)hi / 1e3, h->bucket[b]);
		}
	}
}

int report_write_files(const struct report *r, const char *dir, char *why, size_t why_cap)
{
	static const char *const names[] = { "summary.json", "series.csv", "connect_times.csv",
	                                     "latency.csv", "row.csv", "scenario.ini" };
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		FILE *f = open_in(dir, names[i], why, why_cap);
		if (f == NULL)
			return -EIO;
		switch (i) {
		case 0: write_json(f, r); break;
		case 1: write_series(f, &r->world->series); break;
		case 2: write_hists(f, r, false); break;
		case 3: write_hists(f, r, true); break;
		case 4: {
			char line[2048];
			report_row_header(line, sizeof line);
			fprintf(f, "%s\n", line);
			report_row(r, line, sizeof line);
			fprintf(f, "%s\n", line);
			break;
		}
		case 5:
			fwrite(r->scn->text, 1, r->scn->text_len, f);
			if (r->scn->overrides_text[0]) {
				fprintf(f, "\n; overrides given on the command line:\n");
				for (const char *p = r->scn->overrides_text; *p;) {
					const char *nl = strchr(p, '\n');
					size_t n = nl ? (size_t)(nl - p) : strlen(p);
					fprintf(f, ";   --set %.*s\n", (int)n, p);
					p += n + (nl ? 1 : 0);
				}
			}
			break;
		}
		int err = close_checked(f, dir, names[i], why, why_cap);
		if (err)
			return err;
	}
	return 0;
}
