/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_FRAME_H
#define SYNQ_WATCH_FRAME_H

/* One refresh of synq watch: everything read at one moment, the previous
 * counters for rates, and the diagnosis. Built by sample.c (I/O) or by a
 * test from captured text; read by diagnose.c and the formatters. */

#include <stddef.h>
#include <stdint.h>

#include "watch/listeners.h"
#include "watch/mib.h"
#include "watch/sysctl.h"

enum watch_severity {
	WATCH_SEV_INFO,
	WATCH_SEV_WARNING,
	WATCH_SEV_CRITICAL,
};

/* Causes, each with a stable machine name (watch_cause_name()). */
#define WATCH_CAUSES(X)                                                       \
	X(ACCEPT_QUEUE_FULL, "accept_queue_full")                             \
	X(ACCEPT_QUEUE_FILLING, "accept_queue_filling")                       \
	X(SYN_FLOOD, "syn_flood")                                             \
	X(SYN_QUEUE_PRUNING, "syn_queue_half_full")                           \
	X(LISTEN_OVERFLOWS, "accept_queue_overflows")                         \
	X(SYN_DROPS_OTHER, "syn_drops_other")                                 \
	X(COOKIES_FAILED, "syncookies_failed")                                \
	X(DEFER_ACCEPT_DROPS, "defer_accept_drops")                           \
	X(EMBRYONIC_RSTS, "embryonic_rsts")                                   \
	X(ABORT_ON_DATA, "abort_on_data")                                     \
	X(TIME_WAIT_FULL, "time_wait_full")                                   \
	X(TABLE_FULL, "listener_table_full")

enum watch_cause {
#define WATCH_CAUSE_ENUM(id, name) WATCH_CAUSE_##id,
	WATCH_CAUSES(WATCH_CAUSE_ENUM)
#undef WATCH_CAUSE_ENUM
	WATCH_CAUSE__COUNT
};

const char *watch_cause_name(enum watch_cause c);
const char *watch_severity_name(enum watch_severity s);

#define WATCH_WARNINGS_MAX 64

struct watch_warning {
	enum watch_cause cause;
	enum watch_severity severity;
	int32_t listener;   /* index into the frame's listeners, -1: host-wide */
	char text[200];     /* what is happening */
	char knob[200];     /* why, and what to turn */
};

struct watch_frame {
	int64_t wall_ms;            /* CLOCK_REALTIME at the sample */
	double interval_s;          /* since the previous sample; 0: none */
	double established_age_s;   /* since ESTABLISHED were last counted */
	const char *netns;          /* name given to --netns, or NULL */
	struct watch_mib mib;
	struct watch_mib mib_prev;  /* meaningful when interval_s > 0 */
	struct watch_sysctls sysctl;
	struct watch_sockstat sockstat;
	const struct watch_listeners *listeners;
	uint64_t diag_bad;          /* netlink messages that did not decode */
	/* The watcher itself. */
	uint64_t refresh;           /* 1 for the first sample */
	uint64_t rss_kib;           /* resident memory after the sample */
	double sample_ms;           /* wall time the sample took */
	/* Filled by watch_diagnose(). */
	struct watch_warning warnings[WATCH_WARNINGS_MAX];
	size_t n_warnings;
	uint64_t warnings_dropped;
};

/* The change of a counter over the interval and its rate per second.
 * Returns 0 (and sets nothing) when there is no previous sample or the
 * counter is missing from either. */
int watch_frame_rate(const struct watch_frame *f, enum watch_mib_id id,
                     uint64_t *delta, double *per_s);

/* Apply the rules to the frame: fills warnings. Pure. */
void watch_diagnose(struct watch_frame *f);

#endif
