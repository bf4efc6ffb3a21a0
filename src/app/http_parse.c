/* SPDX-License-Identifier: BSD-2-Clause */
/* The request-head parser (see http_parse.h for the contract).
 *
 * One complete line at a time: find the LF, strip one CR before it, then
 * judge the line as a request line (stage 0) or a header field (stage 1).
 * A line with no control bytes but TABs and its CRLF (nearly every line)
 * is found and vouched for by one scan; anything else takes the careful
 * path (the LF, then a bare CR, then each value byte), which gives the
 * same answers.
 * Limits are checked before a line is complete as well, so a client that
 * never sends LF is refused as soon as it passes the limit rather than
 * when the buffer fills: Apache's ap_rgetline() stops reading at the limit
 * in the same way (read_request_line() answers 414, ap_get_mime_headers()
 * 400 for the field, for which we use 431). */
#include <string.h>

#include "app/http_parse.h"

#define BLANK_LINES_MAX 10     /* Apache's DEFAULT_LIMIT_BLANK_LINES */
#define CONTENT_LENGTH_MAX (UINT64_C(1) << 62)

void http_request_init(struct http_request *req)
{
	memset(req, 0, offsetof(struct http_request, user_agent));
	req->user_agent[0] = '\0';
	req->referer[0] = '\0';
}

/* RFC 9110 5.6.2 tchar: DIGIT, ALPHA and "!#$%&'*+-.^_`|~", one byte per
 * byte value (a byte load is cheaper than picking a bit). */
static const uint8_t tchar_table[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1, ['0'] = 1,
	['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
	['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
	['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
	['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
	['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static bool is_tchar(uint8_t c)
{
	return tchar_table[c];
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

static bool equal_ci(const uint8_t *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lower(a[i]) != (uint8_t)b[i])
			return false;
	return true;
}

/* equal_ci() for a field name, whose bytes are all tchars: for those,
 * setting the 0x20 bit turns upper-case letters into lower case and leaves
 * every other tchar as it is, and only a control byte (never a tchar)
 * would turn into '-'. name: lower-case letters and '-'. Compared a word
 * at a time (two overlapping words cover any length from 4 to 16; the
 * name is a constant, so its words are too); the same answer as byte by
 * byte, since the 0x20 bit is set in every byte alike. */
static inline bool name_is(const uint8_t *a, size_t alen, const char *name)
{
	size_t n = strlen(name);
	if (alen != n)
		return false;
	if (n >= 8 && n <= 16) {
		uint64_t x, y, p, q;
		memcpy(&x, a, 8);
		memcpy(&y, a + n - 8, 8);
		memcpy(&p, name, 8);
		memcpy(&q, name + n - 8, 8);
		return ((x | 0x2020202020202020u) == p) & ((y | 0x2020202020202020u) == q);
	}
	if (n >= 4 && n < 8) {
		uint32_t x, y, p, q;
		memcpy(&x, a, 4);
		memcpy(&y, a + n - 4, 4);
		memcpy(&p, name, 4);
		memcpy(&q, name + n - 4, 4);
		return ((x | 0x20202020u) == p) & ((y | 0x20202020u) == q);
	}
	for (size_t i = 0; i < n; i++)
		if ((a[i] | 0x20) != (uint8_t)name[i])
			return false;
	return true;
}

/* The fields the parser acts on. */
enum field_name {
	F_OTHER, F_CONTENT_LENGTH, F_CONNECTION, F_HOST, F_TRANSFER_ENCODING, F_EXPECT,
	F_USER_AGENT, F_REFERER,
};

/* name followed by the colon at the start of line l (len bytes)? Then its
 * bytes are all tchars (name_is() above: a CR, the one control byte that
 * could pass for '-', never reaches here), so the name needs no scan. */
static inline bool starts_with_name(const uint8_t *l, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && l[n] == ':' && name_is(l, n, name);
}

/* f if its name (a constant: starts_with_name() then folds) starts line l,
 * its length in *name_len; F_OTHER otherwise. */
static inline enum field_name match(const uint8_t *l, size_t len, enum field_name f,
                                    const char *name, size_t *name_len)
{
	if (!starts_with_name(l, len, name))
		return F_OTHER;
	*name_len = strlen(name);
	return f;
}

/* Which of the fields we act on starts line l, its name length in *name_len;
 * F_OTHER (and *name_len untouched) for any other line. A line this does not
 * recognise names none of them: for one that does, the scan for the colon
 * would stop at the same place and the name compare alike. */
static enum field_name known_field(const uint8_t *l, size_t len, size_t *name_len)
{
	switch (l[0] | 0x20) {
	case 'c': {
		enum field_name f = match(l, len, F_CONTENT_LENGTH, "content-length", name_len);
		return f != F_OTHER ? f : match(l, len, F_CONNECTION, "connection", name_len);
	}
	case 'h':
		return match(l, len, F_HOST, "host", name_len);
	case 't':
		return match(l, len, F_TRANSFER_ENCODING, "transfer-encoding", name_len);
	case 'e':
		return match(l, len, F_EXPECT, "expect", name_len);
	case 'u':
		return match(l, len, F_USER_AGENT, "user-agent", name_len);
	case 'r':
		return match(l, len, F_REFERER, "referer", name_len);
	default:
		return F_OTHER;
	}
}

static enum http_parse_result fail(struct http_request *req, uint16_t status)
{
	req->status = status;
	return HTTP_PARSE_ERROR;
}

static enum http_method method_of(const uint8_t *m, size_t len)
{
	if (len == 3 && !memcmp(m, "GET", 3))
		return HTTP_METHOD_GET;
	if (len == 4 && !memcmp(m, "HEAD", 4))
		return HTTP_METHOD_HEAD;
	if (len == 4 && !memcmp(m, "POST", 4))
		return HTTP_METHOD_POST;
	if (len == 3 && !memcmp(m, "PUT", 3))
		return HTTP_METHOD_PUT;
	return HTTP_METHOD_OTHER;
}

/* method SP request-target SP HTTP-version (RFC 9112 3). */
static enum http_parse_result parse_request_line(struct http_request *req, const uint8_t *buf,
                                                 size_t start, size_t len)
{
	const uint8_t *l = buf + start;
	size_t i = 0;
	if (len > 4 && !memcmp(l, "GET ", 4)) {
		i = 3;   /* what the scan below finds for it, at once */
	} else {
		while (i < len && is_tchar(l[i]))
			i++;
		if (i == 0 || i >= len || l[i] != ' ')
			return fail(req, 400);
	}
	size_t method_len = i;
	size_t t = ++i;
	while (i < len && l[i] > 0x20 && l[i] < 0x7f)
		i++;
	size_t target_len = i - t;
	if (target_len == 0)
		return fail(req, 400);
	if (i == len)
		return fail(req, 400);   /* HTTP/0.9 "GET /": refused as Apache's Strict does */
	if (l[i] != ' ')
		return fail(req, 400);
	i++;
	const uint8_t *v = l + i;
	size_t vlen = len - i;
	if (vlen != 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return fail(req, 400);
	uint8_t target0 = l[t];
	bool absolute = target_len > 7 && (lower(l[t]) == 'h');
	if (target0 != '/' && target0 != '*' && !absolute)
		return fail(req, 400);
	req->method = (uint8_t)method_of(l, method_len);
	req->target_off = (uint32_t)(start + t);
	req->target_len = (uint32_t)target_len;
	req->version_major = (uint8_t)(v[5] - '0');
	req->version_minor = (uint8_t)(v[7] - '0');
	if (req->version_major != 1)
		return fail(req, 505);
	return HTTP_PARSE_NEED_MORE;
}

static void copy_log_field(char *dst, uint8_t *dst_len, const uint8_t *v, size_t vlen)
{
	size_t n = vlen < HTTP_LOG_FIELD_MAX - 1 ? vlen : HTTP_LOG_FIELD_MAX - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	*dst_len = (uint8_t)n;
}

static enum http_parse_result parse_content_length(struct http_request *req, const uint8_t *v,
                                                   size_t vlen, const struct http_limits *lim)
{
	if (vlen == 0)
		return fail(req, 400);
	uint64_t n = 0;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return fail(req, 400);
		if (n > CONTENT_LENGTH_MAX / 10)
			return fail(req, 413);
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (req->has_content_length && req->content_length != n)
		return fail(req, 400);
	if (n > CONTENT_LENGTH_MAX || (lim->body && n > lim->body))
		return fail(req, 413);
	req->has_content_length = true;
	req->content_length = n;
	return HTTP_PARSE_NEED_MORE;
}

/* Connection: a comma list of tokens; we look for close and keep-alive. */
static void parse_connection(struct http_request *req, const uint8_t *v, size_t vlen)
{
	size_t i = 0;
	while (i < vlen) {
		while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < vlen && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (equal_ci(v + s, i - s, "close"))
			req->conn_close = true;
		else if (equal_ci(v + s, i - s, "keep-alive"))
			req->conn_keep_alive = true;
	}
}

static enum http_parse_result end_of_head(struct http_request *req)
{
	if (req->has_transfer_encoding)
		return fail(req, req->has_content_length ? 400 : 501);
	if (req->version_minor >= 1 && !req->has_host)
		return fail(req, 400);
	if (req->method == HTTP_METHOD_OTHER)
		return fail(req, 501);
	req->stage = 2;
	return HTTP_PARSE_DONE;
}

/* field-name ":" OWS field-value OWS (RFC 9112 5). */
static enum http_parse_result parse_field(struct http_request *req, const uint8_t *l, size_t len,
                                          bool clean, const struct http_limits *lim)
{
	if (len == 0)
		return end_of_head(req);
	if (l[0] == ' ' || l[0] == '\t')
		return fail(req, 400);   /* obs-fold */
	if (++req->fields > lim->fields)
		return fail(req, 431);
	size_t name_len;
	enum field_name f = known_field(l, len, &name_len);
	if (f == F_OTHER) {
		size_t i = 0;
		while (i < len && is_tchar(l[i]))
			i++;
		if (i == 0 || i == len || l[i] != ':')
			return fail(req, 400);   /* no name, no colon, or space before it */
		name_len = i;
	}
	size_t i = name_len + 1;
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	size_t e = len;
	while (e > i && (l[e - 1] == ' ' || l[e - 1] == '\t'))
		e--;
	const uint8_t *v = l + i;
	size_t vlen = e - i;
	for (size_t k = 0; !clean && k < vlen; k++)
		if ((v[k] < 0x20 && v[k] != '\t') || v[k] == 0x7f)
			return fail(req, 400);
	switch (f) {
	case F_CONTENT_LENGTH:
		return parse_content_length(req, v, vlen, lim);
	case F_CONNECTION:
		parse_connection(req, v, vlen);
		break;
	case F_HOST:
		if (req->has_host)
			return fail(req, 400);
		req->has_host = true;
		break;
	case F_TRANSFER_ENCODING:
		req->has_transfer_encoding = true;
		break;
	case F_EXPECT:
		if (equal_ci(v, vlen, "100-continue"))
			req->expect_continue = true;
		break;
	case F_USER_AGENT:
		copy_log_field(req->user_agent, &req->user_agent_len, v, vlen);
		break;
	case F_REFERER:
		copy_log_field(req->referer, &req->referer_len, v, vlen);
		break;
	case F_OTHER:
		break;
	}
	return HTTP_PARSE_NEED_MORE;
}

/* The first control byte (below 0x20, TAB included) or DEL in p[i, len),
 * or len. Eight bytes at a time: in a well-formed line the first one is
 * the CR of its CRLF, so one pass finds the line's end and shows that
 * nothing in it needs a closer look. (Each test below is nonzero exactly
 * when some byte of w is below 0x20, or equal to 0x7f.) */
static size_t find_control(const uint8_t *p, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, sizeof w);
		uint64_t del = w ^ (0x7f * ones);
		uint64_t found = ((w - 0x20 * ones) & ~w & high) | ((del - ones) & ~del & high);
		if (found) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* the lowest flagged byte is exact (a borrow only
			 * flags bytes above a true one), and it comes first */
			return i + (size_t)__builtin_ctzll(found) / 8;
#else
			break;
#endif
		}
	}
	while (i < len && p[i] >= 0x20 && p[i] != 0x7f)
		i++;
	return i;
}

/* The end of the line starting at start when it is clean: its LF is in
 * buf and nothing before its line end is a control byte but TABs. Returns
 * false for anything else (no LF yet, a bare CR, another control byte),
 * which the careful path judges. */
static bool clean_line_end(const uint8_t *buf, size_t start, size_t len, size_t *lf)
{
	size_t i = start;
	for (;;) {
		i = find_control(buf, i, len);
		if (i == len)
			return false;
		if (buf[i] == '\t') {
			i++;
			continue;
		}
		if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
			i++;
		else if (buf[i] != '\n')
			return false;
		*lf = i;
		return true;
	}
}

enum http_parse_result http_request_parse(struct http_request *req, const uint8_t *buf,
                                          size_t len, size_t *pos,
                                          const struct http_limits *lim)
{
	if (req->stage == 2)
		return HTTP_PARSE_DONE;
	while (*pos < len) {
		size_t start = *pos;
		size_t limit = req->stage == 0 ? lim->request_line : lim->field_size;
		size_t end;
		bool clean = clean_line_end(buf, start, len, &end);
		if (!clean) {
			const uint8_t *lf = memchr(buf + start, '\n', len - start);
			if (lf == NULL) {
				/* Incomplete: refuse once it cannot fit any more (+1
				 * for a CR still to be followed by LF). */
				if (len - start > (size_t)limit + 1)
					return fail(req, req->stage == 0 ? 414 : 431);
				return HTTP_PARSE_NEED_MORE;
			}
			end = (size_t)(lf - buf);
		}
		size_t line_len = end - start;
		if (line_len > 0 && buf[end - 1] == '\r')
			line_len--;
		if (line_len > limit)
			return fail(req, req->stage == 0 ? 414 : 431);
		if (!clean && memchr(buf + start, '\r', line_len) != NULL)
			return fail(req, 400);   /* a bare CR inside a line */
		*pos = end + 1;
		enum http_parse_result r;
		if (req->stage == 0) {
			if (line_len == 0) {
				if (++req->blank_lines > BLANK_LINES_MAX)
					return fail(req, 400);
				continue;
			}
			req->line_start = (uint32_t)start;
			req->line_len = (uint32_t)line_len;
			req->line_end = (uint32_t)(end + 1);
			r = parse_request_line(req, buf, start, line_len);
			if (r == HTTP_PARSE_ERROR)
				return r;
			req->stage = 1;
		} else {
			r = parse_field(req, buf + start, line_len, clean, lim);
			if (r != HTTP_PARSE_NEED_MORE)
				return r;
		}
	}
	return HTTP_PARSE_NEED_MORE;
}

const char *http_method_name(enum http_method m)
{
	switch (m) {
	case HTTP_METHOD_GET: return "GET";
	case HTTP_METHOD_HEAD: return "HEAD";
	case HTTP_METHOD_POST: return "POST";
	case HTTP_METHOD_PUT: return "PUT";
	case HTTP_METHOD_OTHER: return "OTHER";
	case HTTP_METHOD_NONE: break;
	}
	return "-";
}

const char *http_status_reason(unsigned status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
