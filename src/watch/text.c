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
