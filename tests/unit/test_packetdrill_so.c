/* SPDX-License-Identifier: BSD-2-Clause */
/* The packetdrill driver driven the way packetdrill drives it, without
 * packetdrill: dlopen the .so, fill the interface through
 * packetdrill_interface_init, then make the calls a script makes
 * (socket, bind, listen, injected segments, sniffed segments, accept,
 * read, write, close), checking every byte that comes out. Also: a
 * blocking accept on a second thread woken by an injected segment, the
 * clock moving by itself, and the member order of the interface.
 *
 * The .so: $SYNQ_PD_SO if set, else libsynq_packetdrill.so next to this
 * binary's directory (build/<flavour>/tests/../), so that the asan test
 * loads the asan driver, else build/release/libsynq_packetdrill.so. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ip/ipv4.h"
#include "ip/tcp_wire.h"

/* packetdrill's struct packetdrill_interface, declared here on its own
 * (not from the driver's header), so that a member out of place in
 * either shows up as a wrong call. */
struct pdi {
	void *userdata;
	void (*free)(void *ud);
	int (*socket)(void *ud, int domain, int type, int protocol);
	int (*bind)(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
	int (*listen)(void *ud, int fd, int backlog);
	int (*accept)(void *ud, int fd, struct sockaddr *addr, socklen_t *len);
	int (*connect)(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
	ssize_t (*read)(void *ud, int fd, void *buf, size_t n);
	ssize_t (*readv)(void *ud, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*recv)(void *ud, int fd, void *buf, size_t n, int flags);
	ssize_t (*recvfrom)(void *ud, int fd, void *buf, size_t n, int flags,
	                    struct sockaddr *addr, socklen_t *len);
	ssize_t (*recvmsg)(void *ud, int fd, struct msghdr *msg, int flags);
	ssize_t (*write)(void *ud, int fd, const void *buf, size_t n);
	ssize_t (*writev)(void *ud, int fd, const struct iovec *iov, int iovcnt);
	ssize_t (*send)(void *ud, int fd, const void *buf, size_t n, int flags);
	ssize_t (*sendto)(void *ud, int fd, const void *buf, size_t n, int flags,
	                  const struct sockaddr *addr, socklen_t len);
	ssize_t (*sendmsg)(void *ud, int fd, const struct msghdr *msg, int flags);
	int (*fcntl)(void *ud, int fd, int cmd, ...);
	int (*ioctl)(void *ud, int fd, unsigned long request, ...);
	int (*close)(void *ud, int fd);
	int (*shutdown)(void *ud, int fd, int how);
	int (*getsockopt)(void *ud, int fd, int level, int name, void *val, socklen_t *len);
	int (*setsockopt)(void *ud, int fd, int level, int name, const void *val, socklen_t len);
	int (*poll)(void *ud, struct pollfd *fds, nfds_t nfds, int timeout);
	int (*netdev_send)(void *ud, const void *buf, size_t count);
	int (*netdev_receive)(void *ud, void *buf, size_t *count, long long *time_usecs);
	int (*usleep)(void *ud, useconds_t usec);
	int (*gettimeofday)(void *ud, struct timeval *tv, struct timezone *tz);
	int (*epoll_create)(void *ud, int size);
	int (*epoll_ctl)(void *ud, int epfd, int op, int fd, struct epoll_event *ev);
	int (*epoll_wait)(void *ud, int epfd, struct epoll_event *ev, int max, int timeout);
	int (*pipe)(void *ud, int fds[2]);
	int (*splice)(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
	              size_t len, unsigned int flags);
};

typedef void (*init_fn)(const char *flags, struct pdi *ifc);
typedef const char *(*last_call_fn)(void *ud, long long *arg);
typedef int (*instances_fn)(void);

static void *so_handle;
static init_fn pd_init;
static last_call_fn pd_last_call;
static instances_fn pd_instances;

#define FLAGS "ip=ipv4,local_ip=192.168.0.1,remote_ip=192.0.2.1,mtu=1500,hz=0"
#define LOCAL_IP 0xc0a80001u  /* 192.168.0.1 */
#define REMOTE_IP 0xc0000201u /* 192.0.2.1 */
#define LOCAL_PORT 8080
#define REMOTE_PORT 40000

/* ---------------------------------------------------------------- loading */

static const char *so_path(char *buf, size_t cap)
{
	const char *env = getenv("SYNQ_PD_SO");
	if (env != NULL && *env)
		return env;
	/* build/<flavour>/tests/test_packetdrill_so -> build/<flavour>/ */
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
	if (n > 0) {
		buf[n] = '\0';
		char *slash = strrchr(buf, '/');
		if (slash != NULL) {
			*slash = '\0';
			size_t len = strlen(buf);
			if (snprintf(buf + len, cap - len, "/../libsynq_packetdrill.so") <
			    (int)(cap - len) && access(buf, R_OK) == 0)
				return buf;
		}
	}
	return "build/release/libsynq_packetdrill.so";
}

static int load_so(void **state)
{
	(void)state;
	char buf[PATH_MAX];
	const char *path = so_path(buf, sizeof buf);
	/* packetdrill adds RTLD_NODELETE | RTLD_DEEPBIND; the sanitizer
	 * runtime refuses RTLD_DEEPBIND, so the asan build goes without. */
	int flags = RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE;
#if !defined(__SANITIZE_ADDRESS__)
	flags |= RTLD_DEEPBIND;
#endif
	so_handle = dlopen(path, flags);
	if (so_handle == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return -1;
	}
	pd_init = (init_fn)dlsym(so_handle, "packetdrill_interface_init");
	pd_last_call = (last_call_fn)dlsym(so_handle, "synq_packetdrill_last_call");
	pd_instances = (instances_fn)dlsym(so_handle, "synq_packetdrill_instances");
	if (pd_init == NULL || pd_last_call == NULL || pd_instances == NULL) {
		fprintf(stderr, "%s: missing symbols\n", path);
		return -1;
	}
	return 0;
}

static int unload_so(void **state)
{
	(void)state;
	if (so_handle != NULL)
		dlclose(so_handle);
	return 0;
}

/* --------------------------------------------------------------- packets */

struct seg_spec {
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t win;
	const char *payload;
	bool syn_options; /* mss 1000, sackOK, wscale 7, no timestamps */
};

/* Build the datagram the peer (REMOTE_IP:REMOTE_PORT) sends, with both
 * checksums, as packetdrill would, and inject it. */
static void inject(struct pdi *ifc, const struct seg_spec *sp)
{
	uint8_t buf[2048];
	struct ipv4_fields ipf = { .src_addr = REMOTE_IP, .dst_addr = LOCAL_IP, .id = 0,
	                           .ttl = 64, .protocol = IPV4_PROTO_TCP,
	                           .dont_fragment = true };
	struct tcp_segment seg = { .src_port = REMOTE_PORT, .dst_port = LOCAL_PORT,
	                           .seq = sp->seq, .ack = sp->ack, .flags = sp->flags,
	                           .window = sp->win };
	if (sp->syn_options) {
		seg.opt.has_mss = true;
		seg.opt.mss = 1000;
		seg.opt.sack_permitted = true;
		seg.opt.has_wscale = true;
		seg.opt.wscale = 7;
	}
	if (sp->payload != NULL) {
		seg.payload = (const uint8_t *)sp->payload;
		seg.payload_len = (uint16_t)strlen(sp->payload);
	}
	size_t n = tcp_segment_emit(buf, sizeof buf, &ipf, &seg);
	assert_true(n > 0);
	/* The checksums are right: parse with verification. */
	struct ipv4_view ip;
	struct tcp_segment check;
	assert_int_equal(ipv4_parse(buf, n, &ip), SYNQ_DROP_NONE);
	assert_int_equal(tcp_parse(&ip, &check, true), SYNQ_DROP_NONE);
	assert_int_equal(ifc->netdev_send(ifc->userdata, buf, n), 0);
}

/* What the stack sent next, parsed; its bytes stay in *raw. */
struct sniffed {
	uint8_t raw[65536];
	size_t len;
	long long time_us;
	struct ipv4_view ip;
	struct tcp_segment tcp;
};

static void sniff(struct pdi *ifc, struct sniffed *out)
{
	out->len = sizeof out->raw;
	out->time_us = -1;
	assert_int_equal(ifc->netdev_receive(ifc->userdata, out->raw, &out->len, &out->time_us), 0);
	assert_true(out->len >= IPV4_HEADER_MIN + TCP_HEADER_MIN);
	/* A valid IPv4 header (checksum included) and TCP checksum. */
	assert_int_equal(ipv4_parse(out->raw, out->len, &out->ip), SYNQ_DROP_NONE);
	assert_int_equal(out->raw[0], 0x45);
	assert_int_equal(out->ip.protocol, IPV4_PROTO_TCP);
	assert_int_equal(out->ip.src_addr, LOCAL_IP);
	assert_int_equal(out->ip.dst_addr, REMOTE_IP);
	assert_int_equal(out->ip.ttl, 64);
	assert_int_equal(tcp_parse(&out->ip, &out->tcp, true), SYNQ_DROP_NONE);
	assert_int_equal(out->tcp.src_port, LOCAL_PORT);
	assert_int_equal(out->tcp.dst_port, REMOTE_PORT);
}

static long long now_us(struct pdi *ifc)
{
	struct timeval tv;
	assert_int_equal(ifc->gettimeofday(ifc->userdata, &tv, NULL), 0);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static bool real_fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* socket, SO_REUSEADDR, bind to local_ip:8080, listen: a script's first
 * four lines. */
static int listener(struct pdi *ifc)
{
	void *ud = ifc->userdata;
	int fd = ifc->socket(ud, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	assert_true(fd >= 0);
	assert_true(real_fd_open(fd)); /* backed by a real kernel fd */
	int one = 1;
	assert_int_equal(ifc->setsockopt(ud, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(LOCAL_PORT),
	                           .sin_addr.s_addr = htonl(LOCAL_IP) };
	assert_int_equal(ifc->bind(ud, fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(ifc->listen(ud, fd, 1), 0);
	return fd;
}

/* < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
 * > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
 * Returns the stack's ISN. */
static uint32_t handshake_syn(struct pdi *ifc, uint32_t peer_isn)
{
	long long before = now_us(ifc);
	inject(ifc, &(struct seg_spec){ .flags = TCP_SYN, .seq = peer_isn, .win = 32792,
	                                 .syn_options = true });
	struct sniffed *s = malloc(sizeof *s);
	assert_non_null(s);
	sniff(ifc, s);
	assert_int_equal(s->tcp.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(s->tcp.ack, peer_isn + 1);
	assert_int_equal(s->tcp.payload_len, 0);
	assert_true(s->tcp.opt.has_mss);
	assert_int_equal(s->tcp.opt.mss, 1460); /* mtu 1500 - 40 */
	assert_true(s->tcp.opt.sack_permitted);
	assert_true(s->tcp.opt.has_wscale);
	assert_false(s->tcp.opt.has_timestamp); /* the SYN had none */
	/* Options in Linux's order: mss, nop, nop, sackOK, nop, wscale. */
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3 };
	assert_int_equal(s->tcp.header_len, TCP_HEADER_MIN + 12);
	assert_memory_equal(s->raw + IPV4_HEADER_MIN + TCP_HEADER_MIN, opts, sizeof opts);
	/* Sent when the SYN came in, on the clock gettimeofday reads. */
	assert_true(s->time_us > before && s->time_us <= before + 10);
	uint32_t isn = s->tcp.seq;
	free(s);
	return isn;
}

/* ------------------------------------------------------ server dialogue */

static void server_handshake_data_close(void **state)
{
	(void)state;
	struct pdi ifc;
	memset(&ifc, 0x5a, sizeof ifc);
	pd_init(FLAGS, &ifc);
	void *ud = ifc.userdata;
	assert_non_null(ud);
	struct sniffed *s = malloc(sizeof *s);
	assert_non_null(s);

	int lfd = listener(&ifc);
	assert_int_equal(ifc.usleep(ud, 100000), 0);
	const uint32_t peer = 1000;
	uint32_t isn = handshake_syn(&ifc, peer);
	assert_int_equal(ifc.usleep(ud, 100000), 0);
	inject(&ifc, &(struct seg_spec){ .flags = TCP_ACK, .seq = peer + 1, .ack = isn + 1,
	                                  .win = 257 });

	/* accept() fills in the peer's address: packetdrill finds the
	 * connection by it. */
	struct sockaddr_in peer_addr;
	memset(&peer_addr, 0xff, sizeof peer_addr);
	socklen_t alen = sizeof peer_addr;
	int afd = ifc.accept(ud, lfd, (struct sockaddr *)&peer_addr, &alen);
	assert_true(afd >= 0);
	assert_true(afd != lfd);
	assert_true(real_fd_open(afd));
	assert_int_equal(alen, sizeof(struct sockaddr_in));
	assert_int_equal(peer_addr.sin_family, AF_INET);
	assert_int_equal(ntohs(peer_addr.sin_port), REMOTE_PORT);
	assert_int_equal(ntohl(peer_addr.sin_addr.s_addr), REMOTE_IP);

	/* < P. 1:11(10) ack 1: the first data is ACKed at once (quick ACK). */
	inject(&ifc, &(struct seg_spec){ .flags = TCP_PSH | TCP_ACK, .seq = peer + 1,
	                                  .ack = isn + 1, .win = 257, .payload = "0123456789" });
	sniff(&ifc, s);
	assert_int_equal(s->tcp.flags, TCP_ACK);
	assert_int_equal(s->tcp.seq, isn + 1);
	assert_int_equal(s->tcp.ack, peer + 11);
	assert_int_equal(s->tcp.payload_len, 0);

	char buf[64];
	assert_int_equal(ifc.read(ud, afd, buf, sizeof buf), 10);
	assert_memory_equal(buf, "0123456789", 10);
	/* Nothing more to read: a non-blocking read says EAGAIN. */
	assert_int_equal(ifc.fcntl(ud, afd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
	assert_int_equal(ifc.fcntl(ud, afd, F_GETFL), O_RDWR | O_NONBLOCK);
	errno = 0;
	assert_int_equal(ifc.read(ud, afd, buf, sizeof buf), -1);
	assert_int_equal(errno, EAGAIN);

	/* write: > P. 1:6(5) ack 11 */
	assert_int_equal(ifc.write(ud, afd, "pong!", 5), 5);
	sniff(&ifc, s);
	assert_int_equal(s->tcp.flags, TCP_PSH | TCP_ACK);
	assert_int_equal(s->tcp.seq, isn + 1);
	assert_int_equal(s->tcp.ack, peer + 11);
	assert_int_equal(s->tcp.payload_len, 5);
	assert_memory_equal(s->tcp.payload, "pong!", 5);
	inject(&ifc, &(struct seg_spec){ .flags = TCP_ACK, .seq = peer + 11, .ack = isn + 6,
	                                  .win = 257 });

	/* close: > F. 6:6(0) ack 11; < F. 11:11(0) ack 7; > . 7:7(0) ack 12 */
	assert_int_equal(ifc.close(ud, afd), 0);
	assert_false(real_fd_open(afd)); /* its eventfd is gone */
	sniff(&ifc, s);
	assert_int_equal(s->tcp.flags, TCP_FIN | TCP_ACK);
	assert_int_equal(s->tcp.seq, isn + 6);
	assert_int_equal(s->tcp.ack, peer + 11);
	inject(&ifc, &(struct seg_spec){ .flags = TCP_FIN | TCP_ACK, .seq = peer + 11,
	                                  .ack = isn + 7, .win = 257 });
	sniff(&ifc, s);
	assert_int_equal(s->tcp.flags, TCP_ACK);
	assert_int_equal(s->tcp.seq, isn + 7);
	assert_int_equal(s->tcp.ack, peer + 12);

	/* Nothing else will ever come: netdev_receive runs out TIME-WAIT and
	 * answers with an empty packet rather than spinning. */
	size_t count = sizeof s->raw;
	long long t = 0;
	assert_int_equal(ifc.netdev_receive(ud, s->raw, &count, &t), 0);
	assert_int_equal(count, 0);

	/* packetdrill's teardown: the real close() of the sockets left open,
	 * then free. */
	assert_int_equal(close(lfd), 0);
	int before = pd_instances();
	ifc.free(ud);
	assert_int_equal(pd_instances(), before - 1);
	free(s);
}

/* ------------------------------------------------------ blocking accept */

struct accept_thread {
	struct pdi *ifc;
	int lfd;
	pid_t tid;
	int result;
	long long return_us;
};

static void *accept_main(void *arg)
{
	struct accept_thread *a = arg;
	__atomic_store_n(&a->tid, gettid(), __ATOMIC_SEQ_CST);
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	a->result = a->ifc->accept(a->ifc->userdata, a->lfd, (struct sockaddr *)&sin, &len);
	/* packetdrill stamps a blocking call's return with gettimeofday
	 * from this thread, after the call. */
	a->return_us = now_us(a->ifc);
	return NULL;
}

/* packetdrill's test for "blocked": the thread sleeps in the kernel. */
static bool thread_sleeping(pid_t tid)
{
	char path[64], text[512];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *p = strrchr(text, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'S';
}

static void blocking_accept_woken_by_netdev_send(void **state)
{
	(void)state;
	struct pdi ifc;
	pd_init(FLAGS, &ifc);
	void *ud = ifc.userdata;
	int lfd = listener(&ifc);

	/* +0...0.200 accept(3, ..., ...) = 4 on the syscall thread */
	struct accept_thread a = { .ifc = &ifc, .lfd = lfd, .result = -2 };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, accept_main, &a), 0);
	for (int i = 0; i < 5000; i++) {
		pid_t tid = __atomic_load_n(&a.tid, __ATOMIC_SEQ_CST);
		if (tid != 0 && thread_sleeping(tid))
			break;
		usleep(1000);
	}
	assert_true(thread_sleeping(a.tid));
	assert_int_equal(__atomic_load_n(&a.result, __ATOMIC_SEQ_CST), -2);

	assert_int_equal(ifc.usleep(ud, 100000), 0);
	uint32_t isn = handshake_syn(&ifc, 5000);
	assert_int_equal(ifc.usleep(ud, 100000), 0);
	long long ack_time = now_us(&ifc);
	/* The handshake's ACK completes the accept... */
	inject(&ifc, &(struct seg_spec){ .flags = TCP_ACK, .seq = 5001, .ack = isn + 1,
	                                  .win = 257 });
	/* ...and the main thread moves on at once; its usleep must not
	 * move the clock before the woken call has stamped its return. */
	assert_int_equal(ifc.usleep(ud, 100000), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(a.result >= 0);
	assert_true(a.result != lfd);
	assert_true(a.return_us >= ack_time && a.return_us <= ack_time + 50);
	assert_true(now_us(&ifc) >= ack_time + 100000);

	/* Data the other way through the accepted socket. */
	assert_int_equal(ifc.write(ud, a.result, "x", 1), 1);
	struct sniffed *s = malloc(sizeof *s);
	assert_non_null(s);
	sniff(&ifc, s);
	assert_int_equal(s->tcp.seq, isn + 1);
	assert_int_equal(s->tcp.payload_len, 1);
	assert_int_equal(s->tcp.payload[0], 'x');
	free(s);

	assert_int_equal(close(a.result), 0);
	assert_int_equal(close(lfd), 0);
	ifc.free(ud);
}

/* ------------------------------------------------------------------ time */

static void gettimeofday_advances_and_fires_timers(void **state)
{
	(void)state;
	struct pdi ifc;
	pd_init(FLAGS, &ifc);
	void *ud = ifc.userdata;
	long long t1 = now_us(&ifc);
	long long t2 = now_us(&ifc);
	assert_int_equal(t2, t1 + 1); /* 1 us per call */

	int lfd = listener(&ifc);
	uint32_t isn = handshake_syn(&ifc, 9000);
	long long synack_time = now_us(&ifc);
	/* No ACK: the SYN-ACK is retransmitted after 1 s (TCP_TIMEOUT_INIT).
	 * Spinning on gettimeofday alone, as packetdrill does while it
	 * waits, must get there and fire that timer. */
	long long t = synack_time;
	while (t < synack_time + 1001100)
		t = now_us(&ifc);
	struct sniffed *s = malloc(sizeof *s);
	assert_non_null(s);
	sniff(&ifc, s);
	assert_int_equal(s->tcp.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(s->tcp.seq, isn);
	assert_true(s->time_us >= synack_time + 1000000);
	/* Timers run on millisecond ticks, as Linux's run on jiffies. */
	assert_true(s->time_us <= synack_time + 1001100);
	/* netdev_receive did not need to move the clock. */
	assert_true(now_us(&ifc) <= t + 2);
	free(s);

	assert_int_equal(close(lfd), 0);
	ifc.free(ud);
}

/* ---------------------------------------------------------- member order */

static void expect_call(void *ud, const char *name, long long arg)
{
	long long got = -12345;
	const char *called = pd_last_call(ud, &got);
	assert_non_null(called);
	assert_string_equal(called, name);
	assert_int_equal(got, arg);
}

/* Each member through the struct, in order, with an argument no other
 * member gets (7000 + its position): the driver records which of its
 * functions ran and with what. */
static void members_in_packetdrill_order(void **state)
{
	(void)state;
	struct pdi ifc;
	memset(&ifc, 0, sizeof ifc);
	pd_init(NULL, &ifc); /* packetdrill passes NULL without --so_flags */
	void *ud = ifc.userdata;
	assert_non_null(ud);                                /* 0 userdata */
	char buf[8192] = { 0 };
	int iv = 0;
	socklen_t sl = sizeof iv;
	struct iovec iov = { buf, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	assert_int_equal(ifc.socket(ud, 7002, SOCK_STREAM, 0), -1);      /* 2 */
	assert_int_equal(errno, EAFNOSUPPORT);
	expect_call(ud, "socket", 7002);
	assert_int_equal(ifc.bind(ud, 7003, NULL, 0), -1);
	expect_call(ud, "bind", 7003);
	assert_int_equal(ifc.listen(ud, 7004, 1), -1);
	expect_call(ud, "listen", 7004);
	assert_int_equal(ifc.accept(ud, 7005, NULL, NULL), -1);
	expect_call(ud, "accept", 7005);
	assert_int_equal(ifc.connect(ud, 7006, NULL, 0), -1);
	expect_call(ud, "connect", 7006);
	assert_int_equal(ifc.read(ud, 7007, buf, 1), -1);
	expect_call(ud, "read", 7007);
	assert_int_equal(ifc.readv(ud, 7008, &iov, 1), -1);
	expect_call(ud, "readv", 7008);
	assert_int_equal(ifc.recv(ud, 7009, buf, 1, 0), -1);
	expect_call(ud, "recv", 7009);
	assert_int_equal(ifc.recvfrom(ud, 7010, buf, 1, 0, NULL, NULL), -1);
	expect_call(ud, "recvfrom", 7010);
	assert_int_equal(ifc.recvmsg(ud, 7011, &msg, 0), -1);
	expect_call(ud, "recvmsg", 7011);
	assert_int_equal(ifc.write(ud, 7012, buf, 1), -1);
	expect_call(ud, "write", 7012);
	assert_int_equal(ifc.writev(ud, 7013, &iov, 1), -1);
	expect_call(ud, "writev", 7013);
	assert_int_equal(ifc.send(ud, 7014, buf, 1, 0), -1);
	expect_call(ud, "send", 7014);
	assert_int_equal(ifc.sendto(ud, 7015, buf, 1, 0, NULL, 0), -1);
	expect_call(ud, "sendto", 7015);
	assert_int_equal(ifc.sendmsg(ud, 7016, &msg, 0), -1);
	expect_call(ud, "sendmsg", 7016);
	assert_int_equal(ifc.fcntl(ud, 7017, F_GETFL), -1);
	expect_call(ud, "fcntl", 7017);
	assert_int_equal(ifc.ioctl(ud, 7018, FIONREAD, &iv), -1);
	expect_call(ud, "ioctl", 7018);
	assert_int_equal(ifc.close(ud, 7019), -1);
	assert_int_equal(errno, EBADF);
	expect_call(ud, "close", 7019);
	assert_int_equal(ifc.shutdown(ud, 7020, SHUT_RDWR), -1);
	expect_call(ud, "shutdown", 7020);
	assert_int_equal(ifc.getsockopt(ud, 7021, SOL_SOCKET, SO_ERROR, &iv, &sl), -1);
	expect_call(ud, "getsockopt", 7021);
	assert_int_equal(ifc.setsockopt(ud, 7022, SOL_SOCKET, SO_REUSEADDR, &iv, sizeof iv), -1);
	expect_call(ud, "setsockopt", 7022);
	struct pollfd *pfds = calloc(7023, sizeof *pfds);
	assert_non_null(pfds);
	for (int i = 0; i < 7023; i++)
		pfds[i].fd = -1;
	ifc.poll(ud, pfds, 7023, 0);                                    /* 23 */
	expect_call(ud, "poll", 7023);
	free(pfds);
	/* 7024 bytes of nothing in particular: not IP, dropped, still 0. */
	assert_int_equal(ifc.netdev_send(ud, buf, 7024), 0);
	expect_call(ud, "netdev_send", 7024);
	size_t count = 7025;
	long long t = 0;
	assert_int_equal(ifc.netdev_receive(ud, buf, &count, &t), 0);
	expect_call(ud, "netdev_receive", 7025);
	assert_int_equal(count, 0); /* nothing can ever come */
	long long before = now_us(&ifc);
	assert_int_equal(ifc.usleep(ud, 7026), 0);
	expect_call(ud, "usleep", 7026);
	struct timeval tv = { 0, 0 };
	assert_int_equal(ifc.gettimeofday(ud, &tv, NULL), 0);               /* 27 */
	expect_call(ud, "gettimeofday", 0);
	assert_int_equal((long long)tv.tv_sec * 1000000 + tv.tv_usec, before + 1 + 7026);
	int ep = ifc.epoll_create(ud, 7028);
	assert_true(ep >= 0);
	expect_call(ud, "epoll_create", 7028);
	struct epoll_event ev = { .events = EPOLLIN };
	assert_int_equal(ifc.epoll_ctl(ud, 7029, EPOLL_CTL_ADD, 7029, &ev), -1);
	expect_call(ud, "epoll_ctl", 7029);
	assert_int_equal(ifc.epoll_wait(ud, 7030, &ev, 1, 0), -1);
	expect_call(ud, "epoll_wait", 7030);
	int fds[2] = { 7031, 0 };
	assert_int_equal(ifc.pipe(ud, fds), -1);
	expect_call(ud, "pipe", 7031);
	assert_int_equal(ifc.splice(ud, 7032, NULL, 0, NULL, 1, 0), -1);
	expect_call(ud, "splice", 7032);
	assert_int_equal(errno, ENOSYS);

	assert_int_equal(ifc.close(ud, ep), 0);
	int n = pd_instances();
	ifc.free(ud);                                                        /* 1 */
	assert_int_equal(pd_instances(), n - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(server_handshake_data_close),
		cmocka_unit_test(blocking_accept_woken_by_netdev_send),
		cmocka_unit_test(gettimeofday_advances_and_fires_timers),
		cmocka_unit_test(members_in_packetdrill_order),
	};
	return cmocka_run_group_tests(tests, load_so, unload_so);
}
