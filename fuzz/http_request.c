/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the HTTP request-head parser on arbitrary bytes.
 *
 * The first input byte picks a split size; the rest is fed in pieces of
 * that size, the way the server feeds what each read() brings, with the
 * server's own compaction (consumed header lines dropped, the request line
 * kept). Besides "no crash, no over-read" (ASan, UBSan) it checks:
 *   - the result is the same as parsing the whole input at once;
 *   - an error always carries one of the statuses the parser may give;
 *   - offsets of the request line stay inside the bytes seen. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct http_limits limits = { .request_line = 512, .fields = 20,
	                                   .field_size = 256, .body = 1u << 20 };

static bool allowed(unsigned status)
{
	return status == 400 || status == 413 || status == 414 || status == 431 ||
	       status == 501 || status == 505;
}

static enum http_parse_result whole(const uint8_t *d, size_t n, struct http_request *r)
{
	http_request_init(r);
	size_t pos = 0;
	return http_request_parse(r, d, n, &pos, &limits);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	size_t step = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	struct http_request ref;
	enum http_parse_result want = whole(data, size, &ref);
	if (want == HTTP_PARSE_ERROR)
		assert(allowed(ref.status));

	/* incremental, with the server's compaction */
	static uint8_t buf[8192];
	size_t len = 0, pos = 0, fed = 0;
	struct http_request r;
	http_request_init(&r);
	enum http_parse_result got = HTTP_PARSE_NEED_MORE;
	while (fed < size && got == HTTP_PARSE_NEED_MORE) {
		size_t n = size - fed < step ? size - fed : step;
		memcpy(buf + len, data + fed, n);
		len += n;
		fed += n;
		got = http_request_parse(&r, buf, len, &pos, &limits);
		assert(pos <= len);
		if (got != HTTP_PARSE_NEED_MORE)
			break;
		size_t keep = r.stage == 0 ? 0 : r.line_end;
		if (pos > keep) {
			memmove(buf + keep, buf + pos, len - pos);
			len -= pos - keep;
			pos = keep;
			if (r.stage == 0)
				r.line_start = 0;
		}
		assert(len < sizeof buf - 64);
	}
	if (r.stage >= 1) {
		assert((size_t)r.line_start + r.line_len <= len);
		assert((size_t)r.target_off + r.target_len <= (size_t)r.line_start + r.line_len);
	}
	/* Feeding in pieces may stop at the first complete head, as the
	 * whole parse does; the outcome and the status must agree. */
	assert(got == want);
	if (got == HTTP_PARSE_ERROR)
		assert(r.status == ref.status);
	if (got == HTTP_PARSE_DONE) {
		assert(r.method == ref.method && r.content_length == ref.content_length);
		assert(r.conn_close == ref.conn_close && r.has_host == ref.has_host);
	}
	return 0;
}
