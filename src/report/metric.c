/* SPDX-License-Identifier: BSD-2-Clause */
/* Every number of a report by name, for [expect] and for anyone scripting
 * around synq sim. Names (docs/scenarios.md lists them):
 *
 *   legit_success_rate legit_wanted legit_ok legit_pending
 *   legit_connect_{p50,p90,p99,max}_ms legit_latency_{p50,p90,p99,max}_ms
 *   peak_syn_recv peak_accept_queue backlog
 *   peak_slots_{_,S,R,W,K,D,C,L,G,I} (peak_slots_waiting for '_')
 *   server_time_wait server_connections server_accepts (the server
 *   application's accept()s, httpd's or model none's)
 *   nat_peak_entries nat_max nat_table_full nat_table_full_events
 *   nat_early_drops nat_syn_limited nat_meter_limited nat_closed_resets
 *   nat_closed_drops nat_forwarded nat_port_changed nat_forwarded_per_hour
 *   nat_assured_per_hour nat_mean_entries nat_entry_lifetime_s (over the
 *   run's second half, the last by Little's law), nat_peak_STATE per
 *   conntrack state (nat_peak_TIME_WAIT); nat_entry_minutes (the table's
 *   entries integrated over the whole run: seed 003's session-minutes),
 *   nat_entry_minutes_STATE, nat_entry_minutes_per_visit and
 *   nat_forwarded_per_visit (over every browser population's visits);
 *   with [nat]
 *   visits (browser visits begun, every population)
 *   httpd_{accepts,requests,timeouts_header,timeouts_body,keepalive_timeouts,
 *          conn_per_ip_refused,io_errors}
 *   any server counter by its nstat name (TcpExtListenOverflows) or
 *   without its group (ListenOverflows): the change over the run
 *
 *   SECTION.NAME.X, e.g. clients.web.success_rate, where X is one of
 *   success_rate connects connected pending_connects requests requests_sent
 *   responses_ok pending_requests connect_failed request_failed
 *   connect_{timeout,refused,reset,closed,http_error,other}
 *   request_{timeout,refused,reset,closed,http_error,other}
 *   status_408 status_503 closed_by_server table_full peak_established
 *   syns_sent synacks_received rsts_sent visits time_wait (its hosts', at the end)
 *   connect_{p50,p90,p99,max}_ms latency_{p50,p90,p99,max}_ms
 *   connects_near_Ns (connects that took N s, within -2%..+5%: the SYN
 *   retransmission steps), or a client counter by nstat name (summed over
 *   the population's hosts). */
#include <stdlib.h>
#include <string.h>

#include "app/httpd.h"
#include "report/report.h"

static bool quantile_metric(const char *name, const struct hist *h, double *out)
{
	static const struct { const char *suffix; double q; } qs[] = {
		{ "p50_ms", 0.5 }, { "p90_ms", 0.9 }, { "p99_ms", 0.99 }, { "max_ms", 1.0 },
	};
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
		if (!strcmp(name, qs[i].suffix)) {
			*out = report_ms(hist_quantile(h, qs[i].q));
			return true;
		}
	return false;
}

static bool mib_metric(const char *name, const struct synq_mib *m, double *out)
{
	for (unsigned i = 0; i < SYNQ_MIB__COUNT; i++) {
		const char *full = synq_mib_name(i);
		const char *shrt = full;
		if (!strncmp(full, "TcpExt", 6))
			shrt = full + 6;
		else if (!strncmp(full, "IpExt", 5))
			shrt = full + 5;
		if (!strcmp(name, full) || !strcmp(name, shrt)) {
			*out = (double)m->value[i];
			return true;
		}
	}
	return false;
}

static uint64_t fail_sum(const uint64_t *v)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < SCN_FAIL__COUNT; i++)
		t += v[i];
	return t;
}

static bool pop_metric(const struct report_pop *p, const char *x, double *out)
{
	const struct scn_outcome *o = &p->o;
	const struct { const char *name; uint64_t value; } plain[] = {
		{ "connects", o->connects }, { "connected", o->connected },
		{ "pending_connects", o->pending_connects }, { "requests", o->requests },
		{ "requests_sent", o->requests_sent }, { "responses_ok", o->responses_ok },
		{ "pending_requests", o->pending_requests },
		{ "connect_failed", fail_sum(o->connect_failed) },
		{ "request_failed", fail_sum(o->request_failed) },
		{ "status_408", o->status_408 }, { "status_503", o->status_503 },
		{ "closed_by_server", o->closed_by_server }, { "table_full", o->table_full },
		{ "peak_established", o->peak_established }, { "syns_sent", o->syns_sent },
		{ "synacks_received", o->synacks_received }, { "rsts_sent", o->rsts_sent },
		{ "visits", o->visits },
		{ "time_wait", p->client_time_wait },
	};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (!strcmp(x, plain[i].name)) {
			*out = (double)plain[i].value;
			return true;
		}
	if (!strcmp(x, "success_rate")) {
		*out = p->success_rate;
		return true;
	}
	for (unsigned f = 0; f < SCN_FAIL__COUNT; f++) {
		const char *fn = scn_fail_name(f);
		if (!strncmp(x, "connect_", 8) && !strcmp(x + 8, fn)) {
			*out = (double)o->connect_failed[f];
			return true;
		}
		if (!strncmp(x, "request_", 8) && !strcmp(x + 8, fn)) {
			*out = (double)o->request_failed[f];
			return true;
		}
	}
	if (!strncmp(x, "connect_", 8) && quantile_metric(x + 8, &o->connect_time, out))
		return true;
	if (!strncmp(x, "latency_", 8) && quantile_metric(x + 8, &o->latency, out))
		return true;
	if (!strncmp(x, "connects_near_", 14)) {
		char *end;
		long n = strtol(x + 14, &end, 10);
		if (n <= 0 || strcmp(end, "s"))
			return false;
		double lo = (double)n * 1e6 * 0.98, hi = (double)n * 1e6 * 1.05;
		uint64_t count = 0;
		for (unsigned b = 0; b < HIST_BUCKETS; b++) {
			uint64_t blo, bhi;
			hist_bucket_range(b, &blo, &bhi);
			if ((double)bhi > lo && (double)blo < hi)
				count += o->connect_time.bucket[b];
		}
		*out = (double)count;
		return true;
	}
	return mib_metric(x, &p->client_mib, out);
}

bool report_metric(const struct report *r, const char *name, double *out)
{
	const struct { const char *name; double value; } plain[] = {
		{ "legit_success_rate", r->legit_success_rate },
		{ "legit_wanted", (double)r->legit_wanted }, { "legit_ok", (double)r->legit_ok },
		{ "legit_pending", (double)r->legit_pending },
		{ "peak_syn_recv", r->peak_syn_recv }, { "peak_accept_queue", r->peak_accept },
		{ "backlog", r->backlog },
		{ "server_time_wait", r->server_usage.time_wait.used },
		{ "server_connections", r->server_usage.connections.used },
		{ "server_accepts", (double)r->server_accepts },
		{ "nat_peak_entries", r->nat_peak }, { "nat_max", r->nat_max },
		{ "nat_table_full", (double)r->nat_stats.table_full },
		{ "nat_table_full_events", (double)r->ct_stats.table_full_events },
		{ "nat_early_drops", (double)r->ct_stats.early_drops },
		{ "nat_syn_limited", (double)r->nat_stats.syn_limited },
		{ "nat_meter_limited", (double)r->nat_stats.meter_limited },
		{ "nat_closed_resets", (double)r->nat_stats.closed_resets },
		{ "nat_closed_drops", (double)r->nat_stats.closed_drops },
		{ "nat_forwarded", (double)r->nat_stats.forwarded },
		{ "nat_forwarded_per_hour", r->nat_forwarded_per_hour },
		{ "nat_assured_per_hour", r->nat_assured_per_hour },
		{ "nat_mean_entries", r->nat_mean_entries },
		{ "nat_entry_lifetime_s", r->nat_forwarded_per_hour > 0
			? r->nat_mean_entries * 3600 / r->nat_forwarded_per_hour : 0 },
		{ "nat_port_changed", (double)r->nat_stats.port_changed },
		{ "nat_entry_minutes", r->nat_entry_minutes },
		{ "nat_entry_minutes_per_visit",
		  r->visits ? r->nat_entry_minutes / (double)r->visits : 0 },
		{ "nat_forwarded_per_visit",
		  r->visits ? (double)r->nat_stats.forwarded / (double)r->visits : 0 },
		{ "visits", (double)r->visits },
		{ "httpd_accepts", (double)r->httpd.accepts },
		{ "httpd_requests", (double)r->httpd.requests },
		{ "httpd_timeouts_header", (double)r->httpd.timeouts_header },
		{ "httpd_timeouts_body", (double)r->httpd.timeouts_body },
		{ "httpd_keepalive_timeouts", (double)r->httpd.keepalive_timeouts },
		{ "httpd_conn_per_ip_refused", (double)r->httpd.conn_per_ip_refused },
		{ "httpd_io_errors", (double)r->httpd.io_errors },
	};
	if (!strncmp(name, "nat_peak_", 9)) {
		for (unsigned k = CT_SYN_SENT; k < CT__STATES; k++)
			if (!strcmp(name + 9, ct_state_name((enum ct_state)k))) {
				*out = r->nat_peak_state[k];
				return true;
			}
	}
	if (!strncmp(name, "nat_entry_minutes_", 18)) {
		for (unsigned k = CT_SYN_SENT; k < CT__STATES; k++)
			if (!strcmp(name + 18, ct_state_name((enum ct_state)k))) {
				*out = r->nat_state_minutes[k];
				return true;
			}
	}
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (!strcmp(name, plain[i].name)) {
			*out = plain[i].value;
			return true;
		}
	if (!strncmp(name, "legit_connect_", 14) &&
	    quantile_metric(name + 14, &r->legit_connect, out))
		return true;
	if (!strncmp(name, "legit_latency_", 14) &&
	    quantile_metric(name + 14, &r->legit_latency, out))
		return true;
	if (!strncmp(name, "peak_slots_", 11)) {
		const char *s = name + 11;
		char state = !strcmp(s, "waiting") ? '_' : s[1] == '\0' ? s[0] : 0;
		const char *at = state ? strchr(SCN_SCOREBOARD_STATES, state) : NULL;
		if (at == NULL)
			return false;
		*out = r->peak_scoreboard[at - SCN_SCOREBOARD_STATES];
		return true;
	}
	for (unsigned i = 0; i < r->n_pops; i++) {
		size_t n = strlen(r->pop[i].section);
		if (!strncmp(name, r->pop[i].section, n) && name[n] == '.')
			return pop_metric(&r->pop[i], name + n + 1, out);
	}
	return mib_metric(name, &r->server_mib, out);
}
