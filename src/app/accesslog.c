/* SPDX-License-Identifier: BSD-2-Clause */
/* The access log: one Combined Log Format line per request, the 'L'
 * state's work (mod_log_config's "combined":
 *   %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i").
 * %r, Referer and User-Agent are escaped as mod_log_config escapes them
 * (ap_escape_logitem(): '"' and '\' get a backslash, control and non-ASCII
 * bytes become \xHH); %b is "-" for an empty body. The line goes to the
 * access_log hook; where it is written is the driver's business. */
#include <stdio.h>
#include <string.h>

#include "app/httpd_internal.h"

#define LOG_LINE_MAX 1024
#define LOG_REQUEST_MAX 512    /* bytes of the request line kept in a line */

static size_t escape(char *dst, size_t room, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < room; i++) {
		uint8_t ch = s[i];
		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		} else {
			dst[o++] = (char)ch;
		}
	}
	dst[o] = '\0';
	return o;
}

void httpd_access_log(struct synq_httpd *h, struct httpd_conn *c)
{
	const struct httpd_buf *b = c->buf;
	const struct http_request *r = &b->req;
	char date[40], request[LOG_REQUEST_MAX * 4 + 8], ref[HTTP_LOG_FIELD_MAX * 4 + 8];
	char ua[HTTP_LOG_FIELD_MAX * 4 + 8], bytes[24], line[LOG_LINE_MAX + LOG_REQUEST_MAX * 4];
	httpd_fmt_clf_date(httpd_unix_s(h, h->now), date, sizeof date);
	if (r->line_len > 0) {
		size_t n = r->line_len < LOG_REQUEST_MAX ? r->line_len : LOG_REQUEST_MAX;
		escape(request, sizeof request, b->in + r->line_start, n);
	} else {
		strcpy(request, "-");
	}
	escape(ref, sizeof ref, (const uint8_t *)r->referer, r->referer_len);
	escape(ua, sizeof ua, (const uint8_t *)r->user_agent, r->user_agent_len);
	if (b->body_sent)
		snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)b->body_sent);
	else
		strcpy(bytes, "-");
	uint32_t a = c->peer_addr;
	int n = snprintf(line, sizeof line,
	                 "%u.%u.%u.%u - - [%s] \"%s\" %u %s \"%s\" \"%s\"\n", a >> 24,
	                 (a >> 16) & 255, (a >> 8) & 255, a & 255, date, request, b->status, bytes,
	                 r->referer_len ? ref : "-", r->user_agent_len ? ua : "-");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = (int)sizeof line - 1;
	h->hooks.access_log(h->hooks.ctx, line, (size_t)n);
}
