/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_HTTP_H
#define SYNQ_WATCH_HTTP_H

/* synq watch --listen ADDR:PORT: a minimal HTTP/1.x endpoint for
 * Prometheus. GET /metrics answers with the exposition text of a fresh
 * sample; anything else gets 404 or 405. One connection at a time, each
 * with a short deadline and a bounded request, closed after the reply: a
 * scraper needs no more, and a slow or idle client (Slowloris) can hold it
 * for at most the deadline. */

#include <stddef.h>
#include <sys/socket.h>

/* "127.0.0.1:9100", "[::1]:9100", ":9100" (all IPv4 addresses) into *ss.
 * 0, or -EINVAL with a reason in err. Pure. */
int watch_http_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
                          char *err, size_t cap);

enum watch_http_route {
	WATCH_HTTP_INCOMPLETE, /* no end of headers yet */
	WATCH_HTTP_METRICS,    /* GET or HEAD /metrics */
	WATCH_HTTP_NOT_FOUND,  /* another path */
	WATCH_HTTP_METHOD,     /* another method */
	WATCH_HTTP_BAD,        /* not an HTTP request line */
};

/* Route a request from its bytes so far. *head is set for HEAD. Pure. */
enum watch_http_route watch_http_route(const char *req, size_t len, int *head);

/* A listening socket (SO_REUSEADDR, close-on-exec). fd or -errno. */
int watch_http_listen(const struct sockaddr_storage *ss, socklen_t len);

/* Produce the body of one reply: the text and its length, to be freed by
 * the caller with free(); -errno on failure. */
typedef int (*watch_http_body_fn)(void *ctx, char **body, size_t *len);

/* Accept and answer one connection on lfd (which poll() said is ready).
 * deadline_ms bounds the whole exchange. 0, or -errno on a failed accept. */
int watch_http_serve_one(int lfd, int deadline_ms, watch_http_body_fn body, void *ctx);

#endif
