/* SPDX-License-Identifier: BSD-2-Clause */
/* The terminal view: plain ANSI, no curses. A frame is written from the
 * top-left corner with every line cleared to its end and the rest of the
 * screen cleared after it, so it redraws in place without flicker; on a
 * pipe (in_place off) frames simply follow each other.
 *
 *   synq watch  netns lab  12:00:01  every 1.0 s  listeners 3
 *   somaxconn 4096  tcp_max_syn_backlog 2048  tcp_syncookies 1 ...
 *   ListenOverflows    1234  +12/s   ListenDrops ...
 *
 *   LISTENER        ACCEPT QUEUE                 SYN-RECV  ESTAB  DEFER  OWNER
 *   127.0.0.1:80    [####################]  5/4  FULL   0         5      -  nginx/812
 *
 *   !! accept queue full on 127.0.0.1:80 — the application is not ...
 *      -> backlog 4 < somaxconn 4096: raise the listen() backlog ...
 *
 * Rows go most urgent first (a full queue, then a filling one, then any
 * queue in use, then the rest), each group in dump order. When the screen
 * is short, warnings keep their lines and listeners are cut, with a count
 * of those not shown. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "watch/format.h"

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define GREEN "\033[32m"
#define CYAN "\033[36m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RESET "\033[0m"

struct term {
	FILE *out;
	const struct watch_term_opts *o;
	int width;
	int lines; /* written so far */
};

static const char *colour(const struct term *t, const char *code)
{
	return t->o->colour ? code : "";
}

static void end_line(struct term *t)
{
	if (t->o->in_place)
		fputs("\033[K", t->out);
	fputc('\n', t->out);
	t->lines++;
}

/* Columns a UTF-8 string takes (continuation bytes take none). */
static int columns(const char *s, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* Print text word-wrapped to the width, the first line after `lead` and
 * the others after `indent`; returns the lines used, at most max_lines. */
static int wrapped(struct term *t, const char *lead, const char *indent, const char *code,
                   const char *text, int max_lines)
{
	int used = 0, room = t->width - columns(indent, strlen(indent));
	if (room < 20)
		room = 20;
	const char *p = text;
	while (*p && used < max_lines) {
		size_t n = strlen(p), cut = n;
		if (columns(p, n) > room) {
			/* the last space within room columns */
			int c = 0;
			size_t last_space = 0, i = 0;
			for (; i < n && c < room; i++) {
				if (p[i] == ' ')
					last_space = i;
				c += ((unsigned char)p[i] & 0xc0) != 0x80;
			}
			cut = last_space ? last_space : i;
		}
		fprintf(t->out, "%s%s%.*s%s", used ? indent : lead, colour(t, code), (int)cut, p,
		        colour(t, RESET));
		end_line(t);
		used++;
		p += cut;
		while (*p == ' ')
			p++;
	}
	return used;
}

/* Items separated by two spaces, a new line where the next would not fit. */
struct row {
	struct term *t;
	int col;
};

__attribute__((format(printf, 2, 3)))
static void item(struct row *r, const char *fmt, ...)
{
	char text[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	int n = columns(text, strlen(text));
	if (r->col && r->col + 2 + n > r->t->width) {
		end_line(r->t);
		r->col = 0;
	}
	fprintf(r->t->out, "%s%s", r->col ? "  " : "", text);
	r->col += (r->col ? 2 : 0) + n;
}

static void header(struct term *t, const struct watch_frame *f)
{
	time_t secs = (time_t)(f->wall_ms / 1000);
	struct tm tm;
	char clock[16] = "?";
	if (localtime_r(&secs, &tm))
		strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	struct row r = { t, 0 };
	fprintf(t->out, "%ssynq watch%s", colour(t, BOLD), colour(t, RESET));
	r.col = 10;
	if (f->netns)
		item(&r, "netns %s", f->netns);
	item(&r, "%s", clock);
	if (f->interval_s > 0)
		item(&r, "every %.1f s", f->interval_s);
	if (f->listeners->port_filter)
		item(&r, "port %u: %zu listeners", f->listeners->port_filter, f->listeners->n);
	else
		item(&r, "listeners %" PRIu64, f->listeners->listen_total);
	item(&r, "half-open %" PRIu64, f->listeners->syn_recv_total);
	if (f->established_age_s >= 1)
		item(&r, "established %" PRIu64 " (%.0f s ago)", f->listeners->established_total,
		     f->established_age_s);
	else
		item(&r, "established %" PRIu64, f->listeners->established_total);
	end_line(t);

	r.col = 0;
	for (int id = 0; id < WATCH_SYSCTL__COUNT; id++) {
		if (!(f->sysctl.present & (1u << id)))
			continue;
		const char *name = watch_sysctl_name((enum watch_sysctl_id)id);
		const char *dot = strrchr(name, '.');
		item(&r, "%s %" PRId64, dot ? dot + 1 : name, f->sysctl.value[id]);
	}
	if (f->sockstat.present)
		item(&r, "TIME-WAIT %" PRIu64, f->sockstat.tw);
	end_line(t);
}

static void counters(struct term *t, const struct watch_frame *f)
{
	enum { CELL = 36 };
	int per_line = t->width / CELL;
	if (per_line < 1)
		per_line = 1;
	int in_line = 0;
	for (int id = 0; id < WATCH_MIB__COUNT; id++) {
		if (!(f->mib.present & (1u << id)))
			continue;
		const struct watch_mib_info *info = watch_mib_info((enum watch_mib_id)id);
		char cell[64], r[24] = "";
		double per_s = 0;
		int have = !info->gauge && watch_frame_rate(f, (enum watch_mib_id)id, NULL, &per_s);
		if (have) {
			char num[16];
			watch_rate_format(per_s, num, sizeof num);
			snprintf(r, sizeof r, "+%s/s", num);
		}
		snprintf(cell, sizeof cell, "%-20s %9" PRIu64, info->field, f->mib.value[id]);
		const char *code = have && per_s > 0 && id != WATCH_MIB_PASSIVE_OPENS ? RED : DIM;
		fprintf(t->out, "%s%s %s%-*s%s", in_line ? " " : "", cell, colour(t, code),
		        CELL - 2 - (int)strlen(cell), r, colour(t, RESET));
		if (++in_line == per_line) {
			end_line(t);
			in_line = 0;
		}
	}
	if (in_line)
		end_line(t);
}

enum { URGENT, FILLING, BUSY, IDLE };

static int urgency(const struct watch_listener *l)
{
	uint64_t syn_room = ((uint64_t)l->accept_queue_limit + 1) * (l->sharing ? l->sharing : 1);
	if (l->accept_queue > l->accept_queue_limit || l->syn_recv >= syn_room)
		return URGENT;
	if ((l->accept_queue && 4 * (uint64_t)l->accept_queue >= 3 * (uint64_t)l->accept_queue_limit) ||
	    2 * (uint64_t)l->syn_recv > (syn_room > 8 ? syn_room : 8))
		return FILLING;
	if (l->accept_queue || l->syn_recv)
		return BUSY;
	return IDLE;
}

static void bar(struct term *t, const struct watch_listener *l, int W)
{
	uint64_t cap = (uint64_t)l->accept_queue_limit + 1; /* full at limit + 1 */
	uint64_t len = l->accept_queue < cap ? l->accept_queue : cap;
	int fill = (int)((len * W + cap - 1) / cap);
	int u = urgency(l);
	const char *code = u == URGENT ? RED : u == FILLING ? YELLOW : GREEN;
	fprintf(t->out, "[%s", colour(t, code));
	for (int i = 0; i < W; i++)
		fputc(i < fill ? '#' : ' ', t->out);
	fprintf(t->out, "%s]", colour(t, RESET));
}

static void listener_row(struct term *t, const struct watch_listener *l, int ep_width,
                         int bar_width)
{
	char ep[64], q[32], owner[40], defer[16];
	watch_endpoint_format(&l->local, ep, sizeof ep);
	fprintf(t->out, "%-*s ", ep_width, ep);
	bar(t, l, bar_width);
	snprintf(q, sizeof q, "%u/%u", l->accept_queue, l->accept_queue_limit);
	bool afull = l->accept_queue > l->accept_queue_limit;
	uint64_t syn_room = ((uint64_t)l->accept_queue_limit + 1) * (l->sharing ? l->sharing : 1);
	bool sfull = l->syn_recv >= syn_room;
	fprintf(t->out, " %11s %s%-4s%s", q, colour(t, RED), afull ? "FULL" : "",
	        colour(t, RESET));
	fprintf(t->out, " %8u %s%-4s%s", l->syn_recv, colour(t, RED), sfull ? "FULL" : "",
	        colour(t, RESET));
	if (l->defer_accept_s >= 0)
		snprintf(defer, sizeof defer, "%ds", l->defer_accept_s);
	else
		snprintf(defer, sizeof defer, "-");
	if (l->pid > 0)
		snprintf(owner, sizeof owner, "%s/%d", l->comm, l->pid);
	else
		snprintf(owner, sizeof owner, "uid %u", l->uid);
	char estab[16] = "-";
	if (l->established != WATCH_COUNT_UNKNOWN)
		snprintf(estab, sizeof estab, "%u", l->established);
	fprintf(t->out, " %7s %5s  %s", estab, defer, owner);
	if (l->sharing > 1)
		fprintf(t->out, " (reuseport x%u)", l->sharing);
	end_line(t);
}

static int warning_lines(const struct watch_frame *f)
{
	return f->n_warnings ? 1 + 2 * (int)f->n_warnings + (f->warnings_dropped > 0) : 0;
}

static void warnings(struct term *t, const struct watch_frame *f, int max_lines)
{
	if (f->n_warnings == 0 || max_lines < 2)
		return;
	end_line(t);
	max_lines--;
	for (size_t i = 0; i < f->n_warnings && max_lines > 0; i++) {
		const struct watch_warning *w = &f->warnings[i];
		const char *code = w->severity == WATCH_SEV_CRITICAL  ? RED
		                   : w->severity == WATCH_SEV_WARNING ? YELLOW
		                                                      : CYAN;
		const char *mark = w->severity == WATCH_SEV_CRITICAL  ? "!! "
		                   : w->severity == WATCH_SEV_WARNING ? " ! "
		                                                      : " i ";
		max_lines -= wrapped(t, mark, "   ", code, w->text, max_lines);
		if (max_lines > 0 && w->knob[0])
			max_lines -= wrapped(t, "   -> ", "      ", "", w->knob, max_lines);
	}
	if (f->warnings_dropped && max_lines > 0) {
		fprintf(t->out, "   (%" PRIu64 " more)", f->warnings_dropped);
		end_line(t);
	}
}

int watch_term_write(FILE *out, const struct watch_frame *f, const struct watch_term_opts *o)
{
	struct term t = { .out = out, .o = o, .width = o->width > 0 ? o->width : 100 };
	if (t.width < 40)
		t.width = 40;
	if (o->in_place)
		fputs("\033[H", out);
	header(&t, f);
	counters(&t, f);

	const struct watch_listeners *ls = f->listeners;
	int ep_width = 8;
	for (size_t i = 0; i < ls->n; i++) {
		char ep[64];
		watch_endpoint_format(&ls->v[i].local, ep, sizeof ep);
		int n = (int)strlen(ep);
		if (n > ep_width)
			ep_width = n < 46 ? n : 46;
	}
	/* Room: warnings first, then as many listener rows as fit. */
	int wl = warning_lines(f);
	int rows = (int)ls->n;
	if (o->height > 0) {
		int left = o->height - t.lines - 2 /* blank + column header */;
		int want_warn = wl < left / 2 + 1 ? wl : left / 2 + 1;
		int room = left - want_warn - 1 /* "N more" */;
		if (room < 0)
			room = 0;
		if (rows > room)
			rows = room;
	}
	end_line(&t);
	/* The bar takes what the other columns (about 70) leave, 8 to 20. */
	int bar_width = t.width - 70 - ep_width;
	bar_width = bar_width < 8 ? 8 : bar_width > 20 ? 20 : bar_width;
	fprintf(out, "%s%-*s %-*s %11s %-4s %8s %-4s %7s %5s  %s%s", colour(&t, BOLD), ep_width,
	        "LISTENER", bar_width + 2, "ACCEPT QUEUE", "len/limit", "", "SYN-RECV", "", "ESTAB", "DEFER",
	        "OWNER", colour(&t, RESET));
	end_line(&t);
	int shown = 0;
	for (int u = URGENT; u <= IDLE && shown < rows; u++)
		for (size_t i = 0; i < ls->n && shown < rows; i++)
			if (urgency(&ls->v[i]) == u) {
				listener_row(&t, &ls->v[i], ep_width, bar_width);
				shown++;
			}
	if ((size_t)shown < ls->n || ls->overflow) {
		fprintf(out, "%s(%zu more listeners not shown", colour(&t, DIM),
		        ls->n - (size_t)shown + (size_t)ls->overflow);
		fprintf(out, "; --port P narrows the view)%s", colour(&t, RESET));
		end_line(&t);
	}
	if (ls->n == 0 && !ls->overflow) {
		fprintf(out, "(no listening TCP sockets%s)",
		        ls->port_filter ? " on this port" : "");
		end_line(&t);
	}
	int left = o->height > 0 ? o->height - t.lines : 1 << 20;
	warnings(&t, f, left);
	if (o->in_place)
		fputs("\033[J", out);
	else
		fputc('\n', out);
	fflush(out);
	return ferror(out) ? -1 : 0;
}
