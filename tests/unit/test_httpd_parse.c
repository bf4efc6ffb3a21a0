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

/* Fed one byte at a time: lines are judged as they complete. */
static void parse_bytewise(const char *s, size_t len, struct http_request *r,
                           enum http_parse_result *res)
{
	memset(r, 0, sizeof *r);
	http_request_init(r);
	size_t pos = 0;
	*res = HTTP_PARSE_NEED_MORE;
	for (size_t have = 1; have <= len && *res == HTTP_PARSE_NEED_MORE; have++)
		*res = http_request_parse(r, (const uint8_t *)s, have, &pos, &limits);
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
		{ "GET \r\n\r\n", 400 },                             /* no target */
		{ "GET  HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GETS / HTTP/1.1\r\nHost: a\r\n\r\n", 501 },
		{ "get / HTTP/1.1\r\nHost: a\r\n\r\n", 501 },      /* methods are case-sensitive */
		{ "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 200 },
		{ "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 200 },
		{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned got = status_of(cases[i].req);
		if (got != cases[i].status)
			fail_msg("case %zu: got %u, want %u", i, got, cases[i].status);
		struct http_request whole, bytewise;
		memset(&whole, 0, sizeof whole);
		size_t len = strlen(cases[i].req);
		enum http_parse_result res = parse_all(cases[i].req, len, &whole), res2;
		parse_bytewise(cases[i].req, len, &bytewise, &res2);
		if (res != res2 || memcmp(&whole, &bytewise, sizeof whole))
			fail_msg("case %zu: whole and byte by byte differ", i);
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

/* The fields the parser acts on are recognised by their names in any case
 * and only with the colon right after them; a near miss is another field.
 * Each request is parsed whole and one byte at a time (which judges lines
 * as they complete, some on the careful path): the same result, status
 * and every field of the request. */
static void test_field_names(void **state)
{
	(void)state;
	static const struct {
		const char *fields;   /* after "PUT / HTTP/1.1\r\n" */
		unsigned status;
		int host, cl, te, close, ka, expect, ua_len, ref_len;
	} cases[] = {
		{ "Host: a\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "HOST: a\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "hOsT:a\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host:\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Hostx: a\r\n\r\n", 400, 0, 0, 0, 0, 0, 0, 0, 0 },   /* no Host */
		{ "Hos: a\r\n\r\n", 400, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "X-Host: a\r\n\r\n", 400, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host : a\r\n\r\n", 400, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host\t: a\r\n\r\n", 400, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "Ho\x01t: a\r\n\r\n", 400, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nhost: b\r\n\r\n", 400, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nCONTENT-LENGTH: 7\r\n\r\n", 200, 1, 7, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nContent-Length:\t 7 \t\r\n\r\n", 200, 1, 7, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nContent-Lengthy: x\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nContent-Lengt: x\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nContent_Length: x\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nContent-Length: \r\n\r\n", 400, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nConnection: Close, KEEP-ALIVE\r\n\r\n", 200, 1, 0, 0, 1, 1, 0, 0, 0 },
		{ "Host: a\r\nconnectioN:close\r\n\r\n", 200, 1, 0, 0, 1, 0, 0, 0, 0 },
		{ "Host: a\r\nConnections: close\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nTransfer-Encoding: x\r\n\r\n", 501, 1, 0, 1, 0, 0, 0, 0, 0 },
		{ "Host: a\r\ntransfer-encodinG: x\r\n\r\n", 501, 1, 0, 1, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nTransfer-Encodin: x\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nExpect: 100-CONTINUE\r\n\r\n", 200, 1, 0, 0, 0, 0, 1, 0, 0 },
		{ "Host: a\r\nExpect: 100-continued\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nExpects: 100-continue\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nUser-Agent: x/1 (y)\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 7, 0 },
		{ "Host: a\r\nUSER-AGENT:\t\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nUser-Agen: x\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nUser-Agent: "
		  "0123456789012345678901234567890123456789012345678901234567890123456789\r\n\r\n",
		  200, 1, 0, 0, 0, 0, 0, 63, 0 },
		{ "Host: a\r\nReferer: http://r/\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 9 },
		{ "Host: a\r\nReferrer: http://r/\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nReferer: a\x7f\r\n\r\n", 400, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nUser-Agent: a\rb\r\n\r\n", 400, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\nUser-Agent: b\n\n", 200, 1, 0, 0, 0, 0, 0, 1, 0 },
		{ "Host: a\r\n1: b\r\n!#$%&'*+-.^_`|~: c\r\n\r\n", 200, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\n: b\r\n\r\n", 400, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nc\r\n\r\n", 400, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nC\r\n\r\n", 400, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "Host: a\r\nHost\r\n\r\n", 400, 1, 0, 0, 0, 0, 0, 0, 0 },
	};
	char buf[512];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int n = snprintf(buf, sizeof buf, "PUT / HTTP/1.1\r\n%s", cases[i].fields);
		assert_true(n > 0 && (size_t)n < sizeof buf);
		struct http_request whole, bytewise;
		memset(&whole, 0, sizeof whole);
		enum http_parse_result res = parse_all(buf, (size_t)n, &whole), res2;
		parse_bytewise(buf, (size_t)n, &bytewise, &res2);
		unsigned got = res == HTTP_PARSE_DONE ? 200 : res == HTTP_PARSE_ERROR ? whole.status : 0;
		if (got != cases[i].status)
			fail_msg("case %zu: got %u, want %u", i, got, cases[i].status);
		if (res != res2 || memcmp(&whole, &bytewise, sizeof whole))
			fail_msg("case %zu: whole and byte by byte differ", i);
		if (whole.has_host != cases[i].host ||
		    whole.content_length != (uint64_t)cases[i].cl ||
		    whole.has_content_length != (cases[i].cl != 0) ||
		    whole.has_transfer_encoding != cases[i].te || whole.conn_close != cases[i].close ||
		    whole.conn_keep_alive != cases[i].ka || whole.expect_continue != cases[i].expect ||
		    whole.user_agent_len != cases[i].ua_len || whole.referer_len != cases[i].ref_len)
			fail_msg("case %zu: fields differ", i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_request),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits_at_edges),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_field_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
