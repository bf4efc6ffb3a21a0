/* SPDX-License-Identifier: BSD-2-Clause */
/* The request-head parser: every error status it gives and why, limits at
 * their exact edges, and incremental feeding (one byte at a time gives
 * the same result as all at once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/http_parse.h"

static const struct http_limits limits = { .request_line = 8190, .fields = 100,
	                                   .field_size = 8190, .body = 1u << 30 };

/* Parse s whole; returns the result, status in *status. */
static enum http_parse_result parse_all(const char *s, size_t len, struct http_request *r)
{
	http_request_init(r);
	size_t pos = 0;
	return http_request_parse(r, (const uint8_t *)s, len, &pos, &limits);
}

static unsigned status_of(const char *s)
{
	struct http_request r;
	enum http_parse_result res = parse_all(s, strlen(s), &r);
	if (res == HTTP_PARSE_DONE)
		return 200;
	if (res == HTTP_PARSE_NEED_MORE)
		return 0;
	return r.status;
}

static void test_good_request(void **state)
{
	(void)state;
	struct http_request r;
	const char *s = "\r\nGET /bytes/10?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8\r\n"
	                "Connection: keep-alive, Upgrade\r\nContent-Length: 0\r\n\r\nNEXT";
	assert_int_equal(parse_all(s, strlen(s), &r), HTTP_PARSE_DONE);
	assert_int_equal(r.method, HTTP_METHOD_GET);
	assert_int_equal(r.version_major, 1);
	assert_int_equal(r.version_minor, 1);
	assert_int_equal(r.line_start, 2);
	assert_memory_equal(s + r.target_off, "/bytes/10?x=1", r.target_len);
	assert_int_equal(r.target_len, 13);
	assert_true(r.has_host);
	assert_true(r.conn_keep_alive);
	assert_false(r.conn_close);
	assert_string_equal(r.user_agent, "curl/8");
	assert_true(r.has_content_length);
	assert_int_equal(r.content_length, 0);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct { const char *req; unsigned status; } cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200 },
		{ "GET / HTTP/1.0\r\n\r\n", 200 },                    /* no Host needed */
		{ "GET / HTTP/1.1\r\n\r\n", 400 },                    /* Host missing */
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET /\r\n\r\n", 400 },                             /* HTTP/0.9 */
		{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },       /* two spaces */
		{ "GET / http/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400 },      /* not origin-form */
		{ "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },        /* not a token */
		{ "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400 },         /* no colon */
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },       /* space before colon */
		{ "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400 },     /* bare CR */
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", 400 },
		{ "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400 },
		{ "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400 },
		{ "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1073741825\r\n\r\n", 413 },
		{ "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413 },
		{ "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
		{ "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		  400 },
		{ "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501 },
		{ "DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", 501 },
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
		{ "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505 },
		{ "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.0\r\n\r\n", 400 },
		{ "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.0\r\n\r\n", 200 },
		{ "GET / HTTP/1.1\nHost: a\n\n", 200 },              /* bare LF */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned got = status_of(cases[i].req);
		if (got != cases[i].status)
			fail_msg("case %zu: got %u, want %u", i, got, cases[i].status);
	}
}

static char *repeat(const char *head, char ch, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);
	memcpy(s, head, hl);
	memset(s + hl, ch, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

static void test_limits_at_edges(void **state)
{
	(void)state;
	/* request line of exactly 8190 bytes passes, 8191 is 414 */
	size_t fixed = strlen("GET /") + strlen(" HTTP/1.0");
	char *ok = repeat("GET /", 'a', 8190 - fixed, " HTTP/1.0\r\n\r\n");
	char *long1 = repeat("GET /", 'a', 8191 - fixed, " HTTP/1.0\r\n\r\n");
	assert_int_equal(status_of(ok), 200);
	assert_int_equal(status_of(long1), 414);
	/* no line end at all: refused as soon as it exceeds the limit */
	char *endless = repeat("GET /", 'a', 9000, "");
	assert_int_equal(status_of(endless), 414);
	free(ok);
	free(long1);
	free(endless);
	/* a field of 8190 bytes passes, 8191 is 431 */
	char *f_ok = repeat("GET / HTTP/1.0\r\nX: ", 'b', 8190 - 3, "\r\n\r\n");
	char *f_long = repeat("GET / HTTP/1.0\r\nX: ", 'b', 8191 - 3, "\r\n\r\n");
	assert_int_equal(status_of(f_ok), 200);
	assert_int_equal(status_of(f_long), 431);
	free(f_ok);
	free(f_long);
	/* 100 fields pass, 101 are 431 */
	char buf[4096];
	for (int nf = 100; nf <= 101; nf++) {
		size_t n = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.0\r\n");
		for (int i = 0; i < nf; i++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "X%d: y\r\n", i);
		snprintf(buf + n, sizeof buf - n, "\r\n");
		assert_int_equal(status_of(buf), nf == 100 ? 200u : 431u);
	}
}

static void test_incremental(void **state)
{
	(void)state;
	const char *s = "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n"
	                "Expect: 100-continue\r\nConnection: close\r\n\r\n";
	size_t len = strlen(s);
	struct http_request r;
	http_request_init(&r);
	size_t pos = 0;
	enum http_parse_result res = HTTP_PARSE_NEED_MORE;
	for (size_t have = 1; have <= len; have++) {
		res = http_request_parse(&r, (const uint8_t *)s, have, &pos, &limits);
		if (have < len)
			assert_int_equal(res, HTTP_PARSE_NEED_MORE);
	}
	assert_int_equal(res, HTTP_PARSE_DONE);
	assert_int_equal(pos, len);
	assert_int_equal(r.method, HTTP_METHOD_POST);
	assert_int_equal(r.content_length, 42);
	assert_true(r.expect_continue);
	assert_true(r.conn_close);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_request),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits_at_edges),
		cmocka_unit_test(test_incremental),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
