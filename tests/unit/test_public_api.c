/* SPDX-License-Identifier: BSD-2-Clause */
/* The public calls no other test reaches, each made the way a user makes
 * it, on two stacks joined by a FIFO in each direction. */
#define _GNU_SOURCE /* struct msghdr helpers */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include <cmocka.h>

#include "synq/config.h"
#include "synq/drop.h"
#include "synq/hostgroup.h"
#include "synq/mib.h"
#include "synq/rng.h"
#include "synq/sim.h"
#include "synq/socket.h"
#include "synq/stack.h"

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
#define SLOTS 128

struct wire {
	uint8_t data[SLOTS][1600];
	size_t len[SLOTS];
	unsigned head, tail;
};

static void output(void *ctx, const uint8_t *d, size_t len)
{
	struct wire *w = ctx;
	assert_true(w->tail - w->head < SLOTS && len <= sizeof w->data[0]);
	memcpy(w->data[w->tail % SLOTS], d, len);
	w->len[w->tail++ % SLOTS] = len;
}

struct pair {
	struct wire to_a, to_b;
	struct synq_stack *a, *b;
	synq_time_t now;
	int lfd, cfd, sfd;
};

static void pump(struct pair *p)
{
	for (int round = 0; round < 1000; round++) {
		int moved = 0;
		while (p->to_b.head != p->to_b.tail) {
			unsigned i = p->to_b.head++ % SLOTS;
			synq_stack_input(p->b, p->to_b.data[i], p->to_b.len[i], p->now);
			moved = 1;
		}
		while (p->to_a.head != p->to_a.tail) {
			unsigned i = p->to_a.head++ % SLOTS;
			synq_stack_input(p->a, p->to_a.data[i], p->to_a.len[i], p->now);
			moved = 1;
		}
		if (!moved)
			return;
		p->now += SYNQ_USEC(10);
	}
}

static void pair_up(struct pair *p)
{
	struct synq_config cfg;
	synq_config_default(&cfg);
	struct synq_stack_io ia = { .output = output, .ctx = &p->to_b };
	struct synq_stack_io ib = { .output = output, .ctx = &p->to_a };
	assert_int_equal(synq_stack_new(&p->a, &cfg, A_ADDR, 1, &ia), 0);
	assert_int_equal(synq_stack_new(&p->b, &cfg, B_ADDR, 2, &ib), 0);
	p->lfd = synq_socket(p->b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(80) };
	assert_int_equal(synq_bind(p->b, p->lfd, (struct sockaddr *)&any, sizeof any), 0);
	assert_int_equal(synq_listen(p->b, p->lfd, 8), 0);
	p->cfd = synq_socket(p->a, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(80),
	                          .sin_addr.s_addr = htonl(B_ADDR) };
	assert_int_equal(synq_connect(p->a, p->cfd, (struct sockaddr *)&to, sizeof to),
	                 -EINPROGRESS);
	pump(p);
	p->sfd = synq_accept(p->b, p->lfd, NULL, NULL);
	assert_true(p->sfd >= 0);
}

static void pair_down(struct pair *p)
{
	synq_stack_free(p->a);
	synq_stack_free(p->b);
}

/* The ISN of the first SYN a stack with seed 7 sends to B, with the given
 * secrets (or the seed's when words is NULL). */
static uint32_t first_isn(const uint64_t *words)
{
	struct wire w = { .head = 0 };
	struct synq_config cfg;
	synq_config_default(&cfg);
	struct synq_stack_io io = { .output = output, .ctx = &w };
	struct synq_stack *s;
	assert_int_equal(synq_stack_new(&s, &cfg, A_ADDR, 7, &io), 0);
	if (words)
		synq_stack_set_secrets(s, words);
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(80),
	                          .sin_addr.s_addr = htonl(B_ADDR) };
	assert_int_equal(synq_connect(s, fd, (struct sockaddr *)&to, sizeof to), -EINPROGRESS);
	assert_true(w.tail == 1 && w.len[0] >= 40);
	const uint8_t *seq = w.data[0] + 20 + 4;
	uint32_t isn = (uint32_t)seq[0] << 24 | (uint32_t)seq[1] << 16 | (uint32_t)seq[2] << 8 | seq[3];
	synq_stack_free(s);
	return isn;
}

static void test_secrets_replace_the_seeds(void **state)
{
	(void)state;
	uint64_t words[SYNQ_SECRET_WORDS], other[SYNQ_SECRET_WORDS];
	for (int i = 0; i < SYNQ_SECRET_WORDS; i++) {
		words[i] = 0x9e3779b97f4a7c15u * (uint64_t)(i + 1);
		other[i] = words[i] ^ 0x5555;
	}
	assert_int_equal(first_isn(NULL), first_isn(NULL));
	assert_int_equal(first_isn(words), first_isn(words));
	assert_int_not_equal(first_isn(words), first_isn(NULL));
	assert_int_not_equal(first_isn(words), first_isn(other));
}

static void test_names_and_addresses(void **state)
{
	(void)state;
	static struct pair p;
	pair_up(&p);
	assert_int_equal(synq_stack_addr(p.a), A_ADDR);
	assert_string_equal(synq_tcp_state_name(SYNQ_TCP_SYN_RECV), "SYN_RECV");
	assert_string_equal(synq_tcp_state_name((enum synq_tcp_state)99), "?");

	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	assert_int_equal(synq_getsockname(p.b, p.lfd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(ntohs(sin.sin_port), 80);
	len = sizeof sin;
	assert_int_equal(synq_getpeername(p.b, p.sfd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(ntohl(sin.sin_addr.s_addr), A_ADDR);
	uint16_t client_port = ntohs(sin.sin_port);
	len = sizeof sin;
	assert_int_equal(synq_getsockname(p.a, p.cfd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(ntohs(sin.sin_port), client_port);
	assert_int_equal(synq_getpeername(p.b, p.lfd, (struct sockaddr *)&sin, &len), -ENOTCONN);
	assert_int_equal(synq_getpeername(p.b, 99, (struct sockaddr *)&sin, &len), -EBADF);

	assert_int_equal(synq_sock_is_blocking(p.a, p.cfd), 1);
	assert_int_equal(synq_sock_is_blocking(p.b, p.lfd), 0);
	assert_int_equal(synq_sock_is_blocking(p.b, 99), -EBADF);
	pair_down(&p);
}

static void test_vectored_io_and_epoll(void **state)
{
	(void)state;
	static struct pair p;
	pair_up(&p);
	int ep = synq_epoll_create(p.b);
	assert_true(ep >= 0);
	/* addresses to prefetch, for a good descriptor only */
	const void *hot[SYNQ_EPOLL_HOT_MAX];
	assert_int_equal(synq_epoll_hot(p.b, ep, hot), 2);
	assert_non_null(hot[0]);
	assert_non_null(hot[1]);
	assert_int_equal(synq_epoll_hot(p.b, -1, hot), 0);
	assert_int_equal(synq_epoll_hot(p.b, 1 << 30, hot), 0);
	struct synq_epoll_event ev = { .events = EPOLLIN, .data = 42 };
	assert_int_equal(synq_epoll_ctl(p.b, ep, EPOLL_CTL_ADD, p.sfd, &ev), 0);
	struct synq_epoll_event out[4];
	assert_int_equal(synq_epoll_wait(p.b, ep, out, 4), 0);

	struct iovec iov[2] = { { .iov_base = "hel", .iov_len = 3 },
	                        { .iov_base = "lo ", .iov_len = 3 } };
	assert_int_equal(synq_writev(p.a, p.cfd, iov, 2), 6);
	assert_int_equal(synq_send(p.a, p.cfd, "wo", 2, 0), 2);
	struct iovec last = { .iov_base = "rld", .iov_len = 3 };
	struct msghdr msg = { .msg_iov = &last, .msg_iovlen = 1 };
	assert_int_equal(synq_sendmsg(p.a, p.cfd, &msg, 0), 3);
	pump(&p);

	assert_int_equal(synq_epoll_wait(p.b, ep, out, 4), 1);
	assert_int_equal(out[0].data, 42);
	assert_true(out[0].events & EPOLLIN);

	char x[4] = { 0 }, y[4] = { 0 }, z[8] = { 0 };
	struct iovec in[2] = { { .iov_base = x, .iov_len = 3 }, { .iov_base = y, .iov_len = 3 } };
	assert_int_equal(synq_readv(p.b, p.sfd, in, 2), 6);
	assert_string_equal(x, "hel");
	assert_string_equal(y, "lo ");
	struct iovec rest = { .iov_base = z, .iov_len = sizeof z - 1 };
	struct msghdr rmsg = { .msg_iov = &rest, .msg_iovlen = 1 };
	assert_int_equal(synq_recvmsg(p.b, p.sfd, &rmsg, 0), 5);
	assert_string_equal(z, "world");
	assert_int_equal(synq_epoll_ctl(p.b, ep, EPOLL_CTL_DEL, p.sfd, NULL), 0);
	assert_int_equal(synq_close(p.b, ep), 0);
	pair_down(&p);
}

static void test_counters_and_drops(void **state)
{
	(void)state;
	static struct pair p;
	pair_up(&p);
	const struct synq_mib *m = synq_stack_mib(p.b);
	assert_string_equal(synq_mib_name(SYNQ_MIB_TcpExtListenOverflows), "TcpExtListenOverflows");
	char buf[8192];
	size_t n = synq_mib_format(m, buf, sizeof buf, 0);
	assert_true(n > 0 && n < sizeof buf);
	assert_non_null(strstr(buf, "TcpPassiveOpens"));

	/* A datagram with a broken checksum is dropped and counted. */
	uint8_t junk[40] = { 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0 };
	junk[12] = 10, junk[15] = 1, junk[16] = 10, junk[19] = 2;
	synq_stack_input(p.b, junk, sizeof junk, p.now);
	const struct synq_drop_counts *d = synq_stack_drops(p.b);
	uint64_t total = 0;
	for (int r = 0; r < SYNQ_DROP__COUNT; r++)
		total += d->by_reason[r];
	assert_true(total >= 1);
	for (int r = 0; r < SYNQ_DROP__COUNT; r++) {
		assert_non_null(synq_drop_reason_name((enum synq_drop_reason)r));
		assert_true(strlen(synq_drop_reason_text((enum synq_drop_reason)r)) > 0);
	}
	pair_down(&p);
}

static void test_config_by_name(void **state)
{
	(void)state;
	struct synq_config cfg;
	synq_config_default(&cfg);
	assert_int_equal(synq_config_set(&cfg, "net.ipv4.tcp_syncookies", "2"), SYNQ_CONFIG_OK);
	assert_int_equal(cfg.tcp_syncookies, 2);
	assert_int_equal(synq_config_set(&cfg, "net/core/somaxconn", "1024"), SYNQ_CONFIG_OK);
	assert_int_equal(cfg.somaxconn, 1024);
	assert_int_equal(synq_config_set(&cfg, "net.ipv4.no_such_knob", "1"),
	                 SYNQ_CONFIG_UNKNOWN_KEY);
	assert_int_equal(synq_config_set(&cfg, "net.ipv4.tcp_syncookies", "x"),
	                 SYNQ_CONFIG_BAD_VALUE);
	int linux = synq_personality_from_name(synq_personality_name(SYNQ_PERSONALITY_LINUX));
	assert_int_equal(linux, SYNQ_PERSONALITY_LINUX);
	assert_true(synq_personality_from_name("no such system") < 0);
}

static void test_rng_steps(void **state)
{
	(void)state;
	uint64_t s[4] = { 1, 2, 3, 4 };
	assert_true(synq_xoshiro256ss_next(s) == 11520u);
	assert_true(synq_rotl64(1, 63) == 0x8000000000000000u);
}

static void test_hostgroup_context(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	static int marker;
	struct sim_hostgroup_config gc = { .name = "g", .first_addr = 0x0a000100u, .count = 4,
	                                   .seed = 5, .app_ctx = &marker };
	struct sim_hostgroup *g;
	assert_int_equal(sim_hostgroup_add(sim, &gc, &g), 0);
	assert_ptr_equal(sim_hostgroup_app_ctx(g), &marker);
	assert_int_equal(sim_hostgroup_strays(g), 0);
	sim_destroy(sim);
	sim_hostgroup_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secrets_replace_the_seeds),
		cmocka_unit_test(test_names_and_addresses),
		cmocka_unit_test(test_vectored_io_and_epoll),
		cmocka_unit_test(test_counters_and_drops),
		cmocka_unit_test(test_config_by_name),
		cmocka_unit_test(test_rng_steps),
		cmocka_unit_test(test_hostgroup_context),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
