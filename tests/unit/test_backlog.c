/* SPDX-License-Identifier: BSD-2-Clause */
/* listen() backlog rules, each personality's mechanism on its own: every
 * cell of UNP's Table 4.6, today's Linux b + 1, what sets each rule apart
 * (half-open connections, young requests, two limits, a reset), and the
 * somaxconn clamp. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/listen/backlog.h"

/* W. R. Stevens, B. Fenner, A. M. Rudoff, UNIX Network Programming vol. 1,
 * 3rd ed., Table 4.6: the real number of queued
 * connections for backlog 0..14. The scan shows a letter in the MacOS/AIX
 * column at backlog 7; 11 is what the Berkeley rule and its neighbours
 * give. */
static const struct {
	enum synq_personality personality;
	const char *name;
	uint32_t queued[15];
} table_4_6[] = {
	{ SYNQ_PERSONALITY_BSD, "MacOS 10.2.6 / AIX 5.1",
	  { 1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22 } },
	{ SYNQ_PERSONALITY_LINUX_2_4, "Linux 2.4.7",
	  { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 } },
	{ SYNQ_PERSONALITY_HPUX_11, "HP-UX 11.11",
	  { 1, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19, 21 } },
	{ SYNQ_PERSONALITY_FREEBSD, "FreeBSD 4.8 / 5.1",
	  { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } },
	{ SYNQ_PERSONALITY_SOLARIS_2_9, "Solaris 2.9",
	  { 1, 2, 4, 5, 6, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22 } },
};

/* UNP's experiment on the rules alone: clients one after another, each
 * SYN answered or not, each handshake queued or not, nobody accepts.
 * Returns what the clients count; *queued gets what the server holds. */
static uint32_t one_after_another(enum synq_personality p, uint32_t backlog, uint32_t *queued)
{
	struct backlog_queues q = { .backlog = backlog };
	uint32_t connected = 0;
	for (uint32_t attempt = 0; attempt < 3 * backlog + 16; attempt++) {
		if (backlog_on_syn(p, &q) != BACKLOG_TAKE)
			continue;
		q.requests++;
		q.young++;
		connected++; /* the client sees the SYN-ACK and completes */
		if (!backlog_child_refused(p, &q)) {
			q.requests--;
			q.young--;
			q.accepted++;
		}
	}
	if (queued)
		*queued = q.accepted;
	return connected;
}

static void backlog_table_4_6_every_cell(void **state)
{
	(void)state;
	for (size_t col = 0; col < sizeof table_4_6 / sizeof table_4_6[0]; col++) {
		for (uint32_t b = 0; b < 15; b++) {
			uint32_t got = one_after_another(table_4_6[col].personality, b, NULL);
			if (got != table_4_6[col].queued[b])
				fail_msg("%s, backlog %u: rule gives %u, table says %u",
				         table_4_6[col].name, b, got, table_4_6[col].queued[b]);
		}
	}
}

static void backlog_linux_is_b_plus_1(void **state)
{
	(void)state;
	for (uint32_t b = 0; b <= 1000; b++) {
		uint32_t queued;
		assert_int_equal(one_after_another(SYNQ_PERSONALITY_LINUX, b, &queued), b + 1);
		assert_int_equal(queued, b + 1);
	}
}

/* 4.4BSD's sonewconn() counts half-open connections with completed ones:
 * a burst of SYNs fills the backlog without a single handshake. */
static void bsd_counts_half_open_connections(void **state)
{
	(void)state;
	struct backlog_queues q = { .backlog = 2, .requests = 3 };
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_BSD, &q), BACKLOG_TAKE); /* 3 > 3: no */
	q.requests = 4;
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_BSD, &q), BACKLOG_DROP);
	q = (struct backlog_queues){ .backlog = 2, .accepted = 2, .requests = 2 };
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_BSD, &q), BACKLOG_DROP);
	/* Linux never counts them against the backlog. */
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_LINUX, &q), BACKLOG_TAKE);
	/* A handshake that got its SYN-ACK always joins the queue. */
	q.accepted = 100;
	assert_false(backlog_child_refused(SYNQ_PERSONALITY_BSD, &q));
	uint32_t queued;
	assert_int_equal(one_after_another(SYNQ_PERSONALITY_BSD, 128, &queued), 193);
	assert_int_equal(queued, 193);
}

/* Linux 2.4 drops a SYN on a full accept queue only with two young
 * requests, and drops their completing ACKs: the clients count two
 * connections the server does not hold. */
static void linux_2_4_young_requests_get_through(void **state)
{
	(void)state;
	struct backlog_queues q = { .backlog = 2, .accepted = 3 };
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_LINUX_2_4, &q), BACKLOG_TAKE);
	q.young = q.requests = 1;
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_LINUX_2_4, &q), BACKLOG_TAKE);
	q.young = q.requests = 2;
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_LINUX_2_4, &q), BACKLOG_DROP);
	/* Old requests (timed out once) do not hold the door. */
	q.young = 1;
	q.requests = 5;
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_LINUX_2_4, &q), BACKLOG_TAKE);
	assert_true(backlog_child_refused(SYNQ_PERSONALITY_LINUX_2_4, &q));
	uint32_t queued;
	assert_int_equal(one_after_another(SYNQ_PERSONALITY_LINUX_2_4, 128, &queued), 131);
	assert_int_equal(queued, 129);
}

/* FreeBSD 4.8/5.1: the SYN test (completed <= backlog) and sonewconn()'s
 * (completed > 3b/2 refuses) differ; SYNs one after another meet the
 * first, a burst of handshakes the second. */
static void freebsd_checks_twice(void **state)
{
	(void)state;
	struct backlog_queues q = { .backlog = 2, .accepted = 2 };
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_FREEBSD, &q), BACKLOG_TAKE);
	q.accepted = 3;
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_FREEBSD, &q), BACKLOG_DROP);
	assert_false(backlog_child_refused(SYNQ_PERSONALITY_FREEBSD, &q)); /* 3 > 3: no */
	q.accepted = 4;
	assert_true(backlog_child_refused(SYNQ_PERSONALITY_FREEBSD, &q));
	assert_int_equal(one_after_another(SYNQ_PERSONALITY_FREEBSD, 128, NULL), 129);
}

/* Windows refuses with a reset once the backlog is queued. */
static void windows_resets(void **state)
{
	(void)state;
	struct backlog_queues q = { .backlog = 5, .accepted = 4 };
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_WINDOWS, &q), BACKLOG_TAKE);
	q.accepted = 5;
	assert_int_equal(backlog_on_syn(SYNQ_PERSONALITY_WINDOWS, &q), BACKLOG_RESET);
	assert_int_equal(one_after_another(SYNQ_PERSONALITY_WINDOWS, 200, NULL), 200);
}

/* HP-UX and Solaris are the measured table, and say so. */
static void measured_personalities(void **state)
{
	(void)state;
	for (int p = 0; p < SYNQ_PERSONALITY__COUNT; p++)
		assert_int_equal(backlog_is_measured((enum synq_personality)p),
		                 p == SYNQ_PERSONALITY_HPUX_11 || p == SYNQ_PERSONALITY_SOLARIS_2_9);
	assert_int_equal(backlog_measured_limit(SYNQ_PERSONALITY_SOLARIS_2_9, 4), 6);
	assert_int_equal(backlog_measured_limit(SYNQ_PERSONALITY_HPUX_11, 1), 1);
	/* Past the table: the closed forms that fit it. */
	assert_int_equal(backlog_measured_limit(SYNQ_PERSONALITY_HPUX_11, 128), 192);
	assert_int_equal(backlog_measured_limit(SYNQ_PERSONALITY_SOLARIS_2_9, 128), 193);
	assert_int_equal(backlog_measured_limit(SYNQ_PERSONALITY_HPUX_11, UINT32_MAX),
	                 UINT32_MAX);
}

static void backlog_clamp_to_somaxconn(void **state)
{
	(void)state;
	assert_int_equal(backlog_clamp(0, 4096), 0);
	assert_int_equal(backlog_clamp(1, 4096), 1);
	assert_int_equal(backlog_clamp(511, 4096), 511);
	assert_int_equal(backlog_clamp(4096, 4096), 4096);
	assert_int_equal(backlog_clamp(4097, 4096), 4096);
	assert_int_equal(backlog_clamp(INT_MAX, 4096), 4096);
	/* Unsigned compare: negative means "as many as allowed". */
	assert_int_equal(backlog_clamp(-1, 4096), 4096);
	assert_int_equal(backlog_clamp(-100, 128), 128);
	assert_int_equal(backlog_clamp(INT_MIN, 4096), 4096);
	/* somaxconn 0 forces every backlog to 0 (which Linux still serves
	 * with one connection). */
	assert_int_equal(backlog_clamp(5, 0), 0);
	assert_int_equal(backlog_clamp(-1, 0), 0);
	assert_int_equal(one_after_another(SYNQ_PERSONALITY_LINUX, backlog_clamp(-1, 0), NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backlog_table_4_6_every_cell),
		cmocka_unit_test(backlog_linux_is_b_plus_1),
		cmocka_unit_test(bsd_counts_half_open_connections),
		cmocka_unit_test(linux_2_4_young_requests_get_through),
		cmocka_unit_test(freebsd_checks_twice),
		cmocka_unit_test(windows_resets),
		cmocka_unit_test(measured_personalities),
		cmocka_unit_test(backlog_clamp_to_somaxconn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
