/* SPDX-License-Identifier: BSD-2-Clause */
/* Building and running a scenario's world (see world.h for addresses and
 * topology), and the server-side measurements: exact peaks of the SYN and
 * accept queues (checked after every event on the server), and one row of
 * the series per interval. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat/nat.h"
#include "scenario/pop.h"
#include "scenario/section.h"
#include "synq/inspect.h"

const enum synq_mib_counter scn_listen_mibs[] = {
	SYNQ_MIB_TcpPassiveOpens,
	SYNQ_MIB_TcpExtListenOverflows,
	SYNQ_MIB_TcpExtListenDrops,
	SYNQ_MIB_TcpExtTCPReqQFullDrop,
	SYNQ_MIB_TcpExtTCPReqQFullDoCookies,
	SYNQ_MIB_TcpExtSyncookiesSent,
	SYNQ_MIB_TcpExtSyncookiesRecv,
	SYNQ_MIB_TcpExtSyncookiesFailed,
	SYNQ_MIB_TcpExtTCPDeferAcceptDrop,
	SYNQ_MIB_TcpExtTCPTimeWaitOverflow,
	SYNQ_MIB_TcpExtEmbryonicRsts,
	SYNQ_MIB_TcpOutRsts,
	SYNQ_MIB_TcpExtTCPAbortOnData,
	SYNQ_MIB_TcpExtTCPAbortOnTimeout,
};
const unsigned scn_n_listen_mibs = sizeof scn_listen_mibs / sizeof scn_listen_mibs[0];

static const char *const scoreboard_names[SCN_SCOREBOARD_N] = {
	"sb_waiting", "sb_starting", "sb_reading", "sb_sending", "sb_keepalive", "sb_dns",
	"sb_closing", "sb_logging", "sb_finishing", "sb_idle_cleanup", "sb_open",
};

/* Per population columns, in this order. */
static const char *const pop_cols[] = {
	"connects", "connected", "connect_failed", "requests_ok", "requests_failed",
	"established", "syns",
};
#define N_POP_COLS (sizeof pop_cols / sizeof pop_cols[0])

static void fail(struct scn_world *w, int err, const char *what)
{
	if (w->error == 0) {
		w->error = err;
		snprintf(w->error_text, sizeof w->error_text, "%s", what);
	}
}

/* ------------------------------------------------------------ series */

static void col_add(struct scn_series *s, const char *fmt, const char *a, const char *b)
{
	if (s->n_cols == SCN_SERIES_COLS_MAX)
		return;
	snprintf(s->names[s->n_cols], sizeof s->names[0], fmt, a, b);
	s->col_name[s->n_cols] = s->names[s->n_cols];
	s->n_cols++;
}

static void series_setup(struct scn_world *w)
{
	struct scn_series *s = &w->series;
	col_add(s, "%s%s", "time_ms", "");
	col_add(s, "%s%s", "syn_recv", "");
	col_add(s, "%s%s", "syn_recv_max", "");
	col_add(s, "%s%s", "accept_queue", "");
	col_add(s, "%s%s", "accept_queue_max", "");
	for (unsigned i = 0; i < SCN_SCOREBOARD_N; i++)
		col_add(s, "%s%s", scoreboard_names[i], "");
	col_add(s, "%s%s", "server_established", "");
	col_add(s, "%s%s", "server_time_wait", "");
	for (unsigned i = 0; i < scn_n_listen_mibs; i++)
		col_add(s, "%s%s", synq_mib_name(scn_listen_mibs[i]), "");
	for (unsigned p = 0; p < w->n_pops; p++) {
		const struct scn_population *pc = &w->scn->population[p];
		for (unsigned c = 0; c < N_POP_COLS; c++)
			col_add(s, pc->attack ? "attack.%s.%s" : "clients.%s.%s", pc->name,
			        pop_cols[c]);
	}
	if (w->nat) {
		for (unsigned st = CT_SYN_SENT; st < CT__STATES; st++)
			col_add(s, "nat_%s", ct_state_name((enum ct_state)st), "");
		col_add(s, "%s%s", "nat_entries", "");
		col_add(s, "%s%s", "nat_drops", "");
	}
}

static int series_row(struct scn_world *w, int64_t **row)
{
	struct scn_series *s = &w->series;
	if (s->n_rows == s->cap_rows) {
		size_t cap = s->cap_rows ? 2 * s->cap_rows : 256;
		int64_t *r = realloc(s->rows, cap * s->n_cols * sizeof *r);
		if (r == NULL)
			return -ENOMEM;
		s->rows = r;
		s->cap_rows = cap;
	}
	*row = s->rows + s->n_rows * s->n_cols;
	memset(*row, 0, s->n_cols * sizeof **row);
	s->n_rows++;
	return 0;
}

/* The population counters at the previous sample, for deltas. */
struct pop_prev {
	uint64_t connects, connected, connect_failed, ok, failed, syns;
};

static uint64_t sum_fail(const uint64_t *v)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < SCN_FAIL__COUNT; i++)
		t += v[i];
	return t;
}

static void sample(struct sim *sim, void *arg)
{
	struct scn_world *w = arg;
	synq_time_t now = sim_now(sim);
	int64_t *row;
	if (series_row(w, &row)) {
		fail(w, -ENOMEM, "no memory for the series");
		sim_stop(sim);
		return;
	}
	struct synq_stack *st = sim_host_stack(w->server);
	unsigned c = 0;
	row[c++] = now / 1000000;
	struct synq_listener_info li = { 0 };
	synq_listeners(st, &li, 1);
	row[c++] = li.syn_recv;
	row[c++] = w->ival_syn_recv;
	row[c++] = li.accept_len;
	row[c++] = w->ival_accept;
	w->ival_syn_recv = li.syn_recv;
	w->ival_accept = li.accept_len;
	uint32_t sb[SCN_SCOREBOARD_N] = { 0 };
	if (w->srv)
		scn_server_scoreboard(w->srv, sb);
	for (unsigned i = 0; i < SCN_SCOREBOARD_N; i++) {
		row[c++] = sb[i];
		if (sb[i] > w->peak_scoreboard[i])
			w->peak_scoreboard[i] = sb[i];
	}
	const struct synq_mib *mib = synq_stack_mib(st);
	row[c++] = (int64_t)mib->value[SYNQ_MIB_TcpCurrEstab];
	struct synq_stack_usage u;
	synq_stack_usage(st, &u);
	row[c++] = u.time_wait.used;
	for (unsigned i = 0; i < scn_n_listen_mibs; i++) {
		enum synq_mib_counter m = scn_listen_mibs[i];
		row[c++] = (int64_t)(mib->value[m] - w->mib_last.value[m]);
	}
	w->mib_last = *mib;
	struct pop_prev *prev = (struct pop_prev *)w->prev;
	for (unsigned p = 0; p < w->n_pops; p++) {
		const struct scn_outcome *o = scn_pop_outcome(w->pops[p]);
		struct pop_prev now_v = {
			.connects = o->connects, .connected = o->connected,
			.connect_failed = sum_fail(o->connect_failed), .ok = o->responses_ok,
			.failed = sum_fail(o->request_failed), .syns = o->syns_sent,
		};
		row[c++] = (int64_t)(now_v.connects - prev[p].connects);
		row[c++] = (int64_t)(now_v.connected - prev[p].connected);
		row[c++] = (int64_t)(now_v.connect_failed - prev[p].connect_failed);
		row[c++] = (int64_t)(now_v.ok - prev[p].ok);
		row[c++] = (int64_t)(now_v.failed - prev[p].failed);
		row[c++] = (int64_t)o->established_now;
		row[c++] = (int64_t)(now_v.syns - prev[p].syns);
		prev[p] = now_v;
	}
	if (w->nat) {
		uint32_t per_state[CT__STATES];
		ct_table_count(&w->nat->ct, now, per_state);
		uint32_t total = 0;
		double dt = (double)w->scn->run.interval_ns / 1e9;
		for (unsigned k = CT_SYN_SENT; k < CT__STATES; k++) {
			row[c++] = per_state[k];
			total += per_state[k];
			if (per_state[k] > w->peak_nat_state[k])
				w->peak_nat_state[k] = per_state[k];
			w->nat_state_s[k] += per_state[k] * dt;
		}
		row[c++] = total;
		w->nat_entry_s += total * dt;
		if (total > w->peak_nat_entries)
			w->peak_nat_entries = total;
		if (w->nat_half_at == 0 && now >= w->scn->run.duration_ns / 2 && now > 0) {
			w->nat_half_at = now;
			w->nat_half_forwarded = w->nat->stats.forwarded;
			w->nat_half_assured = w->nat->ct.stats.assured;
		}
		if (w->nat_half_at && now <= w->scn->run.duration_ns) {
			w->nat_half_entry_sum += total;
			w->nat_half_samples++;
		}
		row[c++] = (int64_t)w->nat->stats.table_full;
	}
	w->samples++;
	if (w->opt.progress)
		w->opt.progress(w->opt.progress_ctx, now, w->end_ns);
	if (now + w->scn->run.interval_ns <= w->end_ns)
		sim_event_schedule_global(sim, now + w->scn->run.interval_ns, sample, w);
}

/* ------------------------------------------------------------ server */

static void server_app(void *ctx, struct sim_host *host)
{
	struct scn_world *w = ctx;
	if (w->srv)
		scn_server_after_event(w->srv);
	uint32_t syn_recv, accept_len;
	if (!synq_listener_queues(sim_host_stack(host), &syn_recv, &accept_len))
		return;
	if (syn_recv > w->peak_syn_recv)
		w->peak_syn_recv = syn_recv;
	if (accept_len > w->peak_accept)
		w->peak_accept = accept_len;
	if (syn_recv > w->ival_syn_recv)
		w->ival_syn_recv = syn_recv;
	if (accept_len > w->ival_accept)
		w->ival_accept = accept_len;
}

void scn_malloc_tune(void)
{
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
}

/* ------------------------------------------------------------ build */

/* How many domains the populations run in: 0 when they share the root,
 * which they do when a population's link has no delay (a cut link needs
 * one) or [run] domains = 1. Otherwise [run] domains - 1 (0 and 2: one),
 * but never more than there are populations. */
static unsigned population_domains(const struct scenario *scn)
{
	if (scn->run.domains == 1 || scn->n_populations == 0)
		return 0;
	for (unsigned i = 0; i < scn->n_populations; i++) {
		const struct scn_population *pc = &scn->population[i];
		const struct scn_link *sl = pc->link[0] ? scn_link_find(scn, pc->link) : NULL;
		if (sl && sl->cfg.delay_ns <= 0)
			return 0;
	}
	unsigned n = scn->run.domains > 2 ? (unsigned)scn->run.domains - 1 : 1;
	return n < scn->n_populations ? n : scn->n_populations;
}

static int open_pcap(struct scn_world *w, const char *name, struct synq_pcap **out,
                     char *why, size_t why_cap)
{
	*out = NULL;
	if (w->opt.out_dir == NULL || w->n_pcaps == SCN_POPULATIONS_MAX + 1)
		return 0;
	char path[512];
	snprintf(path, sizeof path, "%s/%s.pcap", w->opt.out_dir, name);
	int err = synq_pcap_open(path, out);
	if (err) {
		snprintf(why, why_cap, "cannot write %s: %s", path, strerror(-err));
		return err;
	}
	w->pcaps[w->n_pcaps++] = *out;
	return 0;
}

int scn_world_build(struct scn_world *w, const struct scenario *scn,
                    const struct scn_world_options *opt, char *why, size_t why_cap)
{
	memset(w, 0, sizeof *w);
	w->scn = scn;
	if (opt)
		w->opt = *opt;
	w->end_ns = scn->run.duration_ns + scn->run.drain_ns;
	snprintf(why, why_cap, "out of memory");
	struct sim_config sc = {
		.seed = scn->run.seed, .events_max = 1u << 24, .packets_max = 1u << 22,
	};
	int err = sim_create(&sc, &w->sim);
	if (err) {
		snprintf(why, why_cap, "cannot create the simulation: %s", strerror(-err));
		return err;
	}
	w->pop_sim[0] = w->sim;
	w->n_pop_sims = 1;
	unsigned split = population_domains(scn);
	for (unsigned i = 0; i < split; i++) {
		if ((err = sim_domain_add(w->sim, &w->pop_sim[i]))) {
			snprintf(why, why_cap, "cannot add a simulation domain: %s", strerror(-err));
			return err;
		}
		w->n_pop_sims = i + 1;
	}
	/* SYNQ_SIM_THREADS (synq sim --threads) comes before [run] threads */
	const char *env_threads = getenv("SYNQ_SIM_THREADS");
	if (scn->run.threads && !(env_threads && *env_threads))
		sim_threads_set(w->sim, (unsigned)scn->run.threads);
	uint64_t seed_state = scn->run.seed;
	struct sim_host_config hc = {
		.name = "server", .addr = SCN_SERVER_ADDR, .stack = &scn->kernel,
		.seed = sim_splitmix64_next(&seed_state), .app = server_app, .app_ctx = w,
	};
	if ((err = sim_host_add(w->sim, &hc, &w->server))) {
		snprintf(why, why_cap, "cannot create the server host (check [kernel] synq.*): %s",
		         strerror(-err));
		return err;
	}
	struct sim_node *server_node = sim_host_node(w->server);
	w->hub = server_node;
	w->target_addr = SCN_SERVER_ADDR;
	struct sim_link_config lc;
	if (scn->server.link[0]) {
		struct sim_node_config rc = { .name = "router", .addr = SCN_ROUTER_ADDR,
		                              .kind = SIM_NODE_ROUTER };
		if ((err = sim_node_add(w->sim, &rc, &w->router)))
			return err;
		lc = scn_link_find(scn, scn->server.link)->cfg;
		if ((err = sim_link_add(w->sim, &lc, w->router, server_node, &w->server_link)) ||
		    (err = sim_node_route_add(w->router, SCN_SERVER_ADDR, 32, w->server_link)))
			return err;
		w->hub = w->router;
		if (scn_link_find(scn, scn->server.link)->pcap) {
			struct synq_pcap *pc;
			char name[64];
			snprintf(name, sizeof name, "%s-server", scn->server.link);
			if ((err = open_pcap(w, name, &pc, why, why_cap)))
				return err;
			if (pc)
				sim_link_capture(w->server_link, SIM_LINK_B, pc);
		}
	}
	if (scn->run.pcap_server) {
		struct synq_pcap *pc;
		if ((err = open_pcap(w, "server", &pc, why, why_cap)))
			return err;
		if (pc)
			sim_node_capture(server_node, pc);
	}
	/* Sections added through the registry (section.h) build their part
	 * now, before the populations attach: a hook may put a node of its
	 * own (a NAT router) in front of the server and make it the hub. */
	for (unsigned i = 0; i < scn->n_extensions; i++) {
		const struct scn_extension *x = &scn->extension[i];
		why[0] = '\0';
		if (x->kind->build && (err = x->kind->build(w, x->obj, why, why_cap))) {
			if (!why[0])
				snprintf(why, why_cap, "[%s]: cannot build: %s", x->kind->name,
				         strerror(-err));
			return err;
		}
	}
	w->n_pops = scn->n_populations;
	for (unsigned i = 0; i < scn->n_populations; i++) {
		const struct scn_population *pc = &scn->population[i];
		why[0] = '\0';
		if ((err = scn_pop_create(w, i, &w->pops[i], why, why_cap))) {
			if (!why[0])
				snprintf(why, why_cap, "population %s: %s", pc->name, strerror(-err));
			return err;
		}
		const struct scn_link *sl = pc->link[0] ? scn_link_find(scn, pc->link) : NULL;
		if (sl) {
			lc = sl->cfg;
		} else {
			sim_link_config_init(&lc);
			lc.delay_ns = SYNQ_MSEC(1);
		}
		struct sim_link *link;
		struct sim_node *node = scn_pop_node(w->pops[i]);
		if ((err = sim_link_add(w->sim, &lc, node, w->hub, &link)) ||
		    (err = sim_node_route_add(w->hub, SCN_POP_PREFIX(i), 16, link))) {
			snprintf(why, why_cap, "population %s: cannot link it: %s", pc->name,
			         strerror(-err));
			return err;
		}
		if (pc->model == SCN_MODEL_SYNFLOOD &&
		    (err = sim_node_route_add(w->hub, SCN_SPOOF_PREFIX(i), 32 - SCN_SPOOF_BITS, link)))
			return err;
		if (sl && sl->pcap) {
			struct synq_pcap *pcap;
			char name[2 * SCN_NAME_MAX + 2];
			snprintf(name, sizeof name, "%s-%s", sl->name, pc->name);
			if ((err = open_pcap(w, name, &pcap, why, why_cap)))
				return err;
			if (pcap)
				sim_link_capture(link, SIM_LINK_B, pcap);
		}
	}
	/* The server starts listening before any client can reach it. */
	if ((err = scn_server_start(&scn->server, sim_splitmix64_next(&seed_state), w->server,
	                            &w->srv, why, why_cap)))
		return err;
	w->prev = calloc(w->n_pops ? w->n_pops : 1, sizeof(struct pop_prev));
	if (w->prev == NULL)
		return -ENOMEM;
	series_setup(w);
	w->mib_start = *synq_stack_mib(sim_host_stack(w->server));
	w->mib_last = w->mib_start;
	for (unsigned i = 0; i < w->n_pops; i++)
		scn_pop_start(w->pops[i]);
	if ((err = sim_event_schedule_global(w->sim, 0, sample, w)))
		return err;
	why[0] = '\0';
	return 0;
}

int scn_world_run(struct scn_world *w, char *why, size_t why_cap)
{
	int err = sim_run_until(w->sim, w->end_ns);
	if (err == 0 && w->error)
		err = w->error;
	if (err) {
		snprintf(why, why_cap, "simulation stopped at %.3f s: %s",
		         (double)sim_now(w->sim) / 1e9,
		         w->error ? w->error_text : strerror(-err));
		return err;
	}
	for (unsigned i = 0; i < w->n_pops; i++)
		scn_pop_finish(w->pops[i]);
	return 0;
}

void scn_world_free(struct scn_world *w)
{
	if (w->nat) {
		nat_free(w->nat);
		free(w->nat);
	}
	scn_server_free(w->srv);
	sim_destroy(w->sim);
	w->sim = NULL;
	sim_host_free(w->server);
	for (unsigned i = 0; i < w->n_pops; i++)
		scn_pop_free(w->pops[i]);
	for (unsigned i = 0; i < w->n_pcaps; i++)
		synq_pcap_close(w->pcaps[i]);
	free(w->series.rows);
	free(w->prev);
	memset(w, 0, sizeof *w);
}

const struct scn_outcome *scn_world_outcome(const struct scn_world *w, unsigned pop)
{
	return scn_pop_outcome(w->pops[pop]);
}

void scn_world_client_mib(const struct scn_world *w, unsigned pop, struct synq_mib *out)
{
	memset(out, 0, sizeof *out);
	struct sim_hostgroup *g = scn_pop_group(w->pops[pop]);
	if (g == NULL)
		return;
	for (uint32_t h = 0; h < sim_hostgroup_count(g); h++) {
		const struct synq_mib *m = synq_stack_mib(sim_hostgroup_stack(g, h));
		for (unsigned i = 0; i < SYNQ_MIB__COUNT; i++)
			out->value[i] += m->value[i];
	}
}

uint64_t scn_world_client_time_wait(const struct scn_world *w, unsigned pop)
{
	struct sim_hostgroup *g = scn_pop_group(w->pops[pop]);
	uint64_t n = 0;
	for (uint32_t h = 0; g && h < sim_hostgroup_count(g); h++) {
		struct synq_stack_usage u;
		synq_stack_usage(sim_hostgroup_stack(g, h), &u);
		n += u.time_wait.used;
	}
	return n;
}
