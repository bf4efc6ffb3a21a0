/* SPDX-License-Identifier: BSD-2-Clause */
/* The send side's chronographs as tcp_info reports them: tcpi_busy_time,
 * tcpi_rwnd_limited, tcpi_sndbuf_limited (Linux's tcp_chrono_start() and
 * tcp_chrono_stop()), and the skb count a transmit unit that grows across
 * skbs leaves behind (tcp_grow_skb()), which decides when a writer that
 * filled the send buffer may write again. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialogue.h"
#include "sock/sock_internal.h"
#include "synq/socket.h"
#include "tcp/conn.h"

static uint32_t peer_tsval = 200;

/* The peer's ACK, with a timestamp (the connection negotiated them). */
static void peer_ack(struct dlg *d, uint32_t ack, uint16_t window)
{
	struct dlg_seg seg = { .flags = TCP_ACK, .seq = 1, .ack = ack, .window = window };
	seg.opt.has_timestamp = true;
	seg.opt.tsval = peer_tsval++;
	dlg_send(d, &seg);
}

static struct synq_tcp_info info(struct dlg *d, int fd)
{
	struct synq_tcp_info ti;
	socklen_t len = sizeof ti;
	assert_int_equal(synq_getsockopt(d->s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len), 0);
	return ti;
}

static int open_conn(struct dlg *d)
{
	int lfd = dlg_listen(d, 8);
	int fd = dlg_passive_open(d, lfd, true); /* MSS 1460, wscale 7, TS */
	assert_int_equal(dlg_pending(d), 0);
	return fd;
}

/* Held by a closed window: the window-limited clock runs inside the busy
 * one; the data's ACK stops both. */
static void rwnd_limited_time(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d);
	peer_ack(&d, 1, 0);
	struct synq_tcp_info ti = info(&d, fd);
	assert_int_equal(ti.tcpi_busy_time, 0);
	assert_int_equal(ti.tcpi_rwnd_limited, 0);

	assert_int_equal(synq_write(d.s, fd, "data", 4), 4);
	dlg_expect_nothing(&d);
	dlg_advance(&d, SYNQ_MSEC(100));
	ti = info(&d, fd);
	assert_int_equal(ti.tcpi_rwnd_limited, 100000);
	assert_int_equal(ti.tcpi_busy_time, 100000);

	peer_ack(&d, 1, 100); /* the window opens: the data goes */
	struct dlg_out o = dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
	assert_int_equal(o.seg.payload_len, 4);
	dlg_advance(&d, SYNQ_MSEC(30));
	ti = info(&d, fd);
	assert_int_equal(ti.tcpi_rwnd_limited, 100000); /* stopped */
	assert_int_equal(ti.tcpi_busy_time, 130000);    /* still busy */

	peer_ack(&d, 5, 100); /* all acknowledged: the clock stops */
	dlg_advance(&d, SYNQ_MSEC(50));
	ti = info(&d, fd);
	assert_int_equal(ti.tcpi_busy_time, 130000);
	assert_int_equal(ti.tcpi_sndbuf_limited, 0);
	dlg_free(&d);
}

/* A window too small for the segment holds it as a closed one does. */
static void small_window_is_rwnd_limited(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d);
	uint8_t buf[1000];
	memset(buf, 'w', sizeof buf);
	peer_ack(&d, 1, 0);
	dlg_advance(&d, SYNQ_MSEC(10));
	/* a window of 10 << 7 = 1280 bytes: 1000 fit, 2000 do not */
	peer_ack(&d, 1, 10);
	assert_int_equal(synq_write(d.s, fd, buf, sizeof buf), (ssize_t)sizeof buf);
	dlg_expect(&d, TCP_ACK | TCP_PSH, 1, 1);
	assert_int_equal(synq_write(d.s, fd, buf, sizeof buf), (ssize_t)sizeof buf);
	dlg_expect_nothing(&d);
	dlg_advance(&d, SYNQ_MSEC(40));
	struct synq_tcp_info ti = info(&d, fd);
	assert_int_equal(ti.tcpi_rwnd_limited, 40000);
	assert_int_equal(ti.tcpi_busy_time, 40000);
	dlg_free(&d);
}

/* The writer filled the buffer and everything it wrote is sent, the
 * congestion window not the limit: buffer-limited until an ACK makes
 * room enough to wake it. */
static void sndbuf_limited_time(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d);
	static uint8_t big[200000];
	struct dlg_out o;
	/* Slow start opens the congestion window wide first, each round
	 * filling it and acknowledged at once. */
	uint32_t acked = 1;
	for (int round = 0; round < 4; round++) {
		uint32_t cwnd = info(&d, fd).tcpi_snd_cwnd;
		assert_true(synq_write(d.s, fd, big, cwnd * 1448) > 0);
		while (dlg_next(&d, &o))
			acked += o.seg.payload_len;
		peer_ack(&d, acked, 2000);
	}
	while (dlg_pending(&d)) { /* what the last ACKs let go */
		while (dlg_next(&d, &o))
			acked += o.seg.payload_len;
		peer_ack(&d, acked, 2000);
	}
	assert_true(info(&d, fd).tcpi_snd_cwnd >= 100);
	assert_int_equal(info(&d, fd).tcpi_busy_time, 0); /* all acknowledged at once */

	/* The window shrinks below a segment; a writer fills a small send
	 * buffer with one skb and waits: window-limited, not yet buffer-
	 * limited, since there is data still to send. */
	assert_int_equal(synq_write(d.s, fd, big, 100), 100);
	while (dlg_next(&d, &o))
		acked += o.seg.payload_len;
	peer_ack(&d, acked, 10); /* new data acknowledged: the window may shrink */
	assert_int_equal(info(&d, fd).tcpi_busy_time, 0);
	int v = 2500; /* stored doubled: 5000 */
	assert_int_equal(synq_setsockopt(d.s, fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v), 0);
	ssize_t n = synq_write(d.s, fd, big, sizeof big);
	assert_true(n > 0 && n < (ssize_t)sizeof big);
	dlg_expect_nothing(&d);
	dlg_advance(&d, SYNQ_MSEC(10));
	struct synq_tcp_info ti = info(&d, fd);
	assert_int_equal(ti.tcpi_rwnd_limited, 10000);
	assert_int_equal(ti.tcpi_sndbuf_limited, 0);

	/* The window opens: all of it leaves, with congestion window to
	 * spare; the buffer is still full, the writer still waits. */
	peer_ack(&d, acked, 2000);
	uint32_t sent = 0;
	while (dlg_next(&d, &o))
		sent += o.seg.payload_len;
	assert_int_equal(sent, (uint32_t)n);
	dlg_advance(&d, SYNQ_MSEC(20));
	ti = info(&d, fd);
	assert_int_equal(ti.tcpi_sndbuf_limited, 20000);
	assert_int_equal(ti.tcpi_rwnd_limited, 10000);
	assert_int_equal(ti.tcpi_busy_time, 30000);

	/* One segment is acknowledged: not yet room enough to wake the
	 * writer (free space under half of what is queued)... */
	peer_ack(&d, acked + 1448, 2000);
	dlg_advance(&d, SYNQ_MSEC(5));
	assert_int_equal(info(&d, fd).tcpi_sndbuf_limited, 25000);
	/* ...then all but the last segment: the writer may write, the
	 * buffer-limited clock stops, the busy one runs on... */
	peer_ack(&d, acked + (uint32_t)n - 1448, 2000);
	dlg_advance(&d, SYNQ_MSEC(20));
	ti = info(&d, fd);
	assert_int_equal(ti.tcpi_sndbuf_limited, 25000);
	assert_int_equal(ti.tcpi_busy_time, 55000);
	/* ...until nothing is left. */
	peer_ack(&d, acked + (uint32_t)n, 2000);
	dlg_advance(&d, SYNQ_MSEC(10));
	assert_int_equal(info(&d, fd).tcpi_busy_time, 55000);
	dlg_free(&d);
}

/* Without a writer waiting on the buffer, the same transfer is only
 * busy. */
static void no_waiting_writer_no_sndbuf_time(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_conn(&d);
	uint8_t buf[3000];
	memset(buf, 'q', sizeof buf);
	assert_int_equal(synq_write(d.s, fd, buf, sizeof buf), (ssize_t)sizeof buf);
	while (dlg_pending(&d))
		dlg_next(&d, &(struct dlg_out){ 0 });
	dlg_advance(&d, SYNQ_MSEC(20));
	struct synq_tcp_info ti = info(&d, fd);
	assert_int_equal(ti.tcpi_sndbuf_limited, 0);
	assert_int_equal(ti.tcpi_busy_time, 20000);
	dlg_free(&d);
}

/* tcp_grow_skb(): a transmit unit longer than its skb takes the data of
 * the skbs behind it; the skbs it empties are freed, so the send buffer's
 * charge counts fewer skbs, not more. Here five 2-segment skbs are
 * written; the third grows over the fourth (freed) when the write's push
 * finds the window closed, and over one segment of the fifth once the
 * window opens, so four skbs remain, where splitting without growing
 * would leave six. */
static void unit_growing_over_skbs_frees_them(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 8);
	/* A small first window: half of it, two segments, is the skb size. */
	struct dlg_seg syn = { .flags = TCP_SYN, .window = 5888,
	                       .opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
	                                .has_timestamp = true, .tsval = 100,
	                                .has_wscale = true, .wscale = 7 } };
	dlg_send(&d, &syn);
	struct dlg_out o;
	assert_true(dlg_next(&d, &o));
	struct dlg_seg ack = { .flags = TCP_ACK, .seq = 1, .ack = 1, .window = 46 };
	ack.opt.has_timestamp = true;
	ack.opt.tsval = 101;
	ack.opt.tsecr = o.seg.opt.tsval;
	dlg_send(&d, &ack);
	int fd = synq_accept(d.s, lfd, NULL, NULL);
	assert_true(fd >= 3);
	struct tcp_conn *c = sock_conn(d.s, sock_lookup(d.s, fd));
	assert_non_null(c);

	int one = 1, zero = 0;
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_CORK, &one, sizeof one), 0);
	static uint8_t data[10 * 1448];
	assert_int_equal(synq_write(d.s, fd, data, sizeof data), (ssize_t)sizeof data);
	/* Two skbs leave at once; the forced push of the fourth finds the
	 * window closed, but the unsent third skb grows over it first
	 * (tcp_grow_skb() runs before the window test): four skbs. */
	assert_int_equal(c->snd_skbs, 4);
	peer_ack(&d, 1, 2000); /* the window opens wide */
	assert_int_equal(synq_setsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_CORK, &zero, sizeof zero), 0);
	uint32_t segs = 0;
	while (dlg_next(&d, &o))
		segs++;
	assert_int_equal(segs, 10);
	assert_int_equal(c->snd_skbs, 4);
	assert_int_equal(tcp_send_charge(c), sizeof data + 4 * TCP_SKB_OVERHEAD);
	dlg_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rwnd_limited_time),
		cmocka_unit_test(small_window_is_rwnd_limited),
		cmocka_unit_test(sndbuf_limited_time),
		cmocka_unit_test(no_waiting_writer_no_sndbuf_time),
		cmocka_unit_test(unit_growing_over_skbs_frees_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
