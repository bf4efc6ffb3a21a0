/* SPDX-License-Identifier: BSD-2-Clause */
/* The diagnosis: which part of the listen path is losing connections,
 * why, and which knob moves it. Each rule reads the frame the way Linux
 * 6.x decides, and names the kernel function it mirrors.
 *
 * Per listener (state, exact at the moment of the sample):
 *   accept queue full    length > limit: sk_acceptq_is_full(). New SYNs are
 *                        dropped even when cookies would be sent, and final
 *                        ACKs too (tcp_conn_request(), tcp_v4_syn_recv_sock());
 *                        with tcp_abort_on_overflow = 1 the client gets RST.
 *                        The fix is the application accepting faster; the
 *                        knob is the backlog, clamped by somaxconn.
 *   accept queue filling length >= 3/4 of the limit.
 *   SYN flood            half-open count > limit: inet_csk_reqsk_queue_is_full().
 *                        With tcp_syncookies >= 1 further SYNs get cookies
 *                        (TCPReqQFullDoCookies, SyncookiesSent); with 0 they
 *                        are dropped (TCPReqQFullDrop). The request queue
 *                        holds backlog + 1 entries, each kept for up to
 *                        tcp_synack_retries resends (63 s at the default 5).
 *   SYN queue half full  2 * half-open > max(8, limit): reqsk_timer_handler()
 *                        starts giving old requests fewer SYN-ACK resends.
 * Host-wide (rates over the interval; the counters are per namespace and do
 * not say which listener, so a rate is pinned on a listener only when that
 * listener's state explains it):
 *   cookies sent or SYNs dropped on a full SYN queue with no queue full now
 *   ListenOverflows with no accept queue full now (bursts between samples)
 *   ListenDrops not explained by ListenOverflows and TCPReqQFullDrop: the
 *     tcp_max_syn_backlog rule (tcp_syncookies = 0), no route, no memory
 *   SyncookiesFailed, EmbryonicRsts, TCPAbortOnData, TCPDeferAcceptDrop,
 *   TCPTimeWaitOverflow and a TIME-WAIT count near tcp_max_tw_buckets. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "watch/format.h"
#include "watch/frame.h"

static const char *const cause_names[WATCH_CAUSE__COUNT] = {
#define WATCH_CAUSE_NAME(id, name) [WATCH_CAUSE_##id] = name,
	WATCH_CAUSES(WATCH_CAUSE_NAME)
#undef WATCH_CAUSE_NAME
};

const char *watch_cause_name(enum watch_cause c)
{
	return (unsigned)c < WATCH_CAUSE__COUNT ? cause_names[c] : "?";
}

const char *watch_severity_name(enum watch_severity s)
{
	switch (s) {
	case WATCH_SEV_CRITICAL:
		return "critical";
	case WATCH_SEV_WARNING:
		return "warning";
	case WATCH_SEV_INFO:
		break;
	}
	return "info";
}

int watch_frame_rate(const struct watch_frame *f, enum watch_mib_id id, uint64_t *delta,
                     double *per_s)
{
	if (!(f->interval_s > 0))
		return 0;
	int ok;
	uint64_t d = watch_mib_delta(&f->mib, &f->mib_prev, id, &ok);
	if (!ok)
		return 0;
	if (delta)
		*delta = d;
	if (per_s)
		*per_s = (double)d / f->interval_s;
	return 1;
}

/* The rate of a counter, 0 when unknown. */
static double rate(const struct watch_frame *f, enum watch_mib_id id)
{
	double r = 0;
	return watch_frame_rate(f, id, NULL, &r) ? r : 0;
}

static struct watch_warning *warn(struct watch_frame *f, enum watch_cause cause,
                                  enum watch_severity sev, int32_t listener)
{
	if (f->n_warnings == WATCH_WARNINGS_MAX) {
		f->warnings_dropped++;
		return NULL;
	}
	struct watch_warning *w = &f->warnings[f->n_warnings++];
	memset(w, 0, sizeof *w);
	w->cause = cause;
	w->severity = sev;
	w->listener = listener;
	return w;
}

__attribute__((format(printf, 3, 4)))
static void put(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
}

#define PUT(field, ...) put((field), sizeof(field), __VA_ARGS__)

struct knobs {
	long long somaxconn, syncookies, synack_retries, abort_on_overflow;
	long long max_syn_backlog, max_tw_buckets;
};

static struct knobs read_knobs(const struct watch_frame *f)
{
	const struct watch_sysctls *s = &f->sysctl;
	/* Fallbacks are Linux 6.x defaults (tcp_sk_init()). */
	return (struct knobs){
		.somaxconn = watch_sysctl_get(s, WATCH_SYSCTL_SOMAXCONN, 4096),
		.syncookies = watch_sysctl_get(s, WATCH_SYSCTL_TCP_SYNCOOKIES, 1),
		.synack_retries = watch_sysctl_get(s, WATCH_SYSCTL_TCP_SYNACK_RETRIES, 5),
		.abort_on_overflow = watch_sysctl_get(s, WATCH_SYSCTL_TCP_ABORT_ON_OVERFLOW, 0),
		.max_syn_backlog = watch_sysctl_get(s, WATCH_SYSCTL_TCP_MAX_SYN_BACKLOG, 2048),
		.max_tw_buckets = watch_sysctl_get(s, WATCH_SYSCTL_TCP_MAX_TW_BUCKETS, -1),
	};
}

static bool accept_full(const struct watch_listener *l)
{
	return l->accept_queue > l->accept_queue_limit; /* sk_acceptq_is_full() */
}

/* inet_csk_reqsk_queue_is_full(): qlen > sk_max_ack_backlog. An
 * SO_REUSEPORT group's half-open sockets are counted together, so the group
 * is full when it holds (limit + 1) per member. */
static bool syn_full(const struct watch_listener *l)
{
	uint64_t room = ((uint64_t)l->accept_queue_limit + 1) * (l->sharing ? l->sharing : 1);
	return l->syn_recv >= room;
}

static bool first_of_group(const struct watch_listeners *t, size_t i)
{
	return t->group == NULL || t->group[i] == i;
}

static void rate_text(char *buf, size_t cap, double v)
{
	watch_rate_format(v, buf, cap);
}

static void diagnose_accept_queue(struct watch_frame *f, const struct knobs *k,
                                  size_t i, size_t n_accept_full)
{
	const struct watch_listener *l = &f->listeners->v[i];
	char name[64], r[16];
	if (accept_full(l) || (l->accept_queue > 0 && 4 * (uint64_t)l->accept_queue >=
	                                                  3 * (uint64_t)l->accept_queue_limit))
		watch_endpoint_format(&l->local, name, sizeof name);
	if (accept_full(l)) {
		struct watch_warning *w = warn(f, WATCH_CAUSE_ACCEPT_QUEUE_FULL,
		                               WATCH_SEV_CRITICAL, (int32_t)i);
		if (w == NULL)
			return;
		PUT(w->text, "accept queue full on %s (%u/%u) — the application is not "
		             "accepting fast enough",
		    name, l->accept_queue, l->accept_queue_limit);
		double ov = rate(f, WATCH_MIB_LISTEN_OVERFLOWS);
		if (ov > 0 && n_accept_full == 1) {
			rate_text(r, sizeof r, ov);
			PUT(w->text, "; overflows %s/s", r);
		}
		if (k->abort_on_overflow)
			PUT(w->text, "; tcp_abort_on_overflow=1 resets those clients");
		else
			PUT(w->text, "; new SYNs are dropped, final ACKs ignored and "
			             "SYN-ACKs resent (tcp_synack_retries=%lld)",
			    k->synack_retries);
		if ((long long)l->accept_queue_limit < k->somaxconn)
			PUT(w->knob, "backlog %u < somaxconn %lld: raise the listen() backlog, "
			             "or accept faster",
			    l->accept_queue_limit, k->somaxconn);
		else
			PUT(w->knob, "backlog %u = somaxconn %lld: raise net.core.somaxconn and "
			             "the listen() backlog, or accept faster",
			    l->accept_queue_limit, k->somaxconn);
	} else if (l->accept_queue > 0 &&
	           4 * (uint64_t)l->accept_queue >= 3 * (uint64_t)l->accept_queue_limit) {
		struct watch_warning *w = warn(f, WATCH_CAUSE_ACCEPT_QUEUE_FILLING,
		                               WATCH_SEV_WARNING, (int32_t)i);
		if (w == NULL)
			return;
		PUT(w->text, "accept queue on %s at %u/%u — the application is falling behind",
		    name, l->accept_queue, l->accept_queue_limit);
		PUT(w->knob, "it overflows at %u (limit + 1); backlog %u, somaxconn %lld",
		    l->accept_queue_limit + 1, l->accept_queue_limit, k->somaxconn);
	}
}

static void diagnose_syn_queue(struct watch_frame *f, const struct knobs *k, size_t i,
                               size_t n_syn_full)
{
	const struct watch_listener *l = &f->listeners->v[i];
	if (!first_of_group(f->listeners, i))
		return;
	char name[64], r[16];
	if (l->syn_recv == 0)
		return;
	watch_endpoint_format(&l->local, name, sizeof name);
	uint64_t limit = (uint64_t)l->accept_queue_limit * l->sharing;
	if (syn_full(l)) {
		struct watch_warning *w = warn(f, WATCH_CAUSE_SYN_FLOOD, WATCH_SEV_CRITICAL,
		                               (int32_t)i);
		if (w == NULL)
			return;
		PUT(w->text, "SYN flood on %s — SYN queue full (%u half-open, limit %llu)", name,
		    l->syn_recv, (unsigned long long)limit);
		double cookies = rate(f, WATCH_MIB_SYNCOOKIES_SENT);
		double dropped = rate(f, WATCH_MIB_REQQ_FULL_DROP);
		if (n_syn_full == 1 && cookies > 0) {
			rate_text(r, sizeof r, cookies);
			PUT(w->text, ", cookies sent %s/s", r);
		}
		if (n_syn_full == 1 && dropped > 0) {
			rate_text(r, sizeof r, dropped);
			PUT(w->text, ", SYNs dropped %s/s", r);
		}
		if (k->syncookies)
			PUT(w->knob, "tcp_syncookies=%lld answers the overflow with cookies; "
			             "a bigger listen() backlog (somaxconn %lld) holds more, "
			             "fewer tcp_synack_retries (%lld) frees slots sooner",
			    k->syncookies, k->somaxconn, k->synack_retries);
		else
			PUT(w->knob, "tcp_syncookies=0 drops SYNs past the queue: set "
			             "net.ipv4.tcp_syncookies=1; fewer tcp_synack_retries (%lld) "
			             "frees slots sooner",
			    k->synack_retries);
	} else {
		uint64_t trigger = limit > 8 ? limit : 8;
		if (2 * (uint64_t)l->syn_recv <= trigger)
			return;
		struct watch_warning *w = warn(f, WATCH_CAUSE_SYN_QUEUE_PRUNING, WATCH_SEV_INFO,
		                               (int32_t)i);
		if (w == NULL)
			return;
		PUT(w->text, "SYN queue on %s over half full (%u half-open, limit %llu)", name,
		    l->syn_recv, (unsigned long long)limit);
		PUT(w->knob, "old requests now get fewer than tcp_synack_retries=%lld resends; "
		             "clients that never finish the handshake look like this",
		    k->synack_retries);
	}
}

static void host_wide(struct watch_frame *f, const struct knobs *k, size_t n_accept_full,
                      size_t n_syn_full)
{
	char r[16];
	struct watch_warning *w;
	double cookies = rate(f, WATCH_MIB_SYNCOOKIES_SENT);
	double reqq_drop = rate(f, WATCH_MIB_REQQ_FULL_DROP);
	if (n_syn_full == 0 && k->syncookies != 2 && cookies > 0 &&
	    (w = warn(f, WATCH_CAUSE_SYN_FLOOD, WATCH_SEV_WARNING, -1))) {
		rate_text(r, sizeof r, cookies);
		PUT(w->text, "SYN flood — cookies sent %s/s; no SYN queue is full at this moment",
		    r);
		PUT(w->knob, "a SYN queue overflowed since the last refresh; "
		             "tcp_syncookies=%lld is answering it",
		    k->syncookies);
	}
	if (n_syn_full == 0 && reqq_drop > 0 &&
	    (w = warn(f, WATCH_CAUSE_SYN_FLOOD, WATCH_SEV_CRITICAL, -1))) {
		rate_text(r, sizeof r, reqq_drop);
		PUT(w->text, "SYN flood — SYNs dropped on a full SYN queue %s/s", r);
		PUT(w->knob, "tcp_syncookies=%lld: set net.ipv4.tcp_syncookies=1", k->syncookies);
	}
	double overflows = rate(f, WATCH_MIB_LISTEN_OVERFLOWS);
	if (n_accept_full == 0 && overflows > 0 &&
	    (w = warn(f, WATCH_CAUSE_LISTEN_OVERFLOWS, WATCH_SEV_WARNING, -1))) {
		rate_text(r, sizeof r, overflows);
		PUT(w->text, "accept queue overflows %s/s — a listener fills in bursts between "
		             "refreshes",
		    r);
		PUT(w->knob, "accept faster or raise that listener's backlog (somaxconn %lld)",
		    k->somaxconn);
	}
	uint64_t drops = 0, ov = 0, qd = 0;
	if (watch_frame_rate(f, WATCH_MIB_LISTEN_DROPS, &drops, NULL) &&
	    watch_frame_rate(f, WATCH_MIB_LISTEN_OVERFLOWS, &ov, NULL)) {
		(void)watch_frame_rate(f, WATCH_MIB_REQQ_FULL_DROP, &qd, NULL);
		if (drops > ov + qd &&
		    (w = warn(f, WATCH_CAUSE_SYN_DROPS_OTHER, WATCH_SEV_WARNING, -1))) {
			rate_text(r, sizeof r, (double)(drops - ov - qd) / f->interval_s);
			PUT(w->text, "SYNs dropped at listeners for other reasons %s/s", r);
			if (k->syncookies == 0)
				PUT(w->knob, "tcp_syncookies=0: a queue past 3/4 of "
				             "tcp_max_syn_backlog (%lld) drops SYNs from unknown "
				             "peers; set tcp_syncookies=1 or raise it",
				    k->max_syn_backlog);
			else
				PUT(w->knob, "no route back to the client, or memory pressure "
				             "(ListenDrops beyond ListenOverflows and "
				             "TCPReqQFullDrop)");
		}
	}
	double failed = rate(f, WATCH_MIB_SYNCOOKIES_FAILED);
	if (failed > 0 && (w = warn(f, WATCH_CAUSE_COOKIES_FAILED, WATCH_SEV_WARNING, -1))) {
		rate_text(r, sizeof r, failed);
		PUT(w->text, "ACKs with a bad or expired SYN cookie %s/s", r);
		PUT(w->knob, "an ACK flood, or clients slower than a cookie's life "
		             "(60-120 s); each is answered with RST");
	}
	double emb = rate(f, WATCH_MIB_EMBRYONIC_RSTS);
	if (emb > 0) {
		w = warn(f, WATCH_CAUSE_EMBRYONIC_RSTS,
		         k->abort_on_overflow ? WATCH_SEV_CRITICAL : WATCH_SEV_INFO, -1);
		if (w) {
			rate_text(r, sizeof r, emb);
			if (k->abort_on_overflow) {
				PUT(w->text, "clients reset on a full accept queue %s/s", r);
				PUT(w->knob, "tcp_abort_on_overflow=1: set it to 0 to let "
				             "them retry, and accept faster");
			} else {
				PUT(w->text, "RSTs sent to half-open connections %s/s", r);
				PUT(w->knob, "bad segments for SYN-RECV requests (stray SYNs "
				             "or RSTs, tcp_check_req())");
			}
		}
	}
	double aod = rate(f, WATCH_MIB_ABORT_ON_DATA);
	if (aod > 0 && (w = warn(f, WATCH_CAUSE_ABORT_ON_DATA, WATCH_SEV_INFO, -1))) {
		rate_text(r, sizeof r, aod);
		PUT(w->text, "connections reset with unread data %s/s", r);
		PUT(w->knob, "the application closes before reading all the request (read "
		             "timeouts on idle clients do this); clients see RST");
	}
	double dad = rate(f, WATCH_MIB_DEFER_ACCEPT_DROP);
	if (dad > 0 && (w = warn(f, WATCH_CAUSE_DEFER_ACCEPT_DROPS, WATCH_SEV_INFO, -1))) {
		rate_text(r, sizeof r, dad);
		int32_t only = -1;
		size_t n_defer = 0;
		for (size_t i = 0; i < f->listeners->n; i++)
			if (f->listeners->v[i].defer_accept_s > 0) {
				n_defer++;
				only = (int32_t)i;
			}
		if (n_defer == 1) {
			char name[64];
			w->listener = only;
			watch_endpoint_format(&f->listeners->v[only].local, name, sizeof name);
			PUT(w->text, "TCP_DEFER_ACCEPT on %s held back %s bare ACKs/s", name, r);
		} else {
			PUT(w->text, "TCP_DEFER_ACCEPT held back %s bare ACKs/s", r);
		}
		PUT(w->knob, "clients that connect and send nothing wait in SYN-RECV, "
		             "not in the application; they are queued data-less when the "
		             "defer period ends");
	}
	double two = rate(f, WATCH_MIB_TIME_WAIT_OVERFLOW);
	bool tw_near = f->sockstat.present && k->max_tw_buckets > 0 &&
	               10 * f->sockstat.tw >= 9 * (uint64_t)k->max_tw_buckets;
	if ((two > 0 || tw_near) &&
	    (w = warn(f, WATCH_CAUSE_TIME_WAIT_FULL, WATCH_SEV_WARNING, -1))) {
		PUT(w->text, "TIME-WAIT table %s (%llu of tcp_max_tw_buckets %lld)",
		    two > 0 ? "full" : "nearly full", (unsigned long long)f->sockstat.tw,
		    k->max_tw_buckets);
		if (two > 0) {
			rate_text(r, sizeof r, two);
			PUT(w->text, "; %s/s closes skip TIME-WAIT", r);
		}
		PUT(w->knob, "raise net.ipv4.tcp_max_tw_buckets, or let the clients close "
		             "first (TIME-WAIT stays with whoever closes first)");
	}
	if (f->listeners->overflow &&
	    (w = warn(f, WATCH_CAUSE_TABLE_FULL, WATCH_SEV_WARNING, -1))) {
		PUT(w->text, "%llu listeners not shown: the table holds %zu",
		    (unsigned long long)f->listeners->overflow, f->listeners->cap);
		PUT(w->knob, "synq watch --max-listeners N, or --port P");
	}
}

/* Most severe first, and within a severity a named listener before the
 * host-wide line; a stable insertion sort, so listeners keep dump order. */
static int rank(const struct watch_warning *w)
{
	return 2 * (int)w->severity + (w->listener >= 0);
}

static void sort_by_severity(struct watch_frame *f)
{
	for (size_t i = 1; i < f->n_warnings; i++) {
		struct watch_warning tmp = f->warnings[i];
		size_t j = i;
		while (j > 0 && rank(&f->warnings[j - 1]) < rank(&tmp)) {
			f->warnings[j] = f->warnings[j - 1];
			j--;
		}
		f->warnings[j] = tmp;
	}
}

void watch_diagnose(struct watch_frame *f)
{
	f->n_warnings = 0;
	f->warnings_dropped = 0;
	struct knobs k = read_knobs(f);
	const struct watch_listeners *t = f->listeners;
	size_t n_accept_full = 0, n_syn_full = 0;
	for (size_t i = 0; i < t->n; i++) {
		n_accept_full += accept_full(&t->v[i]);
		n_syn_full += syn_full(&t->v[i]) && first_of_group(t, i);
	}
	/* Host-wide rules first, so that thousands of full listeners cannot
	 * crowd them out of the bounded table; then most severe first. */
	host_wide(f, &k, n_accept_full, n_syn_full);
	for (size_t i = 0; i < t->n; i++)
		diagnose_accept_queue(f, &k, i, n_accept_full);
	for (size_t i = 0; i < t->n; i++)
		diagnose_syn_queue(f, &k, i, n_syn_full);
	sort_by_severity(f);
}
