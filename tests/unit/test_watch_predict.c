/* SPDX-License-Identifier: BSD-2-Clause */
/* synq watch --predict: today's traffic read off a frame, the scenario it
 * becomes, and the simulator's answer, which must follow the host's
 * sysctls (cookies on or off changes it). */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "watch/predict.h"

struct fixture {
	struct watch_listeners t;
	struct watch_listener l[2];
	struct watch_frame f;
};

static struct fixture fx;

static const struct watch_predict_options quick = { .factor = 2, .duration_s = 5,
                                                    .max_listeners = 10 };

static void listener(size_t i, uint16_t port, uint32_t queue, uint32_t limit, uint32_t syn_recv)
{
	struct watch_listener *l = &fx.l[i];
	memset(l, 0, sizeof *l);
	l->local.family = AF_INET;
	l->local.port = port;
	l->accept_queue = queue;
	l->accept_queue_limit = limit;
	l->syn_recv = syn_recv;
	if (fx.t.n <= i)
		fx.t.n = i + 1;
}

static void counter(enum watch_mib_id id, uint64_t delta)
{
	fx.f.mib_prev.value[id] = 1000;
	fx.f.mib.value[id] = 1000 + delta;
}

static void sysctl(enum watch_sysctl_id id, int64_t v)
{
	fx.f.sysctl.value[id] = v;
	fx.f.sysctl.present |= 1u << id;
}

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof fx);
	fx.t.v = fx.l;
	fx.t.cap = 2;
	fx.f.listeners = &fx.t;
	fx.f.interval_s = 1;
	fx.f.mib.present = fx.f.mib_prev.present = (1u << WATCH_MIB__COUNT) - 1;
	sysctl(WATCH_SYSCTL_SOMAXCONN, 4096);
	sysctl(WATCH_SYSCTL_TCP_MAX_SYN_BACKLOG, 256);
	sysctl(WATCH_SYSCTL_TCP_SYNCOOKIES, 1);
	sysctl(WATCH_SYSCTL_TCP_SYNACK_RETRIES, 5);
	return 0;
}

static void request_lifetime_doubles_each_wait(void **state)
{
	(void)state;
	assert_true(watch_request_lifetime_s(0) == 1);
	assert_true(watch_request_lifetime_s(2) == 7);
	assert_true(watch_request_lifetime_s(5) == 63);
	/* each wait stops growing at TCP_RTO_MAX (120 s) */
	assert_true(watch_request_lifetime_s(8) == 1 + 2 + 4 + 8 + 16 + 32 + 64 + 120 + 120);
}

static void counters_are_shared_by_queued_sockets(void **state)
{
	(void)state;
	listener(0, 80, 2, 128, 1);
	listener(1, 443, 0, 128, 1);
	assert_true(watch_listener_share(&fx.f, 0) == 0.75);
	assert_true(watch_listener_share(&fx.f, 1) == 0.25);
	listener(0, 80, 0, 128, 0);
	listener(1, 443, 0, 128, 0);
	assert_true(watch_listener_share(&fx.f, 0) == 0.5);
}

static void today_splits_completed_from_unanswered(void **state)
{
	(void)state;
	listener(0, 80, 0, 128, 126);
	counter(WATCH_MIB_PASSIVE_OPENS, 100);
	counter(WATCH_MIB_SYNCOOKIES_SENT, 1000);
	counter(WATCH_MIB_SYNCOOKIES_RECV, 50);
	counter(WATCH_MIB_LISTEN_DROPS, 200);
	struct watch_today t;
	watch_predict_today(&fx.f, 0, &t);
	assert_true(t.completed_per_s == 100);
	/* SYNs: 100 - 50 completed cookies + 1000 cookies + 200 drops = 1250;
	 * unanswered 1150, plus 126 waiting for 63 s: 2 more a second */
	assert_true(t.unanswered_per_s == 1152);
	assert_false(t.app_stalled);
	fx.f.interval_s = 2; /* the same deltas over twice the time */
	watch_predict_today(&fx.f, 0, &t);
	assert_true(t.completed_per_s == 50);
	assert_true(t.unanswered_per_s == 577);
}

static void a_full_accept_queue_is_an_application_not_accepting(void **state)
{
	(void)state;
	listener(0, 8080, 17, 16, 0);
	struct watch_today t;
	watch_predict_today(&fx.f, 0, &t);
	assert_true(t.app_stalled);
	char text[4096];
	assert_true(watch_predict_scenario(&fx.f, 0, &t, &quick, text, sizeof text) > 0);
	assert_non_null(strstr(text, "model = none\n"));
	assert_non_null(strstr(text, "port = 8080\n"));
	assert_non_null(strstr(text, "ListenBacklog = 16\n"));
}

static void the_scenario_carries_the_hosts_sysctls_and_rates(void **state)
{
	(void)state;
	listener(0, 80, 0, 128, 0);
	sysctl(WATCH_SYSCTL_TCP_SYNCOOKIES, 0);
	sysctl(WATCH_SYSCTL_TCP_ABORT_ON_OVERFLOW, 1);
	struct watch_today t = { .completed_per_s = 10, .unanswered_per_s = 300, .share = 1 };
	char text[4096];
	struct watch_predict_options o = quick;
	o.factor = 3;
	assert_true(watch_predict_scenario(&fx.f, 0, &t, &o, text, sizeof text) > 0);
	assert_non_null(strstr(text, "net.ipv4.tcp_syncookies = 0\n"));
	assert_non_null(strstr(text, "net.ipv4.tcp_abort_on_overflow = 1\n"));
	assert_non_null(strstr(text, "net.ipv4.tcp_max_syn_backlog = 256\n"));
	/* not read from the host: left to Linux's defaults */
	assert_null(strstr(text, "tcp_max_tw_buckets"));
	assert_non_null(strstr(text, "model = event\n"));
	assert_non_null(strstr(text, "rate = 30.000000/s\n"));
	assert_non_null(strstr(text, "[attack.unanswered]\nmodel = synflood\nrate = 900.000000/s\n"));
	/* a quiet listener gets one probing client a second and no flood */
	t = (struct watch_today){ .share = 1 };
	assert_true(watch_predict_scenario(&fx.f, 0, &t, &o, text, sizeof text) > 0);
	assert_non_null(strstr(text, "rate = 1.000000/s\n"));
	assert_null(strstr(text, "synflood"));
	assert_int_equal(watch_predict_scenario(&fx.f, 0, &t, &o, text, 64), -ENOSPC);
}

/* A spoofed flood of 1500 SYN/s at twice today's rate against backlog 128. */
static int predict_flood(int64_t cookies, struct watch_prediction *p)
{
	listener(0, 80, 0, 128, 0);
	sysctl(WATCH_SYSCTL_TCP_SYNCOOKIES, cookies);
	struct watch_today t = { .completed_per_s = 5, .unanswered_per_s = 1500, .share = 1 };
	char text[4096];
	if (watch_predict_scenario(&fx.f, 0, &t, &quick, text, sizeof text) < 0)
		return -1;
	return watch_predict_simulate("flood", text, &t, quick.factor, p, stderr);
}

static void cookies_carry_clients_through_a_flood(void **state)
{
	(void)state;
	struct watch_prediction p;
	assert_int_equal(predict_flood(1, &p), 0);
	assert_true(p.connects > 0);
	assert_true(p.connected_fraction >= 0.99);
	assert_true(p.connect_p99_ms < 1000);
	assert_true(p.cookies_per_s > 100);
	assert_int_equal(p.verdict, WATCH_VERDICT_HOLDS);
	assert_int_equal(p.backlog, 128);
}

static void without_cookies_the_same_flood_delays_clients(void **state)
{
	(void)state;
	struct watch_prediction p;
	assert_int_equal(predict_flood(0, &p), 0);
	assert_true(p.connects > 0);
	assert_true(p.cookies_per_s == 0);
	assert_true(p.listen_drops_per_s > 100);
	/* SYNs dropped on a full SYN queue come back after 1 s or more */
	assert_true(p.connect_p99_ms >= 900);
	assert_int_not_equal(p.verdict, WATCH_VERDICT_HOLDS);
	char line[512];
	watch_prediction_format(&p, ":80", line, sizeof line);
	assert_non_null(strstr(line, ":80 at 2x today's SYN rate"));
	assert_non_null(strstr(line, watch_verdict_name(p.verdict)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_lifetime_doubles_each_wait),
		cmocka_unit_test_setup(counters_are_shared_by_queued_sockets, setup),
		cmocka_unit_test_setup(today_splits_completed_from_unanswered, setup),
		cmocka_unit_test_setup(a_full_accept_queue_is_an_application_not_accepting, setup),
		cmocka_unit_test_setup(the_scenario_carries_the_hosts_sysctls_and_rates, setup),
		cmocka_unit_test_setup(cookies_carry_clients_through_a_flood, setup),
		cmocka_unit_test_setup(without_cookies_the_same_flood_delays_clients, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
