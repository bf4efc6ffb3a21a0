/* SPDX-License-Identifier: BSD-2-Clause */
/* /proc text as synq watch reads it: the MIB files (captured on Linux 6.18
 * in the namespace test_watch_diag.c describes, where nstat -az said
 * TcpExtListenOverflows 1, TcpExtListenDrops 1, TcpPassiveOpens 8 and the
 * cookie counters 0), sockstat, sysctl files; and what a malformed file
 * gets: one error naming the line and the key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_watch_captured.h"
#include "watch/mib.h"
#include "watch/sysctl.h"

static void mib_captured_files_give_nstat_figures(void **state)
{
	(void)state;
	struct watch_mib mib = { 0 };
	struct watch_parse_error where = { 0 };
	assert_int_equal(watch_mib_parse(captured_netstat, strlen(captured_netstat), &mib, &where), 0);
	assert_int_equal(watch_mib_parse(captured_snmp, strlen(captured_snmp), &mib, &where), 0);
	assert_int_equal(mib.present, (1u << WATCH_MIB__COUNT) - 1);
	assert_int_equal(mib.value[WATCH_MIB_LISTEN_OVERFLOWS], 1);
	assert_int_equal(mib.value[WATCH_MIB_LISTEN_DROPS], 1);
	assert_int_equal(mib.value[WATCH_MIB_PASSIVE_OPENS], 8);
	assert_int_equal(mib.value[WATCH_MIB_SYNCOOKIES_SENT], 0);
	assert_int_equal(mib.value[WATCH_MIB_REQQ_FULL_DROP], 0);

	const struct watch_mib_info *info = watch_mib_info(WATCH_MIB_REQQ_FULL_DO_COOKIES);
	assert_string_equal(info->nstat_name, "TcpExtTCPReqQFullDoCookies");
	assert_string_equal(info->prom_name, "synq_tcpext_reqq_full_cookies_total");
	assert_string_equal(watch_mib_info(WATCH_MIB_PASSIVE_OPENS)->nstat_name, "TcpPassiveOpens");
	assert_null(watch_mib_info(WATCH_MIB__COUNT));
}

static void mib_fields_found_by_name_not_position(void **state)
{
	(void)state;
	/* A kernel that orders or names fields differently: only names count;
	 * a group we do not track (and its odd values) is skipped. */
	static const char text[] = "TcpExt: Foo ListenDrops Bar ListenOverflows\n"
	                           "TcpExt: 9 77 -1 66\n"
	                           "Weird: X\n"
	                           "Weird: not-a-number\n";
	struct watch_mib mib = { 0 };
	assert_int_equal(watch_mib_parse(text, sizeof text - 1, &mib, NULL), 0);
	assert_int_equal(mib.value[WATCH_MIB_LISTEN_DROPS], 77);
	assert_int_equal(mib.value[WATCH_MIB_LISTEN_OVERFLOWS], 66);
	assert_int_equal(mib.present, (1u << WATCH_MIB_LISTEN_DROPS) | (1u << WATCH_MIB_LISTEN_OVERFLOWS));
}

static void mib_malformed_text_names_line_and_key(void **state)
{
	(void)state;
	struct watch_mib mib = { 0 };
	struct watch_parse_error where;
	static const char *const bad[] = {
		"TcpExt: ListenDrops\nTcpExt: x\n",              /* tracked value not a number */
		"TcpExt: ListenDrops Other\nTcpExt: 1\n",        /* fewer values */
		"TcpExt: ListenDrops\nTcpExt: 1 2\n",            /* more values */
		"TcpExt: ListenDrops\nIpExt: 1\n",               /* other group */
		"TcpExt: ListenDrops\n",                         /* no value line */
		"no colon here\n",                               /* not a MIB line */
		"TcpExt: ListenDrops\nTcpExt: 99999999999999999999999\n", /* > 2^64 */
	};
	static const int line[] = { 2, 2, 2, 2, 1, 1, 2 };
	static const char *const key[] = { "ListenDrops", "Other", "TcpExt", "TcpExt", "TcpExt",
	                                   "no colon here", "ListenDrops" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&where, 0, sizeof where);
		assert_int_equal(watch_mib_parse(bad[i], strlen(bad[i]), &mib, &where), -EINVAL);
		assert_int_equal(where.line, line[i]);
		assert_string_equal(where.key, key[i]);
	}
}

static void mib_delta_needs_both_and_forward(void **state)
{
	(void)state;
	struct watch_mib a = { 0 }, b = { 0 };
	int ok = 1;
	a.value[WATCH_MIB_LISTEN_DROPS] = 10;
	a.present = 1u << WATCH_MIB_LISTEN_DROPS;
	assert_int_equal(watch_mib_delta(&a, &b, WATCH_MIB_LISTEN_DROPS, &ok), 0);
	assert_int_equal(ok, 0); /* absent before */
	b = a;
	a.value[WATCH_MIB_LISTEN_DROPS] = 25;
	assert_int_equal(watch_mib_delta(&a, &b, WATCH_MIB_LISTEN_DROPS, &ok), 15);
	assert_int_equal(ok, 1);
	assert_int_equal(watch_mib_delta(&b, &a, WATCH_MIB_LISTEN_DROPS, &ok), 0);
	assert_int_equal(ok, 0); /* went backwards: a new namespace */
}

static void mib_sockstat(void **state)
{
	(void)state;
	struct watch_sockstat s;
	assert_int_equal(watch_sockstat_parse(captured_sockstat, strlen(captured_sockstat), &s, NULL), 0);
	assert_int_equal(s.present, 1);
	assert_int_equal(s.inuse, 17);
	assert_int_equal(s.orphan, 1);
	assert_int_equal(s.tw, 0);
	assert_int_equal(s.alloc, 24);
	struct watch_parse_error where = { 0 };
	static const char no_tcp[] = "sockets: used 3\nUDP: inuse 0\n";
	assert_int_equal(watch_sockstat_parse(no_tcp, sizeof no_tcp - 1, &s, &where), -EINVAL);
	assert_string_equal(where.key, "TCP");
	static const char odd[] = "TCP: inuse 5 tw\n";
	assert_int_equal(watch_sockstat_parse(odd, sizeof odd - 1, &s, &where), -EINVAL);
	assert_int_equal(where.line, 1);
	assert_string_equal(where.key, "tw");
}

static void sysctl_names_paths_values(void **state)
{
	(void)state;
	char path[64];
	assert_string_equal(watch_sysctl_name(WATCH_SYSCTL_SOMAXCONN), "net.core.somaxconn");
	assert_int_equal(watch_sysctl_path(WATCH_SYSCTL_TCP_ABORT_ON_OVERFLOW, path, sizeof path), 0);
	assert_string_equal(path, "/proc/sys/net/ipv4/tcp_abort_on_overflow");
	assert_int_equal(watch_sysctl_path(WATCH_SYSCTL_SOMAXCONN, path, 10), -ENAMETOOLONG);
	assert_null(watch_sysctl_name(WATCH_SYSCTL__COUNT));

	int64_t v = 0;
	assert_int_equal(watch_sysctl_parse("4096\n", 5, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(watch_sysctl_parse("-1\n", 3, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(watch_sysctl_parse("\n", 1, &v), -EINVAL);
	assert_int_equal(watch_sysctl_parse("4096 8192\n", 10, &v), -EINVAL);
	assert_int_equal(watch_sysctl_parse("12x", 3, &v), -EINVAL);

	struct watch_sysctls s = { 0 };
	assert_int_equal(watch_sysctl_get(&s, WATCH_SYSCTL_SOMAXCONN, 77), 77);
	s.value[WATCH_SYSCTL_SOMAXCONN] = 128;
	s.present = 1u << WATCH_SYSCTL_SOMAXCONN;
	assert_int_equal(watch_sysctl_get(&s, WATCH_SYSCTL_SOMAXCONN, 77), 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mib_captured_files_give_nstat_figures),
		cmocka_unit_test(mib_fields_found_by_name_not_position),
		cmocka_unit_test(mib_malformed_text_names_line_and_key),
		cmocka_unit_test(mib_delta_needs_both_and_forward),
		cmocka_unit_test(mib_sockstat),
		cmocka_unit_test(sysctl_names_paths_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
