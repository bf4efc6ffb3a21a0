/* SPDX-License-Identifier: BSD-2-Clause */
/* Connection life cycle as packet dialogues: passive and active open,
 * refusals, SYN retransmission timing, the three ways to close, TIME-WAIT,
 * resets. */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialogue.h"
#include "synq/socket.h"

static const struct synq_mib *mib(struct dlg *d)
{
	return synq_stack_mib(d->s);
}

static int connected_fd(struct dlg *d, int *listen_fd)
{
	*listen_fd = dlg_listen(d, 1);
	int fd = dlg_passive_open(d, *listen_fd, false);
	dlg_expect_nothing(d);
	return fd;
}

/* The shape of Linux's tcp_basic_server.pkt, without timestamps. */
static void passive_open_data_and_peer_close(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd = dlg_listen(&d, 1);
	struct dlg_seg syn = { .flags = TCP_SYN, .window = 65535,
	                       .opt = { .has_mss = true, .mss = 1000, .sack_permitted = true,
	                                .has_wscale = true, .wscale = 8 } };
	dlg_send(&d, &syn);
	struct dlg_out o = dlg_expect(&d, TCP_SYN | TCP_ACK, 0, 1);
	assert_true(o.seg.opt.has_mss);
	assert_int_equal(o.seg.opt.mss, 1460);
	assert_true(o.seg.opt.sack_permitted);
	assert_true(o.seg.opt.has_wscale);
	assert_false(o.seg.opt.has_timestamp);
	/* Linux's layout without timestamps: mss, nop, nop, sackOK, nop, wscale. */
	assert_int_equal(o.seg.header_len, 32);
	dlg_expect_nothing(&d);

	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1, .ack = 1, .window = 257 });
	int fd = synq_accept(d.s, lfd, NULL, NULL);
	assert_true(fd >= 3);
	assert_int_equal(synq_close(d.s, lfd), 0);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpPassiveOpens], 1);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpCurrEstab], 1);

	/* Data is acknowledged at once (quick-ACK mode at start). */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK | TCP_PSH, .seq = 1, .ack = 1,
	                                .window = 257, .len = 1000 });
	o = dlg_expect(&d, TCP_ACK, 1, 1001);
	assert_int_equal(o.at, d.now);
	char buf[2000];
	assert_int_equal(synq_recv(d.s, fd, buf, sizeof buf, 0), 1000);

	/* The peer's FIN is acknowledged after the 40 ms delayed ACK. */
	synq_time_t fin_at = d.now;
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK | TCP_FIN, .seq = 1001, .ack = 1,
	                                .window = 257 });
	dlg_expect_nothing(&d);
	dlg_advance(&d, SYNQ_MSEC(100));
	o = dlg_expect(&d, TCP_ACK, 1, 1002);
	assert_int_equal(o.at - fin_at, SYNQ_MSEC(40));
	assert_int_equal(synq_recv(d.s, fd, buf, sizeof buf, 0), 0);

	/* Our close: FIN, the peer's ACK frees everything, no TIME-WAIT. */
	assert_int_equal(synq_close(d.s, fd), 0);
	dlg_expect(&d, TCP_FIN | TCP_ACK, 1, 1002);
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1002, .ack = 2, .window = 257 });
	struct synq_stack_usage u;
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.connections.used, 0);
	assert_int_equal(u.time_wait.used, 0);
	assert_int_equal(u.buffers.used, 0);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpCurrEstab], 0);
	dlg_free(&d);
}

static int start_connect(struct dlg *d)
{
	int fd = synq_socket(d->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(DLG_REMOTE_PORT),
	                          .sin_addr.s_addr = htonl(DLG_REMOTE_ADDR) };
	assert_int_equal(synq_connect(d->s, fd, (struct sockaddr *)&to, sizeof to), -EINPROGRESS);
	assert_int_equal(synq_connect(d->s, fd, (struct sockaddr *)&to, sizeof to), -EALREADY);
	return fd;
}

static int finish_connect(struct dlg *d, int fd)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(DLG_REMOTE_PORT),
	                          .sin_addr.s_addr = htonl(DLG_REMOTE_ADDR) };
	return synq_connect(d->s, fd, (struct sockaddr *)&to, sizeof to);
}

static void active_open(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = start_connect(&d);
	struct dlg_out o = dlg_expect(&d, TCP_SYN, 0, 0);
	/* Linux's SYN: mss 1460, sackOK, TS val ecr 0, nop, wscale. */
	assert_true(o.seg.opt.has_mss && o.seg.opt.mss == 1460);
	assert_true(o.seg.opt.sack_permitted && o.seg.opt.has_timestamp);
	assert_int_equal(o.seg.opt.tsecr, 0);
	assert_true(o.seg.opt.has_wscale);
	assert_int_equal(o.seg.header_len, 40);
	assert_true(o.seg.window > 0);
	assert_int_equal(synq_sock_events(d.s, fd) & POLLOUT, 0);

	struct dlg_seg synack = { .flags = TCP_SYN | TCP_ACK, .seq = 0, .ack = 1, .window = 5792,
	                          .opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
	                                   .has_timestamp = true, .tsval = 700,
	                                   .tsecr = o.seg.opt.tsval, .has_wscale = true,
	                                   .wscale = 7 } };
	dlg_send(&d, &synack);
	o = dlg_expect(&d, TCP_ACK, 1, 1);
	assert_int_equal(o.seg.opt.tsecr, 700);
	assert_true(synq_sock_events(d.s, fd) & POLLOUT);
	assert_int_equal(finish_connect(&d, fd), 0);
	assert_int_equal(finish_connect(&d, fd), -EISCONN);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpActiveOpens], 1);

	struct synq_tcp_info ti;
	socklen_t len = sizeof ti;
	assert_int_equal(synq_getsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len), 0);
	assert_int_equal(ti.tcpi_state, SYNQ_TCP_ESTABLISHED);
	assert_int_equal(ti.tcpi_snd_mss, 1448);
	assert_int_equal(ti.tcpi_snd_cwnd, 10);
	assert_int_equal(ti.tcpi_options & 7, 7);
	assert_int_equal(ti.tcpi_wscale & 0xf, 7);
	dlg_free(&d);
}

static void connect_refused(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int fd = start_connect(&d);
	dlg_expect(&d, TCP_SYN, 0, 0);
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_RST | TCP_ACK, .seq = 0, .ack = 1,
	                                .raw_seq = false });
	assert_true(synq_sock_events(d.s, fd) & POLLERR);
	assert_int_equal(finish_connect(&d, fd), -ECONNREFUSED);
	dlg_expect_nothing(&d);
	assert_int_equal(synq_close(d.s, fd), 0);
	dlg_free(&d);
}

/* A SYN into a black hole: retransmissions, then ETIMEDOUT. */
static void check_syn_schedule_as(enum synq_personality personality, int retries, int linear,
                                  const int *expect_s, int n, int fail_s)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.personality = personality;
	cfg.tcp_syn_retries = retries;
	cfg.tcp_syn_linear_timeouts = linear;
	struct dlg d;
	dlg_init(&d, &cfg);
	synq_time_t start = d.now;
	int fd = start_connect(&d);
	dlg_expect(&d, TCP_SYN, 0, 0);
	for (int i = 0; i < n; i++) {
		dlg_advance(&d, SYNQ_SEC(expect_s[i]) - (d.now - start));
		struct dlg_out o = dlg_expect(&d, TCP_SYN, 0, 0);
		assert_int_equal(o.at - start, SYNQ_SEC(expect_s[i]));
		dlg_expect_nothing(&d);
	}
	dlg_advance(&d, SYNQ_SEC(fail_s) - (d.now - start) - 1);
	assert_int_equal(finish_connect(&d, fd), -EALREADY);
	dlg_advance(&d, 1);
	dlg_expect_nothing(&d);
	assert_int_equal(finish_connect(&d, fd), -ETIMEDOUT);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpExtTCPSynRetrans], (uint64_t)n);
	dlg_free(&d);
}

static void check_syn_schedule(int linear, const int *expect_s, int n, int fail_s)
{
	check_syn_schedule_as(SYNQ_PERSONALITY_LINUX, 6, linear, expect_s, n, fail_s);
}

/* C34: before RFC 6298 (Linux 2.4's TCP_TIMEOUT_INIT of 3 s) a SYN was sent
 * again at 3 s and 9 s, then 21, 45, 93; ETIMEDOUT at 189 s with 2.4's five
 * retries. The personality brings the schedule; the sysctl for 6.5's
 * linear timeouts has no effect on it. */
static void c34_syn_retries_before_rfc6298(void **state)
{
	(void)state;
	static const int at[] = { 3, 9, 21, 45, 93 };
	check_syn_schedule_as(SYNQ_PERSONALITY_LINUX_2_4, 5, 4, at, 5, 189);
}

static void syn_retries_exponential(void **state)
{
	(void)state;
	/* tcp_syn_linear_timeouts=0: the classic 1, 3, 7 ... 63, fail at 127 s. */
	static const int at[] = { 1, 3, 7, 15, 31, 63 };
	check_syn_schedule(0, at, 6, 127);
}

static void syn_retries_linear_default(void **state)
{
	(void)state;
	/* Linux 6.5+ default (tcp_syn_linear_timeouts=4), as measured on 6.18:
	 * four extra 1 s retries, then doubling; ETIMEDOUT at 131 s. */
	static const int at[] = { 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 };
	check_syn_schedule(4, at, 10, 131);
}

static void reset_for_closed_port(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	dlg_peer_syn(&d, false);
	struct dlg_out o;
	assert_true(dlg_next(&d, &o));
	assert_int_equal(o.seg.flags, TCP_RST | TCP_ACK);
	assert_int_equal(o.seg.seq, 0);
	assert_int_equal(o.seg.ack, d.peer_isn + 1);
	/* A reset is never answered. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_RST, .seq = 1 });
	dlg_expect_nothing(&d);
	/* An ACK gets a reset with its ack number as sequence. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1, .ack = 77, .raw_seq = true });
	assert_true(dlg_next(&d, &o));
	assert_int_equal(o.seg.flags, TCP_RST);
	assert_int_equal(o.seg.seq, 77);
	dlg_free(&d);
}

static void active_close_time_wait(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd;
	int fd = connected_fd(&d, &lfd);
	assert_int_equal(synq_close(d.s, fd), 0);
	dlg_expect(&d, TCP_FIN | TCP_ACK, 1, 1);
	/* FIN_WAIT1 -> FIN_WAIT2 on the ACK of our FIN. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 1, .ack = 2, .window = 257 });
	dlg_expect_nothing(&d);
	struct synq_stack_usage u;
	synq_stack_usage(d.s, &u);
	/* An orphaned FIN_WAIT2 with tcp_fin_timeout=60 becomes a mini socket. */
	assert_int_equal(u.connections.used, 0);
	assert_int_equal(u.time_wait.used, 1);
	/* The peer's FIN: ACK, then TIME-WAIT for 60 s. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_FIN | TCP_ACK, .seq = 1, .ack = 2,
	                                .window = 257 });
	dlg_expect(&d, TCP_ACK, 2, 2);
	synq_time_t tw_start = d.now;
	/* Counted on entry, as Linux counts it (nstat shows TcpExtTW 1 while
	 * the socket is still in TIME-WAIT), not when it expires. */
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpExtTW], 1);
	/* A retransmitted FIN is ACKed again and restarts the 60 s. */
	dlg_advance(&d, SYNQ_SEC(30));
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_FIN | TCP_ACK, .seq = 1, .ack = 2,
	                                .window = 257 });
	dlg_expect(&d, TCP_ACK, 2, 2);
	tw_start = d.now;
	dlg_advance(&d, SYNQ_SEC(60) - 1);
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.time_wait.used, 1);
	dlg_advance(&d, 1);
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.time_wait.used, 0);
	assert_int_equal(d.now - tw_start, SYNQ_SEC(60));
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpExtTW], 1);
	dlg_expect_nothing(&d);
	dlg_free(&d);
}

static void passive_close_no_time_wait(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd;
	int fd = connected_fd(&d, &lfd);
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_FIN | TCP_ACK, .seq = 1, .ack = 1,
	                                .window = 257 });
	struct synq_tcp_info ti;
	socklen_t len = sizeof ti;
	synq_getsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len);
	assert_int_equal(ti.tcpi_state, SYNQ_TCP_CLOSE_WAIT);
	assert_true(synq_sock_events(d.s, fd) & POLLRDHUP);
	assert_int_equal(synq_close(d.s, fd), 0);
	/* The delayed ACK of the FIN rides on our FIN. */
	dlg_expect(&d, TCP_FIN | TCP_ACK, 1, 2);
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 2, .ack = 2, .window = 257 });
	struct synq_stack_usage u;
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.connections.used, 0);
	assert_int_equal(u.time_wait.used, 0);
	dlg_expect_nothing(&d);
	dlg_free(&d);
}

static void simultaneous_close(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd;
	int fd = connected_fd(&d, &lfd);
	assert_int_equal(synq_shutdown(d.s, fd, SHUT_WR), 0);
	dlg_expect(&d, TCP_FIN | TCP_ACK, 1, 1);
	/* The peer's FIN crosses ours: CLOSING, and we ACK it. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_FIN | TCP_ACK, .seq = 1, .ack = 1,
	                                .window = 257 });
	dlg_expect(&d, TCP_ACK, 2, 2);
	struct synq_tcp_info ti;
	socklen_t len = sizeof ti;
	synq_getsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len);
	assert_int_equal(ti.tcpi_state, SYNQ_TCP_CLOSING);
	/* Its ACK of our FIN: TIME-WAIT; the descriptor sees CLOSE. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK, .seq = 2, .ack = 2, .window = 257 });
	synq_getsockopt(d.s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len);
	assert_int_equal(ti.tcpi_state, SYNQ_TCP_CLOSE);
	struct synq_stack_usage u;
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.time_wait.used, 1);
	assert_int_equal(synq_close(d.s, fd), 0);
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.connections.used, 0);
	dlg_advance(&d, SYNQ_SEC(61));
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.time_wait.used, 0);
	dlg_free(&d);
}

static void close_with_unread_data_resets(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd;
	int fd = connected_fd(&d, &lfd);
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_ACK | TCP_PSH, .seq = 1, .ack = 1,
	                                .window = 257, .len = 10 });
	dlg_expect(&d, TCP_ACK, 1, 11);
	assert_int_equal(synq_close(d.s, fd), 0);
	dlg_expect(&d, TCP_RST | TCP_ACK, 1, 11);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpExtTCPAbortOnClose], 1);
	struct synq_stack_usage u;
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.connections.used, 0);
	assert_int_equal(u.buffers.used, 0);
	dlg_free(&d);
}

static void linger_zero_resets(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd;
	int fd = connected_fd(&d, &lfd);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	assert_int_equal(synq_setsockopt(d.s, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
	assert_int_equal(synq_close(d.s, fd), 0);
	dlg_expect(&d, TCP_RST | TCP_ACK, 1, 1);
	dlg_expect_nothing(&d);
	struct synq_stack_usage u;
	synq_stack_usage(d.s, &u);
	assert_int_equal(u.connections.used, 0);
	assert_int_equal(u.time_wait.used, 0);
	dlg_free(&d);
}

static void rst_in_window_challenged(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	int lfd;
	int fd = connected_fd(&d, &lfd);
	/* In the window but not rcv_nxt: a challenge ACK (RFC 5961 3.2). */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_RST, .seq = 100 });
	dlg_expect(&d, TCP_ACK, 1, 1);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpExtTCPChallengeACK], 1);
	/* A SYN on an established connection: challenge ACK too (4.2). */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_SYN, .seq = 500, .window = 100 });
	dlg_expect(&d, TCP_ACK, 1, 1);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpExtTCPSYNChallenge], 1);
	/* The exact sequence number resets the connection. */
	dlg_send(&d, &(struct dlg_seg){ .flags = TCP_RST, .seq = 1 });
	dlg_expect_nothing(&d);
	char buf[10];
	assert_int_equal(synq_read(d.s, fd, buf, sizeof buf), -ECONNRESET);
	assert_int_equal(synq_write(d.s, fd, buf, sizeof buf), -EPIPE);
	assert_int_equal(mib(&d)->value[SYNQ_MIB_TcpEstabResets], 1);
	dlg_free(&d);
}

static void socket_api_errors(void **state)
{
	(void)state;
	struct dlg d;
	dlg_init(&d, NULL);
	char buf[4];
	assert_int_equal(synq_socket(d.s, AF_INET6, SOCK_STREAM, 0), -EAFNOSUPPORT);
	assert_int_equal(synq_socket(d.s, AF_INET, SOCK_DGRAM, 0), -EPROTONOSUPPORT);
	assert_int_equal(synq_read(d.s, 99, buf, 4), -EBADF);
	int fd = synq_socket(d.s, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(fd, 3);
	int fd2 = synq_socket(d.s, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(fd2, 4);
	assert_int_equal(synq_close(d.s, fd), 0);
	/* The lowest free number comes back first. */
	assert_int_equal(synq_socket(d.s, AF_INET, SOCK_STREAM, 0), 3);
	assert_int_equal(synq_read(d.s, fd, buf, 4), -ENOTCONN);
	assert_int_equal(synq_write(d.s, fd, buf, 4), -EPIPE);
	assert_int_equal(synq_shutdown(d.s, fd, SHUT_WR), -ENOTCONN);
	assert_int_equal(synq_shutdown(d.s, fd, 7), -EINVAL);
	assert_int_equal(synq_accept(d.s, fd, NULL, NULL), -EINVAL);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(80) };
	assert_int_equal(synq_bind(d.s, fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(synq_bind(d.s, fd, (struct sockaddr *)&sin, sizeof sin), -EINVAL);
	assert_int_equal(synq_bind(d.s, fd2, (struct sockaddr *)&sin, sizeof sin), -EADDRINUSE);
	sin.sin_addr.s_addr = htonl(0x01020304);
	sin.sin_port = htons(81);
	assert_int_equal(synq_bind(d.s, fd2, (struct sockaddr *)&sin, sizeof sin), -EADDRNOTAVAIL);
	assert_int_equal(synq_listen(d.s, fd, 5), 0);
	assert_int_equal(synq_accept(d.s, fd, NULL, NULL), -EAGAIN);
	assert_int_equal(synq_read(d.s, fd, buf, 4), -ENOTCONN);
	assert_int_equal(synq_fcntl(d.s, fd, F_GETFL, 0) & O_NONBLOCK, 0);
	assert_int_equal(synq_fcntl(d.s, fd, F_SETFL, O_NONBLOCK), 0);
	assert_true(synq_fcntl(d.s, fd, F_GETFL, 0) & O_NONBLOCK);
	int v = 0;
	socklen_t vl = sizeof v;
	assert_int_equal(synq_getsockopt(d.s, fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), 0);
	assert_int_equal(v, 1);
	v = 8000;
	assert_int_equal(synq_setsockopt(d.s, fd2, SOL_SOCKET, SO_SNDBUF, &v, sizeof v), 0);
	assert_int_equal(synq_getsockopt(d.s, fd2, SOL_SOCKET, SO_SNDBUF, &v, &vl), 0);
	assert_int_equal(v, 16000); /* Linux doubles it */
	v = 5;
	assert_int_equal(synq_setsockopt(d.s, fd2, IPPROTO_TCP, SYNQ_TCP_DEFER_ACCEPT, &v, sizeof v), 0);
	assert_int_equal(synq_getsockopt(d.s, fd2, IPPROTO_TCP, SYNQ_TCP_DEFER_ACCEPT, &v, &vl), 0);
	assert_int_equal(v, 7); /* rounded up to a whole retransmission period */
	v = 0;
	assert_int_equal(synq_setsockopt(d.s, fd2, IPPROTO_TCP, SYNQ_TCP_SYNCNT, &v, sizeof v), -EINVAL);
	assert_int_equal(synq_getsockopt(d.s, fd2, IPPROTO_TCP, SYNQ_TCP_MAXSEG, &v, &vl), 0);
	assert_int_equal(v, 536);
	assert_int_equal(synq_close(d.s, 3), 0);
	assert_int_equal(synq_close(d.s, 3), -EBADF);
	dlg_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passive_open_data_and_peer_close),
		cmocka_unit_test(active_open),
		cmocka_unit_test(connect_refused),
		cmocka_unit_test(syn_retries_exponential),
		cmocka_unit_test(syn_retries_linear_default),
		cmocka_unit_test(c34_syn_retries_before_rfc6298),
		cmocka_unit_test(reset_for_closed_port),
		cmocka_unit_test(active_close_time_wait),
		cmocka_unit_test(passive_close_no_time_wait),
		cmocka_unit_test(simultaneous_close),
		cmocka_unit_test(close_with_unread_data_resets),
		cmocka_unit_test(linger_zero_resets),
		cmocka_unit_test(rst_in_window_challenged),
		cmocka_unit_test(socket_api_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
