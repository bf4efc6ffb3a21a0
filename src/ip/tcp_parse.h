/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_IP_TCP_PARSE_H
#define SYNQ_IP_TCP_PARSE_H

/* tcp_parse() (tcp_wire.h) as an inline function, for the stack's input
 * path: every segment goes through it, and as a call it cost the call
 * itself and an ipv4_view written out only to be read back (the input
 * function is too large for the compiler to inline it on its own).
 * The options of the two layouts Linux sends most are read here; any
 * other goes to tcp_options_parse(). */

#include <string.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "ip/tcp_wire.h"

/* The two layouts Linux sends most (tcp_options_write()): a data segment's
 * NOP NOP TS, and a SYN's MSS, SACK-permitted+TS, NOP WS. Recognising them
 * whole skips the walk (as Linux's tcp_fast_parse_options() does for the
 * first). */
static inline bool tcp_options_parse_common(const uint8_t *p, size_t len,
                                            struct tcp_options *opt)
{
	if (len == 12 && p[0] == TCPOPT_NOP && p[1] == TCPOPT_NOP &&
	    p[2] == TCPOPT_TIMESTAMP && p[3] == TCPOLEN_TIMESTAMP) {
		opt->has_timestamp = true;
		opt->tsval = load_be32(p + 4);
		opt->tsecr = load_be32(p + 8);
		return true;
	}
	if (len == 20 && p[0] == TCPOPT_MSS && p[1] == TCPOLEN_MSS &&
	    p[4] == TCPOPT_SACK_PERM && p[5] == TCPOLEN_SACK_PERM &&
	    p[6] == TCPOPT_TIMESTAMP && p[7] == TCPOLEN_TIMESTAMP && p[16] == TCPOPT_NOP &&
	    p[17] == TCPOPT_WINDOW && p[18] == TCPOLEN_WINDOW) {
		opt->has_mss = true;
		opt->mss = load_be16(p + 2);
		opt->sack_permitted = true;
		opt->has_timestamp = true;
		opt->tsval = load_be32(p + 8);
		opt->tsecr = load_be32(p + 12);
		opt->has_wscale = true;
		opt->wscale = p[19];
		return true;
	}
	return false;
}

static inline __attribute__((always_inline)) enum synq_drop_reason
tcp_parse_inline(const struct ipv4_view *ip, struct tcp_segment *seg, bool verify_checksum)
{
	const uint8_t *th = ip->payload;
	size_t len = ip->payload_len;
	if (len < TCP_HEADER_MIN)
		return SYNQ_DROP_TCP_SHORT;
	unsigned header_len = (th[12] >> 4) * 4u;
	if (header_len < TCP_HEADER_MIN || header_len > len)
		return SYNQ_DROP_TCP_HEADER_LEN;
	if (verify_checksum) {
		uint64_t sum = inet_sum_pseudo(ip->src_addr, ip->dst_addr,
		                               IPV4_PROTO_TCP, (uint16_t)len);
		if (inet_sum_finish(inet_sum_add(sum, th, len)) != 0)
			return SYNQ_DROP_TCP_CHECKSUM;
	}
	seg->src_addr = ip->src_addr;
	seg->dst_addr = ip->dst_addr;
	seg->src_port = load_be16(th);
	seg->dst_port = load_be16(th + 2);
	seg->seq = load_be32(th + 4);
	seg->ack = load_be32(th + 8);
	seg->flags = th[13];
	seg->window = load_be16(th + 14);
	seg->urg_ptr = load_be16(th + 18);
	seg->header_len = (uint8_t)header_len;
	seg->payload = th + header_len;
	seg->payload_len = (uint16_t)(len - header_len);
	const uint8_t *opts = th + TCP_HEADER_MIN;
	size_t opts_len = header_len - TCP_HEADER_MIN;
	memset(&seg->opt, 0, sizeof seg->opt);
	if (opts_len && !tcp_options_parse_common(opts, opts_len, &seg->opt))
		tcp_options_parse(opts, opts_len, &seg->opt);
	return SYNQ_DROP_NONE;
}

#endif
