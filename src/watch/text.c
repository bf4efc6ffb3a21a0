/* SPDX-License-Identifier: BSD-2-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "watch/format.h"

void watch_addr_format(const struct watch_endpoint *e, char *buf, size_t cap)
{
	if (cap == 0)
		return;
	if (e->family == AF_INET && cap >= 16) {
		/* Dotted quad by hand: inet_ntop() goes through sprintf(), which
		 * dominated a refresh of 10 000 listeners. */
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			unsigned v = e->addr[i];
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (inet_ntop(e->family == AF_INET6 ? AF_INET6 : AF_INET, e->addr, buf,
	              (socklen_t)cap) == NULL)
		snprintf(buf, cap, "?");
}

static bool is_wildcard(const struct watch_endpoint *e)
{
	static const uint8_t zero[16];
	return memcmp(e->addr, zero, e->family == AF_INET6 ? 16 : 4) == 0;
}

void watch_endpoint_format(const struct watch_endpoint *e, char *buf, size_t cap)
{
	char addr[64];
	if (e->family == AF_INET && is_wildcard(e)) {
		snprintf(buf, cap, ":%u", e->port);
		return;
	}
	watch_addr_format(e, addr, sizeof addr);
	if (e->family == AF_INET6)
		snprintf(buf, cap, "[%s]:%u", addr, e->port);
	else
		snprintf(buf, cap, "%s:%u", addr, e->port);
}

void watch_rate_format(double v, char *buf, size_t cap)
{
	if (v < 0.05)
		snprintf(buf, cap, "0");
	else if (v < 10)
		snprintf(buf, cap, "%.1f", v);
	else if (v < 1e3)
		snprintf(buf, cap, "%.0f", v);
	else if (v < 1e4)
		snprintf(buf, cap, "%.1fk", v / 1e3);
	else if (v < 1e6)
		snprintf(buf, cap, "%.0fk", v / 1e3);
	else
		snprintf(buf, cap, "%.1fM", v / 1e6);
}

bool watch_term_want_colour(bool is_tty, const char *no_color, const char *term)
{
	if (!is_tty)
		return false;
	if (no_color != NULL && no_color[0] != '\0')
		return false;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return false;
	return true;
}

void watch_out_init(struct watch_out *o, FILE *out)
{
	o->out = out;
	o->n = 0;
}

void watch_out_flush(struct watch_out *o)
{
	if (o->n)
		fwrite(o->buf, 1, o->n, o->out);
	o->n = 0;
}

void watch_out_mem(struct watch_out *o, const char *s, size_t n)
{
	if (o->n + n > sizeof o->buf) {
		watch_out_flush(o);
		if (n > sizeof o->buf) {
			fwrite(s, 1, n, o->out);
			return;
		}
	}
	memcpy(o->buf + o->n, s, n);
	o->n += n;
}

void watch_out_str(struct watch_out *o, const char *s)
{
	watch_out_mem(o, s, strlen(s));
}

void watch_out_u64(struct watch_out *o, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	watch_out_mem(o, tmp + i, sizeof tmp - i);
}

void watch_out_i64(struct watch_out *o, int64_t v)
{
	if (v < 0) {
		watch_out_mem(o, "-", 1);
		watch_out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		watch_out_u64(o, (uint64_t)v);
	}
}
