/* SPDX-License-Identifier: BSD-2-Clause */
/* Receive memory as Linux 6.18 counts it (src/tcp/rmem.c): what a packet
 * is charged, how long the charge is held, the window at the measured
 * ratio of payload to charge, the buffer's growth for out-of-order data,
 * pruning when it is full. Every number here was read on Linux 6.18
 * through packetdrill (tests/packetdrill/rcv_*.pkt pin the same rules on
 * the kernel). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialogue.h"
#include "synq/mib.h"
#include "synq/socket.h"
#include "tcp/rmem.h"

/* The peer of packetdrill's scripts: MSS 1000, SACK, window scale 7, no
 * timestamps, so a segment's IP packet is its payload plus 40 bytes. */
static int open_peer(struct dlg *d, int lfd, bool accept, struct dlg_out *synack)
{
	dlg_send(d, &(struct dlg_seg){
	                    .flags = TCP_SYN, .window = 65535,
	                    .opt = { .has_mss = true, .mss = 1000, .sack_permitted = true,
	                             .has_wscale = true, .wscale = 7 } });
	struct dlg_out o = dlg_expect(d, TCP_SYN | TCP_ACK, 0, 1);
	if (synack)
		*synack = o;
	dlg_send(d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1, .ack = 1, .window = 257 });
	if (!accept)
		return -1;
	int fd = synq_accept(d->s, lfd, NULL, NULL);
	assert_true(fd >= 3);
	return fd;
}

static void data(struct dlg *d, uint32_t seq, uint16_t len)
{
	dlg_send(d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = seq, .ack = 1, .window = 257,
	                               .len = len });
}

static uint32_t meminfo(struct dlg *d, int fd, int which)
{
	uint32_t mem[SYNQ_SK_MEMINFO_VARS];
	socklen_t len = sizeof mem;
	assert_int_equal(synq_getsockopt(d->s, fd, SOL_SOCKET, SYNQ_SO_MEMINFO, mem, &len), 0);
	return mem[which];
}
#define RMEM_ALLOC 0
#define RCVBUF 1

static uint64_t counter(struct dlg *d, enum synq_mib_counter c)
{
	return synq_stack_mib(d->s)->value[c];
}

static int listen_with_rcvbuf(struct dlg *d, int rcvbuf)
{
	int lfd = synq_socket(d->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(lfd >= 3);
	assert_int_equal(synq_setsockopt(d->s, lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(DLG_LOCAL_PORT) };
	assert_int_equal(synq_bind(d->s, lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(synq_listen(d->s, lfd, 8), 0);
	return lfd;
}

/* The tun skb a packet of this many IP bytes gets: one small-head or
 * power-of-two buffer while it fits a page with its 64 bytes of headroom,
 * else a 4 KB head with 3712 bytes and whole pages for the rest. */
static void truesize_of_tun_skbs(void **state)
{
	(void)state;
	static const struct { uint32_t payload, truesize; } measured[] = {
		{ 1, 832 },      { 100, 832 },     { 200, 1280 },    { 500, 1280 },
		{ 1000, 2304 },  { 1448, 2304 },   { 2000, 4352 },   { 3650, 4352 },
		{ 3700, 8448 },  { 4000, 8448 },   { 7000, 8448 },   { 8000, 12544 },
		{ 9000, 12544 }, { 12000, 16640 }, { 16000, 20736 }, { 20000, 20736 },
		{ 30000, 33024 }, { 39000, 41216 }, { 60000, 61696 },
	};
	for (size_t i = 0; i < sizeof measured / sizeof measured[0]; i++)
		assert_int_equal(tcp_rx_truesize(measured[i].payload + 40), measured[i].truesize);
}

/* A charge goes when the application has read the skb's last byte. (Two
 * small skbs may share a segbuf; then the first one's charge goes with the
 * second's, when the segbuf is read whole: see rmem.c.) */
static void charge_held_until_read(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = open_peer(&d, dlg_listen(&d, 8), true, NULL);
	data(&d, 1, 1000);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 2304);
	data(&d, 1001, 1000);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 2 * 2304);
	uint8_t buf[2000];
	assert_int_equal(synq_read(d.s, fd, buf, 999), 999);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 2 * 2304);
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 1001);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 0);
	/* A segment of more than a segbuf is charged where it ends. */
	data(&d, 2001, 3000);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 4352);
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 2000);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 4352);
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 1000);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 0);
	dlg_free(&d);
}

/* SO_RCVBUF 20000: a fixed 40000-byte buffer, offered at 1/2 first
 * (18980 in whole 1460-byte segments). 2000 bytes charged 4352 set the
 * ratio to 117/256; the windows offered keep their right edge; once
 * everything is read the buffer is worth 40000 * 117 / 256 = 18281, in
 * whole 1000-byte segments 18000. */
static void window_at_measured_ratio(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	struct dlg_out o;
	int fd = open_peer(&d, listen_with_rcvbuf(&d, 20000), true, &o);
	assert_int_equal(o.seg.window, 18980);
	data(&d, 1, 2000);
	o = dlg_expect(&d, TCP_ACK, 1, 2001);
	assert_int_equal(o.seg.window, 16980);
	data(&d, 2001, 4000);
	o = dlg_expect(&d, TCP_ACK, 1, 6001);
	assert_int_equal(o.seg.window, 12980);
	data(&d, 6001, 4000);
	/* Less than half of the buffer free: no quick ACK. */
	dlg_expect_nothing(&d);
	dlg_advance(&d, SYNQ_MSEC(100));
	o = dlg_expect(&d, TCP_ACK, 1, 10001);
	assert_int_equal(o.seg.window, 8980);
	uint8_t buf[10000];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 10000);
	o = dlg_expect(&d, TCP_ACK, 1, 10001);
	assert_int_equal(o.seg.window, 18000);
	dlg_free(&d);
}

/* Out-of-order data grows the buffer to twice rcvq_space (14600) plus
 * the span of the out-of-order queue, at the ratio measured (39000 bytes
 * charged 41216: 242) - but only for a connection an application holds:
 * a child waiting for accept() keeps tcp_rmem[1]. */
static void ofo_growth_needs_an_owner(void **state)
{
	(void)state;
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.tcp_rmem[1] = 131072;
	for (int accepted = 0; accepted <= 1; accepted++) {
		struct dlg d;
		dlg_init(&d, &cfg);
		int lfd = dlg_listen(&d, 8);
		int fd = open_peer(&d, lfd, accepted, NULL);
		data(&d, 2001, 39000);
		data(&d, 41001, 60000);
		assert_int_equal(dlg_pending(&d), 2);
		if (!accepted) {
			fd = synq_accept(d.s, lfd, NULL, NULL);
			assert_true(fd >= 3);
		}
		assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 41216 + 61696);
		assert_int_equal(meminfo(&d, fd, RCVBUF), accepted ? 137732 : 131072);
		dlg_free(&d);
	}
}

/* A 20000-byte buffer full of 100-byte out-of-order segments (832 each):
 * one that would land last is dropped; one that fills an early hole gets
 * room from the far end of the queue, an eighth of the buffer at a time. */
static void prune_ofo_from_far_end(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = listen_with_rcvbuf(&d, 10000);
	int fd = open_peer(&d, lfd, true, NULL);
	for (uint32_t i = 0; i < 25; i++)
		data(&d, 1001 + 200 * i, 100);
	dlg_discard(&d);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 20800);
	data(&d, 1001 + 200 * 25, 100);
	dlg_expect_nothing(&d);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 20800);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtRcvPruned), 1);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPOFODrop), 1);
	data(&d, 1101, 100);
	struct dlg_out o = dlg_expect(&d, TCP_ACK, 1, 1);
	/* The SACK state was reset: only the new block is reported. */
	assert_int_equal(o.seg.opt.sack_count, 1);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 20800 - 4 * 832 + 832);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtOfoPruned), 1);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtPruneCalled), 2);
	dlg_free(&d);
}

/* A receive queue of tiny skbs over its buffer is collapsed: 24 skbs of
 * 10 bytes (832 each) become one compact skb of 832, whose spare room then
 * takes the next 10 bytes at no charge; the one after costs 832 again. One
 * out-of-order segment is held throughout (rcv_collapse.pkt). */
static void collapse_tiny_skbs(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = listen_with_rcvbuf(&d, 10000);
	int fd = open_peer(&d, lfd, true, NULL);
	data(&d, 5001, 10);
	for (uint32_t i = 0; i < 24; i++)
		data(&d, 1 + 10 * i, 10);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 25 * 832);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtPruneCalled), 0);
	data(&d, 241, 10);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 832 + 832);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtPruneCalled), 1);
	assert_int_equal(counter(&d, SYNQ_MIB_TcpExtTCPRcvCollapsed), 24);
	data(&d, 251, 10);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 832 + 832 + 832);
	uint8_t buf[300];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 260);
	assert_int_equal(meminfo(&d, fd, RMEM_ALLOC), 832);
	dlg_free(&d);
}

/* Over its buffer, a connection still takes an in-order segment while
 * nothing waits to be read (sk_forced_mem_schedule()), and then offers a
 * zero window (tcp_rcv_big_endseq.pkt's last step). */
static void empty_queue_takes_a_segment(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = listen_with_rcvbuf(&d, 10000);
	int fd = open_peer(&d, lfd, true, NULL);
	data(&d, 1, 4000);
	dlg_discard(&d);
	uint8_t buf[4000];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), 4000);
	dlg_discard(&d);
	data(&d, 4001, 30000);
	dlg_advance(&d, SYNQ_MSEC(200));
	struct dlg_out o = dlg_expect(&d, TCP_ACK, 1, 34001);
	assert_int_equal(o.seg.window, 0);
	assert_true(meminfo(&d, fd, RMEM_ALLOC) > meminfo(&d, fd, RCVBUF));
	/* With data waiting, the next segment is not taken. */
	data(&d, 34001, 1000);
	o = dlg_expect(&d, TCP_ACK, 1, 34001);
	dlg_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(truesize_of_tun_skbs),
		cmocka_unit_test(charge_held_until_read),
		cmocka_unit_test(window_at_measured_ratio),
		cmocka_unit_test(ofo_growth_needs_an_owner),
		cmocka_unit_test(prune_ofo_from_far_end),
		cmocka_unit_test(empty_queue_takes_a_segment),
		cmocka_unit_test(collapse_tiny_skbs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
