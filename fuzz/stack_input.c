/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: a whole stack, driven by segments and socket calls.
 *
 * Each input starts from the same scene: a stack at 10.0.0.2 with small
 * pools, a listener on port 80, one connection it accepted (peer
 * 10.0.0.1:40000, built by injecting SYN, reading the SYN-ACK from the
 * output callback and injecting the ACK) and one it opened itself (to
 * 10.0.0.1:443, completed the same way). The input is then read as a
 * program of records; every segment is built with correct checksums
 * (tcp_segment_emit), so the bytes reach the state machine instead of the
 * checksum check, unless the record asks for a bad checksum.
 *
 * Records (big-endian fields; a short input reads as zeros):
 *
 *   op         op % 8: 0-2 segment, 3 time passes, 4 jump to the next
 *              deadline, 5-6 socket call, 7 open a connection to port 444
 *   segment    flow, flags, seq_off:16, ack_off:16, window:16, optmask,
 *              [mss:16] [wscale:8] [ts_delta:8 [tsecr:32]] [sack n:8
 *              n x (start:16, end:16)] [raw options: len:8, bytes]
 *              [urg:16], payload_len:16
 *     flow % FLOWS: 0 the accepted connection, 1 the active one, 2-5
 *              new peers (ports 50001-50004) to the listener, 6 a closed
 *              port, 7 the connection to port 444 if opened. flow bit 3:
 *              corrupt the TCP checksum; bit 4: seq_off << 16; bit 5:
 *              ack_off << 16.
 *     seq and ack are offsets from what the peer would send: seq from the
 *              last ACK the stack sent on the flow (or the peer's ISN),
 *              ack from the highest sequence the stack has sent.
 *     optmask bits: 0 MSS, 1 window scale, 2 SACK-permitted, 3 timestamp
 *              (ts_delta moves the peer's clock; bit 7 gives an explicit
 *              tsecr, otherwise the stack's last TSval is echoed), 4 SACK
 *              blocks relative to the ack base, 5 raw option bytes instead
 *              of all the above, 6 urgent pointer.
 *   time       delta:16, unit by op >> 3 & 3: 1 us, 1 ms, 100 ms, 1 s
 *   socket     call:8, fd:8, argument:16 (see socket_call())
 *
 * Checked after every record: each datagram the stack sent parses with
 * correct checksums, from its address, within the MTU; table usage within
 * capacity; the next deadline not in the past, and after advancing to it,
 * strictly in the future. At the end every descriptor still open is
 * closed with a reset (SO_LINGER 0), and the clock run on until no timer
 * is left (at most a few virtual hours; orphans the input made retry once,
 * see scene_teardown()): then every pool must be empty.
 *
 * The stack and the scene are built once; a snapshot of both is taken
 * then (synq_stack_snapshot()) and every input starts from it
 * (synq_stack_restore()), which is what makes the target fast: an input
 * pays for its own records and the teardown, not for the handshakes.
 * STACK_INPUT_REBUILD=1 in the environment resets the stack and builds the
 * scene again for every input instead; both must behave alike.
 *
 * make fuzz runs it with -max_len=128: a handful of records (Makefile). */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "harness/wire.h" /* first: the wire calls below go to the harness's copy */
#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "synq/config.h"
#include "synq/socket.h"
#include "synq/stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STACK_ADDR 0x0a000002u /* 10.0.0.2 */
#define PEER_ADDR 0x0a000001u  /* 10.0.0.1 */
#define LISTEN_PORT 80
#define CLOSED_PORT 81
#define MTU 1500
#define FLOWS 8
#define FDS 8
#define DRAIN_LIMIT SYNQ_SEC(6 * 3600)
#define DRAIN_STEPS 200000

/* No datagram may exceed the MTU. A build with -DSTACK_INPUT_MTU_SLACK=n
 * tolerates n bytes more, to keep fuzzing past a known finding. */
#ifndef STACK_INPUT_MTU_SLACK
#define STACK_INPUT_MTU_SLACK 0
#endif

enum {
	FLOW_PASSIVE = 0,
	FLOW_ACTIVE = 1,
	FLOW_NEW0 = 2,   /* 2..5: fresh peers to the listener */
	FLOW_CLOSED = 6,
	FLOW_EXTRA = 7,  /* opened by a record */
};

/* One 4-tuple, as the peer sees it. */
struct flow {
	uint16_t peer_port;
	uint16_t stack_port;   /* 0: not known yet (an active open not seen) */
	bool seen;             /* the stack has sent on it */
	uint32_t peer_isn;
	uint32_t stack_nxt;    /* highest sequence the stack sent, + 1 */
	uint32_t stack_ack;    /* the last ACK the stack sent */
	bool acked;
	uint32_t peer_ts;      /* the peer's TSval clock */
	uint32_t stack_ts;     /* the stack's last TSval */
	uint8_t last_flags;    /* of the stack's last segment */
};

struct scene {
	struct synq_stack *s;
	synq_time_t now;
	struct flow flow[FLOWS];
	int fd[FDS];           /* 0 listener, 1 passive, 2 active, rest: more */
	uint64_t sent;         /* datagrams from the stack */
	const uint8_t *in;
	size_t left;
};

/* ------------------------------------------------------------- input */

static uint8_t rd8(struct scene *c)
{
	if (c->left == 0)
		return 0;
	c->left--;
	return *c->in++;
}

static uint16_t rd16(struct scene *c)
{
	uint16_t hi = rd8(c);
	return (uint16_t)(hi << 8 | rd8(c));
}

static uint32_t rd32(struct scene *c)
{
	uint32_t hi = rd16(c);
	return hi << 16 | rd16(c);
}

/* ------------------------------------------------------------ output */

/* STACK_INPUT_TRACE=1 in the environment prints every segment, to read a
 * reproducer: build/fuzz/stack_input crash-file. */
static int trace = -1;

static void trace_print(const struct scene *c, const char *dir, const uint8_t *pkt, size_t len)
{
	struct ipv4_view ip;
	struct tcp_segment seg;
	char flags[16];
	if (ipv4_parse(pkt, len, &ip) != SYNQ_DROP_NONE ||
	    tcp_parse(&ip, &seg, false) != SYNQ_DROP_NONE) {
		fprintf(stderr, "%10.6f %s unparsable, %zu bytes\n", (double)c->now / 1e9, dir, len);
		return;
	}
	fprintf(stderr, "%10.6f %s %u > %u [%s] seq %u ack %u win %u len %u%s%s (%zu bytes)\n",
	        (double)c->now / 1e9, dir, seg.src_port, seg.dst_port,
	        tcp_flags_format(seg.flags, flags), seg.seq, seg.ack, seg.window,
	        seg.payload_len, seg.opt.has_timestamp ? " ts" : "",
	        seg.opt.sack_count ? " sack" : "", len);
}

static inline void trace_segment(const struct scene *c, const char *dir, const uint8_t *pkt,
                                 size_t len)
{
	if (trace < 0)
		trace = getenv("STACK_INPUT_TRACE") != NULL;
	if (trace)
		trace_print(c, dir, pkt, len);
}

static void seq_max(uint32_t *cur, uint32_t v)
{
	if ((int32_t)(v - *cur) > 0)
		*cur = v;
}

/* Every datagram the stack sends must be well formed; remember what a
 * peer would learn from it. The stack is never called from here. */
static void on_output(void *ctx, const uint8_t *pkt, size_t len)
{
	struct scene *c = ctx;
	/* Static, as inject()'s buffers: no ASan stack redzones to poison
	 * and clear for every datagram. */
	static struct ipv4_view ip;
	static struct tcp_segment seg;
	trace_segment(c, "out", pkt, len);
	assert(len <= MTU + STACK_INPUT_MTU_SLACK);
	assert(ipv4_parse(pkt, len, &ip) == SYNQ_DROP_NONE);
	assert(ip.src_addr == STACK_ADDR);
	assert(ip.protocol == IPV4_PROTO_TCP);
	assert(tcp_parse(&ip, &seg, true) == SYNQ_DROP_NONE);
	assert(seg.opt.anomaly == TCP_OPTIONS_OK);
	c->sent++;
	if (ip.dst_addr != PEER_ADDR)
		return;
	for (int i = 0; i < FLOWS; i++) {
		struct flow *f = &c->flow[i];
		if (f->peer_port != seg.dst_port)
			continue;
		if (f->stack_port == 0 && (seg.flags & TCP_SYN) && !(seg.flags & TCP_ACK))
			f->stack_port = seg.src_port;
		if (f->stack_port != seg.src_port)
			continue;
		uint32_t end = seg.seq + seg.payload_len + !!(seg.flags & TCP_SYN) +
		               !!(seg.flags & TCP_FIN);
		if (!f->seen || (seg.flags & TCP_SYN)) {
			f->stack_nxt = end;
			f->seen = true;
		} else {
			seq_max(&f->stack_nxt, end);
		}
		if (seg.flags & TCP_ACK) {
			f->stack_ack = seg.ack;
			f->acked = true;
		}
		if (seg.opt.has_timestamp)
			f->stack_ts = seg.opt.tsval;
		f->last_flags = seg.flags;
	}
}

/* --------------------------------------------------------- invariants */

/* next: the stack's next deadline, as it is now. */
static void check_usage_at(const struct scene *c, synq_time_t next)
{
	struct synq_stack_usage u;
	synq_stack_usage(c->s, &u);
	const struct synq_table_usage *t[] = { &u.sockets, &u.connections, &u.requests,
	                                       &u.time_wait, &u.listeners, &u.buffers };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert(t[i]->used <= t[i]->capacity);
	assert(next >= c->now);
	assert(synq_stack_now(c->s) == c->now);
}

static void check_usage(const struct scene *c)
{
	check_usage_at(c, synq_stack_next_deadline(c->s));
}

/* Returns the next deadline after the advance. */
static synq_time_t advance(struct scene *c, synq_time_t to)
{
	if (to > c->now)
		c->now = to;
	synq_stack_advance(c->s, c->now);
	/* Everything due has run: nothing may be left due now (a timer that
	 * re-arms itself for the same instant would spin a driver). */
	synq_time_t next = synq_stack_next_deadline(c->s);
	assert(next > c->now);
	check_usage_at(c, next);
	return next;
}

/* ----------------------------------------------------------- segments */

struct seg_spec {
	int flow;
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t window;
	uint16_t urg;
	struct tcp_options opt;
	const uint8_t *raw_opt;  /* replaces opt when set */
	size_t raw_len;          /* a multiple of 4, at most 40 */
	uint16_t payload_len;
	bool bad_checksum;
};

static void inject(struct scene *c, const struct seg_spec *sp)
{
	static const uint8_t pattern[64] = "synq fuzz payload 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
	static uint8_t repeated[MTU];
	if (repeated[0] == 0)
		for (size_t i = 0; i < sizeof repeated; i++)
			repeated[i] = pattern[i % sizeof pattern];
	/* Static: ASan would poison and unpoison kilobytes of stack redzone
	 * shadow on every call. The harness is single-threaded. */
	static uint8_t payload[MTU];
	static uint8_t pkt[MTU + 64];
	const struct flow *f = &c->flow[sp->flow];
	size_t room = MTU - IPV4_HEADER_MIN - TCP_HEADER_MIN -
	              (sp->raw_opt ? sp->raw_len : tcp_options_size(&sp->opt));
	size_t plen = sp->payload_len % (room + 1);
	size_t off = sp->raw_opt ? sp->raw_len : 0;
	/* The payload is the pattern itself, unless raw option bytes go in
	 * front of it. */
	const uint8_t *body = repeated;
	if (sp->raw_opt) {
		memcpy(payload, sp->raw_opt, sp->raw_len);
		memcpy(payload + off, repeated, plen);
		body = payload;
	}
	struct ipv4_fields ipf = { .src_addr = PEER_ADDR, .dst_addr = STACK_ADDR,
	                           .id = (uint16_t)c->sent, .ttl = 64,
	                           .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
	struct tcp_segment seg = {
		.src_port = f->peer_port, .dst_port = f->stack_port, .seq = sp->seq,
		.ack = sp->ack, .flags = sp->flags, .window = sp->window, .urg_ptr = sp->urg,
		.payload = body, .payload_len = (uint16_t)(off + plen),
	};
	if (!sp->raw_opt)
		seg.opt = sp->opt;
	size_t len = tcp_segment_emit(pkt, sizeof pkt, &ipf, &seg);
	assert(len > 0);
	uint8_t *th = pkt + IPV4_HEADER_MIN;
	if (sp->raw_opt) {
		/* The option bytes went out as payload: move the data offset
		 * over them and redo the checksum. */
		th[12] = (uint8_t)(((TCP_HEADER_MIN + sp->raw_len) / 4) << 4);
		store_be16(th + 16, 0);
		uint64_t sum = inet_sum_pseudo(PEER_ADDR, STACK_ADDR, IPV4_PROTO_TCP,
		                               (uint16_t)(len - IPV4_HEADER_MIN));
		store_be16(th + 16, inet_sum_finish(inet_sum_add(sum, th, len - IPV4_HEADER_MIN)));
	}
	if (sp->bad_checksum)
		th[17] ^= 0x01;
	trace_segment(c, "in ", pkt, len);
	synq_stack_input(c->s, pkt, len, c->now);
	check_usage(c);
}

static void segment_record(struct scene *c)
{
	uint8_t sel = rd8(c);
	struct seg_spec sp = { .flow = sel % FLOWS, .bad_checksum = sel & 0x08 };
	struct flow *f = &c->flow[sp.flow];
	sp.flags = rd8(c);
	uint32_t seq_off = (uint32_t)(int32_t)(int16_t)rd16(c);
	uint32_t ack_off = (uint32_t)(int32_t)(int16_t)rd16(c);
	if (sel & 0x10)
		seq_off <<= 16;
	if (sel & 0x20)
		ack_off <<= 16;
	sp.window = rd16(c);
	uint8_t optmask = rd8(c);

	uint32_t seq_base = (sp.flags & TCP_SYN) || !f->acked ? f->peer_isn : f->stack_ack;
	uint32_t ack_base = f->stack_nxt;
	sp.seq = seq_base + seq_off;
	sp.ack = ack_base + ack_off;

	uint8_t raw[TCP_OPTION_SPACE];
	if (optmask & 0x20) {
		size_t n = (rd8(c) % (TCP_OPTION_SPACE / 4 + 1)) * 4;
		for (size_t i = 0; i < n; i++)
			raw[i] = rd8(c);
		sp.raw_opt = raw;
		sp.raw_len = n;
	} else {
		struct tcp_options *o = &sp.opt;
		if (optmask & 0x01) {
			o->has_mss = true;
			o->mss = rd16(c);
		}
		if (optmask & 0x02) {
			o->has_wscale = true;
			o->wscale = rd8(c);
		}
		o->sack_permitted = optmask & 0x04;
		if (optmask & 0x08) {
			f->peer_ts += (uint32_t)(int32_t)(int8_t)rd8(c);
			o->has_timestamp = true;
			o->tsval = f->peer_ts;
			o->tsecr = (optmask & 0x80) ? rd32(c) : f->stack_ts;
		}
		if (optmask & 0x10) {
			o->sack_count = (uint8_t)(rd8(c) % TCP_SACK_BLOCKS_MAX + 1);
			for (int i = 0; i < o->sack_count; i++) {
				o->sack[i].start = ack_base + (uint32_t)(int32_t)(int16_t)rd16(c);
				o->sack[i].end = ack_base + (uint32_t)(int32_t)(int16_t)rd16(c);
			}
			/* Only as many as fit beside the other options. */
			while (o->sack_count > 0 && tcp_options_size(o) > TCP_OPTION_SPACE)
				o->sack_count--;
		}
	}
	if (optmask & 0x40)
		sp.urg = rd16(c);
	sp.payload_len = rd16(c);
	if (f->stack_port == 0)
		return; /* that connection was never opened */
	inject(c, &sp);
}

/* ------------------------------------------------------- socket calls */

static int fd_slot_free(const struct scene *c)
{
	for (int i = 3; i < FDS; i++)
		if (c->fd[i] < 0)
			return i;
	return -1;
}

static void check_result(long r)
{
	assert(r >= -4095);
}

static void socket_call(struct scene *c)
{
	uint8_t call = rd8(c);
	int slot = rd8(c) % FDS;
	uint16_t arg = rd16(c);
	int fd = c->fd[slot];
	static uint8_t buf[8192]; /* static: see inject() */
	long r = 0;
	if (fd < 0 && call % 13 != 4)
		return;
	switch (call % 13) {
	case 0: {
		size_t want = arg % sizeof buf + 1;
		r = synq_read(c->s, fd, buf, want);
		assert(r <= (long)want);
		break;
	}
	case 1: {
		static uint8_t w[sizeof buf];
		if (w[0] == 0)
			memset(w, 'w', sizeof w);
		r = synq_write(c->s, fd, w, arg % sizeof w + 1);
		break;
	}
	case 2:
		r = synq_shutdown(c->s, fd, arg % 3); /* SHUT_RD, SHUT_WR, SHUT_RDWR */
		break;
	case 3:
		r = synq_close(c->s, fd);
		assert(r == 0);
		c->fd[slot] = -1;
		break;
	case 4: {
		int free_slot = fd_slot_free(c);
		if (free_slot < 0 || c->fd[0] < 0)
			return;
		r = synq_accept4(c->s, c->fd[0], NULL, NULL, arg & 1 ? SOCK_NONBLOCK : 0);
		if (r >= 0)
			c->fd[free_slot] = (int)r;
		break;
	}
	case 5: {
		int v = arg & 1;
		r = synq_setsockopt(c->s, fd, IPPROTO_TCP, SYNQ_TCP_NODELAY, &v, sizeof v);
		break;
	}
	case 6: {
		struct linger lg = { .l_onoff = arg & 1, .l_linger = (arg >> 1) % 3 };
		r = synq_setsockopt(c->s, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		break;
	}
	case 7: {
		int on = 1, idle = arg % 16 + 1, intvl = (arg >> 4) % 16 + 1, cnt = (arg >> 8) % 4 + 1;
		r = synq_setsockopt(c->s, fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
		synq_setsockopt(c->s, fd, IPPROTO_TCP, SYNQ_TCP_KEEPIDLE, &idle, sizeof idle);
		synq_setsockopt(c->s, fd, IPPROTO_TCP, SYNQ_TCP_KEEPINTVL, &intvl, sizeof intvl);
		synq_setsockopt(c->s, fd, IPPROTO_TCP, SYNQ_TCP_KEEPCNT, &cnt, sizeof cnt);
		break;
	}
	case 8: {
		struct synq_tcp_info ti;
		socklen_t len = sizeof ti;
		r = synq_getsockopt(c->s, fd, IPPROTO_TCP, SYNQ_TCP_INFO, &ti, &len);
		int n = 0;
		synq_ioctl(c->s, fd, FIONREAD, &n);
		check_result(synq_sock_events(c->s, fd));
		break;
	}
	case 9: {
		int v = 2048 + arg * 4;
		r = synq_setsockopt(c->s, fd, SOL_SOCKET, arg & 0x8000 ? SO_RCVBUF : SO_SNDBUF,
		                    &v, sizeof v);
		break;
	}
	case 10: {
		size_t want = arg % sizeof buf + 1;
		r = synq_recv(c->s, fd, buf, want, MSG_PEEK | MSG_DONTWAIT);
		assert(r <= (long)want);
		break;
	}
	case 11: {
		int v = arg % 2000;
		r = synq_setsockopt(c->s, fd, IPPROTO_TCP, arg & 0x8000 ? SYNQ_TCP_USER_TIMEOUT
		                                                        : SYNQ_TCP_MAXSEG,
		                    &v, sizeof v);
		break;
	}
	case 12: {
		int v = arg & 1;
		r = synq_setsockopt(c->s, fd, IPPROTO_TCP, SYNQ_TCP_CORK, &v, sizeof v);
		break;
	}
	}
	check_result(r);
	check_usage(c);
}

static int open_active(struct scene *c, struct flow *f, uint16_t peer_port)
{
	*f = (struct flow){ .peer_port = peer_port, .peer_isn = 0x50000000u + peer_port,
	                    .peer_ts = 7000 };
	int fd = synq_socket(c->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(peer_port),
	                          .sin_addr.s_addr = htonl(PEER_ADDR) };
	int r = synq_connect(c->s, fd, (struct sockaddr *)&to, sizeof to);
	assert(r == -EINPROGRESS);
	return fd;
}

static void extra_connection(struct scene *c)
{
	int slot = fd_slot_free(c);
	if (slot < 0 || c->flow[FLOW_EXTRA].peer_port != 0)
		return;
	int fd = open_active(c, &c->flow[FLOW_EXTRA], 444);
	if (fd >= 0)
		c->fd[slot] = fd;
	check_usage(c);
}

/* -------------------------------------------------------------- scene */

static const struct tcp_options syn_options = {
	.has_mss = true, .mss = 1460, .sack_permitted = true, .has_timestamp = true,
	.tsval = 1000, .has_wscale = true, .wscale = 7,
};

static void scene_setup(struct scene *c)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.max_sockets = 12;
	cfg.max_connections = 8;
	cfg.max_requests = 4;
	cfg.max_listeners = 2;
	cfg.max_time_wait = 4;
	cfg.buffer_bytes = 48 * 2048;
	cfg.mtu = MTU;
	/* One stack for the whole run. The scene is built once and saved;
	 * every later input starts from the saved state, which is, to the
	 * byte, what building it again would give. */
	static struct synq_stack *stack;
	static struct synq_stack_snapshot *snap;
	static struct scene saved;
	static int rebuild = -1;
	if (rebuild < 0)
		rebuild = getenv("STACK_INPUT_REBUILD") != NULL;
	if (snap != NULL) {
		synq_stack_restore(stack, snap);
		*c = saved;
		return;
	}
	*c = (struct scene){ 0 };
	if (stack == NULL) {
		struct synq_stack_io io = { .output = on_output, .ctx = c };
		int err = synq_stack_new(&stack, &cfg, STACK_ADDR, 1, &io);
		assert(err == 0);
	} else {
		int reset = synq_stack_reset(stack);
		assert(reset == 0);
	}
	c->s = stack;
	c->now = SYNQ_SEC(1);
	synq_stack_advance(c->s, c->now);
	for (int i = 0; i < FDS; i++)
		c->fd[i] = -1;

	/* The listener. */
	c->fd[0] = synq_socket(c->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(LISTEN_PORT) };
	assert(synq_bind(c->s, c->fd[0], (struct sockaddr *)&any, sizeof any) == 0);
	assert(synq_listen(c->s, c->fd[0], 4) == 0);

	/* Peers of the listener and of the closed port. */
	c->flow[FLOW_PASSIVE] = (struct flow){ .peer_port = 40000, .stack_port = LISTEN_PORT,
	                                       .peer_isn = 0x10000000u, .peer_ts = 1000 };
	for (int i = 0; i < 4; i++)
		c->flow[FLOW_NEW0 + i] = (struct flow){
			.peer_port = (uint16_t)(50001 + i), .stack_port = LISTEN_PORT,
			.peer_isn = 0x20000000u * (uint32_t)(i + 1), .peer_ts = 2000,
		};
	c->flow[FLOW_CLOSED] = (struct flow){ .peer_port = 40001, .stack_port = CLOSED_PORT,
	                                      .peer_isn = 0x30000000u, .peer_ts = 3000 };

	/* The passive connection: SYN, the SYN-ACK read from the output, ACK. */
	struct flow *p = &c->flow[FLOW_PASSIVE];
	struct seg_spec sp = { .flow = FLOW_PASSIVE, .flags = TCP_SYN, .seq = p->peer_isn,
	                       .window = 64240, .opt = syn_options };
	inject(c, &sp);
	assert(p->seen && p->last_flags == (TCP_SYN | TCP_ACK) && p->stack_ack == p->peer_isn + 1);
	c->now += SYNQ_MSEC(1);
	sp = (struct seg_spec){ .flow = FLOW_PASSIVE, .flags = TCP_ACK, .seq = p->peer_isn + 1,
	                        .ack = p->stack_nxt, .window = 502,
	                        .opt = { .has_timestamp = true, .tsval = ++p->peer_ts,
	                                 .tsecr = p->stack_ts } };
	inject(c, &sp);
	c->fd[1] = synq_accept4(c->s, c->fd[0], NULL, NULL, SOCK_NONBLOCK);
	assert(c->fd[1] >= 0);

	/* The active connection: connect, the SYN read back, SYN-ACK in. */
	struct flow *a = &c->flow[FLOW_ACTIVE];
	c->fd[2] = open_active(c, a, 443);
	assert(c->fd[2] >= 0 && a->stack_port != 0 && a->seen);
	c->now += SYNQ_MSEC(1);
	sp = (struct seg_spec){ .flow = FLOW_ACTIVE, .flags = TCP_SYN | TCP_ACK,
	                        .seq = a->peer_isn, .ack = a->stack_nxt, .window = 65160,
	                        .opt = syn_options };
	sp.opt.tsecr = a->stack_ts;
	inject(c, &sp);
	assert(a->acked && a->stack_ack == a->peer_isn + 1);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(443),
	                          .sin_addr.s_addr = htonl(PEER_ADDR) };
	assert(synq_connect(c->s, c->fd[2], (struct sockaddr *)&to, sizeof to) == 0);
	check_usage(c);
	if (!rebuild) {
		assert(synq_stack_snapshot(c->s, &snap) == 0);
		saved = *c;
	}
}

/* Close what the input left open, let every timer run out, and check that
 * the pools are empty again. */
static void scene_teardown(struct scene *c)
{
	/* A descriptor still open is closed with SO_LINGER 0: the connection
	 * is reset and freed at once. A graceful close here would take every
	 * input, even an empty one, through the same FIN, loss probe,
	 * retransmission and orphan death: the same code for every input,
	 * which was most of a short input's time and most of the coverage
	 * libFuzzer had to walk after each one. An input that wants a
	 * graceful close writes a close record; the drain below then runs what
	 * it started. */
	static const struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	for (int i = 0; i < FDS; i++) {
		if (c->fd[i] < 0)
			continue;
		synq_setsockopt(c->s, c->fd[i], SOL_SOCKET, SO_LINGER, &abort_close,
		                sizeof abort_close);
		assert(synq_close(c->s, c->fd[i]) == 0);
	}
	/* Orphans the input made would retransmit for minutes of virtual time
	 * with the default (8 retries), the same path again and again. One
	 * retry still takes every orphan through its retransmission and its
	 * death; an input that wants the whole ladder jumps to the next
	 * deadline itself before it ends, with the default in force. The
	 * restore puts the default back. */
	synq_stack_config(c->s)->tcp_orphan_retries = 1;
	synq_time_t limit = c->now + DRAIN_LIMIT;
	synq_time_t next = synq_stack_next_deadline(c->s);
	for (int steps = 0; steps < DRAIN_STEPS; steps++) {
		if (next == SYNQ_TIME_NEVER || next > limit)
			break;
		next = advance(c, next);
	}
	struct synq_stack_usage u;
	synq_stack_usage(c->s, &u);
	if (trace)
		fprintf(stderr, "drained at %.3f s, next deadline %lld: %u sockets, %u listeners, "
		        "%u requests, %u connections, %u TIME-WAIT, %u buffers in use\n",
		        (double)c->now / 1e9, (long long)next,
		        u.sockets.used, u.listeners.used, u.requests.used, u.connections.used,
		        u.time_wait.used, u.buffers.used);
	assert(u.sockets.used == 0);
	assert(u.listeners.used == 0);
	assert(u.requests.used == 0);
	assert(u.connections.used == 0);
	assert(u.time_wait.used == 0);
	assert(u.buffers.used == 0);
	assert(next == SYNQ_TIME_NEVER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scene c;
	scene_setup(&c);
	c.in = data;
	c.left = size;
	static const synq_time_t units[4] = { SYNQ_USEC(1), SYNQ_MSEC(1), SYNQ_MSEC(100),
	                                      SYNQ_SEC(1) };
	while (c.left > 0) {
		uint8_t op = rd8(&c);
		switch (op % 8) {
		case 0:
		case 1:
		case 2:
			segment_record(&c);
			break;
		case 3:
			advance(&c, c.now + (synq_time_t)rd16(&c) * units[op >> 3 & 3]);
			break;
		case 4: {
			synq_time_t next = synq_stack_next_deadline(c.s);
			if (next != SYNQ_TIME_NEVER)
				advance(&c, next);
			break;
		}
		case 5:
		case 6:
			socket_call(&c);
			break;
		case 7:
			extra_connection(&c);
			break;
		}
	}
	scene_teardown(&c);
	return 0;
}
