/* SPDX-License-Identifier: BSD-2-Clause */
/* synq watch's outputs from a fixed frame: the JSON object, the Prometheus
 * exposition, the terminal view (colour, in-place redraw, a short screen),
 * and the small parsers around them (--listen addresses, HTTP request
 * lines, /proc fd links, the NO_COLOR rule). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "watch/defer.h"
#include "watch/format.h"
#include "watch/http.h"

static struct watch_listeners table;
static struct watch_frame frame;

static void add(const char *addr, uint16_t port, uint32_t len, uint32_t limit,
                uint32_t syn_recv, uint32_t estab)
{
	struct watch_sock s = { .state = 10, .rqueue = len, .wqueue = limit,
	                        .inode = 500u + (uint32_t)table.n, .uid = 33 };
	s.local.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	s.local.port = port;
	inet_pton(s.local.family, addr, s.local.addr);
	assert_int_equal(watch_listeners_add(&table, &s), 0);
	table.v[table.n - 1].syn_recv = syn_recv;
	table.v[table.n - 1].established = estab;
}

static int setup(void **state)
{
	(void)state;
	memset(&frame, 0, sizeof frame);
	if (watch_listeners_init(&table, 16))
		return -1;
	add("0.0.0.0", 80, 5, 4, 0, 5);
	add("::1", 83, 0, 32, 0, 0);
	table.v[0].defer_accept_s = 0;
	table.v[0].pid = 4242;
	strcpy(table.v[0].comm, "py\"thon");
	table.v[1].defer_accept_s = WATCH_DEFER_UNREADABLE;
	table.listen_total = 2;
	table.syn_recv_total = 0;
	table.established_total = 10;
	frame.listeners = &table;
	frame.wall_ms = 1700000000123;
	frame.refresh = 3;
	frame.rss_kib = 2048;
	frame.sample_ms = 1.5;
	frame.sysctl.value[WATCH_SYSCTL_SOMAXCONN] = 4096;
	frame.sysctl.value[WATCH_SYSCTL_TCP_SYNCOOKIES] = 1;
	frame.sysctl.present = (1u << WATCH_SYSCTL_SOMAXCONN) | (1u << WATCH_SYSCTL_TCP_SYNCOOKIES);
	frame.mib.present = frame.mib_prev.present =
		(1u << WATCH_MIB_LISTEN_OVERFLOWS) | (1u << WATCH_MIB_SYNCOOKIES_SENT);
	frame.mib_prev.value[WATCH_MIB_LISTEN_OVERFLOWS] = 10;
	frame.mib.value[WATCH_MIB_LISTEN_OVERFLOWS] = 14;
	frame.interval_s = 2.0;
	frame.sockstat.present = 1;
	frame.sockstat.tw = 9;
	watch_diagnose(&frame);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	watch_listeners_free(&table);
	return 0;
}

static char *render(int (*fn)(FILE *, const struct watch_frame *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	assert_non_null(m);
	assert_int_equal(fn(m, &frame), 0);
	fclose(m);
	return text;
}

static void json_is_one_line_with_every_figure(void **state)
{
	(void)state;
	char *j = render(watch_json_write);
	assert_int_equal(strchr(j, '\n') - j, (long)strlen(j) - 1); /* one line */
	static const char *const parts[] = {
		"{\"time\":1700000000.123,\"interval_s\":2.000,\"netns\":null,",
		"\"watch\":{\"refresh\":3,\"rss_kib\":2048,\"sample_ms\":1.500,\"netlink_bad\":0}",
		"\"sysctl\":{\"net.core.somaxconn\":4096,\"net.ipv4.tcp_syncookies\":1}",
		"\"sockstat\":{\"inuse\":0,\"orphan\":0,\"tw\":9,\"alloc\":0}",
		"\"counters\":{\"TcpExtListenOverflows\":{\"value\":14,\"delta\":4,\"per_s\":2.000},"
		"\"TcpExtSyncookiesSent\":{\"value\":0,\"delta\":0,\"per_s\":0.000}}",
		"\"sockets\":{\"listen\":2,\"syn_recv\":0,\"established\":10},\"port_filter\":null",
		"{\"family\":\"ipv4\",\"addr\":\"0.0.0.0\",\"port\":80,\"accept_queue\":5,"
		"\"accept_queue_limit\":4,\"syn_recv\":0,\"established\":5,\"sharing\":1,"
		"\"defer_accept_s\":0,\"inode\":500,\"uid\":33,\"pid\":4242,\"comm\":\"py\\\"thon\"}",
		"{\"family\":\"ipv6\",\"addr\":\"::1\",\"port\":83,\"accept_queue\":0,"
		"\"accept_queue_limit\":32,\"syn_recv\":0,\"established\":0,\"sharing\":1,"
		"\"defer_accept_s\":null,\"inode\":501,\"uid\":33,\"pid\":null,\"comm\":null}",
		"\"listeners_overflow\":0,\"warnings\":[{\"cause\":\"accept_queue_full\","
		"\"severity\":\"critical\",\"addr\":\"0.0.0.0\",\"port\":80,\"text\":\"accept queue full on :80 (5/4)",
		"\"knob\":\"backlog 4 < somaxconn 4096: raise the listen() backlog, or accept faster\"}",
		"],\"warnings_dropped\":0}\n",
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (strstr(j, parts[i]) == NULL)
			fail_msg("missing %s\nin %s", parts[i], j);
	free(j);
}

static void prom_has_typed_families_and_unique_series(void **state)
{
	(void)state;
	char *p = render(watch_prom_write);
	static const char *const lines[] = {
		"# TYPE synq_listen_queue_length gauge\n",
		"synq_listen_queue_length{family=\"ipv4\",addr=\"0.0.0.0\",port=\"80\",member=\"0\"} 5\n",
		"synq_listen_queue_limit{family=\"ipv6\",addr=\"::1\",port=\"83\",member=\"0\"} 32\n",
		"synq_listen_defer_accept_seconds{family=\"ipv4\",addr=\"0.0.0.0\",port=\"80\",member=\"0\"} 0\n",
		"# TYPE synq_tcpext_listen_overflows_total counter\nsynq_tcpext_listen_overflows_total 14\n",
		"synq_sysctl{name=\"net.core.somaxconn\"} 4096\n",
		"synq_tcp_time_wait_sockets 9\n",
		"synq_warning{cause=\"accept_queue_full\",severity=\"critical\",family=\"ipv4\","
		"addr=\"0.0.0.0\",port=\"80\",member=\"0\"} 1\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (strstr(p, lines[i]) == NULL)
			fail_msg("missing %s\nin %s", lines[i], p);
	/* An unreadable TCP_DEFER_ACCEPT is absent, not 0 or -2. */
	assert_null(strstr(p, "synq_listen_defer_accept_seconds{family=\"ipv6\""));
	/* Every sample line belongs to a family announced just before it. */
	char family[128] = "";
	for (char *line = p, *next; *line; line = next) {
		next = strchr(line, '\n') + 1;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			sscanf(line + 7, "%127s", family);
		} else if (line[0] != '#') {
			assert_int_equal(strncmp(line, family, strlen(family)), 0);
			char c = line[strlen(family)];
			assert_true(c == '{' || c == ' ');
		}
	}
	free(p);
}

static void prom_reuseport_members_are_distinct(void **state)
{
	(void)state;
	add("0.0.0.0", 8083, 1, 4, 0, 0);
	add("0.0.0.0", 8083, 2, 4, 0, 0);
	watch_listeners_finish(&table);
	char *p = render(watch_prom_write);
	assert_non_null(strstr(p, "synq_listen_queue_length{family=\"ipv4\",addr=\"0.0.0.0\",port=\"8083\",member=\"0\"} 1\n"));
	assert_non_null(strstr(p, "synq_listen_queue_length{family=\"ipv4\",addr=\"0.0.0.0\",port=\"8083\",member=\"1\"} 2\n"));
	free(p);
}

static char *render_term(const struct watch_term_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	assert_int_equal(watch_term_write(m, &frame, o), 0);
	fclose(m);
	return text;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void term_view_plain_and_coloured(void **state)
{
	(void)state;
	struct watch_term_opts plain = { .width = 100 };
	char *t = render_term(&plain);
	assert_null(strchr(t, '\033'));
	assert_non_null(strstr(t, "synq watch  "));
	assert_non_null(strstr(t, "ListenOverflows             14 +2.0/s"));
	assert_non_null(strstr(t, "[####################]         5/4 FULL"));
	assert_non_null(strstr(t, "py\"thon/4242"));
	assert_non_null(strstr(t, "[::1]:83"));
	assert_non_null(strstr(t, "!! accept queue full on :80 (5/4)"));
	assert_non_null(strstr(t, "   -> backlog 4 < somaxconn 4096"));
	free(t);

	struct watch_term_opts fancy = { .width = 100, .colour = true, .in_place = true };
	t = render_term(&fancy);
	assert_int_equal(strncmp(t, "\033[H", 3), 0);       /* from the top-left */
	assert_non_null(strstr(t, "\033[K\n"));            /* lines cleared to the end */
	assert_non_null(strstr(t, "!! \033[31maccept queue full on :80"));
	assert_non_null(strstr(t, "\033[J"));               /* rest of screen cleared */
	free(t);
}

static void term_short_screen_keeps_warnings(void **state)
{
	(void)state;
	for (int i = 0; i < 12; i++)
		add("10.0.0.1", (uint16_t)(2000 + i), 0, 128, 0, 0);
	watch_diagnose(&frame);
	struct watch_term_opts o = { .width = 80, .height = 18, .in_place = true };
	char *t = render_term(&o);
	assert_true(count_lines(t) <= 18);
	assert_non_null(strstr(t, "accept queue full on :80"));
	assert_non_null(strstr(t, "more listeners not shown"));
	/* The full queue is listed before the idle ones. */
	assert_true(strstr(t, ":80 ") < strstr(t, "10.0.0.1:2000"));
	/* Wrapped lines fit the width (escape codes aside; none here). */
	for (char *line = t, *next; *line; line = next) {
		next = strchr(line, '\n');
		if (next == NULL)
			break; /* the closing clear-to-end */
		next++;
		char *esc = strstr(line, "\033[K");
		size_t n = (size_t)((esc && esc < next ? esc : next - 1) - line);
		if (n > 80 && strncmp(line, "LISTENER", 8) != 0 && strstr(line, "[") == NULL)
			fail_msg("line of %zu columns: %.*s", n, (int)n, line);
	}
	free(t);
}

static void colour_rule(void **state)
{
	(void)state;
	assert_true(watch_term_want_colour(true, NULL, "xterm"));
	assert_true(watch_term_want_colour(true, "", "xterm")); /* empty NO_COLOR: no effect */
	assert_false(watch_term_want_colour(true, "1", "xterm"));
	assert_false(watch_term_want_colour(false, NULL, "xterm"));
	assert_false(watch_term_want_colour(true, NULL, "dumb"));
}

static void small_formatters(void **state)
{
	(void)state;
	char b[64];
	static const struct {
		double v;
		const char *s;
	} rates[] = { { 0, "0" },     { 0.04, "0" },      { 0.4, "0.4" },      { 37, "37" },
	              { 1234, "1.2k" }, { 12000, "12k" }, { 3.4e6, "3.4M" } };
	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
		watch_rate_format(rates[i].v, b, sizeof b);
		assert_string_equal(b, rates[i].s);
	}
	struct watch_endpoint e = { .family = AF_INET, .port = 80 };
	watch_endpoint_format(&e, b, sizeof b);
	assert_string_equal(b, ":80");
	static const char *const quads[] = { "0.0.0.1", "10.0.0.1", "127.0.0.1", "192.168.100.255",
	                                     "255.255.255.255", "1.20.109.200" };
	for (size_t i = 0; i < sizeof quads / sizeof quads[0]; i++) {
		inet_pton(AF_INET, quads[i], e.addr);
		watch_addr_format(&e, b, sizeof b);
		assert_string_equal(b, quads[i]);
	}
	memset(e.addr, 0, sizeof e.addr);
	e.family = AF_INET6;
	watch_endpoint_format(&e, b, sizeof b);
	assert_string_equal(b, "[::]:80");
	inet_pton(AF_INET6, "2001:db8::1", e.addr);
	watch_endpoint_format(&e, b, sizeof b);
	assert_string_equal(b, "[2001:db8::1]:80");
	assert_string_equal(watch_cause_name(WATCH_CAUSE_SYN_FLOOD), "syn_flood");
	assert_string_equal(watch_severity_name(WATCH_SEV_WARNING), "warning");
}

static void listen_addresses(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	socklen_t len;
	char err[128];
	assert_int_equal(watch_http_parse_addr("127.0.0.1:9100", &ss, &len, err, sizeof err), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9100);
	assert_int_equal(watch_http_parse_addr("[::1]:9100", &ss, &len, err, sizeof err), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(watch_http_parse_addr(":9100", &ss, &len, err, sizeof err), 0);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(INADDR_ANY));
	static const char *const bad[] = { "9100", "127.0.0.1:", "127.0.0.1:0", "host:80",
	                                   "::1:9100", "[::1]9100", "1.2.3.4:70000" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(watch_http_parse_addr(bad[i], &ss, &len, err, sizeof err), -EINVAL);
		assert_non_null(strstr(err, "--listen"));
	}
}

static void http_routes(void **state)
{
	(void)state;
	int head;
#define ROUTE(s) watch_http_route(s, strlen(s), &head)
	assert_int_equal(ROUTE("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), WATCH_HTTP_METRICS);
	assert_int_equal(head, 0);
	assert_int_equal(ROUTE("HEAD /metrics?x=1 HTTP/1.0\n\n"), WATCH_HTTP_METRICS);
	assert_int_equal(head, 1);
	assert_int_equal(ROUTE("GET / HTTP/1.1\r\n\r\n"), WATCH_HTTP_NOT_FOUND);
	assert_int_equal(ROUTE("GET /metricsX HTTP/1.1\r\n\r\n"), WATCH_HTTP_NOT_FOUND);
	assert_int_equal(ROUTE("POST /metrics HTTP/1.1\r\n\r\n"), WATCH_HTTP_METHOD);
	assert_int_equal(ROUTE("GET /metrics HTTP/1.1\r\nHost: x\r\n"), WATCH_HTTP_INCOMPLETE);
	assert_int_equal(ROUTE("GET /metr"), WATCH_HTTP_INCOMPLETE);
	assert_int_equal(ROUTE("hello\r\n\r\n"), WATCH_HTTP_BAD);
	assert_int_equal(ROUTE("GET /metrics FTP/1.0\r\n\r\n"), WATCH_HTTP_BAD);
	char big[5000];
	memset(big, 'a', sizeof big);
	assert_int_equal(watch_http_route(big, sizeof big, &head), WATCH_HTTP_BAD);
#undef ROUTE
}

static void fd_links(void **state)
{
	(void)state;
	uint32_t ino = 0;
	assert_int_equal(watch_defer_parse_link("socket:[12345]", 14, &ino), 0);
	assert_int_equal(ino, 12345);
	assert_int_equal(watch_defer_parse_link("pipe:[12345]", 12, &ino), -EINVAL);
	assert_int_equal(watch_defer_parse_link("socket:[]", 9, &ino), -EINVAL);
	assert_int_equal(watch_defer_parse_link("socket:[1x]", 11, &ino), -EINVAL);
	assert_int_equal(watch_defer_parse_link("socket:[99999999999]", 20, &ino), -EINVAL);
	assert_int_equal(watch_defer_parse_link("socket:[12", 10, &ino), -EINVAL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(json_is_one_line_with_every_figure),
		T(prom_has_typed_families_and_unique_series),
		T(prom_reuseport_members_are_distinct),
		T(term_view_plain_and_coloured),
		T(term_short_screen_keeps_warnings),
		cmocka_unit_test(colour_rule),
		cmocka_unit_test(small_formatters),
		cmocka_unit_test(listen_addresses),
		cmocka_unit_test(http_routes),
		cmocka_unit_test(fd_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
