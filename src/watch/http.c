/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* accept4() */
#include "watch/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MAX_BYTES 4096

int watch_http_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
                          char *err, size_t cap)
{
	char host[128];
	const char *port_text;
	memset(ss, 0, sizeof *ss);
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host) {
			snprintf(err, cap, "--listen '%s': want [IPV6]:PORT", text);
			return -EINVAL;
		}
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		port_text = close + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (colon == NULL || (size_t)(colon - text) >= sizeof host ||
		    memchr(text, ':', (size_t)(colon - text))) {
			snprintf(err, cap, "--listen '%s': want ADDR:PORT, [IPV6]:PORT or :PORT",
			         text);
			return -EINVAL;
		}
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
		port_text = colon + 1;
	}
	char *end;
	errno = 0;
	long port = strtol(port_text, &end, 10);
	if (errno || end == port_text || *end != '\0' || port < 1 || port > 65535) {
		snprintf(err, cap, "--listen '%s': port must be 1..65535", text);
		return -EINVAL;
	}
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (host[0] == '\0') {
		v4->sin_family = AF_INET;
		v4->sin_addr.s_addr = htonl(INADDR_ANY);
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof *v4;
	} else if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof *v6;
	} else {
		snprintf(err, cap, "--listen '%s': '%s' is not an IP address", text, host);
		return -EINVAL;
	}
	return 0;
}

enum watch_http_route watch_http_route(const char *req, size_t len, int *head)
{
	*head = 0;
	const char *eol = memchr(req, '\n', len);
	if (eol == NULL)
		return len >= REQUEST_MAX_BYTES ? WATCH_HTTP_BAD : WATCH_HTTP_INCOMPLETE;
	/* Request line: METHOD SP TARGET SP HTTP/x.y */
	const char *sp1 = memchr(req, ' ', (size_t)(eol - req));
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (sp1 == NULL || sp2 == NULL || (size_t)(eol - sp2 - 1) < 8 ||
	    memcmp(sp2 + 1, "HTTP/", 5) != 0)
		return WATCH_HTTP_BAD;
	/* Headers end with an empty line. */
	int ended = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (req[i] == '\n' && (req[i + 1] == '\n' ||
		                       (req[i + 1] == '\r' && i + 2 < len && req[i + 2] == '\n'))) {
			ended = 1;
			break;
		}
	}
	if (!ended)
		return len >= REQUEST_MAX_BYTES ? WATCH_HTTP_BAD : WATCH_HTTP_INCOMPLETE;
	size_t mlen = (size_t)(sp1 - req);
	int get = mlen == 3 && memcmp(req, "GET", 3) == 0;
	*head = mlen == 4 && memcmp(req, "HEAD", 4) == 0;
	if (!get && !*head)
		return WATCH_HTTP_METHOD;
	size_t tlen = (size_t)(sp2 - sp1 - 1);
	const char *target = sp1 + 1;
	const char *q = memchr(target, '?', tlen);
	if (q)
		tlen = (size_t)(q - target);
	if (tlen == 8 && memcmp(target, "/metrics", 8) == 0)
		return WATCH_HTTP_METRICS;
	return WATCH_HTTP_NOT_FOUND;
}

int watch_http_listen(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready (events) until the deadline. 1 ready, 0 timed out. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return 0;
	}
}

static void send_all(int fd, const char *p, size_t n, int64_t deadline)
{
	while (n > 0 && wait_fd(fd, POLLOUT, deadline)) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void reply(int fd, int status, const char *reason, const char *type, const char *body,
                  size_t len, int head, int64_t deadline)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof hdr,
	                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n",
	                 status, reason, type, len);
	send_all(fd, hdr, (size_t)n, deadline);
	if (!head && len)
		send_all(fd, body, len, deadline);
}

int watch_http_serve_one(int lfd, int deadline_ms, watch_http_body_fn body, void *ctx)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? 0 : -errno;
	int64_t deadline = now_ms() + deadline_ms;
	char req[REQUEST_MAX_BYTES];
	size_t used = 0;
	int head = 0;
	enum watch_http_route route = WATCH_HTTP_INCOMPLETE;
	while (route == WATCH_HTTP_INCOMPLETE && wait_fd(fd, POLLIN, deadline)) {
		ssize_t n = recv(fd, req + used, sizeof req - used, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		route = watch_http_route(req, used, &head);
	}
	static const char text[] = "text/plain; charset=utf-8";
	switch (route) {
	case WATCH_HTTP_METRICS: {
		char *b = NULL;
		size_t len = 0;
		if (body(ctx, &b, &len) == 0)
			reply(fd, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b, len, head,
			      deadline);
		else
			reply(fd, 500, "Internal Server Error", text, "sample failed\n", 14, head,
			      deadline);
		free(b);
		break;
	}
	case WATCH_HTTP_NOT_FOUND:
		reply(fd, 404, "Not Found", text, "try /metrics\n", 13, head, deadline);
		break;
	case WATCH_HTTP_METHOD:
		reply(fd, 405, "Method Not Allowed", text, "GET /metrics\n", 13, 0, deadline);
		break;
	case WATCH_HTTP_BAD:
		reply(fd, 400, "Bad Request", text, "bad request\n", 12, 0, deadline);
		break;
	case WATCH_HTTP_INCOMPLETE:
		break; /* deadline passed or the client left: just close */
	}
	close(fd);
	return 0;
}
