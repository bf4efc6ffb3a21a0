/* SPDX-License-Identifier: BSD-2-Clause */
/* Each personality's backlog rule as the listen path runs it, in packet
 * dialogues against one stack: the queues a rule counts come from the
 * listener, and what happens to the refused segment (ignored, reset,
 * kept, forgotten) is what goes on the wire. tests/unit/test_backlog.c
 * checks the rules as functions; these fail if the path stops feeding
 * them or acting on their answer. Clients are told apart by their source
 * port; each uses ISN = 1000 * port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dialogue.h"
#include "synq/inspect.h"
#include "synq/socket.h"

static uint32_t client_isn(uint16_t port)
{
	return 1000u * port;
}

static struct synq_config config(enum synq_personality p)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.personality = p;
	return cfg;
}

static void syn_from(struct dlg *d, uint16_t port)
{
	struct dlg_seg syn = { .flags = TCP_SYN, .seq = client_isn(port), .raw_seq = true,
	                       .window = 65535, .src_port = port,
	                       .opt = { .has_mss = true, .mss = 1460 } };
	dlg_send(d, &syn);
}

/* The next output must be a SYN-ACK to port; returns the server's ISN. */
static uint32_t take_synack(struct dlg *d, uint16_t port)
{
	struct dlg_out o;
	assert_true(dlg_next(d, &o));
	assert_int_equal(o.seg.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(o.seg.dst_port, port);
	assert_int_equal(o.seg.ack, client_isn(port) + 1);
	return o.seg.seq;
}

static void ack_from(struct dlg *d, uint16_t port, uint32_t server_isn, uint16_t len)
{
	struct dlg_seg ack = { .flags = TCP_ACK | (len ? TCP_PSH : 0),
	                       .seq = client_isn(port) + 1, .ack = server_isn + 1,
	                       .raw_seq = true, .window = 65535, .src_port = port, .len = len };
	dlg_send(d, &ack);
}

static void handshake(struct dlg *d, uint16_t port)
{
	syn_from(d, port);
	ack_from(d, port, take_synack(d, port), 0);
	dlg_expect_nothing(d);
}

static struct synq_listener_info listener(struct dlg *d)
{
	struct synq_listener_info li;
	assert_int_equal(synq_listeners(d->s, &li, 1), 1);
	return li;
}

static uint64_t counter(struct dlg *d, enum synq_mib_counter c)
{
	return synq_stack_mib(d->s)->value[c];
}

/* 4.4BSD: sonewconn() on the SYN counts half-open connections with
 * completed ones against 3b/2, and soisconnected() never refuses. Backlog
 * 2: four SYNs in a burst are answered (0..3 > 3 is false), the fifth is
 * ignored; all four handshakes join the queue (3b/2 + 1, where Linux's
 * b + 1 would stop at three); then the queue alone holds the door. */
static void bsd_sonewconn_counts_both_queues(void **state)
{
	(void)state;
	struct synq_config cfg = config(SYNQ_PERSONALITY_BSD);
	struct dlg d;
	dlg_init(&d, &cfg);
	int lfd = dlg_listen(&d, 2);
	uint32_t isn[4];
	for (uint16_t p = 5000; p < 5004; p++) {
		syn_from(&d, p);
		isn[p - 5000] = take_synack(&d, p);
	}
	syn_from(&d, 5004);
	dlg_expect_nothing(&d);
	assert_int_equal(listener(&d).syn_recv, 4);
	for (uint16_t p = 5000; p < 5004; p++)
		ack_from(&d, p, isn[p - 5000], 0);
	dlg_expect_nothing(&d);
	assert_int_equal(listener(&d).accept_len, 4);
	assert_int_equal(listener(&d).syn_recv, 0);
	syn_from(&d, 5005);
	dlg_expect_nothing(&d);
	/* One accept(): 3 + 0 > 3 is false, the next SYN is answered. */
	assert_true(synq_accept(d.s, lfd, NULL, NULL) >= 0);
	syn_from(&d, 5006);
	take_synack(&d, 5006);
	dlg_free(&d);
}

/* Linux 2.4: a SYN on a full accept queue is dropped only while more than
 * one request is young (has never timed out); the ACKs that complete the
 * two it answers are dropped too, silently, and their requests stay. The
 * requests stop being young at their first SYN-ACK retransmission, 3 s
 * after the SYN (RFC 1122's initial timeout, C34), and then the door
 * opens again. */
static void linux_2_4_young_requests_and_dropped_acks(void **state)
{
	(void)state;
	struct synq_config cfg = config(SYNQ_PERSONALITY_LINUX_2_4);
	struct dlg d;
	dlg_init(&d, &cfg);
	dlg_listen(&d, 0);
	handshake(&d, 5000);
	assert_int_equal(listener(&d).accept_len, 1);
	for (uint16_t p = 5001; p < 5003; p++) {
		syn_from(&d, p);
		ack_from(&d, p, take_synack(&d, p), 0);
		dlg_expect_nothing(&d); /* no reset: tcp_abort_on_overflow = 0 */
	}
	assert_int_equal(listener(&d).accept_len, 1);
	assert_int_equal(listener(&d).syn_recv, 2);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtListenOverflows), 2);
	syn_from(&d, 5003);
	dlg_expect_nothing(&d);
	/* Nothing until 3 s: then both SYN-ACKs again, and the requests are
	 * no longer young. */
	dlg_advance(&d, SYNQ_MSEC(2900));
	dlg_expect_nothing(&d);
	dlg_advance(&d, SYNQ_MSEC(200));
	take_synack(&d, 5001);
	take_synack(&d, 5002);
	dlg_expect_nothing(&d);
	syn_from(&d, 5003);
	take_synack(&d, 5003);
	assert_int_equal(listener(&d).accept_len, 1);
	dlg_free(&d);
}

/* FreeBSD 4.8/5.1: tcp_input() takes a SYN into the syncache while the
 * completed queue is at most b; syncache_socket()'s sonewconn() refuses a
 * completed handshake once it holds more than 3b/2, and the syncache then
 * forgets the entry without a word. Backlog 2, six SYNs in a burst: all
 * answered; of the six handshakes four join the queue; the other two
 * clients believe they are connected, and the next segment from one of
 * them meets no connection and is reset. */
static void freebsd_burst_then_forgotten_entries(void **state)
{
	(void)state;
	struct synq_config cfg = config(SYNQ_PERSONALITY_FREEBSD);
	struct dlg d;
	dlg_init(&d, &cfg);
	dlg_listen(&d, 2);
	uint32_t isn[6];
	for (uint16_t p = 5000; p < 5006; p++) {
		syn_from(&d, p);
		isn[p - 5000] = take_synack(&d, p);
	}
	for (uint16_t p = 5000; p < 5006; p++)
		ack_from(&d, p, isn[p - 5000], 0);
	dlg_expect_nothing(&d);
	assert_int_equal(listener(&d).accept_len, 4);
	assert_int_equal(listener(&d).syn_recv, 0);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtListenOverflows), 2);
	/* Data from a forgotten client: no connection, a reset. */
	ack_from(&d, 5004, isn[4], 10);
	struct dlg_out o;
	assert_true(dlg_next(&d, &o));
	assert_true(o.seg.flags & TCP_RST);
	assert_int_equal(o.seg.dst_port, 5004);
	dlg_expect_nothing(&d);
	/* Four queued > 2: the next SYN is not taken. */
	syn_from(&d, 5006);
	dlg_expect_nothing(&d);
	dlg_free(&d);
}

/* FreeBSD one after another: the SYN test alone, b + 1. */
static void freebsd_syn_test_one_after_another(void **state)
{
	(void)state;
	struct synq_config cfg = config(SYNQ_PERSONALITY_FREEBSD);
	struct dlg d;
	dlg_init(&d, &cfg);
	dlg_listen(&d, 2);
	for (uint16_t p = 5000; p < 5003; p++)
		handshake(&d, p);
	assert_int_equal(listener(&d).accept_len, 3);
	syn_from(&d, 5003);
	dlg_expect_nothing(&d);
	dlg_free(&d);
}

/* Windows: a SYN beyond the queue is answered with RST+ACK at once. */
static void windows_resets_the_syn(void **state)
{
	(void)state;
	struct synq_config cfg = config(SYNQ_PERSONALITY_WINDOWS);
	struct dlg d;
	dlg_init(&d, &cfg);
	int lfd = dlg_listen(&d, 1);
	handshake(&d, 5000);
	syn_from(&d, 5001);
	struct dlg_out o;
	assert_true(dlg_next(&d, &o));
	assert_int_equal(o.seg.flags, TCP_RST | TCP_ACK);
	assert_int_equal(o.seg.dst_port, 5001);
	assert_int_equal(o.seg.ack, client_isn(5001) + 1);
	dlg_expect_nothing(&d);
	assert_int_equal(listener(&d).syn_recv, 0);
	assert_true(synq_accept(d.s, lfd, NULL, NULL) >= 0);
	syn_from(&d, 5002);
	take_synack(&d, 5002);
	dlg_free(&d);
}

/* HP-UX 11.11 and Solaris 2.9: the measured counts, on the stack too
 * (Solaris at backlog 4 queues 6, HP-UX at backlog 1 queues 1). */
static void measured_tables_on_the_stack(void **state)
{
	(void)state;
	static const struct {
		enum synq_personality p;
		int backlog;
		uint16_t queued;
	} cases[] = { { SYNQ_PERSONALITY_SOLARIS_2_9, 4, 6 }, { SYNQ_PERSONALITY_HPUX_11, 1, 1 } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct synq_config cfg = config(cases[i].p);
		struct dlg d;
		dlg_init(&d, &cfg);
		dlg_listen(&d, cases[i].backlog);
		uint16_t p = 5000;
		for (; p < 5000 + cases[i].queued; p++)
			handshake(&d, p);
		syn_from(&d, p);
		dlg_expect_nothing(&d);
		assert_int_equal(listener(&d).accept_len, cases[i].queued);
		dlg_free(&d);
	}
}

/* Linux 2.4's SYN table: tcp_synq_is_full() at the first power of two at
 * or above max(64, tcp_max_syn_backlog), then cookies (tcp_syncookies=1);
 * 128 requests for 100, 64 for 10. */
static void linux_2_4_syn_table_in_powers_of_two(void **state)
{
	(void)state;
	static const struct {
		int32_t max_syn_backlog;
		uint16_t requests;
	} cases[] = { { 100, 128 }, { 10, 64 }, { 128, 128 } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct synq_config cfg = config(SYNQ_PERSONALITY_LINUX_2_4);
		cfg.tcp_syncookies = 1;
		cfg.tcp_max_syn_backlog = cases[i].max_syn_backlog;
		struct dlg d;
		dlg_init(&d, &cfg);
		dlg_listen(&d, 1000);
		uint16_t p = 5000;
		for (; p < 5000 + cases[i].requests; p++) {
			syn_from(&d, p);
			take_synack(&d, p);
		}
		assert_int_equal(listener(&d).syn_recv, cases[i].requests);
		assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesSent), 0);
		syn_from(&d, p);
		take_synack(&d, p);
		assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesSent), 1);
		assert_int_equal(listener(&d).syn_recv, cases[i].requests);
		dlg_free(&d);
	}
}

/* Cookies and the "last quarter" rule of tcp_max_syn_backlog without
 * cookies are Linux's: a 4.4BSD listener with cookies forced on
 * (tcp_syncookies=2) or off with a small tcp_max_syn_backlog answers
 * from its backlog rule alone, with requests kept. */
static void cookies_and_syn_backlog_are_linux_only(void **state)
{
	(void)state;
	for (int cookies = 0; cookies <= 2; cookies += 2) {
		struct synq_config cfg = config(SYNQ_PERSONALITY_BSD);
		cfg.tcp_syncookies = cookies;
		cfg.tcp_max_syn_backlog = 8;
		struct dlg d;
		dlg_init(&d, &cfg);
		dlg_listen(&d, 20); /* 3b/2 = 30 */
		for (uint16_t p = 5000; p < 5031; p++) {
			syn_from(&d, p);
			take_synack(&d, p);
		}
		syn_from(&d, 5031);
		dlg_expect_nothing(&d);
		assert_int_equal(listener(&d).syn_recv, 31);
		assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesSent), 0);
		dlg_free(&d);
	}
}

/* Linux 2.4's SYN-ACK timer prunes never-answered requests once its SYN
 * table is half full (here 40 of 64 with tcp_max_syn_backlog = 64),
 * whatever the backlog: with no young request left, the retries drop
 * from 5 to 2, and requests that were sent a SYN-ACK at 3 and 9 s are
 * dropped at 21 s, until the table is under half full again: 31 of the
 * 40 stay, and get their third SYN-ACK. 30 requests (under half) keep all
 * five retries. Today's Linux prunes at half the backlog (100 here), so
 * neither would lose any. */
static void linux_2_4_prunes_at_half_its_syn_table(void **state)
{
	(void)state;
	static const struct {
		uint16_t requests;
		uint16_t left;
	} cases[] = { { 40, 31 }, { 30, 30 } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct synq_config cfg = config(SYNQ_PERSONALITY_LINUX_2_4);
		cfg.tcp_max_syn_backlog = 64;
		cfg.tcp_synack_retries = 5;
		struct dlg d;
		dlg_init(&d, &cfg);
		dlg_listen(&d, 100);
		for (uint16_t p = 5000; p < 5000 + cases[i].requests; p++) {
			syn_from(&d, p);
			take_synack(&d, p);
		}
		dlg_advance(&d, SYNQ_SEC(10));
		assert_int_equal(listener(&d).syn_recv, cases[i].requests);
		dlg_discard(&d);
		dlg_advance(&d, SYNQ_SEC(12)); /* 22 s: the third timeout */
		assert_int_equal(listener(&d).syn_recv, cases[i].left);
		assert_int_equal(dlg_pending(&d), cases[i].left);
		dlg_free(&d);
	}
}

/* Linux 2.4 keeps a request the client has acknowledged (here its bare
 * ACK held back by TCP_DEFER_ACCEPT) for all of TCP_DEFER_ACCEPT's
 * retries, and sends its SYN-ACK at every timeout; one never
 * acknowledged goes after tcp_synack_retries (1 here): at 9 s. */
static void linux_2_4_acked_request_outlives_synack_retries(void **state)
{
	(void)state;
	struct synq_config cfg = config(SYNQ_PERSONALITY_LINUX_2_4);
	cfg.tcp_synack_retries = 1;
	struct dlg d;
	dlg_init(&d, &cfg);
	int lfd = dlg_listen(&d, 10);
	int secs = 30;
	assert_int_equal(synq_setsockopt(d.s, lfd, IPPROTO_TCP, SYNQ_TCP_DEFER_ACCEPT, &secs,
	                                 sizeof secs),
	                 0);
	syn_from(&d, 5000);
	ack_from(&d, 5000, take_synack(&d, 5000), 0); /* held back: no data */
	syn_from(&d, 5001);
	take_synack(&d, 5001);
	dlg_expect_nothing(&d);
	assert_int_equal(listener(&d).syn_recv, 2);
	dlg_advance(&d, SYNQ_MSEC(3500));
	uint16_t first = 0, second = 0;
	struct dlg_out o;
	assert_true(dlg_next(&d, &o));
	first = o.seg.dst_port;
	assert_true(dlg_next(&d, &o));
	second = o.seg.dst_port;
	assert_int_equal(first + second, 5000 + 5001);
	dlg_expect_nothing(&d);
	dlg_advance(&d, SYNQ_SEC(6)); /* 9.5 s: the second timeout */
	assert_int_equal(listener(&d).syn_recv, 1);
	take_synack(&d, 5000);
	dlg_expect_nothing(&d);
	dlg_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bsd_sonewconn_counts_both_queues),
		cmocka_unit_test(linux_2_4_young_requests_and_dropped_acks),
		cmocka_unit_test(freebsd_burst_then_forgotten_entries),
		cmocka_unit_test(freebsd_syn_test_one_after_another),
		cmocka_unit_test(windows_resets_the_syn),
		cmocka_unit_test(measured_tables_on_the_stack),
		cmocka_unit_test(linux_2_4_syn_table_in_powers_of_two),
		cmocka_unit_test(cookies_and_syn_backlog_are_linux_only),
		cmocka_unit_test(linux_2_4_prunes_at_half_its_syn_table),
		cmocka_unit_test(linux_2_4_acked_request_outlives_synack_retries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
