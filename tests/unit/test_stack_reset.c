/* SPDX-License-Identifier: BSD-2-Clause */
/* synq_stack_reset(): a used stack, reset, behaves byte for byte like a
 * new stack made from the same seed and settings. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "synq/socket.h"
#include "synq/stack.h"

#define ADDR 0x0a000002u
#define PEER 0x0a000001u
#define SEED 77
#define TRACE_BYTES 16384

struct trace {
	uint8_t bytes[TRACE_BYTES];
	size_t len;
	unsigned datagrams;
};

static void record(void *ctx, const uint8_t *d, size_t len)
{
	struct trace *t = ctx;
	t->datagrams++;
	if (t->len + len <= sizeof t->bytes) {
		memcpy(t->bytes + t->len, d, len);
		t->len += len;
	}
}

static struct synq_config small_config(void)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	cfg.max_sockets = 16;
	cfg.max_connections = 8;
	cfg.max_requests = 8;
	cfg.max_time_wait = 8;
	cfg.max_listeners = 4;
	return cfg;
}

/* A listener, two connects (SYNs out), time passing (retransmissions),
 * a sysctl changed; returns the descriptors it got, summed. */
static int workload(struct synq_stack *s)
{
	int sum = 0;
	int l = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(80) };
	assert_int_equal(synq_bind(s, l, (struct sockaddr *)&any, sizeof any), 0);
	assert_int_equal(synq_listen(s, l, 8), 0);
	sum += l;
	for (int i = 0; i < 2; i++) {
		int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(443),
		                          .sin_addr.s_addr = htonl(PEER) };
		assert_int_equal(synq_connect(s, fd, (struct sockaddr *)&to, sizeof to),
		                 -EINPROGRESS);
		sum += fd;
	}
	synq_stack_advance(s, SYNQ_SEC(1));
	synq_stack_advance(s, SYNQ_SEC(4));
	synq_stack_config(s)->tcp_syn_retries = 2;
	return sum;
}

static void test_reset_equals_new(void **state)
{
	(void)state;
	static struct trace used_trace, fresh_trace;
	struct synq_config cfg = small_config();
	struct synq_stack_io used_io = { .output = record, .ctx = &used_trace };
	struct synq_stack_io fresh_io = { .output = record, .ctx = &fresh_trace };
	struct synq_stack *used, *fresh;
	assert_int_equal(synq_stack_new(&used, &cfg, ADDR, SEED, &used_io), 0);
	assert_int_equal(synq_stack_new(&fresh, &cfg, ADDR, SEED, &fresh_io), 0);

	workload(used);
	assert_true(used_trace.datagrams > 2);
	assert_int_equal(synq_stack_reset(used), 0);

	/* Just created again: nothing in use, time 0, counters zero, the
	 * settings it was made with. */
	struct synq_stack_usage u;
	synq_stack_usage(used, &u);
	assert_int_equal(u.sockets.used + u.connections.used + u.listeners.used +
	                 u.requests.used + u.time_wait.used + u.buffers.used, 0);
	assert_int_equal(synq_stack_now(used), 0);
	assert_int_equal(synq_stack_next_deadline(used), SYNQ_TIME_NEVER);
	assert_int_equal(synq_stack_config(used)->tcp_syn_retries, cfg.tcp_syn_retries);
	const struct synq_mib *m = synq_stack_mib(used);
	for (int i = 0; i < SYNQ_MIB__COUNT; i++)
		assert_int_equal(m->value[i], 0);

	/* And from here on indistinguishable from the new one. */
	used_trace.len = 0;
	used_trace.datagrams = 0;
	assert_int_equal(workload(used), workload(fresh));
	assert_int_equal(used_trace.datagrams, fresh_trace.datagrams);
	assert_int_equal(used_trace.len, fresh_trace.len);
	assert_memory_equal(used_trace.bytes, fresh_trace.bytes, fresh_trace.len);
	assert_memory_equal(synq_stack_mib(used), synq_stack_mib(fresh), sizeof(struct synq_mib));

	synq_stack_free(used);
	synq_stack_free(fresh);
}

/* Many bound ports (more than reset remembers one by one) are all free
 * after a reset. */
static void test_reset_frees_many_ports(void **state)
{
	(void)state;
	static struct trace t;
	struct synq_config cfg = small_config();
	cfg.max_sockets = 64;
	cfg.max_connections = 64;
	struct synq_stack_io io = { .output = record, .ctx = &t };
	struct synq_stack *s;
	assert_int_equal(synq_stack_new(&s, &cfg, ADDR, SEED, &io), 0);
	/* 40 ports, then 4: both ways of forgetting them. */
	for (int round = 0; round < 3; round++) {
		int last = round == 1 ? 1004 : 1040;
		for (int port = 1000; port < last; port++) {
			int fd = synq_socket(s, AF_INET, SOCK_STREAM, 0);
			assert_int_equal(fd, 3 + port - 1000);
			struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
			assert_int_equal(synq_bind(s, fd, (struct sockaddr *)&a, sizeof a), 0);
		}
		assert_int_equal(synq_stack_reset(s), 0);
	}
	synq_stack_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_equals_new),
		cmocka_unit_test(test_reset_frees_many_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
