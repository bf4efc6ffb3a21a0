/* SPDX-License-Identifier: BSD-2-Clause */
/* synq watch's netlink half and listener table, from inet_diag replies
 * captured on Linux 6.18 in a namespace holding (ss -ltn / ss -tan):
 *   127.0.0.1:8080  backlog 2, 4 connects, never accepted: Recv-Q 3 (full),
 *                   3 server-side ESTABLISHED, the fourth client gave up
 *   0.0.0.0:8081    backlog 8, 3 SYNs from silent peers: 3 SYN-RECV
 *   [::]:8082       dual-stack, one v4 and one v6 client, one accepted:
 *                   Recv-Q 1, the v4 child dumped as AF_INET6 ::ffff:127.0.0.1
 *   0.0.0.0:8083 x2 SO_REUSEPORT pair, 3 connects: Recv-Q 1 and 2
 * and 16 ESTABLISHED sockets in all, 8 of them on listeners (the others are
 * the clients' ends). Plus synthetic
 * messages for the paths a healthy kernel does not take. */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "test_watch_captured.h"
#include "watch/diag.h"
#include "watch/listeners.h"
#include "watch/tcp_states.h"

static void feed_all(struct watch_listeners *t, struct watch_diag_feed_ctx *ctx)
{
	static const struct {
		const unsigned char *bytes;
		unsigned len;
		uint32_t seq;
	} dumps[] = {
		{ captured_v4_listen, sizeof captured_v4_listen, 100 },
		{ captured_v6_listen, sizeof captured_v6_listen, 101 },
		{ captured_v4_other, sizeof captured_v4_other, 102 },
		{ captured_v6_other, sizeof captured_v6_other, 103 },
	};
	memset(ctx, 0, sizeof *ctx);
	ctx->table = t;
	for (size_t i = 0; i < 4; i++) {
		int err = 0;
		enum watch_diag_status st = watch_diag_feed(dumps[i].bytes, dumps[i].len,
		                                            dumps[i].seq, CAPTURED_PORTID, ctx, &err);
		assert_int_equal(st, WATCH_DIAG_DONE);
	}
	watch_listeners_finish(t);
}

static const struct watch_listener *find(const struct watch_listeners *t, const char *addr,
                                         uint16_t port, size_t nth)
{
	struct watch_endpoint e = { .port = port };
	e.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(e.family, addr, e.addr), 1);
	for (size_t i = 0; i < t->n; i++) {
		const struct watch_listener *l = &t->v[i];
		if (l->local.family == e.family && l->local.port == port &&
		    memcmp(l->local.addr, e.addr, e.family == AF_INET ? 4 : 16) == 0 && nth-- == 0)
			return l;
	}
	return NULL;
}

static void diag_captured_dump_gives_ss_figures(void **state)
{
	(void)state;
	struct watch_listeners t;
	assert_int_equal(watch_listeners_init(&t, 64), 0);
	struct watch_diag_feed_ctx ctx;
	feed_all(&t, &ctx);
	assert_int_equal(ctx.bad, 0);
	assert_int_equal(t.n, 5);
	assert_int_equal(t.listen_total, 5);
	assert_int_equal(t.syn_recv_total, 3);
	assert_int_equal(t.established_total, 8); /* of 16: the others are clients */
	assert_int_equal(t.overflow, 0);

	const struct watch_listener *l = find(&t, "127.0.0.1", 8080, 0);
	assert_non_null(l);
	assert_int_equal(l->accept_queue, 3); /* limit + 1: full */
	assert_int_equal(l->accept_queue_limit, 2);
	assert_int_equal(l->syn_recv, 0);
	assert_int_equal(l->established, 3);
	assert_int_equal(l->sharing, 1);
	assert_int_equal(l->defer_accept_s, WATCH_DEFER_UNKNOWN);
	assert_true(l->inode != 0);

	l = find(&t, "0.0.0.0", 8081, 0);
	assert_non_null(l);
	assert_int_equal(l->accept_queue, 0);
	assert_int_equal(l->accept_queue_limit, 8);
	assert_int_equal(l->syn_recv, 3); /* request sockets on 10.77.0.1:8081 */
	assert_int_equal(l->established, 0);

	l = find(&t, "::", 8082, 0);
	assert_non_null(l);
	assert_int_equal(l->accept_queue, 1);
	assert_int_equal(l->accept_queue_limit, 16);
	assert_int_equal(l->established, 2); /* ::1 and ::ffff:127.0.0.1 */

	const struct watch_listener *r0 = find(&t, "0.0.0.0", 8083, 0);
	const struct watch_listener *r1 = find(&t, "0.0.0.0", 8083, 1);
	assert_non_null(r0);
	assert_non_null(r1);
	assert_int_equal(r0->accept_queue + r1->accept_queue, 3);
	assert_int_equal(r0->sharing, 2);
	assert_int_equal(r1->sharing, 2);
	assert_int_equal(r0->established, 3); /* the group's count, on each member */
	assert_int_equal(r1->established, 3);
	assert_ptr_equal(watch_listeners_by_inode(&t, r1->inode), r1);
	assert_null(watch_listeners_by_inode(&t, 1));
	watch_listeners_free(&t);
}

static void diag_port_filter_and_overflow(void **state)
{
	(void)state;
	struct watch_listeners t;
	assert_int_equal(watch_listeners_init(&t, 64), 0);
	t.port_filter = 8081;
	struct watch_diag_feed_ctx ctx;
	feed_all(&t, &ctx);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].local.port, 8081);
	assert_int_equal(t.v[0].syn_recv, 3);
	assert_int_equal(t.listen_total, 5); /* all listeners seen */
	assert_int_equal(t.syn_recv_total, 3);
	assert_int_equal(t.established_total, 0);
	watch_listeners_free(&t);

	/* Two slots for five listeners: three counted, none lost silently. */
	assert_int_equal(watch_listeners_init(&t, 2), 0);
	feed_all(&t, &ctx);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.overflow, 3);
	assert_int_equal(t.listen_total, 5);
	watch_listeners_free(&t);
}

static void diag_reset_reuses_the_table(void **state)
{
	(void)state;
	struct watch_listeners a, b;
	assert_int_equal(watch_listeners_init(&a, 16), 0);
	assert_int_equal(watch_listeners_init(&b, 16), 0);
	struct watch_diag_feed_ctx ctx;
	feed_all(&a, &ctx);
	/* What a scan learnt carries to the next refresh by inode. */
	for (size_t i = 0; i < a.n; i++) {
		a.v[i].defer_accept_s = (int32_t)i;
		a.v[i].pid = 100 + (int32_t)i;
		strcpy(a.v[i].comm, "server");
	}
	feed_all(&b, &ctx);
	watch_listeners_carry(&b, &a, false);
	assert_int_equal(watch_listeners_unknown_defer(&b), 0);
	for (size_t i = 0; i < b.n; i++) {
		const struct watch_listener *p = watch_listeners_by_inode(&a, b.v[i].inode);
		assert_int_equal(b.v[i].pid, p->pid);
		assert_string_equal(b.v[i].comm, "server");
	}
	/* A refresh that did not count ESTABLISHED takes the last count. */
	for (size_t i = 0; i < b.n; i++)
		b.v[i].established = 0;
	b.v[0].inode = 424242; /* a listener not seen before */
	b.established_total = 0;
	watch_listeners_carry(&b, &a, true);
	assert_int_equal(b.v[0].established, WATCH_COUNT_UNKNOWN);
	assert_int_equal(b.established_total, 8);
	assert_int_equal(find(&b, "127.0.0.1", 8080, 0)->established, 3);
	/* Ten refreshes on the same table give the same figures. */
	for (int k = 0; k < 10; k++) {
		watch_listeners_reset(&a);
		assert_int_equal(a.n, 0);
		feed_all(&a, &ctx);
		assert_int_equal(a.n, 5);
		assert_int_equal(find(&a, "0.0.0.0", 8081, 0)->syn_recv, 3);
		assert_int_equal(find(&a, "127.0.0.1", 8080, 0)->established, 3);
	}
	watch_listeners_free(&a);
	watch_listeners_free(&b);
}

/* A hand-made reply message carrying one socket. */
static size_t put_sock(uint8_t *buf, uint32_t seq, uint8_t family, uint8_t state,
                       const char *addr, uint16_t port, uint32_t rq, uint32_t wq,
                       uint32_t inode)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	memset(buf, 0, NLMSG_SPACE(sizeof(struct inet_diag_msg)));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(struct inet_diag_msg));
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 7;
	struct inet_diag_msg *m = NLMSG_DATA(nlh);
	m->idiag_family = family;
	m->idiag_state = state;
	m->id.idiag_sport = htons(port);
	inet_pton(family, addr, m->id.idiag_src);
	m->idiag_rqueue = rq;
	m->idiag_wqueue = wq;
	m->idiag_inode = inode;
	return NLMSG_SPACE(sizeof(struct inet_diag_msg));
}

static size_t put_done(uint8_t *buf, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	memset(buf, 0, NLMSG_SPACE(sizeof(int)));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 7;
	return NLMSG_SPACE(sizeof(int));
}

static void diag_matching_prefers_exact_then_wildcard_then_dual_stack(void **state)
{
	(void)state;
	uint8_t buf[4096];
	size_t n = 0;
	n += put_sock(buf + n, 1, AF_INET, WATCH_TCP_LISTEN, "0.0.0.0", 80, 0, 10, 11);
	n += put_sock(buf + n, 1, AF_INET, WATCH_TCP_LISTEN, "10.0.0.1", 80, 0, 10, 12);
	n += put_sock(buf + n, 1, AF_INET6, WATCH_TCP_LISTEN, "::", 443, 0, 10, 13);
	/* exact 10.0.0.1:80 */
	n += put_sock(buf + n, 1, AF_INET, WATCH_TCP_SYN_RECV, "10.0.0.1", 80, 0, 0, 0);
	/* no exact listener: the wildcard */
	n += put_sock(buf + n, 1, AF_INET, WATCH_TCP_NEW_SYN_RECV, "10.0.0.2", 80, 0, 0, 0);
	n += put_sock(buf + n, 1, AF_INET, WATCH_TCP_ESTABLISHED, "10.0.0.2", 80, 0, 0, 21);
	/* a v4 request socket on a dual-stack :: listener */
	n += put_sock(buf + n, 1, AF_INET, WATCH_TCP_SYN_RECV, "10.0.0.2", 443, 0, 0, 0);
	/* its v4-mapped child */
	n += put_sock(buf + n, 1, AF_INET6, WATCH_TCP_ESTABLISHED, "::ffff:10.0.0.2", 443, 0, 0, 22);
	/* no listener: counted in the totals only; TIME-WAIT not at all */
	n += put_sock(buf + n, 1, AF_INET, WATCH_TCP_ESTABLISHED, "10.0.0.2", 5555, 0, 0, 23);
	n += put_sock(buf + n, 1, AF_INET, WATCH_TCP_TIME_WAIT, "10.0.0.2", 80, 0, 0, 0);
	n += put_done(buf + n, 1);

	struct watch_listeners t;
	assert_int_equal(watch_listeners_init(&t, 8), 0);
	struct watch_diag_feed_ctx ctx = { .table = &t };
	int err = 0;
	assert_int_equal(watch_diag_feed(buf, n, 1, 7, &ctx, &err), WATCH_DIAG_DONE);
	watch_listeners_finish(&t);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.v[0].syn_recv, 1);
	assert_int_equal(t.v[0].established, 1);
	assert_int_equal(t.v[1].syn_recv, 1);
	assert_int_equal(t.v[1].established, 0);
	assert_int_equal(t.v[2].syn_recv, 1);
	assert_int_equal(t.v[2].established, 1);
	assert_int_equal(t.syn_recv_total, 3);
	assert_int_equal(t.established_total, 2);
	watch_listeners_free(&t);
}

static void diag_errors_are_reported_not_swallowed(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct watch_listeners t;
	assert_int_equal(watch_listeners_init(&t, 8), 0);
	struct watch_diag_feed_ctx ctx = { .table = &t };
	int err = 0;

	/* A message with a short payload is counted, the rest goes on. */
	size_t n = put_sock(buf, 5, AF_INET, WATCH_TCP_LISTEN, "0.0.0.0", 80, 0, 1, 1);
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_LENGTH(8);
	n = NLMSG_SPACE(8);
	n += put_sock(buf + n, 5, AF_INET, WATCH_TCP_LISTEN, "0.0.0.0", 81, 0, 1, 2);
	assert_int_equal(watch_diag_feed(buf, n, 5, 7, &ctx, &err), WATCH_DIAG_MORE);
	assert_int_equal(ctx.bad, 1);
	assert_int_equal(t.n, 1);

	/* An unknown family is bad too. */
	n = put_sock(buf, 5, AF_UNIX, WATCH_TCP_LISTEN, "0.0.0.0", 82, 0, 1, 3);
	assert_int_equal(watch_diag_feed(buf, n, 5, 7, &ctx, &err), WATCH_DIAG_MORE);
	assert_int_equal(ctx.bad, 2);

	/* NLMSG_ERROR carries the errno. */
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	memset(buf, 0, sizeof buf);
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr));
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 5;
	nlh->nlmsg_pid = 7;
	((struct nlmsgerr *)NLMSG_DATA(nlh))->error = -EPERM;
	assert_int_equal(watch_diag_feed(buf, nlh->nlmsg_len, 5, 7, &ctx, &err), WATCH_DIAG_ERROR);
	assert_int_equal(err, -EPERM);

	/* A reply to another request (sequence number) is refused. */
	n = put_sock(buf, 6, AF_INET, WATCH_TCP_LISTEN, "0.0.0.0", 83, 0, 1, 4);
	assert_int_equal(watch_diag_feed(buf, n, 5, 7, &ctx, &err), WATCH_DIAG_ERROR);
	assert_int_equal(t.n, 1);
	watch_listeners_free(&t);
}

static void diag_request_is_a_sock_diag_dump(void **state)
{
	(void)state;
	uint8_t buf[WATCH_DIAG_REQUEST_BYTES];
	assert_int_equal(watch_diag_request(buf, 16, AF_INET, 1, 1, NULL, 0), 0);
	size_t n = watch_diag_request(buf, sizeof buf, AF_INET6,
	                              WATCH_TCPF(WATCH_TCP_SYN_RECV) | WATCH_TCPF(WATCH_TCP_ESTABLISHED),
	                              42, NULL, 0);
	assert_int_equal(n, NLMSG_LENGTH(sizeof(struct inet_diag_req_v2)));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	assert_int_equal(nlh->nlmsg_type, SOCK_DIAG_BY_FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_seq, 42);
	const struct inet_diag_req_v2 *req = NLMSG_DATA(nlh);
	assert_int_equal(req->sdiag_family, AF_INET6);
	assert_int_equal(req->sdiag_protocol, IPPROTO_TCP);
	assert_int_equal(req->idiag_ext, 0);
	assert_int_equal(req->idiag_states, (1u << 3) | (1u << 1));
}

/* The kernel's bytecode rules, restated from inet_diag_bc_audit() and
 * inet_diag_bc_run() (net/ipv4/inet_diag.c), for the three ops the filter
 * uses. */
static bool audit_reachable(const uint8_t *bc, int len, int cc)
{
	while (len >= 0) {
		const struct inet_diag_bc_op *op = (const void *)bc;
		if (cc > len)
			return false;
		if (cc == len)
			return true;
		if (op->yes < 4 || op->yes & 3)
			return false;
		len -= op->yes;
		bc += op->yes;
	}
	return false;
}

static bool audit(const uint8_t *prog, int total)
{
	const uint8_t *bc = prog;
	int len = total;
	while (len > 0) {
		const struct inet_diag_bc_op *op = (const void *)bc;
		int min_len = 4;
		if (op->code == INET_DIAG_BC_S_GE || op->code == INET_DIAG_BC_S_LE) {
			min_len += 4;
			if (len < min_len)
				return false;
		} else if (op->code != INET_DIAG_BC_JMP) {
			return false;
		}
		if (op->no < min_len || op->no > len + 4 || op->no & 3)
			return false;
		if (op->no < len && !audit_reachable(prog, total, len - op->no))
			return false;
		if (op->yes < min_len || op->yes > len + 4 || op->yes & 3)
			return false;
		bc += op->yes;
		len -= op->yes;
	}
	return len == 0;
}

static bool run(const uint8_t *bc, int len, uint16_t sport)
{
	while (len > 0) {
		const struct inet_diag_bc_op *op = (const void *)bc;
		bool yes = true;
		if (op->code == INET_DIAG_BC_S_GE)
			yes = sport >= op[1].no;
		else if (op->code == INET_DIAG_BC_S_LE)
			yes = sport <= op[1].no;
		else if (op->code == INET_DIAG_BC_JMP)
			yes = false;
		len -= yes ? op->yes : op->no;
		bc += yes ? op->yes : op->no;
	}
	return len == 0;
}

static void diag_port_filter_passes_the_kernel_audit(void **state)
{
	(void)state;
	static const struct watch_port_range r[] = {
		{ 22, 22 }, { 80, 81 }, { 443, 443 }, { 8000, 8099 }, { 65535, 65535 },
	};
	uint8_t prog[WATCH_DIAG_MAX_RANGES * 20 + 4];
	assert_int_equal(watch_diag_port_filter(prog, sizeof prog, r, 0), 0);
	assert_int_equal(watch_diag_port_filter(prog, 50, r, 5), 0);
	for (size_t n = 1; n <= 5; n++) {
		size_t len = watch_diag_port_filter(prog, sizeof prog, r, n);
		assert_int_equal(len, 20 * n + 4);
		assert_true(audit(prog, (int)len));
		for (uint32_t port = 0; port < 65536; port++) {
			bool want = false;
			for (size_t k = 0; k < n; k++)
				want |= port >= r[k].lo && port <= r[k].hi;
			if (run(prog, (int)len, (uint16_t)port) != want)
				fail_msg("%zu ranges, port %u", n, port);
		}
	}
	/* And in a request, after the inet_diag_req_v2. */
	uint8_t buf[WATCH_DIAG_REQUEST_BYTES];
	size_t n = watch_diag_request(buf, sizeof buf, AF_INET, 8, 9, r, 5);
	assert_int_equal(n, NLMSG_LENGTH(sizeof(struct inet_diag_req_v2)) + 4 + 104);
	const struct nlattr *a = (const void *)(buf + NLMSG_LENGTH(sizeof(struct inet_diag_req_v2)));
	assert_int_equal(a->nla_type, INET_DIAG_REQ_BYTECODE);
	assert_int_equal(a->nla_len, 4 + 104);
	struct watch_port_range many[WATCH_DIAG_MAX_RANGES + 1] = { { 0, 0 } };
	assert_int_equal(watch_diag_request(buf, sizeof buf, AF_INET, 8, 9, many,
	                                    WATCH_DIAG_MAX_RANGES + 1), 0);
}

static void diag_port_ranges_cover_every_listener(void **state)
{
	(void)state;
	struct watch_listeners t;
	assert_int_equal(watch_listeners_init(&t, 64), 0);
	struct watch_port_range r[32];
	assert_int_equal(watch_listeners_port_ranges(&t, r, 8), 0);
	static const uint16_t ports[] = { 80, 81, 82, 443, 8080, 8081, 9100, 22, 25, 6379, 65535, 1 };
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		struct watch_sock s = { .state = 10, .inode = (uint32_t)i + 1 };
		s.local.family = AF_INET;
		s.local.port = ports[i];
		assert_int_equal(watch_listeners_add(&t, &s), 0);
	}
	for (size_t max = 1; max <= 8; max++) {
		size_t n = watch_listeners_port_ranges(&t, r, max);
		assert_true(n >= 1 && n <= max);
		for (size_t k = 0; k < n; k++) {
			assert_true(r[k].lo <= r[k].hi);
			if (k)
				assert_true(r[k - 1].hi + 1 < r[k].lo); /* ascending, apart */
		}
		for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
			bool in = false;
			for (size_t k = 0; k < n; k++)
				in |= ports[i] >= r[k].lo && ports[i] <= r[k].hi;
			assert_true(in);
		}
	}
	/* With room: exact runs (80-82 and 8080-8081 are runs). */
	assert_int_equal(watch_listeners_port_ranges(&t, r, 8), 8);
	assert_int_equal(r[0].lo, 1);
	size_t n = watch_listeners_port_ranges(&t, r, 32);
	assert_int_equal(n, 9); /* 1, 22, 25, 80-82, 443, 6379, 8080-8081, 9100, 65535 */
	assert_int_equal(r[3].lo, 80);
	assert_int_equal(r[3].hi, 82);
	assert_int_equal(r[8].lo, 65535);
	/* One range spans them all. */
	assert_int_equal(watch_listeners_port_ranges(&t, r, 1), 1);
	assert_int_equal(r[0].lo, 1);
	assert_int_equal(r[0].hi, 65535);
	watch_listeners_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(diag_captured_dump_gives_ss_figures),
		cmocka_unit_test(diag_port_filter_and_overflow),
		cmocka_unit_test(diag_reset_reuses_the_table),
		cmocka_unit_test(diag_matching_prefers_exact_then_wildcard_then_dual_stack),
		cmocka_unit_test(diag_errors_are_reported_not_swallowed),
		cmocka_unit_test(diag_request_is_a_sock_diag_dump),
		cmocka_unit_test(diag_port_filter_passes_the_kernel_audit),
		cmocka_unit_test(diag_port_ranges_cover_every_listener),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
