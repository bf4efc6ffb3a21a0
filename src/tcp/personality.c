/* SPDX-License-Identifier: BSD-2-Clause */
/* The timers of a personality's era.
 *
 * Linux has used an initial retransmission timeout of 1 s since 2.6.39
 * (RFC 6298); before, it used RFC 1122's 3 s, so a SYN that got no answer
 * was sent again at 3 s and 9 s (3, then doubled to 6): the schedule seed
 * 003 shows (C34). The linux-2.4 personality brings that schedule, for its
 * SYNs and SYN-ACKs alike, and none of 6.5's linear SYN timeouts. The other
 * personalities keep today's Linux timers: their backlog rules are what
 * they are for, and their own timer values are not modelled. */
#include "tcp/personality.h"

#include "tcp/stack_internal.h"

#define TCP_TIMEOUT_INIT_RFC1122 SYNQ_SEC(3)

synq_time_t tcp_timeout_init(const struct synq_stack *s)
{
	if (s->cfg.personality == SYNQ_PERSONALITY_LINUX_2_4)
		return TCP_TIMEOUT_INIT_RFC1122;
	return TCP_TIMEOUT_INIT;
}

unsigned tcp_syn_linear_timeouts(const struct synq_stack *s)
{
	if (s->cfg.personality == SYNQ_PERSONALITY_LINUX_2_4)
		return 0;
	return (unsigned)s->cfg.tcp_syn_linear_timeouts;
}
