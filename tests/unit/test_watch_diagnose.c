/* SPDX-License-Identifier: BSD-2-Clause */
/* The diagnosis rules, one frame each: the states and rates of the listen
 * path as Linux 6.x produces them, and the cause and knob named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "watch/frame.h"

struct fixture {
	struct watch_listeners t;
	struct watch_frame f;
};

static struct fixture fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof fx);
	if (watch_listeners_init(&fx.t, 256))
		return -1;
	fx.f.listeners = &fx.t;
	/* Linux 6.18 defaults */
	static const int64_t defaults[WATCH_SYSCTL__COUNT] = { 4096, 2048, 1, 5, 0, 131072 };
	for (int i = 0; i < WATCH_SYSCTL__COUNT; i++)
		fx.f.sysctl.value[i] = defaults[i];
	fx.f.sysctl.present = (1u << WATCH_SYSCTL__COUNT) - 1;
	fx.f.mib.present = fx.f.mib_prev.present = (1u << WATCH_MIB__COUNT) - 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	watch_listeners_free(&fx.t);
	return 0;
}

static struct watch_listener *add(const char *addr, uint16_t port, uint32_t len,
                                  uint32_t limit, uint32_t syn_recv)
{
	struct watch_sock s = { .state = 10, .rqueue = len, .wqueue = limit,
	                        .inode = 1000u + (uint32_t)fx.t.n };
	s.local.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	s.local.port = port;
	inet_pton(s.local.family, addr, s.local.addr);
	assert_int_equal(watch_listeners_add(&fx.t, &s), 0);
	struct watch_listener *l = &fx.t.v[fx.t.n - 1];
	l->syn_recv = syn_recv;
	return l;
}

/* Counter id went up by delta over interval_s. */
static void bump(enum watch_mib_id id, uint64_t delta)
{
	fx.f.interval_s = 1.0;
	fx.f.mib_prev.value[id] = 1000;
	fx.f.mib.value[id] = 1000 + delta;
}

static const struct watch_warning *find(enum watch_cause cause, uint16_t port)
{
	for (size_t i = 0; i < fx.f.n_warnings; i++) {
		const struct watch_warning *w = &fx.f.warnings[i];
		if (w->cause != cause)
			continue;
		if (port == 0 ? w->listener < 0
		              : w->listener >= 0 && fx.t.v[w->listener].local.port == port)
			return w;
	}
	return NULL;
}

static void quiet_host_has_no_warnings(void **state)
{
	(void)state;
	add("0.0.0.0", 80, 0, 4096, 0);
	add("::", 443, 3, 4096, 2);
	watch_diagnose(&fx.f);
	assert_int_equal(fx.f.n_warnings, 0);
}

static void accept_queue_full_names_backlog_below_somaxconn(void **state)
{
	(void)state;
	add("0.0.0.0", 80, 129, 128, 0); /* sk_acceptq_is_full: 129 > 128 */
	add("0.0.0.0", 81, 128, 128, 0); /* at the limit: not yet full, but filling */
	bump(WATCH_MIB_LISTEN_OVERFLOWS, 12000);
	watch_diagnose(&fx.f);
	const struct watch_warning *w = find(WATCH_CAUSE_ACCEPT_QUEUE_FULL, 80);
	assert_non_null(w);
	assert_int_equal(w->severity, WATCH_SEV_CRITICAL);
	assert_non_null(strstr(w->text, "accept queue full on :80 (129/128) — the application is "
	                                "not accepting fast enough"));
	assert_non_null(strstr(w->text, "overflows 12k/s"));
	assert_non_null(strstr(w->text, "tcp_synack_retries=5"));
	assert_non_null(strstr(w->knob, "backlog 128 < somaxconn 4096"));
	assert_null(find(WATCH_CAUSE_ACCEPT_QUEUE_FULL, 81));
	assert_non_null(find(WATCH_CAUSE_ACCEPT_QUEUE_FILLING, 81));
	/* The overflows are explained by :80: no host-wide burst line. */
	assert_null(find(WATCH_CAUSE_LISTEN_OVERFLOWS, 0));
	assert_ptr_equal(&fx.f.warnings[0], w); /* most severe first */
}

static void accept_queue_full_at_somaxconn_and_abort_on_overflow(void **state)
{
	(void)state;
	fx.f.sysctl.value[WATCH_SYSCTL_SOMAXCONN] = 128;
	fx.f.sysctl.value[WATCH_SYSCTL_TCP_ABORT_ON_OVERFLOW] = 1;
	add("127.0.0.1", 8080, 129, 128, 0);
	bump(WATCH_MIB_EMBRYONIC_RSTS, 40);
	watch_diagnose(&fx.f);
	const struct watch_warning *w = find(WATCH_CAUSE_ACCEPT_QUEUE_FULL, 8080);
	assert_non_null(w);
	assert_non_null(strstr(w->text, "127.0.0.1:8080"));
	assert_non_null(strstr(w->text, "tcp_abort_on_overflow=1 resets those clients"));
	assert_non_null(strstr(w->knob, "raise net.core.somaxconn"));
	const struct watch_warning *e = find(WATCH_CAUSE_EMBRYONIC_RSTS, 0);
	assert_non_null(e);
	assert_int_equal(e->severity, WATCH_SEV_CRITICAL);
	assert_non_null(strstr(e->text, "clients reset on a full accept queue 40/s"));
}

static void syn_flood_with_cookies(void **state)
{
	(void)state;
	add("0.0.0.0", 80, 0, 128, 129); /* request queue full: qlen > backlog */
	bump(WATCH_MIB_SYNCOOKIES_SENT, 12000);
	bump(WATCH_MIB_REQQ_FULL_DO_COOKIES, 12000);
	watch_diagnose(&fx.f);
	const struct watch_warning *w = find(WATCH_CAUSE_SYN_FLOOD, 80);
	assert_non_null(w);
	assert_int_equal(w->severity, WATCH_SEV_CRITICAL);
	assert_non_null(strstr(w->text, "SYN flood on :80 — SYN queue full (129 half-open, limit 128), "
	                                "cookies sent 12k/s"));
	assert_non_null(strstr(w->knob, "tcp_syncookies=1"));
	assert_non_null(strstr(w->knob, "tcp_synack_retries (5)"));
	assert_null(find(WATCH_CAUSE_SYN_FLOOD, 0)); /* explained by :80 */
	assert_null(find(WATCH_CAUSE_ACCEPT_QUEUE_FULL, 80));
}

static void syn_flood_without_cookies(void **state)
{
	(void)state;
	fx.f.sysctl.value[WATCH_SYSCTL_TCP_SYNCOOKIES] = 0;
	add("0.0.0.0", 80, 0, 16, 17);
	bump(WATCH_MIB_REQQ_FULL_DROP, 5000);
	bump(WATCH_MIB_LISTEN_DROPS, 5000);
	watch_diagnose(&fx.f);
	const struct watch_warning *w = find(WATCH_CAUSE_SYN_FLOOD, 80);
	assert_non_null(w);
	assert_non_null(strstr(w->text, "SYNs dropped 5.0k/s"));
	assert_non_null(strstr(w->knob, "set net.ipv4.tcp_syncookies=1"));
	/* ListenDrops are all TCPReqQFullDrop: nothing unexplained. */
	assert_null(find(WATCH_CAUSE_SYN_DROPS_OTHER, 0));
}

static void syn_queue_half_full_is_pruning(void **state)
{
	(void)state;
	add("0.0.0.0", 80, 0, 16, 9);  /* 2*9 > max(8,16): reqsk_timer_handler() prunes */
	add("0.0.0.0", 81, 0, 16, 8);  /* 2*8 = 16: not yet */
	add("0.0.0.0", 82, 0, 2, 3);   /* backlog 2 holds 3: full, not half */
	add("0.0.0.0", 83, 0, 2, 2);   /* 2*2 <= max(8,2) */
	watch_diagnose(&fx.f);
	assert_non_null(find(WATCH_CAUSE_SYN_QUEUE_PRUNING, 80));
	assert_null(find(WATCH_CAUSE_SYN_QUEUE_PRUNING, 81));
	assert_non_null(find(WATCH_CAUSE_SYN_FLOOD, 82));
	assert_null(find(WATCH_CAUSE_SYN_QUEUE_PRUNING, 83));
	assert_null(find(WATCH_CAUSE_SYN_FLOOD, 83));
}

static void reuseport_group_counts_its_members(void **state)
{
	(void)state;
	/* Two members of one group share 20 half-open: 2 x (8 + 1) = 18 is full. */
	struct watch_listener *a = add("0.0.0.0", 80, 0, 8, 0);
	struct watch_listener *b = add("0.0.0.0", 80, 0, 8, 0);
	(void)a;
	(void)b;
	fx.t.v[0].syn_recv = 20;
	watch_listeners_finish(&fx.t);
	assert_int_equal(fx.t.v[1].sharing, 2);
	assert_int_equal(fx.t.v[1].syn_recv, 20);
	watch_diagnose(&fx.f);
	size_t floods = 0;
	for (size_t i = 0; i < fx.f.n_warnings; i++)
		floods += fx.f.warnings[i].cause == WATCH_CAUSE_SYN_FLOOD;
	assert_int_equal(floods, 1); /* once per group */
}

static void host_wide_rates(void **state)
{
	(void)state;
	fx.f.sysctl.value[WATCH_SYSCTL_TCP_SYNCOOKIES] = 0;
	add("0.0.0.0", 80, 0, 128, 0);
	bump(WATCH_MIB_LISTEN_OVERFLOWS, 30);  /* bursts: no queue full now */
	bump(WATCH_MIB_LISTEN_DROPS, 100);     /* 70 more than overflows */
	bump(WATCH_MIB_SYNCOOKIES_FAILED, 3);
	bump(WATCH_MIB_ABORT_ON_DATA, 7);
	bump(WATCH_MIB_TIME_WAIT_OVERFLOW, 50);
	bump(WATCH_MIB_EMBRYONIC_RSTS, 2);
	fx.f.sockstat.present = 1;
	fx.f.sockstat.tw = 131072;
	watch_diagnose(&fx.f);
	const struct watch_warning *w = find(WATCH_CAUSE_LISTEN_OVERFLOWS, 0);
	assert_non_null(w);
	assert_non_null(strstr(w->text, "30/s"));
	w = find(WATCH_CAUSE_SYN_DROPS_OTHER, 0);
	assert_non_null(w);
	assert_non_null(strstr(w->text, "70/s"));
	assert_non_null(strstr(w->knob, "tcp_max_syn_backlog (2048)"));
	assert_non_null(find(WATCH_CAUSE_COOKIES_FAILED, 0));
	assert_non_null(find(WATCH_CAUSE_ABORT_ON_DATA, 0));
	w = find(WATCH_CAUSE_EMBRYONIC_RSTS, 0);
	assert_non_null(w);
	assert_int_equal(w->severity, WATCH_SEV_INFO); /* abort_on_overflow = 0 */
	w = find(WATCH_CAUSE_TIME_WAIT_FULL, 0);
	assert_non_null(w);
	assert_non_null(strstr(w->text, "TIME-WAIT table full (131072 of tcp_max_tw_buckets 131072); 50/s"));
	/* No previous sample: none of the rate rules fire. */
	fx.f.interval_s = 0;
	watch_diagnose(&fx.f);
	assert_null(find(WATCH_CAUSE_LISTEN_OVERFLOWS, 0));
	assert_null(find(WATCH_CAUSE_COOKIES_FAILED, 0));
	assert_non_null(find(WATCH_CAUSE_TIME_WAIT_FULL, 0)); /* a state, not a rate */
}

static void syn_cookies_with_no_full_queue_now(void **state)
{
	(void)state;
	add("0.0.0.0", 80, 0, 128, 3);
	bump(WATCH_MIB_SYNCOOKIES_SENT, 800);
	watch_diagnose(&fx.f);
	const struct watch_warning *w = find(WATCH_CAUSE_SYN_FLOOD, 0);
	assert_non_null(w);
	assert_non_null(strstr(w->text, "cookies sent 800/s"));
	/* tcp_syncookies = 2 sends a cookie for every SYN: not a flood. */
	fx.f.sysctl.value[WATCH_SYSCTL_TCP_SYNCOOKIES] = 2;
	watch_diagnose(&fx.f);
	assert_null(find(WATCH_CAUSE_SYN_FLOOD, 0));
}

static void defer_accept_drops_name_the_deferring_listener(void **state)
{
	(void)state;
	add("0.0.0.0", 80, 0, 511, 0)->defer_accept_s = 0;
	add("0.0.0.0", 443, 0, 511, 0)->defer_accept_s = 7;
	bump(WATCH_MIB_DEFER_ACCEPT_DROP, 25);
	watch_diagnose(&fx.f);
	const struct watch_warning *w = find(WATCH_CAUSE_DEFER_ACCEPT_DROPS, 443);
	assert_non_null(w);
	assert_non_null(strstr(w->text, "TCP_DEFER_ACCEPT on :443 held back 25 bare ACKs/s"));
}

static void warnings_are_bounded_and_host_wide_survive(void **state)
{
	(void)state;
	for (int i = 0; i < 100; i++)
		add("0.0.0.0", (uint16_t)(1000 + i), 5, 4, 0);
	bump(WATCH_MIB_TIME_WAIT_OVERFLOW, 1);
	fx.t.overflow = 7;
	watch_diagnose(&fx.f);
	assert_int_equal(fx.f.n_warnings, WATCH_WARNINGS_MAX);
	assert_int_equal(fx.f.warnings_dropped, 100 + 2 - WATCH_WARNINGS_MAX);
	assert_non_null(find(WATCH_CAUSE_TIME_WAIT_FULL, 0));
	const struct watch_warning *w = find(WATCH_CAUSE_TABLE_FULL, 0);
	assert_non_null(w);
	assert_non_null(strstr(w->text, "7 listeners not shown"));
	for (size_t i = 1; i < fx.f.n_warnings; i++)
		assert_true(fx.f.warnings[i - 1].severity >= fx.f.warnings[i].severity);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(quiet_host_has_no_warnings),
		T(accept_queue_full_names_backlog_below_somaxconn),
		T(accept_queue_full_at_somaxconn_and_abort_on_overflow),
		T(syn_flood_with_cookies),
		T(syn_flood_without_cookies),
		T(syn_queue_half_full_is_pruning),
		T(reuseport_group_counts_its_members),
		T(host_wide_rates),
		T(syn_cookies_with_no_full_queue_now),
		T(defer_accept_drops_name_the_deferring_listener),
		T(warnings_are_bounded_and_host_wide_survive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
