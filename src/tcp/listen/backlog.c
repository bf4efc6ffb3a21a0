/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The listen() backlog, personality by personality
 * ================================================
 *
 * The backlog argument has never meant the same thing twice. W. R. Stevens
 * et al., UNIX Network Programming vol. 1, 3rd ed., Table 4.6, measured
 * how many connections each system really let complete for backlog 0..14
 * (clients connecting one after another, the server never calling
 * accept()); synq reproduces every column, and
 * tests/unit/test_backlog.c checks every cell. The rules, and why each
 * gives its column:
 *
 *   backlog               0  1  2  3  4  5  6  7  8  9 10 11 12 13 14
 *   4.4BSD (MacOS, AIX)   1  2  4  5  7  8 10 11 13 14 16 17 19 20 22
 *   Linux 2.4.7           3  4  5  6  7  8  9 10 11 12 13 14 15 16 17
 *   HP-UX 11.11           1  1  3  4  6  7  9 10 12 13 15 16 18 19 21
 *   FreeBSD 4.8, 5.1      1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *   Solaris 2.9           1  2  4  5  6  8 10 11 13 14 16 17 19 20 22
 *
 * (The scanned table has a letter at MacOS/AIX, backlog 7; the rule and
 * the neighbouring cells say 11.) Today's Linux, synq's default, is b + 1.
 *
 * The number counts handshakes that complete from the client's side. For
 * every personality except Linux 2.4 that is also how many connections sit
 * in the accept queue; Linux 2.4's extra two are explained below.
 */
#include "tcp/listen/backlog.h"

#include <assert.h>

static uint32_t backlog_saturate(uint64_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t backlog_accept_limit(enum synq_personality personality, uint32_t backlog)
{
	uint64_t b = backlog;

	switch (personality) {
	case SYNQ_PERSONALITY_LINUX:
		/* Linux 6.x: sk_acceptq_is_full() is "sk_ack_backlog >
		 * sk_max_ack_backlog", strictly greater, so the queue takes
		 * one more than the backlog and listen(fd, 0) still takes
		 * one. Once it is full, tcp_conn_request() drops every new
		 * SYN (ListenOverflows), cookies or not, as measured on
		 * Linux 6.18 (tests/packetdrill/listen_acceptq_*.pkt). */
		return backlog_saturate(b + 1);

	case SYNQ_PERSONALITY_LINUX_2_4:
		/* Linux 2.4 (tcp_v4_conn_request(), tcp_v4_syn_recv_sock()):
		 * the accept queue had the same "> backlog" test, so b + 1
		 * children are queued. But a SYN was dropped only when the
		 * accept queue was full AND more than one "young" request
		 * (one whose SYN-ACK has not yet been retransmitted) already
		 * existed. So with b + 1 queued, two more SYNs still get a
		 * SYN-ACK; their clients answer and see connect() succeed,
		 * while the server drops those final ACKs (the accept queue
		 * is full) and keeps the two requests in SYN_RECV,
		 * retransmitting SYN-ACKs. The third SYN meets two young
		 * requests and is dropped. Clients count b + 3; the accept
		 * queue holds b + 1. We model the count, b + 3, as the
		 * measurement did; a fuller model would let two more through
		 * each time the young requests age (at their first SYN-ACK
		 * retransmission, 3 s in 2.4). */
		return backlog_saturate(b + 3);

	case SYNQ_PERSONALITY_BSD:
		/* 4.4BSD sonewconn() (uipc_socket2.c): a new connection is
		 * refused when "so_qlen + so_q0len > 3 * so_qlimit / 2", the
		 * sum of both queues against the backlog with its historic
		 * 3/2 fudge factor. The test is strict, so the queues hold
		 * 3b/2 + 1 (integer division). Every Berkeley-derived stack
		 * that kept this code (MacOS X 10.2, AIX 5.1) measures so. */
		return backlog_saturate(3 * b / 2 + 1);

	case SYNQ_PERSONALITY_FREEBSD:
		/* FreeBSD 4.x/5.x tcp_input(): a SYN to a listener goes to
		 * the syncache only "if (so->so_qlen <= so->so_qlimit)", so a
		 * SYN is still taken with b connections queued and the
		 * (b+1)th completes; the next SYN is dropped before
		 * sonewconn()'s looser 3/2 test is ever reached. That gives
		 * b + 1. (Later FreeBSD dropped the tcp_input() test and is
		 * limited by sonewconn() alone, 3b/2 + 1: its "Listen queue
		 * overflow: 193 already in queue" message at backlog 128 is
		 * that rule. The FreeBSD personality is the 4.8/5.1 one.) */
		return backlog_saturate(b + 1);

	case SYNQ_PERSONALITY_HPUX_11:
		/* HP-UX 11.11: the column is floor(3b/2), the Berkeley fudge
		 * without the "+1" (the test behaves as ">=" where BSD has
		 * ">"), but never less than 1, so backlog 0 still takes one
		 * connection (and so does backlog 1). HP-UX's TCP is not open
		 * source; the rule is read off the measurement and matches
		 * all fifteen cells. */
		b = 3 * b / 2;
		return backlog_saturate(b < 1 ? 1 : b);

	case SYNQ_PERSONALITY_SOLARIS_2_9:
		/* Solaris 2.9: the column equals the Berkeley 3b/2 + 1 in
		 * fourteen of fifteen cells; at backlog 4 it reads 6, not 7.
		 * We know no single closed form that gives both 6 at 4 and 8
		 * at 5 together with the rest (b + ceil(b/2) fails at 0 and
		 * 2; floor(3b/2) fails at 0..3), and Solaris 2.9's source
		 * is not available to us, so we take the Berkeley rule and
		 * keep the published cell at backlog 4 as a named exception.
		 * It may be a quirk of Solaris's listener bookkeeping or of
		 * the measurement; either way the table is what the
		 * personality promises to reproduce. */
		if (backlog == 4)
			return 6;
		return backlog_saturate(3 * b / 2 + 1);

	case SYNQ_PERSONALITY__COUNT:
		break;
	}
	assert(!"unknown personality");
	return backlog_saturate(b + 1);
}

uint32_t backlog_clamp(int backlog, int somaxconn)
{
	assert(somaxconn >= 0);
	uint32_t limit = somaxconn < 0 ? 0 : (uint32_t)somaxconn;
	/* Unsigned on purpose, as in Linux: -1 means "as many as allowed". */
	if ((uint32_t)backlog > limit)
		return limit;
	return (uint32_t)backlog;
}
