/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP between two in-process synq stacks, against the Linux kernel over
 * loopback measured in the same run, and the memory of each TCP object.
 *
 *   handshakes_per_s       connect + accept + close, batches of 64, one
 *                          core; median of 5 runs of HS_CONNS connections
 *   kernel_loopback_handshakes_per_s
 *                          the same loop on real sockets over 127.0.0.1
 *                          median of 5 runs of ~0.4 s
 *   transfer_mb_per_s      TRANSFER_BYTES one way, zero loss, MB = 1e6
 *                          bytes per wall second; median of 5
 *   kernel_loopback_transfer_mb_per_s
 *                          the same volume over a loopback socket pair
 *   bytes_per_established, bytes_per_timewait, bytes_per_request
 *                          from synq_object_sizes(), checked against the
 *                          resident memory that N such objects really add
 *
 * Wiring. Each stack's io.output appends the datagram to a FIFO that the
 * other stack reads; pump() delivers both FIFOs until they are empty.
 * There is no simulator, link model or loss. The copy into the FIFO (the
 * stand-in for a NIC) is part of every measured figure. Time is a virtual
 * clock that this file advances (a microsecond per round) and jumps to
 * the next stack deadline whenever nothing else can make progress.
 *
 * Close order (both for synq and the kernel): the client sets SO_LINGER
 * {1, 0} and closes first, which sends a RST (Linux: tcp_disconnect() from
 * __tcp_close() with sk_lingertime 0); the server then closes its socket,
 * already reset. Nothing enters TIME-WAIT, so ports never run out and
 * every run ends with empty tables, which is checked. With FINs instead,
 * the figures would measure port and TIME-WAIT policy. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "synq/config.h"
#include "synq/socket.h"
#include "synq/stack.h"

#define ROUNDS 5
#define BATCH 64
#define HS_CONNS (BATCH * 2048)               /* per synq run */
#define HS_KERNEL_RUN_S 0.4                   /* per kernel run */
#define TRANSFER_BYTES 200000000ull
#define CHUNK (256 * 1024)                    /* per write()/read() call */
#define MEM_OBJECTS 50000                     /* per memory cross-check */
#define WALL_LIMIT_S 20.0                     /* a hung run is a failure */

#define CLIENT_ADDR 0x0a000001u /* 10.0.0.1 */
#define SERVER_ADDR 0x0a000002u /* 10.0.0.2 */
#define SERVER_PORT 5001

/* ------------------------------------------------------------ the FIFO */

#define WIRE_SLOT_BYTES 1536   /* a 1500-byte MTU datagram */
#define WIRE_SLOTS (1u << 15)  /* more than any window in flight here */

struct wire {
	uint8_t *buf;
	uint16_t *len;
	uint32_t head;
	uint32_t tail;
	uint32_t peak;
	uint64_t packets;
};

static void wire_init(struct wire *w)
{
	*w = (struct wire){ 0 };
	w->buf = malloc((size_t)WIRE_SLOTS * WIRE_SLOT_BYTES);
	w->len = malloc(WIRE_SLOTS * sizeof *w->len);
	if (w->buf == NULL || w->len == NULL) {
		fprintf(stderr, "bench_tcp: out of memory\n");
		exit(1);
	}
	/* Touch it now, so that neither page faults nor the RSS deltas of
	 * the memory checks see it later (not with zeros: the compiler
	 * would turn malloc + memset 0 into a lazy calloc). */
	memset(w->buf, 0xa5, (size_t)WIRE_SLOTS * WIRE_SLOT_BYTES);
	memset(w->len, 0xa5, WIRE_SLOTS * sizeof *w->len);
}

static void wire_destroy(struct wire *w)
{
	free(w->buf);
	free(w->len);
}

static void wire_output(void *ctx, const uint8_t *datagram, size_t len)
{
	struct wire *w = ctx;
	if (w->tail - w->head >= WIRE_SLOTS || len > WIRE_SLOT_BYTES) {
		fprintf(stderr, "bench_tcp: FIFO overflow (%u queued, datagram %zu bytes)\n",
		        w->tail - w->head, len);
		exit(1);
	}
	uint32_t i = w->tail % WIRE_SLOTS;
	memcpy(w->buf + (size_t)i * WIRE_SLOT_BYTES, datagram, len);
	w->len[i] = (uint16_t)len;
	w->tail++;
	w->packets++;
	if (w->tail - w->head > w->peak)
		w->peak = w->tail - w->head;
}

/* The memory checks' SYN-ACKs go nowhere. */
static void sink_output(void *ctx, const uint8_t *datagram, size_t len)
{
	(void)datagram;
	(void)len;
	++*(uint64_t *)ctx;
}

/* --------------------------------------------------- two wired stacks */

struct duo {
	struct synq_stack *client;
	struct synq_stack *server;
	struct wire to_client;
	struct wire to_server;
	synq_time_t now;
};

static void fail(const char *what, long value)
{
	fprintf(stderr, "bench_tcp: %s (%ld)\n", what, value);
	exit(1);
}

/* The wires are the caller's (allocated once: they are big). */
static void duo_open(struct duo *d, const struct synq_config *client_cfg,
                     const struct synq_config *server_cfg, uint64_t seed)
{
	d->now = SYNQ_SEC(1);
	struct wire *wires[] = { &d->to_client, &d->to_server };
	for (int i = 0; i < 2; i++)
		wires[i]->head = wires[i]->tail = wires[i]->peak = 0, wires[i]->packets = 0;
	struct synq_stack_io io = { .output = wire_output, .ctx = &d->to_server };
	int err = synq_stack_new(&d->client, client_cfg, CLIENT_ADDR, seed, &io);
	if (err)
		fail("client stack", err);
	io.ctx = &d->to_client;
	err = synq_stack_new(&d->server, server_cfg, SERVER_ADDR, seed + 1, &io);
	if (err)
		fail("server stack", err);
	/* Socket calls run at the stack's time: set it before the first. */
	synq_stack_advance(d->client, d->now);
	synq_stack_advance(d->server, d->now);
}

static void duo_close(struct duo *d)
{
	synq_stack_free(d->client);
	synq_stack_free(d->server);
	d->client = d->server = NULL;
}

/* Deliver everything queued for s. Input to s only appends to the other
 * wire, so the slot being read is never overwritten. */
static bool wire_deliver(struct wire *w, struct synq_stack *s, synq_time_t now)
{
	bool any = w->head != w->tail;
	while (w->head != w->tail) {
		uint32_t i = w->head % WIRE_SLOTS;
		synq_stack_input(s, w->buf + (size_t)i * WIRE_SLOT_BYTES, w->len[i], now);
		w->head++;
	}
	w->head = w->tail = 0; /* reuse the first slots: they are in cache */
	return any;
}

static void duo_timers(struct duo *d)
{
	if (synq_stack_next_deadline(d->client) <= d->now)
		synq_stack_advance(d->client, d->now);
	if (synq_stack_next_deadline(d->server) <= d->now)
		synq_stack_advance(d->server, d->now);
}

/* Deliver until both directions are quiet; true if anything moved. */
static bool pump(struct duo *d)
{
	bool moved = false;
	for (;;) {
		d->now += SYNQ_USEC(1);
		duo_timers(d);
		bool any = wire_deliver(&d->to_server, d->server, d->now);
		any |= wire_deliver(&d->to_client, d->client, d->now);
		if (!any)
			return moved;
		moved = true;
	}
}

/* Nothing can move without time passing: jump to the next deadline. */
static void duo_jump(struct duo *d)
{
	synq_time_t a = synq_stack_next_deadline(d->client);
	synq_time_t b = synq_stack_next_deadline(d->server);
	synq_time_t next = a < b ? a : b;
	if (next == SYNQ_TIME_NEVER)
		fail("stalled with no timer pending", 0);
	if (next > d->now)
		d->now = next;
	duo_timers(d);
}

static void check_empty(struct synq_stack *s, const char *who)
{
	struct synq_stack_usage u;
	synq_stack_usage(s, &u);
	if (u.connections.used || u.requests.used || u.time_wait.used) {
		fprintf(stderr, "bench_tcp: %s stack not empty: %u connections, %u requests, "
		        "%u TIME-WAIT\n", who, u.connections.used, u.requests.used,
		        u.time_wait.used);
		exit(1);
	}
}

static uint64_t mib(const struct synq_stack *s, enum synq_mib_counter c)
{
	return synq_stack_mib(s)->value[c];
}

static struct sockaddr_in server_addr(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
	                           .sin_addr.s_addr = htonl(SERVER_ADDR) };
	return sin;
}

static int synq_listener(struct synq_stack *s, uint16_t port, int backlog)
{
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (fd < 0)
		fail("listener socket", fd);
	int err = synq_bind(s, fd, (const struct sockaddr *)&any, sizeof any);
	if (!err)
		err = synq_listen(s, fd, backlog);
	if (err)
		fail("bind/listen", err);
	return fd;
}

/* Open n (<= BATCH) client connections and accept them. With linger set,
 * each client socket gets SO_LINGER {1, 0}. */
static void synq_open_batch(struct duo *d, int lfd, uint16_t port, int n, bool linger,
                            int *cfd, int *sfd)
{
	const struct sockaddr_in to = server_addr(port);
	const struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	for (int i = 0; i < n; i++) {
		cfd[i] = synq_socket(d->client, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (cfd[i] < 0)
			fail("socket", cfd[i]);
		if (linger && synq_setsockopt(d->client, cfd[i], SOL_SOCKET, SO_LINGER,
		                              &lg, sizeof lg) != 0)
			fail("SO_LINGER", 0);
		int r = synq_connect(d->client, cfd[i], (const struct sockaddr *)&to, sizeof to);
		if (r != -EINPROGRESS)
			fail("connect did not return EINPROGRESS", r);
	}
	pump(d);
	for (int i = 0; i < n; i++) {
		sfd[i] = synq_accept4(d->server, lfd, NULL, NULL, SOCK_NONBLOCK);
		if (sfd[i] < 0)
			fail("accept after the handshakes", sfd[i]);
	}
}

/* ------------------------------------------------- handshakes: synq */

static struct synq_config handshake_config(void)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.buffer_bytes = 1u << 20; /* no data moves */
	return cfg;
}

static double synq_handshakes(struct duo *d, int conns)
{
	struct synq_config cfg = handshake_config();
	duo_open(d, &cfg, &cfg, 42);
	int lfd = synq_listener(d->server, SERVER_PORT, 4096);
	int cfd[BATCH], sfd[BATCH];

	double start = bench_now_s();
	for (int done = 0; done < conns; done += BATCH) {
		synq_open_batch(d, lfd, SERVER_PORT, BATCH, true, cfd, sfd);
		for (int i = 0; i < BATCH; i++)
			synq_close(d->client, cfd[i]);
		pump(d);
		for (int i = 0; i < BATCH; i++)
			synq_close(d->server, sfd[i]);
		pump(d);
	}
	double elapsed = bench_now_s() - start;

	/* Every connection was established on both sides and reset by the
	 * client in four datagrams (SYN, SYN-ACK, ACK, RST), and nothing is
	 * left. */
	uint64_t n = (uint64_t)conns;
	if (d->to_server.packets != 3 * n || d->to_client.packets != n ||
	    mib(d->client, SYNQ_MIB_TcpActiveOpens) != n ||
	    mib(d->server, SYNQ_MIB_TcpPassiveOpens) != n ||
	    mib(d->client, SYNQ_MIB_TcpOutRsts) != n ||
	    mib(d->server, SYNQ_MIB_TcpEstabResets) != n ||
	    mib(d->client, SYNQ_MIB_TcpRetransSegs) != 0)
		fail("handshake counters do not add up", (long)mib(d->client, SYNQ_MIB_TcpActiveOpens));
	synq_close(d->server, lfd);
	check_empty(d->client, "client");
	check_empty(d->server, "server");
	duo_close(d);
	return conns / elapsed;
}

/* ----------------------------------------------- handshakes: kernel */

static int kernel_listener(struct sockaddr_in *bound)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		return -errno;
	struct sockaddr_in sin = { .sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sin;
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(lfd, 4096) != 0 ||
	    getsockname(lfd, (struct sockaddr *)bound, &len) != 0) {
		int err = -errno;
		close(lfd);
		return err;
	}
	return lfd;
}

static int kernel_accept(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd >= 0 || errno != EAGAIN)
			return fd;
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		if (poll(&p, 1, 100) == 0)
			return -1;
	}
}

/* The kernel's loop: batch 64, non-blocking connect, accept4, client
 * closed with SO_LINGER {1, 0} (RST), then the server. Returns conns/s
 * over about `seconds`, or a negative errno if loopback sockets fail. */
static double kernel_handshakes(double seconds)
{
	struct sockaddr_in to;
	int lfd = kernel_listener(&to);
	if (lfd < 0)
		return lfd;
	const struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int cfd[BATCH], sfd[BATCH];
	uint64_t conns = 0;
	double start = bench_now_s(), elapsed;
	do {
		for (int i = 0; i < BATCH; i++) {
			cfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (cfd[i] < 0 ||
			    setsockopt(cfd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0 ||
			    (connect(cfd[i], (struct sockaddr *)&to, sizeof to) != 0 &&
			     errno != EINPROGRESS)) {
				close(lfd);
				return -errno;
			}
		}
		for (int i = 0; i < BATCH; i++) {
			sfd[i] = kernel_accept(lfd);
			if (sfd[i] < 0) {
				for (int k = 0; k < BATCH; k++)
					close(cfd[k]);
				for (int k = 0; k < i; k++)
					close(sfd[k]);
				close(lfd);
				return -EIO;
			}
		}
		for (int i = 0; i < BATCH; i++)
			close(cfd[i]);
		for (int i = 0; i < BATCH; i++)
			close(sfd[i]);
		conns += BATCH;
		elapsed = bench_now_s() - start;
	} while (elapsed < seconds);
	close(lfd);
	return (double)conns / elapsed;
}

/* --------------------------------------------------- transfer: synq */

static uint8_t *pattern_buf; /* CHUNK + PATTERN_PERIOD bytes */
static uint8_t *read_buf;    /* CHUNK bytes */
#define PATTERN_PERIOD 4093u /* prime: reads and writes never line up with it */

/* TRANSFER_BYTES client to server; with verify, every byte is compared.
 * Returns MB/s of wall time from the first write to the last byte read. */
static double synq_transfer(struct duo *d, bool verify)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	duo_open(d, &cfg, &cfg, 7);
	int lfd = synq_listener(d->server, SERVER_PORT, 16);
	int cfd, sfd;
	synq_open_batch(d, lfd, SERVER_PORT, 1, false, &cfd, &sfd);
	synq_close(d->server, lfd);

	uint64_t sent = 0, received = 0;
	bool eof = false;
	double start = bench_now_s();
	while (!eof) {
		bool moved = false;
		while (sent < TRANSFER_BYTES) {
			size_t chunk = CHUNK;
			if (TRANSFER_BYTES - sent < chunk)
				chunk = (size_t)(TRANSFER_BYTES - sent);
			ssize_t n = synq_write(d->client, cfd, pattern_buf + sent % PATTERN_PERIOD,
			                       chunk);
			if (n == -EAGAIN)
				break;
			if (n <= 0)
				fail("synq_write", (long)n);
			sent += (uint64_t)n;
			moved = true;
			if (sent == TRANSFER_BYTES)
				synq_close(d->client, cfd);
		}
		moved |= pump(d);
		for (;;) {
			ssize_t n = synq_read(d->server, sfd, read_buf, CHUNK);
			if (n == -EAGAIN)
				break;
			if (n < 0)
				fail("synq_read", (long)n);
			if (n == 0) {
				eof = true;
				break;
			}
			if (verify && memcmp(read_buf, pattern_buf + received % PATTERN_PERIOD,
			                     (size_t)n) != 0)
				fail("received bytes differ at offset", (long)received);
			received += (uint64_t)n;
			moved = true;
		}
		moved |= pump(d);
		if (!moved)
			duo_jump(d);
		if (bench_now_s() - start > WALL_LIMIT_S)
			fail("transfer did not finish; bytes received", (long)received);
	}
	double elapsed = bench_now_s() - start;
	if (received != TRANSFER_BYTES)
		fail("short transfer", (long)received);
	if (mib(d->client, SYNQ_MIB_TcpRetransSegs) != 0)
		fail("retransmissions without loss", (long)mib(d->client, SYNQ_MIB_TcpRetransSegs));
	if (verify)
		printf("transfer: %llu bytes verified, %llu + %llu datagrams, FIFO peak %u\n",
		       (unsigned long long)received, (unsigned long long)d->to_server.packets,
		       (unsigned long long)d->to_client.packets, d->to_server.peak);
	synq_close(d->server, sfd);
	pump(d);
	duo_close(d);
	return (double)TRANSFER_BYTES / 1e6 / elapsed;
}

/* ------------------------------------------------- transfer: kernel */

/* The same volume over a connected loopback pair, one thread, the same
 * write/read sizes. MB/s, or a negative errno. */
static double kernel_transfer(void)
{
	struct sockaddr_in to;
	int lfd = kernel_listener(&to);
	if (lfd < 0)
		return lfd;
	int cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (cfd < 0 || (connect(cfd, (struct sockaddr *)&to, sizeof to) != 0 &&
	                errno != EINPROGRESS)) {
		close(lfd);
		return -errno;
	}
	int sfd = kernel_accept(lfd);
	close(lfd);
	if (sfd < 0) {
		close(cfd);
		return -EIO;
	}
	uint64_t sent = 0, received = 0;
	double start = bench_now_s();
	while (received < TRANSFER_BYTES) {
		bool moved = false;
		while (sent < TRANSFER_BYTES) {
			size_t chunk = CHUNK;
			if (TRANSFER_BYTES - sent < chunk)
				chunk = (size_t)(TRANSFER_BYTES - sent);
			ssize_t n = write(cfd, pattern_buf + sent % PATTERN_PERIOD, chunk);
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0)
				fail("kernel write", errno);
			sent += (uint64_t)n;
			moved = true;
		}
		for (;;) {
			ssize_t n = read(sfd, read_buf, CHUNK);
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0)
				fail("kernel read", errno);
			received += (uint64_t)n;
			moved = true;
		}
		if (!moved) {
			struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
			                       { .fd = cfd, .events = POLLOUT } };
			poll(p, 2, 100);
		}
		if (bench_now_s() - start > WALL_LIMIT_S)
			fail("kernel transfer did not finish; bytes received", (long)received);
	}
	double elapsed = bench_now_s() - start;
	close(cfd);
	close(sfd);
	return (double)TRANSFER_BYTES / 1e6 / elapsed;
}

/* ------------------------------------------------------------- memory */

/* Resident bytes of this process (/proc/self/statm), or -1. */
static long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, resident;
	if (f == NULL)
		return -1;
	int got = fscanf(f, "%ld %ld", &size, &resident);
	fclose(f);
	return got == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

struct linux_sizes {
	long tcp, tw, request, inode, filp, dentry;
	bool measured;  /* read from /sys/kernel/slab in this run */
};

static long slab_object_size(const char *cache)
{
	char path[128];
	snprintf(path, sizeof path, "/sys/kernel/slab/%s/object_size", cache);
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* The running kernel's slab object sizes, read in this run, if
 * /sys/kernel/slab is readable. Otherwise the constants below, which were
 * read from /sys/kernel/slab on Linux 6.18 on this machine class, not in
 * this run; the output says which.
 * An established Linux socket with a descriptor costs the TCP object plus
 * sock_inode_cache, filp and dentry, to compare with synq's
 * connection plus descriptor plus table slot. */
static struct linux_sizes linux_sizes(void)
{
	struct linux_sizes z = {
		.tcp = slab_object_size("TCP"),
		.tw = slab_object_size("tw_sock_TCP"),
		.request = slab_object_size("request_sock_TCP"),
		.inode = slab_object_size("sock_inode_cache"),
		.filp = slab_object_size("filp"),
		.dentry = slab_object_size("dentry"),
	};
	z.measured = z.tcp > 0 && z.tw > 0 && z.request > 0 && z.inode > 0 && z.filp > 0 &&
	             z.dentry > 0;
	if (!z.measured)
		z = (struct linux_sizes){ .tcp = 2304, .tw = 248, .request = 312,
		                          .inode = 832, .filp = 192, .dentry = 192 };
	return z;
}

static void memory_line(const char *what, double predicted, long before, long after,
                        long objects, int *mismatches)
{
	double measured = (double)(after - before) / (double)objects;
	/* The touched pages also hold each table's fixed part (hash buckets
	 * for the full capacity, partly filled pages): allow some slack, but
	 * no unaccounted per-object memory. */
	bool ok = before >= 0 && after >= 0 && measured <= predicted * 1.15 + 16 &&
	          measured >= predicted * 0.6;
	printf("memory: %s: predicted %.0f B, resident %.1f B per object over %ld%s\n", what,
	       predicted, measured, objects, ok ? "" : "  << MISMATCH");
	if (!ok)
		++*mismatches;
}

static struct synq_config memory_config(void)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.max_connections = 2 * BATCH;
	cfg.max_sockets = 2 * BATCH + 16;
	cfg.max_requests = 2 * BATCH;
	cfg.max_time_wait = 2 * BATCH;
	cfg.buffer_bytes = 64u * 2048;
	cfg.ip_local_port_range[0] = 1024;
	cfg.ip_local_port_range[1] = 65535;
	return cfg;
}

/* MEM_OBJECTS established connections: both stacks hold one connection
 * and one descriptor each, so the delta is divided by 2 N. */
static void memory_established(struct duo *d, double predicted, int *mismatches)
{
	struct synq_config cfg = memory_config();
	cfg.max_connections = MEM_OBJECTS;
	cfg.max_sockets = MEM_OBJECTS + 16;
	static int cfd[MEM_OBJECTS], sfd[MEM_OBJECTS];
	memset(cfd, 0xff, sizeof cfd); /* resident before the measurement */
	memset(sfd, 0xff, sizeof sfd);
	long before = rss_bytes();
	duo_open(d, &cfg, &cfg, 11);
	int lfd = synq_listener(d->server, SERVER_PORT, 4096);
	for (int done = 0; done < MEM_OBJECTS; done += BATCH) {
		int n = MEM_OBJECTS - done < BATCH ? MEM_OBJECTS - done : BATCH;
		synq_open_batch(d, lfd, SERVER_PORT, n, false, cfd + done, sfd + done);
	}
	long after = rss_bytes();
	struct synq_stack_usage u;
	synq_stack_usage(d->server, &u);
	if (u.connections.used != MEM_OBJECTS + 0u)
		fail("established connections on the server", (long)u.connections.used);
	memory_line("established (both sides)", predicted, before, after, 2L * MEM_OBJECTS,
	            mismatches);
	duo_close(d);
}

/* MEM_OBJECTS TIME-WAITs on the client, which closes first; the server's
 * side of each connection is gone once the last ACK arrives. */
static void memory_timewait(struct duo *d, double predicted, int *mismatches)
{
	struct synq_config cfg = memory_config();
	cfg.max_time_wait = MEM_OBJECTS;
	int cfd[BATCH], sfd[BATCH];
	long before = rss_bytes();
	duo_open(d, &cfg, &cfg, 13);
	int lfd = synq_listener(d->server, SERVER_PORT, 4096);
	for (int done = 0; done < MEM_OBJECTS; done += BATCH) {
		int n = MEM_OBJECTS - done < BATCH ? MEM_OBJECTS - done : BATCH;
		synq_open_batch(d, lfd, SERVER_PORT, n, false, cfd, sfd);
		for (int i = 0; i < n; i++)
			synq_close(d->client, cfd[i]);
		pump(d);
		for (int i = 0; i < n; i++)
			synq_close(d->server, sfd[i]);
		pump(d);
	}
	long after = rss_bytes();
	struct synq_stack_usage u;
	synq_stack_usage(d->client, &u);
	if (u.time_wait.used != MEM_OBJECTS + 0u || u.connections.used != 0)
		fail("TIME-WAITs on the client", (long)u.time_wait.used);
	synq_stack_usage(d->server, &u);
	if (u.connections.used != 0)
		fail("server connections left", (long)u.connections.used);
	memory_line("TIME-WAIT", predicted, before, after, MEM_OBJECTS, mismatches);
	duo_close(d);
}

/* MEM_OBJECTS SYNs from distinct clients to one listener, never
 * completed: one request each. */
static void memory_requests(double predicted, int *mismatches)
{
	struct synq_config cfg = memory_config();
	cfg.max_requests = MEM_OBJECTS;
	cfg.somaxconn = 4 * MEM_OBJECTS;
	cfg.tcp_max_syn_backlog = 4 * MEM_OBJECTS;
	uint64_t synacks = 0;
	struct synq_stack_io io = { .output = sink_output, .ctx = &synacks };
	struct synq_stack *s;
	long before = rss_bytes();
	if (synq_stack_new(&s, &cfg, SERVER_ADDR, 17, &io) != 0)
		fail("request stack", 0);
	int lfd = synq_listener(s, SERVER_PORT, 4 * MEM_OBJECTS);
	uint8_t pkt[128];
	for (uint32_t i = 0; i < MEM_OBJECTS; i++) {
		struct ipv4_fields ipf = { .src_addr = 0x0b000000u + i, .dst_addr = SERVER_ADDR,
		                           .ttl = 64, .protocol = IPV4_PROTO_TCP,
		                           .dont_fragment = true };
		struct tcp_segment syn = {
			.src_port = (uint16_t)(40000 + i % 20000), .dst_port = SERVER_PORT,
			.seq = 0x9e3779b9u * i, .flags = TCP_SYN, .window = 64240,
			.opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
			         .has_timestamp = true, .tsval = i, .has_wscale = true,
			         .wscale = 7 },
		};
		size_t len = tcp_segment_emit(pkt, sizeof pkt, &ipf, &syn);
		synq_stack_input(s, pkt, len, SYNQ_SEC(1) + i);
	}
	long after = rss_bytes();
	struct synq_stack_usage u;
	synq_stack_usage(s, &u);
	if (u.requests.used != MEM_OBJECTS + 0u || synacks != MEM_OBJECTS)
		fail("requests held", (long)u.requests.used);
	memory_line("SYN_RECV request", predicted, before, after, MEM_OBJECTS, mismatches);
	synq_close(s, lfd);
	synq_stack_free(s);
}

/* ------------------------------------------------------------ figures */

static void run_handshakes(struct duo *d)
{
	double hs[ROUNDS], khs[ROUNDS];
	synq_handshakes(d, HS_CONNS / 8); /* warm-up */
	for (int r = 0; r < ROUNDS; r++)
		hs[r] = synq_handshakes(d, HS_CONNS);
	bool kernel_ok = true;
	for (int r = 0; r < ROUNDS && kernel_ok; r++) {
		khs[r] = kernel_handshakes(HS_KERNEL_RUN_S);
		if (khs[r] < 0) {
			printf("handshakes: kernel loopback sockets unavailable (%s); "
			       "no baseline\n", strerror((int)-khs[r]));
			kernel_ok = false;
		}
	}
	double hs_med = bench_median(hs, ROUNDS);
	printf("handshakes: synq %.2f us per connect+accept+close (median of %d x %d), "
	       "batch %d, client closes with RST\n", 1e6 / hs_med, ROUNDS, HS_CONNS, BATCH);
	if (!kernel_ok) {
		bench_line("handshakes_per_s", hs_med, "conns/s");
		return;
	}
	double khs_med = bench_median(khs, ROUNDS);
	printf("handshakes: kernel %.2f us per connect+accept+close (median of %d x %.1f s "
	       "over 127.0.0.1), batch %d, client closes with RST\n", 1e6 / khs_med, ROUNDS,
	       HS_KERNEL_RUN_S, BATCH);
	bench_line_vs("handshakes_per_s", hs_med, "conns/s",
	              "kernel_loopback_handshakes_per_s", khs_med);
	bench_line("kernel_loopback_handshakes_per_s", khs_med, "conns/s");
}

static void run_transfer(struct duo *d)
{
	double tr[ROUNDS], ktr[ROUNDS];
	synq_transfer(d, true); /* warm-up, every byte compared */
	for (int r = 0; r < ROUNDS; r++)
		tr[r] = synq_transfer(d, false);
	bool kernel_ok = true;
	for (int r = 0; r < ROUNDS && kernel_ok; r++) {
		ktr[r] = kernel_transfer();
		if (ktr[r] < 0) {
			printf("transfer: kernel loopback transfer failed (%s); no baseline\n",
			       strerror((int)-ktr[r]));
			kernel_ok = false;
		}
	}
	double tr_med = bench_median(tr, ROUNDS);
	printf("transfer: %.0f MB one way, median of %d; synq with MTU 1500 (1448-byte "
	       "segments), the kernel with lo's MTU (TSO/GRO sized)\n", TRANSFER_BYTES / 1e6,
	       ROUNDS);
	if (!kernel_ok) {
		bench_line("transfer_mb_per_s", tr_med, "MB/s");
		return;
	}
	double ktr_med = bench_median(ktr, ROUNDS);
	bench_line_vs("transfer_mb_per_s", tr_med, "MB/s",
	              "kernel_loopback_transfer_mb_per_s", ktr_med);
	bench_line("kernel_loopback_transfer_mb_per_s", ktr_med, "MB/s");
}

/* Returns the number of cross-checks that failed. */
static int run_memory(struct duo *d)
{
	struct synq_object_sizes z;
	synq_object_sizes(&z);
	/* What is resident per object: a connection also holds a descriptor. */
	double resident_est = (double)(z.connection + z.socket + z.table_slot);
	double tw_bytes = (double)(z.time_wait + z.time_wait_slot);
	double req_bytes = (double)(z.request + z.table_slot);
	int mismatches = 0;
	memory_established(d, resident_est, &mismatches);
	memory_timewait(d, tw_bytes, &mismatches);
	memory_requests(req_bytes, &mismatches);

	/* Compared as Linux splits it: the TCP socket object against the
	 * connection and its table share; the file, inode and dentry behind a
	 * Linux descriptor against synq's descriptor entry. */
	struct linux_sizes lz = linux_sizes();
	double est_bytes = (double)(z.connection + z.table_slot);
	double linux_fd = (double)(lz.inode + lz.filp + lz.dentry);
	printf("memory: synq connection %zu + table slot %zu, descriptor %zu; "
	       "TIME-WAIT %zu + %zu; request %zu + %zu\n", z.connection, z.table_slot,
	       z.socket, z.time_wait, z.time_wait_slot, z.request, z.table_slot);
	printf("memory: Linux %s: TCP %ld, sock_inode_cache %ld + filp %ld + dentry %ld; "
	       "tw_sock_TCP %ld; request_sock_TCP %ld\n",
	       lz.measured ? "slab object sizes read from /sys/kernel/slab in this run"
	                   : "slab object sizes from an earlier Linux 6.18 reading, not measured here",
	       lz.tcp, lz.inode, lz.filp, lz.dentry, lz.tw, lz.request);
	bench_line_vs("bytes_per_established", est_bytes, "B", "linux_tcp_sock_bytes",
	              (double)lz.tcp);
	bench_line_vs("bytes_per_socket_descriptor", (double)z.socket, "B",
	              "linux_socket_file_bytes", linux_fd);
	bench_line_vs("bytes_per_timewait", tw_bytes, "B", "linux_tw_sock_bytes",
	              (double)lz.tw);
	bench_line_vs("bytes_per_request", req_bytes, "B", "linux_request_sock_bytes",
	              (double)lz.request);
	return mismatches;
}

/* --------------------------------------------------------------- main */

/* bench_tcp [memory] [handshakes] [transfer]: the named parts (all by
 * default), e.g. to profile one of them. */
int main(int argc, char **argv)
{
	bool want[3] = { argc < 2, argc < 2, argc < 2 };
	static const char *const parts[3] = { "memory", "handshakes", "transfer" };
	for (int i = 1; i < argc; i++) {
		int k = 0;
		while (k < 3 && strcmp(argv[i], parts[k]) != 0)
			k++;
		if (k == 3) {
			fprintf(stderr, "usage: bench_tcp [memory] [handshakes] [transfer]\n");
			return 2;
		}
		want[k] = true;
	}

	double t0 = bench_now_s();
	/* A fixed mmap threshold: every big pool is then a fresh mapping
	 * whose pages count only once touched. glibc otherwise raises the
	 * threshold when a big block is freed, and the next stack's pools
	 * reuse pages an earlier stack already made resident. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	static struct duo d;
	wire_init(&d.to_client);
	wire_init(&d.to_server);
	pattern_buf = malloc(CHUNK + PATTERN_PERIOD);
	read_buf = malloc(CHUNK);
	if (pattern_buf == NULL || read_buf == NULL)
		fail("out of memory", 0);
	uint64_t x = 0x5eed;
	for (size_t i = 0; i < CHUNK + PATTERN_PERIOD; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		pattern_buf[i] = i < PATTERN_PERIOD ? (uint8_t)(x >> 56)
		                                    : pattern_buf[i - PATTERN_PERIOD];
	}
	memset(read_buf, 0x5a, CHUNK);

	int mismatches = want[0] ? run_memory(&d) : 0; /* first: the heap is young */
	if (want[1])
		run_handshakes(&d);
	if (want[2])
		run_transfer(&d);
	printf("bench_tcp: %.1f s\n", bench_now_s() - t0);

	wire_destroy(&d.to_client);
	wire_destroy(&d.to_server);
	free(pattern_buf);
	free(read_buf);
	if (mismatches) {
		fprintf(stderr, "bench_tcp: %d memory cross-check(s) disagree with "
		        "synq_object_sizes()\n", mismatches);
		return 1;
	}
	return 0;
}
