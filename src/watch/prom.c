/* SPDX-License-Identifier: BSD-2-Clause */
/* synq watch --prom: Prometheus text exposition format 0.0.4.
 *
 * Names follow Prometheus conventions: a synq_ prefix, snake case, base
 * units, and _total on counters. Per-listener gauges carry the labels
 * family, addr and port, plus member: the position within an SO_REUSEPORT
 * group (0 for a listener alone on its address and port), so that every
 * series is unique. Rates are left to the scraper (rate()). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "watch/format.h"

static void label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*s, out);
	}
}

static void family_header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct listener_gauge {
	const char *name;
	const char *help;
};

static const struct listener_gauge gauges[] = {
	{ "synq_listen_queue_length",
	  "Connections in the accept queue, waiting for accept() (ss Recv-Q, sk_ack_backlog)." },
	{ "synq_listen_queue_limit",
	  "Accept queue limit: the listen() backlog after the somaxconn clamp (ss Send-Q); "
	  "full above it." },
	{ "synq_listen_syn_recv",
	  "Half-open (SYN-RECV) connections on this address and port." },
	{ "synq_listen_established",
	  "ESTABLISHED connections on this address and port, queued or accepted, as of "
	  "synq_listen_established_age_seconds ago." },
	{ "synq_listen_defer_accept_seconds",
	  "TCP_DEFER_ACCEPT as read back with getsockopt(); absent where not readable." },
};

static uint64_t listener_value(const struct watch_listener *l, size_t which, int *present)
{
	*present = 1;
	switch (which) {
	case 0:
		return l->accept_queue;
	case 1:
		return l->accept_queue_limit;
	case 2:
		return l->syn_recv;
	case 3:
		*present = l->established != WATCH_COUNT_UNKNOWN;
		return l->established;
	default:
		*present = l->defer_accept_s >= 0;
		return *present ? (uint64_t)l->defer_accept_s : 0;
	}
}

/* family="ipv4",addr="...",port="80",member="0" (no braces). */
static void listener_labels(FILE *out, const struct watch_listeners *t, size_t i)
{
	const struct watch_listener *l = &t->v[i];
	char addr[64];
	watch_addr_format(&l->local, addr, sizeof addr);
	/* Position within the SO_REUSEPORT group: members before i with the same head. */
	unsigned member = 0;
	if (l->sharing > 1 && t->group)
		for (size_t j = 0; j < i; j++)
			member += t->group[j] == t->group[i];
	fprintf(out, "family=\"%s\",addr=\"", l->local.family == AF_INET6 ? "ipv6" : "ipv4");
	label_value(out, addr);
	fprintf(out, "\",port=\"%u\",member=\"%u\"", l->local.port, member);
}

int watch_prom_write(FILE *out, const struct watch_frame *f)
{
	const struct watch_listeners *t = f->listeners;
	for (size_t g = 0; g < sizeof gauges / sizeof gauges[0]; g++) {
		family_header(out, gauges[g].name, "gauge", gauges[g].help);
		for (size_t i = 0; i < t->n; i++) {
			int present;
			uint64_t v = listener_value(&t->v[i], g, &present);
			if (!present)
				continue;
			fprintf(out, "%s{", gauges[g].name);
			listener_labels(out, t, i);
			fprintf(out, "} %" PRIu64 "\n", v);
		}
	}

	for (int id = 0; id < WATCH_MIB__COUNT; id++) {
		if (!(f->mib.present & (1u << id)))
			continue;
		const struct watch_mib_info *info = watch_mib_info((enum watch_mib_id)id);
		char help[96];
		snprintf(help, sizeof help, "Linux MIB %s (nstat name), this network namespace.",
		         info->nstat_name);
		family_header(out, info->prom_name, info->gauge ? "gauge" : "counter", help);
		fprintf(out, "%s %" PRIu64 "\n", info->prom_name, f->mib.value[id]);
	}

	family_header(out, "synq_listen_established_age_seconds", "gauge",
	              "Seconds since ESTABLISHED sockets were last counted.");
	fprintf(out, "synq_listen_established_age_seconds %.3f\n", f->established_age_s);

	family_header(out, "synq_sysctl", "gauge",
	              "Listen-path sysctls of this network namespace, by name.");
	for (int id = 0; id < WATCH_SYSCTL__COUNT; id++)
		if (f->sysctl.present & (1u << id))
			fprintf(out, "synq_sysctl{name=\"%s\"} %" PRId64 "\n",
			        watch_sysctl_name((enum watch_sysctl_id)id), f->sysctl.value[id]);

	if (f->sockstat.present) {
		family_header(out, "synq_tcp_time_wait_sockets", "gauge",
		              "TIME-WAIT sockets (/proc/net/sockstat tw).");
		fprintf(out, "synq_tcp_time_wait_sockets %" PRIu64 "\n", f->sockstat.tw);
	}
	family_header(out, "synq_listeners", "gauge",
	              "Listening sockets seen in the last dump, before any port filter.");
	fprintf(out, "synq_listeners %" PRIu64 "\n", t->listen_total);
	family_header(out, "synq_listeners_not_shown", "gauge",
	              "Listeners beyond synq watch's table capacity in the last dump.");
	fprintf(out, "synq_listeners_not_shown %" PRIu64 "\n", t->overflow);

	family_header(out, "synq_warning", "gauge",
	              "1 for each diagnosis synq watch makes now (cause, severity, listener).");
	for (size_t i = 0; i < f->n_warnings; i++) {
		const struct watch_warning *w = &f->warnings[i];
		fprintf(out, "synq_warning{cause=\"%s\",severity=\"%s\"", watch_cause_name(w->cause),
		        watch_severity_name(w->severity));
		if (w->listener >= 0) {
			fputc(',', out);
			listener_labels(out, t, (size_t)w->listener);
		}
		fputs("} 1\n", out);
	}
	family_header(out, "synq_warnings_not_shown", "gauge",
	              "Diagnoses beyond the table of warnings.");
	fprintf(out, "synq_warnings_not_shown %" PRIu64 "\n", f->warnings_dropped);
	return ferror(out) ? -1 : 0;
}
