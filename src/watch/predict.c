/* SPDX-License-Identifier: BSD-2-Clause */
#include "watch/predict.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "report/run.h"
#include "scenario/hist.h"
#include "watch/format.h"

const char *watch_verdict_name(enum watch_verdict v)
{
	switch (v) {
	case WATCH_VERDICT_HOLDS:
		return "holds";
	case WATCH_VERDICT_DEGRADES:
		return "degrades";
	case WATCH_VERDICT_FAILS:
		return "fails";
	}
	return "?";
}

double watch_request_lifetime_s(int64_t synack_retries)
{
	if (synack_retries < 0)
		synack_retries = 0;
	double total = 0, wait = 1;
	for (int64_t i = 0; i <= synack_retries && i < 64; i++) {
		total += wait;
		wait = wait * 2 > 120 ? 120 : wait * 2; /* TCP_RTO_MAX */
	}
	return total;
}

static double listener_weight(const struct watch_listener *l)
{
	double est = l->established == WATCH_COUNT_UNKNOWN ? 0 : l->established;
	return (double)l->syn_recv + l->accept_queue + est;
}

double watch_listener_share(const struct watch_frame *f, size_t i)
{
	const struct watch_listeners *t = f->listeners;
	double sum = 0;
	for (size_t k = 0; k < t->n; k++)
		sum += listener_weight(&t->v[k]);
	if (sum == 0)
		return 1.0 / (double)t->n;
	return listener_weight(&t->v[i]) / sum;
}

static double rate_of(const struct watch_frame *f, enum watch_mib_id id)
{
	uint64_t delta;
	double per_s = 0;
	if (!watch_frame_rate(f, id, &delta, &per_s))
		return 0;
	return per_s;
}

void watch_predict_today(const struct watch_frame *f, size_t i, struct watch_today *t)
{
	const struct watch_listener *l = &f->listeners->v[i];
	double share = watch_listener_share(f, i);
	double completed = rate_of(f, WATCH_MIB_PASSIVE_OPENS);
	/* A SYN ends one of four ways: a request that completes (PassiveOpens,
	 * which also counts completed cookies), a cookie (SyncookiesSent), a
	 * drop (ListenDrops), or a request that waits in SYN-RECV until it
	 * expires. The last is not counted anywhere: at a steady rate the
	 * queue holds rate x lifetime of them. */
	double cookie_completions = rate_of(f, WATCH_MIB_SYNCOOKIES_RECV);
	double syns = completed - cookie_completions + rate_of(f, WATCH_MIB_SYNCOOKIES_SENT) +
	              rate_of(f, WATCH_MIB_LISTEN_DROPS);
	if (syns < completed)
		syns = completed;
	double lifetime = watch_request_lifetime_s(
		watch_sysctl_get(&f->sysctl, WATCH_SYSCTL_TCP_SYNACK_RETRIES, 5));
	t->share = share;
	t->completed_per_s = completed * share;
	t->unanswered_per_s = (syns - completed) * share + (double)l->syn_recv / lifetime;
	t->app_stalled = l->accept_queue_limit > 0 && l->accept_queue >= l->accept_queue_limit;
}

/* snprintf that keeps a running length and reports overflow once. */
struct text {
	char *buf;
	size_t cap, len;
	bool overflow;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = t->len < t->cap ? t->cap - t->len : 0;
	int n = vsnprintf(t->buf + t->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

int watch_predict_scenario(const struct watch_frame *f, size_t i, const struct watch_today *t,
                           const struct watch_predict_options *o, char *buf, size_t cap)
{
	const struct watch_listener *l = &f->listeners->v[i];
	char name[64];
	watch_endpoint_format(&l->local, name, sizeof name);
	struct text x = { .buf = buf, .cap = cap };
	put(&x, "# Written by synq watch --predict for %s.\n", name);
	put(&x, "# Today: %.3f connections/s completed, %.3f SYNs/s unanswered "
	        "(share %.3f of the namespace's counters).\n",
	    t->completed_per_s, t->unanswered_per_s, t->share);
	put(&x, "[run]\ntitle = %s at %gx today's SYN rate\n", name, o->factor);
	put(&x, "duration = %gs\ndrain = 10s\ninterval = 100ms\nseed = 1\n\n", o->duration_s);
	put(&x, "[kernel]\n");
	for (int id = 0; id < WATCH_SYSCTL__COUNT; id++)
		if (f->sysctl.present & (1u << id))
			put(&x, "%s = %lld\n", watch_sysctl_name((enum watch_sysctl_id)id),
			    (long long)f->sysctl.value[id]);
	put(&x, "\n[server]\n");
	put(&x, "# %s\n", t->app_stalled ? "the accept queue is full now: an application that "
	                                   "does not keep up, modelled as one that never accepts"
	                                 : "an application that accepts at once");
	put(&x, "model = %s\nport = %u\nListenBacklog = %u\n\n", t->app_stalled ? "none" : "event",
	    (unsigned)l->local.port, (unsigned)l->accept_queue_limit);
	double clients = o->factor * t->completed_per_s;
	put(&x, "[clients.today]\nmodel = poisson\nrate = %.6f/s\n\n", clients < 1 ? 1 : clients);
	double flood = o->factor * t->unanswered_per_s;
	if (flood >= 0.001)
		put(&x, "[attack.unanswered]\nmodel = synflood\nrate = %.6f/s\n", flood);
	return x.overflow ? -ENOSPC : (int)x.len;
}

static double per_s(uint64_t delta, double seconds)
{
	return seconds > 0 ? (double)delta / seconds : 0;
}

int watch_predict_simulate(const char *name, const char *scenario, const struct watch_today *t,
                           double factor, struct watch_prediction *p, FILE *err)
{
	struct report *r = calloc(1, sizeof *r);
	if (r == NULL) {
		fprintf(err, "synq watch: out of memory\n");
		return -1;
	}
	struct scn_run_options ro = { .path = name, .text = scenario, .quiet = true,
	                              .result = r };
	int status = scn_run(&ro);
	if (status != SCN_RUN_OK) {
		fprintf(err, "synq watch: --predict: the simulation of %s failed\n", name);
		free(r);
		return -1;
	}
	memset(p, 0, sizeof *p);
	p->today = *t;
	p->factor = factor;
	for (unsigned k = 0; k < r->n_pops; k++) {
		if (r->pop[k].attack)
			continue;
		p->connects += r->pop[k].o.connects;
		p->connected += r->pop[k].o.connected;
	}
	p->connected_fraction = p->connects ? (double)p->connected / (double)p->connects : -1;
	p->connect_p50_ms = (double)hist_quantile(&r->legit_connect, 0.5) / 1e6;
	p->connect_p99_ms = (double)hist_quantile(&r->legit_connect, 0.99) / 1e6;
	p->backlog = r->backlog;
	p->peak_syn_recv = r->peak_syn_recv;
	p->peak_accept = r->peak_accept;
	double seconds = (double)r->end_ns / 1e9;
	p->cookies_per_s = per_s(r->server_mib.value[SYNQ_MIB_TcpExtSyncookiesSent], seconds);
	p->listen_drops_per_s = per_s(r->server_mib.value[SYNQ_MIB_TcpExtListenDrops], seconds);
	p->overflows_per_s = per_s(r->server_mib.value[SYNQ_MIB_TcpExtListenOverflows], seconds);
	if (p->connected_fraction >= 0.99 && p->connect_p99_ms < 1000)
		p->verdict = WATCH_VERDICT_HOLDS;
	else if (p->connected_fraction >= 0.90)
		p->verdict = WATCH_VERDICT_DEGRADES;
	else
		p->verdict = WATCH_VERDICT_FAILS;
	free(r);
	return 0;
}

static void fmt_ms(double ms, char *buf, size_t cap)
{
	if (ms < 1000)
		snprintf(buf, cap, "%.0f ms", ms);
	else
		snprintf(buf, cap, "%.1f s", ms / 1000);
}

void watch_prediction_format(const struct watch_prediction *p, const char *listener,
                             char *buf, size_t cap)
{
	char done[16], lost[16], cookies[16], drops[16], p50[24], p99[24];
	watch_rate_format(p->today.completed_per_s, done, sizeof done);
	watch_rate_format(p->today.unanswered_per_s, lost, sizeof lost);
	watch_rate_format(p->cookies_per_s, cookies, sizeof cookies);
	watch_rate_format(p->listen_drops_per_s, drops, sizeof drops);
	fmt_ms(p->connect_p50_ms, p50, sizeof p50);
	fmt_ms(p->connect_p99_ms, p99, sizeof p99);
	snprintf(buf, cap,
	         "%s at %gx today's SYN rate (today %s/s completed, %s/s unanswered%s): "
	         "%.1f%% of clients connect (p50 %s, p99 %s); SYN-RECV peak %u, accept queue "
	         "peak %u/%u; cookies %s/s, drops %s/s: %s",
	         listener, p->factor, done, lost,
	         p->today.app_stalled ? "; application not accepting" : "",
	         p->connected_fraction < 0 ? 0 : 100 * p->connected_fraction, p50, p99,
	         p->peak_syn_recv, p->peak_accept, p->backlog, cookies, drops,
	         watch_verdict_name(p->verdict));
}

static void json_prediction(FILE *out, const struct watch_prediction *p, const char *listener)
{
	fprintf(out,
	        "{\"listener\":\"%s\",\"factor\":%g,\"today\":{\"completed_per_s\":%.3f,"
	        "\"unanswered_per_s\":%.3f,\"share\":%.3f,\"app_stalled\":%s},"
	        "\"predicted\":{\"connects\":%llu,\"connected\":%llu,\"connected_fraction\":%.4f,"
	        "\"connect_p50_ms\":%.3f,\"connect_p99_ms\":%.3f,\"backlog\":%u,"
	        "\"peak_syn_recv\":%u,\"peak_accept_queue\":%u,\"syncookies_sent_per_s\":%.3f,"
	        "\"listen_drops_per_s\":%.3f,\"listen_overflows_per_s\":%.3f,\"verdict\":\"%s\"}}",
	        listener, p->factor, p->today.completed_per_s, p->today.unanswered_per_s,
	        p->today.share, p->today.app_stalled ? "true" : "false",
	        (unsigned long long)p->connects, (unsigned long long)p->connected,
	        p->connected_fraction, p->connect_p50_ms, p->connect_p99_ms, p->backlog,
	        p->peak_syn_recv, p->peak_accept, p->cookies_per_s, p->listen_drops_per_s,
	        p->overflows_per_s, watch_verdict_name(p->verdict));
}

static int save_scenario(const char *dir, size_t rank, const char *text, FILE *err)
{
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(err, "synq watch: --predict-save %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/predict-%zu.ini", dir, rank + 1);
	FILE *fp = fopen(path, "w");
	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		fprintf(err, "synq watch: cannot write %s\n", path);
		if (fp)
			fclose(fp);
		return -1;
	}
	return 0;
}

/* Listener indices, busiest first (ties: table order). */
static size_t busiest(const struct watch_frame *f, size_t *order, size_t max)
{
	size_t n = f->listeners->n;
	for (size_t k = 0; k < n; k++)
		order[k] = k;
	for (size_t a = 1; a < n; a++) /* insertion sort: stable */
		for (size_t b = a; b > 0 && listener_weight(&f->listeners->v[order[b]]) >
		                                listener_weight(&f->listeners->v[order[b - 1]]); b--) {
			size_t tmp = order[b];
			order[b] = order[b - 1];
			order[b - 1] = tmp;
		}
	return n < max ? n : max;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - floor(s)) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int watch_predict_run(struct watch_sampler *s, struct watch_frame *f, double interval_s,
                      const struct watch_predict_options *o, FILE *out, FILE *err)
{
	if (watch_sampler_sample(s, f)) {
		fprintf(err, "synq watch: %s\n", s->err);
		return 1;
	}
	sleep_s(interval_s > 0 ? interval_s : 1);
	if (watch_sampler_sample(s, f)) {
		fprintf(err, "synq watch: %s\n", s->err);
		return 1;
	}
	size_t n_listeners = f->listeners->n;
	if (n_listeners == 0) {
		fprintf(err, "synq watch: --predict: no listening sockets%s\n",
		        s->cfg.port ? " on that port" : "");
		return 1;
	}
	size_t *order = calloc(n_listeners, sizeof *order);
	char *text = malloc(16384);
	if (order == NULL || text == NULL) {
		free(order);
		free(text);
		fprintf(err, "synq watch: out of memory\n");
		return 1;
	}
	size_t n = busiest(f, order, o->max_listeners);
	int rc = 0;
	if (o->json)
		fprintf(out, "{\"interval_s\":%.3f,\"predictions\":[", f->interval_s);
	for (size_t k = 0; k < n && rc == 0; k++) {
		size_t i = order[k];
		char name[64];
		watch_endpoint_format(&f->listeners->v[i].local, name, sizeof name);
		struct watch_today today;
		watch_predict_today(f, i, &today);
		struct watch_prediction p;
		if (watch_predict_scenario(f, i, &today, o, text, 16384) < 0 ||
		    (o->save_dir && save_scenario(o->save_dir, k, text, err)) ||
		    watch_predict_simulate(name, text, &today, o->factor, &p, err)) {
			rc = 1;
			break;
		}
		if (o->json) {
			if (k)
				fputc(',', out);
			json_prediction(out, &p, name);
		} else {
			char line[512];
			watch_prediction_format(&p, name, line, sizeof line);
			fprintf(out, "%s\n", line);
		}
		fflush(out);
	}
	if (o->json)
		fputs("]}\n", out);
	if (rc == 0 && n < n_listeners && !o->json)
		fprintf(out, "(%zu quieter listeners not predicted: --predict-max)\n", n_listeners - n);
	free(order);
	free(text);
	return rc;
}
