/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_DIAG_H
#define SYNQ_WATCH_DIAG_H

/* inet_diag over NETLINK_SOCK_DIAG, the pure half: build a dump request,
 * turn reply messages into watch_sock records and feed them to the
 * listener table. The socket itself lives in sample.c.
 *
 * A request is an nlmsghdr of type SOCK_DIAG_BY_FAMILY with NLM_F_DUMP and
 * an inet_diag_req_v2 naming the family, IPPROTO_TCP and a state mask; no
 * extensions are asked for (idiag_ext = 0), so each reply message is the
 * bare inet_diag_msg plus the few attributes the kernel always adds, which
 * keeps a dump of 100 000 sockets cheap. The kernel walks the listening
 * hash only when TCP_LISTEN is in the mask and the established hash only
 * when another state is (inet_diag_dump_icsk()), so listeners and the rest
 * are asked for separately. Walking the established hash costs the kernel
 * some 20 ms per walk at 100 000 sockets even when it sends nothing, so
 * both families are asked for in one request where the kernel allows it.
 *
 * Filling a message costs the kernel about a microsecond a socket, and on a
 * busy host most ESTABLISHED sockets are outgoing ones on ephemeral ports
 * that belong to no listener. The second dump therefore carries a bytecode
 * filter (inet_diag_bc_run()) on the listeners' ports, so the kernel skips
 * those sockets before filling anything. */

#include <stddef.h>
#include <stdint.h>

#include "watch/listeners.h"

/* Build a dump request into buf (cap bytes, at least
 * WATCH_DIAG_REQUEST_BYTES). With n_ranges > 0 the request carries an
 * INET_DIAG_REQ_BYTECODE filter that passes only sockets whose local port
 * lies in one of the ranges (at most WATCH_DIAG_MAX_RANGES). family
 * AF_UNSPEC asks for both families in one request (TCPDIAG_GETSOCK with an
 * inet_diag_req, which the kernel still serves and answers in the same
 * message format): one walk of the established hash instead of two.
 * Returns its length, or 0 when cap is short or there are too many ranges. */
#define WATCH_DIAG_MAX_RANGES 32
#define WATCH_DIAG_REQUEST_BYTES 1024
size_t watch_diag_request(void *buf, size_t cap, uint8_t family, uint32_t states,
                          uint32_t seq, const struct watch_port_range *ranges,
                          size_t n_ranges);

/* The filter alone: inet_diag bytecode accepting a local port in any of
 * the ranges. Returns its length (20 bytes a range + 4), 0 when cap is
 * short or n is 0. */
size_t watch_diag_port_filter(uint8_t *buf, size_t cap, const struct watch_port_range *ranges,
                              size_t n);

/* Decode one reply message (payload = inet_diag_msg). 0, or -EBADMSG when
 * the payload is shorter than an inet_diag_msg or the family is neither
 * AF_INET nor AF_INET6. */
struct nlmsghdr;
int watch_diag_decode(const struct nlmsghdr *nlh, struct watch_sock *out);

/* What watch_diag_feed() found in one buffer. */
enum watch_diag_status {
	WATCH_DIAG_MORE = 1,    /* messages taken, the dump goes on */
	WATCH_DIAG_DONE = 0,    /* NLMSG_DONE seen */
	WATCH_DIAG_ERROR = -1,  /* NLMSG_ERROR, a bad message, or seq/portid mismatch */
};

/* Feed one received buffer of a dump: LISTEN sockets go to
 * watch_listeners_add(), the others to watch_listeners_match(). *err gets
 * the negative errno of an NLMSG_ERROR (or -EBADMSG) on WATCH_DIAG_ERROR.
 * `bad` counts messages that could not be decoded. */
struct watch_diag_feed_ctx {
	struct watch_listeners *table;
	uint64_t bad;
};
enum watch_diag_status watch_diag_feed(const void *buf, size_t len, uint32_t seq,
                                       uint32_t portid,
                                       struct watch_diag_feed_ctx *ctx, int *err);

#endif
