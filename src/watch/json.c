/* SPDX-License-Identifier: BSD-2-Clause */
/* synq watch --json: one object per refresh, on one line.
 *
 * Counters carry nstat's names and absolute values, so each one can be
 * checked against `nstat -az`; listeners carry ss's figures (accept_queue
 * = Recv-Q, accept_queue_limit = Send-Q). delta and per_s are null on the
 * first sample. */
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

#include "watch/format.h"

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_number(FILE *out, double v)
{
	if (v != v || v > 1e300 || v < -1e300)
		fputs("null", out);
	else
		fprintf(out, "%.3f", v);
}

static void out_string(struct watch_out *o, const char *s)
{
	watch_out_mem(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			watch_out_mem(o, esc, 2);
		} else if (c < 0x20) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\u%04x", c);
			watch_out_str(o, esc);
		} else {
			watch_out_mem(o, s, 1);
		}
	}
	watch_out_mem(o, "\"", 1);
}

#define LIT(o, s) watch_out_mem((o), (s), sizeof(s) - 1)

static void write_listener(struct watch_out *o, const struct watch_listener *l)
{
	char addr[64];
	watch_addr_format(&l->local, addr, sizeof addr);
	if (l->local.family == AF_INET6)
		LIT(o, "{\"family\":\"ipv6\",\"addr\":");
	else
		LIT(o, "{\"family\":\"ipv4\",\"addr\":");
	out_string(o, addr);
	LIT(o, ",\"port\":");
	watch_out_u64(o, l->local.port);
	LIT(o, ",\"accept_queue\":");
	watch_out_u64(o, l->accept_queue);
	LIT(o, ",\"accept_queue_limit\":");
	watch_out_u64(o, l->accept_queue_limit);
	LIT(o, ",\"syn_recv\":");
	watch_out_u64(o, l->syn_recv);
	LIT(o, ",\"established\":");
	if (l->established == WATCH_COUNT_UNKNOWN)
		LIT(o, "null");
	else
		watch_out_u64(o, l->established);
	LIT(o, ",\"sharing\":");
	watch_out_u64(o, l->sharing);
	LIT(o, ",\"defer_accept_s\":");
	if (l->defer_accept_s >= 0)
		watch_out_i64(o, l->defer_accept_s);
	else
		LIT(o, "null");
	LIT(o, ",\"inode\":");
	watch_out_u64(o, l->inode);
	LIT(o, ",\"uid\":");
	watch_out_u64(o, l->uid);
	LIT(o, ",\"pid\":");
	if (l->pid > 0) {
		watch_out_i64(o, l->pid);
		LIT(o, ",\"comm\":");
		out_string(o, l->comm);
	} else {
		LIT(o, "null,\"comm\":null");
	}
	LIT(o, "}");
}

int watch_json_write(FILE *out, const struct watch_frame *f)
{
	fprintf(out, "{\"time\":%" PRId64 ".%03d,\"interval_s\":", f->wall_ms / 1000,
	        (int)(f->wall_ms % 1000));
	if (f->interval_s > 0)
		json_number(out, f->interval_s);
	else
		fputs("null", out);
	fputs(",\"netns\":", out);
	if (f->netns)
		json_string(out, f->netns);
	else
		fputs("null", out);
	fputs(",\"established_age_s\":", out);
	json_number(out, f->established_age_s);
	fprintf(out, ",\"watch\":{\"refresh\":%" PRIu64 ",\"rss_kib\":%" PRIu64
	             ",\"sample_ms\":",
	        f->refresh, f->rss_kib);
	json_number(out, f->sample_ms);
	fprintf(out, ",\"netlink_bad\":%" PRIu64 "}", f->diag_bad);

	fputs(",\"sysctl\":{", out);
	int first = 1;
	for (int id = 0; id < WATCH_SYSCTL__COUNT; id++) {
		if (!(f->sysctl.present & (1u << id)))
			continue;
		fprintf(out, "%s\"%s\":%" PRId64, first ? "" : ",",
		        watch_sysctl_name((enum watch_sysctl_id)id), f->sysctl.value[id]);
		first = 0;
	}
	fputc('}', out);

	fputs(",\"sockstat\":", out);
	if (f->sockstat.present)
		fprintf(out, "{\"inuse\":%" PRIu64 ",\"orphan\":%" PRIu64 ",\"tw\":%" PRIu64
		             ",\"alloc\":%" PRIu64 "}",
		        f->sockstat.inuse, f->sockstat.orphan, f->sockstat.tw, f->sockstat.alloc);
	else
		fputs("null", out);

	fputs(",\"counters\":{", out);
	first = 1;
	for (int id = 0; id < WATCH_MIB__COUNT; id++) {
		if (!(f->mib.present & (1u << id)))
			continue;
		const struct watch_mib_info *info = watch_mib_info((enum watch_mib_id)id);
		fprintf(out, "%s\"%s\":{\"value\":%" PRIu64 ",\"delta\":", first ? "" : ",",
		        info->nstat_name, f->mib.value[id]);
		first = 0;
		uint64_t delta;
		double per_s;
		if (!info->gauge && watch_frame_rate(f, (enum watch_mib_id)id, &delta, &per_s)) {
			fprintf(out, "%" PRIu64 ",\"per_s\":", delta);
			json_number(out, per_s);
		} else {
			fputs("null,\"per_s\":null", out);
		}
		fputc('}', out);
	}
	fputc('}', out);

	const struct watch_listeners *t = f->listeners;
	fprintf(out, ",\"sockets\":{\"listen\":%" PRIu64 ",\"syn_recv\":%" PRIu64
	             ",\"established\":%" PRIu64 "},\"port_filter\":",
	        t->listen_total, t->syn_recv_total, t->established_total);
	if (t->port_filter)
		fprintf(out, "%u", t->port_filter);
	else
		fputs("null", out);
	fputs(",\"listeners\":[", out);
	struct watch_out o;
	watch_out_init(&o, out);
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			LIT(&o, ",");
		write_listener(&o, &t->v[i]);
	}
	watch_out_flush(&o);
	fprintf(out, "],\"listeners_overflow\":%" PRIu64 ",\"warnings\":[", t->overflow);
	for (size_t i = 0; i < f->n_warnings; i++) {
		const struct watch_warning *w = &f->warnings[i];
		fprintf(out, "%s{\"cause\":\"%s\",\"severity\":\"%s\",", i ? "," : "",
		        watch_cause_name(w->cause), watch_severity_name(w->severity));
		if (w->listener >= 0) {
			const struct watch_listener *l = &t->v[w->listener];
			char addr[64];
			watch_addr_format(&l->local, addr, sizeof addr);
			fputs("\"addr\":", out);
			json_string(out, addr);
			fprintf(out, ",\"port\":%u,", l->local.port);
		} else {
			fputs("\"addr\":null,\"port\":null,", out);
		}
		fputs("\"text\":", out);
		json_string(out, w->text);
		fputs(",\"knob\":", out);
		json_string(out, w->knob);
		fputc('}', out);
	}
	fprintf(out, "],\"warnings_dropped\":%" PRIu64 "}\n", f->warnings_dropped);
	return ferror(out) ? -1 : 0;
}
