/* SPDX-License-Identifier: BSD-2-Clause */
/* The listen path, rule by rule, as packet dialogues against one stack:
 * each test's opening line says which rule it pins. Clients are
 * told apart by their source port; each uses ISN = 1000 * port. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialogue.h"
#include "synq/inspect.h"
#include "synq/socket.h"

static uint32_t client_isn(uint16_t port)
{
	return 1000u * port;
}

static uint64_t counter(struct dlg *d, enum synq_mib_counter c)
{
	return synq_stack_mib(d->s)->value[c];
}

static struct synq_stack_usage usage(struct dlg *d)
{
	struct synq_stack_usage u;
	synq_stack_usage(d->s, &u);
	return u;
}

static void syn_from(struct dlg *d, uint16_t port, bool timestamps)
{
	struct dlg_seg syn = { .flags = TCP_SYN, .seq = client_isn(port), .raw_seq = true,
	                       .window = 65535, .src_port = port,
	                       .opt = { .has_mss = true, .mss = 1460 } };
	if (timestamps) {
		syn.opt.sack_permitted = true;
		syn.opt.has_timestamp = true;
		syn.opt.tsval = 100;
		syn.opt.has_wscale = true;
		syn.opt.wscale = 7;
	}
	dlg_send(d, &syn);
}

/* The next output must be a SYN-ACK to port; returns it. */
static struct dlg_out take_synack(struct dlg *d, uint16_t port)
{
	struct dlg_out o;
	assert_true(dlg_next(d, &o));
	assert_int_equal(o.seg.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(o.seg.dst_port, port);
	assert_int_equal(o.seg.ack, client_isn(port) + 1);
	return o;
}

static void ack_from(struct dlg *d, uint16_t port, uint32_t server_isn, uint16_t len,
                     const struct dlg_out *synack)
{
	struct dlg_seg ack = { .flags = TCP_ACK | (len ? TCP_PSH : 0),
	                       .seq = client_isn(port) + 1, .ack = server_isn + 1,
	                       .raw_seq = true, .window = 65535, .src_port = port, .len = len };
	if (synack && synack->seg.opt.has_timestamp) {
		ack.opt.has_timestamp = true;
		ack.opt.tsval = 101;
		ack.opt.tsecr = synack->seg.opt.tsval;
	}
	dlg_send(d, &ack);
}

/* A full handshake from port; returns the SYN-ACK. */
static struct dlg_out handshake(struct dlg *d, uint16_t port)
{
	syn_from(d, port, false);
	struct dlg_out o = take_synack(d, port);
	ack_from(d, port, o.seg.seq, 0, &o);
	return o;
}

static struct synq_config config(int syncookies)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.tcp_syncookies = syncookies;
	return cfg;
}

/* A SYN creates a small request object, not a connection. */
static void c7_syn_creates_small_request(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	dlg_listen(&d, 16);
	syn_from(&d, 5000, true);
	take_synack(&d, 5000);
	struct synq_stack_usage u = usage(&d);
	assert_int_equal(u.requests.used, 1);
	assert_int_equal(u.connections.used, 0);
	struct synq_object_sizes z;
	synq_object_sizes(&z);
	assert_true(z.request <= 64);
	assert_true(z.request < z.connection / 4);
	dlg_free(&d);
}

/* Cookies only under pressure; the final ACK is checked and makes a
 * connection without any state kept in between. */
static void c8_cookies_only_under_pressure(void **state)
{
	(void)state;
	struct synq_config cfg = config(1);
	struct dlg d;
	dlg_init(&d, &cfg);
	int lfd = dlg_listen(&d, 1);
	/* Backlog 1: the request queue holds 2 (Linux 6.13+: qlen > backlog). */
	for (uint16_t p = 5000; p < 5002; p++) {
		syn_from(&d, p, true);
		take_synack(&d, p);
	}
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesSent), 0);
	syn_from(&d, 5002, true);
	struct dlg_out cookie = take_synack(&d, 5002);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesSent), 1);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPReqQFullDoCookies), 1);
	assert_int_equal(usage(&d).requests.used, 2);
	/* The options survive in the timestamp. */
	assert_true(cookie.seg.opt.has_wscale && cookie.seg.opt.sack_permitted);
	ack_from(&d, 5002, cookie.seg.seq, 0, &cookie);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesRecv), 1);
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	int fd = synq_accept(d.s, lfd, (struct sockaddr *)&peer, &len);
	assert_true(fd >= 3);
	assert_int_equal(ntohs(peer.sin_port), 5002);
	struct synq_tcp_info ti;
	socklen_t tl = sizeof ti;
	synq_getsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &tl);
	assert_int_equal(ti.tcpi_state, SYNQ_TCP_ESTABLISHED);
	assert_int_equal(ti.tcpi_options & 7, 7);        /* TS, SACK, wscale kept */
	assert_int_equal(ti.tcpi_wscale & 0xf, 7);
	/* A forged cookie is refused with a reset and counted. */
	ack_from(&d, 5003, 0x12345678, 0, NULL);
	struct dlg_out o;
	assert_true(dlg_next(&d, &o));
	assert_int_equal(o.seg.flags, TCP_RST);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesFailed), 1);
	dlg_expect_nothing(&d);
	dlg_free(&d);
}

/* Without timestamps the cookie keeps only the MSS (rounded down
 * to the table), and window scaling and SACK are lost. */
static void c8_cookie_without_timestamps_loses_options(void **state)
{
	(void)state;
	struct synq_config cfg = config(2);
	struct dlg d;
	dlg_init(&d, &cfg);
	int lfd = dlg_listen(&d, 16);
	struct dlg_seg syn = { .flags = TCP_SYN, .seq = client_isn(6000), .raw_seq = true,
	                       .window = 65535, .src_port = 6000,
	                       .opt = { .has_mss = true, .mss = 1200, .sack_permitted = true,
	                                .has_wscale = true, .wscale = 7 } };
	dlg_send(&d, &syn);
	struct dlg_out o = take_synack(&d, 6000);
	assert_false(o.seg.opt.has_wscale);
	assert_false(o.seg.opt.sack_permitted);
	assert_int_equal(usage(&d).requests.used, 0);
	ack_from(&d, 6000, o.seg.seq, 0, NULL);
	int fd = synq_accept(d.s, lfd, NULL, NULL);
	assert_true(fd >= 3);
	struct synq_tcp_info ti;
	socklen_t tl = sizeof ti;
	synq_getsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &tl);
	assert_int_equal(ti.tcpi_options & 7, 0);
	assert_int_equal(ti.tcpi_snd_mss, 536); /* 1200 rounds down to 536 */
	/* Mode 2 never logs the flood line. */
	assert_int_equal(d.log_count, 0);
	dlg_free(&d);
}

static int set_defer(struct dlg *d, int lfd, int seconds)
{
	return synq_setsockopt(d->s, lfd, IPPROTO_TCP, SYNQ_TCP_DEFER_ACCEPT, &seconds,
	                       sizeof seconds);
}

/* With defer-accept the handshake's bare ACK is dropped; the
 * server stays SYN_RECV while the client is established. */
static void c9_c12_defer_accept_drops_bare_ack(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 16);
	assert_int_equal(set_defer(&d, lfd, 5), 0);
	handshake(&d, 7000);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPDeferAcceptDrop), 1);
	assert_int_equal(usage(&d).requests.used, 1);
	assert_int_equal(usage(&d).connections.used, 0);
	assert_int_equal(synq_accept(d.s, lfd, NULL, NULL), -EAGAIN);
	dlg_expect_nothing(&d);
	/* Another bare ACK (the client's dup ACK) is dropped the same way. */
	ack_from(&d, 7000, d.stack_isn, 0, NULL);
	dlg_expect_nothing(&d);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPDeferAcceptDrop), 2);
	assert_int_equal(usage(&d).requests.used, 1);
	dlg_free(&d);
}

/* Data on the ACK completes a deferred handshake immediately. */
static void c9_defer_accept_data_completes(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 16);
	assert_int_equal(set_defer(&d, lfd, 5), 0);
	syn_from(&d, 7001, false);
	struct dlg_out o = take_synack(&d, 7001);
	ack_from(&d, 7001, o.seg.seq, 0, &o);
	ack_from(&d, 7001, o.seg.seq, 100, &o);
	int fd = synq_accept(d.s, lfd, NULL, NULL);
	assert_true(fd >= 3);
	char buf[200];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 100);
	dlg_free(&d);
}

/* The defer timeout in seconds becomes a retransmission count, read
 * back rounded up (secs_to_retrans / retrans_to_secs). */
static void c11_defer_seconds_to_retransmissions(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 16);
	static const int in[] = { -5, 0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 31, 32, 60, 63, 64, 127, 128 };
	static const int out[] = { 0, 0, 1, 3, 3, 7, 7, 7, 15, 15, 31, 31, 63, 63, 63, 127, 127, 247 };
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		assert_int_equal(set_defer(&d, lfd, in[i]), 0);
		int v = -1;
		socklen_t len = sizeof v;
		assert_int_equal(synq_getsockopt(d.s, lfd, IPPROTO_TCP, SYNQ_TCP_DEFER_ACCEPT, &v, &len), 0);
		assert_int_equal(v, out[i]);
	}
	dlg_free(&d);
}

/* No resends while acked-and-waiting; a last-chance SYN-ACK at
 * the end of the period; its ACK hands over a connection without data.
 * Measured on 6.18: 2 s -> accepted at ~3 s, 5 s -> ~7 s. */
static void defer_timeline(int seconds, int last_chance_s)
{
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 16);
	assert_int_equal(set_defer(&d, lfd, seconds), 0);
	synq_time_t start = d.now;
	syn_from(&d, 7100, true);
	struct dlg_out o = take_synack(&d, 7100);
	ack_from(&d, 7100, o.seg.seq, 0, &o);
	dlg_advance(&d, SYNQ_SEC(last_chance_s) - 1);
	dlg_expect_nothing(&d); /* no resends while acked */
	dlg_advance(&d, 1);
	struct dlg_out last = take_synack(&d, 7100);
	assert_int_equal(last.at - start, SYNQ_SEC(last_chance_s));
	assert_int_equal(synq_accept(d.s, lfd, NULL, NULL), -EAGAIN);
	/* The client, established, answers the old SYN-ACK with an ACK. */
	ack_from(&d, 7100, o.seg.seq, 0, &last);
	int fd = synq_accept(d.s, lfd, NULL, NULL);
	assert_true(fd >= 3);
	char buf[8];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), -EAGAIN);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPDeferAcceptDrop), 1);
	dlg_free(&d);
}

static void c13_c14_defer_last_chance_2s(void **state)
{
	(void)state;
	defer_timeline(2, 3);
}

static void c13_c14_defer_last_chance_5s(void **state)
{
	(void)state;
	defer_timeline(5, 7);
}

/* A client that completed the handshake and stays silent keeps its
 * request max(defer, synack retries) timeouts: with defer 60 s (6
 * retransmissions) one last-chance SYN-ACK at 63 s and expiry at 127 s. */
static void c14_defer_extends_request_life(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 16);
	assert_int_equal(set_defer(&d, lfd, 60), 0);
	synq_time_t start = d.now;
	syn_from(&d, 7200, false);
	struct dlg_out o = take_synack(&d, 7200);
	ack_from(&d, 7200, o.seg.seq, 0, NULL);
	dlg_advance(&d, SYNQ_SEC(63) - 1);
	dlg_expect_nothing(&d);
	dlg_advance(&d, 1);
	o = take_synack(&d, 7200);
	assert_int_equal(o.at - start, SYNQ_SEC(63));
	dlg_advance(&d, SYNQ_SEC(127) - (d.now - start) - 1);
	assert_int_equal(usage(&d).requests.used, 1);
	dlg_advance(&d, 1);
	assert_int_equal(usage(&d).requests.used, 0);
	dlg_expect_nothing(&d); /* expiry is silent */
	/* A never-acknowledged request with defer still expires after the
	 * SYN-ACK retries (5): at 63 s. */
	syn_from(&d, 7201, false);
	take_synack(&d, 7201);
	start = d.now;
	dlg_advance(&d, SYNQ_SEC(63) - 1);
	assert_int_equal(usage(&d).requests.used, 1);
	dlg_advance(&d, 1);
	assert_int_equal(usage(&d).requests.used, 0);
	dlg_discard(&d);
	dlg_free(&d);
}

/* Without defer-accept a request expires after
 * tcp_synack_retries (5): SYN-ACKs at 0, 1, 3, 7, 15, 31 s, gone at 63 s,
 * silently. Fewer retries (a defence) shorten it. */
static void c15_request_expiry(void **state)
{
	(void)state;
	for (int retries = 5; retries >= 2; retries -= 3) {
		struct synq_config cfg = config(1);
		cfg.tcp_synack_retries = retries;
		struct dlg d;
		dlg_init(&d, &cfg);
		dlg_listen(&d, 16);
		syn_from(&d, 7300, false);
		take_synack(&d, 7300);
		synq_time_t start = d.now;
		int at = 1;
		for (int i = 0; i < retries; i++) {
			dlg_advance(&d, SYNQ_SEC(at) - (d.now - start));
			struct dlg_out o = take_synack(&d, 7300);
			assert_int_equal(o.at - start, SYNQ_SEC(at));
			at = at * 2 + 1;
		}
		dlg_advance(&d, SYNQ_SEC(at) - (d.now - start) - 1);
		assert_int_equal(usage(&d).requests.used, 1);
		dlg_advance(&d, 1);
		assert_int_equal(usage(&d).requests.used, 0);
		dlg_expect_nothing(&d);
		assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPSynRetrans), (uint64_t)retries);
		dlg_free(&d);
	}
}

/* While more than half the backlog is old requests, they get fewer
 * retries (the "young" pruning rule of reqsk_timer_handler()): with
 * backlog 16 and 12 never-answered requests, those that time out a third
 * time at 7 s are dropped until only 8 (half of 16) are left; those 8
 * then run their full 5 retries. */
static void c15_old_requests_pruned(void **state)
{
	(void)state;
	struct synq_config cfg = config(0);
	struct dlg d;
	dlg_init(&d, &cfg);
	dlg_listen(&d, 16);
	for (uint16_t p = 7400; p < 7412; p++) {
		syn_from(&d, p, false);
		take_synack(&d, p);
	}
	dlg_advance(&d, SYNQ_SEC(7) - 1);
	assert_int_equal(usage(&d).requests.used, 12);
	dlg_advance(&d, 1);
	assert_int_equal(usage(&d).requests.used, 8);
	dlg_advance(&d, SYNQ_SEC(56) - 1);
	assert_int_equal(usage(&d).requests.used, 8);
	dlg_advance(&d, 1);
	assert_int_equal(usage(&d).requests.used, 0);
	dlg_discard(&d);
	dlg_free(&d);
}

/* Spoofed SYNs that never complete fill the request queue;
 * without cookies real clients are then ignored. */
static void c17_c22_syn_flood_fills_request_queue(void **state)
{
	(void)state;
	struct synq_config cfg = config(0);
	struct dlg d;
	dlg_init(&d, &cfg);
	dlg_listen(&d, 8);
	for (uint16_t p = 8000; p < 8020; p++)
		syn_from(&d, p, false);
	assert_int_equal(usage(&d).requests.used, 9); /* backlog + 1 */
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPReqQFullDrop), 11);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtListenDrops), 11);
	assert_int_equal(dlg_pending(&d), 9);
	dlg_discard(&d);
	/* A real client now: ignored, no answer at all. */
	syn_from(&d, 9000, false);
	dlg_expect_nothing(&d);
	/* The flood line is logged once per listener. */
	assert_int_equal(d.log_count, 1);
	assert_non_null(strstr(d.log[0], "Possible SYN flooding on port"));
	assert_non_null(strstr(d.log[0], "Dropping request"));
	dlg_free(&d);
}

/* The flood is answered with cookies and real clients
 * still connect. */
static void c22_cookies_defeat_flood(void **state)
{
	(void)state;
	struct synq_config cfg = config(1);
	struct dlg d;
	dlg_init(&d, &cfg);
	int lfd = dlg_listen(&d, 8);
	for (uint16_t p = 8000; p < 8100; p++)
		syn_from(&d, p, false);
	assert_int_equal(usage(&d).requests.used, 9);
	dlg_discard(&d);
	handshake(&d, 9001);
	assert_true(synq_accept(d.s, lfd, NULL, NULL) >= 3);
	assert_int_equal(d.log_count, 1);
	assert_non_null(strstr(d.log[0], "Sending cookies"));
	dlg_free(&d);
}

/* A full accept queue drops new SYNs, even with cookies, and
 * never answers them with a reset: the client retransmits. */
static void c18_c32_full_accept_queue_ignores_syn(void **state)
{
	(void)state;
	struct synq_config cfg = config(2);
	struct dlg d;
	dlg_init(&d, &cfg);
	dlg_listen(&d, 2);
	for (uint16_t p = 9100; p < 9103; p++)
		handshake(&d, p);
	/* Backlog 2 holds 3 completed connections. */
	char ss[512];
	synq_ss_format(d.s, ss, sizeof ss);
	assert_non_null(strstr(ss, "LISTEN     3      2"));
	syn_from(&d, 9200, false);
	dlg_expect_nothing(&d);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtListenOverflows), 1);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtListenDrops), 1);
	dlg_free(&d);
}

/* Data after the handshake but before accept() is queued. */
static void c19_data_before_accept_queued(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 4);
	struct dlg_out o = handshake(&d, 9300);
	ack_from(&d, 9300, o.seg.seq, 300, &o);
	struct dlg_out a;
	assert_true(dlg_next(&d, &a));
	assert_int_equal(a.seg.ack, client_isn(9300) + 301);
	int fd = synq_accept(d.s, lfd, NULL, NULL);
	char buf[400];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 300);
	dlg_free(&d);
}

/* Today's limits: the request queue holds backlog + 1 (not
 * max(tcp_max_syn_backlog, 64)), the accept queue min(somaxconn,
 * backlog) + 1; a negative backlog means somaxconn. */
static void c31_queue_limits_today(void **state)
{
	(void)state;
	struct synq_config cfg = config(0);
	cfg.somaxconn = 4;
	struct dlg d;
	dlg_init(&d, &cfg);
	int lfd = dlg_listen(&d, 100);
	struct synq_listener_info li;
	assert_int_equal(synq_listeners(d.s, &li, 1), 1);
	assert_int_equal(li.backlog, 4);
	for (uint16_t p = 9400; p < 9420; p++)
		syn_from(&d, p, false);
	assert_int_equal(usage(&d).requests.used, 5);
	/* the cheap accessor reports what synq_listeners() does */
	uint32_t syn_recv = 0, accept_len = 99;
	synq_listeners(d.s, &li, 1);
	assert_true(synq_listener_queues(d.s, &syn_recv, &accept_len));
	assert_int_equal(syn_recv, 5);
	assert_int_equal(syn_recv, li.syn_recv);
	assert_int_equal(accept_len, li.accept_len);
	dlg_discard(&d);
	assert_int_equal(synq_listen(d.s, lfd, -1), 0);
	synq_listeners(d.s, &li, 1);
	assert_int_equal(li.backlog, 4);
	assert_int_equal(synq_listen(d.s, lfd, 0), 0);
	synq_listeners(d.s, &li, 1);
	assert_int_equal(li.backlog, 0);
	dlg_free(&d);
}

/* The measured 6.18 table with the final ACK suppressed, 12
 * clients: syncookies=0 keeps backlog + 1 and drops the rest;
 * syncookies=1 answers the rest with cookies. */
static void c32_final_ack_suppressed(void **state)
{
	(void)state;
	for (int cookies = 0; cookies <= 1; cookies++) {
		for (int backlog = 0; backlog <= 3; backlog += 3) {
			struct synq_config cfg = config(cookies);
			struct dlg d;
			dlg_init(&d, &cfg);
			dlg_listen(&d, backlog);
			for (uint16_t p = 9500; p < 9512; p++)
				syn_from(&d, p, false);
			uint32_t kept = (uint32_t)backlog + 1;
			assert_int_equal(usage(&d).requests.used, kept);
			if (cookies) {
				assert_int_equal(dlg_pending(&d), 12);
				assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesSent), 12 - kept);
				assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPReqQFullDoCookies), 12 - kept);
			} else {
				assert_int_equal(dlg_pending(&d), kept);
				assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPReqQFullDrop), 12 - kept);
			}
			/* The filter goes after 3.5 s: the kept requests resend
			 * their SYN-ACKs, their ACKs complete them, and Recv-Q
			 * shows b+1. The cookie clients left no state to find. */
			dlg_discard(&d);
			dlg_advance(&d, SYNQ_MSEC(3500));
			struct dlg_out o;
			uint32_t resent = 0;
			while (dlg_next(&d, &o)) {
				assert_int_equal(o.seg.flags, TCP_SYN | TCP_ACK);
				ack_from(&d, o.seg.dst_port, o.seg.seq, 0, NULL);
				resent++;
			}
			assert_int_equal(resent, 2 * kept); /* at 1 s and at 3 s */
			struct synq_listener_info li;
			synq_listeners(d.s, &li, 1);
			assert_int_equal(li.accept_len, kept);
			assert_int_equal(li.syn_recv, 0);
			uint32_t syn_recv = 99, accept_len = 0;
			assert_true(synq_listener_queues(d.s, &syn_recv, &accept_len));
			assert_int_equal(accept_len, kept);
			assert_int_equal(syn_recv, 0);
			dlg_free(&d);
		}
	}
}

/* The final ACK meets a full accept queue. abort_on_overflow=0:
 * ignored, SYN-ACKs go on, accept() makes room and the next ACK completes.
 * =1: a reset (seq = the ACK's ack number, no ACK flag), EmbryonicRsts. */
static void c33_final_ack_accept_queue_full(void **state)
{
	(void)state;
	for (int abort_on_overflow = 0; abort_on_overflow <= 1; abort_on_overflow++) {
		struct synq_config cfg = config(0);
		cfg.tcp_abort_on_overflow = abort_on_overflow;
		struct dlg d;
		dlg_init(&d, &cfg);
		/* Backlog 1 (as measured on 6.18): one queued connection, two
		 * pending requests; the last final ACK finds the queue full. */
		int lfd = dlg_listen(&d, 1);
		syn_from(&d, 9598, false);
		struct dlg_out a = take_synack(&d, 9598);
		syn_from(&d, 9599, false);
		struct dlg_out b = take_synack(&d, 9599);
		ack_from(&d, 9598, a.seg.seq, 0, NULL);
		syn_from(&d, 9601, false);
		struct dlg_out second = take_synack(&d, 9601);
		ack_from(&d, 9599, b.seg.seq, 0, NULL); /* the queue is full (2) */
		ack_from(&d, 9601, second.seg.seq, 0, NULL);
		assert_int_equal(counter(&d, SYNQ_MIB_TcpExtListenOverflows), 1);
		if (abort_on_overflow) {
			struct dlg_out rst;
			assert_true(dlg_next(&d, &rst));
			assert_int_equal(rst.seg.flags, TCP_RST);
			assert_int_equal(rst.seg.seq, second.seg.seq + 1);
			assert_int_equal(counter(&d, SYNQ_MIB_TcpExtEmbryonicRsts), 1);
			assert_int_equal(usage(&d).requests.used, 0);
		} else {
			dlg_expect_nothing(&d);
			assert_int_equal(usage(&d).requests.used, 1);
			assert_true(synq_accept(d.s, lfd, NULL, NULL) >= 3);
			/* The SYN-ACK is retransmitted at 1 s; its ACK completes. */
			dlg_advance(&d, SYNQ_SEC(1));
			take_synack(&d, 9601);
			ack_from(&d, 9601, second.seg.seq, 0, NULL);
			assert_true(synq_accept(d.s, lfd, NULL, NULL) >= 3);
			assert_true(synq_accept(d.s, lfd, NULL, NULL) >= 3);
			assert_int_equal(usage(&d).requests.used, 0);
		}
		dlg_free(&d);
	}
}

/* Ss shows Recv-Q = accept queue (b + 1 when full) and Send-Q
 * = backlog; nstat counts the overflows. */
static void c35_c36_ss_and_nstat(void **state)
{
	(void)state;
	struct synq_config cfg = config(1);
	struct dlg d;
	dlg_init(&d, &cfg);
	dlg_listen(&d, 3);
	for (uint16_t p = 9700; p < 9704; p++)
		handshake(&d, p);
	syn_from(&d, 9705, false);
	syn_from(&d, 9706, false);
	char text[8192];
	synq_ss_format(d.s, text, sizeof text);
	assert_non_null(strstr(text, "Recv-Q Send-Q"));
	assert_non_null(strstr(text, "LISTEN     4      3      0.0.0.0:8080"));
	synq_nstat_format(d.s, text, sizeof text);
	unsigned long overflows = 0, drops = 0;
	char *at = strstr(text, "TcpExtListenOverflows ");
	assert_non_null(at);
	assert_int_equal(sscanf(at, "TcpExtListenOverflows %lu", &overflows), 1);
	at = strstr(text, "TcpExtListenDrops ");
	assert_non_null(at);
	assert_int_equal(sscanf(at, "TcpExtListenDrops %lu", &drops), 1);
	assert_int_equal(overflows, 2);
	assert_int_equal(drops, 2);
	dlg_free(&d);
}

/* A cookie stays valid while the minute counter moves by one (60 to
 * 120 s), so a handshake straddling a tick works; two ticks later the
 * cookie fails. */
static void c37_cookie_validity_window(void **state)
{
	(void)state;
	for (int late = 0; late <= 1; late++) {
		struct synq_config cfg = config(2);
		struct dlg d;
		dlg_init(&d, &cfg);
		int lfd = dlg_listen(&d, 8);
		syn_from(&d, 9800, true);
		struct dlg_out o = take_synack(&d, 9800);
		/* 61 s later the counter has ticked once; 181 s, three times. */
		dlg_advance(&d, late ? SYNQ_SEC(119) : SYNQ_SEC(61));
		syn_from(&d, 9801, true);        /* keeps "recent overflow" fresh */
		take_synack(&d, 9801);
		dlg_advance(&d, late ? SYNQ_SEC(62) : 0);
		ack_from(&d, 9800, o.seg.seq, 0, &o);
		if (late) {
			struct dlg_out rst;
			assert_true(dlg_next(&d, &rst));
			assert_int_equal(rst.seg.flags, TCP_RST);
			assert_int_equal(counter(&d, SYNQ_MIB_TcpExtSyncookiesFailed), 1);
		} else {
			assert_true(synq_accept(d.s, lfd, NULL, NULL) >= 3);
		}
		dlg_free(&d);
	}
}

/* An ACK with a wrong acknowledgment number draws a reset from the
 * listener and leaves the request alone (tcp_check_req()). */
static void request_bad_ack_reset_request_survives(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 8);
	syn_from(&d, 9900, false);
	struct dlg_out o = take_synack(&d, 9900);
	ack_from(&d, 9900, o.seg.seq + 5, 0, NULL);
	struct dlg_out rst;
	assert_true(dlg_next(&d, &rst));
	assert_int_equal(rst.seg.flags, TCP_RST);
	assert_int_equal(rst.seg.seq, o.seg.seq + 6);
	ack_from(&d, 9900, o.seg.seq, 0, NULL);
	assert_true(synq_accept(d.s, lfd, NULL, NULL) >= 3);
	/* A duplicate SYN gets the SYN-ACK again, once per 500 ms. */
	dlg_free(&d);
}

static void duplicate_syn_resends_synack_rate_limited(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	dlg_listen(&d, 8);
	syn_from(&d, 9950, false);
	take_synack(&d, 9950);
	dlg_advance(&d, SYNQ_MSEC(600));
	syn_from(&d, 9950, false);
	take_synack(&d, 9950);
	dlg_advance(&d, SYNQ_MSEC(100));
	syn_from(&d, 9950, false);
	dlg_expect_nothing(&d);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPACKSkippedSynRecv), 1);
	/* The resend restarted the timer: next SYN-ACK 1 s after it. */
	dlg_advance(&d, SYNQ_MSEC(899));
	dlg_expect_nothing(&d);
	dlg_advance(&d, SYNQ_MSEC(1));
	take_synack(&d, 9950);
	dlg_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(c7_syn_creates_small_request),
		cmocka_unit_test(c8_cookies_only_under_pressure),
		cmocka_unit_test(c8_cookie_without_timestamps_loses_options),
		cmocka_unit_test(c9_c12_defer_accept_drops_bare_ack),
		cmocka_unit_test(c9_defer_accept_data_completes),
		cmocka_unit_test(c11_defer_seconds_to_retransmissions),
		cmocka_unit_test(c13_c14_defer_last_chance_2s),
		cmocka_unit_test(c13_c14_defer_last_chance_5s),
		cmocka_unit_test(c14_defer_extends_request_life),
		cmocka_unit_test(c15_request_expiry),
		cmocka_unit_test(c15_old_requests_pruned),
		cmocka_unit_test(c17_c22_syn_flood_fills_request_queue),
		cmocka_unit_test(c22_cookies_defeat_flood),
		cmocka_unit_test(c18_c32_full_accept_queue_ignores_syn),
		cmocka_unit_test(c19_data_before_accept_queued),
		cmocka_unit_test(c31_queue_limits_today),
		cmocka_unit_test(c32_final_ack_suppressed),
		cmocka_unit_test(c33_final_ack_accept_queue_full),
		cmocka_unit_test(c35_c36_ss_and_nstat),
		cmocka_unit_test(c37_cookie_validity_window),
		cmocka_unit_test(request_bad_ack_reset_request_survives),
		cmocka_unit_test(duplicate_syn_resends_synack_rate_limited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
