/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_APP_HTTP_PARSE_H
#define SYNQ_APP_HTTP_PARSE_H

/* A strict, incremental HTTP/1.x request-head parser.
 *
 * Why our own. Debian packages nodejs's http-parser (libhttp-parser-dev),
 * which is archived upstream and does not enforce Apache's limits
 * (LimitRequestLine, LimitRequestFields, LimitRequestFieldSize) or say
 * which of 400/414/431/501/505 a bad head deserves; llhttp is not packaged.
 * A request head is a line protocol, and a line-at-a-time parser that
 * keeps no pointer into the caller's buffer beyond the request line is
 * small enough to read in one sitting and to fuzz exhaustively.
 *
 * Framing. The head is a request line, header lines, and an empty line,
 * each ending in CRLF (a bare LF is accepted, as Apache does). Up to ten
 * empty lines before the request line are skipped (RFC 9112 2.2; Apache's
 * DEFAULT_LIMIT_BLANK_LINES). Obsolete line folding is refused (400), as
 * Apache's HttpProtocolOptions Strict does.
 *
 * Use. The caller keeps the bytes of the head in one buffer starting with
 * the request line and calls http_request_parse() whenever more arrive,
 * with *pos where parsing stopped last time (0 at first). Each complete
 * line is consumed: *pos moves past it. Once the request line is parsed
 * (req->line_end != 0) the caller may drop header lines it has consumed
 * (bytes line_end..*pos) and move the rest down; the parser keeps only
 * offsets into the request line. Results:
 *   HTTP_PARSE_NEED_MORE  every complete line is consumed; read more
 *   HTTP_PARSE_DONE       the empty line ending the head is consumed
 *   HTTP_PARSE_ERROR      req->status holds the response status
 *
 * Errors and their statuses (Apache 2.4's, except where noted):
 *   400  malformed request line, header line, Content-Length or Host
 *        missing on HTTP/1.1; obs-fold; CL with Transfer-Encoding
 *   413  Content-Length above LimitRequestBody
 *   414  request line longer than LimitRequestLine
 *   431  a header line longer than LimitRequestFieldSize, or more than
 *        LimitRequestFields of them (RFC 6585; Apache answers 400 here)
 *   501  a method this server does not implement; Transfer-Encoding
 *   505  an HTTP major version other than 1 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_parse_result {
	HTTP_PARSE_NEED_MORE = 0,
	HTTP_PARSE_DONE = 1,
	HTTP_PARSE_ERROR = 2,
};

enum http_method {
	HTTP_METHOD_NONE = 0,
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_POST,
	HTTP_METHOD_PUT,
	HTTP_METHOD_OTHER,    /* a valid token we do not implement: 501 */
};

struct http_limits {
	uint32_t request_line;      /* LimitRequestLine */
	uint32_t fields;            /* LimitRequestFields */
	uint32_t field_size;        /* LimitRequestFieldSize */
	uint64_t body;              /* LimitRequestBody, 0: none */
};

#define HTTP_LOG_FIELD_MAX 64  /* bytes of User-Agent/Referer kept for the log */

struct http_request {
	/* Parse state. */
	uint8_t stage;              /* 0 request line, 1 header lines, 2 done */
	uint8_t blank_lines;
	uint16_t fields;
	uint16_t status;            /* on HTTP_PARSE_ERROR */
	/* The request line: offsets from the start of the caller's buffer. */
	uint32_t line_start;        /* after skipped empty lines */
	uint32_t line_len;          /* without its line end */
	uint32_t line_end;          /* after its line end: header lines start */
	uint32_t target_off;
	uint32_t target_len;
	uint8_t method;             /* enum http_method */
	uint8_t version_major;
	uint8_t version_minor;
	/* What the headers said. */
	bool has_host;
	bool has_content_length;
	bool has_transfer_encoding;
	bool conn_close;
	bool conn_keep_alive;
	bool expect_continue;
	uint64_t content_length;
	uint8_t user_agent_len;
	uint8_t referer_len;
	char user_agent[HTTP_LOG_FIELD_MAX];
	char referer[HTTP_LOG_FIELD_MAX];
};

void http_request_init(struct http_request *req);

/* Parse the complete lines of buf[*pos, len). See the essay above. */
enum http_parse_result http_request_parse(struct http_request *req, const uint8_t *buf,
                                          size_t len, size_t *pos,
                                          const struct http_limits *lim);

const char *http_method_name(enum http_method m);
/* "OK", "Not Found", ... for the statuses this server sends. */
const char *http_status_reason(unsigned status);

#endif
