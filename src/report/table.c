/* SPDX-License-Identifier: BSD-2-Clause */
/* The terminal summary: what a person reads first. Three blocks: the
 * server (queues, slots, the listen path's counters under Linux's names),
 * one line per population (what each kind of client experienced), and the
 * headline (legitimate success rate, connect times). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"

static const char *fmt_time(synq_time_t ns, char *buf, size_t cap)
{
	if (ns == 0)
		snprintf(buf, cap, "-");
	else if (ns < SYNQ_MSEC(1))
		snprintf(buf, cap, "%.0fus", (double)ns / 1e3);
	else if (ns < SYNQ_SEC(1))
		snprintf(buf, cap, "%.1fms", (double)ns / 1e6);
	else
		snprintf(buf, cap, "%.2fs", (double)ns / 1e9);
	return buf;
}

static const char *fmt_rate(double r, char *buf, size_t cap)
{
	if (r < 0)
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%.1f%%", 100.0 * r);
	return buf;
}

static uint64_t total(const uint64_t *v)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < SCN_FAIL__COUNT; i++)
		t += v[i];
	return t;
}

static void print_failures(FILE *out, const uint64_t *v)
{
	bool any = false;
	for (unsigned i = 0; i < SCN_FAIL__COUNT; i++)
		if (v[i]) {
			fprintf(out, "%s%s %" PRIu64, any ? ", " : "", scn_fail_name(i), v[i]);
			any = true;
		}
	if (!any)
		fprintf(out, "none");
}

void report_print(FILE *out, const struct report *r)
{
	const struct scenario *scn = r->scn;
	char a[32], b[32], c[32];
	fprintf(out, "synq sim %s%s%s\n", scn->path, scn->run.title[0] ? " — " : "",
	        scn->run.title);
	fprintf(out, "  seed %" PRIu64 ", %.1f s simulated, %" PRIu64 " events\n", r->seed,
	        (double)r->end_ns / 1e9, r->events_run);

	fprintf(out, "\nserver 10.0.0.1:%" PRIu64 " (%s)\n", scn->server.port,
	        scn_server_model_name(scn->server.model));
	fprintf(out, "  accept queue: peak %u of %u (Send-Q)    SYN queue: peak %u requests\n",
	        r->peak_accept, r->backlog, r->peak_syn_recv);
	if (scn->server.accept_every_ns > 0)
		fprintf(out, "  accept()ed %" PRIu64 " connections, one per %s at most\n",
		        r->server_accepts, fmt_time(scn->server.accept_every_ns, a, sizeof a));
	if (scn->server.model != SCN_SERVER_NONE) {
		fprintf(out, "  scoreboard peaks:");
		for (unsigned i = 0; i < SCN_SCOREBOARD_N; i++)
			if (r->peak_scoreboard[i] && SCN_SCOREBOARD_STATES[i] != '.')
				fprintf(out, " %c %u", SCN_SCOREBOARD_STATES[i], r->peak_scoreboard[i]);
		fprintf(out, "\n");
	}
	fprintf(out, "  counters (nstat names, whole run):");
	unsigned shown = 0;
	for (unsigned i = 0; i < scn_n_listen_mibs; i++) {
		enum synq_mib_counter m = scn_listen_mibs[i];
		if (r->server_mib.value[m] == 0)
			continue;
		fprintf(out, "%s%s %" PRIu64, shown % 3 == 0 ? "\n    " : "   ",
		        synq_mib_name(m), r->server_mib.value[m]);
		shown++;
	}
	fprintf(out, "%s\n", shown ? "" : " none of the listen path's");

	if (r->nat) {
		fprintf(out, "\nNAT router 10.0.0.254 (conntrack table of %u entries)\n", r->nat_max);
		fprintf(out, "  peak %u entries; %" PRIu64 " connections forwarded; %" PRIu64
		        " packets dropped for a full table (\"%s\" logged %" PRIu64 " times, %" PRIu64
		        " held back by the rate limit); %" PRIu64 " early drops\n",
		        r->nat_peak, r->nat_stats.forwarded, r->nat_stats.table_full,
		        CT_TABLE_FULL_MESSAGE, r->ct_stats.table_full_events,
		        r->ct_stats.table_full_suppressed, r->ct_stats.early_drops);
		if (r->nat_forwarded_per_hour > 0) {
			double rate = r->nat_forwarded_per_hour / 3600;
			fprintf(out, "  second half of the run: %.0f new connections per hour through "
			        "the table (%.2f/s), %.0f entries held on average: each entry lived "
			        "%.1f s (Little's law: %.0f / %.2f)\n",
			        r->nat_forwarded_per_hour, rate, r->nat_mean_entries,
			        r->nat_mean_entries / rate, r->nat_mean_entries, rate);
			fprintf(out, "  of them %.0f per hour completed their handshake (assured)\n",
			        r->nat_assured_per_hour);
		}
		fprintf(out, "  entries integrated over the run: %.1f entry-minutes (seed 003's "
		        "session-minutes), %.1f of them in TIME_WAIT, %.1f in ESTABLISHED",
		        r->nat_entry_minutes, r->nat_state_minutes[CT_TIME_WAIT],
		        r->nat_state_minutes[CT_ESTABLISHED]);
		if (r->visits)
			fprintf(out, "; %.2f per browser visit (%" PRIu64 " visits, %.2f connections "
			        "each)", r->nat_entry_minutes / (double)r->visits, r->visits,
			        (double)r->nat_stats.forwarded / (double)r->visits);
		fprintf(out, "\n");
		if (r->nat_stats.syn_limited || r->nat_stats.meter_limited)
			fprintf(out, "  SYNs over the limit %" PRIu64 ", over the meter %" PRIu64 "\n",
			        r->nat_stats.syn_limited, r->nat_stats.meter_limited);
		if (r->nat_stats.closed_resets || r->nat_stats.closed_drops)
			fprintf(out, "  closed ports: %" PRIu64 " reset, %" PRIu64 " dropped\n",
			        r->nat_stats.closed_resets, r->nat_stats.closed_drops);
	}
	fprintf(out, "\n%-22s %-9s %9s %9s %9s %8s %9s %9s  %s\n", "population", "model", "wanted",
	        "ok", "failed", "pending", "connect", "p99", "failures");
	for (unsigned i = 0; i < r->n_pops; i++) {
		const struct report_pop *p = &r->pop[i];
		const struct scn_outcome *o = &p->o;
		if (p->model == SCN_MODEL_SYNFLOOD) {
			fprintf(out, "%-22s %-9s %9" PRIu64 " SYNs sent, %" PRIu64
			        " SYN-ACKs came back, %" PRIu64 " RSTs sent\n",
			        p->section, scn_model_name(p->model), o->syns_sent, o->synacks_received,
			        o->rsts_sent);
			continue;
		}
		bool req = p->model == SCN_MODEL_BROWSER || p->model == SCN_MODEL_POISSON;
		uint64_t wanted = req ? o->requests : o->connects;
		uint64_t ok = req ? o->responses_ok : o->connected;
		uint64_t failed = req ? total(o->request_failed) : total(o->connect_failed);
		uint64_t pending = req ? o->pending_requests : o->pending_connects;
		fprintf(out, "%-22s %-9s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %8" PRIu64
		        " %9s %9s  ",
		        p->section, scn_model_name(p->model), wanted, ok, failed, pending,
		        fmt_time(hist_quantile(&o->connect_time, 0.5), a, sizeof a),
		        fmt_time(hist_quantile(&o->connect_time, 0.99), b, sizeof b));
		print_failures(out, req ? o->request_failed : o->connect_failed);
		if (o->closed_by_server)
			fprintf(out, "; server hung up %" PRIu64, o->closed_by_server);
		if (o->status_408 || o->status_503)
			fprintf(out, "; 408 x%" PRIu64 ", 503 x%" PRIu64, o->status_408, o->status_503);
		if (p->model == SCN_MODEL_IDLE || p->model == SCN_MODEL_SLOWLORIS)
			fprintf(out, "; peak open %" PRIu64, o->peak_established);
		fprintf(out, "\n");
	}
	if (r->legit_success_rate >= 0) {
		fprintf(out, "\nlegitimate clients: %s succeeded", fmt_rate(r->legit_success_rate, a, sizeof a));
		if (r->legit_pending)
			fprintf(out, " (%" PRIu64 " still pending at the end)", r->legit_pending);
		fprintf(out, "; connect p50 %s, p99 %s",
		        fmt_time(hist_quantile(&r->legit_connect, 0.5), b, sizeof b),
		        fmt_time(hist_quantile(&r->legit_connect, 0.99), c, sizeof c));
		if (r->legit_latency.count)
			fprintf(out, "; request p50 %s, p99 %s",
			        fmt_time(hist_quantile(&r->legit_latency, 0.5), a, sizeof a),
			        fmt_time(hist_quantile(&r->legit_latency, 0.99), b, sizeof b));
		fprintf(out, "\n");
	}
}
