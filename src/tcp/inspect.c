/* SPDX-License-Identifier: BSD-2-Clause */
/* ss- and nstat-style views of a stack (Linux's tcp_diag_get_info() for
 * listeners, /proc/net/netstat for counters). */
#include <stdio.h>

#include "ip/ipv4.h"
#include "synq/inspect.h"
#include "tcp/stack_internal.h"

size_t synq_listeners(const struct synq_stack *s, struct synq_listener_info *out, size_t max)
{
	size_t n = 0;
	for (uint32_t i = 0; i < s->listeners.own.high_water; i++) {
		const struct tcp_listener *l = pool_at(&s->listeners, i);
		if (!l->in_use)
			continue;
		if (n < max)
			out[n] = (struct synq_listener_info){
				.addr = l->addr, .port = l->port, .accept_len = l->accept_len,
				.backlog = l->backlog, .syn_recv = l->req_count, .drops = l->drops,
			};
		n++;
	}
	return n;
}

bool synq_listener_queues(const struct synq_stack *s, uint32_t *syn_recv, uint32_t *accept_len)
{
	for (uint32_t i = 0; i < s->listeners.own.high_water; i++) {
		const struct tcp_listener *l = pool_at(&s->listeners, i);
		if (l->in_use) {
			*syn_recv = l->req_count;
			*accept_len = l->accept_len;
			return true;
		}
	}
	return false;
}

size_t synq_ss_format(const struct synq_stack *s, char *buf, size_t cap)
{
	size_t used = 0;
#define EMIT(...)                                                                   \
	do {                                                                        \
		size_t room_ = used < cap ? cap - used : 0;                         \
		int n_ = snprintf(room_ ? buf + used : NULL, room_, __VA_ARGS__);   \
		if (n_ > 0)                                                         \
			used += (size_t)n_;                                         \
	} while (0)
	EMIT("%-10s %-6s %-6s %-21s %-21s %s\n", "State", "Recv-Q", "Send-Q",
	     "Local Address:Port", "Peer Address:Port", "SYN-RECV");
	for (uint32_t i = 0; i < s->listeners.own.high_water; i++) {
		const struct tcp_listener *l = pool_at(&s->listeners, i);
		if (!l->in_use)
			continue;
		char addr[16], local[32];
		if (l->addr)
			snprintf(local, sizeof local, "%s:%u", ipv4_addr_format(l->addr, addr), l->port);
		else
			snprintf(local, sizeof local, "0.0.0.0:%u", l->port);
		EMIT("%-10s %-6u %-6u %-21s %-21s %u\n", "LISTEN", l->accept_len, l->backlog,
		     local, "0.0.0.0:*", l->req_count);
	}
#undef EMIT
	if (cap && used >= cap)
		buf[cap - 1] = '\0';
	return used;
}

size_t synq_nstat_format(const struct synq_stack *s, char *buf, size_t cap)
{
	return synq_mib_format(&s->mib, buf, cap, 1);
}
