/* SPDX-License-Identifier: BSD-2-Clause */
/* The status pages.
 *
 * /server-status?auto is Apache 2.4's machine-readable form, line for
 * line in mod_status's order (checked against Debian's Apache 2.4.71), so
 * that existing readers (prometheus-apache-exporter, collectd, munin) take
 * it as Apache's: the server name, ServerVersion, ServerMPM, the times,
 * the totals, BusyWorkers/GracefulWorkers/IdleWorkers, the event MPM's
 * Processes/Stopping/Conns* lines, and Scoreboard last. Fields synq cannot
 * know without a system call (load averages, CPU times) read 0; the
 * server never calls getloadavg() or getrusage() because it never makes a
 * system call outside its socket backend.
 *
 * /server-status is the HTML page with the same figures, the scoreboard
 * grid (64 slots a line), the key, and with ExtendedStatus a row per slot
 * that has served.
 *
 * /nginx_status is nginx's stub_status (ngx_http_stub_status_handler()),
 * trailing spaces included: Active connections, accepts handled requests,
 * Reading Writing Waiting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app/httpd_internal.h"

/* three dotted parts: readers such as apache_exporter split "NAME/A.B.C" */
#define SYNQ_HTTPD_VERSION "synq-httpd/0.1.0 (synq)"

struct out {
	char *buf;
	size_t len;
	size_t cap;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void uptime_words(struct out *o, uint64_t secs)
{
	unsigned s = (unsigned)(secs % 60), m = (unsigned)(secs / 60 % 60);
	unsigned hr = (unsigned)(secs / 3600 % 24), d = (unsigned)(secs / 86400);
	if (d)
		put(o, " %u day%s", d, d == 1 ? "" : "s");
	if (hr)
		put(o, " %u hour%s", hr, hr == 1 ? "" : "s");
	if (m)
		put(o, " %u minute%s", m, m == 1 ? "" : "s");
	if (s)
		put(o, " %u second%s", s, s == 1 ? "" : "s");
}

static const char *mpm_name(const struct synq_httpd *h)
{
	return h->cfg.mpm == SYNQ_HTTPD_EVENT ? "event" : "prefork";
}

static void page_auto(const struct synq_httpd *h, synq_time_t now, struct out *o)
{
	struct synq_httpd_counters c;
	synq_httpd_counters(h, &c);
	char cur[64], restart[64];
	httpd_fmt_status_date(httpd_unix_s(h, now), cur, sizeof cur);
	httpd_fmt_status_date(httpd_unix_s(h, h->started), restart, sizeof restart);
	uint64_t up = (uint64_t)((now - h->started) / SYNQ_SEC(1));
	put(o, "%s\n", h->cfg.server_name);
	put(o, "ServerVersion: %s\nServerMPM: %s\nServer Built: synq\n", SYNQ_HTTPD_VERSION,
	    mpm_name(h));
	put(o, "CurrentTime: %s\nRestartTime: %s\n", cur, restart);
	put(o, "ParentServerConfigGeneration: 1\nParentServerMPMGeneration: 0\n");
	put(o, "ServerUptimeSeconds: %llu\nServerUptime:", (unsigned long long)up);
	uptime_words(o, up);
	put(o, "\nLoad1: 0.00\nLoad5: 0.00\nLoad15: 0.00\n");
	put(o, "Total Accesses: %llu\nTotal kBytes: %llu\nTotal Duration: %llu\n",
	    (unsigned long long)c.accesses, (unsigned long long)(c.bytes_sent >> 10),
	    (unsigned long long)c.duration_ms);
	put(o, "CPUUser: 0\nCPUSystem: 0\nCPUChildrenUser: 0\nCPUChildrenSystem: 0\n");
	put(o, "Uptime: %llu\n", (unsigned long long)up);
	double upd = up ? (double)up : 1.0;
	put(o, "ReqPerSec: %g\nBytesPerSec: %g\n", (double)c.accesses / upd,
	    (double)c.bytes_sent / upd);
	if (c.accesses) {
		put(o, "BytesPerReq: %g\nDurationPerReq: %g\n",
		    (double)c.bytes_sent / (double)c.accesses,
		    (double)c.duration_ms / (double)c.accesses);
	}
	put(o, "BusyWorkers: %u\nGracefulWorkers: %u\nIdleWorkers: %u\n", c.busy_workers,
	    c.by_state['G'], c.idle_workers);
	if (h->cfg.mpm == SYNQ_HTTPD_EVENT) {
		put(o, "Processes: %u\nStopping: 0\nConnsTotal: %u\nConnsAsyncWaitIO: 0\n",
		    h->cfg.worker_processes, c.conns_total);
		put(o, "ConnsAsyncWriting: 0\nConnsAsyncKeepAlive: %u\nConnsAsyncClosing: %u\n",
		    c.conns_async_keepalive, c.conns_async_closing);
	}
	put(o, "Scoreboard: ");
	for (uint32_t i = 0; i < h->nslots; i++)
		put(o, "%c", h->slots[i].state);
	put(o, "\n");
}

static void html_escape(struct out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': put(o, "&lt;"); break;
		case '>': put(o, "&gt;"); break;
		case '&': put(o, "&amp;"); break;
		case '"': put(o, "&quot;"); break;
		default: put(o, "%c", *s); break;
		}
	}
}

static void page_html(const struct synq_httpd *h, synq_time_t now, struct out *o)
{
	struct synq_httpd_counters c;
	synq_httpd_counters(h, &c);
	char cur[64], restart[64];
	httpd_fmt_status_date(httpd_unix_s(h, now), cur, sizeof cur);
	httpd_fmt_status_date(httpd_unix_s(h, h->started), restart, sizeof restart);
	uint64_t up = (uint64_t)((now - h->started) / SYNQ_SEC(1));
	double upd = up ? (double)up : 1.0;
	put(o, "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" "
	       "\"http://www.w3.org/TR/html4/strict.dtd\">\n<html><head>\n"
	       "<title>Apache Status</title>\n</head><body>\n");
	put(o, "<h1>Apache Server Status for %s (via synq)</h1>\n\n", h->cfg.server_name);
	put(o, "<dl><dt>Server Version: %s</dt>\n<dt>Server MPM: %s</dt>\n"
	       "<dt>Server Built: synq\n</dt></dl><hr /><dl>\n", SYNQ_HTTPD_VERSION, mpm_name(h));
	put(o, "<dt>Current Time: %s</dt>\n<dt>Restart Time: %s</dt>\n", cur, restart);
	put(o, "<dt>Parent Server Config. Generation: 1</dt>\n"
	       "<dt>Parent Server MPM Generation: 0</dt>\n<dt>Server uptime: ");
	uptime_words(o, up);
	put(o, "</dt>\n<dt>Server load: 0.00 0.00 0.00</dt>\n");
	put(o, "<dt>Total accesses: %llu - Total Traffic: %llu kB - Total Duration: %llu</dt>\n",
	    (unsigned long long)c.accesses, (unsigned long long)(c.bytes_sent >> 10),
	    (unsigned long long)c.duration_ms);
	put(o, "<dt>%g requests/sec - %g B/second", (double)c.accesses / upd,
	    (double)c.bytes_sent / upd);
	if (c.accesses)
		put(o, " - %g B/request - %g ms/request",
		    (double)c.bytes_sent / (double)c.accesses,
		    (double)c.duration_ms / (double)c.accesses);
	put(o, "</dt>\n<dt>%u requests currently being processed, %u workers gracefully "
	       "restarting, %u idle workers</dt>\n</dl>",
	    c.busy_workers, c.by_state['G'], c.idle_workers);
	if (h->cfg.mpm == SYNQ_HTTPD_EVENT)
		put(o, "\n<p>Connections: total %u, keep-alive %u, closing %u, waiting for a "
		       "worker %u</p>\n", c.conns_total, c.conns_async_keepalive,
		    c.conns_async_closing, c.conns_queued);
	put(o, "<pre>");
	for (uint32_t i = 0; i < h->nslots; i++) {
		put(o, "%c", h->slots[i].state);
		if (i % 64 == 63 && i + 1 < h->nslots)
			put(o, "\n");
	}
	put(o, "</pre>\n<p>Scoreboard Key:<br />\n"
	       "\"<b><code>_</code></b>\" Waiting for Connection, \n"
	       "\"<b><code>S</code></b>\" Starting up, \n"
	       "\"<b><code>R</code></b>\" Reading Request,<br />\n"
	       "\"<b><code>W</code></b>\" Sending Reply, \n"
	       "\"<b><code>K</code></b>\" Keepalive (read), \n"
	       "\"<b><code>D</code></b>\" DNS Lookup,<br />\n"
	       "\"<b><code>C</code></b>\" Closing connection, \n"
	       "\"<b><code>L</code></b>\" Logging, \n"
	       "\"<b><code>G</code></b>\" Gracefully finishing,<br /> \n"
	       "\"<b><code>I</code></b>\" Idle cleanup of worker, \n"
	       "\"<b><code>.</code></b>\" Open slot with no current process<br />\n</p>\n");
	if (h->cfg.extended_status) {
		put(o, "\n<table border=\"0\"><tr><th>Srv</th><th>Acc</th><th>M</th><th>SS</th>"
		       "<th>Req</th><th>Dur</th><th>Conn</th><th>Slot</th><th>Client</th>"
		       "<th>Request</th></tr>\n");
		for (uint32_t i = 0; i < h->nslots; i++) {
			const struct httpd_slot *s = &h->slots[i];
			if (s->accesses == 0 && s->conn == HTTPD_NONE)
				continue;
			long long ss = s->accesses ? (long long)((now - s->last_req_start) /
			                                         SYNQ_SEC(1)) : 0;
			put(o, "<tr><td><b>%u-0</b></td><td>%u/%llu/%llu</td><td>%c</td><td>%lld"
			       "</td><td>%u</td><td>%llu</td><td>%.1f</td><td>%.2f</td>"
			       "<td>%u.%u.%u.%u</td><td nowrap>",
			    i, s->conn_accesses, (unsigned long long)s->accesses,
			    (unsigned long long)s->accesses, s->state, ss, s->last_req_ms,
			    (unsigned long long)s->duration_ms, (double)s->conn_bytes / 1024.0,
			    (double)s->bytes / 1048576.0, s->client >> 24, (s->client >> 16) & 255,
			    (s->client >> 8) & 255, s->client & 255);
			html_escape(o, s->request);
			put(o, "</td></tr>\n");
		}
		put(o, "</table>\n");
	}
	put(o, "</body></html>\n");
}

static void page_nginx(const struct synq_httpd *h, struct out *o)
{
	struct synq_httpd_counters c;
	synq_httpd_counters(h, &c);
	put(o, "Active connections: %u \nserver accepts handled requests\n %llu %llu %llu \n"
	       "Reading: %u Writing: %u Waiting: %u \n",
	    c.conns_total, (unsigned long long)c.accepts, (unsigned long long)c.handled,
	    (unsigned long long)c.requests, c.conns_reading, c.conns_writing, c.conns_waiting);
}

size_t synq_httpd_page(const struct synq_httpd *h, enum synq_httpd_page page,
                       synq_time_t now, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = 0, .cap = len };
	switch (page) {
	case SYNQ_HTTPD_PAGE_STATUS_AUTO: page_auto(h, now, &o); break;
	case SYNQ_HTTPD_PAGE_STATUS_HTML: page_html(h, now, &o); break;
	case SYNQ_HTTPD_PAGE_NGINX: page_nginx(h, &o); break;
	}
	if (len > 0)
		buf[o.len < len ? o.len : len - 1] = '\0';
	return o.len;
}
