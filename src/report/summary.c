/* SPDX-License-Identifier: BSD-2-Clause */
/* Gathering a run's results into struct report. */
#include <string.h>

#include "report/report.h"
#include "synq/inspect.h"

static bool request_model(int model)
{
	return model == SCN_MODEL_BROWSER || model == SCN_MODEL_POISSON;
}

void report_gather(struct report *r, const struct scn_world *w)
{
	memset(r, 0, sizeof *r);
	const struct scenario *scn = w->scn;
	r->scn = scn;
	r->world = w;
	r->seed = scn->run.seed;
	r->end_ns = w->end_ns;
	sim_stats_get(w->sim, &r->sim);
	r->events_run = r->sim.events_run;
	r->n_pops = w->n_pops;
	uint64_t legit_connects = 0, legit_connected = 0;
	bool any_request = false, any_legit = false;
	for (unsigned i = 0; i < w->n_pops; i++) {
		const struct scn_population *pc = &scn->population[i];
		struct report_pop *p = &r->pop[i];
		snprintf(p->section, sizeof p->section, "%s.%s", pc->attack ? "attack" : "clients",
		         pc->name);
		p->model = pc->model;
		p->attack = pc->attack;
		p->o = *scn_world_outcome(w, i);
		scn_world_client_mib(w, i, &p->client_mib);
		p->client_time_wait = scn_world_client_time_wait(w, i);
		r->visits += p->o.visits;
		if (request_model(pc->model))
			p->success_rate = p->o.requests ? (double)p->o.responses_ok / (double)p->o.requests
			                                : -1;
		else if (pc->model == SCN_MODEL_SYNFLOOD)
			p->success_rate = -1;
		else
			p->success_rate = p->o.connects ? (double)p->o.connected / (double)p->o.connects
			                                : -1;
		if (pc->attack)
			continue;
		any_legit = true;
		hist_merge(&r->legit_connect, &p->o.connect_time);
		hist_merge(&r->legit_latency, &p->o.latency);
		if (request_model(pc->model)) {
			any_request = true;
			r->legit_wanted += p->o.requests;
			r->legit_ok += p->o.responses_ok;
			r->legit_pending += p->o.pending_requests;
		}
		legit_connects += p->o.connects;
		legit_connected += p->o.connected;
	}
	if (!any_legit)
		r->legit_success_rate = -1;
	else if (any_request)
		r->legit_success_rate = r->legit_wanted ? (double)r->legit_ok / (double)r->legit_wanted : -1;
	else
		r->legit_success_rate = legit_connects ? (double)legit_connected / (double)legit_connects
		                                       : -1;
	const struct synq_stack *st = sim_host_stack(w->server);
	struct synq_listener_info li = { 0 };
	synq_listeners(st, &li, 1);
	r->backlog = li.backlog;
	r->peak_syn_recv = w->peak_syn_recv;
	r->peak_accept = w->peak_accept;
	memcpy(r->peak_scoreboard, w->peak_scoreboard, sizeof r->peak_scoreboard);
	const struct synq_mib *m = synq_stack_mib(st);
	for (unsigned i = 0; i < SYNQ_MIB__COUNT; i++)
		r->server_mib.value[i] = m->value[i] - w->mib_start.value[i];
	r->server_mib.value[SYNQ_MIB_TcpCurrEstab] = m->value[SYNQ_MIB_TcpCurrEstab];
	synq_stack_usage(st, &r->server_usage);
	r->server_accepts = scn_server_accepts(w->srv);
	if (w->nat) {
		r->nat = true;
		r->nat_max = w->nat->ct.cfg.max;
		r->nat_peak = w->peak_nat_entries;
		for (unsigned k = 0; k < CT__STATES; k++)
			r->nat_peak_state[k] = w->peak_nat_state[k];
		r->nat_entry_minutes = w->nat_entry_s / 60;
		for (unsigned k = 0; k < CT__STATES; k++)
			r->nat_state_minutes[k] = w->nat_state_s[k] / 60;
		r->nat_stats = w->nat->stats;
		r->ct_stats = w->nat->ct.stats;
		synq_time_t span = scn->run.duration_ns - w->nat_half_at;
		if (w->nat_half_at && span > 0) {
			r->nat_forwarded_per_hour =
				(double)(w->nat->stats.forwarded - w->nat_half_forwarded) * 3600e9 /
				(double)span;
			r->nat_assured_per_hour =
				(double)(w->nat->ct.stats.assured - w->nat_half_assured) * 3600e9 /
				(double)span;
			r->nat_mean_entries = w->nat_half_samples
				? (double)w->nat_half_entry_sum / (double)w->nat_half_samples : 0;
		}
	}
	struct synq_httpd *h = scn_server_httpd(w->srv);
	if (h)
		synq_httpd_counters(h, &r->httpd);
}

double report_ms(synq_time_t ns)
{
	return (double)ns / 1e6;
}
