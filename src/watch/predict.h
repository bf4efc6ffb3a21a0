/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_PREDICT_H
#define SYNQ_WATCH_PREDICT_H

/* synq watch --predict: for each listener, the simulator's answer to "what
 * happens at N times today's SYN rate", with this host's own sysctls.
 *
 * Today's traffic is read off the kernel's counters over one interval and
 * split in two: SYNs that became connections (Tcp PassiveOpens) and SYNs
 * that did not (dropped, answered with a cookie that never came back, or
 * still waiting in SYN-RECV). The simulator then plays a scenario with the
 * listener's port and backlog, the host's listen-path sysctls, a Poisson
 * stream of clients at factor x the completed rate (at least one a second,
 * so there is always someone whose experience is measured) and a spoofed
 * SYN flood at factor x the rest. What this does not know, it says: the
 * counters are per network namespace, not per listener, so with several
 * listeners they are shared out by each listener's share of the queued and
 * established sockets; the application is modelled as accepting at once,
 * or, when its accept queue is full at the sample, as not accepting. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "watch/frame.h"
#include "watch/sample.h"

struct watch_predict_options {
	double factor;          /* today's SYN rate times this; > 0 */
	double duration_s;      /* simulated seconds of traffic */
	size_t max_listeners;   /* predict at most this many (busiest first) */
	const char *save_dir;   /* write each scenario run here, or NULL */
	bool json;
};

/* Today's traffic at one listener, per second. */
struct watch_today {
	double completed_per_s;  /* handshakes completed */
	double unanswered_per_s; /* SYNs that did not become connections */
	double share;            /* of the namespace's counters given to it */
	bool app_stalled;        /* accept queue full at the sample */
};

enum watch_verdict {
	WATCH_VERDICT_HOLDS,     /* >= 99% of clients connect, p99 under 1 s */
	WATCH_VERDICT_DEGRADES,  /* >= 90% connect */
	WATCH_VERDICT_FAILS,
};

struct watch_prediction {
	struct watch_today today;
	double factor;
	uint64_t connects, connected;
	double connected_fraction;   /* of the clients' connects; -1: none */
	double connect_p50_ms, connect_p99_ms;
	uint32_t backlog, peak_syn_recv, peak_accept;
	double cookies_per_s, listen_drops_per_s, overflows_per_s;
	enum watch_verdict verdict;
};

const char *watch_verdict_name(enum watch_verdict v);

/* How long (s) an unanswered request stays in SYN-RECV: the SYN-ACK is sent
 * synack_retries more times, each wait twice the last from 1 s, and the
 * request goes when the last wait ends. */
double watch_request_lifetime_s(int64_t synack_retries);

/* Each listener's share of the namespace's counters (sums to 1 over the
 * table): its SYN-RECV + accept queue + established, or equal shares when
 * every listener is quiet. */
double watch_listener_share(const struct watch_frame *f, size_t i);

/* Today's traffic at listener i of f (f must have rates: interval_s > 0). */
void watch_predict_today(const struct watch_frame *f, size_t i, struct watch_today *t);

/* The scenario the prediction runs, as INI text. Length, or -ENOSPC. */
int watch_predict_scenario(const struct watch_frame *f, size_t i, const struct watch_today *t,
                           const struct watch_predict_options *o, char *buf, size_t cap);

/* Run the scenario text and summarise. 0, or -1 when the simulation failed
 * (the reason went to err). */
int watch_predict_simulate(const char *name, const char *scenario, const struct watch_today *t,
                           double factor, struct watch_prediction *p, FILE *err);

/* One line for people, without a newline. */
void watch_prediction_format(const struct watch_prediction *p, const char *listener,
                             char *buf, size_t cap);

/* Sample the host twice interval_s apart, then predict for each listener
 * and print the lines (or one JSON object). Returns a CLI exit status. */
int watch_predict_run(struct watch_sampler *s, struct watch_frame *f, double interval_s,
                      const struct watch_predict_options *o, FILE *out, FILE *err);

#endif
