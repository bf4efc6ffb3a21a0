/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_IP_TCP_PLAIN_H
#define SYNQ_IP_TCP_PLAIN_H

/* The segment most of a connection's life is made of, built in one pass:
 * an IPv4 header without options, a TCP header whose only option is the
 * timestamp (NOP NOP TS, Linux's layout) or none. The bytes are
 * tcp_segment_emit()'s for the same segment (tests/unit/test_ip.c builds
 * both and compares); this way skips the option layout, which has only
 * these two shapes here, and the field structs of the general builder.
 * Inline: the output path is its only user, and each field is then one
 * swap and one store. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"

struct tcp_plain_segment {
	uint32_t seq;
	uint32_t ack;
	uint32_t tsval;
	uint32_t tsecr;
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t window;      /* the raw 16-bit field */
	uint16_t payload_len;
	uint8_t flags;
	bool has_timestamp;
	const uint8_t *payload; /* NULL: payload_len bytes already in place */
};

/* The IPv4 header checksum of the header ipv4_emit() writes, from the
 * fields (host order) rather than from memory: the header's ten 16-bit
 * words summed and folded. */
static inline uint16_t tcp_plain_ip_checksum(const struct ipv4_fields *f, uint16_t total_len)
{
	uint32_t sum = (0x4500u | f->tos) + total_len + f->id +
	               (f->dont_fragment ? IPV4_FLAG_DF : 0) +
	               ((uint32_t)f->ttl << 8 | f->protocol) +
	               (f->src_addr >> 16) + (f->src_addr & 0xffff) +
	               (f->dst_addr >> 16) + (f->dst_addr & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The 20-byte IPv4 header ipv4_emit() writes, for a datagram of
 * total_len bytes, its checksum summed from the fields. */
static inline void tcp_plain_ip_header(uint8_t *buf, const struct ipv4_fields *f,
                                       uint16_t total_len)
{
	buf[0] = 0x45;
	buf[1] = f->tos;
	store_be16(buf + 2, total_len);
	store_be16(buf + 4, f->id);
	store_be16(buf + 6, f->dont_fragment ? IPV4_FLAG_DF : 0);
	buf[8] = f->ttl;
	buf[9] = f->protocol;
	store_be16(buf + 10, tcp_plain_ip_checksum(f, total_len));
	store_be32(buf + 12, f->src_addr);
	store_be32(buf + 16, f->dst_addr);
}

/* The fixed 20 bytes of a TCP header (checksum 0), the payload of
 * payload_len bytes moved in behind its header_len bytes first (NULL:
 * already in place). Both builders' start; forced inline, as the plain
 * builder's one pass depends on it (+108 instructions a connection
 * otherwise, callgrind). */
static inline __attribute__((always_inline)) void
tcp_header_store(uint8_t *th, uint16_t src_port, uint16_t dst_port, uint32_t seq, uint32_t ack,
                 size_t header_len, uint8_t flags, uint16_t window, uint16_t urg_ptr,
                 const uint8_t *payload, size_t payload_len)
{
	if (payload && payload_len)
		memmove(th + header_len, payload, payload_len);
	store_be16(th, src_port);
	store_be16(th + 2, dst_port);
	store_be32(th + 4, seq);
	store_be32(th + 8, ack);
	th[12] = (uint8_t)((header_len / 4) << 4);
	th[13] = flags;
	store_be16(th + 14, window);
	store_be32(th + 16, urg_ptr); /* the checksum's 0, then the pointer */
}

/* The TCP checksum of the tcp_len bytes at th, over ipf's pseudo-header. */
static inline __attribute__((always_inline)) void
tcp_sum_store(uint8_t *th, const struct ipv4_fields *ipf, size_t tcp_len)
{
	uint64_t pseudo = inet_sum_pseudo(ipf->src_addr, ipf->dst_addr, IPV4_PROTO_TCP,
	                                  (uint16_t)tcp_len);
	store_be16(th + 16, inet_sum_finish(inet_sum_add(pseudo, th, tcp_len)));
}

/* Build the datagram into buf (capacity cap), the TCP checksum only when
 * sum is set (left 0 otherwise, for tcp_checksum_fill()). Returns its
 * length, or 0 if it does not fit. */
static inline size_t tcp_plain_segment_emit(uint8_t *buf, size_t cap,
                                            const struct ipv4_fields *ipf,
                                            const struct tcp_plain_segment *seg, bool sum)
{
	static const uint8_t ts_head[4] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP,
	                                    TCPOLEN_TIMESTAMP };
	size_t header_len = TCP_HEADER_MIN + (seg->has_timestamp ? 12u : 0u);
	size_t tcp_len = header_len + seg->payload_len;
	size_t total_len = IPV4_HEADER_MIN + tcp_len;
	if (total_len > cap || total_len > 0xffff)
		return 0;
	uint8_t *th = buf + IPV4_HEADER_MIN;
	tcp_header_store(th, seg->src_port, seg->dst_port, seg->seq, seg->ack, header_len,
	                 seg->flags, seg->window, 0, seg->payload, seg->payload_len);
	if (seg->has_timestamp) {
		memcpy(th + 20, ts_head, sizeof ts_head);
		store_be32(th + 24, seg->tsval);
		store_be32(th + 28, seg->tsecr);
	}
	if (sum)
		tcp_sum_store(th, ipf, tcp_len);
	tcp_plain_ip_header(buf, ipf, (uint16_t)total_len);
	return total_len;
}

#endif
