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
 * tests/unit/test_backlog_table.c checks every cell. Four columns come
 * from the systems' own rules, modelled as the code ran (which queue each
 * test counts, when it runs, what happens to the segment it refuses); two,
 * HP-UX 11.11 and Solaris 2.9, whose sources are not published, are the
 * measured table itself:
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
 *
 * Each rule answers two questions: does a SYN get a SYN-ACK
 * (backlog_on_syn()), and may a completed handshake join the accept queue
 * (backlog_child_refused())? With clients that come one after another
 * only the first matters; with SYNs that arrive together (a burst, a flood)
 * the two queues are counted differently by each system, and the rules
 * part ways: 4.4BSD counts half-open connections against the backlog,
 * Linux never does, FreeBSD checks the completed queue twice with two
 * different limits.
 *
 * Windows answers a SYN that meets a full queue with a reset instead of
 * dropping it (the client's connect() fails at once, WSAECONNREFUSED), as
 * the Winsock listen() documentation says. Its queue length is taken as
 * the backlog itself, Winsock's documented meaning; no measurement of the
 * exact count is published. The other systems ignore the SYN, which the
 * Berkeley listen(2) page allows ("the request may be ignored so that
 * retries may succeed") and Solaris' listen(3SOCKET) states for TCP.
 */
#include "tcp/listen/backlog.h"

#include <assert.h>

static uint32_t backlog_saturate(uint64_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* UNP Table 4.6's two columns without a published mechanism, as measured
 * (backlog 0..14). */
static const uint8_t hpux_11_measured[15] = { 1, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19, 21 };
static const uint8_t solaris_2_9_measured[15] = { 1, 2, 4, 5, 6, 8, 10, 11, 13, 14, 16, 17,
                                                  19, 20, 22 };

bool backlog_is_measured(enum synq_personality personality)
{
	return personality == SYNQ_PERSONALITY_HPUX_11 ||
	       personality == SYNQ_PERSONALITY_SOLARIS_2_9;
}

uint32_t backlog_measured_limit(enum synq_personality personality, uint32_t backlog)
{
	uint64_t b = backlog;
	if (personality == SYNQ_PERSONALITY_HPUX_11) {
		if (b < 15)
			return hpux_11_measured[b];
		/* Past the table: floor(3b/2), the form that fits all fifteen
		 * measured cells. An extrapolation, not a measurement. */
		return backlog_saturate(3 * b / 2);
	}
	assert(personality == SYNQ_PERSONALITY_SOLARIS_2_9);
	if (b < 15)
		return solaris_2_9_measured[b];
	/* Past the table: the Berkeley 3b/2 + 1, which fits fourteen of the
	 * fifteen cells (backlog 4 reads 6, not 7). An extrapolation. */
	return backlog_saturate(3 * b / 2 + 1);
}

/* Windows' queue length: the backlog as Winsock documents it, and at least
 * one as every system of Table 4.6 takes one at backlog 0. Assumed, not
 * measured. */
static uint32_t windows_queue(uint32_t backlog)
{
	return backlog < 1 ? 1 : backlog;
}

/* The Berkeley fudge factor, "3 * so_qlimit / 2", in sonewconn(). */
static uint64_t three_halves(uint32_t backlog)
{
	return 3 * (uint64_t)backlog / 2;
}

enum backlog_verdict backlog_on_syn(enum synq_personality personality,
                                    const struct backlog_queues *q)
{
	uint64_t b = q->backlog;
	switch (personality) {
	case SYNQ_PERSONALITY_LINUX:
		/* Linux 6.x tcp_conn_request(): sk_acceptq_is_full(), which is
		 * "sk_ack_backlog > sk_max_ack_backlog", strictly greater, so
		 * the queue takes b + 1 and listen(fd, 0) still takes one. A
		 * SYN that meets it is dropped, cookies or not (measured on
		 * 6.18, tests/packetdrill/listen_acceptq_*.pkt). */
		return q->accepted > b ? BACKLOG_DROP : BACKLOG_TAKE;

	case SYNQ_PERSONALITY_LINUX_2_4:
		/* Linux 2.4 tcp_v4_conn_request(): "if (tcp_acceptq_is_full(sk)
		 * && tcp_synq_young(sk) > 1) goto drop;". A full accept queue
		 * alone does not drop the SYN: up to two requests that have
		 * not yet timed out ("young") are still answered. Their
		 * clients complete the handshake and count a connection that
		 * the server will not queue (see backlog_child_refused()). */
		return q->accepted > b && q->young > 1 ? BACKLOG_DROP : BACKLOG_TAKE;

	case SYNQ_PERSONALITY_BSD:
		/* 4.4BSD tcp_input() calls sonewconn() on every SYN to a
		 * listener, which refuses when "so_qlen + so_q0len > 3 *
		 * so_qlimit / 2": completed and half-open connections together
		 * against one and a half times the backlog. With clients one
		 * after another the half-open queue is empty at each SYN and
		 * the completed queue reaches 3b/2 + 1. MacOS X 10.2 and AIX
		 * 5.1 kept this code and measure so. */
		return q->accepted + q->requests > three_halves(q->backlog) ? BACKLOG_DROP
		                                                             : BACKLOG_TAKE;

	case SYNQ_PERSONALITY_FREEBSD:
		/* FreeBSD 4.8/5.1 tcp_input(): a SYN goes to the syncache only
		 * "if (so->so_qlen <= so->so_qlimit)"; the syncache's half-open
		 * entries are not on the socket's queues. With b completed the
		 * SYN is still taken, so b + 1 complete one after another. */
		return q->accepted > b ? BACKLOG_DROP : BACKLOG_TAKE;

	case SYNQ_PERSONALITY_WINDOWS:
		/* A full queue resets the SYN. */
		return q->accepted >= windows_queue(q->backlog) ? BACKLOG_RESET : BACKLOG_TAKE;

	case SYNQ_PERSONALITY_HPUX_11:
	case SYNQ_PERSONALITY_SOLARIS_2_9:
		/* Measured, not modelled: ignore SYNs once the measured count
		 * is queued. */
		return q->accepted >= backlog_measured_limit(personality, q->backlog)
		               ? BACKLOG_DROP
		               : BACKLOG_TAKE;

	case SYNQ_PERSONALITY__COUNT:
		break;
	}
	assert(!"unknown personality");
	return BACKLOG_DROP;
}

bool backlog_child_refused(enum synq_personality personality, const struct backlog_queues *q)
{
	uint64_t b = q->backlog;
	switch (personality) {
	case SYNQ_PERSONALITY_LINUX:
	case SYNQ_PERSONALITY_LINUX_2_4:
		/* tcp_v4_syn_recv_sock() (2.4) / tcp_check_req()'s child
		 * creation (6.x): sk_acceptq_is_full(), b + 1. In 2.4 this is
		 * what turns the two extra handshakes of backlog_on_syn() into
		 * connections the client has and the server does not: their
		 * ACKs are dropped, the requests stay in SYN_RECV. */
		return q->accepted > b;

	case SYNQ_PERSONALITY_BSD:
		/* The check was made on the SYN; soisconnected() moves the
		 * socket from q0 to q without another. */
		return false;

	case SYNQ_PERSONALITY_FREEBSD:
		/* syncache_socket() calls sonewconn(), which in FreeBSD 4/5
		 * refuses when "so_qlen > 3 * so_qlimit / 2": a burst of SYNs
		 * all taken while the queue was short completes up to 3b/2 + 1
		 * connections, not b + 1. */
		return q->accepted > three_halves(q->backlog);

	case SYNQ_PERSONALITY_WINDOWS:
		return q->accepted >= windows_queue(q->backlog);

	case SYNQ_PERSONALITY_HPUX_11:
	case SYNQ_PERSONALITY_SOLARIS_2_9:
		return q->accepted >= backlog_measured_limit(personality, q->backlog);

	case SYNQ_PERSONALITY__COUNT:
		break;
	}
	assert(!"unknown personality");
	return true;
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
