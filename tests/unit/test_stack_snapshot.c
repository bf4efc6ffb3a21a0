/* SPDX-License-Identifier: BSD-2-Clause */
/* synq_stack_snapshot() and synq_stack_restore(): a stack restored after
 * heavy use behaves byte for byte like a stack brought to the same point
 * from scratch. Two stacks talk through queues; both are saved with data
 * unacknowledged, an open connection, a listener and bound ports, then
 * used hard (everything acknowledged, buffers reused, descriptors closed
 * and opened, many ports bound, minutes pass), restored, and driven on:
 * what they send must equal what two new stacks send from the same point.
 * Opening many connections after the snapshot makes both 4-tuple tables
 * grow, so the restore puts small tables' chains into bigger ones. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "synq/socket.h"
#include "synq/stack.h"

#define A_ADDR 0x0a000002u
#define B_ADDR 0x0a000001u
#define QUEUE 256
#define MTU 1500
#define TRACE_BYTES (256 * 1024)

struct queue {
	uint8_t pkt[QUEUE][MTU];
	size_t len[QUEUE];
	unsigned n;
	bool dropping;          /* output is lost, not queued */
};

struct trace {
	uint8_t bytes[TRACE_BYTES];
	size_t len;
};

static void trace_add(struct trace *t, const void *d, size_t len)
{
	assert_true(t->len + len <= sizeof t->bytes);
	memcpy(t->bytes + t->len, d, len);
	t->len += len;
}

static void trace_int(struct trace *t, long v)
{
	trace_add(t, &v, sizeof v);
}

/* One host: its stack, what it sends, and everything it sent. */
struct host {
	struct synq_stack *s;
	struct queue out;
	struct trace *trace;
};

static void output(void *ctx, const uint8_t *pkt, size_t len)
{
	struct host *h = ctx;
	assert_true(len <= MTU);
	trace_add(h->trace, pkt, len);
	if (h->out.dropping)
		return;
	assert_true(h->out.n < QUEUE);
	memcpy(h->out.pkt[h->out.n], pkt, len);
	h->out.len[h->out.n++] = len;
}

struct world {
	struct host a, b;
	synq_time_t now;
	int listen_fd, a_fd, b_fd, a_port_fd;
};

/* Deliver until both queues stay empty. */
static void pump(struct world *w)
{
	for (int rounds = 0; rounds < 64 && (w->a.out.n || w->b.out.n); rounds++) {
		struct host *from[] = { &w->a, &w->b }, *to[] = { &w->b, &w->a };
		for (int i = 0; i < 2; i++) {
			static struct queue q;
			q = from[i]->out;
			from[i]->out.n = 0;
			for (unsigned k = 0; k < q.n; k++)
				synq_stack_input(to[i]->s, q.pkt[k], q.len[k], w->now);
		}
	}
}

static void advance(struct world *w, synq_time_t by)
{
	w->now += by;
	synq_stack_advance(w->a.s, w->now);
	synq_stack_advance(w->b.s, w->now);
	pump(w);
}

static void fill(uint8_t *buf, size_t len, uint8_t salt)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + salt);
}

static int bind_port(struct synq_stack *s, uint16_t port)
{
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port) };
	int r = synq_bind(s, fd, (struct sockaddr *)&any, sizeof any);
	return r < 0 ? r : fd;
}

static void world_new(struct world *w, struct trace *ta, struct trace *tb)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.max_sockets = 256;
	cfg.max_connections = 256;
	cfg.max_requests = 8;
	cfg.max_time_wait = 8;
	cfg.max_listeners = 4;
	cfg.buffer_bytes = 64 * 2048;
	cfg.mtu = MTU;
	memset(w, 0, sizeof *w);
	w->a.trace = ta;
	w->b.trace = tb;
	struct synq_stack_io ia = { .output = output, .ctx = &w->a };
	struct synq_stack_io ib = { .output = output, .ctx = &w->b };
	assert_int_equal(synq_stack_new(&w->a.s, &cfg, A_ADDR, 11, &ia), 0);
	assert_int_equal(synq_stack_new(&w->b.s, &cfg, B_ADDR, 22, &ib), 0);
	w->now = SYNQ_SEC(1);
}

/* The point both ways reach: a connection B -> A:80 carrying data both
 * ways, 6000 bytes of A's in flight and unacknowledged (their segments
 * lost), A's RTO timer armed, port 8080 bound on A. */
static void build_scene(struct world *w)
{
	static uint8_t buf[8192];
	w->listen_fd = bind_port(w->a.s, 80);
	assert_true(w->listen_fd >= 0);
	assert_int_equal(synq_listen(w->a.s, w->listen_fd, 8), 0);
	w->a_port_fd = bind_port(w->a.s, 8080);
	assert_true(w->a_port_fd >= 0);
	w->b_fd = synq_socket(w->b.s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(80),
	                          .sin_addr.s_addr = htonl(A_ADDR) };
	assert_int_equal(synq_connect(w->b.s, w->b_fd, (struct sockaddr *)&to, sizeof to),
	                 -EINPROGRESS);
	pump(w);
	w->a_fd = synq_accept4(w->a.s, w->listen_fd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(w->a_fd >= 0);
	fill(buf, 3000, 1);
	assert_int_equal(synq_write(w->b.s, w->b_fd, buf, 3000), 3000);
	advance(w, SYNQ_MSEC(1));
	assert_int_equal(synq_read(w->a.s, w->a_fd, buf, 1000), 1000);
	w->a.out.dropping = true;
	fill(buf, 6000, 2);
	assert_int_equal(synq_write(w->a.s, w->a_fd, buf, 6000), 6000);
	w->a.out.dropping = false;
	advance(w, SYNQ_MSEC(1));
}

/* `n` more connections B -> A:80, each accepted. */
static void connect_many(struct world *w, int n)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(80),
	                          .sin_addr.s_addr = htonl(A_ADDR) };
	for (int i = 0; i < n; i++) {
		int fd = synq_socket(w->b.s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(fd >= 0);
		assert_int_equal(synq_connect(w->b.s, fd, (struct sockaddr *)&to, sizeof to),
		                 -EINPROGRESS);
		pump(w);
		assert_true(synq_accept4(w->a.s, w->listen_fd, NULL, NULL, SOCK_NONBLOCK) >= 0);
	}
}

/* Use the stacks hard: every byte acknowledged, their buffers reused for
 * other data, `conns` connections opened, descriptors closed and opened,
 * `ports` ports bound, time run on for minutes. */
static void disturb(struct world *w, int ports, int conns)
{
	static uint8_t buf[8192];
	advance(w, SYNQ_SEC(2)); /* A retransmits; B acknowledges */
	while (synq_read(w->b.s, w->b_fd, buf, sizeof buf) > 0)
		;
	connect_many(w, conns);
	fill(buf, 8000, 3);
	synq_write(w->a.s, w->a_fd, buf, 8000);
	synq_write(w->b.s, w->b_fd, buf, 8000);
	advance(w, SYNQ_MSEC(10));
	for (int i = 0; i < ports; i++)
		assert_true(bind_port(w->a.s, (uint16_t)(9000 + i)) >= 0);
	synq_close(w->a.s, w->a_fd);
	synq_close(w->a.s, w->listen_fd);
	synq_close(w->a.s, w->a_port_fd);
	synq_close(w->b.s, w->b_fd);
	for (int i = 0; i < 8; i++)
		advance(w, SYNQ_SEC(30));
}

/* From the scene on: A's retransmission timer fires, the data flows and
 * is read, both write more, a new connection is refused, ports are
 * tried. Everything each side sends and every result goes to the traces. */
static void drive(struct world *w)
{
	static uint8_t buf[8192];
	advance(w, SYNQ_MSEC(300));
	advance(w, SYNQ_MSEC(300));
	long n;
	while ((n = synq_read(w->b.s, w->b_fd, buf, sizeof buf)) > 0)
		trace_add(w->b.trace, buf, (size_t)n);
	trace_int(w->b.trace, n);
	fill(buf, 4000, 4);
	trace_int(w->b.trace, synq_write(w->b.s, w->b_fd, buf, 4000));
	trace_int(w->a.trace, synq_write(w->a.s, w->a_fd, buf, 2500));
	advance(w, SYNQ_MSEC(5));
	while ((n = synq_read(w->a.s, w->a_fd, buf, sizeof buf)) > 0)
		trace_add(w->a.trace, buf, (size_t)n);
	trace_int(w->a.trace, n);
	int fd = synq_socket(w->a.s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	trace_int(w->a.trace, fd);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7),
	                          .sin_addr.s_addr = htonl(B_ADDR) };
	trace_int(w->a.trace, synq_connect(w->a.s, fd, (struct sockaddr *)&to, sizeof to));
	advance(w, SYNQ_MSEC(5));
	trace_int(w->a.trace, bind_port(w->a.s, 8080)); /* taken in the scene */
	trace_int(w->a.trace, bind_port(w->a.s, 9001)); /* free in the scene */
	synq_close(w->a.s, w->a_fd);
	synq_close(w->b.s, w->b_fd);
	for (int i = 0; i < 4; i++)
		advance(w, SYNQ_SEC(20));
	struct synq_stack_usage u;
	synq_stack_usage(w->a.s, &u);
	trace_add(w->a.trace, &u, sizeof u);
	trace_add(w->a.trace, synq_stack_mib(w->a.s), sizeof(struct synq_mib));
	trace_int(w->a.trace, (long)synq_stack_next_deadline(w->a.s));
}

static void world_free(struct world *w)
{
	synq_stack_free(w->a.s);
	synq_stack_free(w->b.s);
}

static void check_restore(int ports, int conns)
{
	static struct trace fresh_a, fresh_b, again_a, again_b;
	fresh_a.len = fresh_b.len = 0;
	static struct world fresh, used;

	world_new(&fresh, &fresh_a, &fresh_b);
	build_scene(&fresh);
	fresh_a.len = fresh_b.len = 0;
	drive(&fresh);
	assert_true(fresh_a.len > 6000 && fresh_b.len > 6000);

	world_new(&used, &again_a, &again_b);
	build_scene(&used);
	struct synq_stack_snapshot *sa, *sb;
	assert_int_equal(synq_stack_snapshot(used.a.s, &sa), 0);
	assert_int_equal(synq_stack_snapshot(used.b.s, &sb), 0);
	static struct world scene;
	scene = used;
	/* Twice: a restore must not depend on what the previous one left. */
	for (int round = 0; round < 2; round++) {
		disturb(&used, ports, conns);
		synq_stack_restore(used.a.s, sa);
		synq_stack_restore(used.b.s, sb);
		used = scene;
		again_a.len = again_b.len = 0;
		drive(&used);
		assert_int_equal(again_a.len, fresh_a.len);
		assert_memory_equal(again_a.bytes, fresh_a.bytes, fresh_a.len);
		assert_int_equal(again_b.len, fresh_b.len);
		assert_memory_equal(again_b.bytes, fresh_b.bytes, fresh_b.len);
		synq_stack_restore(used.a.s, sa);
		synq_stack_restore(used.b.s, sb);
		used = scene;
	}
	synq_stack_snapshot_free(sa);
	synq_stack_snapshot_free(sb);
	world_free(&used);
	world_free(&fresh);
}

/* A few ports bound after the snapshot: the stack lists them one by one. */
static void test_restore_after_few_ports(void **state)
{
	(void)state;
	check_restore(2, 0);
}

/* More ports than the stack lists: the whole port table is cleared. */
static void test_restore_after_many_ports(void **state)
{
	(void)state;
	check_restore(40, 0);
}

/* 150 connections after the snapshot: 64 buckets grew to 256. */
static void test_restore_after_tables_grew(void **state)
{
	(void)state;
	check_restore(2, 150);
}

int main(void)
{
	/* A restore that leaves objects half-copied can send the stack's
	 * timer loop round forever: end that as a failure, not a hang. */
	alarm(120);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore_after_few_ports),
		cmocka_unit_test(test_restore_after_many_ports),
		cmocka_unit_test(test_restore_after_tables_grew),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
