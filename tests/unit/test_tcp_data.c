/* SPDX-License-Identifier: BSD-2-Clause */
/* The data path as packet dialogues: Nagle, delayed ACKs, out-of-order
 * data with SACK blocks and D-SACK, fast retransmit, RTO backoff,
 * zero-window probes, keepalive, PAWS. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <string.h>

#include <cmocka.h>

#include "dialogue.h"
#include "synq/socket.h"

static int open_conn(struct dlg *d, bool options)
{
	int lfd = dlg_listen(d, 8);
	int fd = dlg_passive_open(d, lfd, options);
	assert_int_equal(dlg_pending(d), 0);
	return fd;
}

static void ack_seg(struct dlg *d, uint32_t seq, uint32_t ack, uint16_t window)
{
	dlg_send(d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = seq, .ack = ack, .window = window });
}

static void nagle_holds_small_segments(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, false);
	assert_int_equal(synq_write(d.s, fd, "0123456789", 10), 10);
	struct dlg_out o = dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
	assert_int_equal(o.seg.payload_len, 10);
	/* A second small write waits for the first one's ACK... */
	assert_int_equal(synq_write(d.s, fd, "abc", 3), 3);
	assert_int_equal(synq_write(d.s, fd, "def", 3), 3);
	dlg_expect_nothing(&d);
	ack_seg(&d, 1, 11, 257);
	o = dlg_expect(&d, TCP_ACK | TCP_PSH, 11, 1);
	assert_int_equal(o.seg.payload_len, 6);
	/* ...unless TCP_NODELAY is set. */
	int one = 1;
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_NODELAY, &one, sizeof one), 0);
	assert_int_equal(synq_write(d.s, fd, "g", 1), 1);
	dlg_expect(&d, TCP_ACK | TCP_PSH, 17, 1);
	/* TCP_CORK holds even with NODELAY, and uncorking sends. */
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_CORK, &one, sizeof one), 0);
	assert_int_equal(synq_write(d.s, fd, "hi", 2), 2);
	dlg_expect_nothing(&d);
	int zero = 0;
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_CORK, &zero, sizeof zero), 0);
	dlg_expect(&d, TCP_ACK | TCP_PSH, 18, 1);
	dlg_free(&d);
}

static void full_segments_and_window(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, false);
	/* The peer's MSS is 536 (no option), its window 257 unscaled (no
	 * wscale): at most 257 bytes outstanding, so Linux's half-window MSS
	 * bound gives 128-byte segments... here the window is 257 bytes. */
	uint8_t data[1000];
	memset(data, 'x', sizeof data);
	assert_int_equal(synq_write(d.s, fd, data, sizeof data), (ssize_t)sizeof data);
	struct dlg_out o;
	uint32_t sent = 0;
	while (dlg_next(&d, &o))
		sent += o.seg.payload_len;
	assert_true(sent <= 257);
	assert_true(sent > 0);
	dlg_free(&d);
}

static void delayed_ack_every_other_segment(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, false);
	(void)fd;
	uint32_t seq = 1;
	/* Quick ACKs at the start: each segment is acknowledged. */
	for (int i = 0; i < 3; i++) {
		dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = seq, .ack = 1,
		                                .window = 257, .len = 536 });
		seq += 536;
		dlg_expect(&d, TCP_ACK, 1, seq);
	}
	dlg_free(&d);
}

static void out_of_order_sack_and_dsack(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, true);
	struct tcp_options ts = { .has_timestamp = true, .tsval = 200 };
	/* A hole at 1..101: the segment at 101 is SACKed at once. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 101, .ack = 1, .window = 257,
	                                .len = 100, .opt = ts });
	struct dlg_out o = dlg_expect(&d, TCP_ACK, 1, 1);
	assert_int_equal(o.seg.opt.sack_count, 1);
	assert_int_equal(o.seg.opt.sack[0].start - d.peer_isn, 101);
	assert_int_equal(o.seg.opt.sack[0].end - d.peer_isn, 201);
	/* A second island, reported first (most recent first). */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 301, .ack = 1, .window = 257,
	                                .len = 100, .opt = ts });
	o = dlg_expect(&d, TCP_ACK, 1, 1);
	assert_int_equal(o.seg.opt.sack_count, 2);
	assert_int_equal(o.seg.opt.sack[0].start - d.peer_isn, 301);
	assert_int_equal(o.seg.opt.sack[1].start - d.peer_isn, 101);
	/* The hole fills: the ACK covers the first island at once. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1, .ack = 1, .window = 257,
	                                .len = 100, .opt = ts });
	o = dlg_expect(&d, TCP_ACK, 1, 201);
	assert_int_equal(o.seg.opt.sack_count, 1);
	assert_int_equal(o.seg.opt.sack[0].start - d.peer_isn, 301);
	/* A duplicate of old data: D-SACK (RFC 2883) in the first block. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1, .ack = 1, .window = 257,
	                                .len = 100, .opt = ts });
	o = dlg_expect(&d, TCP_ACK, 1, 201);
	assert_int_equal(o.seg.opt.sack_count, 2);
	assert_int_equal(o.seg.opt.sack[0].start - d.peer_isn, 1);
	assert_int_equal(o.seg.opt.sack[0].end - d.peer_isn, 101);
	char buf[400];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 200);
	assert_true(synq_stack_mib(d.s)->value[SYNQ_MIB_TcpExtTCPOFOQueue] >= 2);
	assert_int_equal(synq_stack_mib(d.s)->value[SYNQ_MIB_TcpExtTCPDSACKOldSent], 1);
	dlg_free(&d);
}

static void fast_retransmit_on_three_dupacks(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, false);
	/* Open the window: the peer advertises 64 KB. */
	ack_seg(&d, 1, 1, 65535);
	uint8_t data[536 * 6];
	memset(data, 'y', sizeof data);
	assert_int_equal(synq_write(d.s, fd, data, sizeof data), (ssize_t)sizeof data);
	/* A GSO-sized burst is at most half the window (five segments), and
	 * ends with PSH as Linux's GSO packets do; so does the write. */
	for (int i = 0; i < 6; i++)
		dlg_expect(&d, (uint8_t)(TCP_ACK | (i >= 4 ? TCP_PSH : 0)), 1 + 536u * i, 1);
	/* The first segment is lost: three duplicate ACKs. */
	for (int i = 0; i < 3; i++) {
		dlg_expect_nothing(&d);
		ack_seg(&d, 1, 1, 65535);
	}
	struct dlg_out o = dlg_expect(&d, TCP_ACK, 1, 1);
	assert_int_equal(o.seg.payload_len, 536);
	assert_int_equal(synq_stack_mib(d.s)->value[SYNQ_MIB_TcpExtTCPRenoRecovery], 1);
	/* Reno (no SACK) holds Recovery while the ACK only reaches the
	 * point where recovery began (RFC 6582); an ACK beyond it ends
	 * recovery without an undo. Values as Linux 6.18 (CUBIC) shows
	 * them for the same exchange: (3, 7, 4) and then (0, 7, 7). */
	ack_seg(&d, 1, 1 + sizeof data, 65535);
	struct synq_tcp_info ti;
	socklen_t len = sizeof ti;
	synq_getsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len);
	assert_int_equal(ti.tcpi_ca_state, 3);
	assert_int_equal(ti.tcpi_snd_ssthresh, 7);
	assert_int_equal(ti.tcpi_snd_cwnd, 4);
	assert_int_equal(ti.tcpi_unacked, 0);
	assert_int_equal(synq_write(d.s, fd, "z", 1), 1);
	dlg_expect(&d, TCP_ACK | TCP_PSH, 1 + sizeof data, 1);
	ack_seg(&d, 1, 2 + sizeof data, 65535);
	len = sizeof ti;
	synq_getsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len);
	assert_int_equal(ti.tcpi_ca_state, 0);
	/* CUBIC: 0.7 of the window at the loss (10 segments). */
	assert_int_equal(ti.tcpi_snd_ssthresh, 7);
	assert_int_equal(ti.tcpi_snd_cwnd, 7);
	assert_int_equal(synq_stack_mib(d.s)->value[SYNQ_MIB_TcpExtTCPFullUndo], 0);
	dlg_free(&d);
}

/* A peer claiming an MSS of 8 with timestamps: Linux sends at least
 * TCP_MIN_SND_MSS (48) bytes of segment space, 36 after the timestamp
 * option (__tcp_mtu_to_mss() then tcp_mtu_to_mss()). */
static void tiny_peer_mss_with_timestamps(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 8);
	struct dlg_seg syn = { .flags = TCP_SYN, .window = 65535,
	                       .opt = { .has_mss = true, .mss = 8, .has_timestamp = true,
	                                .tsval = 100 } };
	dlg_send(&d, &syn);
	struct dlg_out o = dlg_expect(&d, TCP_SYN | TCP_ACK, 0, 1);
	struct dlg_seg ack = { .flags = TCP_ACK, .seq = 1, .ack = 1, .window = 65535,
	                       .opt = { .has_timestamp = true, .tsval = 101,
	                                .tsecr = o.seg.opt.tsval } };
	dlg_send(&d, &ack);
	int fd = synq_accept(d.s, lfd, NULL, NULL);
	assert_true(fd >= 3);
	assert_int_equal(synq_write(d.s, fd, "0123456789abcdefghijklmnopqrstuvwxyz0123", 40), 40);
	o = dlg_expect(&d, TCP_ACK, 1, 1);
	assert_int_equal(o.seg.payload_len, 36);
	dlg_free(&d);
}

static bool writable(struct dlg *d, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int ready = synq_poll(d->s, &p, 1);
	assert_int_equal(ready, p.revents ? 1 : 0);
	return (p.revents & POLLOUT) != 0;
}

/* The send buffer as Linux 6.18 fills it (the kernel's blocking-write
 * script, checked there): SO_SNDBUF 21000 gives 42000; skbs of half the
 * peer's 50000-byte window take 60000 bytes of a 61000-byte write before
 * it blocks (a new skb starts only below 42000); the writer wakes when
 * free space is half of what is queued: not after 10000 or 30000 bytes
 * are acknowledged, but after 36000, as there. */
static void send_buffer_fills_like_linux(void **state)
{
	(void)state;
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.tcp_min_tso_segs = 10; /* as the script sets it */
	struct dlg d;
	dlg_init(&d, &cfg);
	int lfd = dlg_listen(&d, 8);
	struct dlg_seg syn = { .flags = TCP_SYN, .window = 50000,
	                       .opt = { .has_mss = true, .mss = 1000, .has_wscale = true } };
	dlg_send(&d, &syn);
	dlg_expect(&d, TCP_SYN | TCP_ACK, 0, 1);
	dlg_advance(&d, SYNQ_MSEC(100));
	ack_seg(&d, 1, 1, 50000);
	int fd = synq_accept(d.s, lfd, NULL, NULL);
	assert_true(fd >= 3);
	int sndbuf = 21000;
	assert_int_equal(synq_setsockopt(d.s, fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf), 0);
	static uint8_t data[61000];
	assert_int_equal(synq_write(d.s, fd, data, sizeof data), 60000);
	assert_false(writable(&d, fd));
	static const uint32_t acked[] = { 10000, 30000, 36000 };
	for (int i = 0; i < 3; i++) {
		dlg_discard(&d);
		dlg_advance(&d, SYNQ_MSEC(100));
		ack_seg(&d, 1, 1 + acked[i], 50000);
		assert_int_equal(writable(&d, fd), acked[i] == 36000);
	}
	assert_int_equal(synq_write(d.s, fd, data, 1000), 1000);
	dlg_free(&d);
}

static void rto_backoff_doubles(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, false);
	assert_int_equal(synq_write(d.s, fd, "lost", 4), 4);
	struct dlg_out first = dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
	/* The handshake gave an RTT of about 0, so RTO = srtt + rttvar with
	 * rttvar at its 200 ms floor, rounded up to the next millisecond as
	 * Linux rounds to jiffies (HZ=1000): 201 ms, then 402, 804 ms. */
	synq_time_t last = first.at;
	synq_time_t expect_gap[] = { SYNQ_MSEC(201), SYNQ_MSEC(402), SYNQ_MSEC(804) };
	for (int i = 0; i < 3; i++) {
		dlg_advance(&d, expect_gap[i]);
		struct dlg_out o = dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
		assert_int_equal(o.at - last, expect_gap[i]);
		last = o.at;
	}
	assert_int_equal(synq_stack_mib(d.s)->value[SYNQ_MIB_TcpExtTCPTimeouts], 3);
	assert_int_equal(synq_stack_mib(d.s)->value[SYNQ_MIB_TcpRetransSegs], 3);
	dlg_free(&d);
}

static void zero_window_probes(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, false);
	/* The peer closes its window. */
	ack_seg(&d, 1, 1, 0);
	assert_int_equal(synq_write(d.s, fd, "wait", 4), 4);
	dlg_expect_nothing(&d);
	/* Probes after one RTO (201 ms, see rto_backoff_doubles), then
	 * backed off: an old sequence number (snd_una - 1) draws the window. */
	synq_time_t start = d.now;
	dlg_advance(&d, SYNQ_MSEC(201));
	struct dlg_out o = dlg_expect(&d, TCP_ACK, 0, 1);
	assert_int_equal(o.seg.payload_len, 0);
	assert_int_equal(o.at - start, SYNQ_MSEC(201));
	dlg_advance(&d, SYNQ_MSEC(402));
	o = dlg_expect(&d, TCP_ACK, 0, 1);
	assert_int_equal(o.at - start, SYNQ_MSEC(603));
	/* The window opens: the data goes. */
	ack_seg(&d, 1, 1, 257);
	o = dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
	assert_int_equal(o.seg.payload_len, 4);
	assert_int_equal(synq_stack_mib(d.s)->value[SYNQ_MIB_TcpExtTCPWinProbe], 2);
	dlg_free(&d);
}

static void keepalive_probes_then_timeout(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, false);
	int v = 1;
	assert_int_equal(synq_setsockopt(d.s, fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v), 0);
	v = 10;
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_KEEPIDLE, &v, sizeof v), 0);
	v = 2;
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_KEEPINTVL, &v, sizeof v), 0);
	v = 3;
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_KEEPCNT, &v, sizeof v), 0);
	synq_time_t start = d.now;
	for (int i = 0; i < 3; i++) {
		dlg_advance(&d, i == 0 ? SYNQ_SEC(10) : SYNQ_SEC(2));
		struct dlg_out o = dlg_expect(&d, TCP_ACK, 0, 1);
		assert_int_equal(o.at - start, SYNQ_SEC(10 + 2 * i));
	}
	/* No answer to three probes: reset and ETIMEDOUT. */
	dlg_advance(&d, SYNQ_SEC(2));
	dlg_expect(&d, TCP_RST | TCP_ACK, 1, 1);
	char buf[4];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), -ETIMEDOUT);
	dlg_free(&d);
}

static void paws_drops_old_timestamps(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d, true);
	struct tcp_options ts = { .has_timestamp = true, .tsval = 5000 };
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1, .ack = 1, .window = 257,
	                                .len = 10, .opt = ts });
	dlg_expect(&d, TCP_ACK, 1, 11);
	/* An older timestamp on new data: dropped (RFC 7323 PAWS) with a
	 * duplicate ACK. */
	ts.tsval = 4000;
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 11, .ack = 1, .window = 257,
	                                .len = 10, .opt = ts });
	struct dlg_out o = dlg_expect(&d, TCP_ACK, 1, 11);
	assert_int_equal(o.seg.opt.tsecr, 5000);
	assert_int_equal(synq_stack_mib(d.s)->value[SYNQ_MIB_TcpExtPAWSEstab], 1);
	char buf[64];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 10);
	dlg_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nagle_holds_small_segments),
		cmocka_unit_test(full_segments_and_window),
		cmocka_unit_test(delayed_ack_every_other_segment),
		cmocka_unit_test(out_of_order_sack_and_dsack),
		cmocka_unit_test(fast_retransmit_on_three_dupacks),
		cmocka_unit_test(tiny_peer_mss_with_timestamps),
		cmocka_unit_test(send_buffer_fills_like_linux),
		cmocka_unit_test(rto_backoff_doubles),
		cmocka_unit_test(zero_window_probes),
		cmocka_unit_test(keepalive_probes_then_timeout),
		cmocka_unit_test(paws_drops_old_timestamps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
